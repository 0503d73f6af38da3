#include "xcatdhcp/probe/options.hpp"

#include "probe/bytes.hpp"
#include "xcatdhcp/error.hpp"
#include "xcatdhcp/net/address.hpp"
#include "xcatdhcp/probe/dhcp4_packet.hpp"
#include "xcatdhcp/probe/dhcp6_packet.hpp"

#include <array>
#include <cstdio>
#include <map>

namespace xcatdhcp::probe {

namespace {

using detail::get16;
using detail::get32;
using Span = std::span<const std::uint8_t>;
using Kind = DecodedOption::Kind;

enum class Type {
    hex, ip, ip_list, u8, u16, u32, i32, text, message_type, code_list, client_id, arch, ndi, uuid,
    domain_search, routes, sub, fqdn,
    // DHCPv6
    duid, ia_na, ia_ta, ia_addr, ia_pd, ia_prefix, code16_list, status, flag, length_strings,
    vendor_class6, vendor_opts6, ip6_list, domain_list, fqdn6, ntp6, arch_list6, nii,
};

struct Info {
    const char* name;
    Type type;
};

const std::map<std::uint8_t, Info>& table4() {
    static const std::map<std::uint8_t, Info> t = {
        {1, {"subnet-mask", Type::ip}},
        {2, {"time-offset", Type::i32}},
        {3, {"routers", Type::ip_list}},
        {4, {"time-servers", Type::ip_list}},
        {5, {"ien116-name-servers", Type::ip_list}},
        {6, {"domain-name-servers", Type::ip_list}},
        {7, {"log-servers", Type::ip_list}},
        {9, {"lpr-servers", Type::ip_list}},
        {12, {"host-name", Type::text}},
        {13, {"boot-size", Type::u16}},
        {15, {"domain-name", Type::text}},
        {16, {"swap-server", Type::ip}},
        {17, {"root-path", Type::text}},
        {18, {"extensions-path", Type::text}},
        {19, {"ip-forwarding", Type::u8}},
        {23, {"default-ip-ttl", Type::u8}},
        {26, {"interface-mtu", Type::u16}},
        {28, {"broadcast-address", Type::ip}},
        {40, {"nis-domain", Type::text}},
        {41, {"nis-servers", Type::ip_list}},
        {42, {"ntp-servers", Type::ip_list}},
        {43, {"vendor-encapsulated-options", Type::sub}},
        {44, {"netbios-name-servers", Type::ip_list}},
        {50, {"dhcp-requested-address", Type::ip}},
        {51, {"dhcp-lease-time", Type::u32}},
        {52, {"dhcp-option-overload", Type::u8}},
        {53, {"dhcp-message-type", Type::message_type}},
        {54, {"dhcp-server-identifier", Type::ip}},
        {55, {"dhcp-parameter-request-list", Type::code_list}},
        {56, {"dhcp-message", Type::text}},
        {57, {"dhcp-max-message-size", Type::u16}},
        {58, {"dhcp-renewal-time", Type::u32}},
        {59, {"dhcp-rebinding-time", Type::u32}},
        {60, {"vendor-class-identifier", Type::text}},
        {61, {"dhcp-client-identifier", Type::client_id}},
        {66, {"tftp-server-name", Type::text}},
        {67, {"bootfile-name", Type::text}},
        {77, {"user-class", Type::text}},
        {81, {"fqdn", Type::fqdn}},
        {82, {"relay-agent-information", Type::sub}},
        {93, {"client-architecture", Type::arch}},
        {94, {"client-ndi", Type::ndi}},
        {97, {"client-uuid", Type::uuid}},
        {100, {"pcode", Type::text}},
        {101, {"tcode", Type::text}},
        {114, {"default-url", Type::text}},
        {118, {"subnet-selection", Type::ip}},
        {119, {"domain-search", Type::domain_search}},
        {121, {"classless-static-routes", Type::routes}},
        {125, {"vivso", Type::hex}},
        {150, {"tftp-server-address", Type::ip_list}},
        {175, {"ipxe-encap-opts", Type::sub}},
        {203, {"iscsi-initiator-iqn", Type::text}},
        {209, {"pxelinux-configfile", Type::text}},
        {210, {"pxelinux-pathprefix", Type::text}},
        {211, {"pxelinux-reboottime", Type::u32}},
        {239, {"cumulus-provision-url", Type::text}},
        {252, {"wpad-url", Type::text}},
    };
    return t;
}

const std::map<std::uint16_t, Info>& table6() {
    static const std::map<std::uint16_t, Info> t = {
        {1, {"client-id", Type::duid}},
        {2, {"server-id", Type::duid}},
        {3, {"ia-na", Type::ia_na}},
        {4, {"ia-ta", Type::ia_ta}},
        {5, {"iaaddr", Type::ia_addr}},
        {6, {"oro", Type::code16_list}},
        {7, {"preference", Type::u8}},
        {8, {"elapsed-time", Type::u16}},
        {13, {"status-code", Type::status}},
        {14, {"rapid-commit", Type::flag}},
        {15, {"user-class", Type::length_strings}},
        {16, {"vendor-class", Type::vendor_class6}},
        {17, {"vendor-opts", Type::vendor_opts6}},
        {21, {"sip-server-domain-list", Type::domain_list}},
        {22, {"sip-server-addresses", Type::ip6_list}},
        {23, {"dns-servers", Type::ip6_list}},
        {24, {"domain-search", Type::domain_list}},
        {25, {"ia-pd", Type::ia_pd}},
        {26, {"iaprefix", Type::ia_prefix}},
        {31, {"sntp-servers", Type::ip6_list}},
        {32, {"information-refresh-time", Type::u32}},
        {39, {"client-fqdn", Type::fqdn6}},
        {56, {"ntp-server", Type::ntp6}},
        {59, {"bootfile-url", Type::text}},
        {60, {"bootfile-param", Type::length_strings}},
        {61, {"client-arch-type", Type::arch_list6}},
        {62, {"nii", Type::nii}},
        {82, {"sol-max-rt", Type::u32}},
    };
    return t;
}

// Sub-option names by enclosing option (43: xCAT's ISAN space; 175: iPXE; 82: relay agent).
std::string suboption_name(std::uint16_t parent, std::uint8_t code) {
    static const std::map<std::uint8_t, const char*> ipxe = {
        {1, "priority"},          {8, "keep-san"},          {9, "skip-san-boot"},
        {176, "no-pxedhcp"},      {177, "bus-id"},          {189, "bios-drive"},
        {190, "username"},        {191, "password"},        {192, "reverse-username"},
        {193, "reverse-password"}, {235, "version"},
    };
    static const std::map<std::uint8_t, const char*> isan = {{201, "isan.root-path"}, {203, "isan.iqn"}};
    static const std::map<std::uint8_t, const char*> relay = {{1, "circuit-id"}, {2, "remote-id"}};
    const std::map<std::uint8_t, const char*>* names = parent == 175 ? &ipxe : parent == 43 ? &isan
                                                      : parent == 82 ? &relay : nullptr;
    if (!names) return "";
    auto it = names->find(code);
    return it == names->end() ? "" : it->second;
}

struct Undecodable {
    std::string why;
};

bool printable(Span data) {
    for (auto c : data)
        if (c < 0x20 || c > 0x7e) return false;
    return true;
}

// Text without trailing NULs (some servers NUL-terminate strings); Undecodable if not printable.
std::string text_of(Span data) {
    std::size_t n = data.size();
    while (n > 0 && data[n - 1] == 0) --n;
    auto body = data.first(n);
    if (!printable(body)) throw Undecodable{"not printable text"};
    return std::string(body.begin(), body.end());
}

void need_size(Span data, std::size_t size) {
    if (data.size() != size)
        throw Undecodable{"expected " + std::to_string(size) + " byte" + (size == 1 ? "" : "s") + ", got " +
                          std::to_string(data.size())};
}

void need_multiple(Span data, std::size_t unit) {
    if (data.empty() || data.size() % unit)
        throw Undecodable{"expected a non-empty multiple of " + std::to_string(unit) + " bytes, got " +
                          std::to_string(data.size())};
}

std::string ip4(Span data, std::size_t at) { return net::IpAddress::v4(get32(data, at)).to_string(); }
std::string ip6(Span data, std::size_t at) {
    std::array<std::uint8_t, 16> b{};
    std::copy(data.begin() + static_cast<std::ptrdiff_t>(at), data.begin() + static_cast<std::ptrdiff_t>(at + 16),
              b.begin());
    return net::IpAddress::v6(b).to_string();
}

std::string hex4(std::uint16_t v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%04x", v);
    return buf;
}

std::string join(const std::vector<std::string>& items, const char* sep) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
    return out;
}

void set_list(DecodedOption& d, std::vector<std::string> items, const char* sep = ", ") {
    d.kind = Kind::list;
    d.text = join(items, sep);
    d.items = std::move(items);
}

void set_number(DecodedOption& d, std::int64_t n) {
    d.kind = Kind::number;
    d.number = n;
    d.text = std::to_string(n);
}

void set_text(DecodedOption& d, std::string text, Kind kind = Kind::text) {
    d.kind = kind;
    d.text = std::move(text);
}

// One-byte code, one-byte length sub-options (43, 82, 175); PAD and END tolerated.
std::vector<DecodedOption> decode_tlv8(std::uint16_t parent, Span data) {
    std::vector<DecodedOption> out;
    std::size_t i = 0;
    while (i < data.size()) {
        std::uint8_t code = data[i];
        if (code == 0) {
            ++i;
            continue;
        }
        if (code == 255) break;
        if (i + 1 >= data.size())
            throw Undecodable{"sub-option " + std::to_string(code) + " has no length byte"};
        std::size_t length = data[i + 1];
        if (i + 2 + length > data.size())
            throw Undecodable{"sub-option " + std::to_string(code) + " says " + std::to_string(length) +
                              " bytes, but only " + std::to_string(data.size() - i - 2) + " remain"};
        auto value = data.subspan(i + 2, length);
        DecodedOption s;
        s.code = code;
        s.name = suboption_name(parent, code);
        s.hex = to_hex(value);
        if (length == 1) set_number(s, value[0]);
        else if (length > 0 && printable(value)) set_text(s, std::string(value.begin(), value.end()));
        else set_text(s, s.hex, Kind::hex);
        out.push_back(std::move(s));
        i += 2 + length;
    }
    return out;
}

std::vector<std::string> routes(Span data) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < data.size()) {
        int width = data[i++];
        if (width > 32) throw Undecodable{"route prefix length " + std::to_string(width) + " is over 32"};
        std::size_t octets = static_cast<std::size_t>((width + 7) / 8);
        if (i + octets + 4 > data.size()) throw Undecodable{"route runs past the end of the option"};
        std::uint32_t net = 0;
        for (std::size_t k = 0; k < 4; ++k) net = (net << 8) | (k < octets ? data[i + k] : 0);
        i += octets;
        out.push_back(net::IpAddress::v4(net).to_string() + "/" + std::to_string(width) + " via " + ip4(data, i));
        i += 4;
    }
    return out;
}

