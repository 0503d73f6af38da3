#!/usr/bin/env bash
# Every test: unit, integration against the real validators (Kea 2.2 on the host, Kea 2.6 and
# 3.0 in cached debootstrap chroots), live network-namespace tests and the Perl XS suite.
# Needs root (namespaces, chroots). Ends with ctest's summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test
jobs=$(nproc)

echo "== clang build (warnings are errors)"
cmake -S . -B build-clang -DCMAKE_CXX_COMPILER=clang++ -DXCATDHCP_WERROR=ON >/dev/null
cmake --build build-clang -j"$jobs" --target xcatdhcp_unit_tests xcatdhcp_cli >/dev/null
build-clang/bin/xcatdhcp_unit_tests --minimal

echo "== gcc build (warnings are errors)"
cmake -S . -B build -DXCATDHCP_WERROR=ON >/dev/null
cmake --build build -j"$jobs" >/dev/null

echo "== Kea 2.6 and 3.0 chroots (cached outside the repository)"
tests/tools/kea-chroot.sh ensure trixie
tests/tools/kea-chroot.sh ensure sid

echo "== AArch64 network GRUB for the firmware boot suite (cached outside the repository)"
tests/firmware/grub-arm64.sh ensure

echo "== ctest"
ctest --test-dir build --output-on-failure
