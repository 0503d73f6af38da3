#!/usr/bin/env bash
# Live test of `xcatdhcp reservations add|del|query` (live::KeaReservations): xCAT's
# `makedhcp NODE`, `makedhcp -d NODE`, `makedhcp -q NODE` for Kea, without a server restart.
#   * Kea 2.2 (host, no host_cmds): the config-set path;
#   * Kea 3.0.4 (tests/tools/kea-chroot.sh sid): host_cmds over the UNIX socket.
# Each server runs in a network namespace this script creates (names carry the PID), with a veth
# pair rsrv0<->rcli0 inside; addresses only 192.168.61.0/24 (2.2) and 192.168.62.0/24 (3.0)
# inside the namespaces. The config is rendered by `xcatdhcp render` from a small inventory
# (cn11, old30 on .30), adapted to private paths, and started; old30 is deleted keeping its
# lease, then cn20 (.20) and cn21 (.30, the address old30's MAC still leases) are added live, probed with `xcatdhcp probe --request`, queried, reloaded and deleted.
# Usage: reservations_live.sh BUILD_DIR SOURCE_DIR. Needs root. Ends with "N passed, M failed".
set -uo pipefail
build=${1:?usage: reservations_live.sh BUILD_DIR SOURCE_DIR}
src=${2:?usage: reservations_live.sh BUILD_DIR SOURCE_DIR}
# shellcheck source=../live/lib.sh
. "$src/tests/live/lib.sh"  # live_kea_adapt
xcat=$build/bin/xcatdhcp
started=$(date +%s)
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $1"; }
bad() { fail=$((fail + 1)); echo "FAILED: $1"; }
finish() { echo "$pass passed, $fail failed ($(($(date +%s) - started)) s)"; [ "$fail" -eq 0 ]; exit $?; }
check() { local name=$1; shift; if "$@" >/dev/null; then ok "$name"; else bad "$name"; fi; }

[ "$(id -u)" -eq 0 ] || { bad "needs root (network namespaces, chroot)"; finish; }
for tool in ip kea-dhcp4 timeout jq g++; do
  command -v "$tool" >/dev/null || { bad "missing tool: $tool"; finish; }
done
[ -x "$xcat" ] || { bad "missing $xcat (build first)"; finish; }
chroot_tool=$src/tests/tools/kea-chroot.sh
root30=$("$chroot_tool" path sid 2>/dev/null) || root30=""

tag=rl$$
ns22=rl22-$$ ns30=rl30-$$
work=$(mktemp -d /tmp/reservations-live.XXXXXX)
pids=()
chroot_files=()
[ -n "$root30" ] && chroot_files=("$root30/etc/kea/$tag.json" "$root30/run/kea/$tag.sock" "$root30/run/kea/$tag.sock.lock"
  "$root30/run/kea/$tag.kea-dhcp4.pid" "$root30/var/lib/kea/$tag.csv" "$root30/var/lib/kea/$tag.csv2"
  "$root30/var/log/kea/$tag.log" "$root30/var/log/kea/$tag.log.lock")
