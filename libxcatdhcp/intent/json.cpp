#include "xcatdhcp/intent/json.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace xcatdhcp::intent {

using ojson = nlohmann::ordered_json;

namespace {

std::string hex16(std::uint16_t value) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%04x", value);
    return buf;
}

ojson addresses(const std::vector<net::IpAddress>& list) {
    ojson out = ojson::array();
    for (const auto& a : list) out.push_back(a.to_string());
    return out;
}

std::string_view stage_name(boot::Stage stage) {
    switch (stage) {
    case boot::Stage::any: return "any";
    case boot::Stage::first: return "first";
    case boot::Stage::second: return "second";
    }
    return "any";
}

std::string_view kind_name(boot::BootPlan::Kind kind) {
    switch (kind) {
    case boot::BootPlan::Kind::subnet_default: return "subnet_default";
    case boot::BootPlan::Kind::xnba_node: return "xnba_node";
    case boot::BootPlan::Kind::custom: return "custom";
    }
    return "custom";
}

ojson options(const std::vector<boot::Option>& list) {
    ojson out = ojson::array();
    for (const auto& o : list) out.push_back({{"code", o.code}, {"value", o.value}});
    return out;
}

ojson rule(const boot::Rule& r) {
    ojson match = ojson::object();
    if (!r.match.architectures.empty()) {
        ojson list = ojson::array();
        for (auto a : r.match.architectures) list.push_back(hex16(a));
        match["architectures"] = list;
    }
    if (r.match.no_architecture) match["no_architecture"] = true;
    match["stage"] = stage_name(r.match.stage);
    if (!r.match.vendor_class_prefix.empty()) match["vendor_class_prefix"] = r.match.vendor_class_prefix;
    ojson action = ojson::object();
    if (r.action.filename) action["filename"] = *r.action.filename;
    if (r.action.always_broadcast) action["always_broadcast"] = true;
    if (!r.action.options.empty()) action["options"] = options(r.action.options);
    return {{"name", r.name}, {"match", match}, {"action", action}};
}

std::string_view hardware_name(HardwareType t) {
    switch (t) {
    case HardwareType::ethernet: return "ethernet";
    case HardwareType::infiniband: return "infiniband";
    case HardwareType::hfi: return "hfi";
    }
    return "ethernet";
}

ojson reservation(const Reservation& r) {
    ojson out = {{"name", r.name},           {"node", r.node},
                 {"hostname", r.hostname},   {"nic_hostname", r.nic_hostname},
                 {"mac", r.mac.to_string()}, {"hardware_type", hardware_name(r.hardware_type)}};
    if (r.address) out["address"] = r.address->to_string();
    if (r.duid) out["duid"] = *r.duid;
    if (r.next_server) out["next_server"] = r.next_server->to_string();
    if (r.deny) out["deny"] = true;
    ojson plan = {{"kind", kind_name(r.boot.kind)}};
    if (!r.boot.netboot.empty()) plan["netboot"] = r.boot.netboot;
    if (!r.boot.rules.empty()) {
        ojson rules = ojson::array();
        for (const auto& x : r.boot.rules) rules.push_back(rule(x));
        plan["rules"] = rules;
    }
    if (!r.boot.options.empty()) plan["options"] = options(r.boot.options);
    out["boot"] = plan;
    return out;
}

ojson key(const Key& k) { return {{"name", k.name}, {"algorithm", k.algorithm}}; }

}  // namespace

std::string to_json(const Intent& intent) {
    ojson root;
    root["schema"] = "xcatdhcp-intent/1";
    root["server"] = intent.server;
    root["interfaces"] = intent.interfaces;
    root["default_lease_time"] = intent.default_lease_time;
    root["timezone"] = intent.timezone;
    root["http_port_suffix"] = intent.http_port_suffix;
    root["second_stage_user_classes"] = intent.second_stage_user_classes;
    root["omapi_key"] = key(intent.omapi_key);
    root["ddns"] = {{"enabled", intent.ddns.enabled}, {"key", key(intent.ddns.key)}};
    ojson subnets = ojson::array();
    for (const auto& s : intent.subnets) {
        ojson o = ojson::object();
        if (!s.options.routers.empty()) o["routers"] = addresses(s.options.routers);
        if (!s.options.dns_servers.empty()) o["dns_servers"] = addresses(s.options.dns_servers);
        if (!s.options.domain_name.empty()) o["domain_name"] = s.options.domain_name;
        if (!s.options.domain_search.empty()) o["domain_search"] = s.options.domain_search;
        if (!s.options.ntp_servers.empty()) o["ntp_servers"] = addresses(s.options.ntp_servers);
        if (!s.options.log_servers.empty()) o["log_servers"] = addresses(s.options.log_servers);
        if (s.options.mtu) o["mtu"] = *s.options.mtu;
        if (s.options.next_server) o["next_server"] = s.options.next_server->to_string();
        if (!s.options.cumulus_provision_url.empty())
            o["cumulus_provision_url"] = s.options.cumulus_provision_url;
        ojson pools = ojson::array();
        for (const auto& p : s.pools) pools.push_back({{"first", p.first.to_string()}, {"last", p.last.to_string()}});
        ojson rules = ojson::array();
        for (const auto& r : s.boot_rules) rules.push_back(rule(r));
        ojson zones = ojson::array();
        for (const auto& z : s.ddns_zones) {
            ojson zone = {{"name", z.name}};
            if (z.server) zone["server"] = z.server->to_string();
            zones.push_back(zone);
        }
        ojson reservations = ojson::array();
        for (const auto& r : s.reservations) reservations.push_back(reservation(r));
        ojson subnet = {{"id", s.id},
                        {"prefix", s.prefix.to_string()},
                        {"family", s.prefix.family() == net::Family::v4 ? 4 : 6},
                        {"network", s.network},
                        {"interface", s.interface},
                        {"shared_network", s.shared_network},
                        {"relayed", s.relayed},
                        {"owned", s.owned}};
        if (s.server_address) subnet["server_address"] = s.server_address->to_string();
        subnet["lease_time"] = s.lease_time;
        subnet["pools"] = pools;
        subnet["options"] = o;
        subnet["boot_rules"] = rules;
        if (!s.ddns_domain.empty()) subnet["ddns_domain"] = s.ddns_domain;
        if (!zones.empty()) subnet["ddns_zones"] = zones;
        subnet["reservations_out_of_pool"] = s.reservations_out_of_pool;
        subnet["reservations"] = reservations;
        subnets.push_back(subnet);
    }
    root["subnets"] = subnets;
    ojson unplaced = ojson::array();
    for (const auto& r : intent.unplaced) unplaced.push_back(reservation(r));
    root["unplaced"] = unplaced;
    return root.dump(2) + "\n";
}

std::string to_json(const std::vector<Diagnostic>& diagnostics) {
    ojson out = ojson::array();
    for (const auto& d : diagnostics)
        out.push_back({{"severity", to_string(d.severity)},
                       {"node", d.node},
                       {"subject", d.subject},
                       {"attribute", d.attribute},
                       {"value", d.value},
                       {"message", d.message}});
    return out.dump(2) + "\n";
}

}  // namespace xcatdhcp::intent
