#!/usr/bin/env bash
# live_matrix.sh BUILD_DIR SOURCE_DIR
#
# The Kea boot and reservation regression matrix (seeds: "Kea Boot and Reservation Regression
# Matrix") as live tests: real servers in a network namespace, rendered by `xcatdhcp render`
# from a small inventory, and a real client (`xcatdhcp probe`) in a second namespace.
#
#   backends: isc (dhcpd on the host, static hosts), kea-2.2 (the host's Kea), kea-2.6 and
#             kea-3.0 (tests/tools/kea-chroot.sh trixie / sid chroots)
#   links:    xs0 <-> xc0  192.168.72.0/24 + fd00:72::/64: pool .100-.150, boot rows, DHCPv6
#             xs1 <-> xc1  192.168.73.0/24: no dynamic range at all (reservations only)
#             xs2 <-> xc2  192.168.74.0/24: dynamic range owned by another DHCP server
#
# One line per row ("ok" / "FAILED" with expected vs seen and the server log tail), then
# "N passed, M failed". Exit 0 only when every row passed. Needs root (namespaces, raw sockets).
#
# Environment:
#   LIVE_BACKENDS     backends to run (default "isc kea-2.2 kea-2.6 kea-3.0")
#   LIVE_ONLY         run only these case names (space separated)
#   LIVE_KEEP=1       keep the work directory (configs, logs, probe reports)
#   LIVE_TIMEOUT      probe timeout for answers that must come (default 4 s)
#   LIVE_SILENCE      probe timeout for rows where nobody may answer (default 2 s)
#   XCATDHCP_PROBE    program that implements `probe` (default BUILD_DIR/bin/xcatdhcp)
set -uo pipefail

BUILD=${1:?usage: live_matrix.sh BUILD_DIR SOURCE_DIR}
SRC=${2:?usage: live_matrix.sh BUILD_DIR SOURCE_DIR}
BUILD=$(cd "$BUILD" && pwd) || exit 1
SRC=$(cd "$SRC" && pwd) || exit 1
# shellcheck source=../live/lib.sh
. "$SRC/tests/live/lib.sh"

XCATDHCP=$BUILD/bin/xcatdhcp
PROBE=${XCATDHCP_PROBE:-$XCATDHCP}
KEA_CHROOT=$SRC/tests/tools/kea-chroot.sh
KEY_FILE=$SRC/examples/inventories/omapi.key
BACKENDS=${LIVE_BACKENDS:-isc kea-2.2 kea-2.6 kea-3.0}
T_ANSWER=${LIVE_TIMEOUT:-4}
T_SILENCE=${LIVE_SILENCE:-2}
TAG=xdl-$$
SRV=$TAG-srv
CLI=$TAG-cli
START=$(date +%s)

[[ $(id -u) -eq 0 ]] || live_die "the live matrix needs root (network namespaces, raw sockets); run it as root"
for tool in ip jq timeout; do
    command -v "$tool" >/dev/null || live_die "$tool is not installed"
done
[[ -x $XCATDHCP ]] || live_die "$XCATDHCP is missing: build first"

live_init "$(mktemp -d /tmp/$TAG.XXXXXX)"
W=$LIVE_WORK
live_netns_up "$SRV" "$CLI" 3
ip -n "$SRV" addr add 192.168.72.1/24 dev xs0 || live_die "cannot address xs0"
ip -n "$SRV" addr add fd00:72::1/64 dev xs0 nodad || live_die "cannot address xs0 (IPv6)"
ip -n "$SRV" addr add 192.168.73.1/24 dev xs1 || live_die "cannot address xs1"
ip -n "$SRV" addr add 192.168.74.1/24 dev xs2 || live_die "cannot address xs2"
live_wait_link_local "$SRV" xs0 || live_die "xs0 got no usable IPv6 link-local address"
live_wait_link_local "$CLI" xc0 || live_die "xc0 got no usable IPv6 link-local address"
echo "live: namespaces $SRV / $CLI, work directory $W"

# ---------------------------------------------------------------- the inventory
INV=$W/live.yaml
cat >"$INV" <<'EOF'
# Rendered for the server in the namespace: xs0..xs2 are its veth ends.
site:
  domain: live.test
  nameservers: <xcatmaster>
  dhcpinterfaces: xs0,xs1,xs2
  dhcplease: "3600"
  master: 192.168.72.1
