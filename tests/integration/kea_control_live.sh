#!/usr/bin/env bash
# Live test of the Kea control client against real servers, each in a network namespace this
# script creates (names carry the PID; a veth pair inside; addresses only in 192.168.71.0/24 and
# 192.168.72.0/24 inside the namespace, IPv6 off):
#   * kea-dhcp4 2.2 (host): UNIX control socket + lease_cmds; kea-ctrl-agent 2.2 with basic auth
#     in front of it (the Control Agent transport);
#   * kea-dhcp4 3.0 (the sid chroot): UNIX socket, lease_cmds + host_cmds + subnet_cmds, and an
#     HTTP control socket on 127.0.0.1:8004 inside the namespace, basic auth from a password file,
#     and an HTTPS one on 127.0.0.1:8005 that requires a client certificate (test CA made here).
# Through the client (the typed API via bench_kea_control check, the CLI entry points via
# xcatdhcp leases|stats|kea).
# Usage: kea_control_live.sh BUILD_DIR SOURCE_DIR. Needs root. Ends with "N passed, M failed".
set -uo pipefail
build=${1:?usage: kea_control_live.sh BUILD_DIR SOURCE_DIR}
src=${2:?usage: kea_control_live.sh BUILD_DIR SOURCE_DIR}
# shellcheck source=../live/lib.sh
. "$src/tests/live/lib.sh"  # live_veth_ns
driver=$build/bin/bench_kea_control
xcat=$build/bin/xcatdhcp
started=$(date +%s)
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $1"; }
bad() { fail=$((fail + 1)); echo "FAILED: $1"; }
finish() { echo "$pass passed, $fail failed ($(($(date +%s) - started)) s)"; [ "$fail" -eq 0 ]; exit $?; }

[ "$(id -u)" -eq 0 ] || { bad "needs root (network namespaces, chroot)"; finish; }
for tool in ip kea-dhcp4 kea-ctrl-agent timeout openssl python3; do
  command -v "$tool" >/dev/null || { bad "missing tool: $tool"; finish; }
done
[ -x "$driver" ] && [ -x "$xcat" ] || { bad "missing $driver or $xcat (build the tests)"; finish; }
hooks22=/usr/lib/x86_64-linux-gnu/kea/hooks
chroot_tool=$src/tests/tools/kea-chroot.sh
root30=$("$chroot_tool" path sid 2>/dev/null) || { bad "the sid chroot (Kea 3.0) is not ready: $chroot_tool ensure sid"; finish; }

tag=kc$$
ns22=kc22-$$ ns30=kc30-$$
work=$(mktemp -d /tmp/kea-control-live.XXXXXX)
pids=()
chroot_files=("$root30/etc/kea/$tag.json" "$root30/etc/kea/$tag.pw" "$root30/etc/kea/$tag-written.json"
              "$root30/run/kea/$tag.sock" "$root30/run/kea/$tag.sock.lock" "$root30/run/kea/$tag.kea-dhcp4.pid"
              "$root30/var/lib/kea/$tag.csv" "$root30/var/lib/kea/$tag.csv2" "$root30/var/log/kea/$tag.log"
              "$root30/var/log/kea/$tag.log.lock" "$root30/etc/kea/$tag-ca.pem" "$root30/etc/kea/$tag-srv.pem"
              "$root30/etc/kea/$tag-srv.key")
