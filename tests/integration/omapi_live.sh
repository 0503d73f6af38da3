#!/bin/bash
# Live test of the native OMAPI client against a real ISC dhcpd, for every HMAC algorithm.
#
#   tests/integration/omapi_live.sh BUILD_DIR SOURCE_DIR      (as root; ctest runs it)
#
# In two network namespaces made for this run (omls<PID>, omlc<PID>; veth vsrv/vcli created
# inside them; 192.168.74.0/24), for each algorithm dhcpd's configuration is rendered with
# `xcatdhcp render --backend isc` from a small inventory, dhcpd is started, and the client
# (`xcatdhcp omapi`) adds,
# looks up, updates, replaces and deletes host objects; wrong keys must fail clearly; omshell
# must see what the client wrote; a DHCP client on vcli must get the host's fixed address and
# filename (xcatdhcp probe). Then dhcpd -6 on port 7912:
# a host object matched by DUID is created, looked up and removed.
# Prints "N passed, M failed"; exit 0 only if nothing failed.
set -u

BUILD=${1:?usage: omapi_live.sh BUILD_DIR SOURCE_DIR}
SOURCE=${2:?usage: omapi_live.sh BUILD_DIR SOURCE_DIR}
BUILD=$(cd "$BUILD" && pwd)
XCATDHCP=$BUILD/bin/xcatdhcp
ALGORITHMS=${OMAPI_ALGORITHMS:-"hmac-md5 hmac-sha1 hmac-sha224 hmac-sha256 hmac-sha384 hmac-sha512"}

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok     $*"; }
bad() { failed=$((failed + 1)); echo "FAILED $*"; }
fatal() { echo "FATAL: $*" >&2; echo "$passed passed, $((failed + 1)) failed"; exit 1; }

[ "$(id -u)" = 0 ] || fatal "must run as root (network namespaces, dhcpd)"
command -v dhcpd >/dev/null || fatal "dhcpd not found (install isc-dhcp-server)"
[ -x "$XCATDHCP" ] || fatal "$XCATDHCP not built"

# The client: the CLI subcommand.
"$XCATDHCP" omapi --help >/dev/null 2>&1 || fatal "'xcatdhcp omapi' is missing from $XCATDHCP"
OMAPI=("$XCATDHCP" omapi)
echo "client: ${OMAPI[*]}"

SRV=omls$$
CLI=omlc$$
WORK=$(mktemp -d /tmp/omapi-live.XXXXXX)
PIDS=()        # wrapper PIDs this script started
DHCPD_PID=""

