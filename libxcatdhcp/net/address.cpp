#include "xcatdhcp/net/address.hpp"

#include "xcatdhcp/error.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace xcatdhcp::net {

namespace {

std::optional<std::uint32_t> parse_v4(std::string_view text) {
    std::uint32_t value = 0;
    int parts = 0;
    std::size_t pos = 0;
    while (parts < 4) {
        std::size_t end = pos;
        while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
        std::size_t digits = end - pos;
        if (digits == 0 || digits > 3) return std::nullopt;
        if (digits > 1 && text[pos] == '0') return std::nullopt;  // "010" is octal to some tools
        unsigned octet = 0;
        std::from_chars(text.data() + pos, text.data() + end, octet);
        if (octet > 255) return std::nullopt;
        value = (value << 8) | octet;
        ++parts;
        pos = end;
        if (parts < 4) {
            if (pos >= text.size() || text[pos] != '.') return std::nullopt;
            ++pos;
        }
    }
    if (pos != text.size()) return std::nullopt;
    return value;
}

}  // namespace

IpAddress IpAddress::v4(std::uint32_t value) {
    IpAddress a;
    a.family_ = Family::v4;
    a.bytes_[0] = static_cast<std::uint8_t>(value >> 24);
    a.bytes_[1] = static_cast<std::uint8_t>(value >> 16);
    a.bytes_[2] = static_cast<std::uint8_t>(value >> 8);
    a.bytes_[3] = static_cast<std::uint8_t>(value);
    return a;
}

IpAddress IpAddress::v6(const std::array<std::uint8_t, 16>& bytes) {
    IpAddress a;
    a.family_ = Family::v6;
    a.bytes_ = bytes;
    return a;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    if (text.empty() || text.size() > 45) return std::nullopt;
    if (text.find(':') == std::string_view::npos) {
        auto v = parse_v4(text);
        if (!v) return std::nullopt;
        return IpAddress::v4(*v);
    }
    for (char c : text) {  // inet_pton would stop at an embedded NUL
        bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
                  c == ':' || c == '.';
        if (!ok) return std::nullopt;
    }
    std::string copy(text);
    std::array<std::uint8_t, 16> bytes{};
    if (inet_pton(AF_INET6, copy.c_str(), bytes.data()) != 1) return std::nullopt;
    return IpAddress::v6(bytes);
}

IpAddress IpAddress::parse_or_throw(std::string_view text, std::string_view attribute) {
    if (auto a = parse(text)) return *a;
    throw Error("not an IPv4 or IPv6 address", std::string(attribute), std::string(text));
}

std::uint32_t IpAddress::v4_value() const {
    return (std::uint32_t{bytes_[0]} << 24) | (std::uint32_t{bytes_[1]} << 16) |
           (std::uint32_t{bytes_[2]} << 8) | std::uint32_t{bytes_[3]};
}

std::string IpAddress::to_string() const {
    char buf[INET6_ADDRSTRLEN];
    if (is_v4()) {
        inet_ntop(AF_INET, bytes_.data(), buf, sizeof buf);
    } else {
        inet_ntop(AF_INET6, bytes_.data(), buf, sizeof buf);
    }
    return buf;
}

IpAddress IpAddress::next() const {
    IpAddress a = *this;
    int last = is_v4() ? 3 : 15;
    for (int i = last; i >= 0; --i) {
        if (++a.bytes_[i] != 0) break;
    }
    return a;
}

namespace {
IpAddress masked(const IpAddress& address, int length, bool set_host_bits) {
    auto bytes = address.bytes();
    int width = address.bit_width();
    for (int bit = length; bit < width; ++bit) {
        auto& byte = bytes[bit / 8];
        std::uint8_t m = static_cast<std::uint8_t>(0x80u >> (bit % 8));
        if (set_host_bits) byte |= m;
        else byte &= static_cast<std::uint8_t>(~m);
    }
    if (address.is_v4()) {
        return IpAddress::v4((std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
                             (std::uint32_t{bytes[2]} << 8) | bytes[3]);
    }
    return IpAddress::v6(bytes);
}

std::optional<int> parse_length(std::string_view text, int max) {
    if (text.empty() || text.size() > 3) return std::nullopt;
    int value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || ptr != text.data() + text.size() || value < 0 || value > max)
        return std::nullopt;
    return value;
}
}  // namespace