// IPv6 sequences of 2-byte-length strings (user class 15, bootfile-param 60, vendor class data).
std::vector<std::string> length_strings(Span data) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < data.size()) {
        if (i + 2 > data.size()) throw Undecodable{"string length runs past the end"};
        std::size_t n = get16(data, i);
        i += 2;
        if (i + n > data.size()) throw Undecodable{"string of " + std::to_string(n) + " bytes runs past the end"};
        auto s = data.subspan(i, n);
        out.push_back(printable(s) ? std::string(s.begin(), s.end()) : "0x" + to_hex(s));
        i += n;
    }
    return out;
}

std::string wire_name(Span data) {
    std::vector<std::string> names;
    try {
        names = decode_domain_names(data, false);
    } catch (const Error& e) {
        throw Undecodable{e.message()};
    }
    if (names.size() != 1) throw Undecodable{"expected one domain name"};
    return names[0];
}

void decode_typed(DecodedOption& d, Type type, Span data, bool v6);

std::vector<DecodedOption> decode_options6(Span data) {
    std::vector<DecodedOption> out;
    try {
        for (const auto& o : parse_dhcp6_options(data, "sub-options"))
            out.push_back(decode_option6(o.code, o.data));
    } catch (const Error& e) {
        throw Undecodable{e.message()};
    }
    return out;
}

