#include "xcatdhcp/net/mac.hpp"

namespace xcatdhcp::net {

namespace {
int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}
}  // namespace

std::optional<Mac> Mac::try_parse(std::string_view text) {
    // n octets take 3n-1 characters
    if (text.size() < 3 * min_octets - 1 || text.size() > 3 * max_octets - 1) return std::nullopt;
    if ((text.size() + 1) % 3 != 0) return std::nullopt;
    char separator = text[2];
    if (separator != ':' && separator != '-') return std::nullopt;
    Mac mac;
    for (std::size_t i = 0; i < text.size(); i += 3) {
        int high = hex_digit(text[i]);
        int low = hex_digit(text[i + 1]);
        if (high < 0 || low < 0) return std::nullopt;
        if (i + 2 < text.size() && text[i + 2] != separator) return std::nullopt;
        mac.bytes_[mac.size_++] = static_cast<std::uint8_t>(high * 16 + low);
    }
    return mac;
}

Mac Mac::parse(std::string_view text) {
    if (auto mac = try_parse(text)) return *mac;
    throw Error("not a MAC address (expected 6 to 20 two-digit hex octets separated by ':' or '-')",
                "mac", std::string(text));
}

std::string Mac::to_string() const {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(size_ * 3);
    for (std::size_t i = 0; i < size_; ++i) {
        if (i) out += ':';
        out += digits[bytes_[i] >> 4];
        out += digits[bytes_[i] & 15];
    }
    return out;
}

std::string Mac::hex() const {
    std::string s = to_string();
    std::erase(s, ':');
    return s;
}

MacListParse parse_mac_list(std::string_view value) {
    MacListParse result;
    while (true) {
        auto bar = value.find('|');
        std::string_view element = trim(value.substr(0, bar));
        if (!element.empty()) {
            auto bang = element.find('!');
            std::string_view mac_text = trim(element.substr(0, bang));
            std::string_view host =
                bang == std::string_view::npos ? std::string_view{} : trim(element.substr(bang + 1));
            if (mac_text.empty()) {
                // "!host" alone carries no MAC: xCAT skips empty MAC parts silently.
            } else if (auto mac = Mac::try_parse(mac_text)) {
                NicEntry nic{*mac, std::string(host), host == no_ip_hostname};
                if (nic.no_ip) nic.hostname.clear();
                result.nics.push_back(std::move(nic));
            } else {
                result.errors.emplace_back(
                    "not a MAC address (expected 6 to 20 two-digit hex octets separated by ':' or "
                    "'-'), element skipped",
                    "mac", std::string(element));
            }
        }
        if (bar == std::string_view::npos) break;
        value.remove_prefix(bar + 1);
    }
    return result;
}

}  // namespace xcatdhcp::net
