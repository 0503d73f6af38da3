#!/usr/bin/env bash
# Installs the system packages libxcatdhcp needs, only those missing.
#   scripts/install-deps.sh build   compiler, CMake and the libraries
#   scripts/install-deps.sh main    build + the DHCP servers whose validators check our output
#   scripts/install-deps.sh test    main + everything the test suite drives (doctest, debootstrap,
#                                   perl XS toolchain, valgrind, clang; qemu, firmware, iPXE,
#                                   atftpd, radvd and tcpdump for the firmware boot suite)
# DHCP server packages are installed with their services kept from starting (policy-rc.d),
# so a preview host does not start serving DHCP because of this script.
set -euo pipefail
profile=${1:-build}
case "$profile" in build|main|test) ;; *) echo "usage: $0 build|main|test" >&2; exit 2;; esac

if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi

if command -v apt-get >/dev/null 2>&1; then
  build=(cmake make g++ pkg-config nlohmann-json3-dev libyaml-cpp-dev libssl-dev libcurl4-openssl-dev)
  main=(kea-dhcp4-server kea-dhcp6-server kea-ctrl-agent kea-dhcp-ddns-server isc-dhcp-server iproute2)
  test=(doctest-dev kea-admin debootstrap perl perl-doc valgrind clang procps openssl isc-dhcp-client
        qemu-system-x86 qemu-system-arm ipxe ipxe-qemu ovmf qemu-efi-aarch64 atftpd radvd tcpdump python3)
  want=("${build[@]}")
  [ "$profile" != build ] && want+=("${main[@]}")
  [ "$profile" = test ] && want+=("${test[@]}")
  missing=()
  for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && { echo "install-deps: all $profile packages present"; exit 0; }
  echo "install-deps: installing ${missing[*]}"
  placed_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod 755 /usr/sbin/policy-rc.d
    placed_policy=1
  fi
  trap '[ -n "$placed_policy" ] && $SUDO rm -f /usr/sbin/policy-rc.d' EXIT
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
elif command -v dnf >/dev/null 2>&1; then
  build=(cmake make gcc-c++ pkgconf-pkg-config json-devel yaml-cpp-devel openssl-devel libcurl-devel)
  main=(iproute)
  # EL 10 ships Kea only; EL 9 and older ship ISC dhcpd (and Kea from EPEL or ISC's repository).
  if rpm -q --quiet dhcp-server 2>/dev/null || dnf -q list dhcp-server >/dev/null 2>&1; then main+=(dhcp-server); fi
  if dnf -q list kea >/dev/null 2>&1; then main+=(kea); dnf -q list kea-hooks >/dev/null 2>&1 && main+=(kea-hooks); fi
  test=(doctest-devel perl-devel perl-ExtUtils-MakeMaker valgrind clang debootstrap procps-ng openssl dhcp-client)
  want=("${build[@]}")
  [ "$profile" != build ] && want+=("${main[@]}")
  [ "$profile" = test ] && want+=("${test[@]}")
  missing=()
  for p in "${want[@]}"; do rpm -q --quiet "$p" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && { echo "install-deps: all $profile packages present"; exit 0; }
  $SUDO dnf install -y "${missing[@]}"
else
  echo "install-deps: neither apt-get nor dnf found; install by hand: a C++20 compiler, CMake," \
       "nlohmann-json, yaml-cpp, OpenSSL, doctest, Kea and ISC dhcpd" >&2
  exit 1
fi
