// A DHCP test client: DHCPDISCOVER (and optionally the rest of DORA) and DHCPv6 SOLICIT (and
// optionally REQUEST), with a chosen hardware address, client architecture, user class, vendor
// class, client id and extra options. For administrators ("what does the server offer this
// node?") and for the live tests.
//
// The exchange logic talks to a transport, so it can be driven without a network. The real
// transports are Linux sockets:
//   * DHCPv4: a raw AF_PACKET socket on the interface. It builds Ethernet/IPv4/UDP itself, so it
//     can send from any MAC (chaddr and Ethernet source) without changing the interface; it
//     receives on the same socket (UDP destination port 68, matched on xid and chaddr).
//     Needs CAP_NET_RAW.
//   * DHCPv6: a UDP socket bound to [::]:546 on the interface (SO_BINDTODEVICE), sending to
//     ff02::1:2 port 547 from the interface's link-local address. Needs CAP_NET_RAW (binding to
//     the device) and CAP_NET_BIND_SERVICE (port 546): run as root.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "xcatdhcp/net/address.hpp"
#include "xcatdhcp/net/mac.hpp"
#include "xcatdhcp/probe/dhcp4_packet.hpp"
#include "xcatdhcp/probe/dhcp6_packet.hpp"
#include "xcatdhcp/probe/frame.hpp"

namespace xcatdhcp::probe {

// ---------------------------------------------------------------- DHCPv4

struct Dhcp4ProbeOptions {
    std::string interface;
    std::optional<net::Mac> mac;              // chaddr and Ethernet source; default: the interface's
    std::optional<std::uint16_t> arch;        // option 93 (client system architecture)
    std::optional<std::string> user_class;    // option 77, the bytes of the text (as iPXE/xNBA send it)
    std::optional<std::string> vendor_class;  // option 60
    std::optional<Bytes> client_id;           // option 61, exactly these bytes (type byte included)
    std::optional<std::string> hostname;      // option 12
    // Sent after the options above; an extra option with the same code replaces the built-in one.
    std::vector<Dhcp4Option> extra_options;
    // Option 55; empty: default_parameter_request_list().
    std::vector<std::uint8_t> parameter_request_list;
    bool request = false;     // complete DORA: DHCPREQUEST for the first offer, wait for ACK/NAK
    bool release = false;     // after an ACK, send DHCPRELEASE to the server (no answer expected)
    bool all_offers = false;  // keep listening for the whole timeout and keep every OFFER
    bool broadcast = true;    // set the broadcast flag, so servers answer to ff:ff:ff:ff:ff:ff
    std::chrono::milliseconds timeout{5000};     // per phase (offer, ack)
    std::chrono::milliseconds retransmit{2000};  // resend interval within a phase
    std::optional<std::uint32_t> xid;            // default: random
};

// Asks for every option the probe decodes: 1 3 6 12 15 17 26 28 42 43 51 54 58 59 60 66 67 114
// 119 121 150 175 203 209 210 239 252 (servers such as Kea send most options only when asked).
std::vector<std::uint8_t> default_parameter_request_list();

struct Send4 {
    net::IpAddress source;                                         // 0.0.0.0
    net::IpAddress destination = net::IpAddress::v4(0xffffffffu);  // 255.255.255.255
    EthernetAddress destination_mac = ethernet_broadcast;
};

struct Received4 {
    Bytes payload;  // the UDP payload
    EthernetAddress source_mac{};
    net::IpAddress source;
};

class Dhcp4Transport {
public:
    virtual ~Dhcp4Transport() = default;
    // Sends a DHCP payload from UDP port 68 to port 67.
    virtual void send(const Bytes& payload, const Send4& to) = 0;
    // The next datagram to UDP port 68, or nullopt once `deadline` has passed.
    virtual std::optional<Received4> receive(std::chrono::steady_clock::time_point deadline) = 0;
};

struct Dhcp4Reply {
    Dhcp4Packet packet;
    std::string source_mac;
    net::IpAddress source;
    std::int64_t elapsed_ms = 0;  // since the first DHCPDISCOVER

