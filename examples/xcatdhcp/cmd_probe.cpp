// xcatdhcp probe: a DHCP client that reports what the servers on a link offer a given client.
#include "args.hpp"

#include "xcatdhcp/error.hpp"
#include "xcatdhcp/net/mac.hpp"
#include "xcatdhcp/probe/client.hpp"
#include "xcatdhcp/probe/report.hpp"

#include <cmath>
#include <ostream>
#include <string>
#include <vector>

namespace xcatdhcp::cli {

namespace {

const char* probe_usage = R"(usage: xcatdhcp probe -I IFACE [OPTIONS]

Sends a DHCPDISCOVER (with --v6: a SOLICIT) on IFACE and reports the answers: your-address,
server id, next server (siaddr), boot file, server name, flags and every option, decoded.
Runs as root (raw packet socket: CAP_NET_RAW). Nothing is configured on the interface.

  -I, --interface IFACE    interface to probe on (in a namespace: ip netns exec NS xcatdhcp probe ...)
  --mac MAC                client hardware address (chaddr and Ethernet source); default: IFACE's
  --arch CODE              option 93 client architecture, e.g. 0x0000 BIOS, 0x0007 / 0x0009 x64 UEFI,
                           0x0010 x64 UEFI HTTP, 0x000b ARM64 UEFI, 0x000c / 0x000e POWER
                           (DHCPv6: option 61)
  --user-class TEXT        option 77 as raw text (xNBA sends "xNBA"); DHCPv6: option 15
  --vendor-class TEXT      option 60 (e.g. PXEClient:Arch:00007:UNDI:003016, HTTPClient...);
                           DHCPv6: option 16 with enterprise 343
  --client-id HEX          option 61, type byte included (01 + MAC for Ethernet)
  --hostname NAME          option 12
  --option CODE:HEX        an extra option as hex bytes; CODE=TEXT for text (repeatable)
  --prl CODES              option 55 / DHCPv6 ORO, comma separated (default: every option decoded)
  --request                complete the exchange: DHCPREQUEST and wait for DHCPACK/DHCPNAK
                           (DHCPv6: REQUEST and REPLY)
  --release                after a DHCPACK, send DHCPRELEASE (DHCPv4)
  --all                    listen for the whole timeout and report every offer
  --no-broadcast           clear the broadcast flag (servers may then unicast to --mac)
  --xid HEX                transaction id (default random)
  --v6                     DHCPv6 (UDP [::]:546 on IFACE, to ff02::1:2)
  --duid HEX               DHCPv6 client DUID (default DUID-LL of --mac or IFACE)
  --iaid N                 DHCPv6 IA_NA IAID (default 1)
  --timeout S              seconds to wait per step (default 5; decimals allowed)
  --json                   one JSON object on stdout (see docs/probe.md)

Exit status: 0 answered (offer, ack, advertise, reply); 3 nobody answered in time;
4 DHCPNAK, or a DHCPv6 answer without an address; 1 error (not root, no such interface...).
)";

std::uint16_t parse_u16(const std::string& text, const char* attribute) {
    try {
        std::size_t used = 0;
        unsigned long v = std::stoul(text, &used, 0);
        if (used == text.size() && v <= 0xffff) return static_cast<std::uint16_t>(v);
    } catch (const std::exception&) {
    }
    throw Error("expected a number 0..65535 (0x prefix for hex)", attribute, text);
}

std::uint32_t parse_u32(const std::string& text, const char* attribute, int base) {
    try {
        std::size_t used = 0;
        unsigned long long v = std::stoull(text, &used, base);
        if (used == text.size() && v <= 0xffffffffull) return static_cast<std::uint32_t>(v);
    } catch (const std::exception&) {
    }
    throw Error("expected a 32-bit number", attribute, text);
}

std::chrono::milliseconds parse_seconds(const std::string& text) {
    try {
        std::size_t used = 0;
        double s = std::stod(text, &used);
        if (used == text.size() && std::isfinite(s) && s > 0 && s <= 3600)
            return std::chrono::milliseconds(static_cast<long long>(s * 1000));
    } catch (const std::exception&) {
    }
    throw Error("expected seconds, more than 0 and at most 3600", "timeout", text);
}

struct Extra {
    std::uint16_t code;
    probe::Bytes data;
};

// CODE:HEX or CODE=TEXT
Extra parse_extra(const std::string& text, bool v6) {
    auto at = text.find_first_of(":=");
    if (at == std::string::npos || at == 0)
        throw Error("expected CODE:HEX or CODE=TEXT", "option", text);
    std::uint16_t code = parse_u16(text.substr(0, at), "option");
    if (!v6 && (code == 0 || code > 254)) throw Error("DHCPv4 option codes are 1..254", "option", text);
    std::string value = text.substr(at + 1);
    probe::Bytes data = text[at] == '=' ? probe::Bytes(value.begin(), value.end()) : probe::parse_hex(value, "option");
    if (!v6 && data.size() > 255 * 4) throw Error("option value too long", "option", text.substr(0, 40));
    return {code, data};
}

template <class T>
std::vector<T> parse_code_list(const std::string& text, T max) {
    std::vector<T> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto comma = text.find(',', start);
        std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!item.empty()) {
            auto v = parse_u16(item, "prl");
            if (v == 0 || v > max) throw Error("option code out of range", "prl", item);
            out.push_back(static_cast<T>(v));
        }
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    if (out.empty()) throw Error("expected a comma separated list of option codes", "prl", text);
    return out;
}

