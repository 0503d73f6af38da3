#!/usr/bin/env bash
# kea-chroot.sh - build and cache Debian chroots that hold newer Kea versions
# for the libxcatdhcp test suite (the host itself keeps its own Kea).
#
#   kea-chroot.sh ensure  SUITE        build SUITE if missing/incomplete, print its path
#   kea-chroot.sh path    SUITE        print the chroot path      (exit 1 if not ready)
#   kea-chroot.sh version SUITE        print the Kea version      (exit 1 if not ready)
#   kea-chroot.sh run     SUITE CMD... run CMD inside the chroot  (exit 125 if not ready,
#                                      otherwise CMD's exit status)
#   kea-chroot.sh remove  SUITE        delete the cached chroot
#   kea-chroot.sh status               one line per known suite
#
# SUITE is "trixie" (Kea 2.6.x) or "sid" (Kea 3.0.x).
#
# Environment:
#   XCATDHCP_CACHE_DIR        cache root (default /var/cache/xcatdhcp); chroots live in
#                             $XCATDHCP_CACHE_DIR/chroots/SUITE. Must be outside the repository.
#   XCATDHCP_DEBIAN_MIRROR    Debian mirror URL; default: the one the host's apt uses
#                             (/etc/apt/sources.list, /etc/apt/sources.list.d/*), falling
#                             back to http://deb.debian.org/debian
#   XCATDHCP_CHROOT_EXTRA_PACKAGES  extra packages to install (space separated)
#   XCATDHCP_LOCK_TIMEOUT     seconds to wait for a concurrent build (default 1800)
#
# A chroot is "ready" when SUITE/.xcatdhcp-ready exists (it holds the Kea version).
# Builds happen in a temporary sibling directory that is renamed into place only
# when complete, so an interrupted build is simply redone by the next "ensure".
# Concurrent "ensure" calls serialise on a per-suite flock in the cache dir.
set -euo pipefail

PROG=${0##*/}
CACHE_DIR=${XCATDHCP_CACHE_DIR:-/var/cache/xcatdhcp}
CHROOT_BASE=$CACHE_DIR/chroots
STAMP_NAME=.xcatdhcp-ready
BUILDINFO_NAME=.xcatdhcp-build.txt
LOCK_TIMEOUT=${XCATDHCP_LOCK_TIMEOUT:-1800}
SUPPORTED_SUITES=(trixie sid)
# kea-common ships libkea-* and every hook library; the daemons depend on it anyway.
REQUIRED_PACKAGES=(kea-common kea-dhcp4-server kea-dhcp6-server kea-dhcp-ddns-server)
# Packages that may disappear in future suites (kea-ctrl-agent is gone upstream
# after 3.0); installed when the suite still has them, otherwise a warning.
OPTIONAL_PACKAGES=(kea-ctrl-agent)
CHROOT_PATH_ENV=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

die() { echo "$PROG: error: $*" >&2; exit 1; }
warn() { echo "$PROG: warning: $*" >&2; }
info() { echo "$PROG: $*" >&2; }

usage() {
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit "${1:-2}"
}

check_suite() {
    local s
    for s in "${SUPPORTED_SUITES[@]}"; do
        [[ $1 == "$s" ]] && return 0
    done
    die "unsupported suite '$1' (supported: ${SUPPORTED_SUITES[*]})"
}

chroot_dir() { printf '%s/%s\n' "$CHROOT_BASE" "$1"; }

is_ready() {
    local d
    d=$(chroot_dir "$1")
    [[ -s $d/$STAMP_NAME && -x $d/usr/sbin/kea-dhcp4 ]]
}

# ---------------------------------------------------------------- mirror detection
# Prints "URI SUITE" for every enabled binary ("deb") source of the host's apt.
apt_sources() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -r $f ]] || continue
        awk '
            { sub(/#.*/, "") }
            $1 != "deb" { next }
            {
                line = $0
                sub(/^[ \t]*deb[ \t]+/, "", line)
                if (line ~ /^\[/) sub(/^\[[^]]*\][ \t]*/, "", line)   # [arch=amd64 signed-by=...]
                n = split(line, w, /[ \t]+/)
                if (n >= 2) print w[1], w[2]
            }' "$f"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -r $f ]] || continue
        awk '
            function flush(   i, j, nu, ns, u, s) {
                if (types ~ /(^|[ \t])deb([ \t]|$)/ && tolower(enabled) != "no") {
                    nu = split(uris, u, /[ \t]+/); ns = split(suites, s, /[ \t]+/)
                    for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++)
                        if (u[i] != "" && s[j] != "") print u[i], s[j]
                }
                types = uris = suites = enabled = ""; key = ""
            }
            /^[ \t]*$/ { flush(); next }
            /^#/       { next }
            /^[ \t]/   { if (key == "uris") uris = uris " " $0
                         else if (key == "suites") suites = suites " " $0
                         else if (key == "types") types = types " " $0
                         next }
            {
                k = tolower($0); sub(/:.*/, "", k); v = $0; sub(/^[^:]*:[ \t]*/, "", v)
                key = k
                if (k == "types") types = v
                else if (k == "uris") uris = v
                else if (k == "suites") suites = v
                else if (k == "enabled") enabled = v
            }
            END { flush() }' "$f"
    done
}

