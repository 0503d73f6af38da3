#!/bin/bash
# OMAPI benchmark: native client vs one omshell process per host (as xCAT's makedhcp does),
# against a real dhcpd in a network namespace made for the run. Not run by CI.
#
#   tests/bench/omapi_bench.sh BUILD_DIR [HOSTS] [OMSHELL_HOSTS] [-- extra bench_omapi options]
#
# HOSTS (default 10000) are added natively over one session, OMSHELL_HOSTS (default HOSTS)
# with one omshell per host. Environment:
#   LEASES_DIR   where dhcpd's lease file goes (default /dev/shm: dhcpd fsyncs that file after
#                every created or deleted host; on a disk that fsync, not the client, sets the pace;
#                LEASES_DIR=/var/tmp shows it)
#   ALGORITHM    OMAPI key algorithm (default hmac-md5)
#   CONNECTIONS  client connections (default 8)
set -u
BUILD=$(cd "${1:?usage: omapi_bench.sh BUILD_DIR [HOSTS] [OMSHELL_HOSTS]}" && pwd)
HOSTS=${2:-10000}
OMSHELL_HOSTS=${3:-$HOSTS}
shift $(( $# < 3 ? $# : 3 ))
[ "${1:-}" = "--" ] && shift
LEASES_DIR=${LEASES_DIR:-/dev/shm}
ALGORITHM=${ALGORITHM:-hmac-md5}
CONNECTIONS=${CONNECTIONS:-8}

[ "$(id -u)" = 0 ] || { echo "must run as root" >&2; exit 1; }
command -v dhcpd >/dev/null || { echo "dhcpd not found (isc-dhcp-server)" >&2; exit 1; }
OMSHELL=$(command -v omshell) || { echo "omshell not found (isc-dhcp-server ships it on Debian)" >&2; exit 1; }
[ -x "$BUILD/bin/bench_omapi" ] || { echo "$BUILD/bin/bench_omapi not built" >&2; exit 1; }

NS=ombench$$
WORK=$(mktemp -d /tmp/omapi-bench.XXXXXX)
LEASES=$(mktemp "$LEASES_DIR/omapi-bench.XXXXXX.leases")
DHCPD_PID=""
cleanup() {
    [ -n "$DHCPD_PID" ] && kill "$DHCPD_PID" 2>/dev/null && sleep 0.5 && kill -9 "$DHCPD_PID" 2>/dev/null
    ip netns del "$NS" 2>/dev/null
    rm -rf "$WORK" "$LEASES" "$LEASES~"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$NS" || { echo "cannot create network namespace $NS" >&2; exit 1; }
ip -n "$NS" link add vsrv type veth peer name vpeer || exit 1
ip -n "$NS" addr add 192.168.75.1/24 dev vsrv
ip -n "$NS" link set lo up; ip -n "$NS" link set vsrv up; ip -n "$NS" link set vpeer up

SECRET=$(head -c 32 /dev/urandom | base64)
printf 'key "xcat_key" {\n\talgorithm %s;\n\tsecret "%s";\n};\n' "$ALGORITHM" "$SECRET" > "$WORK/key"
cat > "$WORK/dhcpd.conf" <<EOF
omapi-port 7911;
key xcat_key { algorithm $ALGORITHM; secret "$SECRET"; }
omapi-key xcat_key;
ping-check false;
option client-architecture code 93 = unsigned integer 16;
subnet 192.168.75.0 netmask 255.255.255.0 { range 192.168.75.100 192.168.75.200; }
EOF
: > "$LEASES"
timeout -k 5 7200 ip netns exec "$NS" dhcpd -4 -f -d -cf "$WORK/dhcpd.conf" -lf "$LEASES" -pf "$WORK/dhcpd.pid" vsrv \
    > "$WORK/dhcpd.log" 2>&1 &
DHCPD_PID=$!
for _ in $(seq 1 100); do grep -q "Server starting service" "$WORK/dhcpd.log" 2>/dev/null && break; sleep 0.05; done
grep -q "Server starting service" "$WORK/dhcpd.log" || { cat "$WORK/dhcpd.log" >&2; exit 1; }

echo "dhcpd $(dhcpd --version 2>&1 | head -1), leases in $LEASES_DIR, key $ALGORITHM, $(nproc) CPUs"
ip netns exec "$NS" "$BUILD/bin/bench_omapi" --key-file "$WORK/key" --hosts "$HOSTS" \
    --omshell-hosts "$OMSHELL_HOSTS" --omshell "$OMSHELL" --connections "$CONNECTIONS" \
    --pool 192.168.75.100-192.168.75.200 "$@"
status=$?
if grep -q "REQUIRE\|exiting" "$WORK/dhcpd.log"; then
    echo "dhcpd failed during the run:" >&2
    grep -v '^$' "$WORK/dhcpd.log" | tail -5 >&2
    status=1
fi
echo "dhcpd RSS: $(ps -o rss= -p "$(cat "$WORK/dhcpd.pid" 2>/dev/null || echo 0)" 2>/dev/null || echo ?) KiB"
exit $status
