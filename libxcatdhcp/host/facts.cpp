#include "xcatdhcp/host/facts.hpp"

#include "file_text.hpp"

#include "xcatdhcp/version.hpp"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace xcatdhcp::host {

namespace fs = std::filesystem;
using net::IpAddress;

namespace {

std::string unquote(std::string v) {
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
        v = v.substr(1, v.size() - 2);
    return v;
}

int prefix_length_of(const sockaddr* mask) {
    int bits = 0;
    const unsigned char* bytes = nullptr;
    int size = 0;
    if (mask->sa_family == AF_INET) {
        bytes = reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in*>(mask)->sin_addr);
        size = 4;
    } else {
        bytes = reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in6*>(mask)->sin6_addr);
        size = 16;
    }
    for (int i = 0; i < size; ++i)
        for (int b = 7; b >= 0; --b)
            if (bytes[i] & (1 << b)) ++bits;
    return bits;
}

std::uint32_t hex_le32(const std::string& text) {
    // /proc/net/route prints addresses as host-order hex of the network-order value.
    std::uint32_t v = static_cast<std::uint32_t>(std::stoul(text, nullptr, 16));
    return ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >> 8) & 0xff00) | (v >> 24);
}

}  // namespace

inventory::Platform parse_os_release(const std::string& text) {
    inventory::Platform p;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        std::string key = line.substr(0, eq), value = unquote(line.substr(eq + 1));
        if (key == "ID") p.id = value;
        else if (key == "VERSION_ID") p.version = value;
        else if (key == "ID_LIKE") p.id_like = value;
        else if (key == "PLATFORM_ID") p.platform_id = value;
    }
    return p;
}

std::vector<inventory::RouteFact> parse_proc_routes(const std::string& v4, const std::string& v6) {
    std::vector<inventory::RouteFact> routes;
    std::istringstream in4(v4);
    std::string line;
    std::getline(in4, line);  // header
    while (std::getline(in4, line)) {
        std::istringstream f(line);
        std::string iface, dest, gateway, flags, refcnt, use, metric, mask;
        if (!(f >> iface >> dest >> gateway >> flags >> refcnt >> use >> metric >> mask)) continue;
        try {
            auto m = IpAddress::v4(hex_le32(mask));
            auto length = net::Prefix::mask_length(m);
            if (!length) continue;
            inventory::RouteFact r{net::Prefix(IpAddress::v4(hex_le32(dest)), *length), iface, std::nullopt};
            std::uint32_t gw = hex_le32(gateway);
            if (gw != 0) r.gateway = IpAddress::v4(gw);
            routes.push_back(std::move(r));
        } catch (const std::exception&) {
            continue;  // a malformed line is skipped
        }
    }
    std::istringstream in6(v6);
    while (std::getline(in6, line)) {
        std::istringstream f(line);
        std::string dest, dest_len, src, src_len, next_hop, metric, refcnt, use, flags, iface;
        if (!(f >> dest >> dest_len >> src >> src_len >> next_hop >> metric >> refcnt >> use >> flags >> iface))
            continue;
        if (dest.size() != 32 || next_hop.size() != 32 || iface == "lo") continue;
        try {
            std::array<std::uint8_t, 16> bytes{}, hop{};
            for (int i = 0; i < 16; ++i) {
                bytes[i] = static_cast<std::uint8_t>(std::stoul(dest.substr(2 * i, 2), nullptr, 16));
                hop[i] = static_cast<std::uint8_t>(std::stoul(next_hop.substr(2 * i, 2), nullptr, 16));
            }
            int length = std::stoi(dest_len, nullptr, 16);
            inventory::RouteFact r{net::Prefix(IpAddress::v6(bytes), length), iface, std::nullopt};
            if (std::any_of(hop.begin(), hop.end(), [](std::uint8_t b) { return b != 0; }))
                r.gateway = IpAddress::v6(hop);
            routes.push_back(std::move(r));
        } catch (const std::exception&) {
            continue;
        }
    }
    return routes;
}

