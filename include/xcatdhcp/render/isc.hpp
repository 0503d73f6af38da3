// ISC DHCP renderer: dhcpd.conf, dhcpd6.conf and the per-host OMAPI objects, from the intent.
// Pure functions: no I/O, no clock, no randomness. The same input gives byte-identical output.
//
// What is rendered, the markers kept for xCAT's makedhcp, and the xCAT bugs fixed on the way
// are described in docs/isc.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xcatdhcp/boot/policy.hpp"
#include "xcatdhcp/intent/intent.hpp"
#include "xcatdhcp/inventory/inventory.hpp"
#include "xcatdhcp/net/address.hpp"
#include "xcatdhcp/render/files.hpp"
#include "xcatdhcp/version.hpp"

namespace xcatdhcp::render::isc {

// Names of the files render() returns.
inline constexpr std::string_view dhcpd_conf_file = "dhcpd.conf";
inline constexpr std::string_view dhcpd6_conf_file = "dhcpd6.conf";
inline constexpr std::string_view hosts_json_file = "hosts.omapi.json";

// The target dhcpd and platform.
struct IscProfile {
    Version dhcpd_version{4, 4, 3};
    // Named in the "#definition for host ... can be found in the dhcpd.leases file" lines.
    std::string leases_file = "/var/lib/dhcpd/dhcpd.leases";
    std::uint16_t omapi_port = 7911;   // dhcpd (DHCPv4)
    std::uint16_t omapi_port6 = 7912;  // dhcpd -6
    // Write the host objects as static `host` blocks into dhcpd.conf / dhcpd6.conf instead of
    // leaving them to OMAPI (xCAT's fallback on Ubuntu 20.04 / 22.04, where omshell fails).
    bool static_hosts = false;
    // xCAT leaves `option domain-search` out when the server runs RHEL 5 or SLES 10.
    bool domain_search = true;

    // From `dhcpd --version` output ("isc-dhcpd-4.4.3-P1"). Throws Error when it holds no version.
    static IscProfile from_version_output(std::string_view text);
    // Platform defaults (lease file path, static hosts, domain-search) plus the dhcpd version from
    // facts.backends["isc"] when present.
    static IscProfile for_server(const inventory::ServerFacts& facts);

    bool operator==(const IscProfile&) const = default;
};

struct RenderOptions {
    // Named in the second header line, with the library version. Never a timestamp.
    std::string generator = "libxcatdhcp";
    // Digest of the inventory the intent came from; shown in the header when not empty.
    std::string inventory_digest;
};

// One OMAPI host object (the data an OMAPI client sends, and what static mode writes).
struct HostObject {
    std::string node;                     // xCAT node
    std::string name;                     // object name (Reservation::name)
    net::Family family = net::Family::v4; // v4 objects go to port 7911, v6 to 7912
    int hardware_type = 1;                // 1 Ethernet, 32 InfiniBand, 37 HFI
    std::string mac;                      // lowercase, colon separated
    // v4: the MAC, as xCAT sets it (IPoIB clients are matched on option 61); v6: the DUID,
    // or "" when the v6 object is matched by its hardware address.
    std::string client_identifier;
    std::optional<net::IpAddress> ip;     // fixed address; never for deny objects
    // ISC statements, on one line, every string escaped; the OMAPI "statements" value.
    std::string statements;
    bool deny = false;                    // *NOIP*: statements are "deny booting;"

    bool operator==(const HostObject&) const = default;
};

// Every reservation as a host object: the subnets' reservations in intent order, then the
// unplaced ones (as v4 objects without an address). Throws Error for values that cannot be
// written safely: a name that is not a DNS name, an option code without an ISC name, an
// oversized string, and any string with '"' or '\' (dhcpd would save it unescaped in
// dhcpd.leases, see docs/isc.md).
std::vector<HostObject> host_objects(const intent::Intent& intent);

// The statements of one reservation (as in HostObject::statements).
std::string host_statements(const intent::Reservation& reservation, const intent::Intent& intent);

// dhcpd.conf, dhcpd6.conf (only when the intent has IPv6 subnets) and hosts.omapi.json.
// Throws Error when the intent holds something that cannot be written without changing the
// structure of the file (a zone or host name that is not a DNS name, a secret that is not
// base64, an address of the wrong family...) or when secrets.omapi_secret is empty.
Files render(const intent::Intent& intent, const IscProfile& profile, const Secrets& secrets,
             const RenderOptions& options = {});

// ---------------------------------------------------------------- omshell batches
enum class OmapiOperation { add, remove };

struct OmshellRequest {
    net::Family family = net::Family::v4;  // which objects, and which port (7911 / 7912)
    OmapiOperation operation = OmapiOperation::add;
    // site.externaldhcpservers: an IPv4 address or a one-label host name; "" = local dhcpd.
    std::string server;
};

// One omshell batch (stdin text) for the objects of request.family: the session preamble for
// that port only (port, key-algorithm when not hmac-md5, key, server, connect), then per object
// the removals by name, address and hardware address (with its type), and for `add` the create.
// The output holds the secret: the caller must keep it private.
std::string omshell_script(const std::vector<HostObject>& hosts, const intent::Key& key,
                           const Secrets& secrets, const IscProfile& profile,
                           const OmshellRequest& request);

// ---------------------------------------------------------------- structural reader
// A reader for the subset of dhcpd.conf / dhcpd6.conf syntax the renderer writes, so tests and
// tools can compare a file with the intent by meaning instead of text.

struct ParsedZone {
    std::string name;     // "cluster.example."
    std::string primary;  // primary or primary6 address text
    std::string key;

