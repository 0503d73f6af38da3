// Dotted version numbers (OS releases, Kea and dhcpd versions).
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace xcatdhcp {

struct Version {
    int major = 0;
    int minor = 0;
    int patch = 0;

    // The first "N[.N[.N]]" in the text: "2.2.0", "Kea 3.0.4-2", "isc-dhcpd-4.4.3-P1", "22.04".
    static std::optional<Version> find_in(std::string_view text);
    // The whole text must be "N[.N[.N]]" (an optional "-suffix" is allowed).
    static std::optional<Version> parse(std::string_view text);

    std::string to_string() const;
    auto operator<=>(const Version&) const = default;
};

// The library's own version.
std::string_view library_version();

}  // namespace xcatdhcp
