# shellcheck shell=bash
# Shared helpers for the live DHCP tests (sourced, not run). Needs bash, iproute2, jq, timeout.
#
# Safety rules every user of this file keeps:
#   * namespaces are named with the caller's PID and created by live_netns_up only;
#   * veth pairs are created inside the namespaces, never in the host namespace;
#   * only processes started with live_start are ever signalled, by their recorded PID;
#   * live_cleanup (installed as an EXIT trap by live_init) stops them and deletes the namespaces.

LIVE_PIDS=()        # PIDs started with live_start (the `timeout` wrappers)
LIVE_PID_NAMES=()   # their names, same order
LIVE_NAMESPACES=()  # namespaces created by live_netns_up
LIVE_CLEANUP_FILES=()  # files outside $LIVE_WORK to delete at the end (chroot configs, logs)
LIVE_PASSED=0
LIVE_FAILED=0
LIVE_FAILED_ROWS=()
LIVE_MAX_LIFETIME=${LIVE_MAX_LIFETIME:-600}  # no server outlives this many seconds

live_die() {
    echo "live: FATAL: $*" >&2
    exit 1
}

live_note() { echo "live: $*" >&2; }

# live_init WORKDIR: installs the cleanup trap.
live_init() {
    LIVE_WORK=$1
    mkdir -p "$LIVE_WORK" || live_die "cannot create $LIVE_WORK"
    trap live_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM HUP
}

