#!/bin/bash
# Live test of `xcatdhcp reservations add|del|query --backend isc` (live::IscReservations):
# xCAT's `makedhcp NODE`, `makedhcp -d NODE`, `makedhcp -q NODE` for ISC dhcpd through the native
# OMAPI client, against a real dhcpd that is never restarted.
#
#   tests/integration/isc_reservations_live.sh BUILD_DIR SOURCE_DIR      (as root; ctest runs it)
#
# In two network namespaces made for this run (irs<PID>, irc<PID>; the veth pair vsrv/vcli is
# created inside them; 192.168.75.0/24 and fd00:75::/64 only inside), dhcpd.conf is rendered with
# `xcatdhcp render --backend isc` from a small inventory (plus one static host block, rn05, as an
# administrator might have written), dhcpd starts with OMAPI on 7911, and then:
#   * rn01's MAC takes a pool lease before it is added;
#   * one batch adds rn01 rn02 rn03 rn04 and the unknown node "ghost": ghost is reported, the
#     others go through (rn03 has a second NIC; rn04's IP lies in the pool, so its object has
#     no fixed address and only its boot statements);
#   * `xcatdhcp probe --request` from the client namespace gets each node's reserved address
#     and boot file (rn04: a pool address and its boot file);
#   * query shows the objects (MAC, address, boot fields) and the leases dhcpd holds (rn01's pool
#     lease from before, rn04's lease the probe just created), and reports ghost;
#   * del rn01 rn04 ghost: ghost fails, the others are removed; rn01 then gets a pool address;
#   * rn05 is also in dhcpd.conf as a static host: add replaces it over OMAPI, del removes it;
#   * dhcpd kept its PID throughout and started once;
#   * then (on purpose) dhcpd restarts: the OMAPI objects come back from its leases file and
#     the deleted static rn05 stays deleted;
#   * dhcpd -6 (port 7912, --family 6): rn06's object matched by its DUID is added, offered,
#     queried and deleted.
# Prints "N passed, M failed"; exit 0 only if nothing failed.
set -u

BUILD=${1:?usage: isc_reservations_live.sh BUILD_DIR SOURCE_DIR}
SOURCE=${2:?usage: isc_reservations_live.sh BUILD_DIR SOURCE_DIR}
BUILD=$(cd "$BUILD" && pwd)
XCATDHCP=$BUILD/bin/xcatdhcp
started=$(date +%s)

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok     $*"; }
bad() { failed=$((failed + 1)); echo "FAILED $*"; }
check() { local name=$1; shift; if "$@" >/dev/null 2>&1; then ok "$name"; else bad "$name"; fi; }
finish() { echo "$passed passed, $failed failed ($(($(date +%s) - started)) s)"; [ "$failed" = 0 ]; exit $?; }
fatal() { echo "FATAL: $*" >&2; failed=$((failed + 1)); finish; }

[ "$(id -u)" = 0 ] || fatal "must run as root (network namespaces, dhcpd)"
for tool in dhcpd ip jq timeout; do command -v $tool >/dev/null || fatal "missing tool: $tool"; done
[ -x "$XCATDHCP" ] || fatal "$XCATDHCP not built"
"$XCATDHCP" reservations --help 2>/dev/null | grep -q -- "--backend" || fatal "'xcatdhcp reservations' has no --backend"

SRV=irs$$
CLI=irc$$
WORK=$(mktemp -d /tmp/isc-reservations-live.XXXXXX)
DHCPD_PID=""   # the `timeout` wrapper this script started
DHCPD6_PID=""  # the same for dhcpd -6

