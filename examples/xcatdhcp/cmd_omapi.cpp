// `xcatdhcp omapi ...`: host objects in a running ISC dhcpd over OMAPI, without omshell.
//
// To be registered in cli.cpp's command table as {"omapi", ...} (it takes `err` too, like
// render). Also compiled into build/bin/omapi_tool (tests/bench/omapi_tool.cpp) for the
// integration test while it is not registered.
#include "args.hpp"
#include "common.hpp"

#include "xcatdhcp/control/omapi.hpp"
#include "xcatdhcp/error.hpp"
#include "xcatdhcp/intent/build.hpp"
#include "xcatdhcp/net/range.hpp"
#include "xcatdhcp/inventory/load.hpp"
#include "xcatdhcp/render/isc.hpp"
#include "xcatdhcp/render/secrets.hpp"

#include <chrono>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace xcatdhcp::cli {

int cmd_omapi(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);

namespace {

namespace omapi = control::omapi;
using render::isc::HostObject;

const char* omapi_usage_head = R"(usage: xcatdhcp omapi ACTION [OPTIONS]

Host objects in a running ISC dhcpd, over OMAPI (no omshell).

Actions:
  add     -i INVENTORY [--node NODE]...   replace the nodes' host objects (remove by name,
                                          address and MAC, then create), one connection
  del     -i INVENTORY [--node NODE]...   remove the nodes' host objects
  query   (--name N | --mac M [--hardware-type T] | --ip A | --client-id ID | -i INVENTORY [--node NODE]...)
                                          print the host objects dhcpd has
  create  --name N [--mac M] [--hardware-type T] [--ip A] [--client-id ID] [--statements S]
                                          create one object (fails when it exists)
  update  (--name N | --mac M | --ip A) [--set-ip A] [--set-hardware-type T] [--set-statements S]
                                          change an object in place (dhcpd allows ip-address and
                                          hardware-type; others need del + add)
  remove  (--name N | --mac M [--hardware-type T] | --ip A | --client-id ID)
                                          remove one object

Connection (and batches):
)";
const char* omapi_usage_tail = R"(  --timeout MS        connect and reply timeout (default 10000)
  --json              machine-readable output

Exit status: 0 when every host succeeded (query: every key was found), 1 otherwise.
)";

std::string json_text(const std::string& s) {
    std::string o = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            o += '\\';
            o += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
            static const char* hex = "0123456789abcdef";
            o += "\\u00";
            o += hex[c >> 4];
            o += hex[c & 15];
        } else {
            o += static_cast<char>(c);
        }
    }
    return o + "\"";
}

net::IpAddress parse_ip(const std::string& text, const std::string& option) {
    return net::IpAddress::parse_or_throw(text, option);
}

struct Session {
    OmapiSession omapi;
    std::optional<intent::Intent> intent;  // from -i
};

std::vector<HostObject> inventory_hosts(const Session& s, const Args& args) {
    if (!s.intent) throw Error("missing -i INVENTORY", "option", "-i");
    auto all = render::isc::host_objects(*s.intent);
    auto nodes = args.values("--node");
    std::set<std::string> wanted(nodes.begin(), nodes.end());
    std::vector<HostObject> hosts;
    std::set<std::string> seen;
    for (auto& h : all) {
        if (h.family != s.omapi.options.family) continue;
        if (!wanted.empty() && !wanted.count(h.node)) continue;
        seen.insert(h.node);
        hosts.push_back(std::move(h));
    }
    for (const auto& n : wanted)
        if (!seen.count(n)) throw Error("no host object for this node in the inventory", "node", n, n);
    return hosts;
}

omapi::HostKey key_from(const Args& args) {
    omapi::HostKey key;
    key.name = args.value("--name");
    key.mac = args.value("--mac");
    if (auto t = args.value("--hardware-type"); !t.empty()) key.hardware_type = parse_int(t, "--hardware-type", 0, 255);
    if (auto ip = args.value("--ip"); !ip.empty()) key.ip = parse_ip(ip, "--ip");
    key.client_identifier = args.value("--client-id");
    return key;
}

void print_host(std::ostream& out, const omapi::Host& h, bool json) {
    if (json) {
        out << "{\"name\": " << json_text(h.name) << ", \"hardware-type\": " << h.hardware_type
            << ", \"hardware-address\": " << json_text(h.mac)
            << ", \"dhcp-client-identifier\": " << json_text(h.client_identifier)
            << ", \"ip-address\": " << (h.ip ? json_text(h.ip->to_string()) : "null") << "}";
        return;
    }
    out << h.name << ": ip-address = " << (h.ip ? h.ip->to_string() : "-")
        << ", hardware-address = " << (h.mac.empty() ? "-" : h.mac) << ", hardware-type = " << h.hardware_type;
    if (!h.client_identifier.empty()) out << ", dhcp-client-identifier = " << h.client_identifier;
}

