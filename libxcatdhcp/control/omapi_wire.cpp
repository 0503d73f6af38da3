// OMAPI wire format: encoding, bounded decoding, HMAC signatures (OpenSSL libcrypto).
#include "xcatdhcp/control/omapi.hpp"
#include "xcatdhcp/control/omapi_wire.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
#include <openssl/core_names.h>
#include <openssl/params.h>
#else
#include <openssl/hmac.h>
#endif

#include <algorithm>
#include <array>
#include <cctype>

namespace xcatdhcp::control::omapi {

namespace {

void put_u32(std::string& out, std::uint32_t v) {
    out.push_back(static_cast<char>((v >> 24) & 0xff));
    out.push_back(static_cast<char>((v >> 16) & 0xff));
    out.push_back(static_cast<char>((v >> 8) & 0xff));
    out.push_back(static_cast<char>(v & 0xff));
}

void put_u16(std::string& out, std::uint16_t v) {
    out.push_back(static_cast<char>((v >> 8) & 0xff));
    out.push_back(static_cast<char>(v & 0xff));
}

std::uint32_t get_u32(std::string_view in, std::size_t at) {
    auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(in[at + i])); };
    return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

std::uint16_t get_u16(std::string_view in, std::size_t at) {
    return static_cast<std::uint16_t>((static_cast<unsigned char>(in[at]) << 8) |
                                      static_cast<unsigned char>(in[at + 1]));
}

void put_values(std::string& out, const Values& values) {
    for (const auto& v : values) {
        if (v.name.empty())
            throw OmapiError(ErrorKind::invalid_argument, "OMAPI value names cannot be empty");
        if (v.name.size() > 0xffff)
            throw OmapiError(ErrorKind::invalid_argument, "OMAPI value name longer than 65535 bytes");
        if (v.data.size() > 0xffffffffULL)
            throw OmapiError(ErrorKind::invalid_argument, "OMAPI value longer than 4 GiB");
        put_u16(out, static_cast<std::uint16_t>(v.name.size()));
        out += v.name;
        put_u32(out, static_cast<std::uint32_t>(v.data.size()));
        out += v.data;
    }
    put_u16(out, 0);
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

[[maybe_unused]] const EVP_MD* digest_of(Algorithm a) {
    switch (a) {
    case Algorithm::hmac_md5: return EVP_md5();
    case Algorithm::hmac_sha1: return EVP_sha1();
    case Algorithm::hmac_sha224: return EVP_sha224();
    case Algorithm::hmac_sha256: return EVP_sha256();
    case Algorithm::hmac_sha384: return EVP_sha384();
    case Algorithm::hmac_sha512: return EVP_sha512();
    }
    return nullptr;
}

[[maybe_unused]] const char* digest_name(Algorithm a) {
    switch (a) {
    case Algorithm::hmac_md5: return "MD5";
    case Algorithm::hmac_sha1: return "SHA1";
    case Algorithm::hmac_sha224: return "SHA224";
    case Algorithm::hmac_sha256: return "SHA256";
    case Algorithm::hmac_sha384: return "SHA384";
    case Algorithm::hmac_sha512: return "SHA512";
    }
    return "";
}

}  // namespace

std::string_view to_string(Op op) {
    switch (op) {
    case Op::open: return "open";
    case Op::refresh: return "refresh";
    case Op::update: return "update";
    case Op::notify: return "notify";
    case Op::status: return "status";
    case Op::remove: return "delete";
    }
    return "unknown";
}

const std::string* find(const Values& values, std::string_view name) {
    for (auto it = values.rbegin(); it != values.rend(); ++it)
        if (it->name == name) return &it->data;
    return nullptr;
}

std::optional<std::uint32_t> find_u32(const Values& values, std::string_view name) {
    const std::string* v = find(values, name);
    if (!v || v->size() != 4) return std::nullopt;
    return get_u32(*v, 0);
}

Value u32_value(std::string name, std::uint32_t value) {
    std::string data;
    put_u32(data, value);
    return Value{std::move(name), std::move(data)};
}

Value bytes_value(std::string name, std::string data) { return Value{std::move(name), std::move(data)}; }

// ---------------------------------------------------------------- algorithms
std::optional<Algorithm> parse_algorithm(std::string_view text) {
    std::string s = lower(text);
    static constexpr std::string_view suffix = ".sig-alg.reg.int.";
    static constexpr std::string_view suffix_nodot = ".sig-alg.reg.int";
    if (s.size() > suffix.size() && s.ends_with(suffix)) s.resize(s.size() - suffix.size());
    else if (s.size() > suffix_nodot.size() && s.ends_with(suffix_nodot)) s.resize(s.size() - suffix_nodot.size());
    if (s == "hmac-md5") return Algorithm::hmac_md5;
    if (s == "hmac-sha1") return Algorithm::hmac_sha1;
    if (s == "hmac-sha224") return Algorithm::hmac_sha224;
    if (s == "hmac-sha256") return Algorithm::hmac_sha256;
    if (s == "hmac-sha384") return Algorithm::hmac_sha384;
    if (s == "hmac-sha512") return Algorithm::hmac_sha512;
    return std::nullopt;
}

std::string_view to_string(Algorithm a) {
    switch (a) {
    case Algorithm::hmac_md5: return "hmac-md5";
    case Algorithm::hmac_sha1: return "hmac-sha1";
    case Algorithm::hmac_sha224: return "hmac-sha224";
    case Algorithm::hmac_sha256: return "hmac-sha256";
    case Algorithm::hmac_sha384: return "hmac-sha384";
    case Algorithm::hmac_sha512: return "hmac-sha512";
    }
    return "hmac-md5";
}

std::string wire_name(Algorithm a) { return std::string(to_string(a)) + ".SIG-ALG.REG.INT."; }

std::size_t signature_size(Algorithm a) {
    switch (a) {
    case Algorithm::hmac_md5: return 16;
    case Algorithm::hmac_sha1: return 20;
    case Algorithm::hmac_sha224: return 28;
    case Algorithm::hmac_sha256: return 32;
    case Algorithm::hmac_sha384: return 48;
    case Algorithm::hmac_sha512: return 64;
    }
    return 16;
}

std::optional<std::string> decode_base64(std::string_view text) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    if (text.size() % 4 != 0) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        bool last = i + 4 == text.size();
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; ++k) {
            char c = text[i + k];
            if (c == '=' && last && k >= 2) {
                v[k] = 0;
                ++pad;
                continue;
            }
            if (pad) return std::nullopt;  // data after padding
            v[k] = value(c);
            if (v[k] < 0) return std::nullopt;
        }
        std::uint32_t n = (static_cast<std::uint32_t>(v[0]) << 18) | (static_cast<std::uint32_t>(v[1]) << 12) |
                          (static_cast<std::uint32_t>(v[2]) << 6) | static_cast<std::uint32_t>(v[3]);
        out.push_back(static_cast<char>((n >> 16) & 0xff));
        if (pad < 2) out.push_back(static_cast<char>((n >> 8) & 0xff));
        if (pad < 1) out.push_back(static_cast<char>(n & 0xff));
    }
    return out;
}

