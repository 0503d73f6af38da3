#!/usr/bin/env bash
# Live benchmark of the Kea control client (not run by CI): kea-dhcp4 3.0 from the sid chroot,
# host_cmds over the UNIX socket, with N reservations already in the config file.
# For each N: the add latency per reservation (ADDS single adds, each its own round trip), then
# the time to add BATCH reservations in one batch; everything added is deleted again.
#
#   tests/bench/kea_control_bench.sh BUILD_DIR SOURCE_DIR
#   SIZES="1000 10000 50000" ADDS=1000 BATCH=10000 (defaults); needs root.
#   TRANSPORT=http: the same over the daemon's HTTP socket (basic auth, one kept-alive connection).
#   CONNECTIONS=P: the batch (add and delete) uses P connections at once (default 1).
#
#   PATH_UNDER_TEST=config-set: the config-set path instead (`xcatdhcp reservations add` on a
#   server without host_cmds): kea-dhcp4 2.2 of the host, the generated cluster of
#   tests/bench/scale_inventory.hpp (4 /16 networks) with N reservations in the file; ADDS
#   (default 20) single-node adds, each a full splice + config-test + write + config-set, then
#   one BATCH-node add and its removal.
#   PATH_UNDER_TEST=reservations KEA_SUITE=sid: the same driver (live::KeaReservations, what
#   the CLI runs) against Kea 3.0 of the sid chroot, where it takes the host_cmds path (splice +
#   config-test + write, then reservation-del/-add per node); FORCE_CONFIG_SET=1 forces config-set.
#
# Kea runs in a private network namespace (loopback only) with no DHCP interface: the payload
# subnets are never put on any interface. Prints one JSON line per N.
set -uo pipefail
build=${1:?usage: kea_control_bench.sh BUILD_DIR SOURCE_DIR}
src=${2:?usage: kea_control_bench.sh BUILD_DIR SOURCE_DIR}
sizes=${SIZES:-1000 10000 50000}
path_under_test=${PATH_UNDER_TEST:-host_cmds}
batch=${BATCH:-10000}
transport=${TRANSPORT:-unix}
connections=${CONNECTIONS:-1}
driver=$build/bin/bench_kea_control
xcat=$build/bin/xcatdhcp
[ "$(id -u)" -eq 0 ] || { echo "needs root" >&2; exit 1; }

