// Commands about the inputs: backend, ranges, inventory, facts, summary, intent.
#include "commands.hpp"
#include "common.hpp"

#include "xcatdhcp/intent/json.hpp"
#include "xcatdhcp/inventory/load.hpp"
#include "xcatdhcp/net/mac.hpp"
#include "xcatdhcp/net/range.hpp"

#include <ostream>

namespace xcatdhcp::cli {

int cmd_backend(const std::vector<std::string>& argv, std::ostream& out, std::ostream&) {
    Args args(argv, inventory_options, inventory_flags);
    auto inv = load(args);
    auto choice = select_backend(inv);
    out << to_string(choice.backend) << "\n" << choice.reason << "\n";
    return 0;
}

int cmd_ranges(const std::vector<std::string>& argv, std::ostream& out, std::ostream&) {
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

int cmd_inventory(const std::vector<std::string>& argv, std::ostream& out, std::ostream&) {
    Args args(argv, inventory_options, inventory_flags);
    out << inventory::to_json(load(args));
    return 0;
}

int cmd_facts(const std::vector<std::string>& argv, std::ostream& out, std::ostream&) {
    Args args(argv, {"--tftpdir"}, {});
    out << inventory::to_json(probe_facts(args, nullptr));
    return 0;
}

int cmd_summary(const std::vector<std::string>& argv, std::ostream& out, std::ostream&) {
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

int cmd_intent(const std::vector<std::string>& argv, std::ostream& out, std::ostream&) {
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

}  // namespace xcatdhcp::cli
