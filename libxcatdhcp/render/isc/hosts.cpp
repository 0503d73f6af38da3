// Per-host objects: OMAPI data, statements, static host blocks, hosts.omapi.json, omshell batches.
#include <nlohmann/json.hpp>

#include <array>
#include <charconv>
#include <cstring>
#include <functional>
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
bool leases_unsafe(std::string_view value) {
    return !value.empty() && (std::memchr(value.data(), '"', value.size()) != nullptr ||
                              std::memchr(value.data(), '\\', value.size()) != nullptr);
}

[[noreturn]] void leases_refuse(std::string_view value, const std::string& what, const Reservation& r) {
    throw Error("contains '\"' or '\\', which dhcpd writes unescaped into dhcpd.leases for OMAPI hosts",
                what, std::string(value), r.node);
}

void leases_safe(std::string_view value, std::string_view what, const Reservation& r) {
    if (leases_unsafe(value)) leases_refuse(value, std::string(what), r);
}

void leases_safe_option(const boot::Option& o, const Reservation& r) {
    if (leases_unsafe(o.value)) leases_refuse(o.value, "option " + std::to_string(o.code), r);
}

void check_leases_safe(const Reservation& r, const Intent& intent) {
    if (r.deny) return;
    leases_safe(r.hostname, "hostname", r);
    bool stages = false;
    for (const auto& rule : r.boot.rules) {
        stages = stages || rule.match.stage != boot::Stage::any;
        leases_safe(rule.match.vendor_class_prefix, "vendor class", r);
        if (rule.action.filename) leases_safe(*rule.action.filename, "filename", r);
        for (const auto& o : rule.action.options) leases_safe_option(o, r);
    }
    for (const auto& o : r.boot.options) leases_safe_option(o, r);
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

}  // namespace detail

namespace {

// The conditions of each distinct match, computed once per render (most reservations share a
// handful of boot plan shapes; only their file names and options differ).
class ConditionCache {
public:
    explicit ConditionCache(const std::vector<std::string>& classes) : classes_(classes) {}

    const std::vector<std::string>& get(const boot::Match& match) {
        for (const auto& [m, c] : entries_)
            if (m == match) return c;
        auto conditions = syntax::conditions(match, classes_);
        if (entries_.size() < max_entries) {
            entries_.emplace_back(match, std::move(conditions));
            return entries_.back().second;
        }
        overflow_ = std::move(conditions);
        return overflow_;
    }

private:
    static constexpr std::size_t max_entries = 64;
    const std::vector<std::string>& classes_;
    std::vector<std::pair<boot::Match, std::vector<std::string>>> entries_;
    std::vector<std::string> overflow_;
};

// " statement" for each statement of the action (syntax::action_statements, each after a space).
// " option NAME \"VALUE\";" for each option, on one line.
void append_options(std::string& out, const std::vector<boot::Option>& options) {
    for (const auto& o : options) {
        const std::string_view name = syntax::option_name_view(o.code);
        out += " option ";
        out += name;
        out += ' ';
        syntax::append_quote(out, o.value, name);
        out += ';';
    }
}

void append_action(std::string& out, const boot::Action& action) {
    if (action.always_broadcast) out += " always-broadcast on;";
    if (action.filename) {
        out += " filename ";
        syntax::append_quote(out, *action.filename, "filename");
        out += ';';
    }
    append_options(out, action.options);
}

// The one-line statements (as detail::host_body joined by spaces, with syntax::inline_chain),
// appended to `out`.
void append_one_line(std::string& out, const Reservation& r, net::Family family,
                     ConditionCache& cache, std::string& scratch) {
    if (r.deny) {
        out += "deny booting;";
        return;
    }
    const std::size_t name_at = out.size() + sizeof("ddns-hostname ") - 1;
    out += "ddns-hostname ";
    syntax::append_quote(out, r.hostname, "hostname");
    const std::size_t name_size = out.size() - name_at;
    out += ';';
    if (family == net::Family::v6) return;
    out += " send host-name ";
    out.append(out, name_at, name_size);
    out += ';';

    // syntax::branches + syntax::inline_chain
    bool first = true;
    for (const auto& rule : r.boot.rules) {
        scratch.clear();
        append_action(scratch, rule.action);
        bool stop = false;
        for (const auto& c : cache.get(rule.match)) {
            if (first) {
                first = false;
                if (c.empty()) {  // unconditional: the statements alone
                    out += scratch;
                    goto tail;
                }
                out += " if ";
            } else if (c.empty()) {
                out += " } else";
            } else {
                out += " } elsif ";
            }
            out += c;
            out += " {";
            out += scratch;
            if (c.empty()) {
                stop = true;
                break;
            }
        }
        if (stop) break;
    }
    if (!first) out += " }";
tail:
    append_options(out, r.boot.options);
    if (r.next_server) {
        out += " next-server ";
        out += syntax::address(*r.next_server, net::Family::v4, "tftpserver");
        out += ';';
    }
}

}  // namespace

