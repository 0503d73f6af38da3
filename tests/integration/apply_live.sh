#!/usr/bin/env bash
# Live test of `xcatdhcp apply` against real Kea 2.2 (the host's kea-dhcp4), driven the way an
# operator would: --files (the example cluster's rendered kea-dhcp4.conf, its paths moved into
# this test's work directory), --root (a private tree: ROOT/etc/kea, backups, pid files),
# --services direct (no systemd: the daemon is started and reloaded by PID) and --netns.
#
# The server namespace gets the example cluster's interfaces (eth1 = a veth to the client
# namespace, 10.0.0.1/16 and fd00:10::1/64; eth2 and ib0 as dummies), so the cluster's
# kea-dhcp4.conf, kea-dhcp6.conf and kea-dhcp-ddns.conf run as rendered apart from their file
# paths (and DHCPv6's server-id file): three daemons, started and reloaded in role order. Every answer is checked with a real DHCP exchange
# (`xcatdhcp probe --request` from the client namespace).
#   a. first apply of v0 (cn0001 not reserved) starts kea-dhcp4; apply of v1 (the whole example
#      cluster) reloads it: cn0001 gets 10.0.1.1 and its boot file, same PID;
#   b. an invalid config (a reservation outside its subnet, only the validator rejects it): apply
#      fails saying nothing changed, the file is byte-identical, same PID, cn0001 still served;
#   c. a config that passes `kea-dhcp4 -t` but fails when the server loads it (lease file in a
#      directory that does not exist; checked by hand on 2.2.0: -t exits 0, config-reload fails
#      "Unable to open database"): apply fails saying the old config is live, the file equals
#      the backup and v1, same PID, cn0001 still served;
#   d. applying v1 again changes nothing: "unchanged", no reload logged, same PID;
#   e. validation runs as the service user _kea: a Control Agent password file readable only by
#      root is reported, and nothing is written; readable by group _kea it passes;
#   f. Kea 3.0.4 in the sid chroot (tests/tools/kea-chroot.sh), with apply --chroot: first start,
#      reload to the cluster (cn0001 served), rollback after a failed reload (3.0 refuses a
#      lease file outside /var/lib/kea at load time, not in -t), unchanged apply. The private
#      tree is ROOT/tmp/apply-live-PID in the chroot; the socket, lease and log files carry
#      "alPID" in their names; all are removed at the end.
# Usage: apply_live.sh BUILD_DIR SOURCE_DIR. Needs root. Ends with "N passed, M failed".
set -uo pipefail
build=${1:?usage: apply_live.sh BUILD_DIR SOURCE_DIR}
src=${2:?usage: apply_live.sh BUILD_DIR SOURCE_DIR}
xcat=$(cd "$build" && pwd)/bin/xcatdhcp
# shellcheck source=../live/lib.sh
. "$src/tests/live/lib.sh"
started=$(date +%s)

[[ $(id -u) -eq 0 ]] || { echo "FAILED needs root (network namespaces)"; echo "0 passed, 1 failed"; exit 1; }
for tool in ip kea-dhcp4 kea-ctrl-agent jq timeout setpriv; do
    command -v "$tool" >/dev/null || { echo "FAILED missing tool: $tool"; echo "0 passed, 1 failed"; exit 1; }
done
[[ -x $xcat ]] || { echo "FAILED missing $xcat (build first)"; echo "0 passed, 1 failed"; exit 1; }

W=$(mktemp -d /tmp/apply-live.XXXXXX)
live_init "$W"
root=$W/root
pidfile=$root/run/xcatdhcp/kea-dhcp4-server.pid
daemon_log=$root/var/log/xcatdhcp/kea-dhcp4-server.log
kea_log=$root/var/log/kea/kea-dhcp4.log
conf=$root/etc/kea/kea-dhcp4.conf
sock=$W/k4.sock

