// Outcomes shared by the Kea and ISC live layers: per-node results, JSON, batch selection.
#include "xcatdhcp/live/report.hpp"

#include <set>

#include <nlohmann/json.hpp>

namespace xcatdhcp::live {
namespace {
using Json = nlohmann::json;
Json reservation_json(const control::Reservation& r) { return Json::parse(control::to_json(r)); }
}  // namespace

std::vector<std::string> unique_nodes(const std::vector<std::string>& nodes) {
    std::vector<std::string> out;
    std::set<std::string> seen;
    for (const auto& n : nodes)
        if (seen.insert(n).second) out.push_back(n);
    return out;
}

bool known_node(const intent::Intent& intent, const std::string& node) {
    for (const auto& s : intent.subnets)
        for (const auto& r : s.reservations)
            if (r.node == node) return true;
    for (const auto& r : intent.unplaced)
        if (r.node == node) return true;
    return false;
}

Selection select_for_add(const intent::Intent& intent, const std::vector<std::string>& nodes) {
    Selection out;
    for (const auto& node : unique_nodes(nodes)) {
        bool known = false, placed = false;
        for (const auto& s : intent.subnets) {
            if (s.family() != net::Family::v4) continue;
            for (const auto& r : s.reservations)
                if (r.node == node) known = placed = true;  // with or without a fixed address
        }
        if (!known) known = known_node(intent, node);
        if (!known) out.rejected.push_back({node, false, {}, "unknown node (not in the inventory, or no MAC)"});
        else if (!placed) out.rejected.push_back({node, false, {}, "no IPv4 reservation in the intent (its IP is unknown or on no served subnet)"});
        else out.nodes.push_back(node);
    }
    return out;
}

Report finished(Report report) {
    if (!report.error.empty())
        for (auto& n : report.nodes)
            if (!n.ok && n.message.empty()) n.message = report.error;
    return report;
}

bool Report::ok() const {
    if (!error.empty()) return false;
    for (const auto& n : nodes)
        if (!n.ok) return false;
    return true;
}

std::string to_json(const Report& report) {
    Json j;
    j["method"] = report.method;
    j["config"] = report.config_path;
    j["file_written"] = report.file_written;
    j["ok"] = report.ok();
    if (!report.error.empty()) j["error"] = report.error;
    Json nodes = Json::array();
    for (const auto& n : report.nodes)
        nodes.push_back({{"node", n.node}, {"ok", n.ok}, {"actions", n.actions}, {"message", n.message}});
    j["nodes"] = std::move(nodes);
    return j.dump(2);
}

std::string to_json(const std::vector<NodeQuery>& queries) {
    Json out = Json::array();
    for (const auto& q : queries) {
        Json res = Json::array(), leases = Json::array();
        for (const auto& r : q.reservations) res.push_back(reservation_json(r));
        for (const auto& l : q.leases) leases.push_back(Json::parse(control::to_json(l)));
        out.push_back({{"node", q.node}, {"found", q.found}, {"source", q.source}, {"reservations", res},
                       {"leases", leases}, {"message", q.message}});
    }
    return out.dump(2);
}

}  // namespace xcatdhcp::live
