# shellcheck shell=bash
# Helpers of the firmware boot suite (sourced by tests/integration/firmware_boot.sh, after
# tests/live/lib.sh). Needs: iproute2, qemu-system-x86, qemu-system-arm, ovmf, qemu-efi-aarch64,
# ipxe, atftpd, radvd, tcpdump, python3, jq, timeout, and the cached AArch64 GRUB
# (tests/firmware/grub-arm64.sh ensure).
#
# Topology (fw_net_up), all inside the namespaces the suite creates:
#   $FW_SRV: xs0 192.168.88.1/21 + link-local IPv6. DHCP server, atftpd, python http.server,
#            radvd (no prefix, AdvDefaultLifetime 0: iPXE stops waiting for IPv6 at once), tcpdump
#   $FW_CLI: bridge $FW_BR (no address) joining xc0 and the tap $FW_TAP that qemu opens
# Nothing is created in the host namespace. Only PIDs started through live_start are signalled.

FW_IP=192.168.88.1
FW_PREFIX=21
FW_OVMF=${FW_OVMF:-/usr/share/ovmf/OVMF.fd}
FW_AAVMF=${FW_AAVMF:-/usr/share/qemu-efi-aarch64/QEMU_EFI.fd}
FW_IPXE_DIR=${FW_IPXE_DIR:-/usr/lib/ipxe}
FW_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

fw_die() { live_die "$@"; }

