#include "cli.hpp"

#include "commands.hpp"

#include "xcatdhcp/version.hpp"

#include <functional>
#include <map>
#include <ostream>

namespace xcatdhcp::cli {

namespace {

const char* usage = R"(usage: xcatdhcp COMMAND [OPTIONS]

Commands:
  backend   -i INVENTORY            which DHCP backend this server uses, and why
  ranges    'RANGE-STRING' [--json] parse a networks.dynamicrange value
  inventory -i INVENTORY            print the loaded inventory as JSON
  summary   -i INVENTORY            backend, networks with their dynamic ranges, node and NIC counts
  intent    -i INVENTORY [--diagnostics] [--json] [--user-class UC]...
                                    the normalized DHCP intent as JSON; --diagnostics prints
                                    the findings one per line instead (--json: as JSON)
  render    -i INVENTORY -o DIR [--backend isc|kea] [--key-file FILE] [--static-hosts]
            [--kea-version X.Y.Z] [--user-class UC]...
                                    write the configuration files for the backend (default: the
                                    one site.dhcpbackend selects); FILE holds the OMAPI/TSIG key
                                    as in /etc/xcat/ddns.key; diagnostics go to stderr
  validate  --backend isc|kea DIR [--chroot ROOT]
                                    run the backend's own validators on the files in DIR; interfaces
                                    this host lacks are provided in a private network namespace
                                    (root) or relaxed in a copy, and the output says which
  apply     -i INVENTORY [render options] | --files DIR --backend isc|kea
            [--root DIR] [--services auto|systemd|direct|none] [--netns NS] [--keep-backups N]
            [--chroot ROOT]         (--chroot: validators and direct daemons run inside ROOT,
                                    --root lies in it)
                                    validate (Kea: as the service user _kea/kea), back up, write
                                    atomically, reload the services in order, verify (Kea:
                                    config-get shows the new files); on any failure restore the
                                    previous files, reload and verify them. Without systemd the
                                    daemons are run directly, by PID; "none" only writes the files
                                    (docs/apply.md)
  probe     -I IFACE [--mac M] [--arch 0x0007] [--user-class xNBA] [--vendor-class X]
            [--client-id HEX] [--request] [--v6] [--timeout S] [--json]
                                    send DHCPDISCOVER (--v6: SOLICIT), optionally complete the
                                    exchange, and report the answers (needs root)
  leases    --socket PATH | --url URL [--user U --password-file F] [--mac M | --ip A | --subnet ID]
            [-6] [--json]           the Kea server's leases (lease_cmds hook)
  stats     --socket PATH | --url URL [--name STATISTIC] [--json]
                                    the Kea server's statistics, newest value of each
  kea       --socket PATH | --url URL COMMAND [JSON-ARGS | @FILE | -]
                                    one raw Kea command; prints the reply and its outcome
                                    (--service S: the URL is a Control Agent; --ca-file/--cert/--key)
  reservations add|del|query NODE... -i INVENTORY --config PATH --socket PATH | --url URL
            [--user U --password-file F] [--kea-version X.Y.Z] [--json] [--keep-leases]
                                    makedhcp NODE / -d / -q for Kea: the config file and the
                                    running server together, no restart (docs/reservations.md)
  reservations add|del|query NODE... -i INVENTORY --backend isc --key-file FILE
            [--server HOST] [--port PORT] [--json]
                                    the same for ISC dhcpd: the nodes' host objects over OMAPI
  omapi     add|del|query|create|update|remove ...
                                    host objects in a running dhcpd over OMAPI, natively (no
                                    omshell); see xcatdhcp omapi --help and docs/omapi.md
  facts     [--tftpdir DIR]         this host's server facts (os-release, interfaces, routes,
                                    /etc/hosts, installed dhcpd/Kea, hooks) as JSON
  version                           print the library version

Every command taking -i also takes --probe-facts: use this host's facts instead of the
inventory's server section (run it on the DHCP server itself).

INVENTORY is a YAML or JSON file, an lsdef -z stanza file, or a directory of *.stanza files
with an optional server.yaml holding the server facts (see docs/inventory.md).
Exit status: 0 on success; non-zero with a one-line error on stderr otherwise.
)";

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    static const std::map<std::string, std::function<int(const Argv&, std::ostream&, std::ostream&)>> commands = {
        {"backend", cmd_backend}, {"ranges", cmd_ranges},     {"inventory", cmd_inventory},
        {"facts", cmd_facts},     {"summary", cmd_summary},   {"intent", cmd_intent},
        {"render", cmd_render},   {"validate", cmd_validate}, {"apply", cmd_apply},
        {"probe", cmd_probe},     {"leases", cmd_leases},     {"stats", cmd_stats},
        {"kea", cmd_kea},         {"reservations", cmd_reservations}, {"omapi", cmd_omapi},
    };
    if (args.empty()) {
        err << "xcatdhcp: missing command (see xcatdhcp --help for usage)\n";
        return 2;
    }
    if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        out << usage;
        return 0;
    }
    if (args[0] == "version" || args[0] == "--version") {
        out << "xcatdhcp " << library_version() << "\n";
        return 0;
    }
    auto it = commands.find(args[0]);
    if (it == commands.end()) {
        err << "xcatdhcp: unknown command '" << args[0] << "' (see xcatdhcp --help)\n";
        return 2;
    }
    return it->second(Argv(args.begin() + 1, args.end()), out, err);
}

}  // namespace xcatdhcp::cli
