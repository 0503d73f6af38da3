#!/usr/bin/env bash
# Boot-storm benchmark (a program that prints figures; not a ctest test, no timed assertion).
#
#   tests/bench/boot_storm.sh BUILD_DIR SOURCE_DIR
#
# NODES reserved nodes (default 10,000) in one /16, rendered by `xcatdhcp render` with the full
# boot classes, served by a real DHCP server in a network namespace and driven by Kea's perfdhcp
# (package kea-admin) from a client namespace. Per run: perfdhcp offers RATE DORA/s for PERIOD
# seconds, as the reserved nodes (-M, their MACs) and either with plain packets (mode `none`) or
# as xNBA BIOS clients (mode `pxe`: option 93 = 0x0000, option 77 = "xNBA", so every boot test
# runs its full length).
#
# Cases (CASES, default all): SERVER:VARIANT with SERVER kea-2.2 (the host's kea-dhcp4),
# kea-3.0 (tests/tools/kea-chroot.sh sid) or isc (the host's dhcpd), and VARIANT
#   none  our Kea config with every client class and class reference removed (the ceiling)
#   ours  our Kea config as rendered
#   peer  ours plus two test classes per node in the shape of xCAT's Perl Kea backend
#         (`XNBA and option[93].hex == 0x0000 and pkt4.mac == 0x<mac>`, and the UEFI twin)
#   base  like ours, rendered by another build's CLI (XCATDHCP_BASE): before/after a renderer change
#   nolist diagnosis: ours without the subnet's additional-class list (the marker classes' cost)
# and for isc: ours (dhcpd.conf with the hosts in it, `--static-hosts`).
# Paths, the control socket and logging (WARN, so no per-packet line) are adapted for the run;
# nothing else is changed. perfdhcp sends from 10.79.0.2 with giaddr 10.79.0.2, so the server
# picks the rendered subnet 10.79.0.0/16 by the relay address, and answers to port 67.
#
# Figures per run (raw lines in OUT/runs.tsv, medians printed as a markdown table):
#   DORA/s      ACKs perfdhcp received / PERIOD
#   replies/s   OFFERs + ACKs sent by the server / PERIOD (Kea's statistics; perfdhcp's
#               received counts for dhcpd)
#   CPU ms/pkt  server utime+stime during the perfdhcp run (/proc/PID/stat) / packets the server
#               received (Kea: its pkt4-received statistic; dhcpd: the packets perfdhcp sent)
#   other CPU s busy CPU-seconds of the machine during the run (/proc/stat) minus the server's
#               and perfdhcp's own: other processes (noise), plus softirq time of the veth
#   ratio       ceiling ms/pkt / ours ms/pkt and ours DORA/s / ceiling DORA/s, per Kea version
#
# Environment (defaults): NODES=10000 RATE=5000 PERIOD=10 REPS=3 MODES="none pxe"
#   CASES="kea-2.2:none kea-2.2:ours kea-2.2:peer kea-3.0:none kea-3.0:ours kea-3.0:peer isc:ours"
#   MT=off|on|rendered   Kea multi-threading: off (default: one thread on both versions), on, or as
#                        rendered (our config leaves it to Kea: off on 2.2, on with 2 threads on 3.0)
#   CLIENTS=reserved     reserved: perfdhcp's clients are the reserved nodes (-M, their MACs);
#                        unknown: perfdhcp's own random MACs, which the servers do not know
#   XCATDHCP_BASE=PROG   the xcatdhcp CLI that renders the `base` variant
#   QUIET_WAIT=60        before each run, wait up to this many seconds for no qemu-system process
#   QUIET_BUDGET=120     ... but no more than this many seconds of such waiting in total
#   PERF_RECORD=1        diagnosis: `perf record -g` of the server during each run (OUT/raw/*/perf.data)
#   OUT=DIR              keep configs, logs, perfdhcp output and runs.tsv there (default: a
#                        temporary directory, deleted at the end)
# Needs root, perfdhcp (kea-admin, in scripts/install-deps.sh test), python3, jq; about 15 s per run
# (42 runs by default: about 12 minutes, plus up to QUIET_BUDGET of waiting).
set -uo pipefail

BUILD=${1:?usage: boot_storm.sh BUILD_DIR SOURCE_DIR}
SRC=${2:?usage: boot_storm.sh BUILD_DIR SOURCE_DIR}
BUILD=$(cd "$BUILD" && pwd) || exit 1
SRC=$(cd "$SRC" && pwd) || exit 1
# shellcheck source=../live/lib.sh
. "$SRC/tests/live/lib.sh"