std::string host_statements(const Reservation& r, const Intent& intent) {
    net::Family family = r.address ? r.address->family() : net::Family::v4;
    for (const auto& s : intent.subnets)
        for (const auto& x : s.reservations)
            if (&x == &r) family = s.family();
    check_leases_safe(r, intent);
    ConditionCache cache(intent.second_stage_user_classes);
    std::string out, scratch;
    append_one_line(out, r, family, cache, scratch);
    return out;
}

namespace {

// One host object, in `h` (whose strings are reused).
void fill_host_object(HostObject& h, const Reservation& r, const Intent& intent, net::Family family,
                      ConditionCache& cache, std::string& scratch) {
    h.node = r.node;
    h.name = syntax::name_or_throw(r.name, "host name");
    check_leases_safe(r, intent);
    h.family = family;
    h.hardware_type = static_cast<int>(r.hardware_type);
    h.mac = r.mac.to_string();
    if (family == net::Family::v4) {
        duid_or_throw(r);
        h.client_identifier = h.mac;
    } else {
        h.client_identifier = duid_or_throw(r);
    }
    h.deny = r.deny;
    h.ip.reset();
    if (r.address && !r.deny) {
        syntax::address(*r.address, family, "ip");
        h.ip = r.address;
    }
    h.statements.clear();
    append_one_line(h.statements, r, family, cache, scratch);
}

// A JSON string as nlohmann::json::dump(..., ensure_ascii = false, error_handler_t::replace)
// writes it: '"', '\\' and control characters escaped, the rest as it is. Text with non-ASCII
// bytes goes through nlohmann itself (UTF-8 validation and replacement of invalid sequences).
void append_json_string(std::string& out, std::string_view value) {
    static constexpr char hex[] = "0123456789abcdef";
    const std::size_t start = out.size();
    out += '"';
    std::size_t plain = 0;
    // Bytes that are not copied as they are: control characters, '"', '\\', and non-ASCII.
    static constexpr auto special = [] {
        std::array<bool, 256> table{};
        for (int c = 0; c < 256; ++c) table[c] = c < 0x20 || c >= 0x80 || c == '"' || c == '\\';
        return table;
    }();
    for (std::size_t i = 0; i < value.size(); ++i) {
        auto c = static_cast<unsigned char>(value[i]);
        if (!special[c]) continue;
        if (c >= 0x80) {
            out.resize(start);
            out += nlohmann::json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
            return;
        }
        out.append(value.data() + plain, i - plain);
        plain = i + 1;
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 15];
        }
    }
    out.append(value.data() + plain, value.size() - plain);
    out += '"';
}

void append_number(std::string& out, long long value) {
    char buffer[24];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, end);
}

