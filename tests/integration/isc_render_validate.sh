#!/usr/bin/env bash
# isc_render_validate.sh BUILD_DIR SOURCE_DIR
#
# Renders ISC configurations for a set of small inventories (every netboot method, every boot
# row, DDNS, IPv6, relayed networks, InfiniBand/HFI, static-hosts mode) and for
# examples/inventories/cluster.yaml when present, then for each rendered file:
#   * dhcpd -t -cf / dhcpd -6 -t -cf (in a throw-away network namespace through
#     tests/tools/netns-validate.sh when running as root, else directly);
#   * hosts.omapi.json is JSON;
#   * the structural reader finds the same meaning as the intent (a small driver built
#     against the library calls render::isc::compare_with_intent);
#   * rendering twice gives identical bytes.
# As root, one live check: dhcpd serves the rendered dhcpd.conf in a namespace and omshell loads
# every host object of the rendered batch; the leases file must then hold all of them, in a form
# dhcpd reads back (dhcpd -T).
#
# Rendering uses `xcatdhcp render --backend isc`.
# Prints "N passed, M failed"; exits 0 only when nothing failed.
set -uo pipefail

BUILD=${1:?usage: isc_render_validate.sh BUILD_DIR SOURCE_DIR}
SRC=${2:?usage: isc_render_validate.sh BUILD_DIR SOURCE_DIR}
BUILD=$(cd "$BUILD" && pwd)
SRC=$(cd "$SRC" && pwd)
CLI=$BUILD/bin/xcatdhcp
NETNS_VALIDATE=$SRC/tests/tools/netns-validate.sh
SECRET=c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0
DHCPD=$(command -v dhcpd || echo /usr/sbin/dhcpd)
OMSHELL=$(command -v omshell || echo /usr/bin/omshell)

PASS=0
FAIL=0
TMP=$(mktemp -d /tmp/xcatdhcp-isc-it.XXXXXX)
LIVE_NS=""
LIVE_PID=""

cleanup() {
    if [[ -n $LIVE_PID ]]; then
        kill "$LIVE_PID" 2>/dev/null
        wait "$LIVE_PID" 2>/dev/null
    fi
    [[ -n $LIVE_NS ]] && ip netns del "$LIVE_NS" 2>/dev/null
    rm -rf -- "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

pass() { PASS=$((PASS + 1)); echo "PASS $*"; }
fail() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }
note() { echo "NOTE $*"; }

# ------------------------------------------------------------------ the driver
cat >"$TMP/driver.cpp" <<'EOF'
// render INVENTORY DIR SECRET [static] | check INVENTORY DIR [static] | omshell INVENTORY SECRET FAMILY
#include "xcatdhcp/intent/build.hpp"
#include "xcatdhcp/inventory/load.hpp"
#include "xcatdhcp/render/isc.hpp"
#include <fstream>
#include <iostream>
#include <sstream>
using namespace xcatdhcp;
namespace isc = xcatdhcp::render::isc;
static std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
int main(int argc, char** argv) try {
    if (argc < 4) return 2;
    const std::string mode = argv[1];
    auto inv = inventory::load_file(argv[2]);
    auto intent = intent::build(inv).intent;
    auto profile = isc::IscProfile::for_server(inv.server);
    const bool is_static = argc > 4 && std::string(argv[argc - 1]) == "static";
    profile.static_hosts = profile.static_hosts || is_static;
    if (mode == "render") {
        auto files = isc::render(intent, profile, render::Secrets{argv[4], ""}, {});
        for (const auto& [name, content] : files) std::ofstream(std::string(argv[3]) + "/" + name) << content;
        return 0;
    }
    if (mode == "omshell") {
        isc::OmshellRequest request;
        request.family = std::string(argv[4]) == "6" ? net::Family::v6 : net::Family::v4;
        std::cout << isc::omshell_script(isc::host_objects(intent), intent.omapi_key,
                                         render::Secrets{argv[3], ""}, profile, request);
        return 0;
    }
    int differences = 0;
    for (auto [file, family] : {std::pair{"dhcpd.conf", net::Family::v4}, {"dhcpd6.conf", net::Family::v6}}) {
        const std::string path = std::string(argv[3]) + "/" + file;
        if (family == net::Family::v6 && !intent.has_v6()) continue;
        for (const auto& d :
             isc::compare_with_intent(isc::parse_dhcpd_conf(slurp(path)), intent, family, profile)) {
            std::cout << file << ": " << d << "\n";
            ++differences;
        }
    }
    return differences ? 1 : 0;
} catch (const std::exception& e) {
    std::cerr << "driver: " << e.what() << "\n";
    return 1;
}
EOF
CXX=${CXX:-$(command -v c++ || command -v g++ || command -v clang++)}
DRIVER=$TMP/driver
if [[ -n $CXX ]] && "$CXX" -std=c++20 -O0 -I"$SRC/include" "$TMP/driver.cpp" -L"$BUILD/lib" -lxcatdhcp \
    -Wl,-rpath,"$BUILD/lib" -o "$DRIVER" 2>"$TMP/driver.log"; then
    pass "driver builds against $BUILD/lib"