NODES=${NODES:-10000}
RATE=${RATE:-5000}
PERIOD=${PERIOD:-10}
REPS=${REPS:-3}
MODES=${MODES:-none pxe}
CASES=${CASES:-kea-2.2:none kea-2.2:ours kea-2.2:peer kea-3.0:none kea-3.0:ours kea-3.0:peer isc:ours}
MT=${MT:-off}
CLIENTS=${CLIENTS:-reserved}
[[ $CLIENTS == reserved || $CLIENTS == unknown ]] || live_die "CLIENTS must be reserved or unknown"
QUIET_WAIT=${QUIET_WAIT:-60}
QUIET_BUDGET=${QUIET_BUDGET:-120}
XCATDHCP=$BUILD/bin/xcatdhcp
HELPER=$SRC/tests/bench/boot_storm.py
KEA_CHROOT=$SRC/tests/tools/kea-chroot.sh
KEY_FILE=$SRC/examples/inventories/omapi.key
TAG=bs$$
SRV=$TAG-srv
CLI=$TAG-cli
LIVE_MAX_LIFETIME=300

[[ $(id -u) -eq 0 ]] || live_die "needs root (network namespaces, raw sockets)"
for tool in ip jq python3 perfdhcp timeout; do
    command -v "$tool" >/dev/null || live_die "$tool is not installed (perfdhcp: apt-get install kea-admin)"
done
[[ -x $XCATDHCP ]] || live_die "$XCATDHCP is missing: cmake --build $BUILD --target xcatdhcp_cli"

if [[ -n ${OUT:-} ]]; then
    mkdir -p "$OUT" || exit 1
    OUT=$(cd "$OUT" && pwd)
    LIVE_KEEP=1
    live_init "$OUT"
else
    live_init "$(mktemp -d "/tmp/$TAG.XXXXXX")"
    OUT=$LIVE_WORK
fi
mkdir -p "$OUT/raw" "$OUT/cfg"
live_netns_up "$SRV" "$CLI" 1
ip -n "$SRV" addr add 10.79.0.1/16 dev xs0 || live_die "cannot address xs0"
ip -n "$CLI" addr add 10.79.0.2/16 dev xc0 || live_die "cannot address xc0"

HZ=$(getconf CLK_TCK)
KEA22=$(kea-dhcp4 -V 2>/dev/null | head -n 1)
SID_ROOT=""
KEA30=""
if [[ $CASES == *kea-3.0* ]]; then
    SID_ROOT=$("$KEA_CHROOT" path sid) || live_die "the sid chroot (Kea 3.0) is not ready: $KEA_CHROOT ensure sid"
    KEA30=$("$KEA_CHROOT" version sid)
fi
DHCPD_V=$(dhcpd --version 2>&1 | head -n 1)
PERFDHCP_V=$(perfdhcp -v 2>&1 | head -n 1)

# ---------------------------------------------------------------- render
python3 "$HELPER" inventory "$NODES" "$OUT/macs.txt" >"$OUT/inventory.yaml" || live_die "inventory generation failed"
render() { # [--with PROG] BACKEND DIR ARGS...
    local prog=$XCATDHCP
    [[ $1 == --with ]] && { prog=$2; shift 2; }
    local dir=$2 backend=$1
    shift 2
    mkdir -p "$dir"
    local t0 t1
    t0=$(date +%s.%N)
    "$prog" render -i "$OUT/inventory.yaml" --backend "$backend" --key-file "$KEY_FILE" -o "$dir" "$@" \
        >"$dir/render.out" 2>&1 || live_die "xcatdhcp render --backend $backend $* failed: $(tail -n 3 "$dir/render.out")"
    t1=$(date +%s.%N)
    echo "rendered $backend $* in $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}') s" >&2
}
[[ $CASES == *kea-2.2* ]] && render kea "$OUT/cfg/kea-2.2" --kea-version "${KEA22%%[^0-9.]*}"
[[ $CASES == *kea-3.0* ]] && render kea "$OUT/cfg/kea-3.0" --kea-version "${KEA30%%[^0-9.]*}"
[[ $CASES == *isc:* ]] && render isc "$OUT/cfg/isc" --static-hosts
if [[ $CASES == *:base* ]]; then
    [[ -x ${XCATDHCP_BASE:-} ]] || live_die "the base variant needs XCATDHCP_BASE (another build's xcatdhcp)"
    [[ $CASES == *kea-2.2:base* ]] && render --with "$XCATDHCP_BASE" kea "$OUT/cfg/kea-2.2-base" --kea-version "${KEA22%%[^0-9.]*}"
    [[ $CASES == *kea-3.0:base* ]] && render --with "$XCATDHCP_BASE" kea "$OUT/cfg/kea-3.0-base" --kea-version "${KEA30%%[^0-9.]*}"