networks:
  live72:
    net: 192.168.72.0
    mask: 255.255.255.0
    mgtifname: xs0
    gateway: <xcatmaster>
    tftpserver: <xcatmaster>
    dynamicrange: 192.168.72.100-192.168.72.150
  live72v6:
    net: fd00:72::/64
    mask: /64
    mgtifname: xs0
  live73-nopool:
    net: 192.168.73.0
    mask: 255.255.255.0
    mgtifname: xs1
    tftpserver: <xcatmaster>
  live74-notours:
    net: 192.168.74.0
    mask: 255.255.255.0
    mgtifname: xs2
    tftpserver: <xcatmaster>
    dynamicrange: 192.168.74.100-192.168.74.150
    dhcpserver: 192.168.74.254
nodes:
  bios01: {mac: "02:72:00:00:00:11", ip: 192.168.72.11, netboot: xnba, os: rhels9.4, currstate: "install rhels9.4-x86_64-install-compute", groups: all}
  uefi01: {mac: "02:72:00:00:00:12", ip: 192.168.72.12, netboot: xnba, os: rhels9.4, currstate: "install rhels9.4-x86_64-install-compute", groups: all, uuid: 11223344-5566-7788-99aa-bbccddeeff00}
  arm01: {mac: "02:72:00:00:00:13", ip: 192.168.72.13, netboot: grub2, groups: all}
  pw01: {mac: "02:72:00:00:00:14", ip: 192.168.72.14, netboot: petitboot, groups: all}
  sw01: {mac: "02:72:00:00:00:15", ip: 192.168.72.15, netboot: onie, provmethod: cumulus-img, groups: all}
  iscsi01: {mac: "02:72:00:00:00:16", ip: 192.168.72.16, netboot: xnba, os: rhels9.4, currstate: boot, iscsiserver: 192.168.72.5, iscsitarget: "iqn.2026-11.test.live:disk1", iscsiname: "iqn.2026-11.test.live:iscsi01", groups: all}
  inpool01: {mac: "02:72:00:00:00:17", ip: 192.168.72.120, netboot: xnba, os: rhels9.4, currstate: "install rhels9.4-x86_64-install-compute", groups: all}
  nopool01: {mac: "02:73:00:00:00:11", ip: 192.168.73.11, netboot: xnba, os: rhels9.4, currstate: "install rhels9.4-x86_64-install-compute", groups: all}
  owned01: {mac: "02:74:00:00:00:11", ip: 192.168.74.11, netboot: xnba, os: rhels9.4, currstate: "install rhels9.4-x86_64-install-compute", groups: all}
osimages:
  cumulus-img: {pkgdir: /install/cumulus/onie-installer.bin}
server:
  hostname: xcatmn
  names: [xcatmn]
  platform: {id: debian, version: "12", id_like: "", platform_id: ""}
  interfaces:
    - {name: lo, addresses: [127.0.0.1/8]}
    - {name: xs0, addresses: [192.168.72.1/24, "fd00:72::1/64"]}
    - {name: xs1, addresses: [192.168.73.1/24]}
    - {name: xs2, addresses: [192.168.74.1/24]}
  routes:
    - {destination: 192.168.72.0/24, interface: xs0}
    - {destination: "fd00:72::/64", interface: xs0}
    - {destination: 192.168.73.0/24, interface: xs1}
    - {destination: 192.168.74.0/24, interface: xs2}
  hosts:
    xcatmn: [192.168.72.1]
    bios01: [192.168.72.11]
    uefi01: [192.168.72.12, "fd00:72::12"]
    arm01: [192.168.72.13]
    pw01: [192.168.72.14]
    sw01: [192.168.72.15]
    iscsi01: [192.168.72.16]
    inpool01: [192.168.72.120]
    nopool01: [192.168.73.11]
    owned01: [192.168.74.11]
  backends: {isc: 4.4.3, kea: 2.2.0}
  kea_hooks: [libdhcp_lease_cmds.so]
  tftp_files: [xcat/xnba.efi, xcat/xnba.kpxe]
  ip_forward: true
EOF