# wait_up SOCKET PID: until kea-dhcp4 (PID) answers status-get on SOCKET, at most 60 s; false
# when it did not (or exited).
wait_up() {
  local _
  for _ in $(seq 600); do
    "$xcat" kea --socket "$1" status-get >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

if [ "$path_under_test" = config-set ] || [ "$path_under_test" = reservations ]; then
  adds=${ADDS:-20}
  work=$(mktemp -d /tmp/kea-bench-cs.XXXXXX) ns=kbc-$$ pid="" tag=kbc$$
  suite=${KEA_SUITE:-host}
  force=(); [ "${FORCE_CONFIG_SET:-0}" = 1 ] && force=(--force-config-set)
  if [ "$suite" = host ]; then
    cr="" inner=$work version=$(kea-dhcp4 -V | head -n 1)
    conf_in=$work/kea-dhcp4.conf sock_in=$work/k.sock lease_in=$work/leases.csv log_in=$work/kea.log
    run=(env KEA_PIDFILE_DIR="$work" KEA_LOCKFILE_DIR="$work" kea-dhcp4)
  else
    cr=$("$src/tests/tools/kea-chroot.sh" path "$suite") || exit 1
    version=$("$src/tests/tools/kea-chroot.sh" version "$suite")
    conf_in=/etc/kea/$tag.json sock_in=/run/kea/$tag.sock lease_in=/var/lib/kea/$tag.csv log_in=/var/log/kea/$tag.log
    run=("$src/tests/tools/kea-chroot.sh" run "$suite" kea-dhcp4)
  fi
  cleanup() {
    if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
    ip netns del "$ns" 2>/dev/null
    rm -rf "$work"
    if [ -n "$cr" ]; then
      rm -f "$cr$conf_in" "$cr/etc/kea/.$tag.json.xcatdhcp-lock" "$cr$sock_in" "$cr$sock_in.lock" "$cr$lease_in" \
        "$cr$lease_in"2 "$cr$log_in" "$cr$log_in.lock" "$cr/run/kea/$tag.kea-dhcp4.pid" "$cr"/etc/kea/."$tag".json.xcatdhcp-live-*
    fi
  }
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  ip netns add "$ns" && ip -n "$ns" link set lo up || exit 1
  # The subnets name eth1..eth4 (Kea checks that they exist); no address, no DHCP socket on them.
  for i in 1 2 3 4; do
    { ip -n "$ns" link add "eth$i" type dummy 2>/dev/null || ip -n "$ns" link add "eth$i" type bridge; } &&
      ip -n "$ns" link set "eth$i" up || exit 1
  done
  echo "kea $version ($suite), $(nproc) CPUs; path=$path_under_test${force:+ (forced config-set)} adds=$adds batch=$batch" >&2
  status=0
  for n in $sizes; do
    "$driver" gen-cluster --existing "$n" --total $((n + adds + batch)) --config "$cr$conf_in" \
      --socket "$sock_in" --leases "$lease_in" --log "$log_in" --kea-version "$version" || exit 1
    t0=$(date +%s.%N)
    timeout -k 5 1800 ip netns exec "$ns" "${run[@]}" -c "$conf_in" >"$work/kea.out" 2>&1 &
    pid=$!
    up=0; wait_up "$cr$sock_in" "$pid" && up=1
    t1=$(date +%s.%N)
    if [ $up -ne 1 ]; then echo "kea-dhcp4 with $n reservations did not start:" >&2; tail -5 "$work/kea.out" >&2; exit 1; fi
    line=$("$driver" bench-config-set --socket "$cr$sock_in" --config "$cr$conf_in" --existing "$n" \
      --adds "$adds" --batch "$batch" --kea-version "$version" "${force[@]}") || status=1
    printf '%s\n' "${line%\}},\"startup_seconds\":$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')}"
    kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=""
  done
  exit $status
fi

adds=${ADDS:-1000}
chroot_tool=$src/tests/tools/kea-chroot.sh
root=$("$chroot_tool" path sid) || exit 1
tag=kb$$ ns=kb-$$
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
  ip netns del "$ns" 2>/dev/null
  rm -f "$root/etc/kea/$tag.json" "$root/run/kea/$tag.sock" "$root/run/kea/$tag.sock.lock" \
        "$root/run/kea/$tag.kea-dhcp4.pid" "$root/var/log/kea/$tag.log" "$root/var/log/kea/$tag.log.lock" \
        "$root/etc/kea/$tag.pw"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$ns" && ip -n "$ns" link set lo up || exit 1
sock=$root/run/kea/$tag.sock
printf '%s' "bench-only-$$" >"$root/etc/kea/$tag.pw"
if [ "$transport" = http ]; then
  endpoint=(--url http://127.0.0.1:8006/ --user bench --password-file "$root/etc/kea/$tag.pw")
  http=(--http-port 8006 --password-file "/etc/kea/$tag.pw")
else
  endpoint=(--socket "$sock"); http=()
fi
echo "kea $("$chroot_tool" version sid), $(nproc) CPUs; transport=$transport adds=$adds batch=$batch connections=$connections" >&2
status=0
for n in $sizes; do
  "$driver" gen-config --existing "$n" --socket "/run/kea/$tag.sock" --leases "/var/lib/kea/$tag.csv" \
    --log "/var/log/kea/$tag.log" "${http[@]}" >"$root/etc/kea/$tag.json" || exit 1
  t0=$(date +%s.%N)
  timeout -k 5 900 ip netns exec "$ns" "$chroot_tool" run sid kea-dhcp4 -c "/etc/kea/$tag.json" \
    >"/tmp/$tag.out" 2>&1 &
  pid=$!
  up=0; wait_up "$sock" "$pid" && up=1
  t1=$(date +%s.%N)
  if [ $up -ne 1 ]; then echo "kea-dhcp4 with $n reservations did not start:" >&2; tail -5 "/tmp/$tag.out" >&2; exit 1; fi
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$(pgrep -n -P "$pid" kea-dhcp4 2>/dev/null || echo "$pid")/status" 2>/dev/null)
  line=$(ip netns exec "$ns" "$driver" bench "${endpoint[@]}" --existing "$n" --adds "$adds" --batch "$batch" \
    --connections "$connections") || status=1
  printf '%s\n' "${line%\}},\"startup_seconds\":$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}'),\"rss_kb_at_start\":${rss:-0}}"
  kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=""
  rm -f "/tmp/$tag.out"
done
exit $status
