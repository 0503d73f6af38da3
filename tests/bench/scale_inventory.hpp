// A generated cluster of N nodes for the benchmarks: one management node serving four /16
// provisioning networks (pools at the top of each), nodes spread over them with a realistic mix
// of netboot methods. Deterministic: the same N gives the same inventory.
#pragma once

#include "xcatdhcp/inventory/inventory.hpp"

#include <cstdio>
#include <string>

namespace bench {

inline xcatdhcp::inventory::Inventory scale_inventory(int nodes) {
    using namespace xcatdhcp;
    inventory::Inventory inv;
    inv.site = {{"domain", "bench.example"},   {"nameservers", "<xcatmaster>"},
                {"dhcpinterfaces", "eth1,eth2,eth3,eth4"}, {"dnshandler", "ddns"},
                {"timezone", "UTC"}};
    inv.server.hostname = "mn";
    inv.server.platform = {"debian", "12", "", ""};
    inv.server.backends = {{"isc", "4.4.3"}, {"kea", "2.2.0"}};
    inv.server.ip_forward = true;
    for (int n = 0; n < 4; ++n) {
        std::string octet = std::to_string(20 + n);
        std::string name = "net" + octet;
        inv.networks[name] = {{"net", "10." + octet + ".0.0"}, {"mask", "255.255.0.0"},
                              {"mgtifname", "eth" + std::to_string(n + 1)},
                              {"gateway", "<xcatmaster>"},
                              {"dynamicrange", "10." + octet + ".250.1-10." + octet + ".254.254"}};
        inv.server.interfaces.push_back(
            {"eth" + std::to_string(n + 1), {*net::HostAddress::parse("10." + octet + ".0.1/16")}});
    }
    static const char* methods[] = {"xnba", "xnba", "xnba", "xnba", "xnba", "xnba", "grub2", "pxe",
                                    "petitboot", "xnba"};
    char buf[64];
    for (int i = 0; i < nodes; ++i) {
        std::snprintf(buf, sizeof buf, "cn%06d", i);
        std::string name = buf;
        int network = i % 4;
        int host = i / 4 + 2;  // 25,000 per /16 fits below the pools at .250.x
        std::snprintf(buf, sizeof buf, "10.%d.%d.%d", 20 + network, host / 250, host % 250 + 1);
        std::string ip = buf;
        std::snprintf(buf, sizeof buf, "42:00:%02x:%02x:%02x:%02x", network, (i >> 16) & 0xff,
                      (i >> 8) & 0xff, i & 0xff);
        inv.nodes[name] = {{"mac", buf},
                           {"ip", ip},
                           {"netboot", methods[i % 10]},
                           {"os", i % 3 ? "rhels9.4" : "rhels8.8"},
                           {"groups", "compute,all"}};
    }
    return inv;
}

}  // namespace bench