# ---------------------------------------------------------------- the rows
# add_case NAME FAMILY CLIENT-IFACE "PROBE ARGS" "EXPECTATIONS" "WHAT THE ROW CHECKS"
# Expectations (space separated, all must hold):
#   status=A|B        probe status (ack, offer, no-offer, reply, advertise, no-advertise, ...)
#   yiaddr=IP         address in the DHCPACK (else the first DHCPOFFER); yiaddr-in=FIRST-LAST
#   file=TEXT         boot file field as sent (empty: "file="); siaddr=IP
#   xfile=TEXT        boot file as xNBA fetches it (${next-server}, ${hostname}... expanded)
#   optN=TEXT         option N, decoded (lists joined with ", "); noopt=N
#   v6addr=IP         first IA_NA address of the REPLY (else ADVERTISE)
#   kealog-no=PAT     Kea only: no log line about this client's MAC matches PAT
#   kealog-has=PAT    Kea only: some log line about this client's MAC matches PAT
#   cfg-no-fixed=MAC  the rendered configuration has a host for MAC without a fixed address
#   cfg-no-pool=NET   the rendered configuration serves NET (a.b.c.d/len) without a pool
CASES=()
declare -A C_FAMILY C_IF C_ARGS C_EXPECT C_DESC
add_case() {
    CASES+=("$1")
    C_FAMILY[$1]=$2 C_IF[$1]=$3 C_ARGS[$1]=$4 C_EXPECT[$1]=$5 C_DESC[$1]=$6
}
S=192.168.72.1
POOL=192.168.72.100-192.168.72.150
NODES=http://$S/tftpboot/xcat/xnba/nodes
add_case resv-outside-pool 4 xc0 "--mac 02:72:00:00:00:11 --request" \
    "status=ack yiaddr=192.168.72.11 kealog-no=ALLOC_FAIL" \
    "static reservation outside the dynamic pool: DHCPACK with the reserved address, no ALLOC_FAIL in Kea's log"
add_case bios 4 xc0 "--mac 02:72:00:00:00:11 --arch 0x0000" \
    "yiaddr=192.168.72.11 file=xcat/xnba.kpxe siaddr=$S opt12=bios01" \
    "BIOS 0x0000 gets the BIOS loader"
add_case bios-xnba 4 xc0 "--mac 02:72:00:00:00:11 --arch 0x0000 --user-class xNBA" \
    "yiaddr=192.168.72.11 xfile=$NODES/bios01 siaddr=$S" \
    "xNBA second stage (BIOS) gets the node script URL"
add_case uefi-0007 4 xc0 "--mac 02:72:00:00:00:12 --arch 0x0007" \
    "yiaddr=192.168.72.12 file=xcat/xnba.efi siaddr=$S" \
    "UEFI PXE 0x0007 gets xcat/xnba.efi"
add_case uefi-0007-xnba 4 xc0 "--mac 02:72:00:00:00:12 --arch 0x0007 --user-class xNBA" \
    "yiaddr=192.168.72.12 xfile=$NODES/uefi01.uefi" \
    "UEFI 0x0007 xNBA second stage gets the .uefi node script URL"
add_case uefi-0009 4 xc0 "--mac 02:72:00:00:00:12 --arch 0x0009" \
    "yiaddr=192.168.72.12 file=xcat/xnba.efi siaddr=$S" \
    "UEFI PXE 0x0009 gets xcat/xnba.efi"
add_case uefi-0009-xnba 4 xc0 "--mac 02:72:00:00:00:12 --arch 0x0009 --user-class xNBA" \
    "yiaddr=192.168.72.12 xfile=$NODES/uefi01.uefi" \
    "UEFI 0x0009 xNBA second stage gets the .uefi node script URL"
add_case uefi-http 4 xc0 "--mac 02:72:00:00:00:12 --arch 0x0010 --request" \
    "status=ack yiaddr=192.168.72.12 file=http://$S/tftpboot/xcat/xnba.efi opt60=HTTPClient kealog-no=ALLOC_FAIL" \
    "UEFI HTTP 0x0010 (reserved, outside the pool) gets an http:// URL and vendor class HTTPClient"
add_case uefi-http-xnba 4 xc0 "--mac 02:72:00:00:00:12 --arch 0x0010 --user-class xNBA" \
    "yiaddr=192.168.72.12 xfile=$NODES/uefi01.uefi" \
    "UEFI HTTP 0x0010 xNBA second stage gets the .uefi node script URL"
add_case arm64 4 xc0 "--mac 02:72:00:00:01:01 --arch 0x000b" \
    "yiaddr-in=$POOL file=boot/grub2/grub2.aarch64" \
    "ARM64 UEFI 0x000b (unknown client) gets the aarch64 GRUB"
add_case arm64-http 4 xc0 "--mac 02:72:00:00:01:02 --arch 0x0013" \
    "yiaddr-in=$POOL file=http://$S/tftpboot/boot/grub2/grub2.aarch64 opt60=HTTPClient" \
    "ARM64 UEFI HTTP 0x0013 gets an http:// URL and vendor class HTTPClient"
add_case arm64-node 4 xc0 "--mac 02:72:00:00:00:13 --arch 0x000b" \
    "yiaddr=192.168.72.13 file=/boot/grub2/grub2-arm01" \
    "ARM64 node with netboot=grub2 gets its own GRUB file"
