#!/usr/bin/env bash
# firmware_boot.sh BUILD_DIR SOURCE_DIR
#
# Real firmware network boots under qemu (TCG) against the DHCP configurations our CLI renders
# (docs/firmware.md). For each server (Kea 2.2 on the host, Kea 3.0 in the sid chroot, ISC dhcpd)
# and each scenario, one guest boots in a client namespace bridged to the server namespace, and
# the row passes only when the whole chain shows up on the wire (tcpdump → timeline), in the
# servers' logs and on the guest's serial console:
#
#   bios        SeaBIOS → PXE DHCP (arch 0x0000, user class PXEROM-EMU) → TFTP xcat/xnba.kpxe
#               (undionly.kpxe) → iPXE DHCP (user class iPXE) → HTTP GET nodes/<node> → marker
#   uefi        OVMF PXE (0x0007, no user class) → TFTP xcat/xnba.efi (ipxe.efi) → iPXE DHCP →
#               HTTP GET nodes/<node>.uefi → marker
#   http        OVMF HTTP boot (0x0010, HTTPClient) → reply with option 60 HTTPClient and an
#               absolute http:// URL → HTTP GET xnba.efi → iPXE DHCP → nodes/<node>.uefi → marker
#   arm64       AAVMF PXE (0x000b), unknown client → TFTP boot/grub2/grub2.aarch64 (Debian's
#               network GRUB) → GRUB asks for its grub.cfg over the network → GRUB's marker
#   arm64-http  AAVMF HTTP boot (0x0013) → option 60 + URL → HTTP GET grub2.aarch64 (served as
#               application/efi, see tests/firmware/httpd.py) → GRUB starts (its banner)
#   arm64-node  AAVMF PXE, node with netboot=grub2 → TFTP /boot/grub2/grub2-<node> → GRUB config
#   scale-bios / scale-uefi   the bios / uefi chains against the "scale" inventory: 1000 more
#               xnba nodes and DDNS on, so Kea's per-node URL is nodes/${224:string} (option 224)
#               instead of nodes/${hostname}; the guest is a node in the middle of the list
#
# Second-stage user class: the configs are rendered with --user-class iPXE (Debian's iPXE sends
# "iPXE"; xCAT's xNBA sends "xNBA", the library's default).
# One line per row ("ok" / "FAILED" + the wire timeline, the server log tail and the console
# tail), then "N passed, M failed". Exit 0 only when every row passed. Needs root.
#
# Environment:
#   FW_BACKENDS   servers to run (default "kea-2.2 kea-3.0 isc")
#   FW_ONLY       run only these scenarios (space separated)
#   FW_USER_CLASS second-stage user class the configs are rendered with (default iPXE; xNBA shows
#                 what a loader the config does not recognise does: it loops on its first stage)
#   FW_SECONDS    per-guest time limit in seconds (default 75 for BIOS, 110 for the others)
#   FW_QEMU_EXTRA extra qemu arguments for every guest (word list)
#   LIVE_KEEP=1   keep the work directory (configs, captures, timelines, consoles, logs)
set -uo pipefail

BUILD=${1:?usage: firmware_boot.sh BUILD_DIR SOURCE_DIR}
SRC=${2:?usage: firmware_boot.sh BUILD_DIR SOURCE_DIR}
BUILD=$(cd "$BUILD" && pwd) || exit 1
SRC=$(cd "$SRC" && pwd) || exit 1
# shellcheck source=../live/lib.sh
. "$SRC/tests/live/lib.sh"
# shellcheck source=../firmware/lib.sh
. "$SRC/tests/firmware/lib.sh"

XCATDHCP=$BUILD/bin/xcatdhcp
KEA_CHROOT=$SRC/tests/tools/kea-chroot.sh
KEY_FILE=$SRC/examples/inventories/omapi.key
TIMELINE=$SRC/tests/firmware/timeline.py
BACKENDS=${FW_BACKENDS:-kea-2.2 kea-3.0 isc}
USER_CLASS=${FW_USER_CLASS:-iPXE}
TAG=xfw-$$
START=$(date +%s)
# shellcheck disable=SC2034  # read by live_start (tests/live/lib.sh)
LIVE_MAX_LIFETIME=1500

[[ $(id -u) -eq 0 ]] || live_die "the firmware boot suite needs root (namespaces, tap devices, raw sockets)"
[[ -x $XCATDHCP ]] || live_die "$XCATDHCP is missing: build first (cmake --build $BUILD --target xcatdhcp_cli)"
fw_preflight

