#!/usr/bin/env bash
# kea_render_validate.sh BUILD_DIR SOURCE_DIR
#
# Renders Kea configurations for small inventories written here (every boot row and netboot
# method, every reservation rule, DDNS, IPv6, relayed and shared networks, the Control Agent
# with basic auth) and for examples/inventories/cluster.yaml when present, with the profile of
# each real Kea: the host's (2.2), trixie's (2.6) and sid's (3.0) chroots from
# tests/tools/kea-chroot.sh. Then:
#   * every file passes its daemon's own check (kea-dhcp4/6, kea-dhcp-ddns, kea-ctrl-agent -t)
#     in a throw-away namespace holding the configured interfaces (tests/tools/netns-validate.sh);
#   * a 3.x-profile config is refused by 2.2 and 2.6 ("unexpected keyword"), and holds none of
#     the spellings 3.3 removed (control-socket, only-if-required, require-client-classes);
#   * rendering twice gives identical bytes;
#   * kea-dhcp4 really starts on each version (2-3 s, in a namespace with the interfaces as
#     dummy links, inside the chroot for 2.6/3.0, with the profile's lease/socket/log paths
#     on private tmpfs mounts) and logs DHCP4_STARTED: the runtime path checks pass.
# Rendering uses `xcatdhcp render --backend kea` for the example cluster; everything else goes
# through a small driver built here against the library, because the profiles need settings the
# CLI does not expose (Control Agent, paths).
# Needs root (namespaces). Prints "N passed, M failed"; exits 0 only when nothing failed.
set -uo pipefail

BUILD=${1:?usage: kea_render_validate.sh BUILD_DIR SOURCE_DIR}
SRC=${2:?usage: kea_render_validate.sh BUILD_DIR SOURCE_DIR}
BUILD=$(cd "$BUILD" && pwd)
SRC=$(cd "$SRC" && pwd)
CLI=$BUILD/bin/xcatdhcp
VALIDATE=$SRC/tests/tools/netns-validate.sh
KEA_CHROOT=$SRC/tests/tools/kea-chroot.sh
SECRET=c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0

PASS=0
FAIL=0
TMP=$(mktemp -d /tmp/xcatdhcp-kea-it.XXXXXX)
chmod 0755 "$TMP"
NAMESPACES=()
CHROOT_FILES=()

