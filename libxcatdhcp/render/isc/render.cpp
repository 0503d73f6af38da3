// dhcpd.conf and dhcpd6.conf from the intent.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "render/isc/internal.hpp"
#include "xcatdhcp/error.hpp"

namespace xcatdhcp::render::isc {

using intent::Intent;
using intent::Subnet;
using net::Family;

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string join(const std::vector<std::string>& items, const std::string& separator) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? separator : "") + items[i];
    return out;
}

std::string address_list(const std::vector<net::IpAddress>& list, Family family, std::string_view what) {
    std::vector<std::string> items;
    for (const auto& a : list) items.push_back(syntax::address(a, family, what));
    return join(items, ", ");
}

std::string string_list(const std::vector<std::string>& list, std::string_view what) {
    std::vector<std::string> items;
    for (const auto& s : list) items.push_back(syntax::quote(s, what));
    return join(items, ", ");
}

// ---------------------------------------------------------------- header
struct KeyBlock {
    std::string name;
    std::string algorithm;
    std::string secret;
};

std::vector<KeyBlock> key_blocks(const Intent& intent, const Secrets& secrets) {
    auto check = [](const intent::Key& key, std::string_view what_name, std::string_view what_algorithm) {
        syntax::name_or_throw(key.name, what_name);
        if (!syntax::key_algorithm(key.algorithm))
            throw Error("not a key algorithm dhcpd knows (hmac-md5, hmac-sha1, hmac-sha224, hmac-sha256, "
                        "hmac-sha384, hmac-sha512)",
                        std::string(what_algorithm), key.algorithm);
    };
    check(intent.omapi_key, "dhcpomapikeyname", "dhcpomapialgorithm");
    std::vector<KeyBlock> keys;
    keys.push_back({intent.omapi_key.name, intent.omapi_key.algorithm,
                    syntax::base64_or_throw(secrets.omapi_secret, "omapi secret")});
    // The zones name the DDNS key: declare it when it is not the OMAPI key.
    const bool zones = std::any_of(intent.subnets.begin(), intent.subnets.end(),
                                   [](const Subnet& s) { return !s.ddns_zones.empty(); });
    if (zones && intent.ddns.key.name != intent.omapi_key.name) {
        check(intent.ddns.key, "ddns key name", "ddns key algorithm");
        const std::string& secret = secrets.tsig_secret.empty() ? secrets.omapi_secret : secrets.tsig_secret;
        keys.push_back({intent.ddns.key.name, intent.ddns.key.algorithm, syntax::base64_or_throw(secret, "tsig secret")});
    }
    return keys;
}

void write_header(std::string& out, const Intent& intent, const IscProfile& profile, const Secrets& secrets,
                  const RenderOptions& options, Family family) {
    // xCAT and later makedhcp runs recognise their file by this first line.
    out += "#xCAT generated dhcp configuration\n";
    std::string generator = "# " + syntax::comment(options.generator) + " " + std::string(library_version()) +
                            ", ISC renderer for dhcpd " + profile.dhcpd_version.to_string();
    if (!options.inventory_digest.empty()) generator += "; inventory " + syntax::comment(options.inventory_digest);
    out += generator + "\n\n";

    if (family == Family::v4) {
        out += "option conf-file code 209 = text;\n";
        out += "option space isan;\n";
        out += "option isan-encap-opts code 43 = encapsulate isan;\n";
        out += "option isan.iqn code 203 = string;\n";
        out += "option isan.root-path code 201 = string;\n";
        out += "option space gpxe;\n";
        out += "option gpxe-encap-opts code 175 = encapsulate gpxe;\n";
        out += "option gpxe.bus-id code 177 = string;\n";
        out += "option user-class-identifier code 77 = string;\n";
        out += "option gpxe.no-pxedhcp code 176 = unsigned integer 8;\n";
        out += "option tcode code 101 = text;\n";
        out += "option iscsi-initiator-iqn code 203 = string;\n";
    }
    out += "ddns-update-style interim;\n";
    out += "ignore client-updates;\n";
    if (family == Family::v4) {
        out += "option client-architecture code 93 = unsigned integer 16;\n";
        if (!intent.timezone.empty()) out += "option tcode " + syntax::quote(intent.timezone, "timezone") + ";\n";
        out += "option gpxe.no-pxedhcp 1;\n";
        out += "option www-server code 114 = string;\n";
        out += "option cumulus-provision-url code 239 = text;\n";
    }
    out += "\n";
    out += "omapi-port " + std::to_string(family == Family::v4 ? profile.omapi_port : profile.omapi_port6) + ";\n";
    for (const auto& key : key_blocks(intent, secrets)) {
        out += "key " + key.name + " {\n";
        out += "  algorithm " + key.algorithm + ";\n";
        out += "  secret \"" + key.secret + "\";\n";
        out += "};\n";
    }
    out += "omapi-key " + intent.omapi_key.name + ";\n";
    if (family == Family::v4) {
        // PXE firmware: short leases and no DNS updates.
        out += "\n";
        out += "class \"pxe\" {\n";
        out += "  match if substring (option vendor-class-identifier, 0, 9) = \"PXEClient\";\n";
        out += "  ddns-updates off;\n";
        out += "  max-lease-time 600;\n";
        out += "}\n";
    }
    out += "\n";
}