cleanup() {
  local pid i
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for i in $(seq 50); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive -eq 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  wait 2>/dev/null
  ip netns del "$ns22" 2>/dev/null
  ip netns del "$ns30" 2>/dev/null
  rm -f "${chroot_files[@]}" "$root30"/var/lib/kea/"$tag".csv.* 2>/dev/null
  [ -n "${KEEP_WORK:-}" ] && echo "work dir kept: $work" || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cli=("$xcat")

# start NAME CMD... : runs CMD in the background (capped at 170 s), output in $work/NAME.out
start() { local name=$1; shift; timeout -k 3 170 "$@" >"$work/$name.out" 2>&1 & pids+=($!); }

make_ns() { live_veth_ns "$1" "$2" ksrv0 kcli0; }  # make_ns NS A.B.C
make_ns "$ns22" 192.168.71 || { bad "cannot create namespace $ns22"; finish; }
make_ns "$ns30" 192.168.72 || { bad "cannot create namespace $ns30"; finish; }
addresses=$( (ip -n "$ns22" -o addr; ip -n "$ns30" -o addr) | awk '{print $4}' | sort -u | tr '\n' ' ')
[ "$addresses" = "127.0.0.1/8 192.168.71.1/24 192.168.72.1/24 " ] && ok "namespaces hold only lo and 192.168.7x addresses" \
  || bad "unexpected addresses in the namespaces: $addresses"

# ---------------------------------------------------------------- Kea 2.2 (host) + Control Agent
sock22=$work/k22.sock
printf '%s' 'ca-test-only-22' >"$work/ca.pw"
printf '%s' 'wrong-password' >"$work/wrong.pw"
cat >"$work/k22.json" <<EOF
{"Dhcp4": {
  "interfaces-config": {"interfaces": ["ksrv0"], "dhcp-socket-type": "raw"},
  "control-socket": {"socket-type": "unix", "socket-name": "$sock22"},
  "lease-database": {"type": "memfile", "persist": true, "name": "$work/k22-leases.csv", "lfc-interval": 0},
  "hooks-libraries": [{"library": "$hooks22/libdhcp_lease_cmds.so"}],
  "valid-lifetime": 3600,
  "subnet4": [{"id": 1, "subnet": "192.168.71.0/24",
               "pools": [{"pool": "192.168.71.100 - 192.168.71.150"}],
               "reservations": [{"hw-address": "02:71:00:00:00:20", "ip-address": "192.168.71.20", "hostname": "cn20"}]}],
  "loggers": [{"name": "kea-dhcp4", "severity": "INFO", "output_options": [{"output": "$work/k22.log"}]}]
}}
EOF
cat >"$work/ca.json" <<EOF
{"Control-agent": {
  "http-host": "127.0.0.1", "http-port": 8000,
  "authentication": {"type": "basic", "realm": "kea-kc", "directory": "$work",
                     "clients": [{"user": "kcadmin", "password-file": "ca.pw"}]},
  "control-sockets": {"dhcp4": {"socket-type": "unix", "socket-name": "$sock22"}},
  "loggers": [{"name": "kea-ctrl-agent", "severity": "INFO", "output_options": [{"output": "$work/ca.log"}]}]
}}
EOF
start kea22 env KEA_PIDFILE_DIR="$work" KEA_LOCKFILE_DIR="$work" ip netns exec "$ns22" kea-dhcp4 -c "$work/k22.json"
start ca22 env KEA_PIDFILE_DIR="$work" KEA_LOCKFILE_DIR="$work" ip netns exec "$ns22" kea-ctrl-agent -c "$work/ca.json"

# ---------------------------------------------------------------- Kea 3.0 (sid chroot)
sock30=$root30/run/kea/$tag.sock
# A throw-away CA, a server certificate for 127.0.0.1 and a client certificate.
tls=$work/tls
mkdir -p "$tls"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
{
  openssl req -x509 "${ec[@]}" -days 1 -subj "/CN=kea-control-live test CA" -keyout "$tls/ca.key" -out "$tls/ca.pem" &&
  openssl req "${ec[@]}" -subj "/CN=127.0.0.1" -keyout "$tls/srv.key" -out "$tls/srv.csr" &&
  printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$tls/srv.ext" &&
  openssl x509 -req -in "$tls/srv.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial -days 1 \
    -extfile "$tls/srv.ext" -out "$tls/srv.pem" &&
  openssl req "${ec[@]}" -subj "/CN=kcadmin" -keyout "$tls/cli.key" -out "$tls/cli.csr" &&
  printf 'extendedKeyUsage=clientAuth\n' >"$tls/cli.ext" &&
  openssl x509 -req -in "$tls/cli.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial -days 1 \
    -extfile "$tls/cli.ext" -out "$tls/cli.pem"
} >"$work/openssl.out" 2>&1 || { bad "openssl could not make the test certificates: $(tail -n 2 "$work/openssl.out")"; }
cp "$tls/ca.pem" "$root30/etc/kea/$tag-ca.pem"; cp "$tls/srv.pem" "$root30/etc/kea/$tag-srv.pem"
cp "$tls/srv.key" "$root30/etc/kea/$tag-srv.key"
printf '%s' 'http-test-only-30' >"$root30/etc/kea/$tag.pw"
chmod 0640 "$root30/etc/kea/$tag.pw"
cat >"$root30/etc/kea/$tag.json" <<EOF
{"Dhcp4": {
  "interfaces-config": {"interfaces": ["ksrv0"], "dhcp-socket-type": "raw"},
  "control-sockets": [
    {"socket-type": "unix", "socket-name": "/run/kea/$tag.sock"},
    {"socket-type": "http", "socket-address": "127.0.0.1", "socket-port": 8004,
     "authentication": {"type": "basic", "realm": "kea-kc", "directory": "/etc/kea",
                        "clients": [{"user": "kcadmin", "password-file": "$tag.pw"}]}},
    {"socket-type": "https", "socket-address": "127.0.0.1", "socket-port": 8005,
     "trust-anchor": "/etc/kea/$tag-ca.pem", "cert-file": "/etc/kea/$tag-srv.pem",
     "key-file": "/etc/kea/$tag-srv.key", "cert-required": true}],
  "lease-database": {"type": "memfile", "persist": true, "name": "/var/lib/kea/$tag.csv", "lfc-interval": 0},
  "hooks-libraries": [{"library": "libdhcp_lease_cmds.so"}, {"library": "libdhcp_host_cmds.so"},
                      {"library": "libdhcp_subnet_cmds.so"}],
  "valid-lifetime": 3600,
  "subnet4": [{"id": 1, "subnet": "192.168.72.0/24",
               "pools": [{"pool": "192.168.72.100 - 192.168.72.150"}],
               "reservations": [{"hw-address": "02:72:00:00:00:20", "ip-address": "192.168.72.20", "hostname": "cn20"}]}],
  "loggers": [{"name": "kea-dhcp4", "severity": "INFO", "output_options": [{"output": "/var/log/kea/$tag.log"}]}]
}}
EOF
start kea30 ip netns exec "$ns30" "$chroot_tool" run sid kea-dhcp4 -c "/etc/kea/$tag.json"

url22=http://127.0.0.1:8000/ url30=http://127.0.0.1:8004/ url30s=https://127.0.0.1:8005/
tls30=(--ca-file "$tls/ca.pem" --cert "$tls/cli.pem" --key "$tls/cli.key")
auth22=(--user kcadmin --password-file "$work/ca.pw")
auth30=(--user kcadmin --password-file "$root30/etc/kea/$tag.pw")
in22() { ip netns exec "$ns22" "$@"; }
in30() { ip netns exec "$ns30" "$@"; }

wait_ready() {  # wait_ready NAME CMD... : until CMD succeeds (20 s)
  local name=$1 i; shift
  for i in $(seq 200); do "$@" >/dev/null 2>&1 && { ok "$name is up"; return 0; }; sleep 0.1; done
  bad "$name did not come up; its output:"; tail -n 5 "$work"/*.out | sed 's/^/    /'
  return 1
}
up22=0 upca=0 up30=0
wait_ready "kea-dhcp4 2.2 (UNIX socket)" "${cli[@]}" kea --socket "$sock22" status-get && up22=1
wait_ready "kea-ctrl-agent 2.2" in22 "${cli[@]}" kea --url "$url22" --service dhcp4 "${auth22[@]}" status-get && upca=1
wait_ready "kea-dhcp4 3.0 (UNIX socket)" "${cli[@]}" kea --socket "$sock30" status-get && up30=1
[ $up30 -eq 1 ] && wait_ready "kea-dhcp4 3.0 (HTTP socket)" in30 "${cli[@]}" kea --url "$url30" "${auth30[@]}" status-get

# run_check LABEL CMD... : the driver's typed checks, each line counted
run_check() {
  local label=$1 line; shift
  "$@" >"$work/check.out" 2>&1
  while IFS= read -r line; do
    case $line in
      ok:*) pass=$((pass + 1)); echo "ok: [$label] ${line#ok: }" ;;
      FAILED:*) fail=$((fail + 1)); echo "FAILED: [$label] ${line#FAILED: }" ;;
    esac
  done <"$work/check.out"
  grep -q ' passed, ' "$work/check.out" || bad "[$label] the driver stopped early: $(tail -n 3 "$work/check.out" | tr '\n' ' ')"
}

# expect NAME WANT_EXIT PATTERN CMD... : exit status, and stdout+stderr matching PATTERN;
# a failing command must say so in exactly one stderr line.
expect() {
  local name=$1 want=$2 pattern=$3; shift 3
  "$@" >"$work/out" 2>"$work/err"
  local rc=$?
  if [ "$rc" -ne "$want" ]; then bad "$name: exit $rc, wanted $want: $(head -c 300 "$work/err")"; return; fi
  if ! cat "$work/out" "$work/err" | grep -q -- "$pattern"; then
    bad "$name: output lacks '$pattern': $(head -c 300 "$work/out") $(head -c 300 "$work/err")"; return
  fi
  if [ "$want" -ne 0 ] && [ "$(wc -l <"$work/err")" -ne 1 ]; then
    bad "$name: wanted one stderr line, got: $(cat "$work/err")"; return
  fi
  if [ "$want" -ne 0 ]; then ok "$name -- $(head -c 200 "$work/err")"; else ok "$name"; fi
}

if [ $up22 -eq 1 ]; then
  run_check "2.2 unix" "$driver" check --socket "$sock22" --version 2.2.0 --host-cmds no --net 192.168.71
  expect "2.2 leases: none yet (result 3 is 'no leases', exit 0)" 0 "no leases" "${cli[@]}" leases --socket "$sock22"
  expect "2.2 leases --json: an empty list" 0 '^\[\]$' "${cli[@]}" leases --socket "$sock22" --json
  expect "2.2 leases --ip of an unknown address" 0 "no leases" "${cli[@]}" leases --socket "$sock22" --ip 192.168.71.222
  expect "2.2 kea lease4-add" 0 '"outcome": "ok"' "${cli[@]}" kea --socket "$sock22" lease4-add \
    '{"ip-address": "192.168.71.88", "hw-address": "02:71:00:00:00:88", "subnet-id": 1, "hostname": "lease88"}'
  expect "2.2 leases: the table shows it" 0 "^192.168.71.88 .*02:71:00:00:00:88 *1 *active .*lease88" \
    "${cli[@]}" leases --socket "$sock22"
  expect "2.2 leases --mac" 0 "lease88" "${cli[@]}" leases --socket "$sock22" --mac 02:71:00:00:00:88
  if "${cli[@]}" leases --socket "$sock22" --subnet 1 --json | python3 -c '
import json, sys
leases = json.load(sys.stdin)
assert len(leases) == 1 and leases[0]["ip-address"] == "192.168.71.88" and leases[0]["hw-address"] == "02:71:00:00:00:88"
assert leases[0]["valid-lft"] == 3600 and leases[0]["subnet-id"] == 1, leases'; then ok "2.2 leases --subnet --json: one lease, Kea key names"
  else bad "2.2 leases --subnet --json"; fi
  expect "2.2 kea lease4-del" 0 '"outcome": "ok"' "${cli[@]}" kea --socket "$sock22" lease4-del '{"ip-address": "192.168.71.88"}'
  expect "2.2 stats" 0 "pkt4-received" "${cli[@]}" stats --socket "$sock22"
  expect "2.2 stats --name" 0 "pkt4-received" "${cli[@]}" stats --socket "$sock22" --name pkt4-received --json
  expect "2.2 kea version-get" 0 '"text": "2.2.0"' "${cli[@]}" kea --socket "$sock22" version-get
  expect "2.2 kea reservation-add: unsupported, hook named" 1 "unsupported (result 2).*hook library" \
    "${cli[@]}" kea --socket "$sock22" reservation-add '{"reservation": {"subnet-id": 1, "hw-address": "02:71:00:00:00:31"}, "operation-target": "memory"}'
  expect "2.2 kea with a bad arguments document" 1 "arguments must be a JSON object" \
    "${cli[@]}" kea --socket "$sock22" config-test '[1]'
fi
expect "a socket nobody listens on: one clear line" 1 "cannot connect to $work/none.sock" \
  "${cli[@]}" kea --socket "$work/none.sock" status-get
expect "an unbracketed IPv6 URL is refused with the bracketed form" 1 "must be in brackets" \
  "${cli[@]}" kea --url "http://fd00::1:8004/" status-get

if [ $upca -eq 1 ]; then
  run_check "2.2 control agent" in22 "$driver" check --url "$url22" --service dhcp4 "${auth22[@]}" \
    --version 2.2.0 --host-cmds no --net 192.168.71 --config no
  expect "2.2 CA: wrong password is a clear 401" 1 "unauthorized (result 401)" \
    in22 "${cli[@]}" kea --url "$url22" --service dhcp4 --user kcadmin --password-file "$work/wrong.pw" status-get
  expect "2.2 CA: no credentials is a 401" 1 "unauthorized (result 401)" \
    in22 "${cli[@]}" kea --url "$url22" --service dhcp4 status-get
  expect "2.2 CA: a service without a socket is Kea's error" 1 "forwarding socket is not configured" \
    in22 "${cli[@]}" kea --url "$url22" --service dhcp6 "${auth22[@]}" status-get
  expect "2.2 CA: leases over HTTP (list-wrapped result 3)" 0 "no leases" \
    in22 "${cli[@]}" leases --url "$url22" --service dhcp4 "${auth22[@]}"
  expect "2.2 CA: the IPv6-bracketed URL form parses (connection refused, IPv6 off here)" 1 "\[::1\]:8000" \
    in22 "${cli[@]}" kea --url "http://[::1]:8000/" --service dhcp4 "${auth22[@]}" status-get
fi

if [ $up30 -eq 1 ]; then
  run_check "3.0 unix" "$driver" check --socket "$sock30" --version 3.0.4 --host-cmds yes --net 192.168.72 \
    --batch 300 --batch-connections 3 --config-write "/etc/kea/$tag-written.json"
  if [ -s "$root30/etc/kea/$tag-written.json" ]; then
    ok "3.0 config-write wrote /etc/kea/$tag-written.json in the chroot"
    if grep -q 'http-test-only-30' "$root30/etc/kea/$tag-written.json"; then
      bad "3.0 config-write put the basic-auth password (from a password file) in clear text"
    elif grep -q "\"password-file\": \"$tag.pw\"" "$root30/etc/kea/$tag-written.json"; then
      ok "3.0 config-write keeps the password-file reference, not the password"
    else bad "3.0 config-write: no password-file reference in the written config"; fi
  else bad "3.0 config-write left no file"; fi
  run_check "3.0 http+auth" in30 "$driver" check --url "$url30" "${auth30[@]}" --version 3.0.4 --host-cmds yes \
    --net 192.168.72 --batch 100
  run_check "3.0 https+client cert" in30 "$driver" check --url "$url30s" "${tls30[@]}" --version 3.0.4 \
    --host-cmds yes --net 192.168.72 --config no
  expect "3.0 HTTPS: without the CA file the server certificate is not trusted" 1 "certificate" \
    in30 "${cli[@]}" kea --url "$url30s" --cert "$tls/cli.pem" --key "$tls/cli.key" status-get
  expect "3.0 HTTPS: --insecure skips the server check (client cert still sent)" 0 '"outcome": "ok"' \
    in30 "${cli[@]}" kea --url "$url30s" --insecure --cert "$tls/cli.pem" --key "$tls/cli.key" status-get
  expect "3.0 HTTPS: no client certificate is refused (cert-required)" 1 "transport" \
    in30 "${cli[@]}" kea --url "$url30s" --ca-file "$tls/ca.pem" status-get
  expect "3.0 HTTP: wrong password is a clear 401" 1 "unauthorized (result 401): Unauthorized" \
    in30 "${cli[@]}" kea --url "$url30" --user kcadmin --password-file "$work/wrong.pw" status-get
  expect "3.0 HTTP: no credentials is a 401" 1 "unauthorized (result 401)" \
    in30 "${cli[@]}" kea --url "$url30" status-get
  res='{"reservation": {"subnet-id": 1, "hw-address": "02:72:00:00:00:41", "ip-address": "192.168.72.41", "hostname": "cli41"}, "operation-target": "memory"}'
  expect "3.0 kea reservation-add over HTTP (memory)" 0 '"outcome": "ok"' \
    in30 "${cli[@]}" kea --url "$url30" "${auth30[@]}" reservation-add "$res"
  expect "3.0 kea reservation-get-by-hostname over UNIX sees it" 0 '"hostname": "cli41"' \
    "${cli[@]}" kea --socket "$sock30" reservation-get-by-hostname '{"hostname": "cli41"}'
  printf '%s' '{"subnet-id": 1, "identifier-type": "hw-address", "identifier": "02:72:00:00:00:41", "operation-target": "memory"}' >"$work/del.json"
  expect "3.0 kea reservation-del with @FILE arguments" 0 '"outcome": "ok"' \
    "${cli[@]}" kea --socket "$sock30" reservation-del "@$work/del.json"
  expect "3.0 kea reservation-del again: empty (result 3), exit 0" 0 '"outcome": "empty"' \
    "${cli[@]}" kea --socket "$sock30" reservation-del "@$work/del.json"
  expect "3.0 leases over HTTP: none (result 3), exit 0" 0 "no leases" \
    in30 "${cli[@]}" leases --url "$url30" "${auth30[@]}" --subnet 1
  expect "3.0 stats over HTTP" 0 "pkt4-received" in30 "${cli[@]}" stats --url "$url30" "${auth30[@]}"
  expect "3.0 kea subnet4-list" 0 '192.168.72.0/24' "${cli[@]}" kea --socket "$sock30" subnet4-list

fi

# Bonus: a real DHCP exchange (xcatdhcp probe, a DORA client) creates a lease that the lease
# commands then return, on both servers.
dora() {  # dora VERSION NS SOCKET NET HTTP-ARGS...
  local version=$1 ns=$2 sock=$3 net=$4; shift 4
  local mac=02:${net##*.}:00:00:00:20
  if ip netns exec "$ns" "$xcat" probe -I kcli0 --mac "$mac" --request --json --timeout 5 \
      >"$work/probe.json" 2>"$work/probe.err"; then
    local acked
    acked=$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d["status"], (d.get("ack") or {}).get("yiaddr", ""))' \
      "$work/probe.json" 2>/dev/null)
    [ "$acked" = "ack $net.20" ] && ok "$version probe: DORA on kcli0, DHCPACK for $net.20" ||
      bad "$version probe: expected a DHCPACK for $net.20, got '$acked'"
    expect "$version the DORA's lease is there by MAC (the reserved $net.20)" 0 "$net.20" \
      "${cli[@]}" leases --socket "$sock" --mac "$mac"
    expect "$version lease4-get $net.20 over HTTP returns it" 0 "\"hw-address\": \"$mac\"" \
      ip netns exec "$ns" "${cli[@]}" leases "$@" --ip "$net.20" --json
    local acks
    acks=$("${cli[@]}" stats --socket "$sock" --name pkt4-ack-sent | awk '{print $2}')
    [ "${acks:-0}" -ge 1 ] 2>/dev/null && ok "$version statistic-get pkt4-ack-sent counted the ACK ($acks)" ||
      bad "$version pkt4-ack-sent did not count the ACK: '$acks'"
  else
    bad "$version probe: no DHCP exchange: $(head -c 300 "$work/probe.err") $(head -c 300 "$work/probe.json")"
  fi
}
if "$xcat" probe --help >/dev/null 2>&1; then
  [ $up22 -eq 1 ] && [ $upca -eq 1 ] && dora 2.2 "$ns22" "$sock22" 192.168.71 --url "$url22" --service dhcp4 "${auth22[@]}"
  [ $up30 -eq 1 ] && dora 3.0 "$ns30" "$sock30" 192.168.72 --url "$url30" "${auth30[@]}"
else
  echo "skipped (bonus): real DHCP exchange -- '$xcat probe' is not available in this build"
fi

finish