add_case power 4 xc0 "--mac 02:72:00:00:01:03 --arch 0x000c" \
    "yiaddr-in=$POOL file=/boot/grub2/grub2.ppc" \
    "POWER OpenFirmware 0x000c gets the POWER GRUB"
add_case opal 4 xc0 "--mac 02:72:00:00:01:04 --arch 0x000e" \
    "yiaddr-in=$POOL opt209=http://$S/tftpboot/pxelinux.cfg/p/192.168.72.0_24" \
    "OPAL 0x000e gets option 209 (petitboot configuration of the network)"
add_case opal-node 4 xc0 "--mac 02:72:00:00:00:14 --arch 0x000e" \
    "yiaddr=192.168.72.14 opt209=http://$S/tftpboot/petitboot/pw01" \
    "petitboot node gets its own option 209"
add_case onie-node 4 xc0 "--mac 02:72:00:00:00:15 --vendor-class onie_vendor:x86_64-accton_as7712_32x-r0" \
    "yiaddr=192.168.72.15 opt114=http://$S/install/cumulus/onie-installer.bin" \
    "ONIE switch node gets option 114 with its osimage installer"
add_case onie 4 xc0 "--mac 02:72:00:00:01:05 --vendor-class onie_vendor:x86_64-accton_as7712_32x-r0" \
    "yiaddr-in=$POOL opt114=http://$S/install/onie/onie-installer" \
    "unknown ONIE switch gets option 114 with the default installer"
add_case cumulus 4 xc0 "--mac 02:72:00:00:01:06" \
    "yiaddr-in=$POOL opt239=http://$S/install/postscripts/cumulusztp" \
    "Cumulus ZTP option 239"
add_case iscsi 4 xc0 "--mac 02:72:00:00:00:16 --arch 0x0000 --request" \
    "status=ack yiaddr=192.168.72.16 file=xcat/xnba.kpxe opt17=iscsi:192.168.72.5:6:3260:0:iqn.2026-11.test.live:disk1 opt203=iqn.2026-11.test.live:iscsi01" \
    "iSCSI node gets root-path and the initiator IQN"
add_case in-pool 4 xc0 "--mac 02:72:00:00:00:17 --arch 0x0007 --request" \
    "status=ack yiaddr-in=$POOL cfg-no-fixed=02:72:00:00:00:17" \
    "node address inside the dynamic pool: no fixed reservation, the client gets a pool address"
add_case discovery 4 xc0 "--mac 02:72:00:00:01:07 --arch 0x0000 --user-class xNBA --request" \
    "status=ack yiaddr-in=$POOL file=http://$S/tftpboot/xcat/xnba/nets/192.168.72.0_24" \
    "unknown client (discovery) gets the per-subnet xNBA script"
add_case discovery-uefi 4 xc0 "--mac 02:72:00:00:01:08 --arch 0x0007 --user-class xNBA" \
    "yiaddr-in=$POOL file=http://$S/tftpboot/xcat/xnba/nets/192.168.72.0_24.uefi" \
    "unknown UEFI client (discovery) gets the per-subnet .uefi xNBA script"
add_case nopool-reserved 4 xc1 "--mac 02:73:00:00:00:11 --arch 0x0000 --request" \
    "status=ack yiaddr=192.168.73.11 file=xcat/xnba.kpxe kealog-no=ALLOC_FAIL" \
    "subnet without any pool: the reserved node is ACKed, no ALLOC_FAIL(_NO_POOLS) in Kea's log"
add_case nopool-unknown 4 xc1 "--mac 02:73:00:00:01:01 --arch 0x0000 --timeout $T_SILENCE" \
    "status=no-offer cfg-no-pool=192.168.73.0/24 kealog-has=NO_POOLS" \
    "subnet without any pool: an unknown client gets nothing (Kea logs ALLOC_FAIL_NO_POOLS for it)"
add_case notours-unknown 4 xc2 "--mac 02:74:00:00:01:01 --arch 0x0000 --timeout $T_SILENCE" \
    "status=no-offer cfg-no-pool=192.168.74.0/24" \
    "network owned by another DHCP server: no pool rendered, an unknown client gets nothing"
add_case notours-reserved 4 xc2 "--mac 02:74:00:00:00:11 --arch 0x0007 --request" \
    "status=ack yiaddr=192.168.74.11 file=xcat/xnba.efi kealog-no=ALLOC_FAIL" \
    "network owned by another DHCP server: a reserved node still gets its address"
add_case v6-reserved 6 xc0 "--v6 --duid 00:04:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00 --request" \
    "status=reply v6addr=fd00:72::12" \
    "DHCPv6: the reserved node gets its address by DUID (DUID-UUID from vpd.uuid)"
