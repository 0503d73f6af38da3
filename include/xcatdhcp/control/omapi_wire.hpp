// OMAPI wire format (ISC dhcpd's object management protocol): messages, encoding, decoding
// and HMAC signatures. No I/O: the client (omapi.hpp) moves the bytes, this header only turns
// messages into bytes and back, so the decoder can be tested and fuzzed on its own.
//
// Protocol notes (startup, header, name/value lists, signatures) are in docs/omapi.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xcatdhcp::control::omapi {

inline constexpr std::uint32_t protocol_version = 100;  // sent and expected in the startup
inline constexpr std::uint32_t header_size = 24;        // six 32-bit header fields
inline constexpr std::uint16_t default_port = 7911;     // dhcpd (DHCPv4)
inline constexpr std::uint16_t default_port6 = 7912;    // dhcpd -6 as xCAT configures it

// Message operation codes.
enum class Op : std::uint32_t {
    open = 1,     // look up (and optionally create) an object; answered by update or status
    refresh = 2,  // send an object's current values again, by handle
    update = 3,   // change an object (by handle); also the answer to open/refresh
    notify = 4,   // not implemented by dhcpd
    status = 5,   // result of a request: "result" (ISC result code) and "message"
    remove = 6,   // delete the object with the given handle (OMAPI "DELETE")
};

std::string_view to_string(Op op);  // "open", "update", ..., "delete"; "unknown" for other codes

// One name/value pair. Values are raw bytes: integers are 4 bytes in network order, strings
// are their bytes without a terminator, addresses their 4 or 16 bytes.
struct Value {
    std::string name;
    std::string data;

    bool operator==(const Value&) const = default;
};
using Values = std::vector<Value>;

// The last value of that name (dhcpd keeps the last one too), or nullptr.
const std::string* find(const Values& values, std::string_view name);
// A 4-byte value as an integer; nullopt when absent or not 4 bytes long.
std::optional<std::uint32_t> find_u32(const Values& values, std::string_view name);

Value u32_value(std::string name, std::uint32_t value);
Value bytes_value(std::string name, std::string data);
inline Value bool_value(std::string name, bool value) { return u32_value(std::move(name), value ? 1 : 0); }

struct Message {
    std::uint32_t authid = 0;  // handle of the authenticator that signed it; 0 = unsigned
    Op op = Op::open;
    std::uint32_t handle = 0;  // object handle the message is about (0 = none)
    std::uint32_t id = 0;      // transaction id chosen by the sender
    std::uint32_t rid = 0;     // id of the message this one answers; 0 = not an answer
    Values message_values;     // about the message itself: "type", "create", "result", ...
    Values object_values;      // the object's attributes
    std::string signature;     // the authenticator (its length is the header's authlen)

    bool operator==(const Message&) const = default;
};

// ---------------------------------------------------------------- signatures
// The HMAC algorithms dhcpd 4.x accepts for OMAPI keys (isclib_make_dst_key).
enum class Algorithm { hmac_md5, hmac_sha1, hmac_sha224, hmac_sha256, hmac_sha384, hmac_sha512 };

// "hmac-md5", "HMAC-SHA256", "hmac-sha1.SIG-ALG.REG.INT." ...; nullopt for anything else.
std::optional<Algorithm> parse_algorithm(std::string_view text);
std::string_view to_string(Algorithm algorithm);        // "hmac-md5"
std::string wire_name(Algorithm algorithm);              // "hmac-md5.SIG-ALG.REG.INT." (as dhcpd stores it)
std::size_t signature_size(Algorithm algorithm);         // full digest length: 16, 20, 28, 32, 48, 64

// Standard base64 (RFC 4648, with padding) to bytes; nullopt when not base64.
std::optional<std::string> decode_base64(std::string_view text);

// HMAC with one key. Copyable handles to an immutable key; sign() is thread-safe.
class Signer {
public:
    // `secret` is the raw key (decoded from base64). Throws OmapiError (kind unsupported) when the
    // crypto library lacks the digest.
    Signer(Algorithm algorithm, std::string_view secret);
    ~Signer();
    Signer(const Signer&);
    Signer& operator=(const Signer&);
    Signer(Signer&&) noexcept;
    Signer& operator=(Signer&&) noexcept;

    Algorithm algorithm() const { return algorithm_; }
    std::size_t size() const { return signature_size(algorithm_); }
    std::string sign(std::string_view data) const;

private:
    struct Impl;
    Algorithm algorithm_;
    std::shared_ptr<const Impl> impl_;
};

// ---------------------------------------------------------------- encoding
// The 8 bytes each side sends first: protocol version, header size.
std::string encode_startup(std::uint32_t version = protocol_version, std::uint32_t size = header_size);

struct Startup {
    std::uint32_t version = 0;
    std::uint32_t header_size = 0;
};
// nullopt while fewer than 8 bytes are there.
std::optional<Startup> decode_startup(std::string_view bytes);

