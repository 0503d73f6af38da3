#!/usr/bin/env bash
# The Perl XS module xCAT::DHCP::XS, end to end:
#   1. `perl Makefile.PL && make && make test` in a copy of the source tree (the working tree
#      is not touched), against BUILD_DIR's library, with the live Kea and OMAPI tests required;
#   2. the same against an installed library found through pkg-config;
#   3. a short script of every binding under valgrind (no leak, no memory error);
#   4. the POD (podchecker, perldoc);
#   5. examples/perl/makedhcp-demo.pl for both backends on the example cluster, byte-identical
#      to what `xcatdhcp render` writes from the same inventory, and accepted by the
#      backend's own validator.
# Usage: tests/integration/perl_xs.sh BUILD_DIR SOURCE_DIR
# Prints "N passed, M failed"; exits 0 only when every check passed.
set -uo pipefail

build_dir=$(cd "${1:?usage: perl_xs.sh BUILD_DIR SOURCE_DIR}" && pwd)
source_dir=$(cd "${2:?usage: perl_xs.sh BUILD_DIR SOURCE_DIR}" && pwd)
cli="$build_dir/bin/xcatdhcp"
cluster_rel=examples/inventories/cluster

work=$(mktemp -d "${TMPDIR:-/tmp}/perl_xs.XXXXXX")
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
log="$work/log"
pass() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1"; [ -s "$log" ] && sed 's/^/    /' "$log" | tail -40; }
# check NAME COMMAND...: runs the command with its output in $log
check() {
    local name=$1
    shift
    if "$@" >"$log" 2>&1; then pass "$name"; else fail "$name"; fi
}

# A copy of what the module needs, so the working tree gets no Makefile, blib or objects.
copy_tree() {
    local dest=$1
    mkdir -p "$dest"
    cp -a "$source_dir/Makefile.PL" "$source_dir/perl-xs" "$source_dir/include" \
        "$source_dir/examples" "$dest/"
    rm -rf "$dest/perl-xs/"*.c "$dest/perl-xs/"*.o
}

echo "== build and test in a copy, against $build_dir"
src="$work/src"
copy_tree "$src"
# What a MakeMaker build leaves behind; none of it may appear in the working tree.
litter() {
    (cd "$source_dir" && ls -d Makefile Makefile.old MYMETA.json MYMETA.yml blib pm_to_blib XS.bs \
        perl-xs/XS.c perl-xs/XS.o 2>/dev/null)
}
before=$(litter)
check "perl Makefile.PL (CMake build)" \
    bash -c "cd '$src' && perl Makefile.PL XCATDHCP_BUILD_DIR='$build_dir'"
check "make" bash -c "cd '$src' && make"
# The live tests (perl-xs/t/7*-live.t: Kea 2.2, Kea 3.0 in the sid chroot, dhcpd) must run here,
# not skip: XCATDHCP_XS_LIVE=1 makes a missing prerequisite (root, the servers, ip, the CLI for
# probe) a failure.
check "make test (with the live Kea test)" \
    bash -c "cd '$src' && XCATDHCP_XS_LIVE=1 XCATDHCP_CLI='$cli' \
        XCATDHCP_KEA_CHROOT='$source_dir/tests/tools/kea-chroot.sh' make test"
grep -E "RSS|Files=|Result|live (Kea|OMAPI)|skipped|Failed" "$log" | sed 's/^/    /'
check "the XS library has an rpath to the build's lib/" \
    bash -c "readelf -d '$src/blib/arch/auto/xCAT/DHCP/XS/XS.so' | grep -E 'R(UN)?PATH' | grep -F '$build_dir/lib'"
after=$(litter)
if [ "$before" = "$after" ]; then pass "the working tree is not littered"; else
    echo "new: $after" >"$log"; fail "the working tree is not littered"; fi

echo "== build against an installed library (pkg-config)"
prefix="$work/prefix"
if cmake --install "$build_dir" --prefix "$prefix" >"$log" 2>&1; then
    pc=$(find "$prefix" -name xcatdhcp.pc | head -1)
    if [ -n "$pc" ]; then
        # The .pc names the configured prefix; point it at this staging prefix.
        sed -i "s|^prefix=.*|prefix=$prefix|" "$pc"
        pkgsrc="$work/pkgsrc"
        copy_tree "$pkgsrc"
        rm -rf "$pkgsrc/include"   # headers must come from the installed library
        check "perl Makefile.PL XCATDHCP_PKGCONFIG=1 && make" \
            bash -c "cd '$pkgsrc' && PKG_CONFIG_PATH='$(dirname "$pc")' perl Makefile.PL XCATDHCP_PKGCONFIG=1 && make"
        check "the module loads the installed library" \
            bash -c "cd '$pkgsrc' && perl -Mblib -MxCAT::DHCP::XS -e 'print xCAT::DHCP::XS::version(), qq{\n}' \
                && ldd blib/arch/auto/xCAT/DHCP/XS/XS.so | grep -F '$prefix/'"
        check "make test (installed library)" bash -c "cd '$pkgsrc' && XCATDHCP_XS_MEMORY_ITERATIONS=2000 XCATDHCP_XS_MEMORY_HEAVY=100 XCATDHCP_XS_LIVE=0 make test"
    else
        fail "cmake --install wrote no xcatdhcp.pc"
    fi
