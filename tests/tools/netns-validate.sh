#!/usr/bin/env bash
# netns-validate.sh - run a Kea or ISC dhcpd config check inside a private,
# throw-away network namespace that holds links with the given names
# (kea-dhcp4/6 -t refuse configs naming interfaces that do not exist).
#
# usage: netns-validate.sh [--ifaces NAME[/ADDR],...] [--suite host|trixie|sid]
#                          [--ensure] [--timeout SECS] DAEMON CONFIG_FILE
#
#   DAEMON   kea-dhcp4 | kea-dhcp6 | kea-dhcp-ddns | kea-ctrl-agent   (DAEMON -t FILE)
#            dhcpd (dhcpd -t -cf FILE) | dhcpd6 (dhcpd -6 -t -cf FILE)
#   --ifaces comma separated link names (repeatable), up to 15 chars each, e.g.
#            eth1,ib0,bond0,enp0s3.100. "NAME/ADDR" also assigns ADDR to NAME
#            (needed for Kea's "eth1/192.0.2.1" interface syntax); "lo" and "*" are ignored.
#   --suite  host (default: the host's binaries) or a kea-chroot.sh suite
#            (trixie = Kea 2.6, sid = Kea 3.0); the config is copied to the chroot's /tmp.
#   --ensure build the chroot first if it is missing (kea-chroot.sh ensure SUITE)
#   --timeout validator time limit in seconds (default 120; exit 124 when hit)
#
# Prints the validator's output and exits with its exit status.
# Exit 2: usage error. Exit 125: setup failure (not root, namespace/link creation
# failed, chroot not ready, daemon not available in that suite).
# The namespace is named xcatdhcp-nv-<pid>-<random> and is always deleted.
set -euo pipefail

PROG=${0##*/}
HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
KEA_CHROOT=${KEA_CHROOT_SH:-$HERE/kea-chroot.sh}

IFACES=()
SUITE=host
ENSURE=0
TIMEOUT=120
NS=""
CHROOT_COPY=""
HOST_RUNDIR=""
CHILD=""

usage() {
    sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit "${1:-2}"
}
fail() { echo "$PROG: error: $*" >&2; exit 125; }
usage_error() { echo "$PROG: $* (see $PROG --help)" >&2; exit 2; }

# shellcheck disable=SC2317  # invoked from the EXIT trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    if [[ -n $CHILD ]]; then
        kill -TERM "$CHILD" 2>/dev/null || true
        wait "$CHILD" 2>/dev/null || true
    fi
    if [[ -n $NS ]]; then
        ip netns del "$NS" 2>/dev/null || echo "$PROG: warning: could not delete netns $NS" >&2
    fi
    [[ -n $CHROOT_COPY ]] && rm -f -- "$CHROOT_COPY"
    [[ -n $HOST_RUNDIR ]] && rm -rf -- "$HOST_RUNDIR"
    exit "$rc"
}

# Linux dev_valid_name(): 1..15 bytes, not "." or "..", no '/', ':' or whitespace.
valid_ifname() {
    local n=$1
    ((${#n} >= 1 && ${#n} <= 15)) || return 1
    [[ $n != "." && $n != ".." ]] || return 1
    [[ $n != *[/:[:space:]]* ]] || return 1
}

# ---------------------------------------------------------------- arguments
while (($# > 0)); do
    case $1 in
        --ifaces | --interfaces)
            (($# >= 2)) || usage_error "$1 needs a value"
            IFS=, read -r -a _l <<<"$2"
            IFACES+=("${_l[@]}")
            shift 2
            ;;
        --ifaces=* | --interfaces=*)
            IFS=, read -r -a _l <<<"${1#*=}"
            IFACES+=("${_l[@]}")
            shift
            ;;
        --suite)
            (($# >= 2)) || usage_error "--suite needs a value"
            SUITE=$2
            shift 2
            ;;
        --suite=*) SUITE=${1#*=}; shift ;;
        --ensure) ENSURE=1; shift ;;
        --timeout)
            (($# >= 2)) || usage_error "--timeout needs a value"
            TIMEOUT=$2
            shift 2
            ;;
        --timeout=*) TIMEOUT=${1#*=}; shift ;;
        -h | --help) usage 0 ;;
        --) shift; break ;;
        -*) usage_error "unknown option $1" ;;
        *) break ;;
    esac
done
(($# == 2)) || usage_error "expected DAEMON CONFIG_FILE"
DAEMON=$1
CONFIG=$2
[[ $TIMEOUT =~ ^[0-9]+$ && $TIMEOUT -gt 0 ]] || usage_error "bad --timeout '$TIMEOUT'"

case $DAEMON in
    kea-dhcp4 | kea-dhcp6 | kea-dhcp-ddns | kea-ctrl-agent) BIN=$DAEMON ;;
    dhcpd | dhcpd6) BIN=dhcpd ;;
    *) usage_error "unknown DAEMON '$DAEMON'" ;;
esac
case $SUITE in
    host | trixie | sid) ;;
    *) usage_error "unknown suite '$SUITE' (host, trixie, sid)" ;;
esac
[[ -f $CONFIG && -r $CONFIG ]] || fail "config file '$CONFIG' not found or not readable"