// ---------------------------------------------------------------- subnets
void write_zones(std::string& out, const Subnet& s, const Intent& intent, const std::string& in) {
    if (!s.ddns_domain.empty())
        out += in + "ddns-domainname " + syntax::quote(s.ddns_domain, "ddnsdomain") + ";\n";
    for (const auto& z : s.ddns_zones) {
        out += in + "zone " + syntax::name_or_throw(z.name, "DDNS zone", true) + " {\n";
        if (z.server)
            out += in + (z.server->is_v4() ? "  primary " : "  primary6 ") + z.server->to_string() + ";\n";
        out += in + "  key " + intent.ddns.key.name + ";\n";
        out += in + "}\n";
    }
}

void check_pool(const Subnet& s, const net::AddressRange& pool) {
    if (pool.first.family() != s.family() || pool.last.family() != s.family() || pool.last < pool.first ||
        !s.prefix.contains(pool.first) || !s.prefix.contains(pool.last))
        throw Error("pool does not lie inside " + s.prefix.to_string(), "dynamicrange", pool.to_string());
}

void write_subnet4(std::string& out, const Subnet& s, const Intent& intent, const IscProfile& profile) {
    const std::string in = "    ";
    const auto& o = s.options;
    const std::string net = s.prefix.network().to_string();
    const std::string mask = s.prefix.mask().to_string();
    const std::string lease = std::to_string(s.lease_time);
    out += "  subnet " + net + " netmask " + mask + " {\n";
    out += in + "authoritative;\n";
    out += in + "max-lease-time " + lease + ";\n";
    out += in + "min-lease-time " + lease + ";\n";
    out += in + "default-lease-time " + lease + ";\n";
    if (!o.routers.empty()) out += in + "option routers " + address_list(o.routers, Family::v4, "gateway") + ";\n";
    if (o.next_server)
        out += in + "next-server " + syntax::address(*o.next_server, Family::v4, "tftpserver") + ";\n";
    if (!o.log_servers.empty())
        out += in + "option log-servers " + address_list(o.log_servers, Family::v4, "logservers") + ";\n";
    if (!o.ntp_servers.empty())
        out += in + "option ntp-servers " + address_list(o.ntp_servers, Family::v4, "ntpservers") + ";\n";
    // As xCAT: the domain name goes with the name servers.
    if (!o.dns_servers.empty()) {
        if (!o.domain_name.empty())
            out += in + "option domain-name " + syntax::quote(o.domain_name, "domain") + ";\n";
        out += in + "option domain-name-servers " + address_list(o.dns_servers, Family::v4, "nameservers") + ";\n";
    }
    if (o.mtu) {
        if (*o.mtu < 68 || *o.mtu > 65535) throw Error("not an MTU (68..65535)", "mtu", std::to_string(*o.mtu));
        out += in + "option interface-mtu " + std::to_string(*o.mtu) + ";\n";
    }
    if (profile.domain_search && !o.domain_search.empty())
        out += in + "option domain-search " + string_list(o.domain_search, "domain") + ";\n";
    if (!o.cumulus_provision_url.empty())
        out += in + "option cumulus-provision-url " + syntax::quote(o.cumulus_provision_url, "cumulus url") + ";\n";
    write_zones(out, s, intent, in);
    syntax::write_chain(out, syntax::branches(s.boot_rules, intent.second_stage_user_classes), in);
    for (const auto& pool : s.pools) {
        check_pool(s, pool);
        // A CIDR range is written as its first and last address (xCAT wrote "a.b.c.d/nn").
        out += in + "range dynamic-bootp " + pool.first.to_string() + " " + pool.last.to_string() + ";\n";
    }
    out += "  } # " + net + "/" + mask + " subnet_end\n";
}

