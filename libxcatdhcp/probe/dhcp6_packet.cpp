#include "xcatdhcp/probe/dhcp6_packet.hpp"

#include "probe/bytes.hpp"
#include "xcatdhcp/error.hpp"

#include <array>

namespace xcatdhcp::probe {

using detail::put16;
using detail::put32;
using detail::Reader;

std::string to_string(Dhcp6MessageType type) {
    switch (type) {
    case Dhcp6MessageType::solicit: return "SOLICIT";
    case Dhcp6MessageType::advertise: return "ADVERTISE";
    case Dhcp6MessageType::request: return "REQUEST";
    case Dhcp6MessageType::confirm: return "CONFIRM";
    case Dhcp6MessageType::renew: return "RENEW";
    case Dhcp6MessageType::rebind: return "REBIND";
    case Dhcp6MessageType::reply: return "REPLY";
    case Dhcp6MessageType::release: return "RELEASE";
    case Dhcp6MessageType::decline: return "DECLINE";
    case Dhcp6MessageType::reconfigure: return "RECONFIGURE";
    case Dhcp6MessageType::information_request: return "INFORMATION-REQUEST";
    case Dhcp6MessageType::relay_forw: return "RELAY-FORW";
    case Dhcp6MessageType::relay_repl: return "RELAY-REPL";
    }
    return "DHCPv6 message type " + std::to_string(static_cast<unsigned>(type));
}

const Dhcp6Option* Dhcp6Packet::find(std::uint16_t code) const {
    for (const auto& o : options)
        if (o.code == code) return &o;
    return nullptr;
}

void Dhcp6Packet::set(std::uint16_t code, Bytes data) {
    for (auto& o : options)
        if (o.code == code) {
            o.data = std::move(data);
            return;
        }
    options.push_back({code, std::move(data)});
}

Bytes encode_dhcp6_options(const std::vector<Dhcp6Option>& options) {
    Bytes out;
    for (const auto& o : options) {
        if (o.data.size() > 0xffff)
            throw Error("DHCPv6 packet: option " + std::to_string(o.code) + " value of " +
                        std::to_string(o.data.size()) + " bytes is longer than 65535");
        put16(out, o.code);
        put16(out, static_cast<std::uint16_t>(o.data.size()));
        detail::put_bytes(out, o.data);
    }
    return out;
}

Bytes encode(const Dhcp6Packet& p) {
    if (p.transaction_id > 0xffffff)
        throw Error("DHCPv6 packet: the transaction id has 24 bits", "transaction-id",
                    std::to_string(p.transaction_id));
    Bytes out;
    out.push_back(p.msg_type);
    out.push_back(static_cast<std::uint8_t>(p.transaction_id >> 16));
    out.push_back(static_cast<std::uint8_t>(p.transaction_id >> 8));
    out.push_back(static_cast<std::uint8_t>(p.transaction_id));
    auto options = encode_dhcp6_options(p.options);
    out.insert(out.end(), options.begin(), options.end());
    if (out.size() > max_udp6_payload)
        throw Error("DHCPv6 packet: " + std::to_string(out.size()) +
                    " bytes is larger than the largest UDP datagram");
    return out;
}

std::vector<Dhcp6Option> parse_dhcp6_options(std::span<const std::uint8_t> data, const std::string& what,
                                             std::size_t base) {
    std::vector<Dhcp6Option> out;
    Reader r(data, what, base);
    while (!r.done()) {
        std::size_t at = r.absolute_offset();
        if (r.left() < 4)
            throw Error(what + ": option header at offset " + std::to_string(at) + " needs 4 bytes, but only " +
                        std::to_string(r.left()) + " remain (truncated)");
        std::uint16_t code = r.u16("option code");
        std::uint16_t length = r.u16("option length");
        if (r.left() < length)
            throw Error(what + ": option " + std::to_string(code) + " at offset " + std::to_string(at) +
                        " says its value is " + std::to_string(length) + " bytes, but only " +
                        std::to_string(r.left()) + " remain");
        auto value = r.take(length, "option value");
        out.push_back({code, Bytes(value.begin(), value.end())});
    }
    return out;
}

Dhcp6Packet parse_dhcp6(std::span<const std::uint8_t> b) {
    const std::string what = "DHCPv6 packet";
    if (b.size() > max_udp6_payload)
        throw Error(what + ": " + std::to_string(b.size()) +
                    " bytes is larger than the largest UDP datagram; refusing to decode it");
    if (b.size() < 4)
        throw Error(what + ": " + std::to_string(b.size()) +
                    " bytes is shorter than the 4-byte header (message type, transaction id): truncated");
    Dhcp6Packet p;
    p.msg_type = b[0];
    if (p.msg_type == 12 || p.msg_type == 13)
        throw Error(what + ": " + to_string(p.message_type()) +
                    " is a relay message; this client only decodes messages to and from clients");
    p.transaction_id = (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
    p.options = parse_dhcp6_options(b.subspan(4), what, 4);
    return p;
}

std::string dhcp6_status_name(std::uint16_t code) {
    static const char* names[] = {"Success",  "UnspecFail",       "NoAddrsAvail", "NoBinding",
                                  "NotOnLink", "UseMulticast",    "NoPrefixAvail"};
    if (code < std::size(names)) return names[code];
    return "status " + std::to_string(code);
}

Dhcp6Status parse_status(std::span<const std::uint8_t> data) {
    Reader r(data, "option 13 (status code)");
    Dhcp6Status s;
    s.code = r.u16("status code");
    auto text = r.rest();
    s.message.assign(text.begin(), text.end());
    return s;
}

Dhcp6IaAddress parse_ia_address(std::span<const std::uint8_t> data) {
    const std::string what = "option 5 (IAADDR)";
    Reader r(data, what);
    Dhcp6IaAddress a;
    auto address = r.take(16, "IPv6 address");
    std::array<std::uint8_t, 16> bytes{};
    std::copy(address.begin(), address.end(), bytes.begin());
    a.address = net::IpAddress::v6(bytes);
    a.preferred_lifetime = r.u32("preferred lifetime");
    a.valid_lifetime = r.u32("valid lifetime");
    a.options = parse_dhcp6_options(r.rest(), what, 24);
    for (const auto& o : a.options)
        if (o.code == opt6::status_code) a.status = parse_status(o.data);
    return a;
}

Dhcp6IaNa parse_ia_na(std::span<const std::uint8_t> data) {
    const std::string what = "option 3 (IA_NA)";
    Reader r(data, what);
    Dhcp6IaNa ia;
    ia.iaid = r.u32("IAID");
    ia.t1 = r.u32("T1");
    ia.t2 = r.u32("T2");
    ia.options = parse_dhcp6_options(r.rest(), what, 12);
    for (const auto& o : ia.options) {
        if (o.code == opt6::ia_addr) ia.addresses.push_back(parse_ia_address(o.data));
        else if (o.code == opt6::status_code) ia.status = parse_status(o.data);
    }
    return ia;
}

Bytes encode_ia_na(std::uint32_t iaid, std::uint32_t t1, std::uint32_t t2,
                   const std::vector<Dhcp6Option>& options) {
    Bytes out;
    put32(out, iaid);
    put32(out, t1);
    put32(out, t2);
    auto sub = encode_dhcp6_options(options);
    out.insert(out.end(), sub.begin(), sub.end());
    return out;
}

Bytes encode_ia_address(const net::IpAddress& address, std::uint32_t preferred, std::uint32_t valid) {
    if (!address.is_v6()) throw Error("an IAADDR holds an IPv6 address", "address", address.to_string());
    Bytes out(address.bytes().begin(), address.bytes().end());
    put32(out, preferred);
    put32(out, valid);
    return out;
}

Bytes duid_ll(const net::Mac& mac) {
    Bytes out(4 + mac.size());
    out[1] = 3;  // DUID-LL
    out[3] = 1;  // hardware type Ethernet
    std::copy(mac.data(), mac.data() + mac.size(), out.begin() + 4);
    return out;
}

}  // namespace xcatdhcp::probe
