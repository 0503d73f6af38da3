// live::IscReservations: makedhcp NODE / -d / -q for ISC dhcpd through the native OMAPI client.
#include "xcatdhcp/live/isc_reservations.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "xcatdhcp/error.hpp"

namespace xcatdhcp::live {
namespace {

namespace omapi = control::omapi;
using render::isc::HostObject;
using Json = nlohmann::json;

// A reservation of the intent: its subnet's index (npos: unplaced) and the reservation.
struct Placed {
    std::size_t subnet;
    const intent::Reservation* reservation;
};

// The intent without reservations (subnets, keys and settings kept).
intent::Intent skeleton_of(const intent::Intent& full) {
    intent::Intent out = full;
    for (auto& s : out.subnets) s.reservations.clear();
    out.unplaced.clear();
    return out;
}

// The skeleton with `list`'s reservations: the renderer then makes only their objects, and
// another node's values cannot stop them.
intent::Intent with_reservations(const intent::Intent& skeleton, const std::vector<Placed>& list) {
    intent::Intent out = skeleton;
    for (const auto& p : list) {
        if (p.subnet == std::string::npos) out.unplaced.push_back(*p.reservation);
        else out.subnets[p.subnet].reservations.push_back(*p.reservation);
    }
    return out;
}

// A string token at `pos` ('"' opened): its text without quotes and escapes; pos after it.
std::string read_string(std::string_view s, std::size_t& pos) {
    std::string out;
    ++pos;
    while (pos < s.size() && s[pos] != '"') {
        if (s[pos] == '\\' && pos + 1 < s.size()) ++pos;
        out += s[pos++];
    }
    if (pos < s.size()) ++pos;
    return out;
}

std::string trim(std::string_view s) {
    std::size_t a = s.find_first_not_of(" \t\r\n");
    if (a == std::string_view::npos) return {};
    std::size_t b = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(a, b - a + 1));
}

// The value of a top-level statement "KEYWORD VALUE": unquoted when a string.
std::optional<std::string> statement_value(std::string_view statement, std::string_view keyword) {
    if (statement.substr(0, keyword.size()) != keyword) return std::nullopt;
    std::string_view rest = statement.substr(keyword.size());
    if (rest.empty() || (rest[0] != ' ' && rest[0] != '\t')) return std::nullopt;
    std::string value = trim(rest);
    if (!value.empty() && value[0] == '"') {
        std::size_t pos = 0;
        return read_string(value, pos);
    }
    return value;
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

// ---------------------------------------------------------------- pure parts

HostSelection select_hosts(const intent::Intent& intent, const std::vector<std::string>& nodes, net::Family family) {
    HostSelection out;
    auto asked = unique_nodes(nodes);
    std::set<std::string> wanted(asked.begin(), asked.end());
    std::map<std::string, std::vector<HostObject>> by_node;
    std::map<std::string, std::string> refused;  // node -> the renderer's reason
    // The asked nodes' reservations, in intent order (the order host_objects keeps).
    std::map<std::string, std::vector<Placed>> placed;
    std::vector<Placed> all;
    for (std::size_t i = 0; i < intent.subnets.size(); ++i)
        for (const auto& r : intent.subnets[i].reservations)
            if (wanted.count(r.node)) all.push_back({i, &r});
    for (const auto& r : intent.unplaced)
        if (wanted.count(r.node)) all.push_back({std::string::npos, &r});
    for (const auto& p : all) placed[p.reservation->node].push_back(p);
    const intent::Intent skeleton = skeleton_of(intent);
    try {
        for (auto& h : render::isc::host_objects(with_reservations(skeleton, all)))
            by_node[h.node].push_back(std::move(h));
    } catch (const Error&) {
        // Some asked node's values cannot be rendered: render them one by one.
        by_node.clear();
        for (const auto& [node, list] : placed) {
            try {
                by_node[node] = render::isc::host_objects(with_reservations(skeleton, list));
            } catch (const Error& e) {
                refused[node] = e.what();
            }
        }
    }
    for (const auto& node : asked) {
        if (!placed.count(node)) {  // no reservation in the intent
            out.rejected.push_back({node, false, {}, "unknown node (not in the inventory, or no MAC)"});
            out.unknown.insert(node);
            continue;
        }
        if (auto it = refused.find(node); it != refused.end()) {
            out.rejected.push_back({node, false, {}, "cannot make its host objects: " + it->second});
            out.unrenderable.insert(node);
            continue;
        }
        std::size_t before = out.hosts.size();
        for (auto& h : by_node[node])
            if (h.family == family) out.hosts.push_back(std::move(h));
        if (out.hosts.size() == before)
            out.rejected.push_back({node, false, {},
                                    std::string("no IPv") + (family == net::Family::v6 ? "6" : "4") +
                                        " host object for this node"});
        else
            out.nodes.push_back(node);
    }
    return out;
}

BootFields boot_fields(std::string_view s) {
    BootFields out;
    std::size_t pos = 0, start = 0;
    int depth = 0;
    auto take = [&](std::string_view statement) {
        std::string st = trim(statement);
        if (st.empty()) return;
        if (auto v = statement_value(st, "filename")) out.filename = *v;
        else if (auto v = statement_value(st, "next-server")) out.next_server = *v;
        else if (auto v = statement_value(st, "server-name")) out.server_name = *v;
        else if (auto v = statement_value(st, "option host-name")) out.host_name = *v;
        else if (auto v = statement_value(st, "send host-name")) out.host_name = *v;
        else if (auto v = statement_value(st, "supersede host-name")) out.host_name = *v;
        else if (auto v = statement_value(st, "ddns-hostname")) { if (out.host_name.empty()) out.host_name = *v; }
        else if (st == "deny booting") out.deny_booting = true;
    };
    while (pos < s.size()) {
        char c = s[pos];
        if (c == '"') {
            read_string(s, pos);
            continue;
        }
        if (c == '{') {
            if (depth == 0) {
                std::string head = trim(s.substr(start, pos - start));
                if (head.rfind("if", 0) == 0 || head.rfind("elsif", 0) == 0 || head.rfind("else", 0) == 0)
                    out.conditional = true;
            }
            ++depth;
        } else if (c == '}') {
            if (depth > 0) --depth;
            if (depth == 0) start = pos + 1;
        } else if (c == ';' && depth == 0) {
            take(s.substr(start, pos - start));
            start = pos + 1;
        }
        ++pos;
    }
    if (depth == 0) take(s.substr(start));
    return out;
}

control::Reservation to_reservation(const omapi::Host& host, const HostObject* rendered) {
    control::Reservation r;
    r.hw_address = host.mac;
    r.client_id = host.client_identifier;
    if (host.ip) r.ip_address = host.ip->to_string();
    r.hostname = host.name;
    Json context{{"omapi-name", host.name}, {"hardware-type", host.hardware_type}};
    // dhcpd never returns statements: the boot fields are the inventory's, and only when dhcpd's
    // object is the one the inventory renders (same MAC and address).
    bool same = rendered && lower(rendered->mac) == host.mac &&
                (rendered->ip && !rendered->deny ? (host.ip && *host.ip == *rendered->ip) : !host.ip);
    if (same) {
        BootFields b = boot_fields(rendered->statements);
        if (!b.host_name.empty()) r.hostname = b.host_name;
        r.boot_file_name = b.filename;
        r.next_server = b.next_server;
        r.server_hostname = b.server_name;
        context["statements"] = rendered->statements;
        context["boot-fields"] = "rendered (dhcpd does not return statements)";
        if (b.conditional) context["boot-file-by-client"] = true;
        if (b.deny_booting) context["deny-booting"] = true;
    } else if (rendered) {
        context["boot-fields"] = "unknown: dhcpd's object differs from the inventory's (MAC or address)";
    } else {
        context["boot-fields"] = "unknown: the inventory renders no object of this name";
    }
    r.user_context = context.dump();
    return r;
}

control::Lease4 to_lease4(const omapi::Lease& lease) {
    control::Lease4 l;
    if (lease.ip) l.ip_address = lease.ip->to_string();
    l.hw_address = lease.mac;
    l.client_id = lease.client_identifier;
    l.hostname = lease.client_hostname;
    if (lease.cltt) l.cltt = *lease.cltt;
    if (lease.cltt && lease.ends && *lease.ends >= *lease.cltt)
        l.valid_lifetime = static_cast<std::uint64_t>(*lease.ends - *lease.cltt);
    // Kea's states: 0 assigned, 1 declined, 2 expired-reclaimed.
    switch (lease.state) {
    case 2: case 8: case 9: l.state = 0; break;  // active, reserved, bootp
    case 5: l.state = 1; break;                  // abandoned
    default: l.state = 2; break;                 // free, expired, released, reset, backup
    }
    Json context{{"dhcpd-state", omapi::lease_state_name(lease.state)}};
    if (lease.ends) context["ends"] = *lease.ends;
    if (lease.host_handle) context["host-object"] = true;
    l.user_context = context.dump();
    return l;
}

Report merge(const std::vector<std::string>& nodes, const omapi::BatchReport& batch, bool add) {
    Report report;
    report.method = "omapi";
    std::map<std::string, std::size_t> index;
    for (const auto& n : unique_nodes(nodes)) {
        index.emplace(n, report.nodes.size());
        report.nodes.push_back({n, true, {}, {}});
    }
    for (const auto& h : batch.hosts) {
        auto it = index.find(h.node);
        if (it == index.end()) {
            it = index.emplace(h.node, report.nodes.size()).first;
            report.nodes.push_back({h.node, true, {}, {}});
        }
        auto& r = report.nodes[it->second];
        std::string line = (add ? "omapi: host " : "omapi: remove host ") + h.name + ": ";
        if (h.ok) {
            line += add ? (h.removed ? "replaced (" + std::to_string(h.removed) + " old object" +
                                           (h.removed == 1 ? "" : "s") + " removed)"
                                     : "created")
                        : (h.removed ? "removed " + std::to_string(h.removed) + " object" + (h.removed == 1 ? "" : "s")
                                     : "nothing to remove");
        } else {
            line += "failed: " + h.message;
            r.ok = false;
            if (r.message.empty()) r.message = "host " + h.name + ": " + h.message;
        }
        r.actions.push_back(std::move(line));
    }
    if (batch.aborted) report.error = batch.aborted->what();
    return report;
}

// ---------------------------------------------------------------- the live layer

control::omapi::BatchOptions batch_options(std::string_view by_ip, const intent::Intent* intent,
                                           std::string_view attribute) {
    control::omapi::BatchOptions batch;
    if (by_ip == "never") {
        batch.by_ip = false;
    } else if (by_ip == "pools") {
        std::vector<net::AddressRange> pools;
        if (intent)
            for (const auto& subnet : intent->subnets) pools.insert(pools.end(), subnet.pools.begin(), subnet.pools.end());
        batch.pools = std::move(pools);
    } else if (by_ip != "always") {
        throw Error("expects pools, always or never", std::string(attribute), std::string(by_ip));
    }
    return batch;
}

IscReservations::IscReservations(omapi::Client& client, IscOptions options)
    : client_(client), options_(std::move(options)) {}

namespace {
// `part` (entries of some of `order`'s nodes) into a report listing every node of `order`.
Report in_order(const std::vector<std::string>& order, Report part, const std::vector<NodeResult>& rejected) {
    Report out;
    out.method = part.method;
    out.error = part.error;
    std::map<std::string, const NodeResult*> by_node;
    for (const auto& r : part.nodes) by_node.emplace(r.node, &r);
    for (const auto& r : rejected) by_node[r.node] = &r;  // a rejected node's own reason
    for (const auto& n : unique_nodes(order)) {
        auto it = by_node.find(n);
        out.nodes.push_back(it != by_node.end() ? *it->second : NodeResult{n, false, {}, {}});
    }
    return out;
}
}  // namespace

Report IscReservations::add(const intent::Intent& intent, const std::vector<std::string>& nodes) {
    auto selection = select_hosts(intent, nodes, client_.options().family);
    Report part;
    part.method = "omapi";
    if (!selection.hosts.empty()) {
        try {
            part = merge(selection.nodes, client_.add(selection.hosts, options_.batch), true);
        } catch (const omapi::OmapiError& e) {
            part.error = e.what();
        }
    }
    Report report = in_order(nodes, std::move(part), selection.rejected);
    for (auto& r : report.nodes)
        if (r.ok && r.message.empty()) r.message = "host objects in dhcpd";
    return finished(std::move(report));
}

Report IscReservations::remove(const intent::Intent& intent, const std::vector<std::string>& nodes) {
    auto asked = unique_nodes(nodes);
    auto selection = select_hosts(intent, asked, client_.options().family);
    std::vector<HostObject> hosts = selection.hosts;
    const std::set<std::string>& unknown = selection.unknown;
    std::vector<NodeResult> rejected;
    for (const auto& r : selection.rejected) {
        if (unknown.count(r.node) || selection.unrenderable.count(r.node)) {
            // Gone from the inventory (rmdef before makedhcp -d), or its objects cannot be
            // rendered: its first object is named after the node.
            HostObject h;
            h.node = h.name = r.node;
            h.family = client_.options().family;
            hosts.push_back(std::move(h));
        } else {
            // Known, without an object of this session's family: nothing to remove here.
            NodeResult ok = r;
            ok.ok = true;
            ok.message = "no host object to remove";
            rejected.push_back(std::move(ok));
        }
    }
    std::set<std::string> left_out;
    for (const auto& r : rejected) left_out.insert(r.node);
    std::vector<std::string> done;
    for (const auto& n : asked)
        if (!left_out.count(n)) done.push_back(n);
    Report part;
    part.method = "omapi";
    if (!hosts.empty()) {
        try {
            part = merge(done, client_.remove(hosts, options_.batch), false);
        } catch (const omapi::OmapiError& e) {
            part.error = e.what();
        }
    }
    Report report = in_order(asked, std::move(part), rejected);
    if (report.error.empty())
        for (auto& r : report.nodes) {
            if (!r.ok || !r.message.empty()) continue;
            bool removed_any = std::any_of(r.actions.begin(), r.actions.end(), [](const std::string& a) {
                return a.find(": removed ") != std::string::npos;
            });
            if (unknown.count(r.node) && !removed_any) {
                r.ok = false;
                r.message = "unknown node (not in the inventory, no host object named " + r.node + " in dhcpd)";
            } else {
                r.message = removed_any ? "host objects removed from dhcpd" : "no host object in dhcpd";
            }
        }
    return finished(std::move(report));
}

std::vector<NodeQuery> IscReservations::query(const intent::Intent& intent, const std::vector<std::string>& nodes) {
    const auto family = client_.options().family;
    auto asked = unique_nodes(nodes);
    auto selection = select_hosts(intent, asked, family);
    std::vector<NodeQuery> out;
    // Per node: the object names to look up (the rendered ones; the node name when none).
    std::vector<omapi::HostKey> keys;
    std::vector<std::pair<std::size_t, const HostObject*>> key_owner;
    std::map<std::string, std::vector<const HostObject*>> rendered;
    for (const auto& h : selection.hosts) rendered[h.node].push_back(&h);
    for (const auto& node : asked) {
        NodeQuery q;
        q.node = node;
        q.source = "omapi";
        out.push_back(std::move(q));
        std::size_t index = out.size() - 1;
        auto it = rendered.find(node);
        if (it != rendered.end()) {
            for (const HostObject* h : it->second) {
                keys.push_back(omapi::HostKey::by_name(h->name));
                key_owner.emplace_back(index, h);
            }
        } else {
            keys.push_back(omapi::HostKey::by_name(node));
            key_owner.emplace_back(index, nullptr);
        }
    }
    std::vector<omapi::LookupResult> hosts;
    try {
        hosts = client_.lookup(keys);
    } catch (const omapi::OmapiError& e) {
        for (auto& q : out) q.message = e.what();
        return out;
    }
    // Lease keys per node: each MAC (dhcpd's object's and the rendered one) and fixed address.
    std::vector<omapi::LeaseKey> lease_keys;
    std::vector<std::size_t> lease_owner;
    std::vector<std::set<std::string>> lease_seen(out.size());
    auto want_lease = [&](std::size_t index, omapi::LeaseKey key) {
        std::string id = key.describe();
        if (!lease_seen[index].insert(id).second) return;
        lease_keys.push_back(std::move(key));
        lease_owner.push_back(index);
    };
    for (std::size_t k = 0; k < hosts.size(); ++k) {
        auto [index, object] = key_owner[k];
        auto& q = out[index];
        const auto& found = hosts[k];
        if (found.host) {
            q.reservations.push_back(to_reservation(*found.host, object));
            if (!found.host->mac.empty())
                want_lease(index, omapi::LeaseKey::by_mac(found.host->mac, found.host->hardware_type ? found.host->hardware_type : 1));
            if (found.host->ip && found.host->ip->family() == family) want_lease(index, omapi::LeaseKey::by_ip(*found.host->ip));
        } else if (found.error) {
            if (!q.message.empty()) q.message += "; ";
            q.message += found.error->what();
        }
        if (object && !object->mac.empty() && !(family == net::Family::v6 && !object->client_identifier.empty()))
            want_lease(index, omapi::LeaseKey::by_mac(object->mac, object->hardware_type));
    }
    if (options_.leases && family == net::Family::v4 && !lease_keys.empty()) {
        std::vector<omapi::LeaseLookupResult> leases;
        try {
            leases = client_.lookup_leases(lease_keys);
        } catch (const omapi::OmapiError& e) {
            for (auto& q : out) q.message += (q.message.empty() ? "" : "; ") + std::string("lease lookup: ") + e.what();
        }
        for (std::size_t k = 0; k < leases.size(); ++k) {
            auto& q = out[lease_owner[k]];
            if (leases[k].lease) {
                auto l = to_lease4(*leases[k].lease);
                bool dup = std::any_of(q.leases.begin(), q.leases.end(),
                                       [&](const control::Lease4& o) { return o.ip_address == l.ip_address; });
                if (!dup) q.leases.push_back(std::move(l));
            } else if (leases[k].error) {
                std::string why = leases[k].error->what();
                if (leases[k].error->server_result() == omapi::result::multiple)
                    why = "dhcpd holds more than one lease for " + lease_keys[k].describe() +
                          " (OMAPI finds a lease only by a key that matches one)";
                q.message += (q.message.empty() ? "" : "; ") + why;
            }
        }
    }
    for (auto& q : out) {
        q.found = !q.reservations.empty();
        if (!q.found && q.message.empty())
            q.message = known_node(intent, q.node) ? "no host object in dhcpd" : "unknown node";
    }
    return out;
}

}  // namespace xcatdhcp::live