add_case v6-unknown 6 xc0 "--v6 --duid 00:03:00:01:02:72:00:00:01:09 --timeout $T_SILENCE" \
    "status=no-advertise|no-address" \
    "DHCPv6: an unknown DUID gets no address (no IPv6 dynamic range)"

if [[ -n ${LIVE_ONLY:-} ]]; then
    declare -A only
    for c in $LIVE_ONLY; do only[$c]=1; done
    kept=()
    for c in "${CASES[@]}"; do [[ -n ${only[$c]:-} ]] && kept+=("$c"); done
    CASES=("${kept[@]}")
fi

# ---------------------------------------------------------------- checks

case_mac() { # the --mac of a case, lowercase ("" for none)
    local args=${C_ARGS[$1]}
    [[ $args =~ --mac\ ([0-9a-fA-F:]+) ]] && echo "${BASH_REMATCH[1],,}"
}

# cfg_no_fixed BACKEND CFGDIR MAC
cfg_no_fixed() {
    local backend=$1 dir=$2 mac=$3
    if [[ $backend == isc ]]; then
        awk -v mac="$mac" '
            /^host / { inb = 1; blk = "" }
            inb { blk = blk $0 "\n" }
            inb && /^}/ { if (index(blk, "hardware ethernet " mac ";")) { found = 1; if (blk ~ /fixed-address/) bad = 1 }
                          inb = 0 }
            END { exit !(found && !bad) }' "$dir/dhcpd.conf"
    else
        grep -v '^[[:space:]]*//' "$dir/kea-dhcp4.conf" | jq -e --arg mac "$mac" '
            [.. | objects | select(.["hw-address"]? == $mac)] as $r
            | ($r | length) > 0 and ($r | all(has("ip-address") | not))' >/dev/null
    fi
}

# cfg_no_pool BACKEND CFGDIR NET/LEN: the subnet is rendered, without pool.
cfg_no_pool() {
    local backend=$1 dir=$2 net=$3
    if [[ $backend == isc ]]; then
        awk -v net="${net%/*}" '
            $1 == "subnet" && $2 == net { ins = 1; found = 1 }
            ins && /range/ { bad = 1 }
            ins && /subnet_end/ { ins = 0 }
            END { exit !(found && !bad) }' "$dir/dhcpd.conf"
    else
        grep -v '^[[:space:]]*//' "$dir/kea-dhcp4.conf" | jq -e --arg net "$net" '
            [.Dhcp4.subnet4[]? , (.Dhcp4["shared-networks"][]?.subnet4[]?) | select(.subnet == $net)] as $s
            | ($s | length) == 1 and (($s[0].pools // []) | length) == 0' >/dev/null
    fi
}

# check_case BACKEND CASE JSON CFGDIR LOG: prints the row.
check_case() {
    local backend=$1 name=$2 json=$3 cfg=$4 log=$5
    local exp key want seen expected=() got=() bad=0 mac lines
    mac=$(case_mac "$name")
    for exp in ${C_EXPECT[$name]}; do
        key=${exp%%=*}
        want=${exp#*=}
        case $key in
            status)
                seen=$(live_field "$json" status)
                [[ "|$want|" == *"|$seen|"* ]] || bad=1 ;;
            yiaddr | file | siaddr | v6addr | opt*)
                seen=$(live_field "$json" "$key")
                [[ $seen == "$want" ]] || bad=1 ;;
            xfile)
                seen=$(live_field "$json" file_expanded)
                [[ $seen == "$want" ]] || bad=1
                local raw
                raw=$(live_field "$json" file)
                [[ $raw != "$seen" ]] && seen="$seen (sent as $raw)" ;;
            noopt)
                seen=$(live_field "$json" "opt$want")
                [[ -z $seen ]] || bad=1 ;;
            yiaddr-in)
                seen=$(live_field "$json" yiaddr)
                live_ip_in "$seen" "${want%-*}" "${want#*-}" || bad=1 ;;
            kealog-no | kealog-has)
                [[ $backend == kea-* ]] || continue
                sleep 0.2  # multi-threaded Kea may log just after answering
                lines=$(grep -i -- "${mac:-.}" "$log" 2>/dev/null | grep -c -- "$want")
                seen="$lines lines matching $want for ${mac:-any client}"
                if [[ $key == kealog-no ]]; then ((lines == 0)) || bad=1; else ((lines > 0)) || bad=1; fi ;;
            cfg-no-fixed)
                if cfg_no_fixed "$backend" "$cfg" "$want"; then seen="no fixed address for $want"
                else seen="a fixed address (or no host) for $want"; bad=1; fi ;;
            cfg-no-pool)
                if cfg_no_pool "$backend" "$cfg" "$want"; then seen="$want rendered without pool"
                else seen="$want has a pool (or is not rendered)"; bad=1; fi ;;
            *) seen="unknown expectation"; bad=1 ;;
        esac
        expected+=("$exp")
        got+=("$key=$seen")
    done
    local label
    label=$(printf '%-8s %-18s %s' "$backend" "$name" "${C_DESC[$name]}")
    if ((bad)); then
        local details=("expected: ${expected[*]}" "seen:     ${got[*]}")
        local message
        message=$(jq -r '.message // empty' "$json" 2>/dev/null)
        [[ -n $message ]] && details+=("probe:    $message")
        [[ -s ${json%.json}.err && ! -s $json ]] && details+=("probe error: $(head -c 400 "${json%.json}.err")")
        live_fail "$label" "${details[@]}"
        live_tail "$log" 10
    else
        live_ok "$label ($(IFS=' '; echo "${got[*]}"))"
    fi
}

