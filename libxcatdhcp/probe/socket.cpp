// The socket edge of the probe: a raw AF_PACKET socket for DHCPv4, a UDP socket for DHCPv6.
#include "xcatdhcp/probe/client.hpp"

#include "xcatdhcp/error.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace xcatdhcp::probe {

namespace {

using Clock = std::chrono::steady_clock;

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    void reset(int fd) {
        if (fd_ >= 0) close(fd_);
        fd_ = fd;
    }

private:
    int fd_;
};

std::string errno_text(int error) { return std::strerror(error); }

bool permission_error(int error) { return error == EPERM || error == EACCES; }

unsigned interface_index(const std::string& name) {
    if (name.empty()) throw Error("no interface given (-I IFACE)", "interface", name);
    if (name.size() >= IFNAMSIZ) throw Error("interface names have at most 15 characters", "interface", name);
    unsigned index = if_nametoindex(name.c_str());
    if (index == 0)
        throw Error("no such network interface in this network namespace (see `ip link`; in a namespace, run "
                    "the probe with `ip netns exec NS`)",
                    "interface", name);
    return index;
}

void check_up(int fd, const std::string& name) {
    ifreq request{};
    std::strncpy(request.ifr_name, name.c_str(), IFNAMSIZ - 1);
    if (ioctl(fd, SIOCGIFFLAGS, &request) == 0 && !(request.ifr_flags & IFF_UP))
        throw Error("the interface is down (ip link set " + name + " up)", "interface", name);
}

// Wait until `fd` is readable or `deadline` passes; false on timeout.
bool wait_readable(int fd, Clock::time_point deadline) {
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) return false;
        pollfd p{fd, POLLIN, 0};
        int ready = poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)) + 1);
        if (ready > 0) return true;
        if (ready < 0 && errno != EINTR) throw Error("poll on the probe socket failed: " + errno_text(errno));
    }
}

class PacketTransport : public Dhcp4Transport {
public:
    PacketTransport(const std::string& interface, const net::Mac& source_mac)
        : interface_(interface), fd_(-1) {
        if (source_mac.size() != 6)
            throw Error("the packet socket sends Ethernet frames: the MAC must have 6 octets", "mac",
                        source_mac.to_string());
        std::copy(source_mac.data(), source_mac.data() + 6, source_mac_.begin());
        index_ = interface_index(interface);
        // Protocol 0 until bind(): no frames of other interfaces are queued in between.
        int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            int e = errno;
            if (permission_error(e))
                throw Error("opening a raw packet socket needs CAP_NET_RAW: run xcatdhcp probe as root", "interface",
                            interface);
            throw Error("cannot open a raw packet socket: " + errno_text(e), "interface", interface);
        }
        fd_.reset(fd);
        check_up(fd, interface);
        attach_filter();
        sockaddr_ll address{};
        address.sll_family = AF_PACKET;
        address.sll_protocol = htons(ETH_P_IP);
        address.sll_ifindex = static_cast<int>(index_);
        if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
            throw Error("cannot bind the packet socket to the interface: " + errno_text(errno), "interface",
                        interface);
        // Frames addressed to the probe's MAC (not the interface's) reach the socket only in
        // promiscuous mode; the membership ends with the socket. Broadcast replies need none.
        packet_mreq membership{};
        membership.mr_ifindex = static_cast<int>(index_);
        membership.mr_type = PACKET_MR_PROMISC;
        (void)setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &membership, sizeof membership);
    }

    void send(const Bytes& payload, const Send4& to) override {
        Udp4Datagram d;
        d.source_mac = source_mac_;
        d.destination_mac = to.destination_mac;
        d.source = to.source;
        d.destination = to.destination;
        d.source_port = dhcp4_client_port;
        d.destination_port = dhcp4_server_port;
        d.payload = payload;
        Bytes frame = build_udp4_frame(d);
        sockaddr_ll address{};
        address.sll_family = AF_PACKET;
        address.sll_protocol = htons(ETH_P_IP);
        address.sll_ifindex = static_cast<int>(index_);
        address.sll_halen = 6;
        std::copy(to.destination_mac.begin(), to.destination_mac.end(), address.sll_addr);
        ssize_t sent = sendto(fd_.get(), frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&address),
                              sizeof address);
        if (sent < 0) {
            int e = errno;
            throw Error("sending on the packet socket failed: " + errno_text(e) +
                            (e == EMSGSIZE ? " (the packet is larger than the interface MTU)" : ""),
                        "interface", interface_);
        }
    }

    std::optional<Received4> receive(Clock::time_point deadline) override {
        std::vector<std::uint8_t> buffer(65536);
        while (wait_readable(fd_.get(), deadline)) {
            ssize_t n = recv(fd_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
            if (n < 0) {
                if (errno == EINTR || errno == EAGAIN) continue;
                throw Error("receiving on the packet socket failed: " + errno_text(errno), "interface", interface_);
            }
            auto datagram = parse_udp4_frame(std::span<const std::uint8_t>(buffer.data(), static_cast<std::size_t>(n)));
            if (!datagram || datagram->destination_port != dhcp4_client_port) continue;
            return Received4{std::move(datagram->payload), datagram->source_mac, datagram->source};
        }
        return std::nullopt;
    }

private:
    // Only IPv4/UDP to port 68, unfragmented, reach the socket.
    void attach_filter() {
        sock_filter code[] = {
            BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),              // ethertype
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 8),
            BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 23),              // IP protocol
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 6),
            BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 20),              // flags + fragment offset
            BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 4, 0),
            BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),             // X = IP header length
            BPF_STMT(BPF_LD | BPF_H | BPF_IND, 16),              // UDP destination port
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, dhcp4_client_port, 0, 1),
            BPF_STMT(BPF_RET | BPF_K, 0x40000),
            BPF_STMT(BPF_RET | BPF_K, 0),
        };
        sock_fprog program{static_cast<unsigned short>(std::size(code)), code};
        if (setsockopt(fd_.get(), SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) != 0)
            throw Error("cannot attach the packet filter: " + errno_text(errno), "interface", interface_);
    }

    std::string interface_;
    Fd fd_;
    unsigned index_ = 0;
    EthernetAddress source_mac_{};
};