int exit_status(const std::string& status) {
    if (status == "offer" || status == "ack" || status == "advertise" || status == "reply") return 0;
    if (status == "nak" || status == "no-address") return 4;
    return 3;
}

}  // namespace

int cmd_probe(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
    for (const auto& a : argv)
        if (a == "--help" || a == "-h") {
            out << probe_usage;
            return 0;
        }
    Args args(argv,
              {"-I", "--interface", "--mac", "--arch", "--user-class", "--vendor-class", "--client-id",
               "--hostname", "--option", "--prl", "--xid", "--duid", "--iaid", "--timeout"},
              {"--request", "--release", "--all", "--no-broadcast", "--v6", "--json"});
    if (!args.positionals().empty())
        throw Error("unexpected argument (see xcatdhcp probe --help)", "probe", args.positionals()[0]);
    const std::string interface = args.value("--interface", "-I");
    if (interface.empty()) throw Error("missing -I IFACE (see xcatdhcp probe --help)", "option", "-I");
    const bool v6 = args.flag("--v6");
    const bool json = args.flag("--json");

    std::optional<net::Mac> mac;
    if (auto m = args.value("--mac"); !m.empty()) mac = net::Mac::parse(m);
    std::optional<std::uint16_t> arch;
    if (auto a = args.value("--arch"); !a.empty()) arch = parse_u16(a, "arch");
    auto optional_text = [&](const char* name) -> std::optional<std::string> {
        auto values = args.values(name);
        if (values.empty()) return std::nullopt;
        return values.back();
    };
    std::chrono::milliseconds timeout{5000};
    if (auto t = args.value("--timeout"); !t.empty()) timeout = parse_seconds(t);
    std::vector<Extra> extras;
    for (const auto& e : args.values("--option")) extras.push_back(parse_extra(e, v6));

    std::string status;
    if (!v6) {
        for (const char* only6 : {"--duid", "--iaid"})
            if (!args.value(only6).empty()) throw Error("only with --v6", "option", only6);
        probe::Dhcp4ProbeOptions o;
        o.interface = interface;
        o.mac = mac;
        o.arch = arch;
        o.user_class = optional_text("--user-class");
        o.vendor_class = optional_text("--vendor-class");
        o.hostname = optional_text("--hostname");
        if (auto id = args.value("--client-id"); !id.empty()) o.client_id = probe::parse_hex(id, "client-id");
        for (const auto& e : extras) o.extra_options.push_back({static_cast<std::uint8_t>(e.code), e.data});
        if (auto prl = args.value("--prl"); !prl.empty())
            o.parameter_request_list = parse_code_list<std::uint8_t>(prl, 254);
        o.request = args.flag("--request") || args.flag("--release");
        o.release = args.flag("--release");
        o.all_offers = args.flag("--all");
        o.broadcast = !args.flag("--no-broadcast");
        o.timeout = timeout;
        if (auto x = args.value("--xid"); !x.empty()) o.xid = parse_u32(x, "xid", 16);
        auto result = probe::probe_dhcp4(o);
        out << (json ? probe::to_json(result) : probe::to_text(result));
        status = result.status;
        if (!result.ok()) err << "xcatdhcp probe: " << result.message << "\n";
    } else {
        for (const char* only4 : {"--client-id", "--hostname", "--xid"})
            if (!args.value(only4).empty()) throw Error("only without --v6", "option", only4);
        if (args.flag("--release")) throw Error("only without --v6", "option", "--release");
        probe::Dhcp6ProbeOptions o;
        o.interface = interface;
        o.mac = mac;
        if (auto d = args.value("--duid"); !d.empty()) o.duid = probe::parse_hex(d, "duid");
        if (auto i = args.value("--iaid"); !i.empty()) o.iaid = parse_u32(i, "iaid", 0);
        o.arch = arch;
        o.user_class = optional_text("--user-class");
        o.vendor_class = optional_text("--vendor-class");
        for (const auto& e : extras) o.extra_options.push_back({e.code, e.data});
        if (auto prl = args.value("--prl"); !prl.empty()) o.oro = parse_code_list<std::uint16_t>(prl, 0xffff);
        o.request = args.flag("--request");
        o.all_offers = args.flag("--all");
        o.timeout = timeout;
        auto result = probe::probe_dhcp6(o);
        out << (json ? probe::to_json(result) : probe::to_text(result));
        status = result.status;
        if (!result.ok()) err << "xcatdhcp probe: " << result.message << "\n";
    }
    return exit_status(status);
}

}  // namespace xcatdhcp::cli