    bool operator==(const Dhcp4Reply&) const = default;
};

struct Dhcp4ProbeResult {
    std::string interface;
    std::string chaddr;  // the hardware address the client used
    std::uint32_t xid = 0;
    Dhcp4Packet discover;                 // as sent (the first copy)
    std::vector<Dhcp4Reply> offers;       // in arrival order
    std::optional<Dhcp4Packet> request;   // as sent
    std::optional<Dhcp4Reply> ack;        // the DHCPACK or DHCPNAK
    bool released = false;
    std::vector<std::string> ignored;     // replies to this xid that could not be decoded, and why
    // "offer", "ack", "nak", "no-offer", "no-ack".
    std::string status;
    std::string message;  // one sentence for people
    bool ok() const { return status == "offer" || status == "ack"; }
};

// Runs the exchange over `transport`. `mac` is the client hardware address to use when
// options.mac is unset. Throws Error for options that cannot be sent (a bad hostname length...).
Dhcp4ProbeResult probe_dhcp4(const Dhcp4ProbeOptions& options, Dhcp4Transport& transport,
                             const net::Mac& mac);

// The same over a raw packet socket on options.interface.
Dhcp4ProbeResult probe_dhcp4(const Dhcp4ProbeOptions& options);

// The DHCPDISCOVER and DHCPREQUEST the client sends (exposed for tests).
Dhcp4Packet build_discover(const Dhcp4ProbeOptions& options, const net::Mac& mac, std::uint32_t xid);
Dhcp4Packet build_request(const Dhcp4ProbeOptions& options, const net::Mac& mac, std::uint32_t xid,
                          const Dhcp4Reply& offer);

// A raw packet socket on `interface`, sending from `source_mac`. Errors name the interface and
// say what to do: not root (CAP_NET_RAW), no such interface in this network namespace, interface
// down, not Ethernet.
std::unique_ptr<Dhcp4Transport> open_packet_transport(const std::string& interface,
                                                      const net::Mac& source_mac);

// The interface's hardware address (Error when it has none or does not exist).
net::Mac interface_mac(const std::string& interface);

// ---------------------------------------------------------------- DHCPv6

struct Dhcp6ProbeOptions {
    std::string interface;
    std::optional<Bytes> duid;                // default: DUID-LL of `mac`, else of the interface
    std::optional<net::Mac> mac;
    std::uint32_t iaid = 1;
    std::optional<std::uint16_t> arch;        // option 61 (client architecture type)
    std::optional<std::string> user_class;    // option 15, one string
    std::optional<std::string> vendor_class;  // option 16, one string
    std::uint32_t vendor_enterprise = 343;    // option 16 enterprise number (343: Intel, as PXE)
    std::vector<Dhcp6Option> extra_options;
    std::vector<std::uint16_t> oro;           // option 6; empty: 23 24 59 60
    bool request = false;                     // REQUEST the advertised address, wait for REPLY
    bool all_offers = false;                  // keep every ADVERTISE until the timeout
    std::chrono::milliseconds timeout{5000};
    std::chrono::milliseconds retransmit{2000};
    std::optional<std::uint32_t> transaction_id;  // 24 bits; default random
};

struct Received6 {
    Bytes payload;
    net::IpAddress source;
};

class Dhcp6Transport {
public:
    virtual ~Dhcp6Transport() = default;
    // Sends to ff02::1:2 port 547 on the interface.
    virtual void send(const Bytes& payload) = 0;
    virtual std::optional<Received6> receive(std::chrono::steady_clock::time_point deadline) = 0;
};

struct Dhcp6Reply {
    Dhcp6Packet packet;
    net::IpAddress source;
    std::int64_t elapsed_ms = 0;
    std::vector<Dhcp6IaNa> ia_na;  // decoded IA_NA options
    std::optional<Dhcp6Status> status;  // top-level status code option

    bool operator==(const Dhcp6Reply&) const = default;
};

struct Dhcp6ProbeResult {
    std::string interface;
    Bytes duid;
    std::uint32_t transaction_id = 0;
    Dhcp6Packet solicit;
    std::vector<Dhcp6Reply> advertises;
    std::optional<Dhcp6Packet> request;
    std::optional<Dhcp6Reply> reply;
    std::vector<std::string> ignored;
    // "advertise", "reply", "no-address" (answered, but no address: status NoAddrsAvail...),
    // "no-advertise", "no-reply".
    std::string status;
    std::string message;
    bool ok() const { return status == "advertise" || status == "reply"; }
};

Dhcp6ProbeResult probe_dhcp6(const Dhcp6ProbeOptions& options, Dhcp6Transport& transport, const Bytes& duid);
Dhcp6ProbeResult probe_dhcp6(const Dhcp6ProbeOptions& options);

Dhcp6Packet build_solicit(const Dhcp6ProbeOptions& options, const Bytes& duid, std::uint32_t transaction_id);

// A UDP socket on [::]:546 bound to `interface`. Waits up to `wait_for_link_local` for the
// interface's link-local address to leave duplicate address detection. Errors: not root, port in
// use, no such interface, no usable link-local address (IPv6 disabled, link down, or still
// tentative: the error says which).
std::unique_ptr<Dhcp6Transport> open_udp6_transport(
    const std::string& interface, std::chrono::milliseconds wait_for_link_local = std::chrono::seconds(3));

}  // namespace xcatdhcp::probe
