// Hardware addresses and xCAT's mac.mac attribute syntax.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xcatdhcp/error.hpp"

namespace xcatdhcp::net {

// 6 to 20 octets: Ethernet (6), IPoIB/OPA GUID forms (8, 9) and full IPoIB addresses (20).
class Mac {
public:
    static constexpr std::size_t min_octets = 6;
    static constexpr std::size_t max_octets = 20;

    // Two hex digits per octet, separated consistently by ':' or by '-'; any case.
    // Anything else throws an Error naming attribute "mac" and the value.
    static Mac parse(std::string_view text);
    static std::optional<Mac> try_parse(std::string_view text);

    std::size_t size() const { return size_; }
    const std::uint8_t* data() const { return bytes_.data(); }
    std::string to_string() const;  // lowercase, colon separated
    std::string hex() const;        // lowercase, no separators

    auto operator<=>(const Mac&) const = default;

private:
    std::array<std::uint8_t, max_octets> bytes_{};
    std::uint8_t size_ = 0;
};

// The reserved hostname that means "this MAC gets no address and must not boot".
inline constexpr std::string_view no_ip_hostname = "*NOIP*";

// One element of mac.mac: MAC, optional per-NIC hostname ("" = the node's own name).
struct NicEntry {
    Mac mac;
    std::string hostname;
    bool no_ip = false;  // hostname was *NOIP*

    bool operator==(const NicEntry&) const = default;
};

struct MacListParse {
    std::vector<NicEntry> nics;
    std::vector<Error> errors;  // one per bad element; the good ones are still returned
};

// xCAT mac.mac: '|'-separated elements, each "MAC" or "MAC!HOSTNAME"; empty elements skipped.
MacListParse parse_mac_list(std::string_view value);

}  // namespace xcatdhcp::net