// The message as bytes. With a signer, the signature is computed over every byte after the
// authid field (header from authlen on, both value lists with their terminators) and appended;
// message.signature is ignored then. Without one, message.signature is written as it is.
// Throws OmapiError (invalid_argument) for an empty or over-long (> 65535 bytes) value name.
std::string encode(const Message& message, const Signer* signer = nullptr);

// ---------------------------------------------------------------- decoding
// Caps that keep a hostile or broken peer from making the decoder allocate without bound.
struct Limits {
    std::size_t max_message_bytes = 1024 * 1024;  // one whole message
    std::size_t max_value_bytes = 256 * 1024;     // one value
    std::size_t max_values = 4096;                // per list
    std::size_t max_name_bytes = 1024;            // one name
    std::size_t max_signature_bytes = 64;         // authlen (SHA-512 is the longest: 64)
};

enum class DecodeStatus { complete, incomplete, malformed };

struct Decoded {
    DecodeStatus status = DecodeStatus::incomplete;
    Message message;      // complete only
    std::size_t size = 0; // complete: bytes the message took from the input
    std::string error;    // malformed: what is wrong, for the error message
};

// Decodes the message at the start of `bytes`. Never reads past bytes.size(); `incomplete`
// means more bytes are needed (and the caps still allow them), `malformed` means the input can
// never become a valid message.
Decoded decode(std::string_view bytes, const Limits& limits = {});

// The bytes a message's signature covers, given the whole encoded message: everything after
// the authid field and before the signature. Empty when `encoded` is shorter than that.
std::string_view signed_bytes(std::string_view encoded, std::size_t signature_length);

// True when `encoded` (exactly one message) carries the signature `signer` computes for it
// (constant-time comparison).
bool verify(std::string_view encoded, const Message& decoded, const Signer& signer);

// ---------------------------------------------------------------- dhcpd's buffer limit
// dhcpd keeps each OMAPI connection's input and output in 4047-byte buffers. It starts the HMAC
// of a message when it copies the message's first signed bytes (the authlen field) and keeps
// that "start" flag for the whole copy: when those 4 bytes cross the end of a buffer, it starts
// the HMAC a second time and aborts on an assertion (omapip/buffer.c, every ISC DHCP 4.x). A
// message that begins in an empty buffer never crosses; so one request at a time is always
// safe, and a burst of requests sent when every earlier reply has arrived is safe when each of
// its requests, and each of their replies, begins at most dhcpd_burst_limit bytes after the
// first byte of the burst (4047 minus the 8 header bytes, with margin).
inline constexpr std::size_t dhcpd_burst_limit = 4000;

// Upper bound of the size of dhcpd's reply to `request` (signature included), or nullopt when
// it depends on an object of unknown size. For a lookup, `assumed_field_bytes` (> 0) is taken
// as the length of a name or client identifier the request does not give; 0 makes such
// lookups unbounded.
std::optional<std::size_t> reply_size_bound(const Message& request, std::size_t assumed_field_bytes);

// ---------------------------------------------------------------- results
// ISC result codes dhcpd puts in a status message's "result" value (isc/result.h and
// omapip/result.h: the DHCP class starts at 6 << 16).
namespace result {
inline constexpr std::uint32_t success = 0;
inline constexpr std::uint32_t nomemory = 1;
inline constexpr std::uint32_t timedout = 2;
inline constexpr std::uint32_t exists = 18;
inline constexpr std::uint32_t notfound = 23;
inline constexpr std::uint32_t unexpected_end = 24;
inline constexpr std::uint32_t failure = 25;
inline constexpr std::uint32_t ioerror = 26;
inline constexpr std::uint32_t notimplemented = 27;
inline constexpr std::uint32_t nomore = 29;
inline constexpr std::uint32_t unexpected = 34;
inline constexpr std::uint32_t dhcp_class = 6u << 16;
inline constexpr std::uint32_t hostunknown = dhcp_class + 0;
inline constexpr std::uint32_t versionmismatch = dhcp_class + 1;
inline constexpr std::uint32_t protocolerror = dhcp_class + 2;
inline constexpr std::uint32_t invalidarg = dhcp_class + 3;
inline constexpr std::uint32_t unchanged = dhcp_class + 5;
inline constexpr std::uint32_t multiple = dhcp_class + 6;  // the key matches more than one object
inline constexpr std::uint32_t keyconflict = dhcp_class + 7;
inline constexpr std::uint32_t badparse = dhcp_class + 8;
inline constexpr std::uint32_t nokeys = dhcp_class + 9;
inline constexpr std::uint32_t key_unknown = dhcp_class + 10;
inline constexpr std::uint32_t invalidkey = dhcp_class + 11;
inline constexpr std::uint32_t unknownattribute = dhcp_class + 32;
}  // namespace result

// A short text for a result code: "not found", "already exists", "invalid key"...;
// "ISC result N" for codes without a name here.
std::string result_text(std::uint32_t code);

}  // namespace xcatdhcp::control::omapi