GRUB_REASON=""
if ! GRUB=$("$SRC/tests/firmware/grub-arm64.sh" ensure 2>"/tmp/$TAG.grub.err"); then
    GRUB=""
    GRUB_REASON="no AArch64 network GRUB: $(tail -n 2 "/tmp/$TAG.grub.err" | tr '\n' ' ')"
fi
rm -f "/tmp/$TAG.grub.err"

live_init "$(mktemp -d "/tmp/$TAG.XXXXXX")"
W=$LIVE_WORK
fw_net_up "$TAG"
echo "firmware: namespaces $FW_SRV / $FW_CLI (bridge $FW_BR, tap $FW_TAP), work directory $W"

# ---------------------------------------------------------------- inventories and content
INV_PLAIN=$W/plain.yaml
INV_SCALE=$W/scale.yaml
cp "$SRC/tests/firmware/inventory.yaml" "$INV_PLAIN"
{
    sed 's/^  dhcplease: "3600"$/&\n  dnshandler: ddns/' "$SRC/tests/firmware/inventory.yaml"
    for ((i = 1; i <= 1000; i++)); do
        printf '  fwn%04d: {mac: "52:54:00:89:%02x:%02x", ip: 192.168.%d.%d, netboot: xnba, os: rhels9.4, currstate: "install rhels9.4-x86_64-install-compute", groups: all}\n' \
            "$i" $((i / 256)) $((i % 256)) $((89 + (i - 1) / 250)) $(((i - 1) % 250 + 1))
    done
} >"$INV_SCALE"
grep -q '^  dnshandler: ddns$' "$INV_SCALE" || live_die "could not turn DDNS on in the scale inventory"

fw_content "$W" "$GRUB" fwbios01 fwuefi01 fwhttp01 fwn0500 fwn0777
fw_services_up "$W"

# ---------------------------------------------------------------- scenarios
# add_scenario NAME VARIANT KIND MAC NODE IP DESCRIPTION
#   NODE: the node whose script must run ("" for an unknown client); IP: its address ("" = pool)
SCENARIOS=()
declare -A S_VARIANT S_KIND S_MAC S_NODE S_IP S_DESC
add_scenario() {
    SCENARIOS+=("$1")
    S_VARIANT[$1]=$2 S_KIND[$1]=$3 S_MAC[$1]=$4 S_NODE[$1]=$5 S_IP[$1]=$6 S_DESC[$1]=$7
}
add_scenario bios plain bios 52:54:00:88:00:11 fwbios01 192.168.88.11 \
    "SeaBIOS PXE 0x0000 → TFTP xnba.kpxe → iPXE DHCP → nodes/fwbios01"
add_scenario uefi plain uefi 52:54:00:88:00:12 fwuefi01 192.168.88.12 \
    "OVMF PXE 0x0007 → TFTP xnba.efi → iPXE DHCP → nodes/fwuefi01.uefi"
add_scenario http plain uefi-http 52:54:00:88:00:13 fwhttp01 192.168.88.13 \
    "OVMF HTTP boot 0x0010 → HTTPClient + http:// xnba.efi → iPXE DHCP → nodes/fwhttp01.uefi"
add_scenario arm64 plain arm64 52:54:00:88:01:21 "" "" \
    "AAVMF PXE 0x000b (unknown) → TFTP grub2.aarch64 → GRUB fetches its config"
add_scenario arm64-http plain arm64-http 52:54:00:88:01:22 "" "" \
    "AAVMF HTTP boot 0x0013 (unknown) → HTTPClient + http:// grub2.aarch64 → GRUB starts"
add_scenario arm64-node plain arm64 52:54:00:88:00:14 fwarm01 192.168.88.14 \
    "AAVMF PXE 0x000b, netboot=grub2 node → TFTP /boot/grub2/grub2-fwarm01 → GRUB fetches its config"
add_scenario scale-bios scale bios 52:54:00:89:01:f4 fwn0500 192.168.90.250 \
    "1000 nodes + DDNS: BIOS chain of fwn0500 → nodes/fwn0500"
add_scenario scale-uefi scale uefi 52:54:00:89:03:09 fwn0777 192.168.92.27 \
    "1000 nodes + DDNS: UEFI chain of fwn0777 → nodes/fwn0777.uefi"

if [[ -n ${FW_ONLY:-} ]]; then
    declare -A only
    for s in $FW_ONLY; do only[$s]=1; done
    kept=()
    for s in "${SCENARIOS[@]}"; do [[ -n ${only[$s]:-} ]] && kept+=("$s"); done
    SCENARIOS=("${kept[@]}")
