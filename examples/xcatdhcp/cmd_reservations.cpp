// xcatdhcp reservations add|del|query NODE...: xCAT's `makedhcp NODE`, `makedhcp -d NODE` and
// `makedhcp -q NODE`, without a server restart. Kea (xcatdhcp/live/kea_reservations.hpp): the
// configuration file on disk (--config) and the running server change together. ISC dhcpd
// (xcatdhcp/live/isc_reservations.hpp): the nodes' host objects, over OMAPI.
#include "args.hpp"
#include "common.hpp"

#include "xcatdhcp/control/kea_client.hpp"
#include "xcatdhcp/intent/build.hpp"
#include "xcatdhcp/inventory/digest.hpp"
#include "xcatdhcp/backend.hpp"
#include "xcatdhcp/live/isc_reservations.hpp"
#include "xcatdhcp/live/kea_reservations.hpp"
#include "xcatdhcp/render/kea.hpp"
#include "xcatdhcp/version.hpp"

#include <iomanip>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace xcatdhcp::cli {

int cmd_reservations(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);

namespace {

const char* usage =
    "usage: xcatdhcp reservations add|del|query NODE... -i INVENTORY [--backend kea|isc] [--json]\n"
    "Kea:   --config PATH\n"
    "           (--socket PATH | --url URL [--user U --password-file F])\n"
    "           [--kea-version X.Y.Z] [--key-file F] [--user-class C] [--json]\n"
    "           [--config-set] [--keep-leases] [--timeout SECONDS]\n"
    "  add     the nodes' reservations, rendered from the inventory, go into the file --config\n"
    "          (checked by the server with config-test, written atomically) and into the running\n"
    "          server: reservation-del + reservation-add when host_cmds is loaded, else config-set.\n"
    "          Leases in the way (another client on the reserved address, the node's MAC on another\n"
    "          address of the subnet) are deleted (--keep-leases: not).\n"
    "  del     the nodes' reservations leave the file and the server; their leases on the former\n"
    "          reserved addresses are deleted.\n"
    "  query   the reservations the server holds for the nodes, and their leases.\n"
    "  --config-set  use config-set even when host_cmds is loaded.\n"
    "Without --backend: kea when --config, --socket or --url is given, else the backend the\n"
    "inventory selects (site.dhcpbackend, installed servers).\n"
    "ISC (--backend isc):\n"
    "  add     the nodes' host objects, as the ISC renderer makes them (hosts.omapi.json), are\n"
    "          replaced in dhcpd over OMAPI: old objects by name, MAC and address removed, then\n"
    "          created. No file is written (dhcpd keeps them in its leases file).\n"
    "  del     the nodes' host objects are removed from dhcpd.\n"
    "  query   the host objects dhcpd has (boot fields as rendered: dhcpd does not return\n"
    "          statements) and the leases of the nodes' MACs and addresses.\n"
    "  OMAPI options (--timeout in seconds):\n";
const char* usage_tail =
    "Exit status 0 when every node succeeded, 1 otherwise (each node's outcome is printed).\n";


void print_report(const live::Report& report, std::ostream& out) {
    out << "method: " << report.method;
    if (!report.config_path.empty())
        out << ", file " << report.config_path << (report.file_written ? " written" : " unchanged");
    out << "\n";
    if (!report.error.empty()) out << "error: " << report.error << "\n";
    for (const auto& n : report.nodes) {
        out << n.node << ": " << (n.ok ? "ok" : "FAILED") << (n.message.empty() ? "" : " - " + n.message) << "\n";
        for (const auto& a : n.actions) out << "    " << a << "\n";
    }
}

void print_query(const std::vector<live::NodeQuery>& queries, std::ostream& out) {
    for (const auto& q : queries) {
        out << q.node << ": " << (q.found ? "reserved" : "no reservation") << " (" << q.source << ")"
            << (q.message.empty() ? "" : " - " + q.message) << "\n";
        for (const auto& r : q.reservations)
            out << "    reservation " << (r.hw_address.empty() ? "-" : r.hw_address) << " "
                << (r.ip_address.empty() ? "-" : r.ip_address) << " subnet " << r.subnet_id << " hostname "
                << (r.hostname.empty() ? "-" : r.hostname) << " boot-file "
                << (r.boot_file_name.empty() ? "-" : r.boot_file_name) << "\n";
        for (const auto& l : q.leases)
            out << "    lease " << l.ip_address << " " << l.hw_address << " subnet " << l.subnet_id << " state "
                << l.state << "\n";
    }
}

int finish_query(const std::vector<live::NodeQuery>& queries, bool json, std::ostream& out) {
    if (json) out << live::to_json(queries) << "\n";
    else print_query(queries, out);
    bool all = true;
    for (const auto& q : queries) all = all && q.found;
    return all ? 0 : 1;
}

int finish_report(const std::string& op, const live::Report& report, bool json, std::ostream& out, std::ostream& err) {
    if (json) out << live::to_json(report) << "\n";
    else print_report(report, out);
    if (!report.error.empty()) err << "reservations " << op << ": " << report.error << "\n";
    return report.ok() ? 0 : 1;
}

// ISC dhcpd: the nodes' host objects over OMAPI (one session for the whole batch).
int isc_reservations(const std::string& op, const std::vector<std::string>& nodes, const Args& args,
                     const intent::Intent& intent, bool json, std::ostream& out, std::ostream& err) {
    if (!args.value("--config").empty())
        throw Error("--config is for Kea; ISC host objects live in dhcpd (OMAPI)", "option", "--config");
    auto session = omapi_session(args, &intent, 1000);
    live::IscOptions options;
    options.batch = session.batch;
    std::optional<control::omapi::Client> client;
    try {
        client.emplace(session.options);
    } catch (const control::omapi::OmapiError& e) {
        // No session: every node fails with the reason, in the same report shape.
        if (op == "query") {
            std::vector<live::NodeQuery> queries;
            for (const auto& n : live::unique_nodes(nodes)) queries.push_back({n, false, "omapi", {}, {}, e.what()});
            return finish_query(queries, json, out);
        }
        live::Report report;
        report.method = "omapi";
        report.error = e.what();
        for (const auto& n : live::unique_nodes(nodes)) report.nodes.push_back({n, false, {}, e.what()});
        return finish_report(op, report, json, out, err);
    }
    live::IscReservations live(*client, options);
    if (op == "query") return finish_query(live.query(intent, nodes), json, out);
    return finish_report(op, op == "add" ? live.add(intent, nodes) : live.remove(intent, nodes), json, out, err);
}

}  // namespace