else
    fail "driver does not build: $(head -5 "$TMP/driver.log" 2>/dev/null)"
    DRIVER=""
fi

printf 'key xcat_key {\n\talgorithm hmac-md5;\n\tsecret "%s";\n};\n' "$SECRET" >"$TMP/ddns.key"
printf 'key omapi.key-1 {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' "$SECRET" >"$TMP/sha256.key"

# ------------------------------------------------------------------ inventories
mkdir -p "$TMP/inv"
# Every netboot method, every subnet boot row, DDNS, IPv6, relayed and top-level !remote!
# networks, a network owned by another server, InfiniBand, HFI, *NOIP*, aliases, dash MACs.
cat >"$TMP/inv/methods.yaml" <<'EOF'
site:
  domain: cluster.test
  nameservers: <xcatmaster>
  dnshandler: ddns
  timezone: Europe/Berlin
  dhcplease: "3600"
  dhcpinterfaces: eth1,ib0,hf0,!remote!
networks:
  mgmt:
    net: 10.0.0.0
    mask: 255.255.0.0
    mgtifname: eth1
    gateway: <xcatmaster>
    logservers: <xcatmaster>
    mtu: "9000"
    dynamicrange: 10.0.200.1-10.0.200.254;10.0.128.0/18
  ib:
    net: 10.100.0.0
    mask: 255.255.0.0
    mgtifname: ib0
    domain: ib.cluster.test
  hfi:
    net: 20.0.0.0
    mask: 255.255.0.0
    mgtifname: hf0
  rack9:
    net: 10.10.0.0
    mask: 255.255.0.0
    mgtifname: "!remote!eth1"
    tftpserver: 10.10.0.2
    nameservers: 10.10.0.2
    ddnsdomain: rack9.cluster.test
    dynamicrange: 10.10.200.1 10.10.200.100
  far:
    net: 10.20.0.0
    mask: 255.255.0.0
    mgtifname: "!remote!"
    tftpserver: 10.20.0.2
    dynamicrange: 10.20.0.100,10.20.0.200
  notmine:
    net: 10.30.0.0
    mask: 255.255.0.0
    mgtifname: "!remote!eth1"
    dhcpserver: sn1
    dynamicrange: 10.30.0.10-10.30.0.20
  v6:
    net: fd00:10::/64
    mgtifname: eth1
    nameservers: fd00:10::1
    dynamicrange: fd00:10::1000-fd00:10::1fff;fd00:10::2:0/112
osimages:
  cumulus:
    pkgdir: /install/cumulus/cumulus-linux.bin