void decode_typed(DecodedOption& d, Type type, Span data, bool v6) {
    switch (type) {
    case Type::hex: throw Undecodable{""};
    case Type::ip:
        need_size(data, 4);
        set_text(d, ip4(data, 0), Kind::address);
        return;
    case Type::ip_list: {
        need_multiple(data, 4);
        std::vector<std::string> items;
        for (std::size_t i = 0; i < data.size(); i += 4) items.push_back(ip4(data, i));
        set_list(d, std::move(items));
        return;
    }
    case Type::ip6_list: {
        need_multiple(data, 16);
        std::vector<std::string> items;
        for (std::size_t i = 0; i < data.size(); i += 16) items.push_back(ip6(data, i));
        set_list(d, std::move(items));
        return;
    }
    case Type::u8:
        need_size(data, 1);
        set_number(d, data[0]);
        return;
    case Type::u16:
        need_size(data, 2);
        set_number(d, get16(data, 0));
        return;
    case Type::u32:
        need_size(data, 4);
        set_number(d, get32(data, 0));
        return;
    case Type::i32:
        need_size(data, 4);
        set_number(d, static_cast<std::int32_t>(get32(data, 0)));
        return;
    case Type::text:
        if (data.empty()) throw Undecodable{"empty value"};
        set_text(d, text_of(data));
        return;
    case Type::message_type:
        need_size(data, 1);
        set_text(d, v6 ? to_string(static_cast<Dhcp6MessageType>(data[0]))
                       : to_string(static_cast<Dhcp4MessageType>(data[0])));
        return;
    case Type::code_list: {
        if (data.empty()) throw Undecodable{"empty list"};
        std::vector<std::string> items;
        for (auto c : data) items.push_back(std::to_string(c));
        set_list(d, std::move(items), ",");
        return;
    }
    case Type::code16_list: {
        if (data.size() % 2) throw Undecodable{"odd length for a list of 16-bit codes"};
        std::vector<std::string> items;
        for (std::size_t i = 0; i < data.size(); i += 2) items.push_back(std::to_string(get16(data, i)));
        set_list(d, std::move(items), ",");
        return;
    }
    case Type::client_id:
        if (data.size() < 2) throw Undecodable{"a client identifier has a type byte and at least one byte"};
        set_text(d, to_hex_colon(data));
        return;
    case Type::arch:
    case Type::arch_list6: {
        need_multiple(data, 2);
        std::vector<std::string> items;
        for (std::size_t i = 0; i < data.size(); i += 2) items.push_back(hex4(get16(data, i)));
        if (items.size() == 1) set_text(d, items[0]);
        else set_list(d, std::move(items));
        return;
    }
    case Type::ndi:
    case Type::nii:
        need_size(data, 3);
        set_text(d, "type " + std::to_string(data[0]) + " version " + std::to_string(data[1]) + "." +
                        std::to_string(data[2]));
        return;
    case Type::uuid: {
        need_size(data, 17);
        std::string h = to_hex(data.subspan(1));
        set_text(d, "type " + std::to_string(data[0]) + " " + h.substr(0, 8) + "-" + h.substr(8, 4) + "-" +
                        h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20));
        return;
    }
    case Type::domain_search:
    case Type::domain_list:
        try {
            set_list(d, decode_domain_names(data, type == Type::domain_search));
        } catch (const Error& e) {
            throw Undecodable{e.message()};
        }
        return;
    case Type::routes: set_list(d, routes(data)); return;
    case Type::sub: {
        d.suboptions = decode_tlv8(d.code, data);
        std::vector<std::string> parts;
        for (const auto& s : d.suboptions) parts.push_back(std::to_string(s.code) + "=" + s.text);
        set_text(d, join(parts, " "), Kind::suboptions);
        return;
    }
    case Type::fqdn: {
        if (data.size() < 3) throw Undecodable{"expected flags, two rcodes and a name"};
        auto name = data.subspan(3);
        std::string text = (data[0] & 0x04) ? (name.empty() ? "" : wire_name(name)) : text_of(name);
        char flags[8];
        std::snprintf(flags, sizeof flags, "0x%02x", data[0]);
        set_text(d, std::string("flags ") + flags + " " + text);
        return;
    }
    case Type::fqdn6: {
        if (data.empty()) throw Undecodable{"expected flags and a name"};
        auto name = data.subspan(1);
        char flags[8];
        std::snprintf(flags, sizeof flags, "0x%02x", data[0]);
        set_text(d, std::string("flags ") + flags + (name.empty() ? "" : " " + wire_name(name)));
        return;
    }
    case Type::duid:
        if (data.size() < 2) throw Undecodable{"a DUID has a 2-byte type and at least one byte"};
        set_text(d, describe_duid(data));
        return;
    case Type::ia_na:
    case Type::ia_pd: {
        if (data.size() < 12) throw Undecodable{"expected IAID, T1, T2 (12 bytes), got " + std::to_string(data.size())};
        d.suboptions = decode_options6(data.subspan(12));
        set_text(d, "IAID " + std::to_string(get32(data, 0)) + " T1 " + std::to_string(get32(data, 4)) + " T2 " +
                        std::to_string(get32(data, 8)),
                 Kind::suboptions);
        for (const auto& s : d.suboptions) d.text += "; " + s.name + " " + s.text;
        return;
    }
    case Type::ia_ta: {
        if (data.size() < 4) throw Undecodable{"expected an IAID (4 bytes)"};
        d.suboptions = decode_options6(data.subspan(4));
        set_text(d, "IAID " + std::to_string(get32(data, 0)), Kind::suboptions);
        for (const auto& s : d.suboptions) d.text += "; " + s.name + " " + s.text;
        return;
    }
    case Type::ia_addr: {
        if (data.size() < 24) throw Undecodable{"expected an address and two lifetimes (24 bytes), got " +
                                                std::to_string(data.size())};
        d.suboptions = decode_options6(data.subspan(24));
        set_text(d, ip6(data, 0) + " preferred " + std::to_string(get32(data, 16)) + " valid " +
                        std::to_string(get32(data, 20)),
                 Kind::address);
        for (const auto& s : d.suboptions) d.text += "; " + s.name + " " + s.text;
        return;
    }
    case Type::ia_prefix: {
        if (data.size() < 25) throw Undecodable{"expected lifetimes, length and prefix (25 bytes)"};
        d.suboptions = decode_options6(data.subspan(25));
        set_text(d, ip6(data, 9) + "/" + std::to_string(data[8]) + " preferred " + std::to_string(get32(data, 0)) +
                        " valid " + std::to_string(get32(data, 4)),
                 Kind::address);
        return;
    }
    case Type::status: {
        if (data.size() < 2) throw Undecodable{"expected a 2-byte status code"};
        auto message = data.subspan(2);
        std::string text = dhcp6_status_name(get16(data, 0));
        if (!message.empty()) text += ": " + (printable(message) ? std::string(message.begin(), message.end())
                                                                 : "0x" + to_hex(message));
        set_text(d, text);
        return;
    }
    case Type::flag:
        if (!data.empty()) throw Undecodable{"expected no value"};
        set_text(d, "", Kind::flag);
        return;
    case Type::length_strings: set_list(d, length_strings(data)); return;
    case Type::vendor_class6: {
        if (data.size() < 4) throw Undecodable{"expected a 4-byte enterprise number"};
        auto items = length_strings(data.subspan(4));
        d.items = items;
        set_text(d, "enterprise " + std::to_string(get32(data, 0)) + ": " + join(items, ", "), Kind::list);
        return;
    }
    case Type::vendor_opts6: {
        if (data.size() < 4) throw Undecodable{"expected a 4-byte enterprise number"};
        std::vector<DecodedOption> subs;
        try {
            for (const auto& o : parse_dhcp6_options(data.subspan(4), "vendor sub-options")) {
                DecodedOption s;
                s.code = o.code;
                s.hex = to_hex(o.data);
                if (!o.data.empty() && printable(o.data)) set_text(s, std::string(o.data.begin(), o.data.end()));
                else set_text(s, s.hex, Kind::hex);
                subs.push_back(std::move(s));
            }
        } catch (const Error& e) {
            throw Undecodable{e.message()};
        }
        d.suboptions = std::move(subs);
        std::string text = "enterprise " + std::to_string(get32(data, 0));
        for (const auto& s : d.suboptions) text += " " + std::to_string(s.code) + "=" + s.text;
        set_text(d, text, Kind::suboptions);
        return;
    }
    case Type::ntp6: {
        std::vector<std::string> items;
        try {
            for (const auto& o : parse_dhcp6_options(data, "NTP sub-options")) {
                if ((o.code == 1 || o.code == 2) && o.data.size() == 16) items.push_back(ip6(o.data, 0));
                else if (o.code == 3) items.push_back(wire_name(o.data));
                else items.push_back("sub-option " + std::to_string(o.code) + " 0x" + to_hex(o.data));
            }
        } catch (const Error& e) {
            throw Undecodable{e.message()};
        }
        set_list(d, std::move(items));
        return;
    }
    }
}