void append_host_json(std::string& out, const HostObject& h, const IscProfile& profile, bool first) {
    out += first ? "\n    {\n      \"deny\": " : ",\n    {\n      \"deny\": ";
    out += h.deny ? "true" : "false";
    out += ",\n      \"dhcp-client-identifier\": ";
    append_json_string(out, h.client_identifier);
    out += ",\n      \"family\": ";
    out += h.family == net::Family::v4 ? '4' : '6';
    out += ",\n      \"hardware-address\": ";
    append_json_string(out, h.mac);
    out += ",\n      \"hardware-type\": ";
    append_number(out, h.hardware_type);
    out += ",\n      \"ip-address\": ";
    if (h.ip) append_json_string(out, h.ip->to_string());
    else out += "null";
    out += ",\n      \"name\": ";
    append_json_string(out, h.name);
    out += ",\n      \"node\": ";
    append_json_string(out, h.node);
    out += ",\n      \"omapi-port\": ";
    append_number(out, h.family == net::Family::v4 ? profile.omapi_port : profile.omapi_port6);
    out += ",\n      \"statements\": ";
    append_json_string(out, h.statements);
    out += "\n    }";
}

// Generous: unused capacity of a large block is never touched, so it costs address space only,
// and the string does not have to grow (and be copied) on the way.
std::size_t json_size_bound(const Reservation& r) {
    std::size_t n = 1024 + 4 * (r.node.size() + r.name.size() + r.hostname.size());
    for (const auto& rule : r.boot.rules) {
        n += 1024 + 2 * rule.match.vendor_class_prefix.size() + 64 * rule.match.architectures.size();
        if (rule.action.filename) n += 4 * rule.action.filename->size();
        for (const auto& o : rule.action.options) n += 64 + 4 * o.value.size();
    }
    for (const auto& o : r.boot.options) n += 64 + 4 * o.value.size();
    return n;
}

}  // namespace

std::vector<HostObject> host_objects(const Intent& intent) {
    std::vector<HostObject> out;
    std::size_t count = intent.unplaced.size();
    for (const auto& s : intent.subnets) count += s.reservations.size();
    out.reserve(count);
    ConditionCache cache(intent.second_stage_user_classes);
    std::string scratch;
    for_each_reservation(intent, [&](const Reservation& r, net::Family family) {
        fill_host_object(out.emplace_back(), r, intent, family, cache, scratch);
    });
    return out;
}

namespace detail {

// hosts.omapi.json, written directly as text, byte for byte as nlohmann::json::dump(2) wrote the
// same document (keys in sorted order, two-space indent), from the host objects made one at a
// time: at 100,000 hosts, the tree and the object list cost more time and memory than the rest.
std::string hosts_json(const Intent& intent, const IscProfile& profile) {
    std::size_t size = 1024 + 2 * (intent.omapi_key.name.size() + intent.omapi_key.algorithm.size());
    for_each_reservation(intent, [&](const Reservation& r, net::Family) { size += json_size_bound(r); });
    std::string out;
    out.reserve(size);
    out += "{\n  \"format\": \"xcatdhcp-isc-hosts/1\",\n  \"hosts\": [";
    ConditionCache cache(intent.second_stage_user_classes);
    std::string scratch;
    HostObject h;
    bool first = true;
    for_each_reservation(intent, [&](const Reservation& r, net::Family family) {
        fill_host_object(h, r, intent, family, cache, scratch);
        append_host_json(out, h, profile, first);
        first = false;
    });
    out += first ? "],\n" : "\n  ],\n";
    out += "  \"omapi\": {\n    \"key-algorithm\": ";
    append_json_string(out, intent.omapi_key.algorithm);
    out += ",\n    \"key-name\": ";
    append_json_string(out, intent.omapi_key.name);
    out += ",\n    \"port\": ";
    append_number(out, profile.omapi_port);
    out += ",\n    \"port6\": ";
    append_number(out, profile.omapi_port6);
    out += "\n  },\n  \"static-hosts\": ";
    out += profile.static_hosts ? "true" : "false";
    out += "\n}\n";
    return out;
}

void for_each_v4_object_name(const Intent& intent,
                             const std::function<void(const std::string&, const std::string&)>& f) {
    for_each_reservation(intent, [&](const Reservation& r, net::Family family) {
        if (family == net::Family::v4) f(r.node, r.name);
    });
}

}  // namespace detail

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