nodes:
  x1: {mac: "42:00:0a:00:01:01", ip: 10.0.1.1, netboot: xnba, uuid: 4c4c4544-0030-3410-8058-b00000000001}
  x2: {mac: "42:00:0a:00:01:02", ip: 10.0.1.2, netboot: xnba, currstate: boot}
  x3: {mac: "42:00:0a:00:01:03", ip: 10.0.1.3, netboot: xnba, currstate: install win2019, os: win2019}
  x4: {mac: "42:00:0a:00:01:04", ip: 10.0.1.4, netboot: xnba, currstate: iscsiboot, iscsiserver: 10.0.0.9, iscsitarget: "iqn.2024-01.test:t4", iscsiname: "iqn.2024-01.test:x4"}
  x5: {mac: "42:00:0a:00:01:05", ip: 10.0.1.5, netboot: xnba, currstate: winshell}
  x7: {mac: "42:00:0a:00:01:07", ip: 10.0.1.7, netboot: xnba, currstate: iscsiboot, iscsiserver: 10.0.0.9, iscsitarget: "t;} host evil { # x", iscsiname: "n{1};\tz"}
  x6: {mac: "42:00:0a:00:01:06", ip: 10.0.1.6, netboot: xnba, os: rhels5.9}
  p1: {mac: "42:00:0a:00:01:11", ip: 10.0.1.11, netboot: pxe}
  p2: {mac: "42:00:0a:00:01:12", ip: 10.0.1.12, netboot: pxe, currstate: boot, iscsiserver: 10.0.0.9, iscsitarget: "iqn.2024-01.test:t12"}
  g1: {mac: "42:00:0a:00:01:21", ip: 10.0.1.21, netboot: grub2}
  g2: {mac: "42:00:0a:00:01:22", ip: 10.0.1.22, netboot: grub2-http}
  g3: {mac: "42:00:0a:00:01:23", ip: 10.0.1.23, netboot: grub2-tftp}
  pb1: {mac: "42:00:0a:00:01:31", ip: 10.0.1.31, netboot: petitboot}
  y1: {mac: "42:00:0a:00:01:41", ip: 10.0.1.41, netboot: yaboot}
  o1: {mac: "42:00:0a:00:01:51", ip: 10.0.1.51, netboot: onie, provmethod: cumulus}
  nim1: {mac: "42:00:0a:00:01:61", ip: 10.0.1.61, netboot: nimol}
  d1: {mac: "42:00:0a:00:01:71", ip: 10.0.1.71}
  u1: {mac: "42:00:0a:00:01:72", ip: 10.0.1.72, netboot: someday}
  t1: {mac: "42:00:0a:00:01:73", ip: 10.0.1.73, netboot: xnba, tftpserver: 10.0.0.5}
  dash: {mac: 42-00-0A-00-01-81, ip: 10.0.1.81, netboot: xnba}
  multi: {mac: "42:00:0a:00:01:91|42:00:0a:00:01:92!multi-b|42:00:0a:00:01:93!*NOIP*", ip: 10.0.1.91, netboot: grub2}
  pool: {mac: "42:00:0a:00:01:a1", ip: 10.0.200.5, netboot: xnba}
  lost: {mac: "42:00:0a:00:01:a2", netboot: xnba}
  relayed: {mac: "42:00:0a:00:01:b1", ip: 10.10.0.50, netboot: xnba}
  ib1: {mac: "80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:00:0f:01", ip: 10.100.0.11}
  opa1: {mac: "00:11:75:01:01:02:03:04", ip: 10.100.0.12}
  hfi1: {mac: "02:00:00:00:00:31", ip: 20.0.0.31}
  v6only: {mac: "42:00:0a:00:01:c1", ip: "fd00:10::c1"}
server:
  hostname: mn
  platform: {id: debian, version: "12"}
  interfaces:
    - {name: eth0, addresses: [192.168.1.5/24]}
    - {name: eth1, addresses: [10.0.0.1/16, "fd00:10::1/64"]}
    - {name: ib0, addresses: [10.100.0.1/16]}
    - {name: hf0, addresses: [20.0.0.1/16]}
  ip_forward: true
  hosts:
    x1: [10.0.1.1, "fd00:10::101"]
    multi-b: [10.0.1.92]
EOF

# Plain: one network, no DDNS, no nodes, no time zone, http port 8080, another OMAPI key.
cat >"$TMP/inv/plain.yaml" <<'EOF'
site:
  domain: plain.test
  httpport: "8080"
  dhcpomapikeyname: omapi.key-1
  dhcpomapialgorithm: hmac-sha256
networks:
  lan:
    net: 192.168.50.0
    mask: 255.255.255.0
    mgtifname: enp0s3.100
    dynamicrange: 192.168.50.100-192.168.50.199
server:
  hostname: mn2
  interfaces:
    - {name: enp0s3.100, addresses: [192.168.50.1/24]}
EOF

# IPv6 heavy: two v6 networks (one owned elsewhere), v4 relayed only.
cat >"$TMP/inv/ipv6.yaml" <<'EOF'
site:
  domain: six.test
  dnshandler: ddns
  dhcpinterfaces: eth1,eth2
networks:
  v4:
    net: 10.60.0.0
    mask: 255.255.0.0
    mgtifname: eth1
    nameservers: 10.60.0.1
  a:
    net: fd00:60::/64
    mgtifname: eth1
    nameservers: fd00:60::1,fd00:60::53
    dynamicrange: fd00:60::1000-fd00:60::1fff;fd00:60::3000-fd00:60::3fff;fd00:60::1:0/112
  b:
    net: fd00:70::/64
    mgtifname: eth2
    dhcpserver: sn9
    dynamicrange: fd00:70::1000-fd00:70::1fff