enum class LinkLocal { none, tentative, usable };

// Whether the interface has a link-local IPv6 address that is out of duplicate address detection.
LinkLocal link_local_state(const std::string& interface, unsigned index) {
    std::ifstream in("/proc/net/if_inet6");
    std::string address, ifindex, prefix, scope, flags, name;
    LinkLocal state = LinkLocal::none;
    while (in >> address >> ifindex >> prefix >> scope >> flags >> name) {
        if (name != interface || std::stoul(ifindex, nullptr, 16) != index) continue;
        if (address.rfind("fe80", 0) != 0) continue;
        unsigned long f = std::stoul(flags, nullptr, 16);
        if (f & 0x40 /* IFA_F_TENTATIVE */) state = std::max(state, LinkLocal::tentative);
        else if (!(f & 0x08 /* IFA_F_DADFAILED */)) state = LinkLocal::usable;
    }
    return state;
}

class Udp6Transport : public Dhcp6Transport {
public:
    Udp6Transport(const std::string& interface, std::chrono::milliseconds wait) : interface_(interface), fd_(-1) {
        index_ = interface_index(interface);
        int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
        if (fd < 0) throw Error("cannot open a UDP/IPv6 socket: " + errno_text(errno), "interface", interface);
        fd_.reset(fd);
        check_up(fd, interface);
        // Right after the link comes up the address is missing or tentative for a moment.
        const auto until = Clock::now() + wait;
        while (link_local_state(interface, index_) != LinkLocal::usable && Clock::now() < until)
            usleep(100 * 1000);
        switch (link_local_state(interface, index_)) {
        case LinkLocal::none:
            throw Error("the interface has no IPv6 link-local address: IPv6 is disabled on it "
                        "(sysctl net.ipv6.conf." + interface + ".disable_ipv6), or the link has no carrier",
                        "interface", interface);
        case LinkLocal::tentative:
            throw Error("the interface's link-local address is still tentative after " +
                            std::to_string(wait.count() / 1000) +
                            " s (duplicate address detection, or it failed: see `ip -6 addr show dev " + interface + "`)",
                        "interface", interface);
        case LinkLocal::usable: break;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(),
                       static_cast<socklen_t>(interface.size())) != 0) {
            int e = errno;
            throw Error(permission_error(e) ? "binding a socket to an interface needs CAP_NET_RAW: run xcatdhcp probe as root"
                                            : "cannot bind the socket to the interface: " + errno_text(e),
                        "interface", interface);
        }
        sockaddr_in6 address{};
        address.sin6_family = AF_INET6;
        address.sin6_port = htons(dhcp6_client_port);
        address.sin6_addr = in6addr_any;
        if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
            int e = errno;
            if (permission_error(e))
                throw Error("binding UDP port 546 needs CAP_NET_BIND_SERVICE: run xcatdhcp probe as root",
                            "interface", interface);
            if (e == EADDRINUSE)
                throw Error("UDP port 546 is in use on this interface (a DHCPv6 client such as dhclient -6 "
                            "is running?)",
                            "interface", interface);
            throw Error("cannot bind UDP port 546: " + errno_text(e), "interface", interface);
        }
        int index = static_cast<int>(index_);
        setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, sizeof index);
        int hops = 1, loop = 0;
        setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops);
        setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &loop, sizeof loop);
    }

    void send(const Bytes& payload) override {
        sockaddr_in6 to{};
        to.sin6_family = AF_INET6;
        to.sin6_port = htons(dhcp6_server_port);
        inet_pton(AF_INET6, dhcp6_all_servers, &to.sin6_addr);
        to.sin6_scope_id = index_;
        if (sendto(fd_.get(), payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0) {
            int e = errno;
            throw Error("sending to ff02::1:2 failed: " + errno_text(e) +
                            (e == EADDRNOTAVAIL ? " (no usable link-local source address)" : ""),
                        "interface", interface_);
        }
    }

    std::optional<Received6> receive(Clock::time_point deadline) override {
        std::vector<std::uint8_t> buffer(65536);
        while (wait_readable(fd_.get(), deadline)) {
            sockaddr_in6 from{};
            socklen_t length = sizeof from;
            ssize_t n = recvfrom(fd_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT,
                                 reinterpret_cast<sockaddr*>(&from), &length);
            if (n < 0) {
                if (errno == EINTR || errno == EAGAIN) continue;
                throw Error("receiving on the UDP socket failed: " + errno_text(errno), "interface", interface_);
            }
            std::array<std::uint8_t, 16> bytes{};
            std::memcpy(bytes.data(), &from.sin6_addr, 16);
            return Received6{Bytes(buffer.begin(), buffer.begin() + n), net::IpAddress::v6(bytes)};
        }
        return std::nullopt;
    }

private:
    std::string interface_;
    Fd fd_;
    unsigned index_ = 0;
};

}  // namespace