# run_probe BACKEND CASE DIR: writes DIR/CASE.json (and .err).
run_probe() {
    local backend=$1 name=$2 dir=$3 timeout_arg=()
    [[ ${C_ARGS[$name]} == *--timeout* ]] || timeout_arg=(--timeout "$T_ANSWER")
    # shellcheck disable=SC2086
    timeout 60 ip netns exec "$CLI" "$PROBE" probe -I "${C_IF[$name]}" ${C_ARGS[$name]} "${timeout_arg[@]}" \
        --json >"$dir/$name.json" 2>"$dir/$name.err"
    return 0
}

# fail_all BACKEND FAMILY REASON [LOG]: every case of FAMILY fails for BACKEND (never skipped).
fail_all() {
    local backend=$1 family=$2 reason=$3 log=${4:-} name
    for name in "${CASES[@]}"; do
        [[ ${C_FAMILY[$name]} == "$family" ]] || continue
        live_fail "$(printf '%-8s %-18s %s' "$backend" "$name" "${C_DESC[$name]}")" "not run: $reason"
    done
    [[ -n $log ]] && live_tail "$log" 15
}

has_family() {
    local name
    for name in "${CASES[@]}"; do [[ ${C_FAMILY[$name]} == "$1" ]] && return 0; done
    return 1
}

# ---------------------------------------------------------------- servers

# Kea configs are rendered for the real directories; here the host's Kea writes into the work
# directory and the chroots' Kea into uniquely named files under their own /var/lib/kea etc.
kea_adapt() { # IN OUT LEASE SOCKET LOG DAEMON(4|6) [DATADIR]
    local in=$1 out=$2 lease=$3 sock=$4 log=$5 v=$6 datadir=${7:-}
    grep -v '^[[:space:]]*//' "$in" | jq --arg lease "$lease" --arg sock "$sock" --arg log "$log" --arg v "$v" \
        --arg datadir "$datadir" '
        ("Dhcp" + $v) as $d
        | if $datadir != "" and $v == "6" then .[$d]["data-directory"] = $datadir else . end
        | .[$d]["lease-database"].name = $lease
        | .[$d]["lease-database"]["lfc-interval"] = 0
        | if .[$d]["control-socket"] then .[$d]["control-socket"]["socket-name"] = $sock else . end
        | if .[$d]["control-sockets"] then
              .[$d]["control-sockets"] |= map(if .["socket-type"] == "unix" then .["socket-name"] = $sock else . end)
          else . end
        | .[$d].loggers = [{"name": ("kea-dhcp" + $v), "severity": "INFO",
                            "output_options": [{"output": $log}]}]' >"$out"
}