nodes:
  s1: {mac: "42:00:0a:3c:00:01", ip: 10.60.0.11, uuid: 4c4c4544-0030-3410-8058-b000000000a1, netboot: xnba}
  s2: {mac: "42:00:0a:3c:00:02", ip: "fd00:60::12"}
server:
  hostname: mn6
  interfaces:
    - {name: eth1, addresses: [10.60.0.1/16, "fd00:60::1/64"]}
    - {name: eth2, addresses: ["fd00:70::1/64"]}
  hosts:
    s1: [10.60.0.11, "fd00:60::11"]
EOF

INVENTORIES=("$TMP/inv/methods.yaml" "$TMP/inv/plain.yaml" "$TMP/inv/ipv6.yaml")
CLUSTER=$SRC/examples/inventories/cluster.yaml
if [[ -f $CLUSTER ]]; then
    INVENTORIES+=("$CLUSTER")
else
    note "examples/inventories/cluster.yaml not present; skipped"
fi

# ------------------------------------------------------------------ rendering
# render INVENTORY OUTDIR MODE(omapi|static)
render_to() {
    local inv=$1 out=$2 mode=$3 key=$TMP/ddns.key extra=()
    mkdir -p "$out"
    [[ $inv == */plain.yaml ]] && key=$TMP/sha256.key
    [[ $mode == static ]] && extra=(--static-hosts)
    "$CLI" render -i "$inv" -o "$out" --backend isc --key-file "$key" "${extra[@]}" >"$out.log" 2>&1
}

# validate DAEMON(dhcpd|dhcpd6) FILE LOG
validate_file() {
    local daemon=$1 file=$2 log=$3 ifaces rc
    ifaces=$(grep -oE '^shared-network [A-Za-z0-9_.-]+' "$file" | awk '{print $2}' | paste -sd, -)
    if [[ $(id -u) -eq 0 && -f $NETNS_VALIDATE ]]; then
        bash "$NETNS_VALIDATE" ${ifaces:+--ifaces "$ifaces"} "$daemon" "$file" >"$log" 2>&1
        rc=$?
        ((rc != 125)) && return $rc
        echo "(namespace unavailable; validating directly)" >>"$log"
    fi
    if [[ $daemon == dhcpd6 ]]; then
        "$DHCPD" -6 -t -cf "$file" >>"$log" 2>&1
    else
        "$DHCPD" -t -cf "$file" >>"$log" 2>&1
    fi
}

check_json() {
    if command -v jq >/dev/null; then
        jq -e '.format == "xcatdhcp-isc-hosts/1" and (.hosts | type == "array")' "$1" >/dev/null 2>&1
    else
        python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert isinstance(d["hosts"], list)' "$1"
    fi
}

[[ -x $DHCPD ]] || fail "dhcpd not installed (isc-dhcp-server): nothing can be validated"

n=0
for inv in "${INVENTORIES[@]}"; do
    name=$(basename "$inv" .yaml)
    for mode in omapi static; do
        n=$((n + 1))
        case_id="$name/$mode"
        out=$TMP/out/$n
        if ! render_to "$inv" "$out" "$mode"; then
            fail "$case_id: render: $(tail -3 "$out.log")"
            continue
        fi
        pass "$case_id: rendered ($(find "$out" -maxdepth 1 -type f -printf '%f\n' | sort | paste -sd' ' -))"
        for f in dhcpd.conf dhcpd6.conf; do
            [[ -f $out/$f ]] || continue
            daemon=dhcpd
            [[ $f == dhcpd6.conf ]] && daemon=dhcpd6
            if validate_file "$daemon" "$out/$f" "$out.$f.check"; then
                pass "$case_id: $daemon -t $f"
            else
                fail "$case_id: $daemon -t $f:"
                grep -v '^$' "$out.$f.check" | tail -15 | sed 's/^/    /'
            fi
        done
        if grep -q '^subnet6\|^  subnet6' "$out/dhcpd.conf"; then fail "$case_id: subnet6 in dhcpd.conf"; fi
        if [[ $(head -1 "$out/dhcpd.conf") == "#xCAT generated dhcp configuration" ]]; then
            pass "$case_id: #xCAT first line"
        else
            fail "$case_id: first line is '$(head -1 "$out/dhcpd.conf")'"
        fi
        if check_json "$out/hosts.omapi.json"; then pass "$case_id: hosts.omapi.json"; else fail "$case_id: hosts.omapi.json is not the expected JSON"; fi
        if grep -q "$SECRET" "$out/hosts.omapi.json"; then fail "$case_id: secret in hosts.omapi.json"; fi
        if [[ -n $DRIVER ]]; then
            if "$DRIVER" check "$inv" "$out" "$mode" >"$out.diff" 2>&1; then
                pass "$case_id: structure matches the intent"
            else
                fail "$case_id: structure differs from the intent:"
                head -10 "$out.diff" | sed 's/^/    /'
            fi
        fi
        again=$TMP/again/$n
        if render_to "$inv" "$again" "$mode" && diff -r "$out" "$again" >/dev/null; then
            pass "$case_id: deterministic"
        else
            fail "$case_id: a second render differs"
        fi
    done
