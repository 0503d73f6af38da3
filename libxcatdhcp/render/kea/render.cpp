// The Kea documents: Dhcp4, Dhcp6, DhcpDdns and Control-agent.
#include "kea_internal.hpp"
#include "json_text.hpp"

#include "xcatdhcp/render/secrets.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <iterator>
#include <stdexcept>
#include <string_view>

namespace xcatdhcp::render::kea {

namespace {

using detail::Json;
namespace text = detail::text;
using intent::Intent;
using intent::Reservation;
using intent::Subnet;

constexpr int ddns_port = 53001;  // kea-dhcp4/6 -> kea-dhcp-ddns, on loopback

std::string in_dir(const std::string& dir, const std::string& name) {
    if (dir.empty()) return name;
    return dir.back() == '/' ? dir + name : dir + "/" + name;
}

std::string address_list(const std::vector<net::IpAddress>& addresses) {
    std::string out;
    for (const auto& a : addresses) out += (out.empty() ? "" : ", ") + a.to_string();
    return out;
}

std::string name_list(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string fqdn(const std::string& name) { return name.empty() || name.back() == '.' ? name : name + "."; }

Json option(const std::string& name, const std::string& data) {
    Json o;
    o["name"] = name;
    o["data"] = data;
    return o;
}

// Everything one render needs, plus the diagnostics and extra files it produces.
class Renderer {
public:
    Renderer(const Intent& intent, const KeaProfile& profile, const Secrets& secrets,
             const RenderOptions& options)
        : intent_(intent), profile_(profile), features_(profile.features()), secrets_(secrets), options_(options) {}

    Files run() {
        const bool v6 = options_.dhcp6 && intent_.has_v6();
        const bool ddns = options_.ddns && intent_.ddns.enabled;
        if (options_.dhcp4) put(std::string(dhcp4_file), dhcp4());
        if (v6) put(std::string(dhcp6_file), dhcp6());
        if (ddns) put(std::string(ddns_file), dhcp_ddns());
        if (options_.control_agent && profile_.renders_control_agent())
            put(std::string(control_agent_file), control_agent(v6, ddns));
        return std::move(files_);
    }

    std::vector<Diagnostic> diagnostics;

private:
    const Intent& intent_;
    const KeaProfile& profile_;
    const KeaFeatures features_;
    const Secrets& secrets_;
    const RenderOptions& options_;
    Files files_;
    // Reservation lists, written as text straight into the output at their placeholders in
    // the dumped document: the indent of their "reservations" key, the writer, a size estimate.
    struct Deferred {
        int indent;
        std::function<void(std::string&)> write;
        std::size_t estimate;
    };
    std::vector<Deferred> deferred_;
    // What the DHCPv4 reservation writers use; alive until the document is written.
    detail::OptionDefs defs4_;
    detail::ClassPlan plan4_;
    std::vector<const Reservation*> global4_;

    // A placeholder for a "reservations" value; put() writes the list there: each element by
    // `write(out, element_indent, item)` (false: nothing written), "[]" when none is.
    // `list` must outlive put(). Only the renderer writes the key "reservations", and a '"'
    // inside a dumped string is always escaped, so the dumped key + placeholder is unique.
    template <class Range, class Write>
    Json placeholder(int key_indent, const Range& list, Write write) {
        auto write_all = [list = &list, key_indent, write](std::string& out) {
            bool first = true;
            for (const auto& item : *list) {
                out += first ? "[\n" : ",\n";
                if (write(out, key_indent + 2, item)) first = false;
                else out.resize(out.size() - 2);  // nothing written: take the separator back
            }
            if (first) {
                out += "[]";
                return;
            }
            out += '\n';
            text::indent(out, key_indent);
            out += ']';
        };
        // Size estimate from the first few elements, so the output is allocated once.
        std::string sample;
        std::size_t tried = 0;
        for (const auto& item : list) {
            if (tried == 32) break;
            ++tried;
            if (write(sample, key_indent + 2, item)) sample += ",\n";
        }
        std::size_t estimate = tried ? sample.size() * std::size(list) / tried : 0;
        estimate += estimate / 32 + 64;
        deferred_.push_back({key_indent, std::move(write_all), estimate});
        return std::string("\x01") + std::to_string(deferred_.size() - 1);
    }

    void note(Severity severity, std::string attribute, std::string message, std::string value = {}) {
        diagnostics.push_back({severity, {}, std::move(attribute), std::move(value), std::move(message), "kea"});
    }

    void put(const std::string& name, const Json& document) {
        std::string digest = options_.inventory_digest.empty() ? "unknown" : options_.inventory_digest;
        std::string header = "// Generated by libxcatdhcp " + std::string(library_version()) +
                             " from inventory digest " + digest + "\n";
        const std::string body = document.dump(2);
        if (deferred_.empty()) {
            files_[name] = header + body + "\n";
            return;
        }
        std::size_t total = header.size() + body.size() + 1;
        for (const auto& d : deferred_) total += d.estimate;
        std::string out = std::move(header);
        out.reserve(total);
        static constexpr std::string_view key = "\"reservations\": ";
        static constexpr std::string_view marker = "\"reservations\": \"\\u0001";
        std::size_t pos = 0;
        std::size_t done = 0;
        for (std::size_t at = body.find(marker); at != std::string::npos; at = body.find(marker, pos)) {
            const std::size_t value = at + key.size();
            const std::size_t digits = at + marker.size();
            const std::size_t end = body.find('"', digits);
            if (end == std::string::npos) throw std::logic_error("kea renderer: malformed placeholder");
            std::size_t index = 0;
            for (std::size_t i = digits; i < end; ++i) index = index * 10 + static_cast<std::size_t>(body[i] - '0');
            const std::size_t line = body.rfind('\n', at);
            const int indent = static_cast<int>(at - (line == std::string::npos ? 0 : line + 1));
            if (index >= deferred_.size() || deferred_[index].indent != indent || !deferred_[index].write)
                throw std::logic_error("kea renderer: misplaced reservation list");
            out.append(body, pos, value - pos);
            deferred_[index].write(out);
            deferred_[index].write = nullptr;
            ++done;
            pos = end + 1;
        }
        if (done != deferred_.size()) throw std::logic_error("kea renderer: reservation list not placed");
        out.append(body, pos, std::string::npos);
        out += '\n';
        deferred_.clear();
        files_[name] = std::move(out);
    }

    // ---- pieces shared by the daemons ----
    Json loggers(const std::string& logger, const std::string& file) const {
        Json output;
        // output_options: the only spelling every version from 2.0 to 3.x parses.
        output["output"] = profile_.log_dir.empty() ? std::string("stdout") : in_dir(profile_.log_dir, file);
        Json l;
        l["name"] = logger;
        l["severity"] = "INFO";
        l["output_options"] = Json::array({output});
        return Json::array({l});
    }

    bool has_hook(const std::string& name) const {
        return std::find(profile_.hooks.begin(), profile_.hooks.end(), name) != profile_.hooks.end();
    }

    Json hooks_libraries() const {
        Json list = Json::array();
        for (const char* name : {"libdhcp_lease_cmds.so", "libdhcp_host_cmds.so"}) {
            if (!has_hook(name)) continue;
            Json h;
            h["library"] = features_.bare_hook_names ? std::string(name) : in_dir(profile_.hooks_dir, name);
            list.push_back(std::move(h));
        }
        return list;
    }

    Json authentication(const std::string& realm) {
        const auto& http = profile_.http;
        if (http.user.empty() || http.password_file.empty()) {
            if (!http.user.empty())
                note(Severity::error, "http.password_file",
                     "basic authentication needs a password file; the REST API is unauthenticated");
            return nullptr;
        }
        Json client;
        if (features_.secrets_in_files) {
            // 3.1+ refuses clear-text credentials: the user name goes into a file as well.
            client["user-file"] = std::string(api_user_file);
            files_[std::string(api_user_file)] = http.user;
        } else {
            client["user"] = http.user;
        }
        client["password-file"] = http.password_file;
        Json auth;
        auth["type"] = "basic";
        auth["realm"] = realm;
        if (features_.secrets_in_files) auth["directory"] = profile_.conf_dir;
        auth["clients"] = Json::array({client});
        return auth;
    }

    // "control-socket" (<= 2.7.1) or "control-sockets" (2.7.2+, with the daemon's own HTTP
    // socket when the profile asks for one).
    void control(Json& d, const std::string& socket_name, std::uint16_t http_port, const std::string& realm) {
        Json unix_socket;
        unix_socket["socket-type"] = "unix";
        unix_socket["socket-name"] = in_dir(profile_.socket_dir, socket_name);
        if (!features_.control_sockets_list) {
            d["control-socket"] = unix_socket;
            return;
        }
        Json list = Json::array({unix_socket});
        if (profile_.renders_daemon_http()) {
            Json auth = authentication(realm);
            if (auth.is_null() && features_.secrets_in_files) {
                note(Severity::error, "http", "Kea " + profile_.version.to_string() +
                                                  " refuses an HTTP control socket without authentication; "
                                                  "set a user and a password file. No HTTP socket rendered");
            } else {
                Json http;
                http["socket-type"] = "http";
                http["socket-address"] = profile_.http.address;
                http["socket-port"] = http_port;
                if (!auth.is_null()) http["authentication"] = std::move(auth);
                list.push_back(std::move(http));
            }
        }
        d["control-sockets"] = std::move(list);
    }

    void ddns_behaviour(Json& d) const {
        Json c;
        c["enable-updates"] = true;
        c["server-ip"] = "127.0.0.1";
        c["server-port"] = ddns_port;
        d["dhcp-ddns"] = std::move(c);
        d["ddns-send-updates"] = true;
        d["ddns-override-no-update"] = true;
        d["ddns-override-client-update"] = true;
        d["ddns-update-on-renew"] = true;
    }

    static bool duplicate_addresses(const std::vector<const Reservation*>& list) {
        std::vector<net::IpAddress> seen;
        seen.reserve(list.size());
        for (const Reservation* r : list)
            if (r->address) seen.push_back(*r->address);
        std::sort(seen.begin(), seen.end());
        return std::adjacent_find(seen.begin(), seen.end()) != seen.end();
    }

    // ---- DHCPv4 ----
    // One reservation as text, its braces at `e` spaces (as Json::dump(2) writes it).
    void reservation4(std::string& out, int e, const Reservation& r, const detail::ClassPlan& plan,
                      detail::OptionDefs& defs) const {
        const int k = e + 2;
        text::indent(out, e);
        out += "{\n";
        text::string_member(out, k, "hw-address", r.mac.to_string());
        if (r.address) {
            out += ",\n";
            text::string_member(out, k, "ip-address", r.address->to_string());
        }
        out += ",\n";
        text::string_member(out, k, "hostname", r.hostname);
        if (r.next_server) {
            out += ",\n";
            text::string_member(out, k, "next-server", r.next_server->to_string());
        }
        auto it = plan.nodes.find(&r);
        if (it != plan.nodes.end()) {
            const detail::NodeBoot& node = it->second;
            if (node.boot_file) {
                out += ",\n";
                text::string_member(out, k, "boot-file-name", *node.boot_file);
            }
            if (!node.client_classes.empty()) {
                out += ",\n";
                text::key(out, k, "client-classes");
                out += "[\n";
                for (std::size_t i = 0; i < node.client_classes.size(); ++i) {
                    if (i) out += ",\n";
                    text::indent(out, k + 2);
                    text::string(out, node.client_classes[i]);
                }
                out += '\n';
                text::indent(out, k);
                out += ']';
            }
            if (!node.options.empty()) {
                out += ",\n";
                text::key(out, k, "option-data");
                out += "[\n";
                for (std::size_t i = 0; i < node.options.size(); ++i) {
                    if (i) out += ",\n";
                    text::indent(out, k + 2);
                    defs.text_option_into(out, k + 2, node.options[i].code, node.options[i].value, true);
                }
                out += '\n';
                text::indent(out, k);
                out += ']';
            }
        }
        user_context(out, k, r);
        out += '\n';
        text::indent(out, e);
        out += '}';
    }

    static void user_context(std::string& out, int k, const Reservation& r) {
        out += ",\n";
        text::key(out, k, "user-context");
        out += "{\n";
        text::string_member(out, k + 2, "xcat-name", r.name);
        out += '\n';
        text::indent(out, k);
        out += '}';
    }

    static void reservation6(std::string& out, int e, const Reservation& r) {
        const int k = e + 2;
        text::indent(out, e);
        out += "{\n";
        if (r.duid) text::string_member(out, k, "duid", *r.duid);
        else text::string_member(out, k, "hw-address", r.mac.to_string());
        if (r.address) {
            out += ",\n";
            text::key(out, k, "ip-addresses");
            out += "[\n";
            text::indent(out, k + 2);
            text::string(out, r.address->to_string());
            out += '\n';
            text::indent(out, k);
            out += ']';
        }
        out += ",\n";
        text::string_member(out, k, "hostname", r.hostname);
        user_context(out, k, r);
        out += '\n';
        text::indent(out, e);
        out += '}';
    }

    Json subnet4(const Subnet& s, bool in_shared_network, const detail::ClassPlan& plan, detail::OptionDefs& defs) {
        Json j;
        j["id"] = s.id;
        j["subnet"] = s.prefix.to_string();
        if (!in_shared_network && !s.relayed && !s.interface.empty()) j["interface"] = s.interface;
        const auto& o = s.options;
        if (o.next_server) j["next-server"] = o.next_server->to_string();
        if (s.lease_time != intent_.default_lease_time) j["valid-lifetime"] = s.lease_time;
        if (intent_.ddns.enabled && !s.ddns_domain.empty()) j["ddns-qualifying-suffix"] = fqdn(s.ddns_domain);

        Json data = Json::array();
        if (!o.routers.empty()) data.push_back(option("routers", address_list(o.routers)));
        if (!o.dns_servers.empty()) data.push_back(option("domain-name-servers", address_list(o.dns_servers)));
        if (!o.domain_name.empty()) data.push_back(option("domain-name", o.domain_name));
        if (!o.domain_search.empty()) data.push_back(option("domain-search", name_list(o.domain_search)));
        if (!o.ntp_servers.empty()) data.push_back(option("ntp-servers", address_list(o.ntp_servers)));
        if (!o.log_servers.empty()) data.push_back(option("log-servers", address_list(o.log_servers)));
        if (o.mtu) data.push_back(option("interface-mtu", std::to_string(*o.mtu)));
        if (!o.cumulus_provision_url.empty())
            data.push_back(defs.text_option(boot::option::cumulus_provision_url, o.cumulus_provision_url, false));
        if (!data.empty()) j["option-data"] = std::move(data);

        if (!s.pools.empty()) {
            Json pools = Json::array();
            for (const auto& p : s.pools) pools.push_back(Json::object({{"pool", p.to_string()}}));
            j["pools"] = std::move(pools);
        }
        // A promise Kea does not check: true only when no fixed address lies in a pool.
        if (s.reservations_out_of_pool) j["reservations-out-of-pool"] = true;
        auto list = plan.additional.find(s.id);
        if (list != plan.additional.end())
            j[features_.additional_class_keywords ? "evaluate-additional-classes" : "require-client-classes"] =
                list->second;
        if (!s.reservations.empty()) {
            // Dhcp4 > subnet4 > subnet, or Dhcp4 > shared-networks > network > subnet4 > subnet.
            const int indent = in_shared_network ? 12 : 8;
            j["reservations"] = placeholder(indent, s.reservations,
                                            [this, p = &plan, d = &defs](std::string& out, int e, const Reservation& r) {
                                                if (r.deny) return false;  // *NOIP*: DROP class
                                                reservation4(out, e, r, *p, *d);
                                                return true;
                                            });
        }
        return j;
    }

    Json dhcp4() {
        detail::OptionDefs& defs = defs4_;
        detail::ClassPlan& plan = plan4_;
        plan = detail::plan_classes(intent_, features_, defs, diagnostics);

        std::vector<const Subnet*> subnets;
        for (const auto& s : intent_.subnets)
            if (s.family() == net::Family::v4) subnets.push_back(&s);
        std::vector<const Reservation*>& global = global4_;
        for (const auto& r : intent_.unplaced)
            if (!r.deny) global.push_back(&r);
        bool non_unique = duplicate_addresses(global);
        for (const Subnet* s : subnets) {
            std::vector<const Reservation*> list;
            for (const auto& r : s->reservations) list.push_back(&r);
            non_unique = non_unique || duplicate_addresses(list);
        }

        Json d;
        d["interfaces-config"] = Json::object({{"interfaces", intent_.interfaces}});
        d["lease-database"] = Json::object({{"type", "memfile"},
                                            {"name", in_dir(profile_.lease_dir, "kea-leases4.csv")}});
        d["valid-lifetime"] = intent_.default_lease_time;
        // Leases follow the MAC: PXE ROM, xNBA and the OS send different client ids.
        d["match-client-id"] = false;
        d["host-reservation-identifiers"] = Json::array({"hw-address"});
        if (!global.empty()) d["reservations-global"] = true;
        d["reservations-in-subnet"] = true;
        // One node's NIC aliases may share its address (the intent allows only that case).
        if (non_unique) d["ip-reservations-unique"] = false;
        control(d, "kea4-ctrl-socket", profile_.http.dhcp4_port, "kea-dhcpv4-server");
        if (Json hooks = hooks_libraries(); !hooks.empty()) d["hooks-libraries"] = std::move(hooks);
        if (intent_.ddns.enabled && options_.ddns) ddns_behaviour(d);
        d["option-def"] = nullptr;  // placeholder: filled once every option is known
        d["option-data"] = detail::ipxe_option_data();
        if (!intent_.timezone.empty()) d["option-data"].push_back(defs.text_option(101, intent_.timezone, false));
        if (!plan.classes.empty()) d["client-classes"] = plan.classes;
        if (!global.empty()) {
            d["reservations"] = placeholder(4, global, [this, p = &plan, d = &defs](std::string& out, int e,
                                                                                 const Reservation* r) {
                reservation4(out, e, *r, *p, *d);
                return true;
            });
        }

        // Several directly attached subnets on one interface are one link: Kea needs a shared
        // network to serve them all. Relayed subnets are chosen by the relay address instead.
        std::map<std::string, std::vector<const Subnet*>> by_interface;
        for (const Subnet* s : subnets)
            if (!s->relayed && !s->interface.empty()) by_interface[s->interface].push_back(s);
        Json shared = Json::array();
        Json plain = Json::array();
        std::set<const Subnet*> in_shared;
        for (const auto& [interface, list] : by_interface) {
            if (list.size() < 2) continue;
            Json network;
            network["name"] = interface;
            network["interface"] = interface;
            Json members = Json::array();
            for (const Subnet* s : list) {
                members.push_back(subnet4(*s, true, plan, defs));
                in_shared.insert(s);
            }
            network["subnet4"] = std::move(members);
            shared.push_back(std::move(network));
        }
        for (const Subnet* s : subnets)
            if (!in_shared.count(s)) plain.push_back(subnet4(*s, false, plan, defs));
        if (!shared.empty()) d["shared-networks"] = std::move(shared);
        d["subnet4"] = std::move(plain);
        d["loggers"] = loggers("kea-dhcp4", "kea-dhcp4.log");

        // The reservations are written later, by put(): their options count now.
        for (const auto& [r, node] : plan.nodes)
            for (const auto& o : node.options) defs.use(o.code);
        Json defs_list = detail::ipxe_option_defs();
        for (auto& def : defs.definitions()) defs_list.push_back(std::move(def));
        d["option-def"] = std::move(defs_list);
        return Json::object({{"Dhcp4", std::move(d)}});
    }

    // ---- DHCPv6 ----
    Json dhcp6() {
        std::vector<const Subnet*> subnets;
        std::set<std::string> interfaces;
        for (const auto& s : intent_.subnets) {
            if (s.family() != net::Family::v6) continue;
            subnets.push_back(&s);
            const std::string& nic = s.relayed ? s.shared_network : s.interface;
            if (!nic.empty()) interfaces.insert(nic);
        }
        Json d;
        d["interfaces-config"] =
            Json::object({{"interfaces", interfaces.empty() ? Json(intent_.interfaces) : Json(interfaces)}});
        d["lease-database"] = Json::object({{"type", "memfile"},
                                            {"name", in_dir(profile_.lease_dir, "kea-leases6.csv")}});
        d["preferred-lifetime"] = intent_.default_lease_time;
        d["valid-lifetime"] = intent_.default_lease_time;
        d["host-reservation-identifiers"] = Json::array({"duid", "hw-address"});
        d["reservations-in-subnet"] = true;
        bool non_unique = false;
        for (const Subnet* s : subnets) {
            std::vector<const Reservation*> list;
            for (const auto& r : s->reservations) list.push_back(&r);
            non_unique = non_unique || duplicate_addresses(list);
        }
        if (non_unique) d["ip-reservations-unique"] = false;
        control(d, "kea6-ctrl-socket", profile_.http.dhcp6_port, "kea-dhcpv6-server");
        if (Json hooks = hooks_libraries(); !hooks.empty()) d["hooks-libraries"] = std::move(hooks);
        if (intent_.ddns.enabled && options_.ddns) ddns_behaviour(d);

        Json list = Json::array();
        for (const Subnet* s : subnets) {
            Json j;
            j["id"] = s->id;
            j["subnet"] = s->prefix.to_string();
            if (!s->relayed && !s->interface.empty()) j["interface"] = s->interface;
            if (s->lease_time != intent_.default_lease_time) {
                j["preferred-lifetime"] = s->lease_time;
                j["valid-lifetime"] = s->lease_time;
            }
            if (intent_.ddns.enabled && !s->ddns_domain.empty()) j["ddns-qualifying-suffix"] = fqdn(s->ddns_domain);
            std::vector<net::IpAddress> dns;
            for (const auto& a : s->options.dns_servers)
                if (a.is_v6()) dns.push_back(a);
            Json data = Json::array();
            if (!dns.empty()) data.push_back(option("dns-servers", address_list(dns)));
            if (!s->options.domain_search.empty())
                data.push_back(option("domain-search", name_list(s->options.domain_search)));
            if (!data.empty()) j["option-data"] = std::move(data);
            if (!s->pools.empty()) {
                Json pools = Json::array();
                for (const auto& p : s->pools) pools.push_back(Json::object({{"pool", p.to_string()}}));
                j["pools"] = std::move(pools);
            }
            if (!s->reservations.empty()) {
                j["reservations"] = placeholder(8, s->reservations, [](std::string& out, int e, const Reservation& r) {
                    if (r.deny) return false;
                    reservation6(out, e, r);
                    return true;
                });
            }
            list.push_back(std::move(j));
        }
        d["subnet6"] = std::move(list);
        d["loggers"] = loggers("kea-dhcp6", "kea-dhcp6.log");
        return Json::object({{"Dhcp6", std::move(d)}});
    }

    // ---- DHCP-DDNS ----
    Json dhcp_ddns() {
        const auto& key = intent_.ddns.key;
        const std::string& secret = secrets_.tsig_secret.empty() ? secrets_.omapi_secret : secrets_.tsig_secret;
        Json d;
        d["ip-address"] = "127.0.0.1";
        d["port"] = ddns_port;
        control(d, "kea-ddns-ctrl-socket", profile_.http.ddns_port, "kea-dhcp-ddns-server");
        // D2 refuses a key whose secret is not base64; say so without showing the secret.
        const bool signed_updates = !secret.empty() && render::is_base64(secret);
        if (!secret.empty() && !signed_updates)
            note(Severity::error, "tsig secret",
                 "the TSIG secret for key " + key.name + " is not base64; DNS updates are sent unsigned");
        if (signed_updates) {
            Json k;
            k["name"] = key.name;
            k["algorithm"] = upper(key.algorithm);  // HMAC-MD5, HMAC-SHA256, ...
            if (features_.secrets_in_files) {
                // 3.1+ refuses a clear-text secret; the key file is returned with the configs.
                std::string file = profile_.tsig_secret_file.empty() ? key.name + ".tsig" : profile_.tsig_secret_file;
                k["secret-file"] = in_dir(profile_.conf_dir, file);
                files_[file] = secret;
            } else {
                k["secret"] = secret;
            }
            d["tsig-keys"] = Json::array({k});
        } else {
            d["tsig-keys"] = Json::array();
            if (secret.empty())
                note(Severity::error, "tsig secret",
                     "no TSIG secret for key " + key.name + "; DNS updates are sent unsigned");
        }

        Json forward = Json::array();
        Json reverse = Json::array();
        std::map<std::string, std::string> seen;  // zone (lower case) -> server
        for (const auto& s : intent_.subnets) {
            for (const auto& zone : s.ddns_zones) {
                const std::string name = lower(zone.name);
                if (!zone.server) {
                    note(Severity::warning, "nameservers",
                         "no DNS server known for zone " + zone.name + " (network " + s.prefix.to_string() +
                             "); its names are not updated",
                         zone.name);
                    continue;
                }
                const std::string server = zone.server->to_string();
                auto [it, inserted] = seen.emplace(name, server);
                if (!inserted) {
                    if (it->second != server)
                        note(Severity::warning, "nameservers",
                             "zone " + zone.name + " has servers " + it->second + " and " + server +
                                 " on different networks; " + it->second + " is used",
                             zone.name);
                    continue;
                }
                Json dns_server;
                dns_server["ip-address"] = server;
                dns_server["port"] = 53;
                Json domain;
                domain["name"] = fqdn(zone.name);
                if (signed_updates) domain["key-name"] = key.name;
                domain["dns-servers"] = Json::array({dns_server});
                const bool is_reverse = (name.size() > 13 && name.compare(name.size() - 13, 13, "in-addr.arpa.") == 0) ||
                                        (name.size() > 9 && name.compare(name.size() - 9, 9, "ip6.arpa.") == 0);
                (is_reverse ? reverse : forward).push_back(std::move(domain));
            }
        }
        d["forward-ddns"] = Json::object({{"ddns-domains", std::move(forward)}});
        d["reverse-ddns"] = Json::object({{"ddns-domains", std::move(reverse)}});
        d["loggers"] = loggers("kea-dhcp-ddns", "kea-dhcp-ddns.log");
        return Json::object({{"DhcpDdns", std::move(d)}});
    }

    // ---- Control Agent (<= 3.1.7) ----
    Json control_agent(bool v6, bool ddns) {
        auto socket = [&](const char* name) {
            Json s;
            s["socket-type"] = "unix";
            s["socket-name"] = in_dir(profile_.socket_dir, name);
            return s;
        };
        Json d;
        d["http-host"] = profile_.http.address;  // bare address; only URLs bracket IPv6
        d["http-port"] = profile_.http.port;
        if (Json auth = authentication("kea-control-agent"); !auth.is_null()) d["authentication"] = std::move(auth);
        Json sockets;
        sockets["dhcp4"] = socket("kea4-ctrl-socket");
        if (v6) sockets["dhcp6"] = socket("kea6-ctrl-socket");
        if (ddns) sockets["d2"] = socket("kea-ddns-ctrl-socket");
        d["control-sockets"] = std::move(sockets);
        d["loggers"] = loggers("kea-ctrl-agent", "kea-ctrl-agent.log");
        return Json::object({{"Control-agent", std::move(d)}});
    }
};

}  // namespace

Files render(const intent::Intent& intent, const KeaProfile& profile, const Secrets& secrets,
             const RenderOptions& options, std::vector<Diagnostic>* diagnostics) {
    Renderer renderer(intent, profile, secrets, options);
    Files files = renderer.run();
    if (diagnostics)
        for (const auto& d : renderer.diagnostics)  // each daemon may find the same thing
            if (std::find(diagnostics->begin(), diagnostics->end(), d) == diagnostics->end())
                diagnostics->push_back(d);
    return files;
}

}  // namespace xcatdhcp::render::kea
