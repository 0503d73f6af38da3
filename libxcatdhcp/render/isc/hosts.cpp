// Per-host objects: OMAPI data, statements, static host blocks, hosts.omapi.json, omshell batches.
#include <nlohmann/json.hpp>

#include <set>

#include "render/isc/internal.hpp"
#include "xcatdhcp/error.hpp"

namespace xcatdhcp::render::isc {

using intent::Intent;
using intent::Reservation;
using intent::Subnet;

namespace {

// dhcpd's token buffer: omshell reads the statements value into it.
constexpr std::size_t omshell_string_limit = 1499;

const Version infiniband_keyword{4, 3, 0};  // `hardware infiniband` is known from dhcpd 4.3

// "00:04:a1:..." (DUID-UUID as the intent writes it): two hex digits per octet, ':' separated.
bool hex_octets(std::string_view text) {
    if (text.empty() || (text.size() + 1) % 3 != 0) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (i % 3 == 2 ? c != ':' : !hex) return false;
    }
    return true;
}

std::string duid_or_throw(const Reservation& r) {
    if (!r.duid || r.duid->empty()) return "";
    if (!hex_octets(*r.duid)) throw Error("not a DUID (hex octets separated by ':')", "duid", *r.duid, r.node);
    return *r.duid;
}

template <typename F>
void for_each_reservation(const Intent& intent, F&& f) {
    for (const auto& s : intent.subnets)
        for (const auto& r : s.reservations) f(r, s.family());
    for (const auto& r : intent.unplaced) f(r, net::Family::v4);  // xCAT's v4 hosts without an IP
}

// "fd00::5" -> "fd:00:00:...:05" (omshell takes v6 addresses as 16 hex octets, as xCAT sends them)
std::string v6_octets(const net::IpAddress& a) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < 16; ++i) {
        if (i) out += ':';
        out += hex[a.bytes()[i] >> 4];
        out += hex[a.bytes()[i] & 15];
    }
    return out;
}