// ---------------------------------------------------------------- signer
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
struct Signer::Impl {
    EVP_MAC* mac = nullptr;
    EVP_MAC_CTX* ctx = nullptr;  // initialized with the key; duplicated for every signature

    ~Impl() {
        EVP_MAC_CTX_free(ctx);
        EVP_MAC_free(mac);
    }
};

Signer::Signer(Algorithm algorithm, std::string_view secret) : algorithm_(algorithm) {
    auto impl = std::make_shared<Impl>();
    impl->mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (impl->mac) impl->ctx = EVP_MAC_CTX_new(impl->mac);
    if (!impl->ctx)
        throw OmapiError(ErrorKind::unsupported, "HMAC is not available in this OpenSSL");
    char digest[16];
    std::string_view name = digest_name(algorithm);
    std::copy(name.begin(), name.end(), digest);
    digest[name.size()] = '\0';
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    static const unsigned char empty = 0;
    const unsigned char* key = secret.empty() ? &empty : reinterpret_cast<const unsigned char*>(secret.data());
    if (EVP_MAC_init(impl->ctx, key, secret.size(), params) != 1)
        throw OmapiError(ErrorKind::unsupported,
                         std::string(to_string(algorithm)) + " is not available in this OpenSSL");
    impl_ = std::move(impl);
}