# Daemons started by `xcatdhcp apply --services direct` run in their own session: stop the ones
# this test's private tree recorded (and only those), then the lib's cleanup.
stop_daemons() { # ROOT [MARK]: the daemons ROOT/run/xcatdhcp records whose command line has MARK
    local f pid tree=$1 mark=${2:-$1/}
    for f in "$tree"/run/xcatdhcp/*.pid; do
        [[ -f $f ]] || continue
        pid=$(cat "$f" 2>/dev/null)
        [[ $pid =~ ^[0-9]+$ ]] || continue
        # Only a process whose command line names this test's private tree.
        tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF "$mark" || continue
        live_stop_pid "$pid"
    done
}
root30="" inner30=/tmp/apply-live-$$
trap 'rc=$?; stop_daemons "$root"; [[ -n $root30 ]] && { stop_daemons "$root30$inner30" "$inner30/"; rm -rf -- "${root30:?}$inner30"; }; (exit $rc); live_cleanup' EXIT

srv=al-s-$$ cli=al-c-$$
live_netns_up "$srv" "$cli" 1
ip -n "$srv" link set xs0 down && ip -n "$srv" link set xs0 name eth1 && ip -n "$srv" link set eth1 up ||
    live_die "cannot rename xs0 to eth1 inside $srv"
ip -n "$srv" addr add 10.0.0.1/16 dev eth1 && ip -n "$srv" addr add fd00:10::1/64 dev eth1 nodad || live_die "addresses on eth1"
for pair in eth2:172.20.0.1/16 ib0:10.100.0.1/16; do
    ip -n "$srv" link add "${pair%%:*}" type dummy 2>/dev/null || ip -n "$srv" link add "${pair%%:*}" type bridge ||
        live_die "cannot create ${pair%%:*} inside $srv"
    ip -n "$srv" addr add "${pair#*:}" dev "${pair%%:*}" && ip -n "$srv" link set "${pair%%:*}" up || live_die "${pair%%:*}"
done

# The private tree looks like a Debian host with Kea installed: _kea in its passwd and group.
mkdir -p "$root/etc" "$root/var/log/kea"
grep '^_kea:' /etc/passwd >"$root/etc/passwd" && grep '^_kea:' /etc/group >"$root/etc/group" ||
    live_note "this host has no _kea user: validation runs as root"
chgrp _kea "$root/var/log/kea" 2>/dev/null

# ---------------------------------------------------------------- configurations
"$xcat" render -i "$src/examples/inventories/cluster.yaml" --backend kea --kea-version 2.2.0 -o "$W/rendered" \
    >"$W/render.out" 2>&1 || live_die "render failed: $(tail -n 3 "$W/render.out")"
adapt() { # IN OUT [LEASE_DIR]: the rendered file with its paths in this test's tree
    grep -v '^[[:space:]]*//' "$1" | jq --arg lease "${3:-$W}/kea-leases4.csv" --arg sock "$sock" --arg log "$kea_log" '
          .Dhcp4["lease-database"].name = $lease
        | .Dhcp4["lease-database"]["lfc-interval"] = 0
        | del(.Dhcp4["control-socket"], .Dhcp4["control-sockets"])
        | .Dhcp4["control-socket"] = {"socket-type": "unix", "socket-name": $sock}
        | .Dhcp4.loggers = [{"name": "kea-dhcp4", "severity": "INFO", "output_options": [{"output": $log}]}]' >"$2"
}
mkdir -p "$W"/v{0,1,2,3}
adapt "$W/rendered/kea-dhcp4.conf" "$W/v1/kea-dhcp4.conf" || live_die "cannot adapt the rendered config"
# The cluster's DHCPv6 server and D2 go along unchanged in every set (the plan then has the roles
# ddns, dhcp4, dhcp6, reloaded in that order).
grep -v '^[[:space:]]*//' "$W/rendered/kea-dhcp6.conf" | jq --arg lease "$W/kea-leases6.csv" --arg sock "$W/k6.sock" \
    --arg log "$root/var/log/kea/kea-dhcp6.log" '
      .Dhcp6["lease-database"].name = $lease | .Dhcp6["lease-database"]["lfc-interval"] = 0
    | .Dhcp6["control-socket"] = {"socket-type": "unix", "socket-name": $sock}
    | .Dhcp6["server-id"] = {"type": "LLT", "persist": false}
    | .Dhcp6.loggers = [{"name": "kea-dhcp6", "severity": "INFO", "output_options": [{"output": $log}]}]' \
    >"$W/dhcp6.conf" || live_die "cannot adapt kea-dhcp6.conf"
