// The normalized DHCP intent: what the DHCP server must do, whatever server says it.
// Both renderers read nothing else; backend parity is a comparison of intents.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "xcatdhcp/boot/policy.hpp"
#include "xcatdhcp/error.hpp"
#include "xcatdhcp/net/address.hpp"
#include "xcatdhcp/net/mac.hpp"
#include "xcatdhcp/net/range.hpp"

namespace xcatdhcp::intent {

struct SubnetOptions {
    std::vector<net::IpAddress> routers;
    std::vector<net::IpAddress> dns_servers;
    std::string domain_name;
    std::vector<std::string> domain_search;
    std::vector<net::IpAddress> ntp_servers;
    std::vector<net::IpAddress> log_servers;
    std::optional<std::uint32_t> mtu;
    std::optional<net::IpAddress> next_server;  // TFTP server (siaddr) for this subnet
    std::string cumulus_provision_url;          // option 239; empty when no TFTP server is known

    bool operator==(const SubnetOptions&) const = default;
};

struct DdnsZone {
    std::string name;                      // "cluster.example." or "0.10.IN-ADDR.ARPA."
    std::optional<net::IpAddress> server;  // primary DNS server for updates

    bool operator==(const DdnsZone&) const = default;
};

// Hardware types as DHCP/ARP numbers them.
enum class HardwareType : std::uint8_t { ethernet = 1, infiniband = 32, hfi = 37 };

struct Reservation {
    std::string node;            // xCAT node name
    std::string name;            // unique object name (ISC host name, Kea user-context)
    std::string hostname;        // option 12 / reservation hostname: always the node name
    std::string nic_hostname;    // mac.mac "!HOST" alias, or the node name
    net::Mac mac;
    HardwareType hardware_type = HardwareType::ethernet;
    std::optional<net::IpAddress> address;    // fixed address; absent for in-pool or unknown IPs
    std::optional<std::string> duid;          // DHCPv6 identifier (DUID-UUID) when used
    std::optional<net::IpAddress> next_server;  // node-level next-server (noderes.tftpserver)
    bool deny = false;                        // *NOIP*: no address, no boot
    boot::BootPlan boot;

    bool operator==(const Reservation&) const = default;
};

struct Subnet {
    std::uint32_t id = 0;         // stable: derived from the prefix, or kept from a previous config
    net::Prefix prefix;
    std::string network;          // xCAT network object name ("" when the route has no row)
    std::string interface;        // local interface ("" for relayed subnets)
    std::string shared_network;   // ISC shared-network (interface, or the !remote! nic)
    bool relayed = false;         // a !remote! network reached through a DHCP relay
    bool owned = true;            // networks.dhcpserver is empty or this server: pools rendered
    std::optional<net::IpAddress> server_address;  // this server's address on the subnet (myip)
    std::vector<net::AddressRange> pools;          // only when owned
    std::uint32_t lease_time = 43200;
    SubnetOptions options;
    std::vector<boot::Rule> boot_rules;  // discovery / unknown clients; first match wins
    std::vector<DdnsZone> ddns_zones;    // forward first, then reverse
    std::string ddns_domain;             // ddns-domainname / qualifying suffix, when DDNS is on
    std::vector<Reservation> reservations;
    // True when every fixed address lies outside the pools (Kea reservations-out-of-pool).
    bool reservations_out_of_pool = true;

    net::Family family() const { return prefix.family(); }
    bool operator==(const Subnet&) const = default;
};

struct Key {
    std::string name = "xcat_key";
    std::string algorithm = "hmac-md5";  // lower case, as ISC writes it

    bool operator==(const Key&) const = default;
};

struct Ddns {
    bool enabled = false;  // site.dnshandler contains "ddns"
    Key key;

    bool operator==(const Ddns&) const = default;
};

struct Intent {
    std::string server;                    // hostname of the DHCP server this is for
    std::vector<std::string> interfaces;   // served local interfaces, sorted
    std::vector<Subnet> subnets;           // IPv4 then IPv6, each sorted by prefix
    std::vector<Reservation> unplaced;     // reservations with no subnet (no known address)
    std::string timezone;                  // option 101 (tzdb name)
    std::string http_port_suffix;          // ":8080", or "" for port 80
    std::vector<std::string> second_stage_user_classes;  // option 77 values of xNBA/iPXE
    Key omapi_key;
    Ddns ddns;
    std::uint32_t default_lease_time = 43200;

    bool has_v4() const;
    bool has_v6() const;
    std::size_t reservation_count() const;
    bool operator==(const Intent&) const = default;
};

struct BuildOptions {
    // Subnet ids already in use (e.g. read from the running Kea config): prefix text -> id.
    std::map<std::string, std::uint32_t> previous_subnet_ids;
    // User classes sent by the second-stage loader; xCAT's xNBA sends "xNBA", plain iPXE "iPXE".
    std::vector<std::string> second_stage_user_classes = {"xNBA"};
};

struct BuildResult {
    Intent intent;
    std::vector<Diagnostic> diagnostics;  // per node / network; one bad node never stops others

    bool has_errors() const;
};

}  // namespace xcatdhcp::intent
