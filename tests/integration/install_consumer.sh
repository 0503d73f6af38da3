#!/usr/bin/env bash
# Installs the library into a temporary prefix and builds examples/consumer against it twice:
# with CMake's find_package(xcatdhcp) and with pkg-config.
set -euo pipefail
build=$1 src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
check() { if "$@"; then pass=$((pass + 1)); echo "ok: $*"; else fail=$((fail + 1)); echo "FAILED: $*"; fi; }

cmake --install "$build" --prefix "$work/prefix" >/dev/null
libdir=$(ls -d "$work"/prefix/lib*/ | head -1)
check test -f "$work/prefix/include/xcatdhcp/intent/build.hpp"
check test -x "$work/prefix/bin/xcatdhcp"
check test -f "$libdir/pkgconfig/xcatdhcp.pc"

cmake -S "$src/examples/consumer" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_BUILD_RPATH="$libdir" >/dev/null
check cmake --build "$work/cmake-build"
check "$work/cmake-build/consumer"

flags=$(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs xcatdhcp)
# shellcheck disable=SC2086
check c++ "$src/examples/consumer/main.cpp" -o "$work/pc-consumer" $flags -Wl,-rpath,"$libdir"
check "$work/pc-consumer"
check "$work/prefix/bin/xcatdhcp" version

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