cleanup() {
    local ns f
    for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null; done
    for f in "${CHROOT_FILES[@]}"; do rm -rf -- "$f"; done
    rm -rf -- "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

ok() { PASS=$((PASS + 1)); echo "ok: $1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAILED: $1"; }
finish() { echo "$PASS passed, $FAIL failed"; [[ $FAIL -eq 0 ]]; exit $?; }

# ---------------------------------------------------------------- prerequisites
if [[ $(id -u) -ne 0 ]]; then
    echo "kea_render_validate: needs root to create network namespaces" >&2
    exit 1
fi
probe_ns=xcatdhcp-keait-$$
if ! ip netns add "$probe_ns" 2>"$TMP/netns.err"; then
    echo "kea_render_validate: cannot create a network namespace: $(cat "$TMP/netns.err")" >&2
    exit 1
fi
ip netns del "$probe_ns"
[[ -x $VALIDATE ]] || { echo "kea_render_validate: $VALIDATE missing" >&2; exit 1; }
[[ -e $BUILD/lib/libxcatdhcp.so ]] || { echo "kea_render_validate: $BUILD/lib/libxcatdhcp.so not built" >&2; exit 1; }

# Suites with a Kea: the host's, and each chroot that is ready.
SUITES=()
declare -A VERSION ROOT
if command -v kea-dhcp4 >/dev/null; then
    SUITES+=(host)
    VERSION[host]=$(kea-dhcp4 -V | head -1)
    ROOT[host]=""
else
    bad "the host has no kea-dhcp4"
fi
for suite in trixie sid; do
    if root=$(bash "$KEA_CHROOT" path "$suite" 2>/dev/null) && v=$(bash "$KEA_CHROOT" version "$suite" 2>/dev/null); then
        SUITES+=("$suite")
        VERSION[$suite]=$(grep -oE '^[0-9]+\.[0-9]+\.[0-9]+' <<<"$v" | head -1)
        ROOT[$suite]=$root
    else
        bad "chroot $suite is not ready (run: $KEA_CHROOT ensure $suite)"
    fi
done
for suite in "${SUITES[@]}"; do echo "# $suite: Kea ${VERSION[$suite]}"; done

# The API password file must exist where each daemon checks its config.
PWFILE=$TMP/kea-api-password
printf 'not-a-real-password' >"$PWFILE"
for suite in "${SUITES[@]}"; do
    [[ $suite == host ]] && continue
    mkdir -p "${ROOT[$suite]}$TMP"
    cp "$PWFILE" "${ROOT[$suite]}$PWFILE"
    CHROOT_FILES+=("${ROOT[$suite]}$TMP")
done

# ---------------------------------------------------------------- driver
cat >"$TMP/driver.cpp" <<'EOF'
// driver INVENTORY VERSION OUTDIR [ca] [auth=PWFILE] [paths=DIR] [stdout] : renders Kea files
#include "xcatdhcp/intent/build.hpp"
#include "xcatdhcp/inventory/load.hpp"
#include "xcatdhcp/render/kea.hpp"
#include <fstream>
#include <iostream>
using namespace xcatdhcp;
int main(int argc, char** argv) {
    if (argc < 4) return 2;
    try {
        auto inventory = inventory::load_file(argv[1]);
        auto built = intent::build(inventory);
        auto version = Version::parse(argv[2]);
        if (!version) throw Error("bad version", "version", argv[2]);
        auto profile = render::kea::KeaProfile::for_version(*version);
        for (int i = 4; i < argc; ++i) {
            std::string a = argv[i];
            if (a == "ca") profile.control_agent = true;
            else if (a == "stdout") profile.log_dir = "";
            else if (a.rfind("auth=", 0) == 0) {
                profile.http.user = "xcat";
                profile.http.password_file = a.substr(5);
            } else if (a.rfind("paths=", 0) == 0) {
                std::string d = a.substr(6);
                profile.lease_dir = d + "/lib";
                profile.socket_dir = d + "/run";
                profile.log_dir = d + "/log";
            }
        }
        render::Secrets secrets;
        secrets.omapi_secret = getenv("SECRET") ? getenv("SECRET") : "";
        render::kea::RenderOptions options;
        options.inventory_digest = "0000";
        for (const auto& [name, content] : render::kea::render(built.intent, profile, secrets, options)) {
            std::ofstream out(std::string(argv[3]) + "/" + name, std::ios::binary);
            out << content;
        }
    } catch (const std::exception& e) {
        std::cerr << "driver: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
EOF
DRIVER=$TMP/driver
if ${CXX:-c++} -std=c++20 -O0 -I"$SRC/include" "$TMP/driver.cpp" -L"$BUILD/lib" -lxcatdhcp \
        -Wl,-rpath,"$BUILD/lib" -o "$DRIVER" 2>"$TMP/driver.err"; then
    ok "driver built against the library"
else
    bad "driver does not build: $(head -5 "$TMP/driver.err")"
    finish
fi

# render NAME INVENTORY VERSION [driver options...] -> $TMP/out/NAME
render() {
    local name=$1 inventory=$2 version=$3
    shift 3
    mkdir -p "$TMP/out/$name"
    if SECRET=$SECRET "$DRIVER" "$inventory" "$version" "$TMP/out/$name" "$@" 2>"$TMP/render.err"; then
        return 0
    fi
    bad "render $name: $(cat "$TMP/render.err")"
    return 1
}

# The interfaces a config names (interfaces-config and subnet "interface"), comma separated.
interfaces_of() {
    python3 - "$1" <<'EOF'
import json, sys
text = open(sys.argv[1]).read()
doc = json.loads(text[text.index('\n') + 1:])
top = next(iter(doc.values()))
names = set(top.get('interfaces-config', {}).get('interfaces', []))
for key in ('subnet4', 'subnet6'):
    for s in top.get(key, []):
        if 'interface' in s: names.add(s['interface'])
for n in top.get('shared-networks', []):
    if 'interface' in n: names.add(n['interface'])
print(','.join(sorted(n.split('/')[0] for n in names if n not in ('*', 'lo'))))
EOF
}

daemon_of() {
    case ${1##*/} in
        kea-dhcp4.conf) echo kea-dhcp4 ;;
        kea-dhcp6.conf) echo kea-dhcp6 ;;
        kea-dhcp-ddns.conf) echo kea-dhcp-ddns ;;
        kea-ctrl-agent.conf) echo kea-ctrl-agent ;;
    esac
}