Prefix::Prefix(IpAddress address, int length)
    : network_(masked(address, length, false)), length_(length) {}

std::optional<Prefix> Prefix::parse(std::string_view text) {
    auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    auto address = IpAddress::parse(text.substr(0, slash));
    if (!address) return std::nullopt;
    auto length = parse_length(text.substr(slash + 1), address->bit_width());
    if (!length) return std::nullopt;
    return Prefix(*address, *length);
}

Prefix Prefix::parse_or_throw(std::string_view text, std::string_view attribute) {
    if (auto p = parse(text)) return *p;
    throw Error("not a prefix (expected address/length)", std::string(attribute),
                std::string(text));
}

std::optional<int> Prefix::mask_length(const IpAddress& mask) {
    if (!mask.is_v4()) return std::nullopt;
    std::uint32_t m = mask.v4_value();
    std::uint32_t inverted = ~m;
    if ((inverted & (inverted + 1)) != 0) return std::nullopt;  // ones must be contiguous
    int length = 0;
    while (m & 0x80000000u) {
        ++length;
        m <<= 1;
    }
    return length;
}

Prefix Prefix::from_net_and_mask(std::string_view net, std::string_view mask) {
    // xCAT's makenetworks stores IPv6 as net "fd00:10::/64" with mask "/64".
    if (net.find('/') != std::string_view::npos) {
        auto prefix = Prefix::parse(net);
        if (!prefix) throw Error("not a network prefix", "net", std::string(net));
        return *prefix;
    }
    if (!mask.empty() && mask.front() == '/') mask.remove_prefix(1);
    auto address = IpAddress::parse(net);
    if (!address) throw Error("not an IP address", "net", std::string(net));
    if (address->is_v6()) {
        // xCAT IPv6 networks carry the length in net ("fd00::/64") or as a bare number in mask.
        if (auto length = parse_length(mask, 128)) return Prefix(*address, *length);
        throw Error("an IPv6 network needs a prefix length (net a::/len or mask LEN)", "mask",
                    std::string(mask));
    }
    if (auto length = parse_length(mask, 32)) return Prefix(*address, *length);
    auto mask_address = IpAddress::parse(mask);
    if (!mask_address || !mask_address->is_v4())
        throw Error("not a dotted IPv4 netmask", "mask", std::string(mask));
    auto length = mask_length(*mask_address);
    if (!length) throw Error("netmask is not contiguous", "mask", std::string(mask));
    return Prefix(*address, *length);
}

IpAddress Prefix::mask() const {
    if (!network_.is_v4()) throw Error("a dotted mask exists only for IPv4", "prefix", to_string());
    std::uint32_t m = length_ == 0 ? 0 : ~std::uint32_t{0} << (32 - length_);
    return IpAddress::v4(m);
}

IpAddress Prefix::last() const { return masked(network_, length_, true); }

bool Prefix::contains(const IpAddress& address) const {
    if (address.family() != network_.family()) return false;
    return masked(address, length_, false) == network_;
}

bool Prefix::contains(const Prefix& other) const {
    return other.family() == family() && other.length_ >= length_ && contains(other.network_);
}

std::string Prefix::to_string() const {
    return network_.to_string() + "/" + std::to_string(length_);
}

std::optional<HostAddress> HostAddress::parse(std::string_view text) {
    auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    auto address = IpAddress::parse(text.substr(0, slash));
    if (!address) return std::nullopt;
    auto length = parse_length(text.substr(slash + 1), address->bit_width());
    if (!length) return std::nullopt;
    return HostAddress{*address, *length};
}

std::string HostAddress::to_string() const {
    return address.to_string() + "/" + std::to_string(prefix_length);
}

}  // namespace xcatdhcp::net
