#include "cli.hpp"

#include "args.hpp"

#include "xcatdhcp/apply/validate.hpp"
#include "xcatdhcp/backend.hpp"
#include "xcatdhcp/host/facts.hpp"
#include "xcatdhcp/intent/build.hpp"
#include "xcatdhcp/intent/json.hpp"
#include "xcatdhcp/inventory/load.hpp"
#include "xcatdhcp/net/mac.hpp"
#include "xcatdhcp/net/range.hpp"
#include "xcatdhcp/version.hpp"

#include <functional>
#include <iostream>
#include <map>

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
  validate  --backend isc|kea DIR [--chroot ROOT]
                                    run the backend's own validators on the files in DIR; interfaces
                                    this host lacks are provided in a private network namespace
                                    (root) or relaxed in a copy, and the output says which
  facts     [--tftpdir DIR]         this host's server facts (os-release, interfaces, routes,
                                    /etc/hosts, installed dhcpd/Kea, hooks) as JSON
  version                           print the library version

Every command taking -i also takes --probe-facts: use this host's facts instead of the
inventory's server section (run it on the DHCP server itself).

INVENTORY is a YAML or JSON file, an lsdef -z stanza file, or a directory of *.stanza files
with an optional server.yaml holding the server facts (see docs/inventory.md).
Exit status: 0 on success; non-zero with a one-line error on stderr otherwise.
)";

inventory::ServerFacts probe_facts(const Args& args, const inventory::Inventory* inventory) {
    host::ProbeOptions options;
    std::string tftpdir = inventory ? inventory::attribute(inventory->site, "tftpdir") : "";
    options.tftpdir = args.value("--tftpdir", "", tftpdir.empty() ? "/tftpboot" : tftpdir);
    apply::SystemRunner runner;
    return host::probe_server_facts(runner, options);
}

// Loads -i INVENTORY; --probe-facts replaces its server facts with this host's own.
inventory::Inventory load(const Args& args) {
    std::string path = args.value("--inventory", "-i");
    if (path.empty()) throw Error("missing -i INVENTORY", "option", "-i");
    auto inventory = inventory::load_file(path);
    if (args.flag("--probe-facts")) inventory.server = probe_facts(args, &inventory);
    return inventory;
}

const std::set<std::string> inventory_options = {"-i", "--inventory", "--tftpdir"};
const std::set<std::string> inventory_flags = {"--probe-facts"};

