// Server facts read from the running system: an edge that fills inventory::ServerFacts.
#pragma once

#include <string>

#include "xcatdhcp/apply/process.hpp"
#include "xcatdhcp/inventory/inventory.hpp"

namespace xcatdhcp::host {

struct ProbeOptions {
    std::string root = "/";             // read files below this root (tests point it elsewhere)
    std::string tftpdir = "/tftpboot";  // site.tftpdir
    bool query_versions = true;         // run `kea-dhcp4 -V` and `dhcpd --version`
};

// os-release, interfaces (getifaddrs), kernel routes (/proc/net/route, ipv6_route),
// /etc/hosts, installed DHCP servers and Kea hooks, xNBA loaders in tftpdir, ip_forward.
inventory::ServerFacts probe_server_facts(apply::ProcessRunner& runner, const ProbeOptions& options = {});

// Parsers used by the probe, exposed for tests.
inventory::Platform parse_os_release(const std::string& text);
std::vector<inventory::RouteFact> parse_proc_routes(const std::string& route_v4, const std::string& route_v6);
std::map<std::string, std::vector<net::IpAddress>, std::less<>> parse_hosts_file(const std::string& text);

}  // namespace xcatdhcp::host
