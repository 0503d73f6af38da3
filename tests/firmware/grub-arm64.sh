#!/usr/bin/env bash
# grub-arm64.sh - Debian's AArch64 network GRUB for the firmware boot suite, cached outside the
# repository.
#
#   grub-arm64.sh ensure   download it if missing, print the path of grubnetaa64.efi
#   grub-arm64.sh path     print the path (exit 1 if not cached)
#
# grub-efi-arm64-bin is an arm64 package: an amd64 host cannot install it. apt downloads it
# with a private arm64 package list (the host's apt state and architectures stay untouched), and
# dpkg-deb unpacks it. Its monolithic grubnetaa64.efi is a real network GRUB (efinet, tftp, http,
# prefix /grub): the same kind of binary xCAT serves as boot/grub2/grub2.aarch64.
#
# Environment: XCATDHCP_CACHE_DIR (default /var/cache/xcatdhcp); the files go to
# $XCATDHCP_CACHE_DIR/firmware/grub-arm64.
set -euo pipefail

CACHE=${XCATDHCP_CACHE_DIR:-/var/cache/xcatdhcp}/firmware/grub-arm64
IMAGE=$CACHE/root/usr/lib/grub/arm64-efi/monolithic/grubnetaa64.efi

die() { echo "grub-arm64.sh: error: $*" >&2; exit 1; }

case ${1:-} in
    path)
        [[ -s $IMAGE ]] || exit 1
        echo "$IMAGE" ;;
    ensure)
        if [[ -s $IMAGE ]]; then echo "$IMAGE"; exit 0; fi
        command -v apt-get >/dev/null || die "apt-get is missing (Debian only)"
        mkdir -p "$CACHE"
        exec 9>"$CACHE/.lock"
        flock -w 600 9 || die "another download holds $CACHE/.lock"
        [[ -s $IMAGE ]] && { echo "$IMAGE"; exit 0; }
        tmp=$(mktemp -d "$CACHE/tmp.XXXXXX")
        trap 'rm -rf "$tmp"' EXIT
        mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/deb"
        apt=(apt-get -q -o APT::Architecture=arm64 -o APT::Architectures::=arm64
             -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache=$tmp/cache" -o Dir::State::status=/dev/null
             -o APT::Sandbox::User=root)
        "${apt[@]}" update >"$tmp/apt.log" 2>&1 || die "apt-get update (arm64 lists) failed: $(tail -n 3 "$tmp/apt.log")"
        (cd "$tmp/deb" && "${apt[@]}" download grub-efi-arm64-bin) >>"$tmp/apt.log" 2>&1 ||
            die "apt-get download grub-efi-arm64-bin failed: $(tail -n 3 "$tmp/apt.log")"
        rm -rf "$CACHE/root"
        mkdir -p "$tmp/root"
        dpkg-deb -x "$tmp"/deb/grub-efi-arm64-bin_*.deb "$tmp/root"
        [[ -s $tmp/root/usr/lib/grub/arm64-efi/monolithic/grubnetaa64.efi ]] ||
            die "the package has no monolithic/grubnetaa64.efi"
        basename "$tmp"/deb/grub-efi-arm64-bin_*.deb >"$tmp/root/.package"
        mv "$tmp/root" "$CACHE/root"
        echo "$IMAGE" ;;
    *)
        sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2
        exit 2 ;;
esac