    bool operator==(const ParsedZone&) const = default;
};

// One branch of an if/elsif/else chain, read back into the boot policy's terms.
struct ParsedRule {
    boot::Match match;
    boot::Action action;
    std::vector<std::string> user_classes;  // option 77 values tested for Stage::first/second
    std::string condition;                  // the condition as written ("" for else)

    bool operator==(const ParsedRule&) const = default;
};

struct ParsedRange {
    std::string first;
    std::string last;  // "" for a range6 prefix ("fd00::/64" in first)
    bool dynamic_bootp = false;

    bool operator==(const ParsedRange&) const = default;
};

struct ParsedSubnet {
    std::string prefix;          // "10.0.0.0/16", "fd00:10::/64"
    std::string shared_network;  // "" at top level
    std::string end_marker;      // comment after the closing brace, e.g. "10.0.0.0/255.255.0.0 subnet_end"
    // option name -> value as written, strings unquoted, list items joined with ", "
    std::map<std::string, std::string> options;
    // other statements: "next-server" -> "10.0.0.1", "authoritative" -> "", "max-lease-time" -> ...
    std::map<std::string, std::string> parameters;
    std::vector<ParsedRange> ranges;
    std::vector<ParsedZone> zones;
    std::vector<ParsedRule> boot_rules;  // the if/elsif chain, in order

    bool operator==(const ParsedSubnet&) const = default;
};

struct ParsedHost {
    std::string name;
    std::string hardware_type;     // "ethernet", "infiniband"; "" when none
    std::string hardware_address;
    std::string fixed_address;     // fixed-address or fixed-address6
    std::string client_identifier; // option dhcp-client-identifier, or host-identifier dhcp6.client-id
    std::map<std::string, std::string> options;     // option host-name, root-path, ...
    std::map<std::string, std::string> parameters;  // ddns-hostname, next-server, ...
    std::vector<ParsedRule> boot_rules;
    bool deny_booting = false;

    bool operator==(const ParsedHost&) const = default;
};

struct ParsedSharedNetwork {
    std::string name;
    std::string end_marker;  // "eth1 nic_end"
    std::vector<std::string> subnets;

    bool operator==(const ParsedSharedNetwork&) const = default;
};

struct ParsedKey {
    std::string name;
    std::string algorithm;
    std::string secret;

    bool operator==(const ParsedKey&) const = default;
};

struct ParsedConfig {
    std::string first_line;
    std::vector<std::string> comments;  // whole-line comments, in order
    // declared options: "client-architecture" -> "93 = unsigned integer 16"
    std::map<std::string, std::string> option_declarations;
    std::vector<std::string> option_spaces;
    std::map<std::string, std::string> options;     // global option values
    std::map<std::string, std::string> parameters;  // omapi-port, omapi-key, ddns-update-style...
    std::vector<ParsedKey> keys;
    std::vector<std::string> classes;
    std::vector<ParsedSharedNetwork> shared_networks;
    std::vector<ParsedSubnet> subnets;  // file order, v4 and v6 alike
    std::vector<ParsedHost> hosts;

    const ParsedSubnet* subnet(std::string_view prefix) const;
    const ParsedHost* host(std::string_view name) const;
};

// Throws Error (attribute "dhcpd.conf", the offending text) on syntax outside the subset.
ParsedConfig parse_dhcpd_conf(std::string_view text);

// Differences between a parsed file and the intent, one sentence each; empty = same meaning.
// `family` selects the subnets compared (dhcpd.conf: v4, dhcpd6.conf: v6); `profile` is the one
// the file was rendered with (static hosts are compared with host_objects(), domain-search...).
std::vector<std::string> compare_with_intent(const ParsedConfig& parsed, const intent::Intent& intent,
                                             net::Family family, const IscProfile& profile = {});

}  // namespace xcatdhcp::render::isc
