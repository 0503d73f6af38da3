// What dhcp.pm reads from xCAT's tables, under xCAT's own attribute names (lsdef names),
// plus facts about the DHCP server host the configuration is rendered for.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xcatdhcp/net/address.hpp"

namespace xcatdhcp::inventory {

// Attribute name -> value, as xCAT prints them. Unknown names are kept and ignored by DHCP logic.
using Attributes = std::map<std::string, std::string, std::less<>>;

// Empty string when absent.
const std::string& attribute(const Attributes& attributes, std::string_view name);

// /etc/os-release of the DHCP server: ID, VERSION_ID, ID_LIKE, PLATFORM_ID.
struct Platform {
    std::string id;           // "rocky", "ubuntu", "debian", "sles", "rhel", ...
    std::string version;      // "10.0", "24.04", "12", "15.5"
    std::string id_like;      // "rhel centos fedora"
    std::string platform_id;  // "platform:el10"

    bool operator==(const Platform&) const = default;
};

struct InterfaceFact {
    std::string name;
    std::vector<net::HostAddress> addresses;

    bool operator==(const InterfaceFact&) const = default;
};

struct RouteFact {
    net::Prefix destination;
    std::string interface;
    std::optional<net::IpAddress> gateway;  // set for routes "via" a gateway

    bool operator==(const RouteFact&) const = default;
};

// Facts about the host the configuration is for. A probe fills them on a real system;
// a file or a test states them.
struct ServerFacts {
    std::string hostname;                  // short or fully qualified name of this server
    std::vector<std::string> names;        // other names of this server (xCAT node name, aliases)
    Platform platform;
    std::vector<InterfaceFact> interfaces;
    std::vector<RouteFact> routes;         // empty: derived from interface addresses
    // Name resolution as the server sees it (/etc/hosts, DNS): name -> addresses.
    std::map<std::string, std::vector<net::IpAddress>, std::less<>> hosts;
    // Installed DHCP servers: "isc" -> dhcpd version, "kea" -> kea-dhcp4 version.
    std::map<std::string, std::string, std::less<>> backends;
    // Installed Kea hook libraries (file names), when known.
    std::vector<std::string> kea_hooks;
    // Files present under site.tftpdir that change DHCP output (xcat/xnba.kpxe, xcat/xnba.efi).
    std::vector<std::string> tftp_files;
    std::optional<bool> ip_forward;        // net.ipv4.ip_forward

    bool operator==(const ServerFacts&) const = default;
};

struct Inventory {
    Attributes site;
    std::map<std::string, Attributes, std::less<>> networks;  // xCAT network object name -> attrs
    std::map<std::string, Attributes, std::less<>> nodes;     // node name -> attrs
    // osimage objects (linuximage.pkgdir feeds the ONIE installer URL).
    std::map<std::string, Attributes, std::less<>> osimages;
    ServerFacts server;

    bool operator==(const Inventory&) const = default;
};

}  // namespace xcatdhcp::inventory
