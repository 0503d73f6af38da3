#!/usr/bin/env bash
# Kill `xcatdhcp apply` with SIGKILL at random moments while it replaces two configurations in
# turn: every destination file must be exactly the old or the new content, never a mix.
set -uo pipefail
build=$1 src=$2
cli=$build/bin/xcatdhcp
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0

# Two valid, very different configurations (big: static hosts; small: no hosts).
"$cli" render -i "$src/examples/inventories/cluster.yaml" --backend isc --static-hosts \
  --key-file "$src/examples/inventories/omapi.key" -o "$work/a" >/dev/null || { echo "render a failed"; exit 1; }
"$cli" render -i "$src/examples/inventories/cluster.yaml" --backend isc \
  --key-file "$src/examples/inventories/omapi.key" -o "$work/b" >/dev/null || { echo "render b failed"; exit 1; }
rm -f "$work"/{a,b}/hosts.omapi.json
cmp -s "$work/a/dhcpd.conf" "$work/b/dhcpd.conf" && { echo "the two configurations must differ"; exit 1; }

root=$work/root
"$cli" apply --files "$work/a" --backend isc --root "$root" --services none >/dev/null || { echo "first apply failed"; exit 1; }
# Kill at a random moment within the time one uninterrupted apply takes on this machine.
t0=$(date +%s%N)
"$cli" apply --files "$work/b" --backend isc --root "$root" --services none >/dev/null || { echo "timing apply failed"; exit 1; }
"$cli" apply --files "$work/a" --backend isc --root "$root" --services none >/dev/null || { echo "timing apply failed"; exit 1; }
span_us=$(( ($(date +%s%N) - t0) / 2000 ))
echo "one apply takes about $((span_us / 1000)) ms here"
kills=0 landed=0
for i in $(seq 1 40); do
  set_dir=$([ $((i % 2)) -eq 0 ] && echo a || echo b)
  "$cli" apply --files "$work/$set_dir" --backend isc --root "$root" --services none >/dev/null 2>&1 &
  pid=$!
  delay_us=$(( (RANDOM * 32768 + RANDOM) % span_us ))
  sleep "$(printf '%d.%06d' $((delay_us / 1000000)) $((delay_us % 1000000)))"
  kill -KILL "$pid" 2>/dev/null && kills=$((kills + 1))
  wait "$pid" 2>/dev/null
  cmp -s "$root/etc/dhcp/dhcpd.conf" "$work/$set_dir/dhcpd.conf" && landed=$((landed + 1))
  for f in dhcpd.conf dhcpd6.conf; do
    if cmp -s "$root/etc/dhcp/$f" "$work/a/$f" || cmp -s "$root/etc/dhcp/$f" "$work/b/$f"; then
      pass=$((pass + 1))
    else
      fail=$((fail + 1)); echo "FAILED: run $i left $f neither old nor new"
    fi
  done
done
echo "killed $kills of 40 applies; $landed of 40 ended with the new dhcpd.conf, the rest with the old"
[ "$kills" -ge 10 ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAILED: too few kills landed mid-apply ($kills)"; }
# A clean run afterwards succeeds and leaves no temp files behind.
if "$cli" apply --files "$work/a" --backend isc --root "$root" --services none >/dev/null &&
   [ -z "$(find "$root/etc/dhcp" -maxdepth 1 -name '.*.xcatdhcp-*')" ]; then pass=$((pass + 1))
else fail=$((fail + 1)); echo "FAILED: the run after the kills failed or left temp files"; fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
