#!/usr/bin/env bash
# The CLI contract: exit 0 on success; non-zero with exactly one line on stderr otherwise.
set -uo pipefail
build=$1 src=$2
cli=$build/bin/xcatdhcp
inv=$src/examples/inventories/cluster.yaml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $1"; }
bad() { fail=$((fail + 1)); echo "FAILED: $1"; }

# succeeds CMD... : exit 0
succeeds() { local name=$1; shift; if "$@" >"$work/out" 2>"$work/err"; then ok "$name"; else bad "$name (exit $?): $(cat "$work/err")"; fi; }
# fails_one_line NAME PATTERN CMD... : non-zero exit, one stderr line matching PATTERN
fails_one_line() {
  local name=$1 pattern=$2; shift 2
  if "$@" >"$work/out" 2>"$work/err"; then bad "$name: exited 0"; return; fi
  local lines; lines=$(wc -l <"$work/err")
  if [ "$lines" -eq 1 ] && grep -q -- "$pattern" "$work/err"; then ok "$name"
  else bad "$name: expected one stderr line matching '$pattern', got $lines: $(cat "$work/err")"; fi
}

succeeds "help" "$cli" --help
grep -q "usage: xcatdhcp" "$work/out" && ok "help text" || bad "help text"
succeeds "version" "$cli" version
succeeds "backend" "$cli" backend -i "$inv"
[ "$(head -1 "$work/out")" = isc ] && ok "example cluster selects isc (Debian 12, auto)" || bad "backend choice: $(cat "$work/out")"
succeeds "ranges json" "$cli" ranges '10.0.0.10-10.0.0.99;10.0.1.0/24;fd00::1 fd00::ff' --json
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert len(r)==3 and r[1]["prefix_length"]==24 and r[2]["family"]==6' "$work/out" \
  && ok "ranges json content" || bad "ranges json content: $(cat "$work/out")"
succeeds "inventory yaml" "$cli" inventory -i "$inv"
cp "$work/out" "$work/yaml.json"
succeeds "inventory stanza dir" "$cli" inventory -i "$src/examples/inventories/cluster"
cmp -s "$work/out" "$work/yaml.json" && ok "yaml and stanza forms print the same inventory" || bad "yaml and stanza inventories differ"
succeeds "intent" "$cli" intent -i "$inv"
cmp -s "$work/out" "$src/tests/golden/cluster.intent.json" && ok "intent matches golden" || bad "intent differs from golden"
succeeds "intent diagnostics json" "$cli" intent -i "$inv" --diagnostics --json
succeeds "facts" "$cli" facts

fails_one_line "no command" "usage" "$cli"
fails_one_line "unknown command" "unknown command" "$cli" frobnicate
fails_one_line "unknown option" "unknown option" "$cli" backend -i "$inv" --bogus
fails_one_line "missing inventory file" "cannot open file" "$cli" backend -i /nonexistent.yaml
fails_one_line "bad range names the item" "'10.0.0.9-10.0.0.1'" "$cli" ranges '10.0.0.1-10.0.0.5;10.0.0.9-10.0.0.1'
fails_one_line "hostile range value escaped on one line" '1\\n"}' "$cli" ranges $'10.0.0.9-10.0.0.1\n"};'
printf 'site:\n  dhcpbackend: dhcpd\n' >"$work/bad-backend.yaml"
fails_one_line "invalid dhcpbackend" "valid values are auto, isc and kea" "$cli" backend -i "$work/bad-backend.yaml"
printf 'site:\n  dhcpbackend: kea\nserver:\n  backends: {isc: 4.4.3}\n' >"$work/no-kea.yaml"
fails_one_line "forced backend not installed" "not installed" "$cli" backend -i "$work/no-kea.yaml"
printf 'nodes:\n  cn1:\n    mac: [a, b]\n' >"$work/wrong-type.yaml"
fails_one_line "wrong attribute type names node and attribute" "node cn1: mac" "$cli" inventory -i "$work/wrong-type.yaml"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