fi

# wire_patterns SCENARIO: the ordered timeline patterns, one per line.
wire_patterns() {
    local s=$1 mac ip node suffix=""
    mac=$(fw_re "${S_MAC[$s]}")
    ip=$(fw_re "${S_IP[$s]}")
    [[ -z ${S_IP[$s]} ]] && ip='192\.168\.88\.1([0-4][0-9]|50)'
    node=${S_NODE[$s]}
    local S='192\.168\.88\.1'
    case ${S_KIND[$s]} in
        bios)
            printf '%s\n' "DHCP DISCOVER mac=$mac .*opt93=0x0000 opt77='PXEROM-EMU'" \
                "DHCP ACK mac=$mac .*yiaddr=$ip siaddr=$S .*file='xcat/xnba\.kpxe'" \
                "TFTP RRQ 'xcat/xnba\.kpxe'" "TFTP DONE 'xcat/xnba\.kpxe' 74213 bytes" \
                "DHCP DISCOVER mac=$mac .*opt93=0x0000 opt77='iPXE'" ;;
        uefi)
            suffix=.uefi
            printf '%s\n' "DHCP DISCOVER mac=$mac .*opt93=0x0007 opt60='PXEClient:Arch:00007" \
                "DHCP ACK mac=$mac .*yiaddr=$ip siaddr=$S .*file='xcat/xnba\.efi'" \
                "TFTP RRQ 'xcat/xnba\.efi'" "TFTP DONE 'xcat/xnba\.efi'" \
                "DHCP DISCOVER mac=$mac .*opt93=0x0007 opt77='iPXE'" ;;
        uefi-http)
            suffix=.uefi
            printf '%s\n' "DHCP DISCOVER mac=$mac .*opt93=0x0010 opt60='HTTPClient:Arch:00016" \
                "DHCP OFFER mac=$mac .*yiaddr=$ip .*file='http://$S/tftpboot/xcat/xnba\.efi' opt60='HTTPClient'" \
                "DHCP ACK mac=$mac .*yiaddr=$ip .*file='http://$S/tftpboot/xcat/xnba\.efi' opt60='HTTPClient'" \
                "HTTP GET /tftpboot/xcat/xnba\.efi HTTP/1\.1 UA=UefiHttpBoot" "HTTP/1\.0 200" \
                "DHCP DISCOVER mac=$mac .*opt93=0x0007 opt77='iPXE'" ;;
        arm64)
            local file=boot/grub2/grub2.aarch64
            [[ -n $node ]] && file=/boot/grub2/grub2-$node
            printf '%s\n' "DHCP DISCOVER mac=$mac .*opt93=0x000b opt60='PXEClient:Arch:00011" \
                "DHCP ACK mac=$mac .*yiaddr=$ip siaddr=$S .*file='$(fw_re "$file")'" \
                "TFTP RRQ '$(fw_re "$file")'" "TFTP DONE '$(fw_re "$file")'" \
                "(TFTP RRQ '|HTTP GET )/?grub/grub\.cfg" ;;
        arm64-http)
            printf '%s\n' "DHCP DISCOVER mac=$mac .*opt93=0x0013 opt60='HTTPClient:Arch:00019" \
                "DHCP OFFER mac=$mac .*yiaddr=$ip .*file='http://$S/tftpboot/boot/grub2/grub2\.aarch64' opt60='HTTPClient'" \
                "DHCP ACK mac=$mac .*yiaddr=$ip .*file='http://$S/tftpboot/boot/grub2/grub2\.aarch64' opt60='HTTPClient'" \
                "HTTP GET /tftpboot/boot/grub2/grub2\.aarch64 HTTP/1\.1 UA=UefiHttpBoot" "HTTP/1\.0 200" ;;
    esac
    if [[ ${S_KIND[$s]} == bios || ${S_KIND[$s]} == uefi || ${S_KIND[$s]} == uefi-http ]]; then
        printf '%s\n' "DHCP ACK mac=$mac .*yiaddr=$ip .*file='http://[^']*/tftpboot/xcat/xnba/nodes/[^']*'" \
            "HTTP GET /tftpboot/xcat/xnba/nodes/$(fw_re "$node$suffix") HTTP/1\.1 UA=iPXE" "HTTP/1\.0 200"
    fi
}

