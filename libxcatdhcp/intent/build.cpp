#include "xcatdhcp/intent/build.hpp"

#include "xcatdhcp/boot/rules.hpp"

#include <algorithm>
#include <charconv>
#include <set>
#include <unordered_map>

namespace xcatdhcp::intent {

using inventory::attribute;
using inventory::Attributes;
using net::AddressRange;
using net::IpAddress;
using net::Prefix;

bool Intent::has_v4() const {
    return std::any_of(subnets.begin(), subnets.end(), [](const Subnet& s) { return s.prefix.family() == net::Family::v4; });
}
bool Intent::has_v6() const {
    return std::any_of(subnets.begin(), subnets.end(), [](const Subnet& s) { return s.prefix.family() == net::Family::v6; });
}
std::size_t Intent::reservation_count() const {
    std::size_t n = unplaced.size();
    for (const auto& s : subnets) n += s.reservations.size();
    return n;
}
bool BuildResult::has_errors() const {
    return std::any_of(diagnostics.begin(), diagnostics.end(),
                       [](const Diagnostic& d) { return d.severity == Severity::error; });
}

std::uint32_t stable_subnet_id(const Prefix& prefix) {
    std::uint32_t hash = 2166136261u;
    for (unsigned char c : prefix.to_string()) {
        hash ^= c;
        hash *= 16777619u;
    }
    std::uint32_t id = hash & 0x7fffffffu;
    return id == 0 ? 1 : id;
}

std::vector<std::string> reverse_zones(const Prefix& prefix) {
    std::vector<std::string> zones;
    const auto& b = prefix.network().bytes();
    if (prefix.family() == net::Family::v4) {
        int len = prefix.length();
        int zone_octets = len >= 17 ? 3 : len >= 9 ? 2 : 1;
        int zone_bits = zone_octets * 8;
        std::uint32_t first = prefix.network().v4_value();
        std::uint64_t count = len >= zone_bits ? 1 : (std::uint64_t{1} << (zone_bits - len));
        for (std::uint64_t i = 0; i < count; ++i) {
            std::uint32_t block = first + static_cast<std::uint32_t>(i << (32 - zone_bits));
            std::string zone;
            for (int octet = zone_octets - 1; octet >= 0; --octet)
                zone += std::to_string((block >> (24 - 8 * octet)) & 0xff) + ".";
            zones.push_back(zone + "IN-ADDR.ARPA.");
        }
        return zones;
    }
    if (prefix.length() % 4 != 0 || prefix.length() == 0) return zones;
    static constexpr char hex[] = "0123456789abcdef";
    std::string zone;
    for (int nibble = prefix.length() / 4 - 1; nibble >= 0; --nibble) {
        std::uint8_t byte = b[nibble / 2];
        zone += hex[nibble % 2 == 0 ? byte >> 4 : byte & 15];
        zone += '.';
    }
    zones.push_back(zone + "ip6.arpa.");
    return zones;
}

bool valid_hostname(std::string_view name) {
    if (name.empty() || name.size() > 253) return false;
    std::size_t label = 0;
    for (std::size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        if (c == '.') {
            if (label == 0) return false;
            label = 0;
            continue;
        }
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        if (!ok || ++label > 63 || (label == 1 && c == '-')) return false;
    }
    return label > 0;
}

namespace {

constexpr std::string_view xcatmaster_keyword = "<xcatmaster>";
constexpr std::string_view remote_prefix = "!remote!";

std::string trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return std::string(s);
}

std::vector<std::string> split_any(std::string_view s, std::string_view separators) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos <= s.size()) {
        std::size_t end = s.find_first_of(separators, pos);
        if (end == std::string_view::npos) end = s.size();
        std::string item = trim(s.substr(pos, end - pos));
        if (!item.empty()) out.push_back(std::move(item));
        pos = end + 1;
    }
    return out;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::optional<std::uint32_t> parse_number(std::string_view text) {
    std::uint32_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

bool excluded_destination(const Prefix& p) {
    static const Prefix excluded[] = {*Prefix::parse("169.254.0.0/16"), *Prefix::parse("127.0.0.0/8"),
                                      *Prefix::parse("224.0.0.0/4"), *Prefix::parse("fe80::/10"),
                                      *Prefix::parse("ff00::/8"), *Prefix::parse("2002::/16"),
                                      *Prefix::parse("::1/128")};
    if (p.length() == 0) return true;  // default routes are never served
    for (const auto& e : excluded)
        if (e.contains(p)) return true;
    return false;
}

struct NetworkRow {
    std::string name;
    const Attributes* attributes = nullptr;
    Prefix prefix;
    std::vector<AddressRange> ranges;
    bool relayed = false;
    std::string relay_nic;  // !remote!<nic>
};

class Builder {
public:
    Builder(const inventory::Inventory& inventory, const BuildOptions& options)
        : inv_(inventory), options_(options), intent_(result_.intent) {}

    BuildResult run() {
        read_site();
        read_networks();
        choose_interfaces();
        make_subnets();
        assign_ids();
        read_nodes();
        finish_reservations();
        return std::move(result_);
    }

private:
    const inventory::Inventory& inv_;
    const BuildOptions& options_;
    BuildResult result_;
    Intent& intent_;

    std::vector<NetworkRow> rows_;
    net::RangeSet dynamic_;  // every range of every network: "is this node IP dynamic"
    std::set<std::string> served_;
    bool remote_token_ = false;
    std::vector<std::string> domains_;  // distinct domains, networks order then site

    // ---- diagnostics ----
    void node_diag(Severity s, const std::string& node, std::string attr, std::string value,
                   std::string message) {
        result_.diagnostics.push_back(
            {s, node, std::move(attr), std::move(value), std::move(message), {}});
    }
    void network_diag(Severity s, const std::string& network, std::string attr, std::string value,
                      std::string message) {
        result_.diagnostics.push_back({s, {}, std::move(attr), std::move(value), std::move(message),
                                       network.empty() ? "site" : "network " + network});
    }

    const std::string& site(std::string_view name) const { return attribute(inv_.site, name); }

    // ---- server facts ----
    std::vector<inventory::RouteFact> routes() const {
        if (!inv_.server.routes.empty()) return inv_.server.routes;
        std::vector<inventory::RouteFact> derived;
        for (const auto& i : inv_.server.interfaces)
            for (const auto& a : i.addresses) derived.push_back({a.network(), i.name, std::nullopt});
        return derived;
    }

    std::optional<IpAddress> my_ip(const Prefix& prefix) const {
        for (const auto& i : inv_.server.interfaces)
            for (const auto& a : i.addresses)
                if (prefix.contains(a.address)) return a.address;
        return std::nullopt;
    }

    bool is_my_address(const IpAddress& address) const {
        for (const auto& i : inv_.server.interfaces)
            for (const auto& a : i.addresses)
                if (a.address == address) return true;
        return false;
    }

    std::vector<IpAddress> resolve(const std::string& name) const {
        if (auto literal = IpAddress::parse(name)) return {*literal};
        auto it = inv_.server.hosts.find(name);
        if (it != inv_.server.hosts.end()) return it->second;
        return {};
    }

    std::optional<IpAddress> resolve_family(const std::string& name, net::Family family) const {
        for (const auto& a : resolve(name))
            if (a.family() == family) return a;
        return std::nullopt;
    }

    bool is_self(const std::string& name) const {
        if (name.empty()) return false;
        const auto& s = inv_.server;
        auto short_name = [](const std::string& n) { return n.substr(0, n.find('.')); };
        if (name == s.hostname || short_name(name) == short_name(s.hostname)) return true;
        for (const auto& n : s.names)
            if (name == n) return true;
        for (const auto& a : resolve(name))
            if (is_my_address(a)) return true;
        return false;
    }

    // ---- site ----
    void read_site() {
        intent_.server = inv_.server.hostname;
        intent_.second_stage_user_classes = options_.second_stage_user_classes;
        intent_.timezone = site("timezone");
        if (const auto& lease = site("dhcplease"); !lease.empty()) {
            if (auto n = parse_number(trim(lease)); n && *n > 0) intent_.default_lease_time = *n;
            else network_diag(Severity::error, {}, "site.dhcplease", lease,
                              "not a number of seconds; using 43200");
        }
        if (const auto& port = trim(site("httpport")); !port.empty() && port != "80") {
            auto n = parse_number(port);
            if (n && *n > 0 && *n < 65536) intent_.http_port_suffix = ":" + port;
            else network_diag(Severity::error, {}, "site.httpport", port,
                              "not a TCP port; boot URLs use port 80");
        }
        intent_.omapi_key = read_key();
        intent_.ddns.enabled = lower(site("dnshandler")).find("ddns") != std::string::npos;
        intent_.ddns.key = intent_.omapi_key;
    }

    Key read_key() {
        Key key;
        if (auto name = trim(site("dhcpomapikeyname")); !name.empty()) {
            bool ok = std::isalnum(static_cast<unsigned char>(name[0])) || name[0] == '_';
            for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-');
            if (ok) key.name = name;
            else network_diag(Severity::error, {}, "site.dhcpomapikeyname", name,
                              "key names may hold letters, digits, '_', '.', '-'; using xcat_key");
        }
        if (auto algorithm = lower(trim(site("dhcpomapialgorithm"))); !algorithm.empty()) {
            static const std::set<std::string> known = {"hmac-md5", "hmac-sha1", "hmac-sha224",
                                                        "hmac-sha256", "hmac-sha384", "hmac-sha512"};
            if (known.count(algorithm)) key.algorithm = algorithm;
            else network_diag(Severity::error, {}, "site.dhcpomapialgorithm", site("dhcpomapialgorithm"),
                              "valid algorithms are hmac-md5, hmac-sha1, hmac-sha224, hmac-sha256, "
                              "hmac-sha384, hmac-sha512; using hmac-md5");
        }
        return key;
    }

    // ---- networks ----
    void read_networks() {
        for (const auto& [name, attrs] : inv_.networks) {
            NetworkRow row;
            row.name = name;
            row.attributes = &attrs;
            std::string net_text = attribute(attrs, "net");
            std::string mask_text = attribute(attrs, "mask");
            try {
                row.prefix = Prefix::from_net_and_mask(net_text, mask_text);
            } catch (const Error& e) {
                network_diag(Severity::error, name, e.attribute(), e.value(),
                             e.message() + "; network ignored");
                continue;
            }
            const std::string& mgt = attribute(attrs, "mgtifname");
            if (mgt.rfind(remote_prefix, 0) == 0) {
                row.relayed = true;
                row.relay_nic = mgt.substr(remote_prefix.size());
            }
            try {
                row.ranges = net::parse_dynamic_ranges(attribute(attrs, "dynamicrange"));
                for (const auto& r : row.ranges) {
                    if (r.family() != row.prefix.family() || !r.inside(row.prefix)) {
                        network_diag(Severity::error, name, "dynamicrange", r.to_string(),
                                     "range lies outside the network " + row.prefix.to_string() +
                                         "; no pool from this network");
                        row.ranges.clear();
                        break;
                    }
                }
            } catch (const Error& e) {
                network_diag(Severity::error, name, "dynamicrange", e.value(),
                             e.message() + "; no pool from this network");
            }
            for (const auto& r : row.ranges) dynamic_.add(r);
            if (auto domain = trim(attribute(attrs, "domain")); !domain.empty() &&
                std::find(domains_.begin(), domains_.end(), domain) == domains_.end())
                domains_.push_back(domain);
            rows_.push_back(std::move(row));
        }
        if (auto domain = trim(site("domain")); !domain.empty() &&
            std::find(domains_.begin(), domains_.end(), domain) == domains_.end())
            domains_.push_back(domain);
    }

    const NetworkRow* row_for(const Prefix& prefix) const {
        for (const auto& row : rows_)
            if (row.prefix == prefix) return &row;
        return nullptr;
    }

    // ---- interfaces (site.dhcpinterfaces, else detection) ----
    bool noderange_includes_self(const std::string& noderange) const {
        bool expanded_any = false;
        for (const auto& item : split_any(noderange, ",")) {
            if (inv_.nodes.count(item)) {
                expanded_any = true;
                if (is_self(item) || node_is_self(item)) return true;
                continue;
            }
            for (const auto& [node, attrs] : inv_.nodes) {
                auto groups = split_any(attribute(attrs, "groups"), ",");
                if (std::find(groups.begin(), groups.end(), item) == groups.end()) continue;
                expanded_any = true;
                if (is_self(node) || node_is_self(node)) return true;
            }
            if (!expanded_any && is_self(item)) return true;  // the MN is often not a node
        }
        return false;
    }

    bool node_is_self(const std::string& node) const {
        auto it = inv_.nodes.find(node);
        if (it == inv_.nodes.end()) return false;
        auto ip = IpAddress::parse(attribute(it->second, "ip"));
        return ip && is_my_address(*ip);
    }

    bool server_has_interface(const std::string& name) const {
        return std::any_of(inv_.server.interfaces.begin(), inv_.server.interfaces.end(),
                           [&](const inventory::InterfaceFact& i) { return i.name == name; });
    }

    void choose_interfaces() {
        std::string value = site("dhcpinterfaces");
        if (value.empty()) value = site("dhcpinterface");
        bool applied = false;
        for (const auto& entry : split_any(value, ";")) {
            std::string nics = entry;
            if (auto bar = entry.find('|'); bar != std::string::npos) {
                if (!noderange_includes_self(trim(entry.substr(0, bar)))) continue;
                nics = entry.substr(bar + 1);
            }
            applied = true;
            for (auto token : split_any(nics, ", \t")) {
                if (auto colon = token.find(":noboot"); colon != std::string::npos) token.erase(colon);
                if (token == remote_prefix) {
                    remote_token_ = true;
                    continue;
                }
                if (token.empty()) continue;
                if (!server_has_interface(token)) {
                    network_diag(Severity::warning, {}, "site.dhcpinterfaces", token,
                                 "this server has no such interface; ignored");
                    continue;
                }
                served_.insert(token);
            }
        }
        if (applied) {
            if (served_.empty() && !remote_token_)
                throw Error("none of the interfaces listed for this server exists here (it has: " +
                                interface_list() + "); fix site.dhcpinterfaces",
                            "site.dhcpinterfaces", value);
            return;
        }
        // Detection: interfaces with a directly attached route to a network in the networks table.
        for (const auto& route : routes()) {
            if (route.gateway || excluded_destination(route.destination)) continue;
            if (row_for(route.destination)) served_.insert(route.interface);
        }
        for (const auto& row : rows_)
            if (row.relayed && !row.relay_nic.empty() && server_has_interface(row.relay_nic))
                served_.insert(row.relay_nic);
        if (served_.empty())
            throw Error("no interface of this server (" + interface_list() +
                            ") is on a network of the networks table; set site.dhcpinterfaces",
                        "site.dhcpinterfaces", value);
    }

    std::string interface_list() const {
        std::string out;
        for (const auto& i : inv_.server.interfaces) out += (out.empty() ? "" : ", ") + i.name;
        return out.empty() ? "no interfaces" : out;
    }

    // ---- subnets ----
    void make_subnets() {
        std::set<Prefix> seen;
        for (const auto& route : routes()) {
            if (route.gateway || excluded_destination(route.destination)) continue;
            if (!served_.count(route.interface)) continue;
            if (!seen.insert(route.destination).second) continue;  // first route's interface wins
            add_subnet(route.destination, route.interface, row_for(route.destination));
        }
        for (const auto& row : rows_) {
            if (!row.relayed || seen.count(row.prefix)) continue;
            if (row.relay_nic.empty() && !remote_token_) continue;
            if (!row.relay_nic.empty() && server_has_interface(row.relay_nic))
                served_.insert(row.relay_nic);
            seen.insert(row.prefix);
            add_subnet(row.prefix, row.relay_nic, &row);
        }
        std::sort(intent_.subnets.begin(), intent_.subnets.end(),
                  [](const Subnet& a, const Subnet& b) { return a.prefix < b.prefix; });
        intent_.interfaces.assign(served_.begin(), served_.end());
    }

    std::vector<IpAddress> server_list(const NetworkRow* row, const std::string& network,
                                       std::string_view name, const std::optional<IpAddress>& myip,
                                       net::Family family, bool substitute_empty) {
        std::string value = row ? trim(attribute(*row->attributes, name)) : "";
        std::string source = "networks." + std::string(name);
        if (value.empty()) {
            value = trim(site(name));
            source = "site." + std::string(name);
        }
        std::vector<IpAddress> out;
        if (value.empty()) {
            if (substitute_empty && myip) out.push_back(*myip);
            return out;
        }
        for (const auto& item : split_any(value, ",")) {
            if (item == xcatmaster_keyword) {
                if (myip) out.push_back(*myip);
                else network_diag(Severity::warning, network, source, item,
                                  "this server has no address on the network to stand for <xcatmaster>");
                continue;
            }
            auto address = resolve_family(item, family);
            if (!address) {
                if (!resolve(item).empty()) continue;  // an address of the other family
                network_diag(Severity::error, network, source, item,
                             "not an address and does not resolve; left out");
                continue;
            }
            out.push_back(*address);
        }
        // This server first, as xCAT orders them.
        std::stable_partition(out.begin(), out.end(), [&](const IpAddress& a) { return is_my_address(a); });
        out.erase(std::unique(out.begin(), out.end()), out.end());
        return out;
    }

    void add_subnet(const Prefix& prefix, const std::string& interface, const NetworkRow* row) {
        Subnet s;
        s.prefix = prefix;
        s.network = row ? row->name : "";
        s.relayed = row && row->relayed;
        s.interface = s.relayed ? "" : interface;
        s.shared_network = interface;
        s.server_address = my_ip(prefix);
        s.lease_time = intent_.default_lease_time;
        const std::string subject = row ? row->name : prefix.to_string();
        if (!row)
            network_diag(Severity::info, prefix.to_string(), "route", interface,
                         "served with defaults: no networks table row for this route");
        const net::Family family = prefix.family();

        // Ownership of the dynamic range (both families).
        const std::string dhcpserver = row ? trim(attribute(*row->attributes, "dhcpserver")) : "";
        s.owned = dhcpserver.empty() || is_self(dhcpserver);
        if (row && s.owned) s.pools = row->ranges;
        if (row && row->ranges.empty())
            network_diag(Severity::warning, subject, "dynamicrange", "",
                         "no dynamic range: unknown clients (hardware discovery) get no address");

        SubnetOptions& o = s.options;
        // next-server / TFTP host
        std::string tftp = row ? trim(attribute(*row->attributes, "tftpserver")) : "";
        if (tftp.empty() || tftp == xcatmaster_keyword) {
            o.next_server = family == net::Family::v4 ? s.server_address : std::nullopt;
            if (!o.next_server && family == net::Family::v4)
                network_diag(Severity::warning, subject, "tftpserver", tftp,
                             "no TFTP server: this server has no address on the network; set "
                             "networks.tftpserver (boot URLs left out)");
        } else if (family == net::Family::v4) {
            o.next_server = resolve_family(tftp, net::Family::v4);
            if (!o.next_server)
                network_diag(Severity::error, subject, "tftpserver", tftp,
                             "does not resolve to an IPv4 address; boot URLs left out");
        }

        if (family == net::Family::v4) {
            read_gateway(s, row, subject);
            o.log_servers = server_list(row, subject, "logservers", s.server_address, family, true);
            o.ntp_servers = server_list(row, subject, "ntpservers", s.server_address, family, true);
        }
        o.dns_servers = server_list(row, subject, "nameservers", s.server_address, family, false);
        if (o.dns_servers.empty() && family == net::Family::v4)
            network_diag(Severity::warning, subject, "nameservers", "",
                         "no name servers in the networks or site table");
        std::string domain = row ? trim(attribute(*row->attributes, "domain")) : "";
        if (domain.empty()) domain = trim(site("domain"));
        if (domain.empty()) {
            network_diag(Severity::error, subject, "domain", "",
                         "no domain in the networks or site table; domain options left out");
        } else {
            o.domain_name = domain;
            o.domain_search.push_back(domain);
            for (const auto& d : domains_)
                if (d != domain) o.domain_search.push_back(d);
        }
        if (row) {
            if (auto mtu_text = trim(attribute(*row->attributes, "mtu")); !mtu_text.empty()) {
                auto mtu = parse_number(mtu_text);
                if (mtu && *mtu >= 68 && *mtu <= 65535) o.mtu = *mtu;
                else network_diag(Severity::error, subject, "mtu", mtu_text, "not an MTU (68..65535); left out");
            }
        }
        if (o.next_server)
            o.cumulus_provision_url = "http://" + o.next_server->to_string() + intent_.http_port_suffix +
                                      "/install/postscripts/cumulusztp";
        if (family == net::Family::v4)
            s.boot_rules = boot::subnet_rules({o.next_server ? o.next_server->to_string() : "",
                                               prefix.network().to_string(), prefix.length(),
                                               intent_.http_port_suffix});

        if (intent_.ddns.enabled) {
            std::string zone = row ? trim(attribute(*row->attributes, "ddnsdomain")) : "";
            if (zone.empty()) zone = domain;
            std::optional<IpAddress> dns;
            if (!o.dns_servers.empty()) dns = o.dns_servers.front();
            if (!zone.empty()) {
                s.ddns_domain = zone;
                s.ddns_zones.push_back({zone + ".", dns});
            }
            auto reverse = reverse_zones(prefix);
            if (reverse.empty())
                network_diag(Severity::warning, subject, "net", prefix.to_string(),
                             "no reverse DNS zone: the prefix length is not a multiple of 4");
            for (auto& z : reverse) s.ddns_zones.push_back({std::move(z), dns});
        }
        intent_.subnets.push_back(std::move(s));
    }

    void read_gateway(Subnet& s, const NetworkRow* row, const std::string& subject) {
        std::string gateway = row ? trim(attribute(*row->attributes, "gateway")) : "";
        if (gateway.empty()) return;
        std::optional<IpAddress> address;
        if (gateway == xcatmaster_keyword) {
            if (inv_.server.ip_forward.value_or(false)) address = s.server_address;
            else {
                network_diag(Severity::info, subject, "gateway", gateway,
                             "IP forwarding is off on this server, so it is not announced as router");
                return;
            }
        } else {
            address = resolve_family(gateway, net::Family::v4);
        }
        if (!address) {
            network_diag(Severity::error, subject, "gateway", gateway, "does not resolve; no router option");
            return;
        }
        if (!s.prefix.contains(*address)) {
            network_diag(Severity::error, subject, "gateway", gateway,
                         "not on " + s.prefix.to_string() + "; no router option");
            return;
        }
        s.options.routers.push_back(*address);
    }

    void assign_ids() {
        std::set<std::uint32_t> used;
        std::vector<Subnet*> pending;
        for (auto& s : intent_.subnets) {
            auto it = options_.previous_subnet_ids.find(s.prefix.to_string());
            if (it != options_.previous_subnet_ids.end() && it->second != 0 && used.insert(it->second).second)
                s.id = it->second;
            else
                pending.push_back(&s);
        }
        for (Subnet* s : pending) {
            std::uint32_t id = stable_subnet_id(s->prefix);
            while (!used.insert(id).second) id = id % 0x7fffffffu + 1;
            s->id = id;
        }
    }

    // ---- nodes ----
    struct NodeFacts {
        std::string boot_server;
        std::optional<IpAddress> next_server;
    };

    Subnet* subnet_for(const IpAddress& address) {
        Subnet* best = nullptr;
        for (auto& s : intent_.subnets)
            if (s.prefix.contains(address) && (!best || s.prefix.length() > best->prefix.length()))
                best = &s;
        return best;
    }

    void read_nodes() {
        for (const auto& [node, attrs] : inv_.nodes) read_node(node, attrs);
    }

    void read_node(const std::string& node, const Attributes& attrs) {
        if (!valid_hostname(node)) {
            node_diag(Severity::error, node, "node", node, "node name is not a valid host name; node skipped");
            return;
        }
        const std::string& mac_value = attribute(attrs, "mac");
        if (trim(mac_value).empty()) {
            node_diag(Severity::warning, node, "mac", "", "no MAC address; node skipped");
            return;
        }
        auto parsed = net::parse_mac_list(mac_value);
        for (const auto& e : parsed.errors)
            node_diag(Severity::error, node, e.attribute(), e.value(), e.message());
        if (parsed.nics.empty()) return;

        // Node-level next-server and boot URL host.
        NodeFacts facts;
        facts.boot_server = "${next-server}";  // xNBA expands it to the DHCP next-server
        const std::string tftp = trim(attribute(attrs, "tftpserver"));
        const std::string netboot = lower(trim(attribute(attrs, "netboot")));
        if (!tftp.empty() && tftp != xcatmaster_keyword) {
            facts.next_server = resolve_family(tftp, net::Family::v4);
            if (!facts.next_server) {
                node_diag(Severity::error, node, "tftpserver", tftp,
                          "unable to resolve the tftpserver to an IPv4 address; node skipped");
                return;
            }
            facts.boot_server = facts.next_server->to_string();
        }
        auto node_v4 = node_address(node, attrs, net::Family::v4);
        if ((netboot == "petitboot" || netboot == "onie") && !facts.next_server) {
            // These loaders fetch from a fixed host: xcatmaster, else this server facing the node.
            const std::string master = trim(attribute(attrs, "xcatmaster"));
            std::optional<IpAddress> host;
            if (!master.empty() && master != xcatmaster_keyword) {
                host = resolve_family(master, net::Family::v4);
                if (!host) {
                    node_diag(Severity::error, node, "xcatmaster", master,
                              "does not resolve to an IPv4 address; set xcatmaster correctly; node skipped");
                    return;
                }
            } else if (node_v4) {
                if (Subnet* s = subnet_for(*node_v4)) host = s->server_address;
            }
            if (!host) {
                node_diag(Severity::error, node, "xcatmaster", master,
                          "cannot tell which server the node boots from; set xcatmaster or tftpserver; "
                          "node skipped");
                return;
            }
            facts.boot_server = host->to_string();
        }

        boot::NodeContext context;
        context.node = node;
        context.netboot = trim(attribute(attrs, "netboot"));
        context.currstate = trim(attribute(attrs, "currstate"));
        context.os = trim(attribute(attrs, "os"));
        context.boot_server = facts.boot_server;
        context.port_suffix = intent_.http_port_suffix;
        context.iscsi_server = trim(attribute(attrs, "iscsiserver"));
        context.iscsi_target = trim(attribute(attrs, "iscsitarget"));
        context.iscsi_lun = trim(attribute(attrs, "iscsilun"));
        context.iscsi_iname = trim(attribute(attrs, "iscsiname"));
        if (netboot == "onie") context.onie_installer_path = onie_path(node, attrs);
        if (!context.netboot.empty() &&
            std::find(boot::known_netboot_methods().begin(), boot::known_netboot_methods().end(),
                      netboot) == boot::known_netboot_methods().end() &&
            netboot.rfind("grub2", 0) != 0)
            node_diag(Severity::warning, node, "netboot", context.netboot,
                      "unknown netboot method; the subnet's boot rules apply");
        const boot::BootPlan plan = boot::node_plan(context);

        std::optional<std::string> duid = node_duid(node, attrs);
        bool duid_used = false;

        for (const auto& nic : parsed.nics) {
            Reservation r;
            r.node = node;
            r.hostname = node;
            r.nic_hostname = nic.hostname.empty() ? node : nic.hostname;
            r.mac = nic.mac;
            r.next_server = facts.next_server;
            if (nic.no_ip) {
                r.deny = true;
                r.name = node + "-noip" + nic.mac.hex();
                place(std::move(r), std::nullopt);
                continue;
            }
            if (!valid_hostname(r.nic_hostname)) {
                node_diag(Severity::error, node, "mac", nic.mac.to_string() + "!" + nic.hostname,
                          "the NIC host name is not a valid host name; NIC skipped");
                continue;
            }
            r.boot = plan;
            auto v4 = r.nic_hostname == node ? node_v4 : resolve_family(r.nic_hostname, net::Family::v4);
            auto v6 = r.nic_hostname == node ? node_address(node, attrs, net::Family::v6)
                                             : resolve_family(r.nic_hostname, net::Family::v6);
            if (!v4 && !v6) {
                node_diag(Severity::warning, node, "hostname", r.nic_hostname,
                          "could not be resolved; reservation without a fixed address");
                place(std::move(r), std::nullopt);
                continue;
            }
            if (v6) {
                Reservation r6 = r;
                if (duid && !duid_used && r.nic_hostname == node) {
                    r6.duid = duid;
                    duid_used = true;
                }
                place_address(std::move(r6), *v6);
            }
            if (v4) place_address(std::move(r), *v4);
        }
    }

    std::optional<IpAddress> node_address(const std::string& node, const Attributes& attrs,
                                          net::Family family) {
        const std::string ip = trim(attribute(attrs, "ip"));
        if (!ip.empty()) {
            auto parsed = IpAddress::parse(ip);
            if (!parsed) {
                node_diag(Severity::error, node, "ip", ip, "not an IP address; the host name is resolved instead");
            } else if (parsed->family() == family) {
                return parsed;
            }
        }
        return resolve_family(node, family);
    }

    std::optional<std::string> node_duid(const std::string& node, const Attributes& attrs) {
        std::string uuid = trim(attribute(attrs, "uuid"));
        if (uuid.empty()) return std::nullopt;
        std::string hex;
        for (char c : uuid)
            if (c != '-') hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        bool ok = hex.size() == 32 && hex.find_first_not_of("0123456789abcdef") == std::string::npos;
        if (!ok) {
            node_diag(Severity::warning, node, "uuid", uuid, "not a UUID; no DHCPv6 DUID for this node");
            return std::nullopt;
        }
        std::string duid = "00:04";  // DUID-UUID (RFC 6355)
        for (std::size_t i = 0; i < hex.size(); i += 2) duid += ":" + hex.substr(i, 2);
        return duid;
    }

    std::string onie_path(const std::string& node, const Attributes& attrs) {
        const std::string image = trim(attribute(attrs, "provmethod"));
        if (image.empty()) {
            node_diag(Severity::warning, node, "provmethod", "", "no osimage; the default ONIE installer URL is used");
            return "";
        }
        auto it = inv_.osimages.find(image);
        if (it == inv_.osimages.end()) {
            node_diag(Severity::warning, node, "provmethod", image,
                      "osimage not in the inventory; the default ONIE installer URL is used");
            return "";
        }
        auto dirs = split_any(attribute(it->second, "pkgdir"), ",");
        if (dirs.empty()) {
            node_diag(Severity::warning, node, "provmethod", image,
                      "osimage has no pkgdir; the default ONIE installer URL is used");
            return "";
        }
        return dirs.front();
    }

    void place_address(Reservation r, const IpAddress& address) {
        Subnet* s = subnet_for(address);
        if (!s) {
            node_diag(Severity::info, r.node, "ip", address.to_string(),
                      "not on a network this server serves; not added here");
            return;
        }
        if (dynamic_.contains(address)) {
            node_diag(Severity::warning, r.node, "ip", address.to_string(),
                      "inside a dynamic range: no fixed address, the node draws from the pool; move "
                      "the node IP out of networks.dynamicrange to pin it");
        } else {
            r.address = address;
        }
        if (networks_has_hfi(*s)) r.hardware_type = HardwareType::hfi;
        pending_.push_back({std::move(r), s});
    }

    void place(Reservation r, Subnet* s) { pending_.push_back({std::move(r), s}); }
    void place(Reservation r, std::nullopt_t) { pending_.push_back({std::move(r), nullptr}); }

    bool networks_has_hfi(const Subnet& s) const {
        const NetworkRow* row = row_for(s.prefix);
        return row && attribute(*row->attributes, "mgtifname").find("hf") != std::string::npos;
    }

    struct Pending {
        Reservation reservation;
        Subnet* subnet;
        bool dropped = false;
    };
    std::vector<Pending> pending_;

    void finish_reservations() {
        // Hardware type by address length (IPoIB / OPA forms are InfiniBand).
        for (auto& p : pending_)
            if (p.reservation.hardware_type == HardwareType::ethernet && p.reservation.mac.size() != 6)
                p.reservation.hardware_type = HardwareType::infiniband;

        // Duplicates across nodes: a MAC (per family) or a fixed address claimed by two nodes.
        // Sorted typed keys rather than string-keyed maps: this runs over every NIC.
        struct MacKey {
            bool v6;
            net::Mac mac;
            std::size_t index;
        };
        struct IpKey {
            IpAddress address;
            std::size_t index;
        };
        std::vector<MacKey> macs;
        std::vector<IpKey> ips;
        macs.reserve(pending_.size());
        ips.reserve(pending_.size());
        for (std::size_t i = 0; i < pending_.size(); ++i) {
            const Reservation& r = pending_[i].reservation;
            macs.push_back({is_v6(pending_[i]), r.mac, i});
            if (r.address) ips.push_back({*r.address, i});
        }
        std::sort(macs.begin(), macs.end(), [](const MacKey& a, const MacKey& b) {
            return std::tie(a.v6, a.mac, a.index) < std::tie(b.v6, b.mac, b.index);
        });
        std::sort(ips.begin(), ips.end(), [](const IpKey& a, const IpKey& b) {
            return std::tie(a.address, a.index) < std::tie(b.address, b.index);
        });
        auto report = [&](const std::vector<std::size_t>& group, bool is_mac, const std::string& value) {
            std::set<std::string> nodes;
            for (auto i : group) nodes.insert(pending_[i].reservation.node);
            if (!is_mac && nodes.size() == 1) return;  // one node's NIC aliases may share an address
            std::string others;
            for (const auto& n : nodes) others += (others.empty() ? "" : ", ") + n;
            for (auto i : group) {
                if (pending_[i].dropped) continue;
                pending_[i].dropped = true;
                node_diag(Severity::error, pending_[i].reservation.node, is_mac ? "mac" : "ip", value,
                          std::string(is_mac ? "MAC" : "address") + " claimed more than once (nodes: " +
                              others + "); none of these reservations is rendered");
            }
        };
        for (std::size_t i = 0; i < macs.size();) {
            std::size_t j = i + 1;
            while (j < macs.size() && macs[j].v6 == macs[i].v6 && macs[j].mac == macs[i].mac) ++j;
            if (j - i > 1) {
                std::vector<std::size_t> group;
                for (std::size_t k = i; k < j; ++k) group.push_back(macs[k].index);
                report(group, true, macs[i].mac.to_string());
            }
            i = j;
        }
        for (std::size_t i = 0; i < ips.size();) {
            std::size_t j = i + 1;
            while (j < ips.size() && ips[j].address == ips[i].address) ++j;
            if (j - i > 1) {
                std::vector<std::size_t> group;
                for (std::size_t k = i; k < j; ++k) group.push_back(ips[k].index);
                report(group, false, ips[i].address.to_string());
            }
            i = j;
        }

        // Unique object names: the NIC host name, else qualified by the MAC.
        std::vector<std::string_view> names;
        for (const auto& p : pending_)
            if (!p.dropped && !p.reservation.deny && !is_v6(p)) names.push_back(p.reservation.nic_hostname);
        std::sort(names.begin(), names.end());
        auto shared_name = [&](const std::string& name) {
            auto range = std::equal_range(names.begin(), names.end(), std::string_view(name));
            return range.second - range.first > 1;
        };
        for (auto& p : pending_) {
            if (p.dropped) continue;
            Reservation& r = p.reservation;
            if (r.name.empty())
                r.name = shared_name(r.nic_hostname) ? r.nic_hostname + "-" + r.mac.hex() : r.nic_hostname;
            if (p.subnet) p.subnet->reservations.push_back(std::move(r));
            else intent_.unplaced.push_back(std::move(r));
        }
        for (auto& s : intent_.subnets) {
            s.reservations_out_of_pool = std::none_of(
                s.reservations.begin(), s.reservations.end(), [&](const Reservation& r) {
                    return r.address && std::any_of(s.pools.begin(), s.pools.end(),
                                                    [&](const AddressRange& p) { return p.contains(*r.address); });
                });
        }
    }

    static bool is_v6(const Pending& p) { return p.subnet && p.subnet->family() == net::Family::v6; }
};

}  // namespace

BuildResult build(const inventory::Inventory& inventory, const BuildOptions& options) {
    return Builder(inventory, options).run();
}

}  // namespace xcatdhcp::intent