LINKS=() ADDRS=()
for spec in "${IFACES[@]}"; do
    spec=${spec//[[:space:]]/}
    [[ -n $spec ]] || continue
    name=${spec%%/*}
    addr=""
    [[ $spec == */* ]] && addr=${spec#*/}
    [[ $name == "*" || $name == "lo" ]] && continue
    valid_ifname "$name" || usage_error "invalid interface name '$name' (1-15 chars, no '/', ':' or blanks)"
    seen=0
    for l in "${LINKS[@]}"; do [[ $l == "$name" ]] && seen=1; done
    ((seen)) || LINKS+=("$name")
    [[ -n $addr ]] && ADDRS+=("$name $addr")
done

[[ $(id -u) -eq 0 ]] || fail "must run as root (ip netns add)"
command -v ip >/dev/null || fail "iproute2 (ip) is not installed"

# ---------------------------------------------------------------- validator command
CMD=()
case $DAEMON in
    kea-*) CMD=("$BIN" -t) ;;
    dhcpd) CMD=(dhcpd -t -cf) ;;
    dhcpd6) CMD=(dhcpd -6 -t -cf) ;;
esac

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

if [[ $SUITE == host ]]; then
    command -v "$BIN" >/dev/null || [[ -x /usr/sbin/$BIN ]] ||
        fail "$BIN is not installed on the host"
    # Keep -t from touching the host's /run: private pid/lock dirs.
    HOST_RUNDIR=$(mktemp -d /tmp/xcatdhcp-nv-run.XXXXXX)
    RUN=(env PATH="/usr/sbin:/usr/bin:/sbin:/bin:$PATH" KEA_PIDFILE_DIR="$HOST_RUNDIR"
        KEA_LOCKFILE_DIR="$HOST_RUNDIR" "${CMD[@]}" "$CONFIG")
else
    [[ -x $KEA_CHROOT ]] || fail "$KEA_CHROOT not found"
    if ((ENSURE)); then
        "$KEA_CHROOT" ensure "$SUITE" >/dev/null || fail "could not build the $SUITE chroot"
    fi
    ROOT=$("$KEA_CHROOT" path "$SUITE" 2>/dev/null) ||
        fail "$SUITE chroot not ready (run: $KEA_CHROOT ensure $SUITE, or pass --ensure)"
    [[ -x $ROOT/usr/sbin/$BIN ]] || fail "$BIN is not installed in the $SUITE chroot"
    base=$(basename -- "$CONFIG")
    base=${base//[^A-Za-z0-9._-]/_}
    # Keep the original file name visible in messages: /tmp/xcatdhcp-nv.XXXXXX-NAME
    CHROOT_COPY=$(mktemp --suffix="-$base" "$ROOT/tmp/xcatdhcp-nv.XXXXXX")
    cat -- "$CONFIG" >"$CHROOT_COPY"
    chmod 0644 "$CHROOT_COPY"
    RUN=("$KEA_CHROOT" run "$SUITE" "${CMD[@]}" "/tmp/${CHROOT_COPY##*/}")
fi

# ---------------------------------------------------------------- namespace
ns_name="xcatdhcp-nv-$$-$RANDOM"
ip netns add "$ns_name" 2>/dev/null || fail "ip netns add $ns_name failed"
NS=$ns_name
ip -n "$NS" link set lo up

# The preferred link type is "dummy"; some kernels are built without it
# (CONFIG_DUMMY unset: "Error: Unknown device type."), so fall back to an
# empty bridge, then ifb. Kea's -t only checks that the name exists.
# shellcheck disable=SC2206
LINK_TYPES=(${NETNS_VALIDATE_LINK_TYPE:-dummy bridge ifb})
add_link() {
    local name=$1 t err=""
    for t in "${LINK_TYPES[@]}"; do
        if err=$(ip -n "$NS" link add "$name" type "$t" 2>&1); then
            LINK_TYPES=("$t")   # remember what works for the next links
            return 0
        fi
        [[ $err == *"Unknown device type"* || $err == *"not supported"* ]] || break
    done
    fail "cannot create link '$name' in $NS: $err"
}
for name in "${LINKS[@]}"; do
    add_link "$name"
    ip -n "$NS" link set "$name" up
done
for pair in "${ADDRS[@]}"; do
    name=${pair%% *}
    addr=${pair#* }
    if [[ $addr == *:* ]]; then
        [[ $addr == */* ]] || addr=$addr/128
        ip -n "$NS" -6 addr add "$addr" dev "$name" nodad 2>/dev/null ||
            fail "cannot add address $addr to $name"
    else
        [[ $addr == */* ]] || addr=$addr/32
        ip -n "$NS" addr add "$addr" dev "$name" 2>/dev/null ||
            fail "cannot add address $addr to $name"
    fi
done

# ---------------------------------------------------------------- validate
# Run as a waited-on child so that INT/TERM reach our trap at once (bash defers
# traps while a foreground child runs); the trap forwards the signal to it.
rc=0
ip netns exec "$NS" timeout --kill-after=5 "$TIMEOUT" "${RUN[@]}" <&0 &
CHILD=$!
wait "$CHILD" || rc=$?
CHILD=""
((rc == 124)) && echo "$PROG: $DAEMON timed out after ${TIMEOUT}s" >&2
exit "$rc"
