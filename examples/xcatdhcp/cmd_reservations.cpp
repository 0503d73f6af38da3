// xcatdhcp reservations add|del|query NODE...: xCAT's `makedhcp NODE`, `makedhcp -d NODE` and
// `makedhcp -q NODE` for Kea, through xcatdhcp/live/kea_reservations.hpp. The configuration file
// on disk (--config) and the running server change together, without a restart.
#include "args.hpp"
#include "common.hpp"

#include "xcatdhcp/control/kea_client.hpp"
#include "xcatdhcp/intent/build.hpp"
#include "xcatdhcp/inventory/digest.hpp"
#include "xcatdhcp/live/kea_reservations.hpp"
#include "xcatdhcp/render/kea.hpp"
#include "xcatdhcp/version.hpp"

#include <iomanip>
#include <ostream>
#include <string>
#include <vector>

namespace xcatdhcp::cli {

int cmd_reservations(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);

namespace {

const char* usage =
    "usage: xcatdhcp reservations add|del|query NODE... -i INVENTORY --config PATH\n"
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
    "Exit status 0 when every node succeeded, 1 otherwise (each node's outcome is printed).\n";


void print_report(const live::Report& report, std::ostream& out) {
    out << "method: " << report.method << ", file " << report.config_path
        << (report.file_written ? " written" : " unchanged") << "\n";
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

}  // namespace

int cmd_reservations(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
    Args args(argv,
              with(inventory_options, {"--config", "--socket", "-s", "--url", "-u", "--user", "--password-file",
                                       "--kea-version", "--key-file", "--user-class", "--timeout", "--ca-file"}),
              with(inventory_flags, {"--json", "--config-set", "--keep-leases", "--insecure", "--help", "-h"}));
    if (args.flag("--help") || args.flag("-h")) {
        out << usage;
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
    std::string config = args.value("--config");
    if (config.empty() && op != "query") throw Error("missing --config PATH (the server's kea-dhcp4.conf)", "option", "--config");

    auto inventory = load(args);
    auto built = intent::build(inventory, build_options(args));
    for (const auto& d : built.diagnostics)
        if (d.severity != Severity::info) err << format(d) << "\n";

    control::KeaClient client(endpoint_from(args));
    live::Options options;
    options.force_config_set = args.flag("--config-set");
    options.remove_conflicting_leases = !args.flag("--keep-leases");
    live::KeaReservations live(client, config, options);
    bool json = args.flag("--json");

    if (op == "query") {
        auto queries = live.query(built.intent, nodes);
        if (json) out << live::to_json(queries) << "\n";
        else print_query(queries, out);
        bool all = true;
        for (const auto& q : queries) all = all && q.found;
        return all ? 0 : 1;
    }

    live::Report report;
    if (op == "add") {
        auto desired = live::desired_dhcp4(built.intent, kea_profile(args, inventory), read_secrets(args),
                                           inventory::digest(inventory));
        report = live.add(built.intent, desired, nodes);
    } else {
        report = live.remove(built.intent, nodes);
    }
    if (json) out << live::to_json(report) << "\n";
    else print_report(report, out);
    if (!report.error.empty()) err << "reservations " << op << ": " << report.error << "\n";
    return report.ok() ? 0 : 1;
}

}  // namespace xcatdhcp::cli