live_cleanup() {
    local rc=$? i pid ns f
    trap - EXIT
    for ((i = ${#LIVE_PIDS[@]} - 1; i >= 0; i--)); do
        pid=${LIVE_PIDS[i]}
        [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && live_stop_pid "$pid"
    done
    for ns in "${LIVE_NAMESPACES[@]}"; do
        ip netns del "$ns" 2>/dev/null || echo "live: warning: could not delete namespace $ns" >&2
    done
    for f in "${LIVE_CLEANUP_FILES[@]}"; do
        rm -f -- "$f"
    done
    if [[ -n ${LIVE_WORK:-} && -d $LIVE_WORK && ${LIVE_KEEP:-0} != 1 ]]; then
        rm -rf -- "$LIVE_WORK"
    elif [[ -n ${LIVE_WORK:-} ]]; then
        echo "live: kept $LIVE_WORK" >&2
    fi
    exit "$rc"
}

# live_stop_pid PID: TERM, then KILL after 5 s. Only for PIDs from live_start.
live_stop_pid() {
    local pid=$1 n
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((n = 0; n < 50; n++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

# live_start NAME OUTFILE CMD...: runs CMD in the background under `timeout`, output to OUTFILE.
# Sets LIVE_LAST_PID.
live_start() {
    local name=$1 out=$2
    shift 2
    timeout -k 5 "$LIVE_MAX_LIFETIME" "$@" >"$out" 2>&1 </dev/null &
    LIVE_LAST_PID=$!
    LIVE_PIDS+=("$LIVE_LAST_PID")
    LIVE_PID_NAMES+=("$name")
}

# live_stop NAME: stops the process started under NAME (if still running).
live_stop() {
    local name=$1 i
    for i in "${!LIVE_PID_NAMES[@]}"; do
        if [[ ${LIVE_PID_NAMES[i]} == "$name" && -n ${LIVE_PIDS[i]} ]]; then
            live_stop_pid "${LIVE_PIDS[i]}"
            LIVE_PIDS[i]=""
        fi
    done
}

# live_running NAME: true while the process started under NAME runs.
live_running() {
    local name=$1 i
    for i in "${!LIVE_PID_NAMES[@]}"; do
        if [[ ${LIVE_PID_NAMES[i]} == "$name" && -n ${LIVE_PIDS[i]} ]]; then
            kill -0 "${LIVE_PIDS[i]}" 2>/dev/null
            return
        fi
    done
    return 1
}

# live_wait_for NAME FILE PATTERN SECONDS: waits until FILE contains PATTERN (grep -E) while
# NAME runs. Returns 1 on timeout or when the process ended.
live_wait_for() {
    local name=$1 file=$2 pattern=$3 seconds=$4 n
    for ((n = 0; n < seconds * 10; n++)); do
        [[ -f $file ]] && grep -qE -- "$pattern" "$file" && return 0
        live_running "$name" || return 1
        sleep 0.1
    done
    return 1
}

# live_netns_up SRV CLI: two namespaces joined by veth pairs SRV:xsI <-> CLI:xcI for I in
# 0..LINKS-1 (LINKS defaults to 1). No address is set here.
live_netns_up() {
    local srv=$1 cli=$2 links=${3:-1} i ns
    for ns in "$srv" "$cli"; do
        ip netns add "$ns" 2>"$LIVE_WORK/netns.err" ||
            live_die "cannot create network namespace $ns: $(cat "$LIVE_WORK/netns.err") (the live tests need root and network namespaces)"
        LIVE_NAMESPACES+=("$ns")
        ip -n "$ns" link set lo up || live_die "cannot bring up lo in $ns"
    done
    for ((i = 0; i < links; i++)); do
        ip link add "xs$i" netns "$srv" type veth peer name "xc$i" netns "$cli" 2>"$LIVE_WORK/netns.err" ||
            live_die "cannot create the veth pair xs$i/xc$i inside the namespaces: $(cat "$LIVE_WORK/netns.err")"
        # No duplicate address detection: link-local addresses are usable at once (DHCPv6).
        ip netns exec "$srv" sysctl -qw "net.ipv6.conf.xs$i.accept_dad=0" >/dev/null 2>&1
        ip netns exec "$cli" sysctl -qw "net.ipv6.conf.xc$i.accept_dad=0" >/dev/null 2>&1
        ip -n "$srv" link set "xs$i" up || live_die "cannot bring up xs$i"
        ip -n "$cli" link set "xc$i" up || live_die "cannot bring up xc$i"
    done
    # Both ends were created inside the namespaces (never in the host namespace): check.
    for ((i = 0; i < links; i++)); do
        ip -n "$srv" link show "xs$i" >/dev/null 2>&1 || live_die "xs$i is not in namespace $srv"
        ip -n "$cli" link show "xc$i" >/dev/null 2>&1 || live_die "xc$i is not in namespace $cli"
    done
    return 0
}

# live_veth_ns NS A.B.C SRV_IF CLI_IF: one namespace (the caller deletes it) with lo and a veth
# pair SRV_IF <-> CLI_IF inside it, A.B.C.1/24 on SRV_IF, IPv6 off: a server and a probe that
# share the namespace. Returns non-zero when a step fails.
live_veth_ns() {
    local ns=$1 net=$2 srv_if=$3 cli_if=$4
    ip netns add "$ns" || return 1
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 || return 1
    ip -n "$ns" link set lo up &&
        ip -n "$ns" link add "$srv_if" type veth peer name "$cli_if" &&
        ip -n "$ns" addr add "$net.1/24" dev "$srv_if" &&
        ip -n "$ns" link set "$srv_if" up && ip -n "$ns" link set "$cli_if" up
}

# live_wait_link_local NS IFACE: waits (max 5 s) for a non-tentative fe80:: address.
live_wait_link_local() {
    local ns=$1 ifc=$2 n
    for ((n = 0; n < 50; n++)); do
        if ip -n "$ns" -6 addr show dev "$ifc" scope link 2>/dev/null | grep -q inet6 &&
            ! ip -n "$ns" -6 addr show dev "$ifc" 2>/dev/null | grep -q tentative; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# ---------------------------------------------------------------- reporting

# live_ok TEXT / live_fail TEXT [DETAIL...]: one line per row, details indented.
live_ok() {
    LIVE_PASSED=$((LIVE_PASSED + 1))
    printf 'ok     %s\n' "$1"
}

live_fail() {
    LIVE_FAILED=$((LIVE_FAILED + 1))
    LIVE_FAILED_ROWS+=("$1")
    printf 'FAILED %s\n' "$1"
    shift
    local line
    for line in "$@"; do
        printf '         %s\n' "$line"
    done
}

# live_tail FILE [N]: the last N lines of a log, indented (for failure details).
live_tail() {
    local file=$1 n=${2:-12}
    if [[ -s $file ]]; then
        echo "         --- last $n lines of $file ---"
        tail -n "$n" "$file" | cut -c1-220 | sed 's/^/         | /'
    else
        echo "         --- $file is empty or missing ---"
    fi
}

live_summary() {
    echo
    echo "$LIVE_PASSED passed, $LIVE_FAILED failed"
    [[ $LIVE_FAILED -eq 0 ]]
}

# ---------------------------------------------------------------- probe reports

# jq filters over `xcatdhcp probe --json` output.
# shellcheck disable=SC2016  # jq program, not shell
# The answer a row is judged on: the DHCPACK when there is one, else the first DHCPOFFER
# (DHCPv6: the REPLY, else the first ADVERTISE).
LIVE_JQ_DEFS='
def answer: if .family == 6 then (.reply // .advertise) else (.ack // .offer) end;
def optval($c): (answer // {}) | (.options // []) | map(select(.code == $c)) | first
                | if . == null then null elif (.value | type) == "array" then (.value | join(", "))
                  else (.value | tostring) end;
def v6addr: (answer // {}) | (.addresses // []) | map(.address) | first;
'

# live_field JSONFILE FIELD: one field of the answer as text ("" when absent).
#   status, yiaddr, file, file_expanded, siaddr, sname, server_id, optN, v6addr
live_field() {
    local json=$1 field=$2 filter
    case $field in
        status) filter='.status' ;;
        yiaddr | file | file_expanded | siaddr | sname | server_id) filter="(answer // {}).$field" ;;
        v6addr) filter='v6addr' ;;
        opt*) filter="optval(${field#opt})" ;;
        *) echo "live_field: unknown field $field" >&2; return 2 ;;
    esac
    jq -r "$LIVE_JQ_DEFS $filter // \"\"" "$json" 2>/dev/null
}

# live_ip_in IP FIRST LAST: IPv4 range check.
live_ip_in() {
    local ip=$1 first=$2 last=$3
    [[ $ip =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || return 1
    local a b c d v f l
    IFS=. read -r a b c d <<<"$ip"; v=$(((a << 24) | (b << 16) | (c << 8) | d))
    IFS=. read -r a b c d <<<"$first"; f=$(((a << 24) | (b << 16) | (c << 8) | d))
    IFS=. read -r a b c d <<<"$last"; l=$(((a << 24) | (b << 16) | (c << 8) | d))
    ((v >= f && v <= l))
}

# live_kea_adapt IN OUT LEASE SOCKET LOG [SEVERITY [DEBUGLEVEL [EXTRA_SOCKET]]]: our rendered
# kea-dhcp4.conf (IN, comment lines allowed) with the run's own lease file (no cleanup
# process), UNIX control socket and log file at SEVERITY (default INFO); EXTRA_SOCKET (JSON) is
# a control socket added to control-sockets (3.0: the daemon's HTTP socket).
live_kea_adapt() {
    local in=$1 out=$2 lease=$3 sock=$4 log=$5 severity=${6:-INFO} debuglevel=${7:-0} extra=${8:-null}
    grep -v '^[[:space:]]*//' "$in" | jq --arg lease "$lease" --arg sock "$sock" --arg log "$log" \
        --arg severity "$severity" --argjson debuglevel "$debuglevel" --argjson extra "$extra" '
        .Dhcp4["lease-database"].name = $lease
        | .Dhcp4["lease-database"]["lfc-interval"] = 0
        | if .Dhcp4["control-socket"] then .Dhcp4["control-socket"]["socket-name"] = $sock else . end
        | if .Dhcp4["control-sockets"] then
              .Dhcp4["control-sockets"] |= map(if .["socket-type"] == "unix" then .["socket-name"] = $sock else . end)
          else . end
        | if $extra != null then .Dhcp4["control-sockets"] += [$extra] else . end
        | .Dhcp4.loggers = [{"name": "kea-dhcp4", "severity": $severity, "debuglevel": $debuglevel,
                             "output_options": [{"output": $log}]}]' >"$out"
}