# console_marker SCENARIO: what the console must show at the end of the chain.
console_marker() {
    local s=$1 suffix=""
    case ${S_KIND[$s]} in
        uefi | uefi-http) suffix=.uefi ;&
        bios) echo "XCATFW-MARKER script=nodes/$(fw_re "${S_NODE[$s]}$suffix") " ;;
        arm64) echo "XCATFW-GRUB-MARKER mac=$(fw_re "${S_MAC[$s]}")" ;;
        # Debian 12's GRUB 2.06 does not take its network from an HTTP boot: it starts, finds no
        # network root and waits at its prompt without asking for a config (docs/firmware.md).
        arm64-http) echo "GNU GRUB +version 2" ;;
    esac
}
CONSOLE_FAIL='XCATFW-MARKER script=nets/|BdsDxe: failed to load|No more network devices|KVM internal error|Could not (boot|start download|load)|XCATFW-MARKER script=nodes/'

scenario_seconds() {
    [[ -n ${FW_SECONDS:-} ]] && { echo "$FW_SECONDS"; return; }
    case ${S_KIND[$1]} in
        bios) echo 75 ;;
        *) echo 110 ;;
    esac
}

# ---------------------------------------------------------------- servers

# server_up BACKEND VARIANT DIR: renders the variant's inventory with our CLI and starts the
# server in $FW_SRV. Sets SERVER_LOG and SERVER_NAME; on failure SERVER_REASON and returns 1.
server_up() {
    local backend=$1 variant=$2 dir=$3 inv version suite root
    inv=$W/$variant.yaml
    SERVER_NAME=$backend-$variant
    SERVER_REASON="" SERVER_LOG=""
    mkdir -p "$dir/cfg"
    if [[ $backend == isc ]]; then
        if ! "$XCATDHCP" render -i "$inv" --backend isc --static-hosts --user-class "$USER_CLASS" --key-file "$KEY_FILE" \
            -o "$dir/cfg" >"$dir/render.out" 2>&1; then
            SERVER_REASON="xcatdhcp render --backend isc failed: $(tail -n 3 "$dir/render.out" | tr '\n' ' ')"
            return 1
        fi
        SERVER_LOG=$dir/dhcpd.log
        : >"$dir/dhcpd.leases"
        live_start "$SERVER_NAME" "$SERVER_LOG" ip netns exec "$FW_SRV" dhcpd -4 -f -d -cf "$dir/cfg/dhcpd.conf" \
            -lf "$dir/dhcpd.leases" -pf "$dir/dhcpd.pid" xs0
        live_wait_for "$SERVER_NAME" "$SERVER_LOG" 'Server starting service' 20 ||
            { SERVER_REASON="dhcpd did not start"; return 1; }
        return 0
    fi
    case $backend in
        kea-2.2) suite="" ;;
        kea-3.0) suite=sid ;;
        *) SERVER_REASON="unknown backend $backend"; return 1 ;;
    esac
    if [[ -z $suite ]]; then
        command -v kea-dhcp4 >/dev/null || { SERVER_REASON="kea-dhcp4 is not installed on the host"; return 1; }
        version=$(kea-dhcp4 -V 2>/dev/null | head -n 1 | grep -oE '^[0-9]+\.[0-9]+\.[0-9]+')
        [[ $version == 2.2.* ]] || { SERVER_REASON="the host's Kea is '$version', not 2.2"; return 1; }
    else
        if ! root=$("$KEA_CHROOT" path "$suite" 2>"$dir/chroot.err"); then
            SERVER_REASON="the $suite chroot is not ready ($(cat "$dir/chroot.err")); build it with: $KEA_CHROOT ensure $suite"
            return 1
        fi
        version=$("$KEA_CHROOT" version "$suite")
    fi
    if ! "$XCATDHCP" render -i "$inv" --backend kea --kea-version "$version" --user-class "$USER_CLASS" --key-file "$KEY_FILE" \
        -o "$dir/cfg" >"$dir/render.out" 2>&1; then
        SERVER_REASON="xcatdhcp render --backend kea --kea-version $version failed: $(tail -n 3 "$dir/render.out" | tr '\n' ' ')"
        return 1
    fi
    if [[ -z $suite ]]; then
        SERVER_LOG=$dir/kea-dhcp4.log
        live_kea_adapt "$dir/cfg/kea-dhcp4.conf" "$dir/kea-dhcp4.json" "$dir/leases4.csv" "$dir/kea4.sock" "$SERVER_LOG" DEBUG 40 ||
            { SERVER_REASON="the rendered kea-dhcp4.conf is not JSON"; return 1; }
        live_start "$SERVER_NAME" "$dir/kea.out" env KEA_PIDFILE_DIR="$dir" KEA_LOCKFILE_DIR="$dir" \
            ip netns exec "$FW_SRV" kea-dhcp4 -c "$dir/kea-dhcp4.json"
    else
        # Kea 3 only reads and writes its own directories: the run's files get unique names there.
        local base=$TAG-$variant
        SERVER_LOG=$root/var/log/kea/$base.log
        local conf=/etc/kea/$base.conf
        LIVE_CLEANUP_FILES+=("$root$conf" "$SERVER_LOG" "$SERVER_LOG.lock" "$root/var/lib/kea/$base.csv"
            "$root/var/lib/kea/$base.csv.2" "$root/var/lib/kea/$base.csv.1" "$root/var/lib/kea/$base.csv.completed"
            "$root/var/lib/kea/$base.csv.output" "$root/var/lib/kea/$base.csv.pid" "$root/run/kea/$base.sock"
            "$root/run/kea/$base.sock.lock" "$root/run/kea/$base.kea-dhcp4.pid")
        live_kea_adapt "$dir/cfg/kea-dhcp4.conf" "$root$conf" "/var/lib/kea/$base.csv" "/run/kea/$base.sock" \
            "/var/log/kea/$base.log" DEBUG 40 || { SERVER_REASON="the rendered kea-dhcp4.conf is not JSON"; return 1; }
        cp "$root$conf" "$dir/kea-dhcp4.json"
        live_start "$SERVER_NAME" "$dir/kea.out" ip netns exec "$FW_SRV" "$KEA_CHROOT" run "$suite" kea-dhcp4 -c "$conf"
    fi
    if ! live_wait_for "$SERVER_NAME" "$SERVER_LOG" "DHCP4_STARTED" 20; then
        SERVER_REASON="kea-dhcp4 $version did not start: $(grep -hE 'ERROR|FATAL' "$dir/kea.out" "$SERVER_LOG" 2>/dev/null | tail -n 2 | cut -c1-300 | tr '\n' ' ')"
        return 1
    fi
    return 0
}