grep -v '^[[:space:]]*//' "$W/rendered/kea-dhcp-ddns.conf" | jq --arg sock "$W/d2.sock" --arg log "$root/var/log/kea/kea-dhcp-ddns.log" '
      .DhcpDdns["control-socket"] = {"socket-type": "unix", "socket-name": $sock}
    | .DhcpDdns.loggers = [{"name": "kea-dhcp-ddns", "severity": "INFO", "output_options": [{"output": $log}]}]' \
    >"$W/ddns.conf" || live_die "cannot adapt kea-dhcp-ddns.conf"
for v in 0 1 2 3; do cp "$W/dhcp6.conf" "$W/v$v/kea-dhcp6.conf" && cp "$W/ddns.conf" "$W/v$v/kea-dhcp-ddns.conf"; done
reserved() { jq -r --arg h "$2" '[.Dhcp4.subnet4[]?, .Dhcp4["shared-networks"][]?.subnet4[]? | .reservations[]? | select(.hostname == $h)] | first' "$1"; }
cn1=$(reserved "$W/v1/kea-dhcp4.conf" cn0001)
cn1_ip=$(jq -r '.["ip-address"]' <<<"$cn1") cn1_mac=$(jq -r '.["hw-address"]' <<<"$cn1")
[[ $cn1_ip == 10.0.1.1 && $cn1_mac == 42:00:0a:00:01:01 ]] || live_die "cn0001 is not reserved as expected: $cn1"
# v0: the same without cn0001's reservation.
jq 'walk(if type == "object" and has("reservations") then .reservations |= map(select(.hostname != "cn0001")) else . end)' \
    "$W/v1/kea-dhcp4.conf" >"$W/v0/kea-dhcp4.conf"
# v2: a reservation outside its subnet: JSON-valid, only the validator rejects it.
jq 'walk(if type == "object" and has("reservations") and (.subnet // "") == "10.0.0.0/16"
         then .reservations += [{"hw-address": "42:00:0a:00:99:99", "ip-address": "192.0.2.99", "hostname": "stray"}] else . end)' \
    "$W/v1/kea-dhcp4.conf" >"$W/v2/kea-dhcp4.conf"
# v3: passes -t, fails at (re)load: the lease file's directory does not exist.
adapt "$W/rendered/kea-dhcp4.conf" "$W/v3/kea-dhcp4.conf" "/nonexistent-apply-live-$$"
cmp -s "$W/v1/kea-dhcp4.conf" "$W/v2/kea-dhcp4.conf" && live_die "v2 must differ from v1"

