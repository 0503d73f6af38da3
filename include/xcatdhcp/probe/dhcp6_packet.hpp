// DHCPv6 client/server messages (RFC 8415) as values: build and parse, no I/O.
//
// As for DHCPv4, parsing never reads past the buffer and never trusts a length field: a message
// that cannot be decoded is an Error whose message names the option and the byte offset.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "xcatdhcp/net/address.hpp"
#include "xcatdhcp/net/mac.hpp"
#include "xcatdhcp/probe/dhcp4_packet.hpp"  // Bytes, to_hex

namespace xcatdhcp::probe {

inline constexpr std::uint16_t dhcp6_client_port = 546;
inline constexpr std::uint16_t dhcp6_server_port = 547;
inline constexpr std::size_t max_udp6_payload = 65527;  // 65535 - UDP header
// All_DHCP_Relay_Agents_and_Servers
inline constexpr const char* dhcp6_all_servers = "ff02::1:2";

enum class Dhcp6MessageType : std::uint8_t {
    solicit = 1, advertise = 2, request = 3, confirm = 4, renew = 5, rebind = 6, reply = 7,
    release = 8, decline = 9, reconfigure = 10, information_request = 11, relay_forw = 12,
    relay_repl = 13,
};

// "SOLICIT", "ADVERTISE", ...; "DHCPv6 message type N" for others.
std::string to_string(Dhcp6MessageType type);

namespace opt6 {
inline constexpr std::uint16_t client_id = 1;
inline constexpr std::uint16_t server_id = 2;
inline constexpr std::uint16_t ia_na = 3;
inline constexpr std::uint16_t ia_ta = 4;
inline constexpr std::uint16_t ia_addr = 5;
inline constexpr std::uint16_t oro = 6;
inline constexpr std::uint16_t preference = 7;
inline constexpr std::uint16_t elapsed_time = 8;
inline constexpr std::uint16_t status_code = 13;
inline constexpr std::uint16_t rapid_commit = 14;
inline constexpr std::uint16_t user_class = 15;
inline constexpr std::uint16_t vendor_class = 16;
inline constexpr std::uint16_t vendor_opts = 17;
inline constexpr std::uint16_t dns_servers = 23;
inline constexpr std::uint16_t domain_list = 24;
inline constexpr std::uint16_t ia_pd = 25;
inline constexpr std::uint16_t ia_prefix = 26;
inline constexpr std::uint16_t client_fqdn = 39;
inline constexpr std::uint16_t bootfile_url = 59;
inline constexpr std::uint16_t bootfile_param = 60;
inline constexpr std::uint16_t client_arch = 61;
inline constexpr std::uint16_t nii = 62;
}  // namespace opt6

struct Dhcp6Option {
    std::uint16_t code = 0;
    Bytes data;

    bool operator==(const Dhcp6Option&) const = default;
};

struct Dhcp6Packet {
    std::uint8_t msg_type = 1;
    std::uint32_t transaction_id = 0;  // 24 bits
    std::vector<Dhcp6Option> options;   // in wire order (repeats kept: several IA_NA are legal)

    const Dhcp6Option* find(std::uint16_t code) const;
    void set(std::uint16_t code, Bytes data);
    Dhcp6MessageType message_type() const { return static_cast<Dhcp6MessageType>(msg_type); }

    bool operator==(const Dhcp6Packet&) const = default;
};

// msg-type, transaction-id, options. A transaction id above 24 bits, an option value above
// 65535 bytes or a message over max_udp6_payload is an Error.
Bytes encode(const Dhcp6Packet& packet);
// Errors (message starting "DHCPv6 packet:"): fewer than 4 bytes, a relay message (12/13: this
// is a client), an option header or value running past the end, an oversized message.
Dhcp6Packet parse_dhcp6(std::span<const std::uint8_t> payload);

// A sequence of options (the top level, or inside IA_NA / IA_ADDR / vendor options).
// `what` names the enclosing thing in errors ("option 3 (IA_NA)"); `base` is its byte offset.
std::vector<Dhcp6Option> parse_dhcp6_options(std::span<const std::uint8_t> data, const std::string& what,
                                             std::size_t base = 0);
Bytes encode_dhcp6_options(const std::vector<Dhcp6Option>& options);

struct Dhcp6Status {
    std::uint16_t code = 0;  // 0 Success, 1 UnspecFail, 2 NoAddrsAvail, 3 NoBinding, 4 NotOnLink, ...
    std::string message;

    bool operator==(const Dhcp6Status&) const = default;
};
// "Success", "NoAddrsAvail", ...; "status N" otherwise.
std::string dhcp6_status_name(std::uint16_t code);
Dhcp6Status parse_status(std::span<const std::uint8_t> data);

struct Dhcp6IaAddress {
    net::IpAddress address;
    std::uint32_t preferred_lifetime = 0;
    std::uint32_t valid_lifetime = 0;
    std::optional<Dhcp6Status> status;
    std::vector<Dhcp6Option> options;  // all sub-options, status included

    bool operator==(const Dhcp6IaAddress&) const = default;
};

struct Dhcp6IaNa {
    std::uint32_t iaid = 0;
    std::uint32_t t1 = 0;
    std::uint32_t t2 = 0;
    std::vector<Dhcp6IaAddress> addresses;
    std::optional<Dhcp6Status> status;
    std::vector<Dhcp6Option> options;  // all sub-options

    bool operator==(const Dhcp6IaNa&) const = default;
};

// The value of an IA_NA option (IAID, T1, T2, sub-options) and of an IAADDR option.
Dhcp6IaNa parse_ia_na(std::span<const std::uint8_t> data);
Dhcp6IaAddress parse_ia_address(std::span<const std::uint8_t> data);
// An IA_NA value with the given sub-options (an empty IA_NA asks for any address).
Bytes encode_ia_na(std::uint32_t iaid, std::uint32_t t1, std::uint32_t t2,
                   const std::vector<Dhcp6Option>& options = {});
Bytes encode_ia_address(const net::IpAddress& address, std::uint32_t preferred, std::uint32_t valid);

// DUID-LL (type 3, hardware type 1) from an Ethernet address: 00:03:00:01 + MAC.
Bytes duid_ll(const net::Mac& mac);

}  // namespace xcatdhcp::probe