std::map<std::string, std::vector<IpAddress>, std::less<>> parse_hosts_file(const std::string& text) {
    std::map<std::string, std::vector<IpAddress>, std::less<>> hosts;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        line = line.substr(0, line.find('#'));
        std::istringstream f(line);
        std::string address_text;
        if (!(f >> address_text)) continue;
        auto address = IpAddress::parse(address_text);
        if (!address) continue;
        for (std::string name; f >> name;) {
            auto& list = hosts[name];
            if (std::find(list.begin(), list.end(), *address) == list.end()) list.push_back(*address);
        }
    }
    return hosts;
}

inventory::ServerFacts probe_server_facts(apply::ProcessRunner& runner, const ProbeOptions& options) {
    inventory::ServerFacts facts;
    const fs::path root = options.root;
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) == 0) facts.hostname = name;
    if (auto dot = facts.hostname.find('.'); dot != std::string::npos)
        facts.names.push_back(facts.hostname.substr(0, dot));
    facts.platform = parse_os_release(detail::read_text_or_empty(root / "etc/os-release"));
    facts.hosts = parse_hosts_file(detail::read_text_or_empty(root / "etc/hosts"));

    ifaddrs* list = nullptr;
    if (getifaddrs(&list) == 0) {
        for (ifaddrs* a = list; a; a = a->ifa_next) {
            if (!a->ifa_addr || !a->ifa_netmask || (a->ifa_flags & IFF_LOOPBACK)) continue;
            std::optional<IpAddress> address;
            if (a->ifa_addr->sa_family == AF_INET) {
                auto* sin = reinterpret_cast<sockaddr_in*>(a->ifa_addr);
                address = IpAddress::v4(ntohl(sin->sin_addr.s_addr));
            } else if (a->ifa_addr->sa_family == AF_INET6) {
                auto* sin6 = reinterpret_cast<sockaddr_in6*>(a->ifa_addr);
                std::array<std::uint8_t, 16> bytes{};
                std::copy(sin6->sin6_addr.s6_addr, sin6->sin6_addr.s6_addr + 16, bytes.begin());
                if (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80) continue;  // link-local
                address = IpAddress::v6(bytes);
            }
            if (!address) continue;
            auto it = std::find_if(facts.interfaces.begin(), facts.interfaces.end(),
                                   [&](const inventory::InterfaceFact& f) { return f.name == a->ifa_name; });
            if (it == facts.interfaces.end()) {
                facts.interfaces.push_back({a->ifa_name, {}});
                it = std::prev(facts.interfaces.end());
            }
            it->addresses.push_back({*address, prefix_length_of(a->ifa_netmask)});
        }
        freeifaddrs(list);
    }
    std::sort(facts.interfaces.begin(), facts.interfaces.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    facts.routes = parse_proc_routes(detail::read_text_or_empty("/proc/net/route"), detail::read_text_or_empty("/proc/net/ipv6_route"));

    if (options.query_versions) {
        if (!apply::find_program("kea-dhcp4").empty()) {
            auto r = runner.run({"kea-dhcp4", "-V"}, 20);
            if (auto v = Version::find_in(r.output)) facts.backends["kea"] = v->to_string();
        }
        if (!apply::find_program("dhcpd").empty()) {
            auto r = runner.run({"dhcpd", "--version"}, 20);
            if (auto v = Version::find_in(r.output)) facts.backends["isc"] = v->to_string();
        }
    }
    for (const char* dir : {"usr/lib/x86_64-linux-gnu/kea/hooks", "usr/lib/aarch64-linux-gnu/kea/hooks",
                            "usr/lib/powerpc64le-linux-gnu/kea/hooks", "usr/lib64/kea/hooks",
                            "usr/lib/kea/hooks", "usr/local/lib/kea/hooks"}) {
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(root / dir, ec))
            if (entry.path().extension() == ".so") facts.kea_hooks.push_back(entry.path().filename().string());
    }
    std::sort(facts.kea_hooks.begin(), facts.kea_hooks.end());
    facts.kea_hooks.erase(std::unique(facts.kea_hooks.begin(), facts.kea_hooks.end()), facts.kea_hooks.end());
    for (const char* loader : {"xcat/xnba.kpxe", "xcat/xnba.efi"})
        if (fs::exists(fs::path(options.tftpdir) / loader)) facts.tftp_files.push_back(loader);
    std::string forward = detail::read_text_or_empty("/proc/sys/net/ipv4/ip_forward");
    if (!forward.empty()) facts.ip_forward = forward[0] == '1';
    return facts;
}

}  // namespace xcatdhcp::host