cleanup() {
    for pid in "${PIDS[@]}" $DHCPD_PID; do kill "$pid" 2>/dev/null; done
    sleep 0.3
    for pid in "${PIDS[@]}" $DHCPD_PID; do kill -9 "$pid" 2>/dev/null; done
    ip netns del "$SRV" 2>/dev/null
    ip netns del "$CLI" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$SRV" || fatal "cannot create network namespace $SRV"
ip netns add "$CLI" || fatal "cannot create network namespace $CLI"
ip -n "$SRV" link add vsrv type veth peer name vcli netns "$CLI" || fatal "cannot create the veth pair"
ip -n "$SRV" addr add 192.168.74.1/24 dev vsrv
for ns in "$SRV" "$CLI"; do ip -n "$ns" link set lo up; done
ip -n "$SRV" link set vsrv up
ip -n "$CLI" link set vcli up
ip netns exec "$SRV" true || fatal "cannot enter $SRV"

srv() { ip netns exec "$SRV" "$@"; }
om() { srv "${OMAPI[@]}" "$@"; }

# ---------------------------------------------------------------- inventory and key
write_inventory() {  # ALGORITHM
    cat > "$WORK/inventory.yaml" <<EOF
site:
  dhcpinterfaces: omsrv|vsrv
  dhcplease: 600
  dhcpomapialgorithm: $1
  dhcpomapikeyname: xcat_key
  domain: lab.example
  master: 192.168.74.1
  nameservers: 192.168.74.1
  tftpdir: /tftpboot
networks:
  192_168_74_0-255_255_255_0:
    net: 192.168.74.0
    mask: 255.255.255.0
    mgtifname: vsrv
    dynamicrange: 192.168.74.100-192.168.74.150
    tftpserver: <xcatmaster>
nodes:
  ln01: {mac: "02:00:c0:a8:4a:0b", ip: 192.168.74.11, netboot: grub2, os: rhels9.4, arch: x86_64, currstate: boot, groups: all}
  ln02: {mac: "02:00:c0:a8:4a:0c", ip: 192.168.74.12, netboot: grub2, os: rhels9.4, arch: x86_64, currstate: boot, groups: all}
  ln03: {mac: "02:00:c0:a8:4a:0d|02:00:c0:a8:4a:0e!*NOIP*", ip: 192.168.74.13, netboot: grub2, os: rhels9.4, arch: x86_64, currstate: boot, groups: all}
server:
  hostname: omsrv
  names: [omsrv]
  platform: {id: debian, version: 12}
  interfaces:
    - {name: lo, addresses: [127.0.0.1/8]}
    - {name: vsrv, addresses: [192.168.74.1/24]}
  routes:
    - {destination: 192.168.74.0/24, interface: vsrv}
  hosts:
    ln01: [192.168.74.11]
    ln02: [192.168.74.12]
    ln03: [192.168.74.13]
  backends: {isc: 4.4.3}
EOF
}

write_key() {  # FILE ALGORITHM SECRET
    printf 'key "xcat_key" {\n\talgorithm %s;\n\tsecret "%s";\n};\n' "$2" "$3" > "$1"
}

start_dhcpd() {  # DIR
    : > "$1/dhcpd.leases"
    rm -f "$1/dhcpd.pid"
    timeout -k 5 600 ip netns exec "$SRV" dhcpd -4 -f -d -cf "$1/dhcpd.conf" -lf "$1/dhcpd.leases" \
        -pf "$1/dhcpd.pid" vsrv > "$1/dhcpd.log" 2>&1 &
    DHCPD_PID=$!
    for _ in $(seq 1 100); do
        grep -q "Server starting service" "$1/dhcpd.log" 2>/dev/null && return 0
        kill -0 "$DHCPD_PID" 2>/dev/null || break
        sleep 0.05
    done
    return 1
}

stop_dhcpd() {
    [ -n "$DHCPD_PID" ] || return 0
    kill "$DHCPD_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$DHCPD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$DHCPD_PID" 2>/dev/null
    wait "$DHCPD_PID" 2>/dev/null
    DHCPD_PID=""
}

# ---------------------------------------------------------------- DHCP client
# Prints "ADDRESS FILENAME" ("-" for what is missing) of what a client with MAC is offered on
# vcli (xcatdhcp probe, BIOS).
dhcp_lease() {  # MAC TAG
    ip -n "$CLI" link set vcli address "$1"
    timeout 30 ip netns exec "$CLI" "$XCATDHCP" probe -I vcli --mac "$1" --arch 0x0000 --json 2>"$WORK/probe-$2.err" |
        jq -r '(.ack // .offer // {}) | "\(.yiaddr // "-") \(.file // "-" | if . == "" then "-" else . end)"' 2>/dev/null ||
        echo "- -"
}

# ---------------------------------------------------------------- per algorithm
first=1
for ALG in $ALGORITHMS; do
    echo "== $ALG"
    D="$WORK/$ALG"
    mkdir -p "$D"
    SECRET=$(head -c 32 /dev/urandom | base64)
    write_inventory "$ALG"
    write_key "$D/key" "$ALG" "$SECRET"
    if ! "$XCATDHCP" render -i "$WORK/inventory.yaml" --backend isc --key-file "$D/key" -o "$D" >"$D/render.log" 2>&1; then
        bad "$ALG: render failed: $(tail -2 "$D/render.log")"
        continue
    fi
    grep -q "algorithm $ALG;" "$D/dhcpd.conf" && ok "$ALG: rendered dhcpd.conf uses $ALG" ||
        bad "$ALG: rendered dhcpd.conf lacks 'algorithm $ALG'"
    if ! start_dhcpd "$D"; then
        bad "$ALG: dhcpd did not start: $(grep -v '^$' "$D/dhcpd.log" | tail -3 | tr '\n' ' ')"
        stop_dhcpd
        continue
    fi
    K=(-i "$WORK/inventory.yaml" --key-file "$D/key")

    # add every host object of the inventory
    out=$(om add "${K[@]}" 2>&1)
    if [ $? = 0 ] && echo "$out" | grep -q "^4 ok, 0 failed"; then ok "$ALG: add 4 host objects"
    else bad "$ALG: add: $out"; fi

    # lookups by name (all), by MAC, by client identifier
    out=$(om query "${K[@]}" 2>&1)
    if [ $? = 0 ] && echo "$out" | grep -q "^ln01: ip-address = 192.168.74.11, hardware-address = 02:00:c0:a8:4a:0b, hardware-type = 1" &&
        echo "$out" | grep -q "^ln03-noip0200c0a84a0e: ip-address = -"; then ok "$ALG: query by name finds all four"
    else bad "$ALG: query: $out"; fi
    out=$(om query "${K[@]}" --mac 02:00:c0:a8:4a:0c 2>&1)
    echo "$out" | grep -q "^ln02: ip-address = 192.168.74.12" && ok "$ALG: query by MAC" || bad "$ALG: query by MAC: $out"
    out=$(om query "${K[@]}" --client-id 02:00:c0:a8:4a:0d --json 2>&1)
    echo "$out" | grep -q '"name": "ln03"' && ok "$ALG: query by client identifier (JSON)" || bad "$ALG: query by client id: $out"

    # omshell sees what the client wrote
    {
        [ "$ALG" != hmac-md5 ] && echo "key-algorithm $ALG"
        printf 'key xcat_key "%s"\nserver 127.0.0.1\nport 7911\nconnect\nnew host\nset name = "ln02"\nopen\n' "$SECRET"
    } > "$D/omshell.in"
    out=$(srv omshell < "$D/omshell.in" 2>&1)
    if echo "$out" | grep -q 'ip-address = c0:a8:4a:0c' && ! echo "$out" | grep -q "can't"; then
        ok "$ALG: omshell finds the object the client created"
    else bad "$ALG: omshell: $(echo "$out" | tail -3 | tr '\n' ' ')"; fi

    # DHCP: the node's MAC gets its fixed address and its filename (once, with the first algorithm)
    if [ $first = 1 ]; then
        lease=$(dhcp_lease 02:00:c0:a8:4a:0b add)
        [ "$lease" = "192.168.74.11 /boot/grub2/grub2-ln01" ] && ok "$ALG: DHCP for ln01 gives 192.168.74.11 and its filename" ||
            bad "$ALG: DHCP for ln01 gave '$lease'"
    fi

    # update in place: a new fixed address
    out=$(om update "${K[@]}" --name ln01 --set-ip 192.168.74.21 2>&1)
    echo "$out" | grep -q "^ln01: ip-address = 192.168.74.21" && ok "$ALG: update ln01's address" || bad "$ALG: update: $out"
    out=$(om query "${K[@]}" --name ln01 2>&1)
    echo "$out" | grep -q "ip-address = 192.168.74.21" && ok "$ALG: lookup shows the new address" || bad "$ALG: lookup after update: $out"
    if [ $first = 1 ]; then
        lease=$(dhcp_lease 02:00:c0:a8:4a:0b update)
        [ "${lease%% *}" = 192.168.74.21 ] && ok "$ALG: DHCP for ln01 gives the updated address" ||
            bad "$ALG: DHCP after update gave '$lease'"
    fi
    out=$(om update "${K[@]}" --name ln01 --set-statements 'filename "x";' 2>&1)
    [ $? != 0 ] && echo "$out" | grep -q "already exists" && ok "$ALG: dhcpd refuses to change statements in place (already exists)" ||
        bad "$ALG: statements update: $out"

    # add again: each object is replaced (one old object removed)
    out=$(om add "${K[@]}" --node ln01 --node ln02 --by-ip always 2>&1)
    if echo "$out" | grep -q "^ok      ln01 removed 1" && echo "$out" | grep -q "^ok      ln02 removed 1"; then
        ok "$ALG: add again (xCAT's sequence, with lookups by address) replaces the objects"
    else bad "$ALG: re-add: $out"; fi
    out=$(om query "${K[@]}" --name ln01 2>&1)
    echo "$out" | grep -q "ip-address = 192.168.74.11" && ok "$ALG: the replaced object has the inventory's address again" ||
        bad "$ALG: after re-add: $out"

    # errors
    out=$(om create "${K[@]}" --name ln02 --mac 02:00:c0:a8:4a:99 2>&1)
    [ $? != 0 ] && echo "$out" | grep -q "create of host 'ln02': already exists" && ok "$ALG: create of an existing name: already exists" ||
        bad "$ALG: duplicate create: $out"
    out=$(om create "${K[@]}" --name lnbad --mac 02:00:c0:a8:4a:98 --statements 'this is not; valid' 2>&1)
    [ $? != 0 ] && echo "$out" | grep -q "parse error" && ok "$ALG: bad statements: parse error" || bad "$ALG: bad statements: $out"
    write_key "$D/wrong.key" "$ALG" "$(head -c 32 /dev/urandom | base64)"
    out=$(om query -i "$WORK/inventory.yaml" --key-file "$D/wrong.key" --name ln01 2>&1)
    [ $? != 0 ] && echo "$out" | grep -q "OMAPI authentication failed for key xcat_key: dhcpd rejected the message signature" &&
        ok "$ALG: wrong secret: clear authentication error" || bad "$ALG: wrong secret: $out"
    other=hmac-md5; [ "$ALG" = hmac-md5 ] && other=hmac-sha256
    out=$(om query "${K[@]}" --algorithm $other --name ln01 2>&1)
    [ $? != 0 ] && echo "$out" | grep -q "OMAPI authentication failed for key xcat_key: dhcpd has no key named 'xcat_key' with algorithm $other" &&
        ok "$ALG: wrong algorithm: clear authentication error" || bad "$ALG: wrong algorithm: $out"
    out=$(om query "${K[@]}" --key-name other_key --name ln01 2>&1)
    [ $? != 0 ] && echo "$out" | grep -q "no key named 'other_key'" && ok "$ALG: unknown key name: clear error" ||
        bad "$ALG: unknown key name: $out"

    # delete one node (both of its objects), then everything
    out=$(om del "${K[@]}" --node ln03 2>&1)
    if [ $? = 0 ] && echo "$out" | grep -q "^ok      ln03 removed 1" && echo "$out" | grep -q "^ok      ln03-noip0200c0a84a0e (node ln03) removed 1"; then
        ok "$ALG: delete ln03's two objects"
    else bad "$ALG: delete ln03: $out"; fi
    out=$(om query "${K[@]}" --name ln03 2>&1)
    [ $? != 0 ] && echo "$out" | grep -q "not found" && ok "$ALG: ln03 is gone" || bad "$ALG: ln03 still there: $out"
    if [ $first = 1 ]; then
        lease=$(dhcp_lease 02:00:c0:a8:4a:0d delete)
        case "$lease" in
        192.168.74.1[0-4][0-9]\ *|192.168.74.150\ *) ok "$ALG: DHCP for deleted ln03 falls back to the pool ($lease)" ;;
        *) bad "$ALG: DHCP for deleted ln03 gave '$lease'" ;;
        esac
    fi
    out=$(om del "${K[@]}" 2>&1)
    [ $? = 0 ] && echo "$out" | grep -q "^4 ok, 0 failed" && ok "$ALG: delete all" || bad "$ALG: delete all: $out"
    grep -q "^host ln01 {" "$D/dhcpd.leases" && ok "$ALG: dhcpd saved the objects in its leases file" ||
        bad "$ALG: no host entries in dhcpd.leases"

    if kill -0 "$DHCPD_PID" 2>/dev/null && ! grep -q "REQUIRE\|exiting" "$D/dhcpd.log"; then ok "$ALG: dhcpd still running"
    else bad "$ALG: dhcpd died: $(grep -v '^$' "$D/dhcpd.log" | tail -3 | tr '\n' ' ')"; fi
    stop_dhcpd
    first=0
