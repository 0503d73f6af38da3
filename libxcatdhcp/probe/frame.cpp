#include "xcatdhcp/probe/frame.hpp"

#include "probe/bytes.hpp"
#include "xcatdhcp/error.hpp"

namespace xcatdhcp::probe {

using detail::get16;
using detail::get32;
using detail::put16;
using detail::put32;

namespace {
constexpr std::size_t ethernet_header = 14;
constexpr std::size_t ipv4_header = 20;
constexpr std::size_t udp_header = 8;
constexpr std::uint16_t ethertype_ipv4 = 0x0800;
constexpr std::uint8_t protocol_udp = 17;
}  // namespace

std::uint32_t checksum_add(std::span<const std::uint8_t> data, std::uint32_t sum) {
    std::size_t i = 0;
    for (; i + 1 < data.size(); i += 2) sum += static_cast<std::uint32_t>((data[i] << 8) | data[i + 1]);
    if (i < data.size()) sum += static_cast<std::uint32_t>(data[i] << 8);
    return sum;
}

std::uint16_t checksum_finish(std::uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum & 0xffff);
}

Bytes build_udp4_frame(const Udp4Datagram& d) {
    if (!d.source.is_v4() || !d.destination.is_v4())
        throw Error("an IPv4 frame needs IPv4 addresses", "address", d.source.to_string());
    if (d.payload.size() > 65535 - ipv4_header - udp_header)
        throw Error("a UDP payload of " + std::to_string(d.payload.size()) + " bytes does not fit an IPv4 datagram");
    const auto udp_length = static_cast<std::uint16_t>(udp_header + d.payload.size());
    const auto total_length = static_cast<std::uint16_t>(ipv4_header + udp_length);
    Bytes f;
    f.reserve(ethernet_header + total_length);
    f.insert(f.end(), d.destination_mac.begin(), d.destination_mac.end());
    f.insert(f.end(), d.source_mac.begin(), d.source_mac.end());
    put16(f, ethertype_ipv4);
    const std::size_t ip_at = f.size();
    f.push_back(0x45);  // version 4, IHL 5
    f.push_back(0x10);  // DSCP/ECN: low delay, as dhclient and iPXE send
    put16(f, total_length);
    put16(f, 0);  // identification
    put16(f, 0);  // flags, fragment offset
    f.push_back(64);  // TTL
    f.push_back(protocol_udp);
    put16(f, 0);  // checksum, below
    put32(f, d.source.v4_value());
    put32(f, d.destination.v4_value());
    const std::uint16_t ip_sum = checksum_finish(checksum_add(std::span(f).subspan(ip_at, ipv4_header)));
    f[ip_at + 10] = static_cast<std::uint8_t>(ip_sum >> 8);
    f[ip_at + 11] = static_cast<std::uint8_t>(ip_sum);
    const std::size_t udp_at = f.size();
    put16(f, d.source_port);
    put16(f, d.destination_port);
    put16(f, udp_length);
    put16(f, 0);  // checksum, below
    f.insert(f.end(), d.payload.begin(), d.payload.end());
    // Pseudo header: source, destination, zero, protocol, UDP length.
    std::uint32_t sum = checksum_add(std::span(f).subspan(ip_at + 12, 8));
    sum += protocol_udp;
    sum += udp_length;
    sum = checksum_add(std::span(f).subspan(udp_at), sum);
    std::uint16_t udp_sum = checksum_finish(sum);
    if (udp_sum == 0) udp_sum = 0xffff;  // 0 means "no checksum" in UDP over IPv4
    f[udp_at + 6] = static_cast<std::uint8_t>(udp_sum >> 8);
    f[udp_at + 7] = static_cast<std::uint8_t>(udp_sum);
    return f;
}

std::optional<Udp4Datagram> parse_udp4_frame(std::span<const std::uint8_t> f) {
    if (f.size() < ethernet_header + ipv4_header + udp_header) return std::nullopt;
    if (get16(f, 12) != ethertype_ipv4) return std::nullopt;
    auto ip = f.subspan(ethernet_header);
    if ((ip[0] >> 4) != 4) return std::nullopt;
    const std::size_t ihl = static_cast<std::size_t>(ip[0] & 0x0f) * 4;
    if (ihl < ipv4_header || ip.size() < ihl + udp_header) return std::nullopt;
    const std::size_t total = get16(ip, 2);
    if (total < ihl + udp_header || total > ip.size()) return std::nullopt;  // the rest is Ethernet padding
    if ((get16(ip, 6) & 0x3fff) != 0) return std::nullopt;                    // a fragment
    if (ip[9] != protocol_udp) return std::nullopt;
    if (checksum_finish(checksum_add(ip.first(ihl))) != 0) return std::nullopt;
    auto udp = ip.subspan(ihl, total - ihl);
    const std::size_t udp_length = get16(udp, 4);
    if (udp_length < udp_header || udp_length > udp.size()) return std::nullopt;
    Udp4Datagram d;
    std::copy(f.begin(), f.begin() + 6, d.destination_mac.begin());
    std::copy(f.begin() + 6, f.begin() + 12, d.source_mac.begin());
    d.source = net::IpAddress::v4(get32(ip, 12));
    d.destination = net::IpAddress::v4(get32(ip, 16));
    d.source_port = get16(udp, 0);
    d.destination_port = get16(udp, 2);
    auto payload = udp.subspan(udp_header, udp_length - udp_header);
    d.payload.assign(payload.begin(), payload.end());
    return d;
}

std::string to_string(const EthernetAddress& mac) { return to_hex_colon(mac); }

}  // namespace xcatdhcp::probe