std::set<std::string> with(std::set<std::string> base, std::initializer_list<std::string> more) {
    base.insert(more.begin(), more.end());
    return base;
}

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20) {
            static const char* hex = "0123456789abcdef";
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

int cmd_backend(const std::vector<std::string>& argv, std::ostream& out) {
    Args args(argv, inventory_options, inventory_flags);
    auto inv = load(args);
    auto choice = select_backend(inv);
    out << to_string(choice.backend) << "\n" << choice.reason << "\n";
    return 0;
}

int cmd_ranges(const std::vector<std::string>& argv, std::ostream& out) {
    Args args(argv, {}, {"--json"});
    if (args.positionals().size() != 1) throw Error("expects one RANGE-STRING", "ranges", "");
    auto ranges = net::parse_dynamic_ranges(args.positionals()[0]);
    if (args.flag("--json")) {
        out << "[";
        for (std::size_t i = 0; i < ranges.size(); ++i) {
            const auto& r = ranges[i];
            out << (i ? ", " : "") << "{\"first\": " << json_string(r.first.to_string())
                << ", \"last\": " << json_string(r.last.to_string()) << ", \"family\": "
                << (r.first.is_v4() ? 4 : 6);
            if (r.cidr_length) out << ", \"prefix_length\": " << *r.cidr_length;
            out << "}";
        }
        out << "]\n";
    } else {
        for (const auto& r : ranges) out << r.first.to_string() << " - " << r.last.to_string() << "\n";
    }
    return 0;
}

int cmd_inventory(const std::vector<std::string>& argv, std::ostream& out) {
    Args args(argv, inventory_options, inventory_flags);
    out << inventory::to_json(load(args));
    return 0;
}

int cmd_facts(const std::vector<std::string>& argv, std::ostream& out) {
    Args args(argv, {"--tftpdir"}, {});
    out << inventory::to_json(probe_facts(args, nullptr));
    return 0;
}

int cmd_summary(const std::vector<std::string>& argv, std::ostream& out) {
    Args args(argv, inventory_options, inventory_flags);
    auto inv = load(args);
    auto choice = select_backend(inv);
    out << "backend: " << to_string(choice.backend) << " (" << choice.reason << ")\n";
    out << "networks: " << inv.networks.size() << "\n";
    for (const auto& [name, attributes] : inv.networks) {
        out << "  " << name << " " << inventory::attribute(attributes, "net") << "/"
            << inventory::attribute(attributes, "mask");
        const auto& range = inventory::attribute(attributes, "dynamicrange");
        if (range.empty()) {
            out << " no dynamic range\n";
            continue;
        }
        try {
            out << " dynamic:";
            for (const auto& r : net::parse_dynamic_ranges(range)) out << " [" << r.to_string() << "]";
            out << "\n";
        } catch (const Error& e) {
            out << " invalid dynamic range: " << e.what() << "\n";
        }
    }
    std::size_t nics = 0, bad = 0;
    for (const auto& [name, attributes] : inv.nodes) {
        auto parsed = net::parse_mac_list(inventory::attribute(attributes, "mac"));
        nics += parsed.nics.size();
        bad += parsed.errors.size();
    }
    out << "nodes: " << inv.nodes.size() << "\n";
    out << "nics: " << nics << (bad ? " (" + std::to_string(bad) + " invalid MAC entries)" : "")
        << "\n";
    return 0;
}

intent::BuildOptions build_options(const Args& args) {
    intent::BuildOptions options;
    if (auto classes = args.values("--user-class"); !classes.empty())
        options.second_stage_user_classes = classes;
    return options;
}

int cmd_intent(const std::vector<std::string>& argv, std::ostream& out) {
    Args args(argv, with(inventory_options, {"--user-class"}),
              with(inventory_flags, {"--diagnostics", "--json"}));
    auto result = intent::build(load(args), build_options(args));
    if (args.flag("--diagnostics")) {
        if (args.flag("--json")) out << intent::to_json(result.diagnostics);
        else
            for (const auto& d : result.diagnostics) out << format(d) << "\n";
        return 0;
    }
    out << intent::to_json(result.intent);
    return 0;
}

int cmd_validate(const std::vector<std::string>& argv, std::ostream& out) {
    Args args(argv, {"--backend", "-b", "--chroot"}, {});
    if (args.positionals().size() != 1) throw Error("expects one directory", "validate", "");
    auto backend = parse_backend(args.value("--backend", "-b"));
    apply::ValidateOptions options;
    options.chroot = args.value("--chroot");
    apply::SystemRunner runner;
    auto report = apply::validate_directory(backend, args.positionals()[0], runner, options);
    for (const auto& note : report.notes) out << "note: " << note << "\n";
    for (const auto& f : report.files) {
        out << (f.ok ? "ok     " : "FAILED ") << f.file << "  (";
        for (std::size_t i = 0; i < f.command.size(); ++i) out << (i ? " " : "") << f.command[i];
        out << ")\n";
        if (!f.ok) out << f.output << (f.output.empty() || f.output.back() == '\n' ? "" : "\n");
    }
    out << (report.ok ? "valid\n" : "INVALID\n");
    return report.ok ? 0 : 1;
}

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    static const std::map<std::string, std::function<int(const std::vector<std::string>&, std::ostream&)>>
        commands = {
            {"backend", cmd_backend},     {"ranges", cmd_ranges},
            {"inventory", cmd_inventory}, {"summary", cmd_summary},
            {"intent", cmd_intent},       {"validate", cmd_validate},
            {"facts", cmd_facts},
        };
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        (args.empty() ? err : out) << usage;
        return args.empty() ? 2 : 0;
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
    return it->second(std::vector<std::string>(args.begin() + 1, args.end()), out);
}

}  // namespace xcatdhcp::cli