fi
for v in kea-2.2 kea-3.0 kea-2.2-base kea-3.0-base; do
    f=$OUT/cfg/$v/kea-dhcp4.conf
    [[ -s $f ]] || continue
    echo "$v: $(grep -v '^[[:space:]]*//' "$f" | jq -r '.Dhcp4 | "\(.["client-classes"] // [] | length) client classes, \([.subnet4[]?, .["shared-networks"][]?.subnet4[]? | .reservations // [] | length] | add) reservations, subnet list \([.subnet4[]?, .["shared-networks"][]?.subnet4[]? | (.["require-client-classes"] // .["evaluate-additional-classes"] // []) | length] | add) additional classes"')" >&2
done

# ---------------------------------------------------------------- servers
SERVER_PID=""   # the process whose CPU is measured (kea-dhcp4 or dhcpd itself)
SERVER_NAME=""
SERVER_SOCK=""

descendant_named() { # PID COMM: the first descendant of PID (or PID itself) whose comm is COMM
    local pid=$1 comm=$2 child
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$comm" ]] && { echo "$pid"; return 0; }
    for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
        descendant_named "$child" "$comm" && return 0
    done
    return 1
}

# start_server SERVER VARIANT RUNDIR MODE: sets SERVER_PID, SERVER_NAME, SERVER_SOCK, START_S.
start_server() {
    local server=$1 variant=$2 dir=$3 t0 t1 wrapper base_dir=""
    [[ $variant == base ]] && base_dir=-base
    SERVER_NAME=$TAG-$server-$variant
    SERVER_SOCK=""
    t0=$(date +%s.%N)
    case $server in
    kea-2.2)
        python3 "$HELPER" variant "${variant/base/ours}" "$OUT/cfg/kea-2.2$base_dir/kea-dhcp4.conf" "$dir/kea.json" \
            --lease "$dir/leases4.csv" --socket "$dir/kea.sock" --log "$dir/kea.log" --mt "$MT" || return 1
        SERVER_SOCK=$dir/kea.sock
        live_start "$SERVER_NAME" "$dir/server.out" env KEA_PIDFILE_DIR="$dir" KEA_LOCKFILE_DIR="$dir" \
            ip netns exec "$SRV" kea-dhcp4 -c "$dir/kea.json"
        wrapper=$LIVE_LAST_PID
        live_wait_for "$SERVER_NAME" "$dir/kea.log" DHCP4_STARTED 60 || return 1
        SERVER_PID=$(descendant_named "$wrapper" kea-dhcp4) || return 1
        ;;
    kea-3.0)
        local base=$TAG-run
        rm -f "$SID_ROOT/var/lib/kea/$base".csv* "$SID_ROOT/var/log/kea/$base.log"*
        LIVE_CLEANUP_FILES+=("$SID_ROOT/etc/kea/$base.json" "$SID_ROOT/var/lib/kea/$base.csv"
            "$SID_ROOT/var/lib/kea/$base.csv.2" "$SID_ROOT/var/lib/kea/$base.csv.pid"
            "$SID_ROOT/var/log/kea/$base.log" "$SID_ROOT/var/log/kea/$base.log.lock"
            "$SID_ROOT/run/kea/$base.sock" "$SID_ROOT/run/kea/$base.sock.lock" "$SID_ROOT/run/kea/$base.kea-dhcp4.pid")
        python3 "$HELPER" variant "${variant/base/ours}" "$OUT/cfg/kea-3.0$base_dir/kea-dhcp4.conf" "$SID_ROOT/etc/kea/$base.json" \
            --lease "/var/lib/kea/$base.csv" --socket "/run/kea/$base.sock" --log "/var/log/kea/$base.log" \
            --mt "$MT" || return 1
        cp "$SID_ROOT/etc/kea/$base.json" "$dir/kea.json"
        SERVER_SOCK=$SID_ROOT/run/kea/$base.sock
        live_start "$SERVER_NAME" "$dir/server.out" ip netns exec "$SRV" "$KEA_CHROOT" run sid \
            kea-dhcp4 -c "/etc/kea/$base.json"
        wrapper=$LIVE_LAST_PID
        live_wait_for "$SERVER_NAME" "$SID_ROOT/var/log/kea/$base.log" DHCP4_STARTED 60 || return 1
        SERVER_PID=$(descendant_named "$wrapper" kea-dhcp4) || return 1
        ;;
    isc)
        : >"$dir/dhcpd.leases"
        # dhcpd logs every packet to syslog; a private mount namespace with /dev/log masked keeps
        # those lines out of the journal (and the journal's CPU out of the figures).
        live_start "$SERVER_NAME" "$dir/server.out" ip netns exec "$SRV" unshare -m sh -c \
            'mount --bind /dev/null /dev/log 2>/dev/null; exec dhcpd -4 -f -cf "$1" -lf "$2" -pf "$3" xs0' \
            dhcpd "$OUT/cfg/isc/dhcpd.conf" "$dir/dhcpd.leases" "$dir/dhcpd.pid"
        wrapper=$LIVE_LAST_PID
        local n
        for ((n = 0; n < 300; n++)); do
            SERVER_PID=$(descendant_named "$wrapper" dhcpd) && [[ -s $dir/dhcpd.pid ]] && break
            live_running "$SERVER_NAME" || return 1
            sleep 0.1
        done
        [[ -s $dir/dhcpd.pid ]] || return 1
        sleep 0.5
        ;;
    esac
    t1=$(date +%s.%N)
    START_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
    return 0
}