cleanup() {
  local pid alive
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for _ in $(seq 50); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive -eq 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  wait 2>/dev/null
  ip netns del "$ns22" 2>/dev/null
  ip netns del "$ns30" 2>/dev/null
  [ ${#chroot_files[@]} -gt 0 ] && rm -f "${chroot_files[@]}" "$root30"/var/lib/kea/"$tag".csv.* "$root30"/etc/kea/."$tag".json.* 2>/dev/null
  [ -n "${KEEP_WORK:-}" ] && echo "work dir kept: $work" || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

res=("$xcat" reservations)

start() { local name=$1; shift; timeout -k 3 170 "$@" >"$work/$name.out" 2>&1 & pids+=($!); }

make_ns() { live_veth_ns "$1" "$2" rsrv0 rcli0; }  # make_ns NS A.B.C

inventory() {  # inventory NET(A.B.C) VERSION NODES... > yaml ; nodes: cn11 cn20 cn21 cn22(no ip)
  local net=$1 version=$2 n oct; shift 2
  local x=${net##*.}
  cat <<EOF
site:
  domain: live.test
  dhcpinterfaces: rsrv0
  dhcplease: "3600"
  master: $net.1
  nameservers: $net.1
networks:
  live$x:
    net: $net.0
    mask: 255.255.255.0
    mgtifname: rsrv0
    tftpserver: <xcatmaster>
    dynamicrange: $net.100-$net.150
nodes:
EOF
  for n in "$@"; do
    case $n in
      cn11) oct=11 ;; cn20) oct=20 ;; cn21) oct=30 ;; cn22) oct="" ;; old30) oct=30 ;;
    esac
    if [ -n "$oct" ]; then
      local m=${n#cn}; [ "$n" = old30 ] && m=99
      echo "  $n: {mac: \"02:$x:00:00:00:$m\", ip: $net.$oct, netboot: xnba, os: rhels9.4, currstate: \"install rhels9.4-x86_64-install-compute\", groups: all}"
    else
      echo "  $n: {mac: \"02:$x:00:00:00:${n#cn}\", netboot: xnba, groups: all}"
    fi
  done
  cat <<EOF
server:
  hostname: xcatmn
  names: [xcatmn]
  platform: {id: debian, version: "12", id_like: "", platform_id: ""}
  interfaces:
    - {name: lo, addresses: [127.0.0.1/8]}
    - {name: rsrv0, addresses: [$net.1/24]}
  routes:
    - {destination: $net.0/24, interface: rsrv0}
  hosts:
    xcatmn: [$net.1]
EOF
  for n in "$@"; do
    case $n in cn11) echo "    cn11: [$net.11]" ;; cn20) echo "    cn20: [$net.20]" ;; cn21) echo "    cn21: [$net.30]" ;; old30) echo "    old30: [$net.30]" ;; esac
  done
  echo "  backends: {kea: $version}"
  echo "  tftp_files: [xcat/xnba.efi, xcat/xnba.kpxe]"
}