// Escapes for the omshell string around the statements (which already hold ISC escapes).
std::string omshell_string(std::string_view value, const std::string& what) {
    if (value.size() > omshell_string_limit)
        throw Error("longer than omshell can read (" + std::to_string(value.size()) + " bytes, at most " +
                        std::to_string(omshell_string_limit) + ")",
                    what, std::string(value.substr(0, 64)) + "...");
    std::string out = "\"";
    for (char c : value) {
        if (c == '\n' || c == '\r') throw Error("line break in an omshell value", what, std::string(value));
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

// dhcpd saves an OMAPI host in dhcpd.leases and prints every printable string there between
// quotes WITHOUT escaping (common/print.c token_indent_data_string): a '"' or '\\' in a value
// would corrupt the leases file at the next write and lose or forge hosts at the next start.
// Such values cannot be sent safely, whatever the escaping in the statements, so they are refused.
void leases_safe(std::string_view value, const std::string& what, const Reservation& r) {
    if (value.find_first_of("\"\\") != std::string_view::npos)
        throw Error("contains '\"' or '\\', which dhcpd writes unescaped into dhcpd.leases for OMAPI hosts",
                    what, std::string(value), r.node);
}

void check_leases_safe(const Reservation& r, const Intent& intent) {
    if (r.deny) return;
    leases_safe(r.hostname, "hostname", r);
    bool stages = false;
    for (const auto& rule : r.boot.rules) {
        stages = stages || rule.match.stage != boot::Stage::any;
        leases_safe(rule.match.vendor_class_prefix, "vendor class", r);
        if (rule.action.filename) leases_safe(*rule.action.filename, "filename", r);
        for (const auto& o : rule.action.options) leases_safe(o.value, "option " + std::to_string(o.code), r);
    }
    for (const auto& o : r.boot.options) leases_safe(o.value, "option " + std::to_string(o.code), r);
    if (stages)
        for (const auto& c : intent.second_stage_user_classes) leases_safe(c, "user class", r);
}

}  // namespace

namespace detail {

HostBody host_body(const Reservation& r, const Intent& intent, net::Family family, bool static_form) {
    HostBody body;
    if (r.deny) {
        body.head.push_back("deny booting;");
        return body;
    }
    const std::string name = syntax::quote(r.hostname, "hostname");
    body.head.push_back("ddns-hostname " + name + ";");
    if (family == net::Family::v6) return body;  // xCAT's v6 objects carry no boot statements
    body.head.push_back((static_form ? "option host-name " : "send host-name ") + name + ";");
    body.chain = syntax::branches(r.boot.rules, intent.second_stage_user_classes);
    for (const auto& o : r.boot.options)
        body.tail.push_back("option " + syntax::option_name(o.code) + " " +
                            syntax::quote(o.value, syntax::option_name(o.code)) + ";");
    if (r.next_server)
        body.tail.push_back("next-server " + syntax::address(*r.next_server, net::Family::v4, "tftpserver") + ";");
    return body;
}

std::string static_host_blocks(const Intent& intent, const IscProfile& profile, net::Family family) {
    std::string out;
    std::set<std::string> names;
    for_each_reservation(intent, [&](const Reservation& r, net::Family f) {
        if (f != family) return;
        const std::string name = syntax::name_or_throw(r.name, "host name");
        if (!names.insert(name).second)
            throw Error("two host objects with the same name", "host name", name, r.node);
        const std::string marker = "#xCAT host declaration for " + syntax::comment(r.node) + " aka host " +
                                   syntax::comment(r.name);
        const std::string mac = r.mac.to_string();
        out += marker + " start\n";
        out += "host " + name + " {\n";
        const std::string duid = family == net::Family::v6 ? duid_or_throw(r) : "";
        if (!duid.empty()) {
            out += "  host-identifier option dhcp6.client-id " + duid + ";\n";
        } else if (r.hardware_type == intent::HardwareType::ethernet) {
            out += "  hardware ethernet " + mac + ";\n";
        } else {
            // IPoIB and HFI clients are found by their client identifier (option 61).
            if (r.hardware_type == intent::HardwareType::infiniband &&
                profile.dhcpd_version >= infiniband_keyword)
                out += "  hardware infiniband " + mac + ";\n";
            if (family == net::Family::v4) out += "  option dhcp-client-identifier " + mac + ";\n";
        }
        if (r.address && !r.deny)
            out += (family == net::Family::v4 ? "  fixed-address " : "  fixed-address6 ") +
                   syntax::address(*r.address, family, "ip") + ";\n";
        HostBody body = host_body(r, intent, family, true);
        for (const auto& s : body.head) out += "  " + s + "\n";
        syntax::write_chain(out, body.chain, "  ");
        for (const auto& s : body.tail) out += "  " + s + "\n";
        out += "}\n";
        out += marker + " end\n";
    });
    return out;
}

std::string hosts_json(const std::vector<HostObject>& hosts, const Intent& intent, const IscProfile& profile) {
    using nlohmann::json;
    json list = json::array();
    for (const auto& h : hosts) {
        json o;
        o["node"] = h.node;
        o["name"] = h.name;
        o["family"] = h.family == net::Family::v4 ? 4 : 6;
        o["omapi-port"] = h.family == net::Family::v4 ? profile.omapi_port : profile.omapi_port6;
        o["hardware-type"] = h.hardware_type;
        o["hardware-address"] = h.mac;
        o["dhcp-client-identifier"] = h.client_identifier;
        o["ip-address"] = h.ip ? json(h.ip->to_string()) : json(nullptr);
        o["statements"] = h.statements;
        o["deny"] = h.deny;
        list.push_back(std::move(o));
    }
    json doc;
    doc["format"] = "xcatdhcp-isc-hosts/1";
    doc["static-hosts"] = profile.static_hosts;
    doc["omapi"] = {{"key-name", intent.omapi_key.name},
                    {"key-algorithm", intent.omapi_key.algorithm},
                    {"port", profile.omapi_port},
                    {"port6", profile.omapi_port6}};
    doc["hosts"] = std::move(list);
    return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace detail

namespace {
std::string one_line(const detail::HostBody& body) {
    std::string out;
    for (const auto& s : body.head) out += (out.empty() ? "" : " ") + s;
    if (auto chain = syntax::inline_chain(body.chain); !chain.empty()) out += " " + chain;
    for (const auto& s : body.tail) out += " " + s;
    return out;
}
}  // namespace

std::string host_statements(const Reservation& r, const Intent& intent) {
    net::Family family = r.address ? r.address->family() : net::Family::v4;
    for (const auto& s : intent.subnets)
        for (const auto& x : s.reservations)
            if (&x == &r) family = s.family();
    check_leases_safe(r, intent);
    return one_line(detail::host_body(r, intent, family, false));
}

std::vector<HostObject> host_objects(const Intent& intent) {
    std::vector<HostObject> out;
    for_each_reservation(intent, [&](const Reservation& r, net::Family family) {
        HostObject h;
        h.node = r.node;
        h.name = syntax::name_or_throw(r.name, "host name");
        check_leases_safe(r, intent);
        h.family = family;
        h.hardware_type = static_cast<int>(r.hardware_type);
        h.mac = r.mac.to_string();
        const std::string duid = duid_or_throw(r);
        h.client_identifier = family == net::Family::v4 ? h.mac : duid;
        h.deny = r.deny;
        if (r.address && !r.deny) {
            syntax::address(*r.address, family, "ip");
            h.ip = r.address;
        }
        h.statements = one_line(detail::host_body(r, intent, family, false));
        out.push_back(std::move(h));
    });
    return out;
}

std::string omshell_script(const std::vector<HostObject>& hosts, const intent::Key& key, const Secrets& secrets,
                           const IscProfile& profile, const OmshellRequest& request) {
    const bool v4 = request.family == net::Family::v4;
    std::string out;
    // The preamble of this session only: xCAT sent the v6 session's `server` line to the v4 one.
    out += "port " + std::to_string(v4 ? profile.omapi_port : profile.omapi_port6) + "\n";
    if (!syntax::key_algorithm(key.algorithm))
        throw Error("not an OMAPI key algorithm dhcpd knows", "dhcpomapialgorithm", key.algorithm);
    if (key.algorithm != "hmac-md5") out += "key-algorithm " + key.algorithm + "\n";
    out += "key " + syntax::name_or_throw(key.name, "dhcpomapikeyname") + " \"" +
           syntax::base64_or_throw(secrets.omapi_secret, "omapi secret") + "\"\n";
    if (!request.server.empty()) {
        // omshell takes a dotted IPv4 address or a single name token here.
        auto ip = net::IpAddress::parse(request.server);
        bool ok = ip ? ip->is_v4() : (syntax::bare_name(request.server) &&
                                      request.server.find('.') == std::string::npos);
        if (!ok)
            throw Error("omshell needs an IPv4 address or a one-label host name for the server",
                        "externaldhcpservers", request.server);
        out += "server " + request.server + "\n";
    }
    out += "connect\n";

    auto remove_by = [&](const std::vector<std::string>& sets) {
        out += "new host\n";
        for (const auto& s : sets) out += "set " + s + "\n";
        out += "open\nremove\nclose\n";
    };
    for (const auto& h : hosts) {
        if (h.family != request.family) continue;
        const std::string name = "name = " + syntax::quote(syntax::name_or_throw(h.name, "host name"), "host name");
        std::string mac;
        if (!h.mac.empty()) {
            auto parsed = net::Mac::try_parse(h.mac);
            if (!parsed) throw Error("not a MAC address", "mac", h.mac, h.node);
            mac = parsed->to_string();  // omshell reads colon-separated hex only
        }
        if (!h.client_identifier.empty() && !hex_octets(h.client_identifier))
            throw Error("not a client identifier (hex octets separated by ':')", "dhcp-client-identifier",
                        h.client_identifier, h.node);
        std::string ip;
        if (h.ip) {
            syntax::address(*h.ip, request.family, "ip");
            ip = v4 ? h.ip->to_string() : v6_octets(*h.ip);
        }
        const bool by_duid = !v4 && !h.client_identifier.empty();
        const std::string type = "hardware-type = " + std::to_string(h.hardware_type);

        remove_by({name});
        if (!ip.empty()) remove_by({"ip-address = " + ip});
        if (by_duid) remove_by({"dhcp-client-identifier = " + h.client_identifier});
        // With its type, so InfiniBand and HFI objects are found too (xCAT looked up Ethernet only).
        else if (!mac.empty()) remove_by({"hardware-address = " + mac, type});
        if (request.operation == OmapiOperation::remove) continue;

        out += "new host\n";
        out += "set " + name + "\n";
        if (!by_duid && !mac.empty()) {
            out += "set hardware-address = " + mac + "\n";
            out += "set " + type + "\n";
        }
        if (!h.client_identifier.empty()) out += "set dhcp-client-identifier = " + h.client_identifier + "\n";
        if (!ip.empty() && !h.deny) out += "set ip-address = " + ip + "\n";
        out += "set statements = " + omshell_string(h.statements, "statements of " + h.name) + "\n";
        out += "create\nclose\n";
    }
    return out;
}

}  // namespace xcatdhcp::render::isc