apply() { # LABEL DIR [EXTRA...]: runs apply, output in $W/LABEL.out, exit code in $rc, time in $secs
    local label=$1 dir=$2 t0
    shift 2
    t0=$(date +%s.%N)
    timeout 120 "$xcat" apply --files "$dir" --backend kea --root "$root" --services direct --netns "$srv" "$@" \
        >"$W/$label.out" 2>&1
    rc=$?
    secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
}
probe() { # OUT MAC: DORA + release from the client namespace
    timeout 40 ip netns exec "$cli" "$xcat" probe -I xc0 --mac "$2" --arch 7 --release --timeout 4 --json \
        >"$W/$1.json" 2>"$W/$1.err"
}
kea_pid() { "$xcat" kea --socket "$sock" status-get 2>/dev/null | jq -r '.pid // .arguments.pid // empty' 2>/dev/null; }
file_pid() { cat "$pidfile" 2>/dev/null; }
all_pids() { cat "$root"/run/xcatdhcp/kea-dhcp-ddns-server.pid "$pidfile" "$root"/run/xcatdhcp/kea-dhcp6-server.pid 2>/dev/null | tr '\n' ' '; }
all_alive() { local p n=0; for p in $(all_pids); do kill -0 "$p" 2>/dev/null && n=$((n + 1)); done; [[ $n -eq 3 ]]; }
check() { local name=$1; shift; if "$@" >/dev/null 2>&1; then live_ok "$name"; else live_fail "$name"; fi; }
detail() { local name=$1 file=$2; shift 2; if "$@" >/dev/null 2>&1; then live_ok "$name"; else live_fail "$name" "$(tail -n 6 "$file" 2>/dev/null | cut -c1-240)"; fi; }
served_cn1() { # LABEL: cn0001 gets its reserved address and boot file
    probe "$1" "$cn1_mac"
    local y f; y=$(live_field "$W/$1.json" yiaddr) f=$(live_field "$W/$1.json" file)
    # cn0001 is an xnba node: its class gives x64 UEFI firmware xNBA.
    if [[ $y == "$cn1_ip" && $f == *xnba* ]]; then
        live_ok "$1: cn0001 ($cn1_mac) gets $y, boot file $f"
    else
        live_fail "$1: cn0001 ($cn1_mac) gets '$y', boot file '$f' (want $cn1_ip, an xnba file)" \
            "$(head -c 300 "$W/$1.err")"
    fi
}

# ---------------------------------------------------------------- a. apply the example cluster
apply a0 "$W/v0"
detail "a: first apply of v0 starts kea-dhcp4 ($secs s)" "$W/a0.out" [ "$rc" -eq 0 ]
[[ $rc -eq 0 ]] || { live_tail "$daemon_log"; live_tail "$kea_log"; live_summary; exit; }
pid0=$(file_pid)
pids0=$(all_pids)
check "a: D2, DHCPv4 and DHCPv6 all run (pids $pids0)" all_alive
check "a: started in role order: D2, then DHCPv4, then DHCPv6" \
    eval '[[ $(grep -o "^reloaded kea-[a-z0-9-]*" "$W/a0.out" | tr "\n" " ") == "reloaded kea-dhcp-ddns-server reloaded kea-dhcp4-server reloaded kea-dhcp6-server " ]]'
check "a: the DHCP servers were verified through config-get" \
    eval '[[ $(grep -c "^verified kea-dhcp[46]-server: config-get" "$W/a0.out") == 2 ]]'
live_wait_link_local "$cli" xc0 || live_note "no link-local address on xc0 yet"
timeout 40 ip netns exec "$cli" "$xcat" probe -I xc0 --v6 --mac 42:00:0a:00:01:63 --timeout 4 --json >"$W/a6.json" 2>"$W/a6.err"
y6=$(live_field "$W/a6.json" v6addr)
check "a: DHCPv6 (kea-dhcp6 of the cluster) advertises a pool address ($y6)" eval '[[ $y6 == fd00:10::1* ]]'
check "a: kea-dhcp4 answers status-get on its control socket, pid $(kea_pid) = pid file $pid0" \
    eval '[[ -n $pid0 && $(kea_pid) == "$pid0" ]]'
check "a: the file is mode 0640, group ${KEA_GROUP:=$(stat -c %G "$conf")}" eval '[[ $(stat -c %a "$conf") == 640 ]]'
probe a0probe "$cn1_mac"
y=$(live_field "$W/a0probe.json" yiaddr)
check "a: under v0 cn0001 is not reserved: it gets a pool address ($y)" live_ip_in "$y" 10.0.200.1 10.0.254.254

apply a1 "$W/v1"
detail "a: apply of the whole example cluster (v1) reloads ($secs s)" "$W/a1.out" [ "$rc" -eq 0 ]
check "a: the steps say validated, backed up, written, reloaded" \
    eval 'grep -q "^validated" "$W/a1.out" && grep -q "^backed up to" "$W/a1.out" && grep -q "^reloaded kea-dhcp4-server" "$W/a1.out" && grep -q "^applied" "$W/a1.out"'