# validate_dir NAME SUITE: every config in $TMP/out/NAME through its daemon's -t
validate_dir() {
    local name=$1 suite=$2 file daemon ifaces
    for file in "$TMP/out/$name"/*.conf; do
        daemon=$(daemon_of "$file")
        ifaces=$(interfaces_of "$file")
        if timeout 100 bash "$VALIDATE" --suite "$suite" ${ifaces:+--ifaces "$ifaces"} "$daemon" "$file" \
            >"$TMP/validate.out" 2>&1; then
            ok "$name: $daemon -t on $suite (Kea ${VERSION[$suite]})"
        else
            bad "$name: $daemon -t on $suite (Kea ${VERSION[$suite]}): $(grep -iE 'error|fail' "$TMP/validate.out" | head -3)"
        fi
    done
}

# ---------------------------------------------------------------- inventories
SERVER_FACTS='server:
  hostname: kmn
  interfaces:
    - name: eth1
      addresses: [10.0.0.1/16, "fd00:10::1/64", 10.1.0.1/16]
    - name: eth2
      addresses: [172.20.0.1/16]
    - name: ib0
      addresses: [10.100.0.1/16]
  hosts:
    sn1: [10.0.0.2]
    v6only: ["fd00:10::50"]
    boot6: [10.0.1.20, "fd00:10::20"]'

# Every netboot method, every boot plan, every reservation rule.
cat >"$TMP/boot.yaml" <<EOF
site:
  domain: cluster.test
  nameservers: <xcatmaster>
  dhcpinterfaces: eth1,eth2
  timezone: Europe/Berlin
networks:
  mgmt:
    net: 10.0.0.0
    mask: 255.255.0.0
    mgtifname: eth1
    gateway: <xcatmaster>
    dynamicrange: 10.0.200.1-10.0.200.254
  power:
    net: 172.20.0.0
    mask: 255.255.0.0
    mgtifname: eth2
    dhcpserver: sn1
    dynamicrange: 172.20.200.0/24
nodes:
  cx: {mac: "02:00:00:00:00:01", ip: 10.0.1.1, netboot: xnba}
  cgrub: {mac: "02:00:00:00:00:02", ip: 10.0.1.2, netboot: grub2}
  cdisk: {mac: "02:00:00:00:00:03", ip: 10.0.1.3, netboot: xnba, currstate: boot}
  cpxe: {mac: "02:00:00:00:00:04", ip: 10.0.1.4, netboot: pxe}
  cwin: {mac: "02:00:00:00:00:05", ip: 10.0.1.5, netboot: xnba, os: win2019, currstate: install win2019-x86_64-install-enterprise}
  cpetit: {mac: "02:00:00:00:00:06", ip: 10.0.1.6, netboot: petitboot}
  conie: {mac: "02:00:00:00:00:07", ip: 10.0.1.7, netboot: onie}
  ctftp: {mac: "02:00:00:00:00:08", ip: 10.0.1.8, netboot: xnba, tftpserver: 10.0.0.2}
  ciscsi: {mac: "02:00:00:00:00:09", ip: 10.0.1.9, netboot: xnba, iscsiserver: 10.0.0.3, iscsitarget: "iqn.2020-01.test:t1", iscsiname: "iqn.2020-01.test:ciscsi"}
  cisboot: {mac: "02:00:00:00:00:10", ip: 10.0.1.16, netboot: xnba, currstate: boot, iscsiserver: 10.0.0.3, iscsitarget: "iqn.2020-01.test:t2"}
  cpxeboot: {mac: "02:00:00:00:00:11", ip: 10.0.1.17, netboot: pxe, currstate: boot, iscsiserver: 10.0.0.3, iscsitarget: "iqn.2020-01.test:t3"}
  cyaboot: {mac: "02:00:00:00:00:0a", ip: 10.0.1.10, netboot: yaboot}
  cnimol: {mac: "02:00:00:00:00:0b", ip: 10.0.1.11, netboot: nimol}
  cpool: {mac: "02:00:00:00:00:0c", ip: 10.0.200.7, netboot: xnba}
  cnoip: {mac: "02:00:00:00:00:0d|02:00:00:00:00:0e!*NOIP*", ip: 10.0.1.13, netboot: xnba}
  calias: {mac: "02:00:00:00:00:0f|02:00:00:00:00:12!calias", ip: 10.0.1.15, netboot: grub2-http}
  cunplaced: {mac: "02:00:00:00:00:13", netboot: xnba}
  cpower: {mac: "02:00:00:00:00:14", ip: 172.20.1.1, netboot: petitboot}
  dupa: {mac: "02:00:00:00:00:20", ip: 10.0.5.1}
  dupb: {mac: "02:00:00:00:00:20", ip: 10.0.5.2}
  ipa: {mac: "02:00:00:00:00:21", ip: 10.0.5.3}
  ipb: {mac: "02:00:00:00:00:22", ip: 10.0.5.3}
$SERVER_FACTS
EOF

# DDNS, IPv6, a relayed network, two local subnets on one link, InfiniBand.
cat >"$TMP/full.yaml" <<EOF
site:
  domain: cluster.test
  nameservers: <xcatmaster>
  ntpservers: <xcatmaster>
  dhcpinterfaces: eth1,ib0,!remote!
  dnshandler: ddns
  dhcpomapialgorithm: hmac-sha256
  httpport: 8080
networks:
  mgmt:
    net: 10.0.0.0
    mask: 255.255.0.0
    mgtifname: eth1
    ddnsdomain: dyn.cluster.test
    dynamicrange: 10.0.200.1-10.0.200.254
  second:
    net: 10.1.0.0
    mask: 255.255.0.0
    mgtifname: eth1
    dynamicrange: 10.1.200.1-10.1.200.254
  relayed:
    net: 10.10.0.0
    mask: 255.255.0.0
    mgtifname: "!remote!eth1"
    tftpserver: 10.0.0.1
    gateway: 10.10.0.254
    dynamicrange: 10.10.200.1-10.10.200.254
  ib:
    net: 10.100.0.0
    mask: 255.255.0.0
    mgtifname: ib0
    mtu: 65520
    domain: ib.cluster.test
  v6:
    net: "fd00:10::/64"
    mgtifname: eth1
    nameservers: "fd00:10::1"
    dynamicrange: "fd00:10::1000-fd00:10::1fff"
nodes:
  cn1: {mac: "02:00:00:00:01:01", ip: 10.0.1.1, netboot: xnba, uuid: 0123456789abcdef0123456789abcdef}
  cn2: {mac: "02:00:00:00:01:02", ip: 10.1.1.2, netboot: xnba}
  cn3: {mac: "02:00:00:00:01:03", ip: 10.10.1.3, netboot: grub2}
  cib: {mac: "80:00:00:48:fe:80:00:00:00:00:00:00:f4:52:14:03:00:7b:cb:a1", ip: 10.100.1.1}
  v6only: {mac: "02:00:00:00:01:05", netboot: xnba}
  boot6: {mac: "02:00:00:00:01:06", netboot: xnba}
$SERVER_FACTS
EOF

INVENTORIES=(boot full)
[[ -f $SRC/examples/inventories/cluster.yaml ]] && INVENTORIES+=(cluster)
inventory_path() { [[ $1 == cluster ]] && echo "$SRC/examples/inventories/cluster.yaml" || echo "$TMP/$1.yaml"; }

# ---------------------------------------------------------------- render and validate
for suite in "${SUITES[@]}"; do
    version=${VERSION[$suite]}
    for inv in "${INVENTORIES[@]}"; do
        name=$inv-$suite
        render "$name" "$(inventory_path "$inv")" "$version" ca "auth=$PWFILE" || continue
        for want in kea-dhcp4.conf kea-ctrl-agent.conf; do
            [[ -f $TMP/out/$name/$want ]] && ok "$name: $want rendered" || bad "$name: no $want"
        done
        if [[ $inv == full ]]; then
            for want in kea-dhcp6.conf kea-dhcp-ddns.conf; do
                [[ -f $TMP/out/$name/$want ]] && ok "$name: $want rendered" || bad "$name: no $want"
            done
        fi
        validate_dir "$name" "$suite"
        # Byte-identical on a second run.
        rm -rf "$TMP/out/again" && render again "$(inventory_path "$inv")" "$version" ca "auth=$PWFILE" &&
            if diff -r "$TMP/out/$name" "$TMP/out/again" >/dev/null; then ok "$name: deterministic"
            else bad "$name: two renders differ"; fi
    done
done

# The example cluster through the CLI, when it renders Kea.
if [[ " ${INVENTORIES[*]} " == *" cluster "* ]]; then
    for suite in "${SUITES[@]}"; do
        out=$TMP/out/cli-$suite
        if "$CLI" render -i "$SRC/examples/inventories/cluster.yaml" --backend kea \
            --kea-version "${VERSION[$suite]}" -o "$out" >"$TMP/cli.out" 2>"$TMP/cli.err"; then
            ls "$out"/kea-dhcp4.conf >/dev/null 2>&1 && ok "cli-$suite: xcatdhcp render --backend kea" ||
                bad "cli-$suite: no kea-dhcp4.conf from the CLI"
            validate_dir "cli-$suite" "$suite"
        else
            bad "cli-$suite: $(head -2 "$TMP/cli.err")"
        fi
    done
fi

# ---------------------------------------------------------------- version negatives
if render modern-30 "$TMP/boot.yaml" 3.0.4; then
    file=$TMP/out/modern-30/kea-dhcp4.conf
    if grep -qE '"control-socket"|only-if-required|require-client-classes|"client-class"' "$TMP"/out/modern-30/*.conf; then
        bad "3.0 profile output holds deprecated spellings"
    else
        ok "3.0 profile output holds no deprecated spelling"
    fi
    ifaces=$(interfaces_of "$file")
    for suite in "${SUITES[@]}"; do
        [[ ${VERSION[$suite]} == 3.* ]] && continue
        if bash "$VALIDATE" --suite "$suite" --ifaces "$ifaces" kea-dhcp4 "$file" >"$TMP/neg.out" 2>&1; then
            bad "Kea ${VERSION[$suite]} accepted a 3.0-profile config"
        elif grep -q "unexpected keyword" "$TMP/neg.out"; then
            ok "Kea ${VERSION[$suite]} refuses a 3.0-profile config: $(grep -o 'unexpected keyword "[^"]*"' "$TMP/neg.out" | head -1)"
        else
            bad "Kea ${VERSION[$suite]} refused a 3.0-profile config for another reason: $(grep -iE 'error|fail' "$TMP/neg.out" | head -2)"
        fi
    done
fi
if render legacy-22 "$TMP/boot.yaml" 2.2.0; then
    if grep -qE 'control-sockets|only-in-additional-list|evaluate-additional-classes|output-options' "$TMP"/out/legacy-22/*.conf; then
        bad "2.2 profile output holds 2.7+ spellings"
    else
        ok "2.2 profile output holds no 2.7+ spelling"
    fi
fi

# ---------------------------------------------------------------- live start
# live_start SUITE [outside]: kea-dhcp4 with the boot inventory's config for 3 s; did it log
# DHCP4_STARTED? "outside" puts leases, socket and log under /tmp instead, which 2.6.3+ must
# refuse: that shows the check has teeth.
live_start() {
    local suite=$1 mode=${2:-} version=${VERSION[$1]} name=live-$1${2:+-$2} ns=xcatdhcp-keait-$$-$1 file ifaces log rc
    mkdir -p "$TMP/live/lib" "$TMP/live/run" "$TMP/live/log"
    chmod 0750 "$TMP/live/run"
    if [[ $suite == host || $mode == outside ]]; then
        # The host build has no path restrictions: the profile points into the test directory.
        render "$name" "$TMP/boot.yaml" "$version" "paths=$TMP/live" || return
    else
        render "$name" "$TMP/boot.yaml" "$version" || return  # the distribution's own directories
    fi
    file=$TMP/out/$name/kea-dhcp4.conf
    ifaces=$(interfaces_of "$file")
    ip netns add "$ns" || { bad "$name: cannot create namespace $ns"; return; }
    NAMESPACES+=("$ns")
    ip -n "$ns" link set lo up
    # A veth pair per interface, both ends in the namespace: carrier up, and no kernel module
    # beyond veth needed (this kernel has no "dummy").
    local i=0 n
    for n in ${ifaces//,/ }; do
        i=$((i + 1))
        ip -n "$ns" link add "$n" type veth peer name "kvpeer$i" && ip -n "$ns" link set "$n" up &&
            ip -n "$ns" link set "kvpeer$i" up && ip -n "$ns" addr add "192.168.95.$i/32" dev "$n" ||
            { bad "$name: cannot add link $n"; return; }
    done
    if [[ $suite == host ]]; then
        timeout 10 ip netns exec "$ns" env KEA_PIDFILE_DIR="$TMP/live/run" KEA_LOCKFILE_DIR="$TMP/live/run" \
            timeout -s INT 3 kea-dhcp4 -c "$file" >"$TMP/live.out" 2>&1
        rc=$?
        log=$TMP/live/log/kea-dhcp4.log
        cp "$log" "$TMP/live.log" 2>/dev/null
    else
        local root=${ROOT[$suite]}
        cp "$file" "$root$TMP/kea-dhcp4.conf"
        # Private tmpfs over the chroot's Kea directories: nothing is left in the shared chroot.
        timeout 15 unshare -m --propagation private bash -c '
            root=$1 conf=$2 ns=$3 copy=$4
            mount -t tmpfs -o mode=0755 tmpfs "$root/var/lib/kea" &&
            mount -t tmpfs -o mode=0750 tmpfs "$root/run/kea" &&
            mount -t tmpfs -o mode=0755 tmpfs "$root/var/log/kea" || exit 97
            ip netns exec "$ns" chroot "$root" /usr/bin/env KEA_PIDFILE_DIR=/run/kea KEA_LOCKFILE_DIR=/run/kea \
                timeout -s INT 3 kea-dhcp4 -c "$conf"
            rc=$?
            cp "$root/var/log/kea/kea-dhcp4.log" "$copy" 2>/dev/null
            exit $rc' _ "$root" "$TMP/kea-dhcp4.conf" "$ns" "$TMP/live.log" >"$TMP/live.out" 2>&1
        rc=$?
    fi
    if [[ $mode == outside ]]; then
        if grep -q DHCP4_STARTED "$TMP/live.log" "$TMP/live.out" 2>/dev/null; then
            bad "$name: kea-dhcp4 ${version} started with its files under /tmp"
        elif grep -qE 'invalid path|supported path' "$TMP/live.out"; then
            ok "$name: kea-dhcp4 ${version} refuses files outside its directories: $(grep -oE "supported path is '[^']*'" "$TMP/live.out" | head -1)"
        else
            bad "$name: kea-dhcp4 ${version} failed for another reason: $(grep -iE 'error|fatal' "$TMP/live.out" | head -2)"
        fi
    elif grep -q DHCP4_STARTED "$TMP/live.log" 2>/dev/null; then
        ok "$name: kea-dhcp4 ${version} started with the profile's lease, socket and log paths"
    else
        bad "$name: kea-dhcp4 ${version} did not log DHCP4_STARTED (exit $rc): $(cat "$TMP/live.out" "$TMP/live.log" 2>/dev/null | grep -iE 'error|fatal|invalid' | head -3)"
    fi
    rm -f "$TMP/live.log"
    ip netns del "$ns" 2>/dev/null
}
for suite in "${SUITES[@]}"; do
    live_start "$suite"
    [[ $suite != host ]] && live_start "$suite" outside
done

finish
