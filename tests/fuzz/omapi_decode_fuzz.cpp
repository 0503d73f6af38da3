// libFuzzer target for the OMAPI decoder (and what the client does with a decoded reply).
// Not part of the CMake build: tests/fuzz/run_omapi_fuzz.sh compiles it with
// clang++ -fsanitize=fuzzer,address,undefined together with the few library sources it needs.
//
// Properties checked on every input:
//   * decode() never reads outside the input and never accepts more than Limits allow;
//   * a complete decode re-encodes to exactly the bytes it came from (the format is canonical);
//   * "incomplete" is only returned while the message could still fit the caps;
//   * verification, host parsing and value lookups accept whatever decode() produced.
#include "xcatdhcp/control/omapi.hpp"
#include "xcatdhcp/control/omapi_wire.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace xcatdhcp::control::omapi;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    static const Signer signer(Algorithm::hmac_sha256, "fuzz-key");
    Limits limits;
    limits.max_message_bytes = 64 * 1024;
    limits.max_value_bytes = 16 * 1024;
    limits.max_values = 256;

    // Walk the input as a stream of messages, as the client does with its receive buffer.
    std::size_t pos = 0;
    for (int guard = 0; guard < 64 && pos < in.size(); ++guard) {
        std::string_view rest = in.substr(pos);
        Decoded d = decode(rest, limits);
        if (d.status == DecodeStatus::incomplete) {
            if (rest.size() >= limits.max_message_bytes) std::abort();
            break;
        }
        if (d.status == DecodeStatus::malformed) {
            if (d.error.empty()) std::abort();
            break;
        }
        if (d.size == 0 || d.size > rest.size() || d.size > limits.max_message_bytes) std::abort();
        std::string_view raw = rest.substr(0, d.size);
        if (encode(d.message) != raw) std::abort();
        (void)verify(raw, d.message, signer);
        (void)host_from_values(d.message.object_values, d.message.handle);
        (void)find_u32(d.message.message_values, "result");
        (void)find(d.message.message_values, "message");
        pos += d.size;
    }
    (void)decode_startup(in);
    (void)decode_base64(in.substr(0, 256));
    (void)parse_algorithm(in.substr(0, 64));
    return 0;
}