else
    fail "cmake --install $build_dir"
fi

echo "== valgrind"
if command -v valgrind >/dev/null; then
    # Perl's own Cwd.so copies overlapping memory in abs_path; not ours.
    cat >"$work/perl.supp" <<'EOF'
{
   perl-cwd-abs-path-memcpy-overlap
   Memcheck:Overlap
   fun:__memcpy_chk
   obj:*/auto/Cwd/Cwd.so
}
EOF
    check "valgrind: every binding, no leak and no memory error" \
        bash -c "cd '$src' && PERL_DESTRUCT_LEVEL=2 valgrind --leak-check=full --error-exitcode=1 \
            --suppressions='$work/perl.supp' perl -Mblib perl-xs/t/valgrind-smoke.pl '$src'"
    grep -aE "definitely lost|indirectly lost|possibly lost|ERROR SUMMARY" "$log" | sed 's/^/    /'
else
    fail "valgrind is not installed (scripts/install-deps.sh test installs it)"
fi

echo "== documentation"
check "podchecker" podchecker "$src/perl-xs/lib/xCAT/DHCP/XS.pm"
check "perldoc xCAT::DHCP::XS" \
    bash -c "cd '$src' && perl -Mblib -S perldoc -U -T xCAT::DHCP::XS | grep -q 'render_kea'"

echo "== makedhcp-demo.pl against xcatdhcp render"
printf 'eGNhdC1pbnRlZ3JhdGlvbi1rZXk=\n' >"$work/ddns.key"
demo() { (cd "$src" && perl -Mblib examples/perl/makedhcp-demo.pl --tables "$src/$cluster_rel" \
    --key-file "$work/ddns.key" "$@"); }
cli_render() { "$cli" render -i "$src/$cluster_rel" --key-file "$work/ddns.key" "$@"; }

# compare NAME DEMO_ARGS... -- CLI_ARGS...
compare() {
    local name=$1
    shift
    local demo_args=() cli_args=()
    while [ "$1" != "--" ]; do demo_args+=("$1"); shift; done
    shift
    cli_args=("$@")
    local out="$work/out/$name"
    mkdir -p "$out"
    if ! demo --out "$out/perl" "${demo_args[@]}" >"$log" 2>&1; then
        fail "$name: makedhcp-demo.pl"
        return
    fi
    if ! cli_render -o "$out/cli" "${cli_args[@]}" >"$log" 2>&1; then
        fail "$name: xcatdhcp render ${cli_args[*]}"
        return
    fi
    if diff -r "$out/cli" "$out/perl" >"$log" 2>&1 && [ -n "$(ls -A "$out/perl")" ]; then
        pass "$name: byte-identical ($(cd "$out/perl" && ls | tr '\n' ' '))"
    else
        fail "$name: Perl and CLI output differ"
    fi
}

compare isc --backend isc -- --backend isc
compare isc-static-hosts --backend isc --static-hosts -- --backend isc --static-hosts
compare kea-2.2.0 --backend kea --kea-version 2.2.0 -- --backend kea --kea-version 2.2.0
compare kea-2.6.1 --backend kea --kea-version 2.6.1 -- --backend kea --kea-version 2.6.1
compare kea-3.0.1 --backend kea --kea-version 3.0.1 -- --backend kea --kea-version 3.0.1
compare default-backend -- # site.dhcpbackend=auto on the example's Debian 12: ISC

echo "== the demo's output passes the backend's own validator"
if command -v dhcpd >/dev/null || [ -x /usr/sbin/dhcpd ]; then
    check "makedhcp-demo.pl --backend isc --validate" \
        demo --out "$work/validate-isc" --backend isc --validate
else
    fail "dhcpd is not installed"
fi
if command -v kea-dhcp4 >/dev/null || [ -x /usr/sbin/kea-dhcp4 ]; then
    kea_version=$(kea-dhcp4 -V 2>/dev/null | head -1)
    check "makedhcp-demo.pl --backend kea --kea-version ${kea_version:-?} --validate" \
        demo --out "$work/validate-kea" --backend kea --kea-version "${kea_version:-0}" --validate
else
    fail "kea-dhcp4 is not installed"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