check "a: the file on disk is v1" cmp "$conf" "$W/v1/kea-dhcp4.conf"
check "a: reloaded, not restarted (pids $(all_pids)= $pids0)" eval '[[ $(all_pids) == "$pids0" && $(kea_pid) == "$pid0" ]] && all_alive'
check "a: kea logged a successful reconfiguration" grep -q DHCP4_DYNAMIC_RECONFIGURATION_SUCCESS "$kea_log" "$daemon_log"
served_cn1 a1probe
backup1=$(sed -n 's/^backed up to //p' "$W/a1.out")
check "a: the backup holds v0" cmp "$backup1/kea-dhcp4.conf" "$W/v0/kea-dhcp4.conf"

# ---------------------------------------------------------------- b. invalid config
reloads_before=$(grep -c DHCP4_DYNAMIC_RECONFIGURATION "$kea_log" 2>/dev/null)
apply b "$W/v2"
detail "b: apply of an invalid config fails (exit $rc, $secs s)" "$W/b.out" [ "$rc" -ne 0 ]
check "b: the message says invalid, nothing changed, and quotes the validator" \
    eval 'grep -q "invalid, nothing was changed" "$W/b.out" && grep -q "192.0.2.99" "$W/b.out"'
check "b: the file on disk is byte-identical to v1" cmp "$conf" "$W/v1/kea-dhcp4.conf"
check "b: same kea-dhcp4 process ($pid0), not signalled (no reconfiguration logged)" \
    eval '[[ $(kea_pid) == "$pid0" && $(grep -c DHCP4_DYNAMIC_RECONFIGURATION "$kea_log") == "$reloads_before" ]]'
served_cn1 bprobe

# ---------------------------------------------------------------- c. rollback after a failed reload
check "c: v3 passes kea-dhcp4 -t (in the server namespace, where its interfaces exist)" \
    ip netns exec "$srv" kea-dhcp4 -t "$W/v3/kea-dhcp4.conf"
apply c "$W/v3"
detail "c: apply of a config the server cannot load fails (exit $rc, $secs s)" "$W/c.out" [ "$rc" -ne 0 ]
live_note "c: $(head -c 160 "$W/c.out" | head -n 1) ... $(grep -o 'the previous configuration.*' "$W/c.out")"
check "c: the message says what failed and that the previous config is live" \
    eval 'grep -q "Unable to open database: unable to open .*nonexistent-apply-live" "$W/c.out" && grep -q "previous configuration was restored and is live (checked: kea-dhcp4-server, kea-dhcp6-server run it again)" "$W/c.out"'