# fw_preflight: every tool and firmware file the suite needs, or a clear FATAL.
fw_preflight() {
    local t missing=()
    for t in ip jq timeout python3 tcpdump atftpd radvd qemu-system-x86_64 qemu-system-aarch64 flock; do
        command -v "$t" >/dev/null || missing+=("$t")
    done
    for t in "$FW_OVMF" "$FW_AAVMF" "$FW_IPXE_DIR/undionly.kpxe" "$FW_IPXE_DIR/ipxe.efi" "$FW_IPXE_DIR/ipxe.lkrn"; do
        [[ -s $t ]] || missing+=("$t")
    done
    ((${#missing[@]} == 0)) ||
        fw_die "missing: ${missing[*]} (install with: scripts/install-deps.sh test)"
}

# fw_net_up TAG: namespaces $TAG-srv / $TAG-cli, veth xs0/xc0, bridge and tap in the client side.
fw_net_up() {
    local tag=$1 pid=$$
    FW_SRV=$tag-srv
    FW_CLI=$tag-cli
    FW_BR=fbr$pid
    FW_TAP=ftap$pid
    live_netns_up "$FW_SRV" "$FW_CLI" 1
    ip -n "$FW_SRV" addr add "$FW_IP/$FW_PREFIX" dev xs0 || fw_die "cannot address xs0 in $FW_SRV"
    # radvd wants forwarding; it is per namespace.
    ip netns exec "$FW_SRV" sysctl -qw net.ipv6.conf.all.forwarding=1 >/dev/null 2>&1
    ip netns exec "$FW_CLI" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
    ip -n "$FW_CLI" link add "$FW_BR" type bridge stp_state 0 forward_delay 0 mcast_snooping 0 ||
        fw_die "cannot create bridge $FW_BR in $FW_CLI"
    ip -n "$FW_CLI" link set xc0 master "$FW_BR" || fw_die "cannot attach xc0 to $FW_BR"
    ip -n "$FW_CLI" tuntap add dev "$FW_TAP" mode tap || fw_die "cannot create tap $FW_TAP in $FW_CLI"
    ip -n "$FW_CLI" link set "$FW_TAP" master "$FW_BR" || fw_die "cannot attach $FW_TAP to $FW_BR"
    ip -n "$FW_CLI" link set "$FW_TAP" up
    ip -n "$FW_CLI" link set "$FW_BR" up || fw_die "cannot bring up $FW_BR"
    ip -n "$FW_CLI" link show "$FW_TAP" >/dev/null 2>&1 || fw_die "$FW_TAP is not in $FW_CLI"
    ! ip link show "$FW_TAP" >/dev/null 2>&1 || fw_die "$FW_TAP leaked into the host namespace"
    live_wait_link_local "$FW_SRV" xs0 || fw_die "xs0 got no IPv6 link-local address (radvd needs one)"
}

# ---------------------------------------------------------------- content

# fw_script PATH NAME: an iPXE script that prints the suite's marker and ends the VM.
# NAME is what the script is (nodes/<node>, nets/<net>): the console proves which URL ran.
fw_script() {
    local path=$1 name=$2
    mkdir -p "$(dirname "$path")"
    cat >"$path" <<EOF
#!ipxe
echo XCATFW-MARKER script=$name hostname=\${hostname} ip=\${net0/ip} mac=\${net0/mac} filename=\${filename} platform=\${platform}
reboot
EOF
}

# fw_content DIR GRUB NODE...: the TFTP root DIR/tftp and the web root DIR/www (its tftpboot is
# the TFTP root, as xCAT's httpd alias). Boot files at the paths the rendered configs name.
fw_content() {
    local dir=$1 grub=$2 node
    shift 2
    local t=$dir/tftp
    mkdir -p "$t/xcat/xnba/nodes" "$t/xcat/xnba/nets" "$t/boot/grub2" "$t/grub" "$dir/www"
    cp "$FW_IPXE_DIR/undionly.kpxe" "$t/xcat/xnba.kpxe"
    cp "$(readlink -f "$FW_IPXE_DIR/${FW_EFI_LOADER:-ipxe.efi}")" "$t/xcat/xnba.efi"
    for node in "$@"; do
        fw_script "$t/xcat/xnba/nodes/$node" "nodes/$node"
        fw_script "$t/xcat/xnba/nodes/$node.uefi" "nodes/$node.uefi"
    done
    # Discovery scripts: a node that gets these was not recognised (the console says so).
    fw_script "$t/xcat/xnba/nets/192.168.88.0_21" "nets/192.168.88.0_21"
    fw_script "$t/xcat/xnba/nets/192.168.88.0_21.uefi" "nets/192.168.88.0_21.uefi"
    if [[ -s $grub ]]; then
        cp "$grub" "$t/boot/grub2/grub2.aarch64"
        cp "$grub" "$t/boot/grub2/grub2-fwarm01"
    fi
    # Debian's network GRUB has prefix /grub: it asks for grub.cfg-01-<mac>, ..., grub.cfg there.
    cat >"$t/grub/grub.cfg" <<'EOF'
echo "XCATFW-GRUB-MARKER mac=$net_default_mac ip=$net_default_ip server=$net_default_server root=$root prefix=$prefix"
sleep 1
halt
EOF
    mkdir -p "$dir/www/grub"
    cp "$t/grub/grub.cfg" "$dir/www/grub/grub.cfg"
    ln -sfn ../tftp "$dir/www/tftpboot"
    # atftpd drops to nobody: everything must be world-readable.
    chmod -R a+rX "$dir/tftp" "$dir/www"
    chmod a+rx "$dir"
}

# ---------------------------------------------------------------- servers that stay up

# fw_services_up DIR: atftpd, http.server and radvd in $FW_SRV (all through live_start).
fw_services_up() {
    local dir=$1
    live_start atftpd "$dir/atftpd.log" ip netns exec "$FW_SRV" atftpd --daemon --no-fork --logfile - \
        --verbose=7 --bind-address "$FW_IP" --port 69 --user nobody --group nogroup --no-multicast "$dir/tftp"
    live_start http "$dir/http.log" ip netns exec "$FW_SRV" python3 -u "$FW_LIB_DIR/httpd.py" "$FW_IP" 80 "$dir/www"
    cat >"$dir/radvd.conf" <<'EOF'
interface xs0 {
    AdvSendAdvert on;
    AdvDefaultLifetime 0;
    MinRtrAdvInterval 3;
    MaxRtrAdvInterval 4;
};
EOF
    live_start radvd "$dir/radvd.log" ip netns exec "$FW_SRV" radvd -n -C "$dir/radvd.conf" -p "$dir/radvd.pid" -m stderr
    local n
    for ((n = 0; n < 50; n++)); do
        ip netns exec "$FW_SRV" ss -Hlun 2>/dev/null | grep -q "$FW_IP:69 " &&
            ip netns exec "$FW_SRV" ss -Hltn 2>/dev/null | grep -q "$FW_IP:80 " && break
        sleep 0.1
    done
    live_running atftpd || fw_die "atftpd did not start: $(tail -n 3 "$dir/atftpd.log")"
    live_running http || fw_die "python3 http.server did not start: $(tail -n 3 "$dir/http.log")"
    live_running radvd || fw_die "radvd did not start: $(tail -n 3 "$dir/radvd.log")"
    ip netns exec "$FW_SRV" ss -Hlun 2>/dev/null | grep -q "$FW_IP:69 " || fw_die "atftpd does not listen on $FW_IP:69"
    ip netns exec "$FW_SRV" ss -Hltn 2>/dev/null | grep -q "$FW_IP:80 " || fw_die "http.server does not listen on $FW_IP:80"
}

# ---------------------------------------------------------------- the guest

# fw_qemu_cmd KIND MAC SERIAL: the qemu command line (printed one word per line).
#   bios        SeaBIOS; NIC without option ROM; ipxe.lkrn as a stand-in non-iPXE PXE ROM: its DHCP
#               carries user class PXEROM-EMU, then it clears it and chains the offered file by TFTP
#   bios-rom    SeaBIOS with the e1000's own option ROM (iPXE: user class iPXE in the first DHCP)
#   uefi        OVMF, virtio-net without qemu's iPXE ROM: EDK2's own PXE (arch 0x0007)
#   uefi-http   the same with PXE switched off: EDK2 HTTP boot (arch 0x0010, HTTPClient)
#   arm64       AAVMF (ArmVirtQemu), EDK2 PXE (arch 0x000b)
#   arm64-http  AAVMF HTTP boot (arch 0x0013)
fw_qemu_cmd() {
    local kind=$1 mac=$2 serial=$3 dir
    dir=$(dirname "$serial")
    local net=(-netdev "tap,id=n0,ifname=$FW_TAP,script=no,downscript=no")
    local common=(-m 512 -display none -no-reboot -serial "file:$serial" -monitor none)
    # shellcheck disable=SC2206  # FW_QEMU_EXTRA is a word list on purpose
    common+=(${FW_QEMU_EXTRA:-})
    # shellcheck disable=SC2054  # the commas belong to qemu's option syntax
    local nohttp=(-fw_cfg name=opt/org.tianocore/IPv4PXESupport,string=n
                  -fw_cfg name=opt/org.tianocore/IPv6PXESupport,string=n)
    case $kind in
        bios | bios-rom)
            printf '\xf8\x03' >"$dir/sercon-port.bin"
            local nic="e1000,netdev=n0,mac=$mac,bootindex=1" extra=()
            if [[ $kind == bios ]]; then
                nic+=",romfile="
                # shellcheck disable=SC2016  # iPXE expands these, not the shell
                extra=(-kernel "$FW_IPXE_DIR/ipxe.lkrn" -append 'set user-class PXEROM-EMU && dhcp && clear user-class && chain tftp://${next-server}/${filename}')
            fi
            printf '%s\n' qemu-system-x86_64 -accel tcg "${common[@]}" -vga none \
                -fw_cfg "name=etc/sercon-port,file=$dir/sercon-port.bin" -boot n "${net[@]}" \
                -device "$nic" "${extra[@]}" ;;
        uefi | uefi-http)
            local sw=()
            [[ $kind == uefi-http ]] && sw=("${nohttp[@]}")
            printf '%s\n' qemu-system-x86_64 -accel tcg "${common[@]}" -bios "$FW_OVMF" "${sw[@]}" -boot n \
                "${net[@]}" -device "virtio-net-pci,netdev=n0,mac=$mac,bootindex=1,romfile=" ;;
        arm64 | arm64-http)
            local sw=()
            [[ $kind == arm64-http ]] && sw=("${nohttp[@]}")
            printf '%s\n' qemu-system-aarch64 -M virt -cpu cortex-a57 "${common[@]}" -bios "$FW_AAVMF" "${sw[@]}" \
                "${net[@]}" -device "virtio-net-pci,netdev=n0,mac=$mac,bootindex=1,romfile=" ;;
        *) fw_die "unknown qemu kind $kind" ;;
    esac
}