cpu_ticks() { # PID: utime + stime
    awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0
}
busy_ticks() { # all CPUs: busy = total - idle - iowait
    awk '/^cpu / {t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6}' /proc/stat
}
kea_stats() { # SOCK: received offers acks
    python3 "$HELPER" stats "$1" 2>/dev/null || echo "nan nan nan"
}

WAITED=0
wait_quiet() {
    local n=0
    while pgrep -f qemu-system >/dev/null 2>&1 && ((n < QUIET_WAIT && WAITED < QUIET_BUDGET)); do
        sleep 1
        n=$((n + 1)) WAITED=$((WAITED + 1))
    done
    pgrep -f qemu-system >/dev/null 2>&1 && echo busy || echo quiet
}

# ---------------------------------------------------------------- runs
TSV=$OUT/runs.tsv
printf 'rep\tserver\tvariant\tmode\tdora_s\treplies_s\tcpu_ms_pkt\tserver_rx\tserver_cpu_s\tperfdhcp_cpu_s\tother_cpu_s\tdo_drop_pct\tra_drop_pct\tstart_s\trss_mb\tqemu\n' >"$TSV"
echo "boot storm: $NODES nodes, offered $RATE DORA/s for $PERIOD s, $REPS reps, modes: $MODES; MT=$MT; clients: $CLIENTS" >&2
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(. /etc/os-release && echo "$PRETTY_NAME")" >&2
echo "servers: kea-dhcp4 $KEA22 (host)${KEA30:+, kea-dhcp4 $KEA30 (sid chroot)}, $DHCPD_V; perfdhcp $PERFDHCP_V" >&2

