#include "xcatdhcp/version.hpp"

#include <cctype>
#include <charconv>

namespace xcatdhcp {

namespace {
// Parses "N[.N[.N]]" at the start of text; returns the consumed length via `used`.
std::optional<Version> parse_prefix(std::string_view text, std::size_t& used) {
    Version v;
    int* parts[] = {&v.major, &v.minor, &v.patch};
    std::size_t pos = 0;
    int count = 0;
    while (count < 3) {
        std::size_t end = pos;
        while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
        if (end == pos || end - pos > 6) break;
        std::from_chars(text.data() + pos, text.data() + end, *parts[count]);
        ++count;
        pos = end;
        if (count < 3 && pos + 1 < text.size() && text[pos] == '.' &&
            std::isdigit(static_cast<unsigned char>(text[pos + 1])))
            ++pos;
        else
            break;
    }
    if (count == 0) return std::nullopt;
    used = pos;
    return v;
}
}  // namespace

std::optional<Version> Version::find_in(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (!std::isdigit(static_cast<unsigned char>(text[i]))) continue;
        if (i > 0 && std::isdigit(static_cast<unsigned char>(text[i - 1]))) continue;
        std::size_t used = 0;
        auto v = parse_prefix(text.substr(i), used);
        // Require a dot so that "dhcp4" or "kea2" do not count as versions.
        if (v && text.substr(i, used).find('.') != std::string_view::npos) return v;
    }
    return std::nullopt;
}

std::optional<Version> Version::parse(std::string_view text) {
    std::size_t used = 0;
    auto v = parse_prefix(text, used);
    if (!v) return std::nullopt;
    if (used == text.size()) return v;
    if (text[used] == '-' && used + 1 < text.size()) return v;  // "2.7.4-rc1", "3.0.4-2"
    return std::nullopt;
}

std::string Version::to_string() const {
    return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

std::string_view library_version() { return XCATDHCP_VERSION; }

}  // namespace xcatdhcp