cleanup() {
    for pid in $DHCPD_PID $DHCPD6_PID; do
        kill "$pid" 2>/dev/null
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null
    done
    ip netns del "$SRV" 2>/dev/null
    ip netns del "$CLI" 2>/dev/null
    [ -n "${KEEP_WORK:-}" ] && echo "work dir kept: $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$SRV" || fatal "cannot create network namespace $SRV"
ip netns add "$CLI" || fatal "cannot create network namespace $CLI"
ip -n "$SRV" link add vsrv type veth peer name vcli netns "$CLI" || fatal "cannot create the veth pair"
ip -n "$SRV" addr add 192.168.75.1/24 dev vsrv
ip netns exec "$SRV" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.vsrv.disable_ipv6=0 net.ipv6.conf.vsrv.accept_dad=0
ip netns exec "$CLI" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.vcli.disable_ipv6=0 net.ipv6.conf.vcli.accept_dad=0
ip -n "$SRV" addr add fd00:75::1/64 dev vsrv nodad
for ns in "$SRV" "$CLI"; do ip -n "$ns" link set lo up; done
ip -n "$SRV" link set vsrv up
ip -n "$CLI" link set vcli up

cat > "$WORK/inventory.yaml" <<'EOF'
site:
  dhcpbackend: isc
  dhcpinterfaces: irsrv|vsrv
  dhcplease: 600
  dhcpomapikeyname: xcat_key
  dhcpomapialgorithm: hmac-sha256
  domain: lab.example
  master: 192.168.75.1
  nameservers: 192.168.75.1
  tftpdir: /tftpboot
networks:
  192_168_75_0-255_255_255_0:
    net: 192.168.75.0
    mask: 255.255.255.0
    mgtifname: vsrv
    dynamicrange: 192.168.75.100-192.168.75.150
    tftpserver: <xcatmaster>
  "fd00:75::/64":
    net: "fd00:75::/64"
    mask: /64
    mgtifname: vsrv
    dynamicrange: "fd00:75::1000-fd00:75::1fff"
    nameservers: "fd00:75::1"
nodes:
  rn01: {mac: "02:00:c0:a8:4b:01", ip: 192.168.75.11, netboot: grub2, os: rhels9.4, arch: x86_64, currstate: boot, groups: all}
  rn02: {mac: "02:00:c0:a8:4b:02", ip: 192.168.75.12, netboot: grub2, os: rhels9.4, arch: x86_64, currstate: boot, groups: all}
  rn03: {mac: "02:00:c0:a8:4b:03|02:00:c0:a8:4b:33!rn03-eth1", ip: 192.168.75.13, netboot: grub2, os: rhels9.4, arch: x86_64, currstate: boot, groups: all}
  rn04: {mac: "02:00:c0:a8:4b:04", ip: 192.168.75.120, netboot: grub2, os: rhels9.4, arch: x86_64, currstate: boot, groups: all}
  rn05: {mac: "02:00:c0:a8:4b:05", ip: 192.168.75.15, netboot: grub2, os: rhels9.4, arch: x86_64, currstate: boot, groups: all}
  rn06: {mac: "02:00:c0:a8:4b:06", ip: 192.168.75.16, uuid: 4c4c4544-0030-3410-8058-b00000000006, netboot: xnba, groups: all}
server:
  hostname: irsrv
  names: [irsrv]
  platform: {id: debian, version: 12}
  interfaces:
    - {name: lo, addresses: [127.0.0.1/8]}
    - {name: vsrv, addresses: [192.168.75.1/24, "fd00:75::1/64"]}
  routes:
    - {destination: 192.168.75.0/24, interface: vsrv}
    - {destination: "fd00:75::/64", interface: vsrv}
  hosts:
    rn01: [192.168.75.11]
    rn02: [192.168.75.12]
    rn03: [192.168.75.13]
    rn03-eth1: [192.168.75.33]
    rn04: [192.168.75.120]
    rn05: [192.168.75.15]
    rn06: [192.168.75.16, "fd00:75::16"]
  backends: {isc: 4.4.3}
EOF
printf 'key "xcat_key" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' "$(head -c 32 /dev/urandom | base64)" > "$WORK/key"

"$XCATDHCP" render -i "$WORK/inventory.yaml" --backend isc --key-file "$WORK/key" -o "$WORK/r" >"$WORK/render.log" 2>&1 ||
    fatal "render failed: $(tail -3 "$WORK/render.log")"
# An administrator's static host for rn05 (another address than the inventory's).
cat >> "$WORK/r/dhcpd.conf" <<'EOF'
host rn05 { hardware ethernet 02:00:c0:a8:4b:05; fixed-address 192.168.75.55; }
EOF
: > "$WORK/dhcpd.leases"
start_dhcpd() {  # LOG
    rm -f "$WORK/dhcpd.pid"
    timeout -k 5 600 ip netns exec "$SRV" dhcpd -4 -f -d -cf "$WORK/r/dhcpd.conf" -lf "$WORK/dhcpd.leases" \
        -pf "$WORK/dhcpd.pid" vsrv > "$1" 2>&1 &
    DHCPD_PID=$!
    for _ in $(seq 1 100); do
        grep -q "Server starting service" "$1" 2>/dev/null && break
        kill -0 "$DHCPD_PID" 2>/dev/null || break
        sleep 0.05
    done
    grep -q "Server starting service" "$1" || return 1
    for _ in $(seq 1 50); do [ -s "$WORK/dhcpd.pid" ] && break; sleep 0.05; done
}
stop_dhcpd() {
    kill "$DHCPD_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$DHCPD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$DHCPD_PID" 2>/dev/null
    wait "$DHCPD_PID" 2>/dev/null
    DHCPD_PID=""
}
start_dhcpd "$WORK/dhcpd.log" || fatal "dhcpd did not start: $(tail -5 "$WORK/dhcpd.log" | tr '\n' ' ')"
PID0=$(cat "$WORK/dhcpd.pid" 2>/dev/null)
ok "dhcpd $(dhcpd --version 2>&1 | head -1) is up (pid $PID0)"

R=(ip netns exec "$SRV" "$XCATDHCP" reservations)
K=(-i "$WORK/inventory.yaml" --key-file "$WORK/key" --backend isc --json)
# probe MAC TAG: a whole DHCP exchange from the client namespace; prints "ADDRESS FILE".
probe() {
    timeout 30 ip netns exec "$CLI" "$XCATDHCP" probe -I vcli --mac "$1" --arch 0x0000 --request --timeout 4 --json \
        > "$WORK/probe-$2.json" 2> "$WORK/probe-$2.err"
    jq -r '((.ack // .offer // {}).yiaddr // "-") + " " + ((.ack // .offer // {}).file // "-" | if . == "" then "-" else . end)' \
        "$WORK/probe-$2.json" 2>/dev/null || echo "- -"
}
in_pool() { local last=${1##*.}; [[ $1 == 192.168.75.* ]] && [ "$last" -ge 100 ] && [ "$last" -le 150 ]; }

# ---------------------------------------------------------------- before: a pool lease for rn01
lease=$(probe 02:00:c0:a8:4b:01 pre01)
pre01=${lease%% *}
check "before add: rn01's MAC leases a pool address ($pre01)" in_pool "$pre01"
lease=$(probe 02:00:c0:a8:4b:05 pre05)
check "before add: static host rn05 in dhcpd.conf gives 192.168.75.55 ($lease)" [ "${lease%% *}" = 192.168.75.55 ]

# ---------------------------------------------------------------- add: one bad node in the batch
"${R[@]}" add rn01 rn02 ghost rn03 rn04 "${K[@]}" > "$WORK/add.json" 2> "$WORK/add.err"
rc=$?
check "add batch exits 1 (ghost is unknown)" [ $rc = 1 ]
check "add: rn01 rn02 rn03 rn04 ok, in the order asked, ghost failed" \
    jq -e '[.nodes[] | select(.ok) | .node] == ["rn01","rn02","rn03","rn04"] and ([.nodes[] | .node] == ["rn01","rn02","ghost","rn03","rn04"])' "$WORK/add.json"
check "add: ghost is reported as an unknown node" \
    jq -e '.nodes[] | select(.node == "ghost") | (.ok | not) and (.message | test("unknown node"))' "$WORK/add.json"
check "add: method omapi, no file written, both of rn03's objects created" \
    jq -e '.method == "omapi" and (.file_written | not) and ([.nodes[] | select(.node == "rn03") | .actions[]] | length == 2)' "$WORK/add.json"
[ $rc = 1 ] || { echo "--- add output"; cat "$WORK/add.json" "$WORK/add.err"; }

# ---------------------------------------------------------------- DHCP: reserved addresses and boot files
lease=$(probe 02:00:c0:a8:4b:01 add01)
check "rn01 gets 192.168.75.11 and /boot/grub2/grub2-rn01 at once ($lease)" [ "$lease" = "192.168.75.11 /boot/grub2/grub2-rn01" ]
lease=$(probe 02:00:c0:a8:4b:02 add02)
check "rn02 gets 192.168.75.12 and its boot file ($lease)" [ "$lease" = "192.168.75.12 /boot/grub2/grub2-rn02" ]
lease=$(probe 02:00:c0:a8:4b:33 add03)
check "rn03's second NIC gets 192.168.75.33 ($lease)" [ "${lease%% *}" = 192.168.75.33 ]
lease=$(probe 02:00:c0:a8:4b:04 add04)
add04=${lease%% *}
check "rn04 (IP in the pool: no fixed address) gets a pool address and its boot file ($lease)" \
    eval 'in_pool "$add04" && [ "${lease#* }" = /boot/grub2/grub2-rn04 ]'

# ---------------------------------------------------------------- query
"${R[@]}" query rn01 rn03 rn04 ghost "${K[@]}" > "$WORK/query.json" 2> "$WORK/query.err"
rc=$?
check "query exits 1 (ghost has nothing)" [ $rc = 1 ]
check "query rn01: its object (MAC, address, name, boot file)" \
    jq -e '.[0] | .node == "rn01" and .found and .source == "omapi" and (.reservations[0] | ."hw-address" == "02:00:c0:a8:4b:01" and ."ip-address" == "192.168.75.11" and .hostname == "rn01" and ."boot-file-name" == "/boot/grub2/grub2-rn01")' "$WORK/query.json"
check "query rn01: the pool lease its MAC took before the add ($pre01, active)" \
    jq -e --arg ip "$pre01" '.[0].leases | map(select(."ip-address" == $ip and ."hw-address" == "02:00:c0:a8:4b:01")) | length == 1' "$WORK/query.json"
check "query rn03: both objects" jq -e '.[1].reservations | map(."ip-address") == ["192.168.75.13","192.168.75.33"]' "$WORK/query.json"
check "query rn04: object without address, and the lease the probe just created ($add04)" \
    jq -e --arg ip "$add04" '.[2] | .found and (.reservations[0]."ip-address" // "") == "" and (.leases | map(select(."ip-address" == $ip and ."hw-address" == "02:00:c0:a8:4b:04" and .state == 0)) | length == 1)' "$WORK/query.json"
check "query ghost: not found, unknown node" jq -e '.[3] | (.found | not) and .message == "unknown node"' "$WORK/query.json"

# ---------------------------------------------------------------- del
"${R[@]}" del rn01 ghost rn04 "${K[@]}" > "$WORK/del.json" 2> "$WORK/del.err"
rc=$?
check "del batch exits 1 (ghost)" [ $rc = 1 ]
check "del: rn01 and rn04 removed, ghost failed" \
    jq -e '[.nodes[] | select(.ok) | .node] == ["rn01","rn04"] and (.nodes[1] | .node == "ghost" and (.ok | not))' "$WORK/del.json"
out=$("${R[@]}" query rn01 "${K[@]}" 2>/dev/null)
check "rn01 is gone from dhcpd" eval 'echo "$out" | jq -e ".[0].found | not"'
lease=$(probe 02:00:c0:a8:4b:01 del01)
check "after del, rn01 falls back to a pool address ($lease)" in_pool "${lease%% *}"
"${R[@]}" del rn01 "${K[@]}" > "$WORK/del2.json" 2>/dev/null
check "del again: nothing to remove is fine" jq -e '.ok and (.nodes[0].message == "no host object in dhcpd")' "$WORK/del2.json"

# ---------------------------------------------------------------- a static host in dhcpd.conf
"${R[@]}" add rn05 "${K[@]}" > "$WORK/add05.json" 2>/dev/null
check "add rn05 (also a static host in dhcpd.conf): ok, the static object removed first" \
    jq -e '.ok and (.nodes[0].actions[0] | test("replaced"))' "$WORK/add05.json"
lease=$(probe 02:00:c0:a8:4b:05 add05)
check "rn05 now gets the inventory's 192.168.75.15, not the static 192.168.75.55 ($lease)" [ "${lease%% *}" = 192.168.75.15 ]
"${R[@]}" del rn05 "${K[@]}" > "$WORK/del05.json" 2>/dev/null
check "del rn05: ok" jq -e '.ok' "$WORK/del05.json"
lease=$(probe 02:00:c0:a8:4b:05 del05)
check "after del, rn05 gets a pool address: the static block is deleted too ($lease)" in_pool "${lease%% *}"
check "dhcpd recorded the static host's deletion in its leases file" grep -q "deleted;" "$WORK/dhcpd.leases"

# ---------------------------------------------------------------- not restarted
PID1=$(cat "$WORK/dhcpd.pid" 2>/dev/null)
check "dhcpd was not restarted (pid $PID0 -> $PID1, still running, started once)" \
    eval '[ "$PID0" = "$PID1" ] && kill -0 "$DHCPD_PID" && [ "$(grep -c "Server starting service" "$WORK/dhcpd.log")" = 1 ]'
if grep -q "REQUIRE\|exiting" "$WORK/dhcpd.log"; then bad "dhcpd log: $(grep "REQUIRE\|exiting" "$WORK/dhcpd.log" | head -2)"; fi
[ "$failed" = 0 ] || { echo "--- dhcpd.log (tail)"; tail -20 "$WORK/dhcpd.log"; }

# ---------------------------------------------------------------- after a restart (on purpose)
# dhcpd reads dhcpd.conf, then replays its leases file: OMAPI objects come back, deleted ones
# (the static rn05 included) stay deleted.
stop_dhcpd
if start_dhcpd "$WORK/dhcpd2.log"; then
    lease=$(probe 02:00:c0:a8:4b:02 restart02)
    check "after a dhcpd restart, rn02's OMAPI object is back from the leases file ($lease)" [ "$lease" = "192.168.75.12 /boot/grub2/grub2-rn02" ]
    lease=$(probe 02:00:c0:a8:4b:05 restart05)
    check "after a dhcpd restart, rn05's static block from dhcpd.conf stays deleted ($lease)" in_pool "${lease%% *}"
else
    bad "dhcpd did not start again: $(tail -5 "$WORK/dhcpd2.log" | tr '\n' ' ')"
fi

# ---------------------------------------------------------------- dhcpd -6 (port 7912)
# rn06 has a DUID (DUID-UUID from its uuid) and fd00:75::16: its v6 object is matched by DUID.
: > "$WORK/dhcpd6.leases"
timeout -k 5 600 ip netns exec "$SRV" dhcpd -6 -f -d -cf "$WORK/r/dhcpd6.conf" -lf "$WORK/dhcpd6.leases" \
    -pf "$WORK/dhcpd6.pid" vsrv > "$WORK/dhcpd6.log" 2>&1 &
DHCPD6_PID=$!
for _ in $(seq 1 100); do grep -q "Server starting service" "$WORK/dhcpd6.log" 2>/dev/null && break; sleep 0.05; done
DUID=00:04:4c:4c:45:44:00:30:34:10:80:58:b0:00:00:00:00:06
probe6() {  # TAG: the address advertised to rn06's DUID
    timeout 30 ip netns exec "$CLI" "$XCATDHCP" probe --v6 -I vcli --mac 02:00:c0:a8:4b:06 --duid $DUID --timeout 4 --json \
        > "$WORK/probe6-$1.json" 2> "$WORK/probe6-$1.err"
    jq -r '((.reply // .advertise // {}).addresses // [])[0].address // "-"' "$WORK/probe6-$1.json" 2>/dev/null || echo -
}
if grep -q "Server starting service" "$WORK/dhcpd6.log"; then
    K6=(-i "$WORK/inventory.yaml" --key-file "$WORK/key" --backend isc --family 6 --json)
    "${R[@]}" add rn06 ghost rn01 "${K6[@]}" > "$WORK/add6.json" 2>/dev/null
    check "v6 add: rn06 ok; ghost unknown; rn01 has no DHCPv6 object" \
        jq -e '[.nodes[] | .ok] == [true, false, false] and (.nodes[2].message | test("no IPv6 host object"))' "$WORK/add6.json"
    addr=$(probe6 add)
    check "v6: rn06's DUID is offered fd00:75::16 ($addr)" [ "$addr" = fd00:75::16 ]
    "${R[@]}" query rn06 "${K6[@]}" > "$WORK/query6.json" 2>/dev/null
    check "v6 query: rn06's object by DUID with fd00:75::16" \
        jq -e --arg duid $DUID '.[0] | .found and .reservations[0]."ip-address" == "fd00:75::16" and .reservations[0]."client-id" == $duid' "$WORK/query6.json"
    "${R[@]}" del rn06 "${K6[@]}" > "$WORK/del6.json" 2>/dev/null
    check "v6 del: rn06 removed" jq -e '.ok and (.nodes[0].actions[0] | test("removed 1 object"))' "$WORK/del6.json"
    addr=$(probe6 del)
    check "v6: after del, rn06 gets a pool address ($addr)" eval '[[ $addr == fd00:75::1[0-9a-f][0-9a-f][0-9a-f] ]]'
else
    bad "dhcpd -6 did not start: $(tail -5 "$WORK/dhcpd6.log" | tr '\n' ' ')"
fi
finish
