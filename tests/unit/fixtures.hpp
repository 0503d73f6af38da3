// Inventories shared by the unit tests.
#pragma once

#include "xcatdhcp/inventory/inventory.hpp"
#include "xcatdhcp/net/address.hpp"

#include <string>

namespace xcatdhcp::test {

// A management node "mn" serving eth1 (10.0.0.0/16, one dynamic range 10.0.200.1-254);
// eth0 (192.168.1.5/24) is external and in no network.
inline inventory::Inventory management_node() {
    inventory::Inventory inv;
    inv.site = {{"domain", "cluster.test"}, {"nameservers", "<xcatmaster>"}, {"dhcpinterfaces", "eth1"}};
    inv.networks["mgmt"] = {{"net", "10.0.0.0"},   {"mask", "255.255.0.0"},
                            {"mgtifname", "eth1"}, {"dynamicrange", "10.0.200.1-10.0.200.254"},
                            {"gateway", "<xcatmaster>"}};
    inv.server.hostname = "mn";
    inv.server.interfaces = {{"eth0", {*net::HostAddress::parse("192.168.1.5/24")}},
                             {"eth1", {*net::HostAddress::parse("10.0.0.1/16")}}};
    inv.server.ip_forward = true;
    return inv;
}

// A node with one MAC and address, booting `netboot`.
inline void add_node(inventory::Inventory& inv, const std::string& name, const std::string& mac,
                     const std::string& address, const std::string& netboot = "xnba") {
    inv.nodes[name] = {{"mac", mac}, {"ip", address}, {"netboot", netboot}};
}

}  // namespace xcatdhcp::test