# start_server BACKEND FAMILY DIR: renders, starts and waits. Sets SERVER_LOG, SERVER_CFG.
# Returns 1 (and prints why) when the server cannot be started.
start_server() {
    local backend=$1 family=$2 dir=$3 version suite root name
    name=$backend-v$family
    SERVER_CFG=$dir/cfg
    mkdir -p "$SERVER_CFG"
    SERVER_REASON=""
    SERVER_LOG=""
    if [[ $backend == isc ]]; then
        if [[ ! -s $SERVER_CFG/dhcpd.conf ]] &&
            ! "$XCATDHCP" render -i "$INV" --backend isc --static-hosts --key-file "$KEY_FILE" -o "$SERVER_CFG" \
                >"$dir/render.out" 2>&1; then
            SERVER_REASON="xcatdhcp render --backend isc failed: $(tail -n 3 "$dir/render.out" | tr '\n' ' ')"
            return 1
        fi
        local conf=dhcpd.conf leases=$dir/dhcpd.leases flag=-4 ifaces=(xs0 xs1 xs2)
        if [[ $family == 6 ]]; then conf=dhcpd6.conf leases=$dir/dhcpd6.leases flag=-6 ifaces=(xs0); fi
        [[ -s $SERVER_CFG/$conf ]] || { SERVER_REASON="the ISC render wrote no $conf"; return 1; }
        : >"$leases"
        SERVER_LOG=$dir/dhcpd$family.log
        live_start "$name" "$SERVER_LOG" ip netns exec "$SRV" dhcpd "$flag" -f -d -cf "$SERVER_CFG/$conf" \
            -lf "$leases" -pf "$dir/dhcpd$family.pid" "${ifaces[@]}"
        if ! live_wait_for "$name" "$SERVER_LOG" 'Server starting service' 20; then
            SERVER_REASON="dhcpd $flag did not start"
            return 1
        fi
        return 0
    fi
    # Kea
    case $backend in
        kea-2.2) suite="" ;;
        kea-2.6) suite=trixie ;;
        kea-3.0) suite=sid ;;
        *) SERVER_REASON="unknown backend $backend"; return 1 ;;
    esac
    if [[ -z $suite ]]; then
        command -v "kea-dhcp$family" >/dev/null || { SERVER_REASON="kea-dhcp$family is not installed on the host"; return 1; }
        version=$(kea-dhcp4 -V 2>/dev/null | head -n 1 | grep -oE '^[0-9]+\.[0-9]+\.[0-9]+')
        [[ $version == 2.2.* ]] || { SERVER_REASON="the host's Kea is $version, not 2.2"; return 1; }
    else
        if ! root=$("$KEA_CHROOT" path "$suite" 2>"$dir/chroot.err"); then
            SERVER_REASON="the $suite chroot is not ready ($(cat "$dir/chroot.err")); build it with: $KEA_CHROOT ensure $suite"
            return 1
        fi
        version=$("$KEA_CHROOT" version "$suite")
    fi
    if [[ ! -s $SERVER_CFG/kea-dhcp4.conf ]] &&
        ! "$XCATDHCP" render -i "$INV" --backend kea --kea-version "$version" --key-file "$KEY_FILE" \
            -o "$SERVER_CFG" >"$dir/render.out" 2>&1; then
        SERVER_REASON="xcatdhcp render --backend kea --kea-version $version failed: $(tail -n 3 "$dir/render.out" | tr '\n' ' ')"
        return 1
    fi
    [[ -s $SERVER_CFG/kea-dhcp$family.conf ]] || { SERVER_REASON="the Kea render wrote no kea-dhcp$family.conf"; return 1; }
    local conf
    if [[ -z $suite ]]; then
        SERVER_LOG=$dir/kea-dhcp$family.log
        conf=$dir/kea-dhcp$family.json
        # The host's Kea 2.2 keeps its DHCPv6 server DUID in its data directory: the work dir.
        kea_adapt "$SERVER_CFG/kea-dhcp$family.conf" "$conf" "$dir/leases$family.csv" "$dir/kea$family.sock" \
            "$SERVER_LOG" "$family" "$dir" || { SERVER_REASON="the rendered kea-dhcp$family.conf is not JSON"; return 1; }
        live_start "$name" "$dir/kea$family.out" env KEA_PIDFILE_DIR="$dir" KEA_LOCKFILE_DIR="$dir" \
            ip netns exec "$SRV" "kea-dhcp$family" -c "$conf"
    else
        local base=$TAG-$backend-$family
        SERVER_LOG=$root/var/log/kea/$base.log
        conf=/etc/kea/$base.conf
        LIVE_CLEANUP_FILES+=("$root$conf" "$SERVER_LOG" "$SERVER_LOG.lock" "$root/var/lib/kea/$base.csv" "$root/var/lib/kea/$base.csv.2"
            "$root/var/lib/kea/$base.csv.1" "$root/var/lib/kea/$base.csv.completed" "$root/var/lib/kea/$base.csv.output"
            "$root/var/lib/kea/$base.csv.pid" "$root/run/kea/$base.sock" "$root/run/kea/$base.sock.lock"
            "$root/run/kea/$base.kea-dhcp$family.pid")
        kea_adapt "$SERVER_CFG/kea-dhcp$family.conf" "$root$conf" "/var/lib/kea/$base.csv" "/run/kea/$base.sock" \
            "/var/log/kea/$base.log" "$family" || { SERVER_REASON="the rendered kea-dhcp$family.conf is not JSON"; return 1; }
        live_start "$name" "$dir/kea$family.out" ip netns exec "$SRV" "$KEA_CHROOT" run "$suite" \
            "kea-dhcp$family" -c "$conf"
    fi
    if ! live_wait_for "$name" "$SERVER_LOG" "DHCP${family}_STARTED" 20; then
        SERVER_REASON="kea-dhcp$family $version did not start: $(grep -hE 'ERROR|FATAL' "$dir/kea$family.out" "$SERVER_LOG" 2>/dev/null | tail -n 2 | cut -c1-300 | tr '\n' ' ')"
        cat "$dir/kea$family.out" >>"$SERVER_LOG" 2>/dev/null
        return 1
    fi
    return 0
}

