#!/bin/bash
# Builds the OMAPI decoder fuzzer with clang's libFuzzer (+ ASan, UBSan) and runs it.
#   tests/fuzz/run_omapi_fuzz.sh [SOURCE_DIR] [SECONDS] [WORK_DIR]
# Defaults: the repository this script is in, 60 seconds, /tmp/omapi-fuzz.$UID.
# Exit status: 0 when the run found nothing; libFuzzer's status (and the crash file in WORK_DIR)
# otherwise. Not run by CI (the unit tests carry a deterministic fuzz loop instead).
set -euo pipefail
SRC=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
SECONDS_TO_RUN=${2:-60}
WORK=${3:-/tmp/omapi-fuzz.$(id -u)}
CXX=${CXX_FUZZ:-clang++}
mkdir -p "$WORK/corpus"
cd "$WORK"

# The decoder and what it touches: the wire code, the client's host parsing and errors, and
# the address/MAC/error units those use.
"$CXX" -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$SRC/include" -I"$SRC/libxcatdhcp" \
    "$SRC/tests/fuzz/omapi_decode_fuzz.cpp" \
    "$SRC/libxcatdhcp/control/omapi_wire.cpp" "$SRC/libxcatdhcp/control/omapi_client.cpp" \
    "$SRC/libxcatdhcp/error.cpp" "$SRC/libxcatdhcp/net/address.cpp" "$SRC/libxcatdhcp/net/mac.cpp" \
    "$SRC/libxcatdhcp/net/range.cpp" \
    -lcrypto -o omapi_decode_fuzz

# Seeds: a lookup request and dhcpd's signed reply and "not found" status (hmac-md5), captured
# from dhcpd 4.4.3 (the same bytes as in tests/unit/omapi_test.cpp).
seed() { printf '%s' "$2" | /usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read()))' > "corpus/$1"; }
seed request 00000001000000100000000100000000000000020000000000047479706500000004686f7374000000046e616d650000000b766563746f722d686f737400000951aa82d6a4b401293eeba17d0761ff
seed reply 00000001000000100000000300000002201821ab000000020000000a69702d6164647265737300000004c0a8480a00046e616d650000000b766563746f722d686f7374001068617264776172652d616464726573730000000602005e005301000d68617264776172652d74797065000000040000000100002fa92896e692ef79b241ac32f69e1d4c
seed notfound 00000001000000100000000500000000201821ac000000030006726573756c74000000040000001700076d6573736167650000001f6e6f206f626a656374206d6174636865732073706563696669636174696f6e00000000da8e2128e5452de82ca4b5c60f11c0e3
seed startup 000000640000001800000000

./omapi_decode_fuzz -max_total_time="$SECONDS_TO_RUN" -max_len=8192 -print_final_stats=1 corpus