std::string Signer::sign(std::string_view data) const {
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(impl_->ctx);
    if (!ctx) throw OmapiError(ErrorKind::unsupported, "HMAC context allocation failed");
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    std::size_t length = 0;
    bool ok = EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1 &&
              EVP_MAC_final(ctx, out.data(), &length, out.size()) == 1;
    EVP_MAC_CTX_free(ctx);
    if (!ok) throw OmapiError(ErrorKind::unsupported, "HMAC computation failed");
    return std::string(reinterpret_cast<const char*>(out.data()), length);
}
#else
struct Signer::Impl {
    std::string key;
};

Signer::Signer(Algorithm algorithm, std::string_view secret) : algorithm_(algorithm) {
    if (!digest_of(algorithm))
        throw OmapiError(ErrorKind::unsupported,
                         std::string(to_string(algorithm)) + " is not available in this OpenSSL");
    auto impl = std::make_shared<Impl>();
    impl->key.assign(secret);
    impl_ = std::move(impl);
}

std::string Signer::sign(std::string_view data) const {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int length = 0;
    static const unsigned char empty = 0;
    const auto* key = impl_->key.empty() ? &empty : reinterpret_cast<const unsigned char*>(impl_->key.data());
    if (!HMAC(digest_of(algorithm_), key, static_cast<int>(impl_->key.size()),
              reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &length))
        throw OmapiError(ErrorKind::unsupported, "HMAC computation failed");
    return std::string(reinterpret_cast<const char*>(out.data()), length);
}
#endif

Signer::~Signer() = default;
Signer::Signer(const Signer&) = default;
Signer& Signer::operator=(const Signer&) = default;
Signer::Signer(Signer&&) noexcept = default;
Signer& Signer::operator=(Signer&&) noexcept = default;

// ---------------------------------------------------------------- encoding
std::string encode_startup(std::uint32_t version, std::uint32_t size) {
    std::string out;
    put_u32(out, version);
    put_u32(out, size);
    return out;
}

std::optional<Startup> decode_startup(std::string_view bytes) {
    if (bytes.size() < 8) return std::nullopt;
    return Startup{get_u32(bytes, 0), get_u32(bytes, 4)};
}

std::string encode(const Message& m, const Signer* signer) {
    std::string out;
    std::size_t authlen = signer ? signer->size() : m.signature.size();
    put_u32(out, m.authid);
    put_u32(out, static_cast<std::uint32_t>(authlen));
    put_u32(out, static_cast<std::uint32_t>(m.op));
    put_u32(out, m.handle);
    put_u32(out, m.id);
    put_u32(out, m.rid);
    put_values(out, m.message_values);
    put_values(out, m.object_values);
    if (signer) out += signer->sign(std::string_view(out).substr(4));
    else out += m.signature;
    return out;
}

// ---------------------------------------------------------------- decoding
Decoded decode(std::string_view in, const Limits& limits) {
    Decoded d;
    auto malformed = [&](std::string why) {
        d.status = DecodeStatus::malformed;
        d.error = std::move(why);
        d.message = Message{};
        return d;
    };
    // Bytes needed so far must stay within the message cap, whether they are here yet or not.
    auto over_cap = [&](std::size_t needed) { return needed > limits.max_message_bytes; };
    if (over_cap(header_size)) return malformed("message size limit below the header size");
    if (in.size() < header_size) return d;

    Message& m = d.message;
    m.authid = get_u32(in, 0);
    std::uint32_t authlen = get_u32(in, 4);
    m.op = static_cast<Op>(get_u32(in, 8));
    m.handle = get_u32(in, 12);
    m.id = get_u32(in, 16);
    m.rid = get_u32(in, 20);
    if (authlen > limits.max_signature_bytes)
        return malformed("authenticator length " + std::to_string(authlen) + " exceeds " +
                         std::to_string(limits.max_signature_bytes));

    std::size_t pos = header_size;
    for (int list = 0; list < 2; ++list) {
        Values& values = list == 0 ? m.message_values : m.object_values;
        for (;;) {
            if (over_cap(pos + 2)) return malformed("message exceeds the size limit");
            if (in.size() - pos < 2) return d;
            std::size_t nlen = get_u16(in, pos);
            pos += 2;
            if (nlen == 0) break;
            if (values.size() >= limits.max_values)
                return malformed("more than " + std::to_string(limits.max_values) + " values");
            if (nlen > limits.max_name_bytes)
                return malformed("value name of " + std::to_string(nlen) + " bytes");
            if (over_cap(pos + nlen + 4)) return malformed("message exceeds the size limit");
            if (in.size() - pos < nlen + 4) return d;
            Value v;
            v.name.assign(in.substr(pos, nlen));
            pos += nlen;
            std::size_t vlen = get_u32(in, pos);
            pos += 4;
            if (vlen > limits.max_value_bytes)
                return malformed("value '" + v.name.substr(0, 64) + "' of " + std::to_string(vlen) + " bytes");
            if (over_cap(pos + vlen)) return malformed("message exceeds the size limit");
            if (in.size() - pos < vlen) return d;
            v.data.assign(in.substr(pos, vlen));
            pos += vlen;
            values.push_back(std::move(v));
        }
    }
    if (over_cap(pos + authlen)) return malformed("message exceeds the size limit");
    if (in.size() - pos < authlen) return d;
    m.signature.assign(in.substr(pos, authlen));
    pos += authlen;
    d.size = pos;
    d.status = DecodeStatus::complete;
    return d;
}