backup3=$(ls -d "$root"/etc/kea/.xcatdhcp-backup/*/ 2>/dev/null | sort | tail -n 1)
check "c: the file on disk is v1 again, byte for byte, as in the backup ${backup3#"$root"/}" \
    eval 'cmp "$conf" "$W/v1/kea-dhcp4.conf" && cmp "$conf" "${backup3}kea-dhcp4.conf"'
check "c: the same three processes after the rollback ($(all_pids))" eval '[[ $(kea_pid) == "$pid0" && $(all_pids) == "$pids0" ]] && all_alive'
check "c: kea logged the failed reload, then a successful one" \
    eval 'grep DHCP4_DYNAMIC_RECONFIGURATION_ "$kea_log" | tail -n 2 | tr "\n" " " | grep -q "RECONFIGURATION_FAIL.*RECONFIGURATION_SUCCESS"'
"$xcat" kea --socket "$sock" config-get >"$W/c-config-get.json" 2>&1
check "c: the running config has the v1 lease file again (config-get)" grep -q "\"$W/kea-leases4.csv\"" "$W/c-config-get.json"
served_cn1 cprobe

# ---------------------------------------------------------------- d. unchanged second apply
reloads_before=$(grep -c DHCP4_DYNAMIC_RECONFIGURATION "$kea_log" 2>/dev/null)
backups_before=$(ls "$root/etc/kea/.xcatdhcp-backup" | wc -l)
apply d "$W/v1"
detail "d: a second apply of v1 succeeds ($secs s)" "$W/d.out" [ "$rc" -eq 0 ]
check "d: it says unchanged" grep -q '^unchanged$' "$W/d.out"
check "d: no reload (no reconfiguration logged), no backup, same pid $pid0" \
    eval '[[ $(grep -c DHCP4_DYNAMIC_RECONFIGURATION "$kea_log") == "$reloads_before" && $(ls "$root/etc/kea/.xcatdhcp-backup" | wc -l) == "$backups_before" && $(kea_pid) == "$pid0" ]]'

# ---------------------------------------------------------------- e. validation as _kea
if id _kea >/dev/null 2>&1; then
    root2=$W/root2
    chmod 0711 "$W"  # _kea may pass through to the password file's directory
    mkdir -p "$root2/etc" "$W/ca" "$W/pw"
    cp "$root/etc/passwd" "$root/etc/group" "$root2/etc/"
    chmod 0755 "$W/pw"
    printf '%s' "apply-live-$$" >"$W/pw/admin.pw"
    chmod 0600 "$W/pw/admin.pw"
    jq -n --arg dir "$W/pw" --arg sock "$sock" '{"Control-agent": {"http-host": "127.0.0.1", "http-port": 18321,
        "authentication": {"type": "basic", "realm": "apply-live", "directory": $dir,
                           "clients": [{"user": "admin", "password-file": "admin.pw"}]},
        "control-sockets": {"dhcp4": {"socket-type": "unix", "socket-name": $sock}}}}' >"$W/ca/kea-ctrl-agent.conf"
    check "e: as root, kea-ctrl-agent -t accepts the config" kea-ctrl-agent -t "$W/ca/kea-ctrl-agent.conf"
    timeout 60 "$xcat" apply --files "$W/ca" --backend kea --root "$root2" --services none >"$W/e1.out" 2>&1
    rc=$?
    detail "e: apply fails: the root-only password file is unreadable for _kea (exit $rc)" "$W/e1.out" \
        eval '[ $rc -ne 0 ] && grep -q "Permission denied" "$W/e1.out" && grep -q "_kea" "$W/e1.out"'
    check "e: nothing was written" eval '[[ ! -e $root2/etc/kea/kea-ctrl-agent.conf ]]'
    chgrp _kea "$W/pw/admin.pw" && chmod 0640 "$W/pw/admin.pw"
    timeout 60 "$xcat" apply --files "$W/ca" --backend kea --root "$root2" --services none >"$W/e2.out" 2>&1
    rc=$?
    detail "e: readable by group _kea, the same apply passes (exit $rc)" "$W/e2.out" [ "$rc" -eq 0 ]
    check "e: the file is written mode 0640, group _kea" \
        eval '[[ $(stat -c "%a %G" "$root2/etc/kea/kea-ctrl-agent.conf") == "640 _kea" ]]'
else
    live_fail "e: no _kea user on this host: validation as the service user not tested"
fi

# ---------------------------------------------------------------- f. the same on Kea 3.0.4 (sid chroot)
chroot_tool=$src/tests/tools/kea-chroot.sh
if R=$("$chroot_tool" path sid 2>/dev/null) && [[ -d $R ]]; then
    stop_daemons "$root"  # the 2.2 servers leave the link to 3.0
    root30=$R
    tree=$R$inner30 tag=al$$
    mkdir -p "$tree/etc" && cp "$root/etc/passwd" "$root/etc/group" "$tree/etc/" 2>/dev/null
    LIVE_CLEANUP_FILES+=("$R/run/kea/$tag-k4.sock" "$R/run/kea/$tag-k4.sock.lock" "$R/var/lib/kea/$tag-leases4.csv"
        "$R/var/lib/kea/$tag-leases4.csv2" "$R/var/log/kea/$tag-kea-dhcp4.log" "$R/var/log/kea/$tag-kea-dhcp4.log.lock")
    "$xcat" render -i "$src/examples/inventories/cluster.yaml" --backend kea --kea-version 3.0.4 -o "$W/r30" \
        >"$W/render30.out" 2>&1 || live_fail "f: render for 3.0.4 failed"
    adapt30() { # OUT [LEASE_DIR]
        grep -v '^[[:space:]]*//' "$W/r30/kea-dhcp4.conf" | jq --arg lease "${2:-/var/lib/kea}/$tag-leases4.csv" \
            --arg sock "/run/kea/$tag-k4.sock" --arg log "/var/log/kea/$tag-kea-dhcp4.log" '
              .Dhcp4["lease-database"].name = $lease | .Dhcp4["lease-database"]["lfc-interval"] = 0
            | del(.Dhcp4["control-socket"])
            | .Dhcp4["control-sockets"] = [{"socket-type": "unix", "socket-name": $sock}]
            | .Dhcp4.loggers = [{"name": "kea-dhcp4", "severity": "INFO", "output_options": [{"output": $log}]}]' >"$1"
    }
    mkdir -p "$W"/w{0,1,3}
    adapt30 "$W/w1/kea-dhcp4.conf"
    jq 'walk(if type == "object" and has("reservations") then .reservations |= map(select(.hostname != "cn0001")) else . end)' \
        "$W/w1/kea-dhcp4.conf" >"$W/w0/kea-dhcp4.conf"
    adapt30 "$W/w3/kea-dhcp4.conf" "/var/lib/kea/nonexistent-$tag"
    conf30=$tree/etc/kea/kea-dhcp4.conf sock30=$R/run/kea/$tag-k4.sock log30=$R/var/log/kea/$tag-kea-dhcp4.log
    apply30() { # LABEL DIR
        local t0; t0=$(date +%s.%N)
        timeout 120 "$xcat" apply --files "$2" --backend kea --root "$tree" --chroot "$R" --services direct --netns "$srv" \
            >"$W/$1.out" 2>&1
        rc=$?
        secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
    }
    pid30() { "$xcat" kea --socket "$sock30" status-get 2>/dev/null | jq -r '.pid // .arguments.pid // empty' 2>/dev/null; }
    apply30 f0 "$W/w0"
    detail "f: [3.0.4] first apply (--chroot, direct) starts kea-dhcp4 3.0.4 in the chroot ($secs s)" "$W/f0.out" [ "$rc" -eq 0 ]
    p30=$(pid30)
    check "f: [3.0.4] it answers on its control socket (pid $p30), verified through config-get" \
        eval '[[ -n $p30 ]] && grep -q "^verified kea-dhcp4-server" "$W/f0.out"'
    apply30 f1 "$W/w1"
    detail "f: [3.0.4] apply of the example cluster reloads it ($secs s)" "$W/f1.out" [ "$rc" -eq 0 ]
    check "f: [3.0.4] same process ($p30), reload logged as successful" \
        eval '[[ $(pid30) == "$p30" ]] && grep -q DHCP4_DYNAMIC_RECONFIGURATION_SUCCESS "$log30"'
    served_cn1 f1probe
    apply30 f3 "$W/w3"
    detail "f: [3.0.4] a config the server cannot load fails, the previous one is live ($secs s)" "$W/f3.out" \
        eval '[ "$rc" -ne 0 ] && grep -q "previous configuration was restored and is live (checked: kea-dhcp4-server" "$W/f3.out"'
    check "f: [3.0.4] the file is v1 again, same process" eval 'cmp "$conf30" "$W/w1/kea-dhcp4.conf" && [[ $(pid30) == "$p30" ]]'
    served_cn1 f3probe
    apply30 f4 "$W/w1"
    check "f: [3.0.4] the same apply again: unchanged, same process" eval 'grep -q "^unchanged$" "$W/f4.out" && [[ $(pid30) == "$p30" ]]'
else
    live_note "f: the sid chroot (Kea 3.0) is not ready ($chroot_tool ensure sid): skipped"
fi

echo "($(($(date +%s) - started)) s)"
live_summary