field() { jq -r "(.ack // .offer // {}).$2 // \"\"" "$1" 2>/dev/null; }
in_file() { grep -v '^[[:space:]]*//' "$1" | jq -e --arg h "$2" '[.Dhcp4.subnet4[]?.reservations[]?, .Dhcp4["shared-networks"][]?.subnet4[]?.reservations[]? | select(.hostname == $h)] | length > 0' >/dev/null 2>&1; }
in_range() { local ip=$1 net=$2 last=${1##*.}; [[ $ip == "$net".* ]] && [ "$last" -ge 100 ] && [ "$last" -le 150 ]; }

# scenario LABEL NS NET VERSION CONFIG(host path) SOCKET(host path) LEASE SOCKET_IN LOG_IN LOG_HOST RUN...
scenario() {
  local label=$1 ns=$2 net=$3 version=$4 cfg=$5 sock=$6 lease=$7 sock_in=$8 log_in=$9 loghost=${10}; shift 10
  local x=${net##*.} d=$work/$label
  mkdir -p "$d"
  inventory "$net" "$version" cn11 old30 >"$d/inv0.yaml"
  inventory "$net" "$version" cn11 cn20 cn21 cn22 >"$d/inv1.yaml"
  if ! "$xcat" render -i "$d/inv0.yaml" --backend kea --kea-version "$version" -o "$d/r0" >"$d/render.out" 2>&1; then
    bad "[$label] render failed: $(tail -n 2 "$d/render.out")"; return; fi
  live_kea_adapt "$d/r0/kea-dhcp4.conf" "$cfg" "$lease" "$sock_in" "$log_in" INFO 0 "${extra_socket:-null}" || { bad "[$label] cannot adapt the config"; return; }
  start "kea-$label" ip netns exec "$ns" "$@" -c "${cfg_in:-$cfg}"
  local up=0
  for _ in $(seq 200); do "$xcat" kea --socket "$sock" status-get >/dev/null 2>&1 && { up=1; break; }; sleep 0.1; done
  [ $up -eq 1 ] && ok "[$label] kea-dhcp4 $version is up" || { bad "[$label] kea-dhcp4 $version did not come up: $(tail -n 5 "$work/kea-$label.out" "$loghost" 2>/dev/null | tr '\n' ' ')"; return; }
  local pid0; pid0=$("$xcat" kea --socket "$sock" status-get 2>/dev/null | grep -oE '"pid": *[0-9]+' | grep -oE '[0-9]+$')
  local R=("${res[@]}")
  local common=(-i "$d/inv1.yaml" --config "$cfg" --socket "$sock" --kea-version "$version")
  probe() { local mac=$1 out=$2; shift 2; timeout 30 ip netns exec "$ns" "$xcat" probe -I rcli0 --mac "$mac" --arch 7 --request --timeout 4 --json "$@" >"$d/$out.json" 2>"$d/$out.err" || true; }

  # Before: cn20's MAC takes a pool address (a lease of this MAC on another address), and
  # another MAC takes cn21's future address .120 (a conflicting lease).
  probe "02:$x:00:00:00:20" pre20
  local pre20; pre20=$(field "$d/pre20.json" yiaddr)
  check "[$label] before add: cn20's MAC leases a pool address ($pre20)" in_range "$pre20" "$net"
  probe "02:$x:00:00:00:99" pre99
  local pre99; pre99=$(field "$d/pre99.json" yiaddr)
  check "[$label] before: old30 (MAC :99) leases its reserved $net.30 ($pre99)" [ "$pre99" = "$net.30" ]
  # old30 is replaced by cn21 (same address): its reservation goes, its lease is kept
  # (--keep-leases), so cn21's future address is leased to another MAC. old30 is no longer in
  # the inventory: the file still knows it.
  "${R[@]}" del old30 "${common[@]}" --keep-leases --json >"$d/del-old.json" 2>"$d/del-old.err"
  check "[$label] del old30 (gone from the inventory, still in the file) with --keep-leases" \
    jq -e '.ok and ([.nodes[0].actions[] | select(startswith("lease4-del"))] | length == 0)' "$d/del-old.json"
  check "[$label] the lease of :99 on $net.30 is still there" eval '"$xcat" leases --socket "$sock" --ip "$net.30" | grep -q "02:$x:00:00:00:99"'

  # add: a batch with an unknown node and a node without address; the others go through.
  "${R[@]}" add cn20 cn21 ghost cn22 "${common[@]}" --json >"$d/add.json" 2>"$d/add.err"
  local rc=$?
  check "[$label] add batch exits 1 (bad nodes)" [ $rc -eq 1 ]
  check "[$label] add: cn20 and cn21 ok" jq -e '[.nodes[] | select(.ok) | .node] == ["cn20","cn21"]' "$d/add.json"
  check "[$label] add: ghost and cn22 reported as failed" jq -e '[.nodes[] | select(.ok | not) | .node] == ["ghost","cn22"]' "$d/add.json"
  check "[$label] add: method $(jq -r .method "$d/add.json" 2>/dev/null), file written" jq -e '.file_written' "$d/add.json"
  check "[$label] add: conflicting leases removed" jq -e '[.nodes[].actions[] | select(startswith("lease4-del"))] | length == 2' "$d/add.json"
  check "[$label] the file on disk holds cn20 and cn21" eval 'in_file "$cfg" cn20 && in_file "$cfg" cn21 && in_file "$cfg" cn11'
  local pid1; pid1=$("$xcat" kea --socket "$sock" status-get 2>/dev/null | grep -oE '"pid": *[0-9]+' | grep -oE '[0-9]+$')
  check "[$label] no restart (pid $pid0 -> $pid1)" [ -n "$pid0" ] && [ "$pid0" = "$pid1" ]

  probe "02:$x:00:00:00:20" add20
  local y f; y=$(field "$d/add20.json" yiaddr); f=$(field "$d/add20.json" file)
  check "[$label] cn20 gets its reserved address at once ($y)" [ "$y" = "$net.20" ]
  check "[$label] cn20 gets a boot file ($f)" eval '[[ "$f" == *xnba* ]]'
  probe "02:$x:00:00:00:21" add21
  y=$(field "$d/add21.json" yiaddr)
  check "[$label] cn21 gets $net.30 at once although MAC :99 had leased it ($y)" [ "$y" = "$net.30" ]

  # query
  "${R[@]}" query cn20 "${common[@]}" --json >"$d/q.json" 2>"$d/q.err"
  check "[$label] query shows cn20's reservation and lease" jq -e --arg ip "$net.20" \
    '.[0].found and (.[0].reservations[0]["ip-address"] == $ip) and ([.[0].leases[] | select(.["ip-address"] == $ip)] | length == 1)' "$d/q.json"

  # config-reload keeps it (the file holds the same object).
  "$xcat" kea --socket "$sock" config-reload >"$d/reload.out" 2>&1
  check "[$label] config-reload succeeds" grep -q '"result": 0\|reloaded\|successful' "$d/reload.out"
  probe "02:$x:00:00:00:20" reload20
  y=$(field "$d/reload20.json" yiaddr)
  check "[$label] after config-reload cn20 still gets $net.20 ($y)" [ "$y" = "$net.20" ]

  # del
  "${R[@]}" del cn20 "${common[@]}" --json >"$d/del.json" 2>"$d/del.err"
  check "[$label] del cn20 exits 0" jq -e '.ok' "$d/del.json"
  check "[$label] the file no longer has cn20 (cn21 and cn11 kept)" eval '! in_file "$cfg" cn20 && in_file "$cfg" cn21 && in_file "$cfg" cn11'
  probe "02:$x:00:00:00:20" del20
  y=$(field "$d/del20.json" yiaddr)
  check "[$label] after del cn20 gets a pool address ($y)" in_range "$y" "$net"
  "${R[@]}" query cn20 "${common[@]}" --json >"$d/q2.json" 2>"$d/q2.err"
  check "[$label] query after del: no reservation" jq -e '.[0].found | not' "$d/q2.json"
  "$xcat" kea --socket "$sock" config-reload >/dev/null 2>&1
  probe "02:$x:00:00:00:20" del20b
  y=$(field "$d/del20b.json" yiaddr)
  check "[$label] after del + config-reload cn20 is not resurrected ($y)" in_range "$y" "$net"
  pid1=$("$xcat" kea --socket "$sock" status-get 2>/dev/null | grep -oE '"pid": *[0-9]+' | grep -oE '[0-9]+$')
  check "[$label] still the same server process" [ "$pid0" = "$pid1" ]
  [ -n "${http_url:-}" ] || return 0

  # The same over the daemon's own HTTP socket with basic auth (run inside the namespace).
  local H=(ip netns exec "$ns" "${R[@]}")
  local hcommon=(-i "$d/inv1.yaml" --config "$cfg" --url "$http_url" --user rladmin --password-file "$http_pw" --kea-version "$version")
  "${H[@]}" add cn20 "${hcommon[@]}" --json >"$d/hadd.json" 2>"$d/hadd.err"
  check "[$label/http] add cn20 over HTTP with basic auth (method $(jq -r .method "$d/hadd.json" 2>/dev/null))" \
    jq -e '.ok and .nodes[0].ok and .method == "host_cmds"' "$d/hadd.json"
  probe "02:$x:00:00:00:20" hadd20
  y=$(field "$d/hadd20.json" yiaddr)
  check "[$label/http] cn20 gets $net.20 at once ($y)" [ "$y" = "$net.20" ]
  "${H[@]}" query cn20 "${hcommon[@]}" --json >"$d/hq.json" 2>"$d/hq.err"
  check "[$label/http] query over HTTP shows reservation and lease" jq -e --arg ip "$net.20" \
    '.[0].found and ([.[0].leases[] | select(.["ip-address"] == $ip)] | length == 1)' "$d/hq.json"
  printf '%s' wrong >"$work/wrong.pw"
  "${H[@]}" add cn20 -i "$d/inv1.yaml" --config "$cfg" --url "$http_url" --user rladmin --password-file "$work/wrong.pw" \
    --kea-version "$version" --json >"$d/hbad.json" 2>"$d/hbad.err"
  rc=$?
  check "[$label/http] a wrong password fails (exit $rc) and changes nothing" \
    eval '[ $rc -eq 1 ] && jq -e "(.file_written | not) and (.error | test(\"unauthorized\"))" "$d/hbad.json"'
  "${H[@]}" del cn20 "${hcommon[@]}" --json >"$d/hdel.json" 2>"$d/hdel.err"
  check "[$label/http] del cn20 over HTTP" jq -e '.ok' "$d/hdel.json"
  probe "02:$x:00:00:00:20" hdel20
  y=$(field "$d/hdel20.json" yiaddr)
  check "[$label/http] after del cn20 gets a pool address ($y)" in_range "$y" "$net"
  check "[$label/http] the file no longer has cn20" eval '! in_file "$cfg" cn20'
}

make_ns "$ns22" 192.168.61 || { bad "cannot create namespace $ns22"; finish; }
addresses=$(ip -n "$ns22" -o addr | awk '{print $4}' | sort -u | tr '\n' ' ')
check "namespace holds only lo and 192.168.61.1" [ "$addresses" = "127.0.0.1/8 192.168.61.1/24 " ]

# Kea 2.2 on the host: no host_cmds -> config-set.
v22=$(kea-dhcp4 -V 2>/dev/null | head -n 1 | grep -oE '^[0-9]+\.[0-9]+\.[0-9]+')
cfg_in="" extra_socket="" http_url=""
scenario kea-$v22 "$ns22" 192.168.61 "$v22" "$work/k22.json" "$work/k22.sock" "$work/k22.csv" "$work/k22.sock" \
  "$work/k22.log" "$work/k22.log" env KEA_PIDFILE_DIR="$work" KEA_LOCKFILE_DIR="$work" kea-dhcp4

# Kea 3.0.4 in the sid chroot: host_cmds over the UNIX socket.
if [ -z "$root30" ]; then
  bad "the sid chroot (Kea 3.0) is not ready: $chroot_tool ensure sid"
else
  make_ns "$ns30" 192.168.62 || { bad "cannot create namespace $ns30"; finish; }
  cfg_in=/etc/kea/$tag.json
  printf '%s' 'reservations-live-30' >"$root30/etc/kea/$tag.pw"
  chmod 0640 "$root30/etc/kea/$tag.pw"
  chroot_files+=("$root30/etc/kea/$tag.pw" "$root30/etc/kea/.$tag.json.xcatdhcp-lock")
  extra_socket='{"socket-type": "http", "socket-address": "127.0.0.1", "socket-port": 8004,
    "authentication": {"type": "basic", "realm": "xcat-rl", "directory": "/etc/kea",
                       "clients": [{"user": "rladmin", "password-file": "'$tag'.pw"}]}}'
  http_url=http://127.0.0.1:8004/ http_pw=$root30/etc/kea/$tag.pw
  scenario kea-3.0.4 "$ns30" 192.168.62 3.0.4 "$root30/etc/kea/$tag.json" "$root30/run/kea/$tag.sock" \
    "/var/lib/kea/$tag.csv" "/run/kea/$tag.sock" "/var/log/kea/$tag.log" "$root30/var/log/kea/$tag.log" \
    "$chroot_tool" run sid kea-dhcp4
fi
finish