host_mirror() {
    if [[ -n ${XCATDHCP_DEBIAN_MIRROR:-} ]]; then
        printf '%s\n' "${XCATDHCP_DEBIAN_MIRROR%/}"
        return
    fi
    local codename="" uri suite best=""
    # shellcheck disable=SC1091
    codename=$( (. /etc/os-release 2>/dev/null && printf '%s' "${VERSION_CODENAME:-}") || true)
    while read -r uri suite; do
        [[ $uri =~ ^(https?|file): ]] || continue
        [[ $uri == *security* || $suite == *security* ]] && continue
        # Prefer the entry that serves the host's own release (skips third-party repos).
        if [[ -n $codename && $suite == "$codename" ]]; then
            best=$uri
            break
        fi
        if [[ -z $best && $uri =~ /debian/?$ ]]; then
            best=$uri
        fi
    done < <(apt_sources 2>/dev/null || true)
    printf '%s\n' "${best:-http://deb.debian.org/debian}" | sed 's:/*$::'
}

# ---------------------------------------------------------------- mount helpers
# Mount points at or below $1 (deepest first), from this mount namespace.
mounts_below() {
    local root
    root=$(realpath -m "$1")
    awk -v r="$root" '{ p = $5; gsub(/\\040/, " ", p)
                        if (p == r || index(p, r "/") == 1) print length(p), p }' \
        /proc/self/mountinfo | sort -rn | cut -d' ' -f2-
}

umount_below() {
    local m
    while read -r m; do
        [[ -n $m ]] || continue
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || warn "could not unmount $m"
    done < <(mounts_below "$1")
}

# rm -rf that never crosses into a mount (e.g. a leftover proc/sys/devpts).
safe_remove() {
    local d=$1
    [[ -e $d ]] || return 0
    case $(realpath -m "$d") in
        "$(realpath -m "$CHROOT_BASE")"/?*) ;;
        *) die "refusing to remove '$d': not below $CHROOT_BASE" ;;
    esac
    umount_below "$d"
    if [[ -n $(mounts_below "$d") ]]; then
        die "'$d' still has mounts below it; unmount them and retry"
    fi
    rm -rf --one-file-system -- "$d"
}

# ---------------------------------------------------------------- build
BUILD_TMP=""
APT_MOUNTED=()

