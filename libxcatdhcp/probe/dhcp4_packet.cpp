#include "xcatdhcp/probe/dhcp4_packet.hpp"

#include "probe/bytes.hpp"
#include "xcatdhcp/error.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>

namespace xcatdhcp::probe {

using detail::get32;
using detail::put16;
using detail::put32;

std::string to_string(Dhcp4MessageType type) {
    switch (type) {
    case Dhcp4MessageType::discover: return "DHCPDISCOVER";
    case Dhcp4MessageType::offer: return "DHCPOFFER";
    case Dhcp4MessageType::request: return "DHCPREQUEST";
    case Dhcp4MessageType::decline: return "DHCPDECLINE";
    case Dhcp4MessageType::ack: return "DHCPACK";
    case Dhcp4MessageType::nak: return "DHCPNAK";
    case Dhcp4MessageType::release: return "DHCPRELEASE";
    case Dhcp4MessageType::inform: return "DHCPINFORM";
    }
    return "DHCP message type " + std::to_string(static_cast<unsigned>(type));
}

const Dhcp4Option* Dhcp4Packet::find(std::uint8_t code) const {
    for (const auto& o : options)
        if (o.code == code) return &o;
    return nullptr;
}

void Dhcp4Packet::set(std::uint8_t code, Bytes data) {
    for (auto& o : options)
        if (o.code == code) {
            o.data = std::move(data);
            return;
        }
    options.push_back({code, std::move(data)});
}

std::optional<Dhcp4MessageType> Dhcp4Packet::message_type() const {
    const auto* o = find(opt4::message_type);
    if (!o || o->data.size() != 1) return std::nullopt;
    return static_cast<Dhcp4MessageType>(o->data[0]);
}

std::string Dhcp4Packet::client_hardware_address() const {
    std::size_t n = std::min<std::size_t>(hlen, chaddr.size());
    return to_hex_colon(std::span<const std::uint8_t>(chaddr.data(), n));
}

void Dhcp4Packet::set_client_hardware_address(const net::Mac& mac) {
    if (mac.size() > chaddr.size())
        throw Error("a hardware address of " + std::to_string(mac.size()) +
                        " octets does not fit the 16-octet chaddr field (send it as client id, option 61)",
                    "mac", mac.to_string());
    chaddr.fill(0);
    std::copy(mac.data(), mac.data() + mac.size(), chaddr.begin());
    hlen = static_cast<std::uint8_t>(mac.size());
    htype = 1;
}

namespace {

constexpr const char* what4 = "DHCPv4 packet";

void put_address(Bytes& out, const net::IpAddress& a) {
    if (!a.is_v4()) throw Error("DHCPv4 packet: an IPv6 address in an IPv4 header field", "address", a.to_string());
    put32(out, a.v4_value());
}

void put_field(Bytes& out, const std::string& value, std::size_t size, const char* name) {
    if (value.size() > size - 1)
        throw Error(std::string("DHCPv4 packet: the ") + name + " field holds at most " +
                        std::to_string(size - 1) + " characters",
                    name, value);
    out.insert(out.end(), value.begin(), value.end());
    out.insert(out.end(), size - value.size(), 0);
}

std::string field_text(std::span<const std::uint8_t> field) {
    auto nul = std::find(field.begin(), field.end(), 0);
    return std::string(field.begin(), nul);
}

// Options in one area (the options field, or file/sname when overloaded). Joins repeated codes
// (RFC 3396) into `joined`, keeping first-seen order in `order`.
struct OptionCollector {
    std::map<std::uint8_t, std::size_t> index;
    std::vector<Dhcp4Option> options;