void write_subnet6(std::string& out, const Subnet& s, const Intent& intent, const IscProfile& profile) {
    const std::string in = "    ";
    const auto& o = s.options;
    const std::string lease = std::to_string(s.lease_time);
    out += "  subnet6 " + s.prefix.to_string() + " {\n";
    out += in + "authoritative;\n";
    out += in + "max-lease-time " + lease + ";\n";
    out += in + "min-lease-time " + lease + ";\n";
    out += in + "default-lease-time " + lease + ";\n";
    // DHCPv6 option names (xCAT wrote an invalid `nameservers` statement and v4 domain options).
    if (!o.dns_servers.empty())
        out += in + "option dhcp6.name-servers " + address_list(o.dns_servers, Family::v6, "nameservers") + ";\n";
    if (profile.domain_search && !o.domain_search.empty())
        out += in + "option dhcp6.domain-search " + string_list(o.domain_search, "domain") + ";\n";
    write_zones(out, s, intent, in);
    // Every owned pool (xCAT wrote only the last one, and ignored networks.dhcpserver).
    for (const auto& pool : s.pools) {
        check_pool(s, pool);
        if (pool.cidr_length)
            out += in + "range6 " + pool.first.to_string() + "/" + std::to_string(*pool.cidr_length) + ";\n";
        else
            out += in + "range6 " + pool.first.to_string() + " " + pool.last.to_string() + ";\n";
    }
    out += "  } # " + s.prefix.to_string() + " subnet_end\n";
}

std::string render_family(const Intent& intent, const IscProfile& profile,
                          const Secrets& secrets, const RenderOptions& options, Family family) {
    std::string out;
    write_header(out, intent, profile, secrets, options, family);

    // shared-network name -> its subnets in intent order; "" = top level (relayed, bare !remote!).
    std::map<std::string, std::vector<const Subnet*>> groups;
    std::set<std::string> seen;
    for (const auto& s : intent.subnets) {
        if (s.family() != family) continue;
        if (!seen.insert(s.prefix.to_string()).second)
            throw Error("subnet appears twice in the intent", "net", s.prefix.to_string());
        groups[s.shared_network].push_back(&s);
    }
    auto write_subnet = [&](const Subnet* s) {
        if (family == Family::v4) write_subnet4(out, *s, intent, profile);
        else write_subnet6(out, *s, intent, profile);
    };
    for (const auto& [name, subnets] : groups) {
        if (name.empty()) continue;
        out += "shared-network " + syntax::shared_network_name(name) + " {\n";
        for (const Subnet* s : subnets) write_subnet(s);
        out += "} # " + syntax::comment(name) + " nic_end\n";
    }
    if (auto top = groups.find(""); top != groups.end()) {
        // xCAT's pseudo-NIC: its shared-network lines are comments, so the subnets are top level.
        out += "#shared-network !remote! {\n";
        for (const Subnet* s : top->second) write_subnet(s);
        out += "#} # !remote! nic_end\n";
    }

    if (profile.static_hosts) {
        std::string hosts = detail::static_host_blocks(intent, profile, family);
        if (!hosts.empty()) {
            out += '\n';
            out += hosts;
        }
    } else if (family == Family::v4) {
        // Pointers to the OMAPI objects, once per (node, object name), as xCAT appends them.
        struct PairHash {
            std::size_t operator()(const std::pair<std::string_view, std::string_view>& p) const {
                const std::size_t a = std::hash<std::string_view>{}(p.first);
                return a ^ (std::hash<std::string_view>{}(p.second) + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
            }
        };
        std::unordered_set<std::pair<std::string_view, std::string_view>, PairHash> done;
        std::string lines;
        const std::string leases = syntax::comment(profile.leases_file);
        detail::for_each_v4_object_name(intent, [&](const std::string& node, const std::string& name) {
            if (!done.insert({node, name}).second) return;
            lines += "#definition for host ";
            syntax::append_comment(lines, node);
            lines += " aka host ";
            syntax::append_comment(lines, name);
            lines += " can be found in the dhcpd.leases file (";
            lines += leases;
            lines += ")\n";
        });
        if (!lines.empty()) {
            out += '\n';
            out += lines;
        }
    }
    return out;
}

}  // namespace