unmount_apt_mounts() {
    local i
    for ((i = ${#APT_MOUNTED[@]} - 1; i >= 0; i--)); do
        if mountpoint -q "${APT_MOUNTED[i]}"; then
            umount "${APT_MOUNTED[i]}" 2>/dev/null || umount -l "${APT_MOUNTED[i]}" ||
                warn "could not unmount ${APT_MOUNTED[i]}"
        fi
    done
    APT_MOUNTED=()
}

build_cleanup() {
    local rc=$?
    unmount_apt_mounts
    if [[ -n $BUILD_TMP && -e $BUILD_TMP ]]; then
        # Incomplete build: throw it away (never crossing into mounts).
        (safe_remove "$BUILD_TMP") || warn "could not remove $BUILD_TMP"
    fi
    return $rc
}

in_chroot() {
    local root=$1
    shift
    chroot "$root" /usr/bin/env -i PATH=$CHROOT_PATH_ENV HOME=/root LC_ALL=C \
        DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true "$@"
}

mount_for_apt() {
    local root=$1
    mount -t proc proc "$root/proc" || die "cannot mount proc on $root/proc"
    APT_MOUNTED+=("$root/proc")
    mount -t sysfs sysfs "$root/sys" || die "cannot mount sysfs on $root/sys"
    APT_MOUNTED+=("$root/sys")
    mkdir -p "$root/dev/pts"
    mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$root/dev/pts" ||
        die "cannot mount devpts on $root/dev/pts"
    APT_MOUNTED+=("$root/dev/pts")
}

configure_chroot() {
    local root=$1
    # No daemon may start from a maintainer script.
    printf '#!/bin/sh\n# written by %s: never start services in this chroot\nexit 101\n' "$PROG" \
        >"$root/usr/sbin/policy-rc.d"
    chmod 0755 "$root/usr/sbin/policy-rc.d"

    cat >"$root/etc/apt/apt.conf.d/90xcatdhcp" <<'EOF'
// written by kea-chroot.sh
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
// The package archive here may be a frozen snapshot whose InRelease is past its
// Valid-Until (seen for sid). Signatures are still verified.
Acquire::Check-Valid-Until "false";
EOF

    mkdir -p "$root/etc/dpkg/dpkg.cfg.d"
    cat >"$root/etc/dpkg/dpkg.cfg.d/90xcatdhcp-nodoc" <<'EOF'
# written by kea-chroot.sh: no documentation in the test chroot
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/lintian/*
path-exclude=/usr/share/locale/*
EOF

    # Name resolution for apt inside the chroot: same as the host (the mirror
    # may only be reachable through a name pinned in the host's /etc/hosts).
    cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
    cp -L /etc/hosts "$root/etc/hosts" 2>/dev/null || true
}

do_build() {
    local suite=$1 dir log mirror t0 t1 t2 t3 version optional=() p extra=()
    dir=$(chroot_dir "$suite")
    log=$CHROOT_BASE/$suite.build.log
    mirror=$(host_mirror)

    command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
    [[ -r /usr/share/debootstrap/scripts/$suite ]] ||
        die "this debootstrap ($(debootstrap --version 2>/dev/null)) does not know suite '$suite'"

    BUILD_TMP=$(mktemp -d "$CHROOT_BASE/.$suite.tmp.XXXXXX")
    chmod 0755 "$BUILD_TMP"
    trap build_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM HUP

    : >"$log"
    info "building $suite chroot from $mirror (log: $log)"
    t0=$(date +%s)
    local dbs_args=(--variant=minbase)
    [[ $mirror == https:* ]] && dbs_args+=(--include=ca-certificates)
    if ! debootstrap "${dbs_args[@]}" "$suite" "$BUILD_TMP" "$mirror" >>"$log" 2>&1; then
        echo "---- last 25 lines of $log ----" >&2
        tail -n 25 "$log" >&2
        [[ -f $BUILD_TMP/debootstrap/debootstrap.log ]] && {
            echo "---- last 15 lines of debootstrap/debootstrap.log ----" >&2
            tail -n 15 "$BUILD_TMP/debootstrap/debootstrap.log" >&2
        }
        die "debootstrap --variant=minbase $suite $mirror failed"
    fi
    t1=$(date +%s)

    configure_chroot "$BUILD_TMP"

    mount_for_apt "$BUILD_TMP"
    {
        echo "==== apt-get update" &&
            in_chroot "$BUILD_TMP" apt-get update
    } >>"$log" 2>&1 || {
        tail -n 25 "$log" >&2
        die "apt-get update inside the $suite chroot failed (see $log)"
    }
    for p in "${OPTIONAL_PACKAGES[@]}"; do
        if in_chroot "$BUILD_TMP" apt-cache show "$p" >/dev/null 2>&1; then
            optional+=("$p")
        else
            warn "package $p does not exist in $suite; continuing without it"
        fi
    done
    # shellcheck disable=SC2206
    extra=(${XCATDHCP_CHROOT_EXTRA_PACKAGES:-})
    {
        echo "==== apt-get install ${REQUIRED_PACKAGES[*]} ${optional[*]} ${extra[*]}" &&
            in_chroot "$BUILD_TMP" apt-get install -y --no-install-recommends \
                "${REQUIRED_PACKAGES[@]}" "${optional[@]}" "${extra[@]}" &&
            echo "==== apt-get clean" &&
            in_chroot "$BUILD_TMP" apt-get clean
    } >>"$log" 2>&1 || {
        tail -n 25 "$log" >&2
        die "installing Kea inside the $suite chroot failed (see $log)"
    }
    unmount_apt_mounts
    t2=$(date +%s)

    # Directories the Kea path checks insist on (2.6.3+: socket dir exactly 0750).
    mkdir -p "$BUILD_TMP/run/kea" "$BUILD_TMP/var/lib/kea" "$BUILD_TMP/var/log/kea"
    chmod 0750 "$BUILD_TMP/run/kea"
    rm -rf "$BUILD_TMP"/var/lib/apt/lists/* "$BUILD_TMP"/var/cache/apt/*.bin \
        "$BUILD_TMP"/var/cache/apt/archives/*.deb "$BUILD_TMP"/var/cache/debconf/*-old
    mkdir -p "$BUILD_TMP/var/lib/apt/lists/partial"
    # debootstrap's own packages were unpacked before the dpkg filter existed.
    rm -rf "$BUILD_TMP"/usr/share/man/* "$BUILD_TMP"/usr/share/info/*
    find "$BUILD_TMP/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete 2>/dev/null || true
    find "$BUILD_TMP/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true

    # Smoke test: the binary must run and report its version.
    # The first line of -V is "2.2.0" on 2.2 but "2.6.3 (tarball)" on 2.6/3.0.
    version=$(in_chroot "$BUILD_TMP" kea-dhcp4 -V 2>&1 | head -n 1) || true
    if ! [[ $version =~ ^([0-9]+(\.[0-9]+)+) ]]; then
        die "kea-dhcp4 -V does not work inside the new $suite chroot: ${version:-no output}"
    fi
    version=${BASH_REMATCH[1]}
    [[ -n $(mounts_below "$BUILD_TMP") ]] && die "mounts left below $BUILD_TMP"

    # Replace any incomplete previous tree, then move the new one into place.
    safe_remove "$dir"
    mv -T "$BUILD_TMP" "$dir"
    BUILD_TMP=""
    t3=$(date +%s)

    {
        echo "suite: $suite"
        echo "mirror: $mirror"
        echo "kea: $version"
        echo "kea_dhcp4_V: $(chroot "$dir" kea-dhcp4 -V 2>&1 | head -n 1)"
        # shellcheck disable=SC2016
        echo "packages: $(chroot "$dir" dpkg-query -W -f='${Package}=${Version} ' \
            "${REQUIRED_PACKAGES[@]}" "${optional[@]}" 2>/dev/null)"
        echo "debootstrap_seconds: $((t1 - t0))"
        echo "apt_seconds: $((t2 - t1))"
        echo "total_seconds: $((t3 - t0))"
        echo "size: $(du -sh --one-file-system "$dir" | cut -f1)"
        echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    } >"$dir/$BUILDINFO_NAME"
    printf '%s\n' "$version" >"$dir/$STAMP_NAME.new"
    mv -f "$dir/$STAMP_NAME.new" "$dir/$STAMP_NAME"
    trap - EXIT INT TERM HUP
    sed 's/^/  /' "$dir/$BUILDINFO_NAME" >&2
}

cmd_ensure() {
    local suite=$1 dir t
    check_suite "$suite"
    dir=$(chroot_dir "$suite")
    if is_ready "$suite"; then
        printf '%s\n' "$dir"
        return 0
    fi
    [[ $(id -u) -eq 0 ]] || die "building a chroot needs root"
    local repo
    if repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel 2>/dev/null); then
        case "$(realpath -m "$CACHE_DIR")/" in
            "$(realpath -m "$repo")"/*) die "XCATDHCP_CACHE_DIR ($CACHE_DIR) must be outside the repository ($repo)" ;;
        esac
    fi
    mkdir -p "$CHROOT_BASE"
    exec 9>"$CHROOT_BASE/.$suite.lock"
    if ! flock -n 9; then
        info "waiting for another build of $suite (lock $CHROOT_BASE/.$suite.lock)"
        flock -w "$LOCK_TIMEOUT" 9 || die "timed out after ${LOCK_TIMEOUT}s waiting for the $suite build lock"
    fi
    if ! is_ready "$suite"; then
        # Leftovers of interrupted builds (we hold the lock, so nobody uses them).
        for t in "$CHROOT_BASE/.$suite.tmp."*; do
            [[ -e $t ]] || continue
            info "removing leftover $t"
            safe_remove "$t"
        done
        [[ -e $dir ]] && info "$dir is incomplete; rebuilding"
        do_build "$suite"
    fi
    exec 9>&-
    printf '%s\n' "$dir"
}

cmd_path() {
    check_suite "$1"
    is_ready "$1" || { echo "$PROG: $1 chroot not ready (run: $PROG ensure $1)" >&2; exit 1; }
    chroot_dir "$1"
}

cmd_version() {
    check_suite "$1"
    is_ready "$1" || { echo "$PROG: $1 chroot not ready (run: $PROG ensure $1)" >&2; exit 1; }
    head -n 1 "$(chroot_dir "$1")/$STAMP_NAME"
}

cmd_run() {
    local suite=$1 dir
    shift
    check_suite "$suite"
    (($# > 0)) || die "run: no command given"
    if ! is_ready "$suite"; then
        echo "$PROG: $suite chroot not ready (run: $PROG ensure $suite)" >&2
        exit 125
    fi
    dir=$(chroot_dir "$suite")
    exec chroot "$dir" /usr/bin/env PATH=$CHROOT_PATH_ENV \
        KEA_PIDFILE_DIR=/run/kea KEA_LOCKFILE_DIR=/run/kea "$@"
}

cmd_remove() {
    local suite=$1 t
    check_suite "$suite"
    mkdir -p "$CHROOT_BASE"
    exec 9>"$CHROOT_BASE/.$suite.lock"
    flock -w "$LOCK_TIMEOUT" 9 || die "timed out waiting for the $suite build lock"
    safe_remove "$(chroot_dir "$suite")"
    for t in "$CHROOT_BASE/.$suite.tmp."*; do
        [[ -e $t ]] && safe_remove "$t"
    done
    rm -f "$CHROOT_BASE/$suite.build.log"
}

cmd_status() {
    local s
    for s in "${SUPPORTED_SUITES[@]}"; do
        if is_ready "$s"; then
            printf '%-7s ready   kea %s  %s\n' "$s" "$(head -n 1 "$(chroot_dir "$s")/$STAMP_NAME")" "$(chroot_dir "$s")"
        else
            printf '%-7s missing\n' "$s"
        fi
    done
}

main() {
    (($# >= 1)) || usage
    local cmd=$1
    shift
    case $cmd in
        ensure | path | version | remove)
            (($# == 1)) || usage
            "cmd_$cmd" "$1"
            ;;
        run)
            (($# >= 2)) || usage
            cmd_run "$@"
            ;;
        status) cmd_status ;;
        mirror) host_mirror ;;
        -h | --help | help) usage 0 ;;
        *) usage ;;
    esac
}

main "$@"