# ---------------------------------------------------------------- one scenario

# server_acks BACKEND LOGSLICE MAC: how many DHCPACKs the server logged for MAC.
server_acks() {
    local backend=$1 slice=$2 mac=$3
    if [[ $backend == isc ]]; then
        grep -ciE "DHCPACK on [0-9.]+ to $mac" "$slice"
    else
        grep -i "$mac" "$slice" | grep -cE 'DHCP4_LEASE_ALLOC|DHCP4_LEASE_REUSE'
    fi
}

run_scenario() {
    local backend=$1 s=$2
    local dir=$W/$backend/$s
    mkdir -p "$dir"
    local label
    label=$(printf '%-8s %-11s %s' "$backend" "$s" "${S_DESC[$s]}")
    if [[ ${S_KIND[$s]} == arm64* && -z $GRUB ]]; then
        live_fail "$label" "not run: $GRUB_REASON" "(run: tests/firmware/grub-arm64.sh ensure)"
        return
    fi
    local log_start atftp_start http_start
    log_start=$(($(wc -l <"$SERVER_LOG") + 1))
    atftp_start=$(($(wc -l <"$W/atftpd.log") + 1))
    http_start=$(($(wc -l <"$W/http.log") + 1))
    fw_capture_start "$dir"
    fw_boot "${S_KIND[$s]}" "${S_MAC[$s]}" "$dir" "$(scenario_seconds "$s")" "$(console_marker "$s")" "$CONSOLE_FAIL"
    fw_capture_stop
    sleep 0.2
    tail -n +"$log_start" "$SERVER_LOG" >"$dir/server.log"
    tail -n +"$atftp_start" "$W/atftpd.log" >"$dir/atftpd.log"
    tail -n +"$http_start" "$W/http.log" >"$dir/http.log"
    python3 "$TIMELINE" "$dir/capture.pcap" "$FW_T0" >"$dir/timeline.txt" 2>&1

    local problems=() missing patterns=()
    [[ $FW_RESULT == marker ]] ||
        problems+=("console: no marker /$(console_marker "$s")/ ($FW_RESULT after $FW_ELAPSED s)")
    mapfile -t patterns < <(wire_patterns "$s")
    if ! missing=$(fw_wire_check "$dir/timeline.txt" "${patterns[@]}"); then
        problems+=("wire: no line /$missing/ after the previous steps")
    fi
    local acks want_acks=2
    [[ ${S_KIND[$s]} == arm64* ]] && want_acks=1
    acks=$(server_acks "$backend" "$dir/server.log" "${S_MAC[$s]}")
    ((acks >= want_acks)) || problems+=("server log: $acks DHCPACKs for ${S_MAC[$s]}, expected at least $want_acks")
    case ${S_KIND[$s]} in
        bios) grep -q 'xcat/xnba.kpxe' "$dir/atftpd.log" || problems+=("atftpd log: xcat/xnba.kpxe was not served") ;;
        uefi) grep -q 'xcat/xnba.efi' "$dir/atftpd.log" || problems+=("atftpd log: xcat/xnba.efi was not served") ;;
        arm64) grep -qE 'grub/grub\.cfg' "$dir/atftpd.log" "$dir/http.log" ||
            problems+=("atftpd/http logs: GRUB never asked for grub/grub.cfg") ;;
    esac
    if [[ -n ${S_NODE[$s]} && ${S_KIND[$s]} != arm64* ]]; then
        grep -q "GET /tftpboot/xcat/xnba/nodes/${S_NODE[$s]}" "$dir/http.log" ||
            problems+=("http log: no GET of the node's own script nodes/${S_NODE[$s]}")
    fi

    # What the row saw: the second-stage file as sent, and what the console printed.
    local seen file2 console
    file2=$(grep -E "DHCP ACK mac=$(fw_re "${S_MAC[$s]}")" "$dir/timeline.txt" | tail -n 1 | grep -oE "file='[^']*'")
    console=$(tr -d '\r' <"$dir/serial.log" | grep -aoE "$(console_marker "$s").*" | head -n 1 | cut -c1-160)
    seen="${FW_ELAPSED} s; $file2; console: ${console:-nothing}"
    local first_dhcp
    first_dhcp=$(grep -m1 'DHCP DISCOVER' "$dir/timeline.txt" | awk '{ print $1 }')
    printf '%s\t%s\t%s\tfirst-dhcp=%s\tend=%s\tok=%s\n' "$backend" "$s" "$FW_RESULT" "${first_dhcp:-none}" "$FW_ELAPSED" \
        "$((${#problems[@]} == 0))" >>"$W/summary.tsv"
    if ((${#problems[@]} == 0)); then
        live_ok "$label ($seen)"
        return
    fi
    live_fail "$label" "${problems[@]}" "qemu: $(cat "$dir/qemu.cmd")"
    echo "         --- wire timeline ($dir/timeline.txt) ---"
    head -n 60 "$dir/timeline.txt" | cut -c1-220 | sed 's/^/         | /'
    echo "         --- server log, lines about ${S_MAC[$s]} (last 12) ---"
    grep -i "${S_MAC[$s]}" "$dir/server.log" | tail -n 12 | cut -c1-220 | sed 's/^/         | /'
    live_tail "$dir/server.log" 8
    live_tail "$dir/atftpd.log" 6
    live_tail "$dir/http.log" 6
    echo "         --- console tail ($dir/serial.log) ---"
    tr -d '\r' <"$dir/serial.log" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' | grep -av '^[[:space:]]*$' | tail -n 15 |
        cut -c1-200 | sed 's/^/         | /'
    live_tail "$dir/qemu.out" 4
}

# ---------------------------------------------------------------- main
for backend in $BACKENDS; do
    for variant in plain scale; do
        todo=()
        for s in "${SCENARIOS[@]}"; do [[ ${S_VARIANT[$s]} == "$variant" ]] && todo+=("$s"); done
        ((${#todo[@]})) || continue
        dir=$W/$backend/server-$variant
        mkdir -p "$dir"
        if ! server_up "$backend" "$variant" "$dir"; then
            for s in "${todo[@]}"; do
                live_fail "$(printf '%-8s %-11s %s' "$backend" "$s" "${S_DESC[$s]}")" "not run: $SERVER_REASON"
            done
            [[ -n $SERVER_LOG ]] && live_tail "$SERVER_LOG" 10
            live_stop "$SERVER_NAME"
            continue
        fi
        echo "firmware: $backend ($variant inventory) up after $(($(date +%s) - START)) s"
        for s in "${todo[@]}"; do
            run_scenario "$backend" "$s"
        done
        live_stop "$SERVER_NAME"
    done
done
echo "firmware: finished in $(($(date +%s) - START)) s"
live_summary