net::Mac interface_mac(const std::string& interface) {
    interface_index(interface);
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw Error("cannot open a socket to read the interface's MAC: " + errno_text(errno));
    Fd guard(fd);
    ifreq request{};
    std::strncpy(request.ifr_name, interface.c_str(), IFNAMSIZ - 1);
    if (ioctl(fd, SIOCGIFHWADDR, &request) != 0)
        throw Error("cannot read the interface's hardware address: " + errno_text(errno), "interface", interface);
    if (request.ifr_hwaddr.sa_family != ARPHRD_ETHER)
        throw Error("not an Ethernet interface; give the client's MAC with --mac", "interface", interface);
    char text[18];
    const auto* b = reinterpret_cast<const unsigned char*>(request.ifr_hwaddr.sa_data);
    std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
    return net::Mac::parse(text);
}

std::unique_ptr<Dhcp4Transport> open_packet_transport(const std::string& interface, const net::Mac& source_mac) {
    return std::make_unique<PacketTransport>(interface, source_mac);
}

std::unique_ptr<Dhcp6Transport> open_udp6_transport(const std::string& interface,
                                                    std::chrono::milliseconds wait_for_link_local) {
    return std::make_unique<Udp6Transport>(interface, wait_for_link_local);
}

}  // namespace xcatdhcp::probe