// ---------------------------------------------------------------- profile
IscProfile IscProfile::from_version_output(std::string_view text) {
    auto version = Version::find_in(text);
    if (!version) throw Error("no dhcpd version in this text", "dhcpd --version", std::string(text));
    IscProfile profile;
    profile.dhcpd_version = *version;
    return profile;
}

IscProfile IscProfile::for_server(const inventory::ServerFacts& facts) {
    IscProfile profile;
    if (auto it = facts.backends.find("isc"); it != facts.backends.end() && !it->second.empty())
        profile = from_version_output(it->second);
    const std::string id = lower(facts.platform.id);
    const std::string like = lower(facts.platform.id_like);
    const auto version = Version::find_in(facts.platform.version);
    auto has = [](const std::string& text, std::string_view word) { return text.find(word) != std::string::npos; };
    if (id == "ubuntu" || id == "debian" || has(like, "debian")) {
        profile.leases_file = "/var/lib/dhcp/dhcpd.leases";
        // xCAT's fallback: omshell fails on these releases, hosts go into dhcpd.conf.
        if (id == "ubuntu" && version && ((version->major == 20 && version->minor == 4) ||
                                          (version->major == 22 && version->minor == 4)))
            profile.static_hosts = true;
    } else if (has(id, "sles") || has(id, "suse") || has(like, "suse")) {
        profile.leases_file = "/var/lib/dhcp/db/dhcpd.leases";
        if (has(id, "sles") && version && version->major == 10) profile.domain_search = false;
    } else if (version && version->major == 5 &&
               (id == "rhel" || id == "centos" || id == "rhels" || has(like, "rhel"))) {
        profile.domain_search = false;
    }
    return profile;
}

// ---------------------------------------------------------------- render
Files render(const Intent& intent, const IscProfile& profile, const Secrets& secrets, const RenderOptions& options) {
    Files files;
    // The host objects first (as host_objects() did before the files): the same errors first.
    std::string hosts_json = detail::hosts_json(intent, profile);
    files[std::string(dhcpd_conf_file)] = render_family(intent, profile, secrets, options, Family::v4);
    if (intent.has_v6()) {
        if (profile.dhcpd_version < Version{4, 1, 0})
            throw Error("dhcpd " + profile.dhcpd_version.to_string() + " has no DHCPv6 support", "dhcpd version",
                        profile.dhcpd_version.to_string());
        files[std::string(dhcpd6_conf_file)] = render_family(intent, profile, secrets, options, Family::v6);
    }
    files[std::string(hosts_json_file)] = std::move(hosts_json);
    return files;
}

}  // namespace xcatdhcp::render::isc