# fw_boot KIND MAC DIR SECONDS MARKER FAILURE: runs one guest in $FW_CLI and watches its serial
# console. Stops it once MARKER (grep -E) showed up (after a short grace for the last packets),
# or FAILURE showed up, or SECONDS passed. Sets FW_RESULT (marker|failure|timeout|exited) and
# FW_ELAPSED (seconds until the marker or the end, one decimal).
fw_boot() {
    local kind=$1 mac=$2 dir=$3 seconds=$4 marker=$5 failure=$6
    local serial=$dir/serial.log cmd=() start now grace=0
    : >"$serial"
    mapfile -t cmd < <(fw_qemu_cmd "$kind" "$mac" "$serial")
    printf '%q ' ip netns exec "$FW_CLI" "${cmd[@]}" >"$dir/qemu.cmd"
    echo >>"$dir/qemu.cmd"
    FW_RESULT=timeout
    start=$(date +%s.%N)
    # shellcheck disable=SC2034  # the caller's timeline starts here
    FW_T0=$start
    live_start qemu "$dir/qemu.out" timeout -k 5 "$((seconds + 10))" ip netns exec "$FW_CLI" "${cmd[@]}"
    while :; do
        now=$(date +%s.%N)
        FW_ELAPSED=$(awk -v a="$start" -v b="$now" 'BEGIN { printf "%.1f", b - a }')
        if [[ $FW_RESULT == timeout ]]; then
            if grep -qaE -- "$marker" "$serial" 2>/dev/null; then
                FW_RESULT=marker
                FW_MARKER_AT=$FW_ELAPSED
                grace=15   # 1.5 s for the guest to power off and the last packets to land
            elif grep -qaE -- "$failure" "$serial" "$dir/qemu.out" 2>/dev/null; then
                FW_RESULT=failure
                grace=20
            fi
        fi
        if ! live_running qemu; then
            [[ $FW_RESULT == timeout ]] && FW_RESULT=exited
            break
        fi
        if ((grace > 0)); then
            ((grace--)) || true
            ((grace == 0)) && break
        fi
        awk -v e="$FW_ELAPSED" -v s="$seconds" 'BEGIN { exit !(e >= s) }' && break
        sleep 0.1
    done
    # A guest that printed the marker may still be in its power-off: stop it (our PID only).
    live_stop qemu
    # The marker line may only have arrived as the guest ended.
    if [[ $FW_RESULT != marker ]] && grep -qaE -- "$marker" "$serial" 2>/dev/null; then
        FW_RESULT=marker
        FW_MARKER_AT=$FW_ELAPSED
    fi
    [[ $FW_RESULT == marker ]] && FW_ELAPSED=$FW_MARKER_AT
    return 0
}