DecodedOption decode_with(std::uint16_t code, const Info* info, Span data, bool v6) {
    DecodedOption d;
    d.code = code;
    d.hex = to_hex(data);
    if (info) d.name = info->name;
    try {
        if (!info) throw Undecodable{""};
        decode_typed(d, info->type, data, v6);
    } catch (const Undecodable& u) {
        d.kind = Kind::hex;
        d.text = d.hex;
        d.items.clear();
        d.suboptions.clear();
        d.number = 0;
        d.error = u.why;
    }
    return d;
}

}  // namespace

std::string option4_name(std::uint8_t code) {
    auto it = table4().find(code);
    return it == table4().end() ? "" : it->second.name;
}

std::string option6_name(std::uint16_t code) {
    auto it = table6().find(code);
    return it == table6().end() ? "" : it->second.name;
}

DecodedOption decode_option4(std::uint8_t code, std::span<const std::uint8_t> data) {
    auto it = table4().find(code);
    return decode_with(code, it == table4().end() ? nullptr : &it->second, data, false);
}

DecodedOption decode_option6(std::uint16_t code, std::span<const std::uint8_t> data) {
    auto it = table6().find(code);
    return decode_with(code, it == table6().end() ? nullptr : &it->second, data, true);
}

std::string describe_duid(std::span<const std::uint8_t> duid) {
    if (duid.size() < 2) return to_hex(duid);
    std::uint16_t type = get16(duid, 0);
    if (type == 1 && duid.size() >= 8)
        return "DUID-LLT hw " + std::to_string(get16(duid, 2)) + " time " + std::to_string(get32(duid, 4)) + " " +
               to_hex_colon(duid.subspan(8));
    if (type == 2 && duid.size() >= 6)
        return "DUID-EN enterprise " + std::to_string(get32(duid, 2)) + " " + to_hex(duid.subspan(6));
    if (type == 3 && duid.size() >= 4)
        return "DUID-LL hw " + std::to_string(get16(duid, 2)) + " " + to_hex_colon(duid.subspan(4));
    if (type == 4 && duid.size() == 18) {
        std::string h = to_hex(duid.subspan(2));
        return "DUID-UUID " + h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" +
               h.substr(16, 4) + "-" + h.substr(20);
    }
    return "DUID type " + std::to_string(type) + " " + to_hex(duid.subspan(2));
}