int print_report(const omapi::BatchReport& report, std::ostream& out, bool json, double seconds) {
    if (json) {
        out << "{\"hosts\": [";
        for (std::size_t i = 0; i < report.hosts.size(); ++i) {
            const auto& h = report.hosts[i];
            out << (i ? ",\n  " : "\n  ") << "{\"node\": " << json_text(h.node) << ", \"name\": " << json_text(h.name)
                << ", \"ok\": " << (h.ok ? "true" : "false") << ", \"removed\": " << h.removed;
            if (h.error)
                out << ", \"error\": " << json_text(std::string(omapi::to_string(*h.error)))
                    << ", \"message\": " << json_text(h.message);
            out << "}";
        }
        out << "],\n \"succeeded\": " << report.succeeded() << ", \"failed\": " << report.failed()
            << ", \"requests\": " << report.requests << ", \"seconds\": " << seconds;
        if (report.aborted) out << ", \"aborted\": " << json_text(report.aborted->what());
        out << "}\n";
    } else {
        for (const auto& h : report.hosts) {
            out << (h.ok ? "ok      " : "FAILED  ") << h.name;
            if (h.node != h.name) out << " (node " << h.node << ")";
            if (h.removed) out << " removed " << h.removed;
            if (!h.ok) out << ": " << h.message;
            out << "\n";
        }
        out << report.succeeded() << " ok, " << report.failed() << " failed, " << report.requests
            << " requests\n";
    }
    return report.failed() == 0 ? 0 : 1;
}

}  // namespace

int cmd_omapi(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
    if (argv.empty() || argv[0] == "--help" || argv[0] == "-h" || argv[0] == "help") {
        (argv.empty() ? err : out) << omapi_usage_head << omapi_help << omapi_usage_tail;
        return argv.empty() ? 2 : 0;
    }
    const std::string action = argv[0];
    Args args(std::vector<std::string>(argv.begin() + 1, argv.end()),
              with(omapi_options, {"-i", "--inventory", "--node", "--name", "--mac", "--hardware-type", "--ip",
                                   "--client-id", "--statements", "--set-ip", "--set-hardware-type",
                                   "--set-statements"}),
              {"--json"});
    if (!args.positionals().empty()) throw Error("unexpected argument", "omapi", args.positionals()[0]);
    static const std::set<std::string> actions = {"add", "del", "query", "create", "update", "remove"};
    if (!actions.count(action)) {
        err << "xcatdhcp omapi: unknown action '" << action << "'\n" << omapi_usage_head << omapi_help << omapi_usage_tail;
        return 2;
    }
    const bool json = args.flag("--json");
    Session session;
    if (auto path = args.value("--inventory", "-i"); !path.empty())
        session.intent = intent::build(inventory::load_file(path)).intent;
    session.omapi = omapi_session(args, session.intent ? &*session.intent : nullptr, 1);
    const omapi::BatchOptions& batch = session.omapi.batch;

    if (action == "add" || action == "del") {
        auto hosts = inventory_hosts(session, args);
        auto start = std::chrono::steady_clock::now();
        omapi::Client client(session.omapi.options);
        auto report = action == "add" ? client.add(hosts, batch) : client.remove(hosts, batch);
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (report.aborted) err << "xcatdhcp: " << report.aborted->what() << "\n";
        return print_report(report, out, json, seconds);
    }

    if (action == "query") {
        std::vector<omapi::HostKey> keys;
        std::vector<std::string> labels;
        if (session.intent && args.value("--name").empty() && args.value("--mac").empty() &&
            args.value("--ip").empty() && args.value("--client-id").empty()) {
            for (const auto& h : inventory_hosts(session, args)) {
                keys.push_back(omapi::HostKey::by_name(h.name));
                labels.push_back(h.name);
            }
        } else {
            keys.push_back(key_from(args));
            labels.push_back(keys.back().describe());
        }
        omapi::Client client(session.omapi.options);
        auto results = client.lookup(keys);
        int status = 0;
        if (json) out << "[";
        for (std::size_t i = 0; i < results.size(); ++i) {
            const auto& r = results[i];
            if (json) {
                out << (i ? ",\n " : "") << "{\"key\": " << json_text(labels[i]) << ", \"host\": ";
                if (r.host) print_host(out, *r.host, true);
                else out << "null";
                if (r.error) out << ", \"error\": " << json_text(r.error->what());
                out << "}";
            } else if (r.host) {
                print_host(out, *r.host, false);
                out << "\n";
            } else {
                out << labels[i] << ": " << (r.error ? r.error->what() : "not found") << "\n";
            }
            if (!r.host) status = 1;
        }
        if (json) out << "]\n";
        return status;
    }

    omapi::Client client(session.omapi.options);
    if (action == "create") {
        HostObject h;
        h.name = args.value("--name");
        if (h.name.empty()) throw Error("create needs --name", "option", "--name");
        h.node = h.name;
        h.family = session.omapi.options.family;
        h.mac = args.value("--mac");
        if (auto t = args.value("--hardware-type"); !t.empty()) h.hardware_type = parse_int(t, "--hardware-type", 0, 255);
        h.client_identifier = args.value("--client-id");
        if (auto ip = args.value("--ip"); !ip.empty()) h.ip = parse_ip(ip, "--ip");
        h.statements = args.value("--statements");
        auto host = client.create(h);
        print_host(out, host, json);
        out << "\n";
        return 0;
    }
    auto key = key_from(args);
    if (key.empty()) throw Error("needs --name, --mac, --ip or --client-id", "omapi", action);
    if (action == "update") {
        omapi::HostChanges changes;
        if (auto ip = args.value("--set-ip"); !ip.empty()) changes.ip = parse_ip(ip, "--set-ip");
        if (auto t = args.value("--set-hardware-type"); !t.empty())
            changes.hardware_type = parse_int(t, "--set-hardware-type", 0, 255);
        if (args.values("--set-statements").size()) changes.statements = args.value("--set-statements");
        auto host = client.update(key, changes);
        print_host(out, host, json);
        out << "\n";
        return 0;
    }
    // remove
    bool removed = client.remove(key);
    if (json) out << "{\"removed\": " << (removed ? "true" : "false") << "}\n";
    else out << (removed ? "removed " : "not found: ") << key.describe() << "\n";
    return removed ? 0 : 1;
}

}  // namespace xcatdhcp::cli