std::string_view signed_bytes(std::string_view encoded, std::size_t signature_length) {
    if (encoded.size() < header_size + signature_length) return {};
    return encoded.substr(4, encoded.size() - 4 - signature_length);
}

bool verify(std::string_view encoded, const Message& decoded, const Signer& signer) {
    if (decoded.signature.size() != signer.size()) return false;
    std::string_view covered = signed_bytes(encoded, decoded.signature.size());
    if (covered.empty()) return false;
    std::string expected = signer.sign(covered);
    return expected.size() == decoded.signature.size() &&
           CRYPTO_memcmp(expected.data(), decoded.signature.data(), expected.size()) == 0;
}

namespace {
std::size_t value_bytes(const Value& v) { return 2 + v.name.size() + 4 + v.data.size(); }
}  // namespace

std::optional<std::size_t> reply_size_bound(const Message& m, std::size_t assumed) {
    constexpr std::size_t frame = header_size + 2 + 2 + 64;  // header, two terminators, signature
    // result (16) and the longest message dhcpd sends (under 40 bytes), with room to spare
    constexpr std::size_t status = frame + 16 + (2 + 7 + 4 + 64);
    constexpr std::size_t ip = 2 + 10 + 4 + 16, hw = 2 + 16 + 4 + 20, type = 2 + 13 + 4 + 4;
    switch (m.op) {
    case Op::remove:
    case Op::update: return status;
    case Op::open: {
        const std::string* type_value = find(m.message_values, "type");
        if (!type_value || *type_value != "host") return std::nullopt;
        if (find_u32(m.message_values, "create").value_or(0) != 0) {
            // dhcpd sends the new object back: what was sent, less the statements.
            std::size_t echo = frame + type + ip;
            for (const auto& v : m.object_values)
                if (v.name != "statements") echo += value_bytes(v);
            return std::max(status, echo);
        }
        const std::string* name = find(m.object_values, "name");
        const std::string* cid = find(m.object_values, "dhcp-client-identifier");
        if (assumed == 0 && (!name || !cid)) return std::nullopt;
        std::size_t found = frame + ip + hw + type + (2 + 4 + 4 + (name ? name->size() : assumed)) +
                            (2 + 22 + 4 + (cid ? cid->size() : assumed));
        return std::max(status, found);
    }
    default: return std::nullopt;
    }
}

std::string result_text(std::uint32_t code) {
    switch (code) {
    case result::success: return "success";
    case result::nomemory: return "out of memory";
    case result::timedout: return "timed out";
    case result::exists: return "already exists";
    case result::notfound: return "not found";
    case result::unexpected_end: return "unexpected end of input";
    case result::failure: return "failure";
    case result::ioerror: return "I/O error";
    case result::notimplemented: return "not implemented";
    case result::nomore: return "no more";
    case result::unexpected: return "unexpected error";
    case result::hostunknown: return "host unknown";
    case result::versionmismatch: return "version mismatch";
    case result::protocolerror: return "protocol error";
    case result::invalidarg: return "invalid argument";
    case result::unchanged: return "unchanged";
    case result::multiple: return "more than one object matches";
    case result::keyconflict: return "key conflict";
    case result::badparse: return "parse error";
    case result::nokeys: return "no key specified";
    case result::key_unknown: return "key unknown";
    case result::invalidkey: return "invalid key";
    case result::unknownattribute: return "unknown attribute";
    }
    return "ISC result " + std::to_string(code);
}

}  // namespace xcatdhcp::control::omapi
