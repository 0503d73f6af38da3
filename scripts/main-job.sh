#!/usr/bin/env bash
# The main job: build, then render the bundled example cluster for ISC and for Kea and check
# both with the servers' own validators. Output goes to ./out/{isc,kea}.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh main
cmake -S . -B build -DXCATDHCP_BUILD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
cli=build/bin/xcatdhcp
inventory=examples/inventories/cluster.yaml
key=examples/inventories/omapi.key

echo "== inventory"
$cli summary -i "$inventory"
echo "== diagnostics"
$cli intent -i "$inventory" --diagnostics
rm -rf out
status=0
for backend in isc kea; do
  echo "== render and validate: $backend"
  $cli render -i "$inventory" --backend "$backend" --key-file "$key" -o "out/$backend"
  ls -l "out/$backend"
  $cli validate --backend "$backend" "out/$backend" || status=1
done
[ $status -eq 0 ] && echo "main job: the example cluster renders and validates for ISC and Kea"
exit $status