done

# ---------------------------------------------------------------- DHCPv6 (dhcpd -6, port 7912)
echo "== dhcpd -6"
D="$WORK/v6"
mkdir -p "$D"
SECRET=$(head -c 32 /dev/urandom | base64)
write_key "$D/key" hmac-sha256 "$SECRET"
ip netns exec "$SRV" sysctl -q -w net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.vsrv.disable_ipv6=0 >/dev/null 2>&1
ip -n "$SRV" addr add fd00:74::1/64 dev vsrv nodad
cat > "$D/dhcpd.conf" <<EOF
omapi-port 7912;
key xcat_key { algorithm hmac-sha256; secret "$SECRET"; }
omapi-key xcat_key;
subnet6 fd00:74::/64 { range6 fd00:74::1000 fd00:74::1fff; }
EOF
: > "$D/dhcpd.leases"
timeout -k 5 600 ip netns exec "$SRV" dhcpd -6 -f -d -cf "$D/dhcpd.conf" -lf "$D/dhcpd.leases" -pf "$D/dhcpd.pid" vsrv \
    > "$D/dhcpd.log" 2>&1 &
DHCPD_PID=$!
for _ in $(seq 1 100); do grep -q "Server starting service" "$D/dhcpd.log" 2>/dev/null && break; sleep 0.05; done
if grep -q "Server starting service" "$D/dhcpd.log"; then
    K6=(--family 6 --key-file "$D/key")
    DUID=00:04:5b:6c:7d:8e:9f:a0:4b:1c:8d:2e:3f:40:51:62:73:84
    out=$(om create "${K6[@]}" --name ln06 --client-id $DUID --ip fd00:74::16 --statements 'ddns-hostname "ln06";' 2>&1)
    echo "$out" | grep -q "^ln06: ip-address = fd00:74::16, hardware-address = -, hardware-type = 0, dhcp-client-identifier = $DUID" &&
        ok "v6: create a host object matched by DUID, on port 7912" || bad "v6: create: $out"
    out=$(om query "${K6[@]}" --client-id $DUID 2>&1)
    echo "$out" | grep -q "^ln06: ip-address = fd00:74::16" && ok "v6: lookup by DUID" || bad "v6: lookup: $out"
    out=$(om remove "${K6[@]}" --name ln06 2>&1)
    [ $? = 0 ] && ok "v6: remove" || bad "v6: remove: $out"
    out=$(om query "${K6[@]}" --name ln06 2>&1)
    echo "$out" | grep -q "not found" && ok "v6: gone after remove" || bad "v6: after remove: $out"
else
    bad "v6: dhcpd -6 did not start: $(grep -v '^$' "$D/dhcpd.log" | tail -3 | tr '\n' ' ')"
fi
stop_dhcpd

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