done

# ------------------------------------------------------------------ live OMAPI check (root only)
live_check() {
    local out=$TMP/live ns="xcatdhcp-isc-it-$$" _
    mkdir -p "$out"
    "$DRIVER" render "$TMP/inv/methods.yaml" "$out" "$SECRET" omapi >"$out/render.log" 2>&1 || {
        fail "live: render"
        return
    }
    "$DRIVER" omshell "$TMP/inv/methods.yaml" "$SECRET" 4 >"$out/batch4" 2>"$out/omshell.err" || {
        fail "live: omshell batch: $(cat "$out/omshell.err")"
        return
    }
    ip netns add "$ns" 2>/dev/null || {
        note "live OMAPI check skipped: cannot create a network namespace"
        return
    }
    LIVE_NS=$ns
    ip -n "$ns" link set lo up
    if ! ip -n "$ns" link add eth1 type dummy 2>/dev/null; then
        ip -n "$ns" link add eth1 type bridge 2>/dev/null || {
            note "live OMAPI check skipped: no dummy or bridge links"
            return
        }
    fi
    ip -n "$ns" addr add 10.0.0.1/16 dev eth1
    ip -n "$ns" link set eth1 up
    : >"$out/leases"
    ip netns exec "$ns" "$DHCPD" -4 -f -q -cf "$out/dhcpd.conf" -lf "$out/leases" -pf "$out/pid" eth1 \
        >"$out/dhcpd.log" 2>&1 &
    LIVE_PID=$!
    for _ in $(seq 1 50); do
        ip netns exec "$ns" ss -ltn 2>/dev/null | grep -q ':7911 ' && break
        sleep 0.1
    done
    if ! kill -0 "$LIVE_PID" 2>/dev/null; then
        fail "live: dhcpd did not start:"
        tail -15 "$out/dhcpd.log" | sed 's/^/    /'
        LIVE_PID=""
        return
    fi
    ip netns exec "$ns" timeout 60 "$OMSHELL" <"$out/batch4" >"$out/omshell.out" 2>&1
    local expected found
    expected=$(grep -c '^create$' "$out/batch4")
    found=$(grep -c '^host ' "$out/leases")
    if grep -q "can't create object\|not connected\|usage:\|Cannot create authenticator" "$out/omshell.out"; then
        fail "live: omshell reported errors:"
        grep "can't create\|not connected\|usage:\|Cannot create" "$out/omshell.out" | sort | uniq -c | head | sed 's/^/    /'
    elif [[ $found -eq $expected && $expected -gt 0 ]]; then
        pass "live: dhcpd accepted all $expected host objects over OMAPI (leases file holds them)"
    else
        fail "live: $found of $expected host objects in the leases file"
    fi
    # dhcpd saved the objects in its leases file; a restart must read them back unchanged
    # (statements are printed there without parentheses).
    "$DHCPD" -T -cf "$out/dhcpd.conf" -lf "$out/leases" >"$out/leases-test.log" 2>&1
    if grep -qE 'line [0-9]+:' "$out/leases-test.log"; then
        fail "live: dhcpd cannot read back the host objects it saved:"
        grep -E -A2 'line [0-9]+:' "$out/leases-test.log" | head -9 | sed 's/^/    /'
    else
        pass "live: dhcpd reads the saved host objects back (they survive a restart)"
    fi
    if grep -q '^host evil' "$out/leases"; then
        fail "live: a value forged a host declaration in the leases file"
    fi
    if grep -q 'filename' "$out/leases"; then
        pass "live: boot statements stored with the host objects"
    else
        fail "live: no boot statements in the stored host objects"
    fi
}
if [[ $(id -u) -eq 0 && -n $DRIVER && -x $OMSHELL && -x $DHCPD ]] && command -v ip >/dev/null; then
    live_check
else
    note "live OMAPI check skipped (needs root, ip, dhcpd, omshell and the driver)"
fi

echo "$PASS passed, $FAIL failed"
((FAIL == 0))