run_backend() {
    local backend=$1 family dir name
    for family in 4 6; do
        has_family "$family" || continue
        dir=$W/$backend
        mkdir -p "$dir/probe$family"
        if ! start_server "$backend" "$family" "$dir"; then
            fail_all "$backend" "$family" "$SERVER_REASON" "${SERVER_LOG:-}"
            live_stop "$backend-v$family"
            continue
        fi
        echo "live: $backend: DHCPv$family server up ($(( $(date +%s) - START )) s)"
        for name in "${CASES[@]}"; do
            [[ ${C_FAMILY[$name]} == "$family" ]] || continue
            run_probe "$backend" "$name" "$dir/probe$family"
            check_case "$backend" "$name" "$dir/probe$family/$name.json" "$SERVER_CFG" "$SERVER_LOG"
        done
        live_stop "$backend-v$family"
    done
}

# ---------------------------------------------------------------- parity
# shellcheck disable=SC2016  # jq program, not shell
# For every case: all backends answer the same client with the same address (pool addresses
# count as "pool"), boot file, next server and boot options.
PARITY_JQ='
  answer as $a
  | [ "status=" + (if .status == "no-advertise" then "no-address" else .status end),
      "yiaddr=" + (if $pool and (($a // {}).yiaddr // "") != "" then "pool" else (($a // {}).yiaddr // "") end),
      "file=" + (($a // {}).file_expanded // ""),
      "siaddr=" + (($a // {}).siaddr // ""),
      "v6addr=" + (v6addr // "") ]
    + ([ (($a // {}).options // [])[] | select(.code as $c | [12, 17, 60, 66, 67, 114, 203, 209, 239] | index($c))
         | "opt\(.code)=\(if (.value | type) == "array" then (.value | join(",")) else (.value | tostring) end)" ]
       | sort)
  | join(" ")'

parity() {
    local name backends b json key first pool keys configured
    read -ra configured <<<"$BACKENDS"
    if ((${#configured[@]} < 2)); then
        echo "live: one backend configured (LIVE_BACKENDS=$BACKENDS): no parity rows"
        return 0
    fi
    for name in "${CASES[@]}"; do
        pool=false
        [[ ${C_EXPECT[$name]} == *yiaddr-in=* ]] && pool=true
        backends=() keys=()
        for b in $BACKENDS; do
            json=$W/$b/probe${C_FAMILY[$name]}/$name.json
            [[ -s $json ]] || continue
            key=$(jq -r --argjson pool "$pool" "$LIVE_JQ_DEFS $PARITY_JQ" "$json" 2>/dev/null) || continue
            backends+=("$b")
            keys+=("$key")
        done
        local label
        label=$(printf '%-8s %-18s %s' parity "$name" "the same answer from $(IFS=/; echo "${backends[*]:-no backend}")")
        if ((${#backends[@]} < 2)); then
            live_fail "$label" "fewer than two backends answered or ran this case: nothing to compare"
            continue
        fi
        first=${keys[0]}
        local same=1 i
        for i in "${!keys[@]}"; do [[ ${keys[i]} == "$first" ]] || same=0; done
        if ((same)); then
            live_ok "$label ($first)"
        else
            local details=()
            for i in "${!keys[@]}"; do details+=("$(printf '%-8s %s' "${backends[i]}" "${keys[i]}")"); done
            live_fail "$label" "${details[@]}"
        fi
    done
}

# ---------------------------------------------------------------- main

if ! "$PROBE" probe --help >"$W/probe-help.out" 2>&1; then
    live_fail "$(printf '%-8s %-18s %s' cli probe "xcatdhcp probe exists")" \
        "'$PROBE probe --help' failed: $(head -c 300 "$W/probe-help.out")" \
        "(register cmd_probe in examples/xcatdhcp/cli.cpp, or set XCATDHCP_PROBE)"
    live_summary
    exit 1
fi

for backend in $BACKENDS; do
    run_backend "$backend"
done
parity
echo "live: finished in $(( $(date +%s) - START )) s"
live_summary