int cmd_reservations(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
    auto valued = with(inventory_options, {"--config", "--socket", "-s", "--url", "-u", "--user", "--password-file",
                                           "--kea-version", "--user-class", "--ca-file", "--backend", "-b"});
    valued.insert(omapi_options.begin(), omapi_options.end());  // --key-file, --timeout, OMAPI session
    Args args(argv, valued,
              with(inventory_flags, {"--json", "--config-set", "--keep-leases", "--insecure", "--help", "-h"}));
    if (args.flag("--help") || args.flag("-h")) {
        out << usage << omapi_help << usage_tail;
        return 0;
    }
    const auto& pos = args.positionals();
    if (pos.empty()) throw Error("missing operation: add, del or query", "reservations", "");
    std::string op = pos[0];
    if (op == "delete" || op == "rm") op = "del";
    if (op != "add" && op != "del" && op != "query")
        throw Error("unknown operation (add, del, query)", "reservations", pos[0]);
    std::vector<std::string> nodes(pos.begin() + 1, pos.end());
    if (nodes.empty()) throw Error("no NODE given", "reservations", op);
    auto inventory = load(args);
    auto built = intent::build(inventory, build_options(args));
    for (const auto& d : built.diagnostics)
        if (d.severity != Severity::info) err << format(d) << "\n";
    std::string backend_name = args.value("--backend", "-b");
    // Without --backend: Kea when a Kea endpoint or file is named (as before ISC existed), else
    // the backend the inventory selects (site.dhcpbackend and the installed servers).
    bool kea_named = !args.value("--config").empty() || !args.value("--socket", "-s").empty() ||
                     !args.value("--url", "-u").empty();
    Backend backend = !backend_name.empty() ? parse_backend(backend_name)
                      : kea_named           ? Backend::kea
                                            : select_backend(inventory).backend;
    bool json = args.flag("--json");
    if (backend == Backend::isc) return isc_reservations(op, nodes, args, built.intent, json, out, err);

    std::string config = args.value("--config");
    if (config.empty() && op != "query") throw Error("missing --config PATH (the server's kea-dhcp4.conf)", "option", "--config");

    control::KeaClient client(endpoint_from(args));
    live::Options options;
    options.force_config_set = args.flag("--config-set");
    options.remove_conflicting_leases = !args.flag("--keep-leases");
    live::KeaReservations live(client, config, options);

    if (op == "query") {
        return finish_query(live.query(built.intent, nodes), json, out);
    }

    live::Report report;
    if (op == "add") {
        auto desired = live::desired_dhcp4(built.intent, kea_profile(args, inventory), read_secrets(args),
                                           inventory::digest(inventory), nodes);
        report = live.add(built.intent, desired, nodes);
    } else {
        report = live.remove(built.intent, nodes);
    }
    return finish_report(op, report, json, out, err);
}

}  // namespace xcatdhcp::cli