    void add(std::uint8_t code, std::span<const std::uint8_t> data) {
        auto it = index.find(code);
        if (it == index.end()) {
            index.emplace(code, options.size());
            options.push_back({code, Bytes(data.begin(), data.end())});
        } else {
            auto& target = options[it->second].data;
            target.insert(target.end(), data.begin(), data.end());
        }
    }
};

void parse_area(std::span<const std::uint8_t> area, std::size_t base, const std::string& area_name,
                OptionCollector& collector, std::vector<std::string>& warnings, bool allow_overload,
                std::uint8_t& overload) {
    std::size_t i = 0;
    bool saw_end = false;
    while (i < area.size()) {
        std::uint8_t code = area[i];
        if (code == opt4::pad) {
            ++i;
            continue;
        }
        if (code == opt4::end) {
            saw_end = true;
            ++i;
            break;
        }
        std::size_t at = base + i;
        if (i + 1 >= area.size())
            throw Error(std::string(what4) + ": option " + std::to_string(code) + " at offset " +
                        std::to_string(at) + " has no length byte: the " + area_name +
                        " ends there (truncated)");
        std::size_t length = area[i + 1];
        if (i + 2 + length > area.size())
            throw Error(std::string(what4) + ": option " + std::to_string(code) + " at offset " +
                        std::to_string(at) + " says its value is " + std::to_string(length) +
                        " bytes, but only " + std::to_string(area.size() - i - 2) + " remain in the " +
                        area_name);
        auto value = area.subspan(i + 2, length);
        if (code == opt4::overload) {
            if (!allow_overload) {
                warnings.push_back("option 52 (overload) inside the " + area_name + " ignored");
            } else {
                if (length != 1 || value[0] < 1 || value[0] > 3)
                    throw Error(std::string(what4) + ": option 52 (overload) at offset " +
                                std::to_string(at) + " must be one byte 1, 2 or 3, not " +
                                (length == 1 ? std::to_string(value[0]) : std::to_string(length) + " bytes"));
                overload = value[0];
                collector.add(code, value);
            }
        } else {
            collector.add(code, value);
        }
        i += 2 + length;
    }
    if (!saw_end) {
        warnings.push_back("the " + area_name + " has no END option (255)");
        return;
    }
    std::size_t trailing = 0;
    for (; i < area.size(); ++i)
        if (area[i] != 0) ++trailing;
    if (trailing)
        warnings.push_back(std::to_string(trailing) + " non-zero byte" + (trailing == 1 ? "" : "s") +
                           " after END in the " + area_name + " ignored");
}

}  // namespace

Bytes encode(const Dhcp4Packet& p) {
    Bytes out;
    out.reserve(bootp_min_size);
    out.push_back(p.op);
    out.push_back(p.htype);
    out.push_back(p.hlen);
    out.push_back(p.hops);
    put32(out, p.xid);
    put16(out, p.secs);
    put16(out, p.flags);
    put_address(out, p.ciaddr);
    put_address(out, p.yiaddr);
    put_address(out, p.siaddr);
    put_address(out, p.giaddr);
    out.insert(out.end(), p.chaddr.begin(), p.chaddr.end());
    put_field(out, p.sname, 64, "sname");
    put_field(out, p.file, 128, "file");
    put32(out, dhcp4_magic_cookie);
    for (const auto& o : p.options) {
        if (o.code == opt4::pad || o.code == opt4::end)
            throw Error("DHCPv4 packet: option codes 0 (PAD) and 255 (END) carry no value", "option",
                        std::to_string(o.code));
        if (o.data.empty()) {
            out.push_back(o.code);
            out.push_back(0);
            continue;
        }
        for (std::size_t at = 0; at < o.data.size(); at += 255) {  // RFC 3396 split
            std::size_t n = std::min<std::size_t>(255, o.data.size() - at);
            out.push_back(o.code);
            out.push_back(static_cast<std::uint8_t>(n));
            out.insert(out.end(), o.data.begin() + static_cast<std::ptrdiff_t>(at),
                       o.data.begin() + static_cast<std::ptrdiff_t>(at + n));
        }
    }
    out.push_back(opt4::end);
    if (out.size() < bootp_min_size) out.resize(bootp_min_size, 0);
    if (out.size() > max_udp4_payload)
        throw Error("DHCPv4 packet: " + std::to_string(out.size()) +
                    " bytes is larger than the largest UDP datagram (" + std::to_string(max_udp4_payload) + ")");
    return out;
}

Dhcp4Packet parse_dhcp4(std::span<const std::uint8_t> b) {
    if (b.size() > max_udp4_payload)
        throw Error(std::string(what4) + ": " + std::to_string(b.size()) +
                    " bytes is larger than the largest UDP datagram (" + std::to_string(max_udp4_payload) +
                    "); refusing to decode it");
    if (b.size() < dhcp4_fixed_size)
        throw Error(std::string(what4) + ": " + std::to_string(b.size()) +
                    " bytes is shorter than the fixed BOOTP header (" + std::to_string(dhcp4_fixed_size) +
                    " bytes): truncated or not DHCP");
    if (b.size() < dhcp4_min_size)
        throw Error(std::string(what4) + ": " + std::to_string(b.size()) +
                    " bytes ends before the magic cookie at offset 236: a plain BOOTP packet, not DHCP");
    Dhcp4Packet p;
    p.op = b[0];
    p.htype = b[1];
    p.hlen = b[2];
    p.hops = b[3];
    p.xid = get32(b, 4);
    p.secs = detail::get16(b, 8);
    p.flags = detail::get16(b, 10);
    p.ciaddr = net::IpAddress::v4(get32(b, 12));
    p.yiaddr = net::IpAddress::v4(get32(b, 16));
    p.siaddr = net::IpAddress::v4(get32(b, 20));
    p.giaddr = net::IpAddress::v4(get32(b, 24));
    std::copy(b.begin() + 28, b.begin() + 44, p.chaddr.begin());
    if (p.hlen > 16)
        p.warnings.push_back("hlen " + std::to_string(p.hlen) + " is larger than the 16-byte chaddr field");
    std::uint32_t cookie = get32(b, 236);
    if (cookie != dhcp4_magic_cookie) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "0x%08x", cookie);
        throw Error(std::string(what4) + ": magic cookie at offset 236 is " + buf +
                    ", not 0x63825363: not a DHCP packet");
    }
    OptionCollector collector;
    std::uint8_t overload = 0;
    parse_area(b.subspan(dhcp4_min_size), dhcp4_min_size, "options field", collector, p.warnings, true,
               overload);
    auto sname = b.subspan(44, 64);
    auto file = b.subspan(108, 128);
    // RFC 2131 4.1: options field, then file, then sname.
    if (overload & 1) parse_area(file, 108, "file field (overloaded)", collector, p.warnings, false, overload);
    else p.file = field_text(file);
    if (overload & 2) parse_area(sname, 44, "sname field (overloaded)", collector, p.warnings, false, overload);
    else p.sname = field_text(sname);
    p.options = std::move(collector.options);
    return p;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (auto c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

std::string to_hex_colon(std::span<const std::uint8_t> bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i) out += ':';
        out += digits[bytes[i] >> 4];
        out += digits[bytes[i] & 15];
    }
    return out;
}

Bytes parse_hex(std::string_view text, std::string_view attribute) {
    std::string_view s = text;
    if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
    std::string digits;
    for (char c : s) {
        if (c == ':' || c == '-' || c == ' ' || c == '.') continue;
        if (!std::isxdigit(static_cast<unsigned char>(c)))
            throw Error("not hex: use digits 0-9 and a-f, optionally separated by ':'", std::string(attribute),
                        std::string(text));
        digits += c;
    }
    if (digits.size() % 2)
        throw Error("odd number of hex digits", std::string(attribute), std::string(text));
    Bytes out;
    for (std::size_t i = 0; i < digits.size(); i += 2)
        out.push_back(static_cast<std::uint8_t>(std::stoul(digits.substr(i, 2), nullptr, 16)));
    return out;
}

}  // namespace xcatdhcp::probe
