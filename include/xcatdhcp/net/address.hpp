// IPv4/IPv6 addresses and prefixes, parsed once at the boundary.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xcatdhcp::net {

enum class Family : std::uint8_t { v4 = 4, v6 = 6 };

class IpAddress {
public:
    IpAddress() = default;  // 0.0.0.0

    static IpAddress v4(std::uint32_t host_order_value);
    static IpAddress v6(const std::array<std::uint8_t, 16>& bytes);

    // Strict forms: dotted quad (no leading zeros beyond "0", no missing parts) or RFC 4291 text.
    static std::optional<IpAddress> parse(std::string_view text);
    // As parse(), but throws Error naming `attribute` and the value.
    static IpAddress parse_or_throw(std::string_view text, std::string_view attribute);

    Family family() const { return family_; }
    bool is_v4() const { return family_ == Family::v4; }
    bool is_v6() const { return family_ == Family::v6; }
    std::uint32_t v4_value() const;               // host byte order; only for v4
    const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }  // v4 in bytes 0..3
    int bit_width() const { return is_v4() ? 32 : 128; }

    std::string to_string() const;

    // The following address (wraps around at the top of the space).
    IpAddress next() const;

    auto operator<=>(const IpAddress&) const = default;

private:
    Family family_ = Family::v4;
    std::array<std::uint8_t, 16> bytes_{};
};

class Prefix {
public:
    Prefix() = default;
    // Host bits are cleared: Prefix(10.1.2.3, 16) is 10.1.0.0/16.
    Prefix(IpAddress address, int length);

    // "a.b.c.d/len" or "x::/len".
    static std::optional<Prefix> parse(std::string_view text);
    static Prefix parse_or_throw(std::string_view text, std::string_view attribute);
    // xCAT's networks.net + networks.mask (dotted). A non-contiguous mask is an Error.
    static Prefix from_net_and_mask(std::string_view net, std::string_view mask);
    // Length of a dotted IPv4 mask, or nullopt when the mask is not contiguous.
    static std::optional<int> mask_length(const IpAddress& mask);

    const IpAddress& network() const { return network_; }
    int length() const { return length_; }
    Family family() const { return network_.family(); }
    IpAddress mask() const;        // IPv4 only: dotted mask
    IpAddress last() const;        // broadcast (v4) / last address
    bool contains(const IpAddress& address) const;
    bool contains(const Prefix& other) const;

    std::string to_string() const;  // "10.0.0.0/16"

    auto operator<=>(const Prefix&) const = default;

private:
    IpAddress network_;
    int length_ = 0;
};

// An address configured on an interface, with its prefix length (host bits kept).
struct HostAddress {
    IpAddress address;
    int prefix_length = 0;

    Prefix network() const { return Prefix(address, prefix_length); }
    static std::optional<HostAddress> parse(std::string_view text);  // "10.0.0.1/16"
    std::string to_string() const;
    auto operator<=>(const HostAddress&) const = default;
};

}  // namespace xcatdhcp::net
