#include "xcatdhcp/apply/verify.hpp"

#include "xcatdhcp/control/kea_client.hpp"
#include "xcatdhcp/error.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <set>
#include <thread>
#include <vector>

namespace xcatdhcp::apply {

using nlohmann::json;

namespace {

const json* dhcp_root(const json& doc) {
    for (const char* key : {"Dhcp4", "Dhcp6"})
        if (doc.is_object() && doc.contains(key) && doc[key].is_object()) return &doc[key];
    return nullptr;
}

std::string text(const json& j, const char* key) {
    if (!j.is_object() || !j.contains(key)) return "";
    const json& v = j[key];
    if (v.is_string()) {
        std::string s = v.get<std::string>();
        std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
        return s;
    }
    if (v.is_array()) {
        std::string out;
        for (const auto& e : v) out += (out.empty() ? "" : ",") + (e.is_string() ? e.get<std::string>() : e.dump());
        return out;
    }
    return v.is_null() ? "" : v.dump();
}

void hosts(std::set<std::string>& lines, const json& list, const std::string& where) {
    if (!list.is_array()) return;
    for (const auto& r : list) {
        std::string id;
        for (const char* key : {"hw-address", "duid", "client-id", "circuit-id", "flex-id"})
            if (!text(r, key).empty()) id = std::string(key) + "=" + text(r, key);
        // A reservation without an address may come back as 0.0.0.0.
        std::string ip = text(r, "ip-address");
        if (ip == "0.0.0.0") ip.clear();
        lines.insert("host " + where + " " + id + " " + ip + text(r, "ip-addresses") + " " + text(r, "prefixes"));
    }
}

void subnets(std::set<std::string>& lines, const json& list) {
    if (!list.is_array()) return;
    for (const auto& s : list) {
        std::string id = text(s, "id");
        lines.insert("subnet " + id + " " + text(s, "subnet"));
        if (s.contains("reservations")) hosts(lines, s["reservations"], "subnet " + id);
    }
}

std::string control_socket(const json& root) {
    if (root.contains("control-socket") && text(root["control-socket"], "socket-type") == "unix")
        return root["control-socket"].value("socket-name", "");
    if (root.contains("control-sockets") && root["control-sockets"].is_array())
        for (const auto& s : root["control-sockets"])
            if (text(s, "socket-type") == "unix") return s.value("socket-name", "");
    return "";
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::size_t from = 0;
    while (from < text.size()) {
        std::size_t end = text.find('\n', from);
        if (end == std::string::npos) end = text.size();
        out.push_back(text.substr(from, end - from));
        from = end + 1;
    }
    return out;
}

// The first line only the file has, and the first only the server has.
std::string difference(const std::string& want, const std::string& running) {
    auto a = lines_of(want), b = lines_of(running);
    std::set<std::string> in_a(a.begin(), a.end()), in_b(b.begin(), b.end());
    std::string out;
    std::size_t missing = 0, extra = 0;
    std::string first_missing, first_extra;
    for (const auto& l : a)
        if (!in_b.count(l) && missing++ == 0) first_missing = l;
    for (const auto& l : b)
        if (!in_a.count(l) && extra++ == 0) first_extra = l;
    if (missing) out += std::to_string(missing) + " line(s) of the file's not running, first '" + first_missing + "'";
    if (extra) out += std::string(out.empty() ? "" : "; ") + std::to_string(extra) +
                      " line(s) running that the file does not have, first '" + first_extra + "'";
    return out;
}

}  // namespace

std::string kea_fingerprint(const std::string& json_text) {
    json doc = json::parse(json_text, nullptr, false, true);
    const json* root = dhcp_root(doc);
    if (!root) throw Error("not a Kea Dhcp4 / Dhcp6 configuration", "fingerprint", "");
    std::set<std::string> lines;
    for (const char* list : {"subnet4", "subnet6"})
        if (root->contains(list)) subnets(lines, (*root)[list]);
    if (root->contains("shared-networks") && (*root)["shared-networks"].is_array())
        for (const auto& net : (*root)["shared-networks"])
            for (const char* list : {"subnet4", "subnet6"})
                if (net.contains(list)) subnets(lines, net[list]);
    if (root->contains("reservations")) hosts(lines, (*root)["reservations"], "global");
    if (root->contains("lease-database"))
        lines.insert("lease-database " + text((*root)["lease-database"], "type") + " " +
                     text((*root)["lease-database"], "name"));
    lines.insert("control-socket " + control_socket(*root));
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

std::string kea_control_socket(const std::string& json_text) {
    json doc = json::parse(json_text, nullptr, false, true);
    const json* root = dhcp_root(doc);
    return root ? control_socket(*root) : "";
}

Verifier kea_verifier(int timeout_seconds, const std::string& root) {
    return [timeout_seconds, root](const ServiceUnit& unit, const render::Files& files) -> std::string {
        const char* name = unit.role == Role::dhcp4 ? "kea-dhcp4.conf" : unit.role == Role::dhcp6 ? "kea-dhcp6.conf" : nullptr;
        if (!name || !files.count(name)) return "";
        const std::string& file = files.at(name);
        const std::string inner = kea_control_socket(file);
        if (inner.empty()) return "";
        const std::string socket = root.empty() || root == "/" ? inner : root + inner;
        const std::string want = kea_fingerprint(file);
        control::Endpoint endpoint;
        endpoint.transport = control::Transport::unix_socket;
        endpoint.socket_path = socket;
        endpoint.connect_timeout_ms = 2000;
        endpoint.timeout_ms = 30000;
        control::KeaClient client(endpoint);
        std::string last;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
        for (;;) {
            auto got = client.config_get();
            if (got.ok() && got.value) {
                std::string running;
                try {
                    running = kea_fingerprint(got.value->config);
                } catch (const std::exception& e) {
                    running = std::string("(") + e.what() + ")";
                }
                if (running == want)
                    return "verified " + unit.name + ": config-get on " + socket +
                           " shows the file's subnets, reservations and lease database";
                last = difference(want, running);
            } else {
                last = "config-get on " + socket + ": " + got.describe();
            }
            if (std::chrono::steady_clock::now() >= deadline) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        throw Error("the server does not run the configuration in its file after " + std::to_string(timeout_seconds) +
                        " s: " + last,
                    "service", unit.name);
    };
}

}  // namespace xcatdhcp::apply