# fw_capture_start DIR / fw_capture_stop: tcpdump on xs0 for one scenario.
fw_capture_start() {
    local dir=$1 n
    live_start tcpdump "$dir/tcpdump.out" ip netns exec "$FW_SRV" tcpdump -i xs0 -n -Z root --immediate-mode -U \
        -s 0 -w "$dir/capture.pcap" 'udp or tcp port 80'
    for ((n = 0; n < 50; n++)); do
        grep -q 'listening on' "$dir/tcpdump.out" 2>/dev/null && return 0
        live_running tcpdump || break
        sleep 0.1
    done
    fw_die "tcpdump did not start in $FW_SRV: $(tail -n 2 "$dir/tcpdump.out")"
}

fw_capture_stop() {
    sleep 0.3
    live_stop tcpdump
}

# fw_wire_check TIMELINE PATTERN...: the patterns (grep -E) match lines of TIMELINE in this order.
# Prints the first pattern that did not match after the previous one.
fw_wire_check() {
    local tl=$1 pat line_no=0 found
    shift
    for pat in "$@"; do
        found=$(tail -n +"$((line_no + 1))" "$tl" | grep -nE -m1 -- "$pat" | cut -d: -f1)
        if [[ -z $found ]]; then
            echo "$pat"
            return 1
        fi
        line_no=$((line_no + found))
    done
    return 0
}

# fw_re TEXT: TEXT as a literal inside an extended regular expression.
fw_re() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|/]/\\&/g'; }
