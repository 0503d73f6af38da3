// Ethernet II / IPv4 / UDP framing for the raw packet socket, as pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "xcatdhcp/net/address.hpp"
#include "xcatdhcp/probe/dhcp4_packet.hpp"  // Bytes

namespace xcatdhcp::probe {

using EthernetAddress = std::array<std::uint8_t, 6>;
inline constexpr EthernetAddress ethernet_broadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

struct Udp4Datagram {
    EthernetAddress source_mac{};
    EthernetAddress destination_mac{};
    net::IpAddress source;
    net::IpAddress destination;
    std::uint16_t source_port = 0;
    std::uint16_t destination_port = 0;
    Bytes payload;
};

// RFC 1071 one's-complement sum over `data`, starting from `initial` (not yet complemented).
std::uint32_t checksum_add(std::span<const std::uint8_t> data, std::uint32_t initial = 0);
// The folded, complemented checksum of a running sum.
std::uint16_t checksum_finish(std::uint32_t sum);

// An Ethernet frame (no VLAN tag) with an IPv4 header (TTL 64, DF clear, id 0) and a UDP header,
// both checksums computed. Payloads that do not fit an IPv4 datagram are an Error.
Bytes build_udp4_frame(const Udp4Datagram& datagram);

// The UDP datagram in an Ethernet frame, or nullopt when it is not Ethernet II / IPv4 / UDP, is a
// fragment, or its lengths do not fit the frame. The IPv4 header checksum is checked; the UDP
// checksum is not (on veth and with offloading it is often left for the hardware to fill in).
std::optional<Udp4Datagram> parse_udp4_frame(std::span<const std::uint8_t> frame);

std::string to_string(const EthernetAddress& mac);

}  // namespace xcatdhcp::probe
