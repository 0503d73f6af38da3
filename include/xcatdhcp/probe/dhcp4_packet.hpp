// DHCPv4 messages (RFC 2131/2132) as values: build and parse, no I/O.
//
// parse_dhcp4() never reads outside the buffer it is given and never trusts a length field: a
// packet that cannot be decoded is an Error whose message names the field and the byte offset.
// Oddities that still leave the packet decodable (no END option, bytes after END, an hlen larger
// than the chaddr field) are kept as warnings on the packet instead.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "xcatdhcp/net/address.hpp"
#include "xcatdhcp/net/mac.hpp"

namespace xcatdhcp::probe {

using Bytes = std::vector<std::uint8_t>;

inline constexpr std::uint16_t dhcp4_server_port = 67;
inline constexpr std::uint16_t dhcp4_client_port = 68;
inline constexpr std::size_t dhcp4_fixed_size = 236;    // op .. file
inline constexpr std::size_t dhcp4_min_size = 240;      // fixed part + magic cookie
inline constexpr std::size_t bootp_min_size = 300;      // what encode() pads requests to
inline constexpr std::size_t max_udp4_payload = 65507;  // 65535 - IPv4 header - UDP header
inline constexpr std::uint32_t dhcp4_magic_cookie = 0x63825363;
inline constexpr std::uint16_t dhcp4_broadcast_flag = 0x8000;

enum class Dhcp4MessageType : std::uint8_t {
    discover = 1, offer = 2, request = 3, decline = 4, ack = 5, nak = 6, release = 7, inform = 8,
};

// "DHCPOFFER"; "DHCP message type N" for codes outside 1..8.
std::string to_string(Dhcp4MessageType type);

// Well-known option codes used by the probe.
namespace opt4 {
inline constexpr std::uint8_t pad = 0;
inline constexpr std::uint8_t subnet_mask = 1;
inline constexpr std::uint8_t routers = 3;
inline constexpr std::uint8_t domain_name_servers = 6;
inline constexpr std::uint8_t host_name = 12;
inline constexpr std::uint8_t domain_name = 15;
inline constexpr std::uint8_t root_path = 17;
inline constexpr std::uint8_t requested_address = 50;
inline constexpr std::uint8_t lease_time = 51;
inline constexpr std::uint8_t overload = 52;
inline constexpr std::uint8_t message_type = 53;
inline constexpr std::uint8_t server_identifier = 54;
inline constexpr std::uint8_t parameter_request_list = 55;
inline constexpr std::uint8_t max_message_size = 57;
inline constexpr std::uint8_t vendor_class = 60;
inline constexpr std::uint8_t client_identifier = 61;
inline constexpr std::uint8_t tftp_server_name = 66;
inline constexpr std::uint8_t bootfile_name = 67;
inline constexpr std::uint8_t user_class = 77;
inline constexpr std::uint8_t client_arch = 93;
inline constexpr std::uint8_t client_ndi = 94;
inline constexpr std::uint8_t client_uuid = 97;
inline constexpr std::uint8_t end = 255;
}  // namespace opt4

struct Dhcp4Option {
    std::uint8_t code = 0;
    Bytes data;

    bool operator==(const Dhcp4Option&) const = default;
};

struct Dhcp4Packet {
    std::uint8_t op = 1;  // 1 BOOTREQUEST, 2 BOOTREPLY
    std::uint8_t htype = 1;
    std::uint8_t hlen = 6;
    std::uint8_t hops = 0;
    std::uint32_t xid = 0;
    std::uint16_t secs = 0;
    std::uint16_t flags = 0;
    net::IpAddress ciaddr;
    net::IpAddress yiaddr;
    net::IpAddress siaddr;
    net::IpAddress giaddr;
    std::array<std::uint8_t, 16> chaddr{};
    // The sname and file fields up to their first NUL. When option 52 says a field carries
    // options, the field is empty here and its options are in `options`.
    std::string sname;
    std::string file;
    // In the order first seen; an option split over several instances (RFC 3396) is joined into
    // one. PAD and END are not kept. encode() writes them in this order.
    std::vector<Dhcp4Option> options;
    // Filled by parse_dhcp4(): things that were odd but did not stop decoding.
    std::vector<std::string> warnings;

    const Dhcp4Option* find(std::uint8_t code) const;
    // Replaces the option with this code, or appends it.
    void set(std::uint8_t code, Bytes data);
    std::optional<Dhcp4MessageType> message_type() const;
    // chaddr's first hlen octets (at most 16), lowercase and colon separated.
    std::string client_hardware_address() const;
    bool broadcast() const { return (flags & dhcp4_broadcast_flag) != 0; }

    // Sets htype 1, hlen and chaddr from an Ethernet (or other 6..16 octet) address.
    void set_client_hardware_address(const net::Mac& mac);

    bool operator==(const Dhcp4Packet&) const = default;
};

// The UDP payload: fixed header, magic cookie, options (longer than 255 bytes: split into
// several instances, RFC 3396), END, then padding up to bootp_min_size. sname and file longer
// than their fields (64 / 128 bytes) and payloads over max_udp4_payload are an Error; so is an
// option with code 0 or 255.
Bytes encode(const Dhcp4Packet& packet);

// Decodes a UDP payload. Errors (all xcatdhcp::Error, message starting "DHCPv4 packet:"):
// shorter than the fixed header or the magic cookie, a wrong magic cookie, an option whose length
// byte or value runs past the end of its area, a payload larger than max_udp4_payload, an
// option 52 value other than 1, 2 or 3. Option overload is honoured: options in the file field
// come before those in the sname field, both after the options area.
Dhcp4Packet parse_dhcp4(std::span<const std::uint8_t> payload);

// Lowercase hex without separators ("0a0b"), and "0a:0b" style.
std::string to_hex(std::span<const std::uint8_t> bytes);
std::string to_hex_colon(std::span<const std::uint8_t> bytes);
// Hex digits, optionally separated by ':', '-', ' ' or '.', with or without "0x". Throws Error
// naming `attribute` on anything else or an odd number of digits.
Bytes parse_hex(std::string_view text, std::string_view attribute);

}  // namespace xcatdhcp::probe
