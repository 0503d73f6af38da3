// Inventories shared by the unit tests.
#pragma once

#include "xcatdhcp/intent/intent.hpp"
#include "xcatdhcp/inventory/inventory.hpp"
#include "xcatdhcp/net/address.hpp"

#include <arpa/inet.h>
#include <cstdint>
#include <netinet/in.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

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

// An intent reservation of `node` (object name `name`, default the node's) with one MAC and,
// unless `ip` is empty, a fixed address.
inline intent::Reservation reservation(const std::string& node, const std::string& mac, const std::string& ip,
                                       const std::string& name = {}) {
    intent::Reservation r;
    r.node = node;
    r.name = name.empty() ? node : name;
    r.hostname = r.nic_hostname = node;
    r.mac = net::Mac::parse(mac);
    if (!ip.empty()) r.address = net::IpAddress::parse(ip);
    return r;
}

// A TCP socket listening on 127.0.0.1 at a free port (for in-process fake servers).
struct LoopbackListener {
    int fd = -1;
    std::uint16_t port = 0;
    explicit LoopbackListener(int backlog) {
        fd = ::socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, backlog) != 0 ||
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
            throw std::runtime_error("cannot listen on 127.0.0.1");
        port = ntohs(a.sin_port);
    }
    ~LoopbackListener() { ::close(fd); }
    LoopbackListener(const LoopbackListener&) = delete;
    LoopbackListener& operator=(const LoopbackListener&) = delete;
};

}  // namespace xcatdhcp::test