std::vector<std::string> decode_domain_names(std::span<const std::uint8_t> data, bool allow_compression) {
    std::vector<std::string> names;
    std::size_t pos = 0;
    while (pos < data.size()) {
        std::string name;
        std::size_t at = pos;        // where we read the next label
        std::size_t resume = 0;      // where the next name starts (after the first pointer)
        bool jumped = false;
        int jumps = 0;
        std::size_t total = 0;
        for (;;) {
            if (at >= data.size())
                throw Error("domain name at offset " + std::to_string(pos) + " runs past the end of the option");
            std::uint8_t length = data[at];
            if (length == 0) {
                if (!jumped) resume = at + 1;
                break;
            }
            if ((length & 0xc0) == 0xc0) {
                if (!allow_compression)
                    throw Error("compression pointer at offset " + std::to_string(at) + " where none is allowed");
                if (at + 1 >= data.size())
                    throw Error("compression pointer at offset " + std::to_string(at) + " is cut off");
                std::size_t target = static_cast<std::size_t>(((length & 0x3f) << 8) | data[at + 1]);
                if (target >= at || ++jumps > 64)
                    throw Error("compression pointer at offset " + std::to_string(at) +
                                " does not point backwards (loop)");
                if (!jumped) resume = at + 2;
                jumped = true;
                at = target;
                continue;
            }
            if (length & 0xc0)
                throw Error("label type 0x" + to_hex(data.subspan(at, 1)) + " at offset " + std::to_string(at) +
                            " is not supported");
            if (at + 1 + length > data.size())
                throw Error("label at offset " + std::to_string(at) + " says " + std::to_string(length) +
                            " bytes, but the option ends before");
            auto label = data.subspan(at + 1, length);
            if (!printable(label) ) throw Error("label at offset " + std::to_string(at) + " is not printable");
            total += length + 1;
            if (total > 255) throw Error("domain name at offset " + std::to_string(pos) + " is longer than 255 bytes");
            if (!name.empty()) name += '.';
            name.append(label.begin(), label.end());
            at += 1 + length;
        }
        names.push_back(name.empty() ? "." : name);
        pos = resume;
    }
    return names;
}

}  // namespace xcatdhcp::probe