run_one() { # REP SERVER VARIANT MODE
    local rep=$1 server=$2 variant=$3 mode=$4
    local dir=$OUT/raw/$server-$variant-$mode-$rep
    mkdir -p "$dir"
    local quiet
    quiet=$(wait_quiet)
    if ! start_server "$server" "$variant" "$dir"; then
        echo "$server $variant: the server did not start" >&2
        live_stop "$SERVER_NAME"
        tail -n 5 "$dir/server.out" "$dir/kea.log" 2>/dev/null >&2
        return 1
    fi
    local opts=() s0=(0 0 0) s1=(0 0 0)
    [[ $CLIENTS == reserved ]] && opts=(-M "$OUT/macs.txt")
    [[ $mode == pxe ]] && opts+=(-o 93,0000 -o 77,784e4241)
    [[ -n $SERVER_SOCK ]] && read -r -a s0 <<<"$(kea_stats "$SERVER_SOCK")"
    local c0 b0 c1 b1 perf_cpu
    local perf_pid=""
    if [[ -n ${PERF_RECORD:-} ]]; then  # diagnosis: a CPU profile of the server during the run
        perf record -F 999 -g -p "$SERVER_PID" -o "$dir/perf.data" >"$dir/perf.out" 2>&1 &
        perf_pid=$!
        sleep 0.5
    fi
    c0=$(cpu_ticks "$SERVER_PID")
    b0=$(busy_ticks)
    {
        TIMEFORMAT='%U %S'
        time timeout -k 5 $((PERIOD + 30)) ip netns exec "$CLI" perfdhcp -4 -l xc0 -r "$RATE" -R "$NODES" \
            -p "$PERIOD" -W 500000 "${opts[@]}" 10.79.0.1 >"$dir/perfdhcp.out" 2>&1
    } 2>"$dir/perfdhcp.time"
    c1=$(cpu_ticks "$SERVER_PID")
    b1=$(busy_ticks)
    [[ -n $SERVER_SOCK ]] && read -r -a s1 <<<"$(kea_stats "$SERVER_SOCK")"
    if [[ -n $perf_pid ]]; then kill -INT "$perf_pid" 2>/dev/null; wait "$perf_pid" 2>/dev/null; fi
    local rss
    rss=$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$SERVER_PID/status" 2>/dev/null)
    live_stop "$SERVER_NAME"
    perf_cpu=$(awk '{print $1 + $2}' "$dir/perfdhcp.time")
    local do_sent do_recv ra_sent ra_recv
    read -r do_sent do_recv ra_sent ra_recv <<<"$(python3 "$HELPER" perfdhcp "$dir/perfdhcp.out")"
    local rx replies
    if [[ -n $SERVER_SOCK ]]; then
        rx=$(awk -v a="${s0[0]}" -v b="${s1[0]}" 'BEGIN {print b - a}')
        replies=$(awk -v a="${s0[1]}" -v b="${s1[1]}" -v c="${s0[2]}" -v d="${s1[2]}" 'BEGIN {print b - a + d - c}')
    else
        rx=$((do_sent + ra_sent))
        replies=$((do_recv + ra_recv))
    fi
    local line
    line=$(awk -v rep="$rep" -v server="$server" -v variant="$variant" -v mode="$mode" -v p="$PERIOD" \
        -v hz="$HZ" -v c="$((c1 - c0))" -v b="$((b1 - b0))" -v perf="$perf_cpu" -v rx="$rx" -v rep_s="$replies" \
        -v ds="$do_sent" -v dr="$do_recv" -v rs="$ra_sent" -v rr="$ra_recv" -v start="$START_S" -v rss="${rss:-0}" \
        -v quiet="$quiet" 'BEGIN {
            cpu = c / hz
            ms = rx > 0 ? 1000 * cpu / rx : "nan"
            other = b / hz - cpu - perf; if (other < 0) other = 0
            printf "%d\t%s\t%s\t%s\t%.1f\t%.1f\t%s\t%d\t%.2f\t%.2f\t%.2f\t%.1f\t%.1f\t%s\t%s\t%s\n",
                rep, server, variant, mode, rr / p, rep_s / p, (ms == "nan" ? ms : sprintf("%.4f", ms)), rx, cpu, perf,
                other, ds ? 100 * (ds - dr) / ds : 0, rs ? 100 * (rs - rr) / rs : 0, start, rss, quiet }')
    printf '%s\n' "$line" >>"$TSV"
    printf '%s\n' "$line" | awk -F'\t' '{printf "rep %s %-8s %-5s %-4s  DORA/s %7s  replies/s %7s  ms/pkt %8s  other CPU %5s s  qemu %s\n",
        $1, $2, $3, $4, $5, $6, $7, $11, $16}' >&2
}

for ((rep = 1; rep <= REPS; rep++)); do
    for mode in $MODES; do
        for c in $CASES; do
            run_one "$rep" "${c%%:*}" "${c#*:}" "$mode"
        done
    done
done

echo
echo "Boot storm: $NODES reserved nodes, offered $RATE DORA/s (perfdhcp -R $NODES, clients: $CLIENTS) for $PERIOD s, medians of $REPS; $(nproc) CPUs"
echo "kea-2.2 = $KEA22 (host)${KEA30:+, kea-3.0 = $KEA30 (sid chroot)}; isc = $DHCPD_V; MT=$MT; waited $WAITED s for a quiet machine"
echo
python3 "$HELPER" summarize "$TSV"
echo
echo "raw: $TSV"
