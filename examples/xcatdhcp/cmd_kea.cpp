// xcatdhcp leases / stats / kea: live Kea operations through the library's control client.
//
//   xcatdhcp leases --socket PATH | --url URL [AUTH] [--mac M | --ip A | --subnet ID] [-6] [--json]
//   xcatdhcp stats  --socket PATH | --url URL [AUTH] [--name STAT] [--json]
//   xcatdhcp kea    --socket PATH | --url URL [AUTH] COMMAND [JSON-ARGS | @FILE | -]
//
// AUTH: --user U --password-file F; --service dhcp4|dhcp6|d2 talks to a Control Agent (<= 3.1.7)
// instead of a daemon's own HTTP socket; --ca-file, --cert, --key, --insecure for HTTPS;
// --timeout SECONDS. Every command is a thin call into xcatdhcp/control/kea_client.hpp.
#include "args.hpp"
#include "common.hpp"

#include "xcatdhcp/control/kea_client.hpp"

#include <ctime>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace xcatdhcp::cli {

int cmd_leases(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);
int cmd_stats(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);
int cmd_kea(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);

namespace {


std::string utc(std::int64_t epoch) {
    if (epoch <= 0) return "-";
    std::time_t t = static_cast<std::time_t>(epoch);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

std::string state_name(int state) {
    switch (state) {
    case 0: return "active";
    case 1: return "declined";
    case 2: return "reclaimed";
    case 3: return "released";
    case 4: return "registered";
    default: return std::to_string(state);
    }
}

std::uint32_t parse_subnet_id(const std::string& text) {
    try {
        std::size_t used = 0;
        unsigned long id = std::stoul(text, &used);
        if (used == text.size() && id <= 0xffffffffUL && text[0] != '-') return static_cast<std::uint32_t>(id);
    } catch (const std::exception&) {
    }
    throw Error("not a subnet id", "--subnet", text);
}

template <class Lease>
void print_leases(const std::vector<Lease>& leases, std::ostream& out) {
    out << std::left << std::setw(40) << "ADDRESS" << std::setw(19) << "MAC" << std::setw(8) << "SUBNET"
        << std::setw(10) << "STATE" << std::setw(21) << "EXPIRES (UTC)" << "HOSTNAME\n";
    for (const auto& l : leases) {
        out << std::left << std::setw(40) << l.ip_address << std::setw(19)
            << (l.hw_address.empty() ? "-" : l.hw_address) << std::setw(8) << l.subnet_id << std::setw(10)
            << state_name(l.state) << std::setw(21)
            << utc(l.cltt + static_cast<std::int64_t>(l.valid_lifetime)) << (l.hostname.empty() ? "-" : l.hostname)
            << "\n";
    }
}

// One lease or none from a single-lease reply, as a list.
template <class Lease>
int finish_leases(const control::Reply& reply, const std::vector<Lease>& leases, bool json,
                  std::ostream& out) {
    control::require(reply);
    if (json) out << control::pretty_json(control::to_json(leases)) << "\n";
    else if (leases.empty()) out << "no leases\n";
    else print_leases(leases, out);
    return 0;
}

std::string read_arguments(const std::string& spec) {
    if (spec != "-" && (spec.empty() || spec[0] != '@')) return spec;
    std::stringstream buffer;
    if (spec == "-") {
        buffer << std::cin.rdbuf();
    } else {
        std::ifstream in(spec.substr(1), std::ios::binary);
        if (!in) throw Error("cannot read the arguments file", "path", spec.substr(1));
        buffer << in.rdbuf();
    }
    return buffer.str();
}

}  // namespace

int cmd_leases(const std::vector<std::string>& argv, std::ostream& out, std::ostream& /*err*/) {
    Args args(argv, with(endpoint_options, {"--mac", "--ip", "--subnet"}),
              with(endpoint_flags, {"--json", "-6"}));
    if (args.flag("--help") || args.flag("-h")) {
        out << "usage: xcatdhcp leases --socket PATH | --url URL [--mac M | --ip A | --subnet ID] [-6] [--json]\n"
            << endpoint_help
            << "Prints the server's leases (lease_cmds hook): all, or those of one MAC, address or subnet.\n";
        return 0;
    }
    if (!args.positionals().empty()) throw Error("unexpected argument", "leases", args.positionals()[0]);
    control::LeaseFilter filter{args.value("--mac"), args.value("--ip"), {}};
    if (auto subnet = args.value("--subnet"); !subnet.empty()) filter.subnet_id = parse_subnet_id(subnet);
    bool json = args.flag("--json");
    control::KeaClient client(endpoint_from(args));
    if (args.flag("-6")) {
        auto r = client.leases6(filter);
        return finish_leases(r, r.value.value_or(std::vector<control::Lease6>{}), json, out);
    }
    auto r = client.leases4(filter);
    return finish_leases(r, r.value.value_or(std::vector<control::Lease4>{}), json, out);
}

int cmd_stats(const std::vector<std::string>& argv, std::ostream& out, std::ostream& /*err*/) {
    Args args(argv, with(endpoint_options, {"--name"}), with(endpoint_flags, {"--json"}));
    if (args.flag("--help") || args.flag("-h")) {
        out << "usage: xcatdhcp stats --socket PATH | --url URL [--name STATISTIC] [--json]\n"
            << endpoint_help << "Prints the server's statistics, newest value of each.\n";
        return 0;
    }
    if (!args.positionals().empty()) throw Error("unexpected argument", "stats", args.positionals()[0]);
    control::KeaClient client(endpoint_from(args));
    std::vector<control::Statistic> statistics;
    if (std::string name = args.value("--name"); !name.empty()) {
        auto r = client.statistic_get(name);
        control::require(r);
        if (r.value) statistics.push_back(*r.value);
        else throw Error("the server has no such statistic", "--name", name);
    } else {
        auto r = client.statistic_get_all();
        control::require(r);
        if (r.value) statistics = *r.value;
    }
    if (args.flag("--json")) {
        out << control::pretty_json(control::to_json(statistics)) << "\n";
        return 0;
    }
    std::size_t width = 10;
    for (const auto& s : statistics) width = std::max(width, s.name.size() + 2);
    for (const auto& s : statistics)
        out << std::left << std::setw(static_cast<int>(width)) << s.name
            << (s.samples.empty() ? "-" : s.samples.front().value) << "\n";
    return 0;
}

int cmd_kea(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
    Args args(argv, endpoint_options, with(endpoint_flags, {"--compact"}));
    if (args.flag("--help") || args.flag("-h")) {
        out << "usage: xcatdhcp kea --socket PATH | --url URL COMMAND [JSON-ARGS | @FILE | -]\n"
            << endpoint_help
            << "Sends one raw command (arguments: a JSON object, a file, or stdin) and prints the reply\n"
               "as JSON with its outcome (ok, empty, error, unsupported, unauthorized, ...). Exit 0 for\n"
               "ok and empty, 1 otherwise (one line on stderr).\n";
        return 0;
    }
    const auto& positionals = args.positionals();
    if (positionals.empty() || positionals.size() > 2)
        throw Error("expects COMMAND and optional JSON arguments", "kea", positionals.empty() ? "" : positionals.back());
    std::string arguments = positionals.size() == 2 ? read_arguments(positionals[1]) : std::string();
    control::KeaClient client(endpoint_from(args));
    control::Reply reply = client.command(positionals[0], arguments);
    if (reply.outcome != control::Outcome::transport) {
        std::string json = control::to_json(reply);
        out << (args.flag("--compact") ? json : control::pretty_json(json)) << "\n";
    }
    if (reply.failed()) {
        err << "xcatdhcp: " << reply.describe() << "\n";
        return 1;
    }
    return 0;
}

}  // namespace xcatdhcp::cli
