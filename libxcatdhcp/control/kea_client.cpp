// The Kea control client: request encoding, reply decoding into outcomes, typed commands.
#include "xcatdhcp/control/kea_client.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <atomic>
#include <chrono>
#include <limits>
#include <mutex>
#include <thread>

namespace xcatdhcp::control {

using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

std::string lower(std::string_view text) {
    std::string out(text);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

// Commands that look something up or delete it: for them a not-found answer is "empty",
// whatever result code the server version gives it (0 and 1 in the ARM and older host_cmds,
// 3 in host_cmds since 3.0 and in lease_cmds).
bool is_lookup_or_delete(std::string_view command) {
    if (starts_with(command, "reservation-get") || command == "reservation-del") return true;
    if (starts_with(command, "lease4-get") || starts_with(command, "lease6-get")) return true;
    if (command == "lease4-del" || command == "lease6-del") return true;
    if (starts_with(command, "subnet4-get") || starts_with(command, "subnet6-get")) return true;
    if (command == "subnet4-list" || command == "subnet6-list") return true;
    if (starts_with(command, "network4-get") || starts_with(command, "network6-get")) return true;
    return false;
}

bool says_not_found(std::string_view text) {
    std::string t = lower(text);
    return t.find("not found") != std::string::npos || t.find("no such host") != std::string::npos;
}

Outcome outcome_of(int result) {
    switch (result) {
    case 0: return Outcome::ok;
    case 1: return Outcome::error;
    case 2: return Outcome::unsupported;
    case 3: return Outcome::empty;
    case 4: return Outcome::conflict;
    case 5: return Outcome::partial;
    case 401: return Outcome::unauthorized;
    case 403: return Outcome::forbidden;
    default: return Outcome::error;
    }
}

std::string first_line(std::string_view text, std::size_t max = 200) {
    std::string line(text.substr(0, text.find('\n')));
    if (line.size() > max) line = line.substr(0, max) + "...";
    return line;
}

// Bytes that are not valid UTF-8 taken as Latin-1 (what Kea's JSON writer and old clients'
// hostnames amount to), so one odd hostname cannot make a whole lease listing unreadable.
// Returns false when the text was valid UTF-8 already.
bool repair_utf8(std::string_view in, std::string& out) {
    bool changed = false;
    out.clear();
    out.reserve(in.size() + 16);
    for (std::size_t i = 0; i < in.size();) {
        auto c = static_cast<unsigned char>(in[i]);
        std::size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
        bool valid = length > 0 && i + length <= in.size();
        for (std::size_t k = 1; valid && k < length; ++k)
            valid = (static_cast<unsigned char>(in[i + k]) & 0xc0) == 0x80;
        if (valid && length == 2) valid = c >= 0xc2;  // no overlong forms
        if (valid) {
            out.append(in.substr(i, length));
            i += length;
        } else {
            out += static_cast<char>(0xc0 | (c >> 6));
            out += static_cast<char>(0x80 | (c & 0x3f));
            ++i;
            changed = true;
        }
    }
    return changed;
}

struct Decoded {
    Reply reply;
    json arguments;  // null when absent
};

Decoded decode(std::string_view command, const RawReply& raw) {
    Decoded d;
    Reply& r = d.reply;
    r.command = std::string(command);
    r.http_status = raw.http_status;
    if (!raw.error.empty()) {
        r.outcome = Outcome::transport;
        r.text = raw.error;
        return d;
    }
    json body = json::parse(raw.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) {
        std::string repaired;
        if (repair_utf8(raw.body, repaired)) body = json::parse(repaired, nullptr, false);
    }
    auto http_auth = [&](int status) {
        r.result = status;
        r.outcome = status == 401 ? Outcome::unauthorized : Outcome::forbidden;
        r.text = status == 401 ? "Unauthorized" : "Forbidden";
    };
    if (body.is_discarded()) {
        if (raw.http_status == 401 || raw.http_status == 403) {
            http_auth(raw.http_status);
        } else if (raw.http_status != 0 && raw.http_status != 200) {
            r.outcome = Outcome::transport;
            r.text = "HTTP status " + std::to_string(raw.http_status) +
                     (raw.body.empty() ? "" : ": " + quote(first_line(raw.body)));
        } else {
            r.outcome = Outcome::malformed;
            r.text = raw.body.empty() ? "empty reply"
                                      : "reply is not JSON: " + quote(first_line(raw.body));
        }
        return d;
    }
    // The CA and the daemons' HTTP sockets wrap the answer in a list (one per service).
    if (body.is_array()) {
        if (body.empty()) {
            r.outcome = Outcome::malformed;
            r.text = "reply is an empty list";
            return d;
        }
        json first = std::move(body[0]);
        body = std::move(first);
    }
    if (!body.is_object()) {
        r.outcome = Outcome::malformed;
        r.text = "reply is not a JSON object: " + quote(first_line(raw.body));
        return d;
    }
    auto text = body.find("text");
    if (text != body.end() && text->is_string()) r.text = text->get<std::string>();
    auto result = body.find("result");
    if (result == body.end() || !result->is_number_integer()) {
        if (raw.http_status == 401 || raw.http_status == 403) {
            std::string kept = r.text;
            http_auth(raw.http_status);
            if (!kept.empty()) r.text = kept;
        } else {
            r.outcome = Outcome::malformed;
            r.text = "reply has no integer \"result\": " + quote(first_line(raw.body));
        }
        return d;
    }
    auto code = result->get<std::int64_t>();
    r.result = code > 100000 || code < -100000 ? -1 : static_cast<int>(code);
    r.outcome = outcome_of(r.result);
    if (raw.http_status == 401 || raw.http_status == 403) {
        r.outcome = raw.http_status == 401 ? Outcome::unauthorized : Outcome::forbidden;
        if (r.result != 401 && r.result != 403) r.result = raw.http_status;
    }
    auto arguments = body.find("arguments");
    if (arguments != body.end() && !arguments->is_null()) {
        d.arguments = std::move(*arguments);
        r.arguments = d.arguments.dump();
    }
    // Not-found quirks: the ARM and host_cmds before 3.0 say "Host not found." with result 0
    // and "Host not deleted (not found)." with result 1.
    bool no_arguments = d.arguments.is_null() || (d.arguments.is_object() && d.arguments.empty());
    if ((r.result == 0 || r.result == 1) && is_lookup_or_delete(command) && says_not_found(r.text) &&
        (r.result == 1 || no_arguments))
        r.outcome = Outcome::empty;
    // statistic-get of an unknown name: result 0 with empty arguments.
    if (r.result == 0 && command == "statistic-get" && no_arguments) r.outcome = Outcome::empty;
    return d;
}

// ------------------------------------------------------------------ field access

[[noreturn]] void bad_field(std::string_view key, const json& value, std::string_view wanted) {
    throw Error("Kea sent " + std::string(value.type_name()) + ", expected " + std::string(wanted),
                std::string(key), value.dump().substr(0, 120));
}

std::string get_string(const json& object, std::string_view key) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return {};
    if (!it->is_string()) bad_field(key, *it, "a string");
    return it->get<std::string>();
}

template <class Int>
Int get_int(const json& object, std::string_view key) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return 0;
    if (!it->is_number_integer()) bad_field(key, *it, "an integer");
    if (it->is_number_unsigned()) {
        auto v = it->get<std::uint64_t>();
        if (v > static_cast<std::uint64_t>(std::numeric_limits<Int>::max())) bad_field(key, *it, "a smaller integer");
        return static_cast<Int>(v);
    }
    auto v = it->get<std::int64_t>();
    if (v < static_cast<std::int64_t>(std::numeric_limits<Int>::min()) ||
        (v > 0 && static_cast<std::uint64_t>(v) > static_cast<std::uint64_t>(std::numeric_limits<Int>::max())))
        bad_field(key, *it, "an integer in range");
    return static_cast<Int>(v);
}

bool get_bool(const json& object, std::string_view key) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return false;
    if (!it->is_boolean()) bad_field(key, *it, "a boolean");
    return it->get<bool>();
}

std::vector<std::string> get_strings(const json& object, std::string_view key) {
    std::vector<std::string> out;
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return out;
    if (!it->is_array()) bad_field(key, *it, "a list");
    for (const auto& v : *it) {
        if (!v.is_string()) bad_field(key, v, "a list of strings");
        out.push_back(v.get<std::string>());
    }
    return out;
}

// A nested JSON value kept as text; empty for absent, null, {} and [].
std::string get_json_text(const json& object, std::string_view key) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return {};
    if ((it->is_array() || it->is_object()) && it->empty()) return {};
    return it->dump();
}

const json& require_object(const json& value, std::string_view what) {
    if (!value.is_object()) bad_field(what, value, "an object");
    return value;
}

const json& require_list(const json& object, std::string_view key) {
    auto it = object.find(key);
    if (it == object.end()) throw Error("Kea's reply has no list", std::string(key), "");
    if (!it->is_array()) bad_field(key, *it, "a list");
    return *it;
}

json parse_object_text(std::string_view text, std::string_view what) {
    json value = json::parse(text, nullptr, false);
    if (value.is_discarded() || !value.is_object())
        throw Error("not a JSON object", std::string(what), std::string(text.substr(0, 120)));
    return value;
}

// ------------------------------------------------------------------ typed values <-> JSON

Reservation reservation_from(const json& j) {
    require_object(j, "host");
    Reservation r;
    r.subnet_id = get_int<std::uint32_t>(j, "subnet-id");
    r.hw_address = get_string(j, "hw-address");
    r.client_id = get_string(j, "client-id");
    r.duid = get_string(j, "duid");
    r.circuit_id = get_string(j, "circuit-id");
    r.flex_id = get_string(j, "flex-id");
    r.ip_address = get_string(j, "ip-address");
    r.ip_addresses = get_strings(j, "ip-addresses");
    r.prefixes = get_strings(j, "prefixes");
    r.hostname = get_string(j, "hostname");
    r.next_server = get_string(j, "next-server");
    if (r.next_server == "0.0.0.0") r.next_server.clear();  // Kea's "unset"
    r.server_hostname = get_string(j, "server-hostname");
    r.boot_file_name = get_string(j, "boot-file-name");
    r.client_classes = get_strings(j, "client-classes");
    r.option_data = get_json_text(j, "option-data");
    r.user_context = get_json_text(j, "user-context");
    return r;
}

json reservation_json(const Reservation& r) {
    json j = json::object();
    j["subnet-id"] = r.subnet_id;
    auto put = [&](const char* key, const std::string& value) {
        if (!value.empty()) j[key] = value;
    };
    put("hw-address", r.hw_address);
    put("client-id", r.client_id);
    put("duid", r.duid);
    put("circuit-id", r.circuit_id);
    put("flex-id", r.flex_id);
    put("ip-address", r.ip_address);
    if (!r.ip_addresses.empty()) j["ip-addresses"] = r.ip_addresses;
    if (!r.prefixes.empty()) j["prefixes"] = r.prefixes;
    put("hostname", r.hostname);
    put("next-server", r.next_server);
    put("server-hostname", r.server_hostname);
    put("boot-file-name", r.boot_file_name);
    if (!r.client_classes.empty()) j["client-classes"] = r.client_classes;
    if (!r.option_data.empty()) {
        json options = json::parse(r.option_data, nullptr, false);
        if (options.is_discarded() || !options.is_array())
            throw Error("option-data must be a JSON list", "option-data", r.option_data);
        j["option-data"] = std::move(options);
    }
    if (!r.user_context.empty()) j["user-context"] = parse_object_text(r.user_context, "user-context");
    return j;
}

Lease4 lease4_from(const json& j) {
    require_object(j, "lease");
    Lease4 l;
    l.ip_address = get_string(j, "ip-address");
    l.hw_address = get_string(j, "hw-address");
    l.client_id = get_string(j, "client-id");
    l.subnet_id = get_int<std::uint32_t>(j, "subnet-id");
    l.valid_lifetime = get_int<std::uint64_t>(j, "valid-lft");
    l.cltt = get_int<std::int64_t>(j, "cltt");
    l.hostname = get_string(j, "hostname");
    l.fqdn_fwd = get_bool(j, "fqdn-fwd");
    l.fqdn_rev = get_bool(j, "fqdn-rev");
    l.state = get_int<int>(j, "state");
    l.user_context = get_json_text(j, "user-context");
    return l;
}

json lease4_json(const Lease4& l) {
    json j = {{"ip-address", l.ip_address}, {"hw-address", l.hw_address},
              {"subnet-id", l.subnet_id},   {"valid-lft", l.valid_lifetime},
              {"cltt", l.cltt},             {"hostname", l.hostname},
              {"fqdn-fwd", l.fqdn_fwd},     {"fqdn-rev", l.fqdn_rev},
              {"state", l.state}};
    if (!l.client_id.empty()) j["client-id"] = l.client_id;
    if (!l.user_context.empty()) j["user-context"] = json::parse(l.user_context, nullptr, false);
    return j;
}

Lease6 lease6_from(const json& j) {
    require_object(j, "lease");
    Lease6 l;
    l.ip_address = get_string(j, "ip-address");
    if (auto type = get_string(j, "type"); !type.empty()) l.type = type;
    l.prefix_length = get_int<unsigned>(j, "prefix-len");
    if (j.find("prefix-len") == j.end()) l.prefix_length = 128;
    l.duid = get_string(j, "duid");
    l.iaid = get_int<std::uint32_t>(j, "iaid");
    l.hw_address = get_string(j, "hw-address");
    l.subnet_id = get_int<std::uint32_t>(j, "subnet-id");
    l.preferred_lifetime = get_int<std::uint64_t>(j, "preferred-lft");
    l.valid_lifetime = get_int<std::uint64_t>(j, "valid-lft");
    l.cltt = get_int<std::int64_t>(j, "cltt");
    l.hostname = get_string(j, "hostname");
    l.fqdn_fwd = get_bool(j, "fqdn-fwd");
    l.fqdn_rev = get_bool(j, "fqdn-rev");
    l.state = get_int<int>(j, "state");
    l.user_context = get_json_text(j, "user-context");
    return l;
}

json lease6_json(const Lease6& l) {
    json j = {{"ip-address", l.ip_address},
              {"type", l.type},
              {"prefix-len", l.prefix_length},
              {"duid", l.duid},
              {"iaid", l.iaid},
              {"subnet-id", l.subnet_id},
              {"preferred-lft", l.preferred_lifetime},
              {"valid-lft", l.valid_lifetime},
              {"cltt", l.cltt},
              {"hostname", l.hostname},
              {"fqdn-fwd", l.fqdn_fwd},
              {"fqdn-rev", l.fqdn_rev},
              {"state", l.state}};
    if (!l.hw_address.empty()) j["hw-address"] = l.hw_address;
    if (!l.user_context.empty()) j["user-context"] = json::parse(l.user_context, nullptr, false);
    return j;
}

Statistic statistic_from(const std::string& name, const json& samples) {
    Statistic s;
    s.name = name;
    if (!samples.is_array()) bad_field(name, samples, "a list of samples");
    for (const auto& sample : samples) {
        if (!sample.is_array() || sample.size() < 2) bad_field(name, sample, "a [value, time] pair");
        StatisticSample out;
        out.value = sample[0].is_string() ? sample[0].get<std::string>() : sample[0].dump();
        out.timestamp = sample[1].is_string() ? sample[1].get<std::string>() : sample[1].dump();
        s.samples.push_back(std::move(out));
    }
    return s;
}

json statistics_json(const std::vector<Statistic>& statistics) {
    json j = json::object();
    for (const auto& s : statistics) {
        json samples = json::array();
        for (const auto& sample : s.samples) {
            json value = json::parse(sample.value, nullptr, false);
            if (value.is_discarded() || value.is_object() || value.is_array()) value = sample.value;
            samples.push_back(json::array({value, sample.timestamp}));
        }
        j[s.name] = std::move(samples);
    }
    return j;
}

// Runs `fill` on the parsed arguments of an ok reply; a decoding failure turns the reply into
// "malformed" rather than escaping as an exception.
template <class T, class Fill>
Result<T> typed(Decoded&& decoded, Fill fill) {
    Result<T> out;
    static_cast<Reply&>(out) = std::move(decoded.reply);
    if (out.outcome != Outcome::ok) return out;
    try {
        out.value = fill(decoded.arguments, out);
    } catch (const std::exception& e) {
        out.outcome = Outcome::malformed;
        out.text = "cannot decode the arguments of the reply: " + std::string(e.what());
        out.value.reset();
    }
    return out;
}

const json& args_object(const json& arguments) {
    if (!arguments.is_object()) {
        static const json empty = json::object();
        if (arguments.is_null()) return empty;
        bad_field("arguments", arguments, "an object");
    }
    return arguments;
}

// The list under `key` in a reply's arguments (absent = empty), each element converted.
template <typename Convert>
auto list_of(const json& arguments, const char* key, Convert convert) {
    std::vector<decltype(convert(std::declval<const json&>()))> out;
    const json& a = args_object(arguments);
    if (a.find(key) == a.end()) return out;
    for (const auto& item : require_list(a, key)) out.push_back(convert(item));
    return out;
}

std::vector<Reservation> hosts_from(const json& arguments) { return list_of(arguments, "hosts", reservation_from); }
std::vector<Lease4> leases4_from(const json& arguments) { return list_of(arguments, "leases", lease4_from); }
std::vector<Lease6> leases6_from(const json& arguments) { return list_of(arguments, "leases", lease6_from); }

std::vector<SubnetSummary> subnets_from(const json& arguments) {
    return list_of(arguments, "subnets", [](const json& s) {
        require_object(s, "subnet");
        SubnetSummary summary;
        summary.id = get_int<std::uint32_t>(s, "id");
        summary.prefix = get_string(s, "subnet");
        summary.shared_network_name = get_string(s, "shared-network-name");
        return summary;
    });
}

void put_target(json& arguments, OperationTarget target) {
    if (target != OperationTarget::server_default) arguments["operation-target"] = to_string(target);
}

json selector_json(const HostSelector& s) {
    json j = {{"subnet-id", s.subnet_id}};
    if (!s.ip_address.empty()) {
        j["ip-address"] = s.ip_address;
    } else {
        if (s.identifier_type.empty() || s.identifier.empty())
            throw Error("a host selector needs an address or an identifier", "selector", "");
        j["identifier-type"] = s.identifier_type;
        j["identifier"] = s.identifier;
    }
    return j;
}

void check_command_name(std::string_view name) {
    bool ok = !name.empty() && name.size() <= 100 &&
              std::all_of(name.begin(), name.end(), [](char c) {
                  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
              });
    if (!ok) throw Error("not a Kea command name", "command", std::string(name));
}

}  // namespace

// ------------------------------------------------------------------ names and messages

std::string_view to_string(Outcome outcome) {
    switch (outcome) {
    case Outcome::ok: return "ok";
    case Outcome::empty: return "empty";
    case Outcome::error: return "error";
    case Outcome::unsupported: return "unsupported";
    case Outcome::conflict: return "conflict";
    case Outcome::partial: return "partial";
    case Outcome::unauthorized: return "unauthorized";
    case Outcome::forbidden: return "forbidden";
    case Outcome::transport: return "transport";
    case Outcome::malformed: return "malformed";
    }
    return "error";
}

std::string_view to_string(OperationTarget target) {
    switch (target) {
    case OperationTarget::server_default: return "default";
    case OperationTarget::memory: return "memory";
    case OperationTarget::database: return "database";
    case OperationTarget::all: return "all";
    }
    return "default";
}

std::string Reply::describe() const {
    std::string line = command + ": " + std::string(to_string(outcome));
    if (result >= 0) line += " (result " + std::to_string(result) + ")";
    if (!text.empty()) line += ": " + text;
    switch (outcome) {
    case Outcome::unsupported:
        line += " (the hook library that provides '" + command + "' is not loaded)";
        break;
    case Outcome::unauthorized: line += " (check the user and the password or password file)"; break;
    case Outcome::forbidden: line += " (these credentials may not run this command)"; break;
    default: break;
    }
    return line;
}

KeaError::KeaError(const Reply& reply)
    : Error(reply.describe(), "command", reply.command), outcome_(reply.outcome), result_(reply.result) {}

const Reply& require(const Reply& reply, bool allow_empty) {
    if (reply.ok() || (allow_empty && reply.is_empty())) return reply;
    throw KeaError(reply);
}

std::optional<std::int64_t> StatisticSample::integer() const {
    if (value.empty()) return std::nullopt;
    std::size_t i = value[0] == '-' ? 1 : 0;
    if (i == value.size() || value.size() > 20) return std::nullopt;
    for (std::size_t k = i; k < value.size(); ++k)
        if (value[k] < '0' || value[k] > '9') return std::nullopt;
    try {
        return std::stoll(value);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

bool VersionInfo::at_least(int want_major, int want_minor, int want_patch) const {
    if (major != want_major) return major > want_major;
    if (minor != want_minor) return minor > want_minor;
    return patch >= want_patch;
}

HostSelector HostSelector::by_address(std::uint32_t subnet_id, std::string ip) {
    HostSelector s;
    s.subnet_id = subnet_id;
    s.ip_address = std::move(ip);
    return s;
}

HostSelector HostSelector::by_hw_address(std::uint32_t subnet_id, std::string mac) {
    HostSelector s;
    s.subnet_id = subnet_id;
    s.identifier_type = "hw-address";
    s.identifier = std::move(mac);
    return s;
}

HostSelector HostSelector::of(const Reservation& r) {
    HostSelector s;
    s.subnet_id = r.subnet_id;
    const std::pair<const char*, const std::string*> identifiers[] = {
        {"hw-address", &r.hw_address}, {"client-id", &r.client_id}, {"duid", &r.duid},
        {"circuit-id", &r.circuit_id}, {"flex-id", &r.flex_id}};
    for (const auto& [type, value] : identifiers) {
        if (!value->empty()) {
            s.identifier_type = type;
            s.identifier = *value;
            return s;
        }
    }
    if (!r.ip_address.empty()) s.ip_address = r.ip_address;
    else if (!r.ip_addresses.empty()) s.ip_address = r.ip_addresses.front();
    else throw Error("a reservation without an identifier or address cannot be selected", "reservation",
                     r.hostname);
    return s;
}

// ------------------------------------------------------------------ encoding and decoding

std::string encode_request(std::string_view command, std::string_view arguments_json,
                           std::string_view service) {
    check_command_name(command);
    std::string out = "{\"command\":\"";
    out += command;
    out += "\"";
    if (!service.empty()) out += ",\"service\":[" + json(std::string(service)).dump() + "]";
    auto first = arguments_json.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos) {
        // Kea accepts comments in commands; so do we, but the text must be one JSON object.
        if (arguments_json[first] != '{' ||
            !json::accept(arguments_json, /*ignore_comments=*/true))
            throw Error("the arguments must be a JSON object", "arguments",
                        std::string(arguments_json.substr(0, 120)));
        out += ",\"arguments\":";
        out += arguments_json;
        // A trailing line comment would swallow our closing brace.
        out += "\n";
    }
    out += "}";
    return out;
}

Reply decode_reply(std::string_view command, const RawReply& raw) {
    try {
        return decode(command, raw).reply;
    } catch (const std::exception& e) {  // bad_alloc and the like: still an answer, not a crash
        Reply r;
        r.command = std::string(command);
        r.outcome = Outcome::malformed;
        r.text = std::string("cannot decode the reply: ") + e.what();
        return r;
    }
}

std::string to_json(const Reservation& reservation) { return reservation_json(reservation).dump(); }
std::string to_json(const Lease4& lease) { return lease4_json(lease).dump(); }
std::string to_json(const Lease6& lease) { return lease6_json(lease).dump(); }

std::string to_json(const std::vector<Lease4>& leases) {
    json j = json::array();
    for (const auto& l : leases) j.push_back(lease4_json(l));
    return j.dump();
}

std::string to_json(const std::vector<Lease6>& leases) {
    json j = json::array();
    for (const auto& l : leases) j.push_back(lease6_json(l));
    return j.dump();
}

std::string to_json(const std::vector<Statistic>& statistics) {
    return statistics_json(statistics).dump();
}

std::string to_json(const Reply& reply) {
    json j = {{"command", reply.command},
              {"outcome", to_string(reply.outcome)},
              {"result", reply.result},
              {"text", reply.text}};
    if (reply.http_status) j["http-status"] = reply.http_status;
    if (!reply.arguments.empty()) {
        json arguments = json::parse(reply.arguments, nullptr, false);
        j["arguments"] = arguments.is_discarded() ? json(reply.arguments) : std::move(arguments);
    }
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Reservation parse_reservation(std::string_view json_text) {
    return reservation_from(parse_object_text(json_text, "reservation"));
}

Lease4 parse_lease4(std::string_view json_text) { return lease4_from(parse_object_text(json_text, "lease")); }
Lease6 parse_lease6(std::string_view json_text) { return lease6_from(parse_object_text(json_text, "lease")); }

std::string pretty_json(std::string_view json_text) {
    json j = json::parse(json_text, nullptr, false, /*ignore_comments=*/true);
    if (j.is_discarded()) return std::string(json_text);
    return j.dump(2, ' ', false, json::error_handler_t::replace);
}

// ------------------------------------------------------------------ the client

struct KeaClient::Impl {
    Endpoint endpoint;
    std::unique_ptr<KeaTransport> transport;
    bool own_transport = false;  // made from `endpoint`: more connections can be opened

    Decoded call_text(std::string_view name, std::string_view arguments_text) {
        std::string request = encode_request(name, arguments_text, endpoint.service);
        RawReply raw;
        try {
            raw = transport->exchange(request);
        } catch (const std::exception& e) {
            raw.error = e.what();
        }
        try {
            return decode(name, raw);
        } catch (const std::exception& e) {
            Decoded d;
            d.reply.command = std::string(name);
            d.reply.outcome = Outcome::malformed;
            d.reply.text = std::string("cannot decode the reply: ") + e.what();
            return d;
        }
    }

    Decoded call(std::string_view name, const json& arguments) {
        return call_text(name, arguments.is_null() ? std::string() : arguments.dump());
    }
};

KeaClient::KeaClient(const Endpoint& endpoint) : impl_(std::make_unique<Impl>()) {
    impl_->endpoint = endpoint;
    impl_->transport = make_transport(endpoint);
    impl_->own_transport = true;
}

KeaClient::KeaClient(std::unique_ptr<KeaTransport> transport, const Endpoint& endpoint)
    : impl_(std::make_unique<Impl>()) {
    if (!transport) throw Error("no transport given", "transport", "");
    impl_->endpoint = endpoint;
    impl_->transport = std::move(transport);
}

KeaClient::~KeaClient() = default;
KeaClient::KeaClient(KeaClient&&) noexcept = default;
KeaClient& KeaClient::operator=(KeaClient&&) noexcept = default;

const Endpoint& KeaClient::endpoint() const { return impl_->endpoint; }

Reply KeaClient::command(std::string_view name, std::string_view arguments_json) {
    return impl_->call_text(name, arguments_json).reply;
}

Result<VersionInfo> KeaClient::version_get() {
    return typed<VersionInfo>(impl_->call("version-get", json()), [](const json& a, const Reply& r) {
        VersionInfo v;
        if (a.is_object()) v.extended = get_string(a, "extended");
        // text is "2.2.0" or "3.0.4"; extended starts with the same number.
        std::string source = r.text.empty() ? v.extended : r.text;
        std::size_t i = 0;
        while (i < source.size() && !std::isdigit(static_cast<unsigned char>(source[i]))) ++i;
        std::size_t j = i;
        while (j < source.size() && (std::isdigit(static_cast<unsigned char>(source[j])) || source[j] == '.')) ++j;
        v.version = source.substr(i, j - i);
        int* parts[] = {&v.major, &v.minor, &v.patch};
        std::size_t pos = 0;
        for (int* part : parts) {
            if (pos >= v.version.size()) break;
            std::size_t end = v.version.find('.', pos);
            std::string number = v.version.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
            if (number.empty() || number.size() > 6) break;
            *part = std::stoi(number);
            if (end == std::string::npos) break;
            pos = end + 1;
        }
        if (v.version.empty()) throw Error("no version number in the reply", "text", r.text);
        return v;
    });
}

Result<StatusInfo> KeaClient::status_get() {
    return typed<StatusInfo>(impl_->call("status-get", json()), [](const json& a, const Reply&) {
        const json& o = args_object(a);
        StatusInfo s;
        s.pid = get_int<std::int64_t>(o, "pid");
        s.uptime = get_int<std::int64_t>(o, "uptime");
        s.reload = get_int<std::int64_t>(o, "reload");
        s.multi_threading = get_bool(o, "multi-threading-enabled");
        s.dhcp_state = get_json_text(o, "dhcp-state");
        return s;
    });
}

Result<Capabilities> KeaClient::list_commands() {
    return typed<Capabilities>(impl_->call("list-commands", json()), [](const json& a, const Reply&) {
        if (!a.is_array()) bad_field("arguments", a, "a list of command names");
        Capabilities c;
        for (const auto& name : a) {
            if (!name.is_string()) bad_field("arguments", name, "a command name");
            c.commands.insert(name.get<std::string>());
        }
        return c;
    });
}

Result<ConfigDocument> KeaClient::config_get() {
    return typed<ConfigDocument>(impl_->call("config-get", json()), [](const json& a, const Reply&) {
        json config = args_object(a);
        ConfigDocument d;
        d.hash = get_string(config, "hash");
        config.erase("hash");
        if (config.empty()) throw Error("config-get returned no configuration", "arguments", "");
        d.config = config.dump();
        return d;
    });
}

Reply KeaClient::config_test(std::string_view config_json) {
    return impl_->call_text("config-test", config_json).reply;
}

Reply KeaClient::config_set(std::string_view config_json) {
    return impl_->call_text("config-set", config_json).reply;
}

Result<ConfigWritten> KeaClient::config_write(std::string_view filename) {
    json arguments;
    if (!filename.empty()) arguments = {{"filename", std::string(filename)}};
    return typed<ConfigWritten>(impl_->call("config-write", arguments), [](const json& a, const Reply&) {
        const json& o = args_object(a);
        ConfigWritten w;
        w.filename = get_string(o, "filename");
        w.size = get_int<std::uint64_t>(o, "size");
        return w;
    });
}

Reply KeaClient::config_reload() { return impl_->call("config-reload", json()).reply; }

Reply KeaClient::reservation_add(const Reservation& reservation, OperationTarget target) {
    json arguments = {{"reservation", reservation_json(reservation)}};
    put_target(arguments, target);
    return impl_->call("reservation-add", arguments).reply;
}

Result<Reservation> KeaClient::reservation_get(const HostSelector& selector, OperationTarget target) {
    json arguments = selector_json(selector);
    put_target(arguments, target);
    auto subnet = selector.subnet_id;
    return typed<Reservation>(impl_->call("reservation-get", arguments), [subnet](const json& a, const Reply&) {
        const json& o = args_object(a);
        Reservation r = reservation_from(o);
        if (o.find("subnet-id") == o.end()) r.subnet_id = subnet;
        return r;
    });
}

Reply KeaClient::reservation_del(const HostSelector& selector, OperationTarget target) {
    json arguments = selector_json(selector);
    put_target(arguments, target);
    return impl_->call("reservation-del", arguments).reply;
}

Result<std::vector<Reservation>> KeaClient::reservation_get_all(std::uint32_t subnet_id,
                                                                OperationTarget target) {
    json arguments = {{"subnet-id", subnet_id}};
    put_target(arguments, target);
    return typed<std::vector<Reservation>>(impl_->call("reservation-get-all", arguments),
                                           [](const json& a, const Reply&) { return hosts_from(a); });
}

Result<ReservationPage> KeaClient::reservation_get_page(const ReservationPageRequest& request) {
    json arguments = {{"limit", request.limit}};
    if (request.subnet_id) arguments["subnet-id"] = *request.subnet_id;
    if (request.source_index) arguments["source-index"] = *request.source_index;
    if (request.from) arguments["from"] = *request.from;
    return typed<ReservationPage>(impl_->call("reservation-get-page", arguments), [](const json& a, const Reply&) {
        ReservationPage page;
        page.hosts = hosts_from(a);
        const json& o = args_object(a);
        auto next = o.find("next");
        if (next != o.end() && next->is_object() && !page.hosts.empty()) {
            page.more = true;
            page.next_from = get_int<std::uint64_t>(*next, "from");
            page.next_source_index = get_int<std::uint64_t>(*next, "source-index");
        }
        return page;
    });
}

Result<std::vector<Reservation>> KeaClient::reservation_list(std::optional<std::uint32_t> subnet_id,
                                                             std::uint32_t page_size) {
    Result<std::vector<Reservation>> out;
    std::vector<Reservation> hosts;
    ReservationPageRequest request;
    request.subnet_id = subnet_id;
    request.limit = page_size == 0 ? 1000 : page_size;
    for (;;) {
        auto page = reservation_get_page(request);
        if (!page.value) {
            static_cast<Reply&>(out) = static_cast<Reply&>(page);
            if (page.is_empty()) {  // the end of the walk (result 3), or nothing at all
                out.outcome = hosts.empty() ? Outcome::empty : Outcome::ok;
                if (!hosts.empty()) out.value = std::move(hosts);
            }
            return out;
        }
        hosts.insert(hosts.end(), std::make_move_iterator(page.value->hosts.begin()),
                     std::make_move_iterator(page.value->hosts.end()));
        if (!page.value->more) {
            static_cast<Reply&>(out) = static_cast<Reply&>(page);
            out.value = std::move(hosts);
            return out;
        }
        if (request.from == page.value->next_from && request.source_index == page.value->next_source_index) {
            static_cast<Reply&>(out) = static_cast<Reply&>(page);
            out.outcome = Outcome::malformed;
            out.text = "reservation-get-page did not advance (next is the same cursor)";
            return out;
        }
        request.from = page.value->next_from;
        request.source_index = page.value->next_source_index;
    }
}

Result<std::vector<Reservation>> KeaClient::reservation_get_by_hostname(std::string_view hostname,
                                                                        std::optional<std::uint32_t> subnet_id) {
    json arguments = {{"hostname", std::string(hostname)}};
    if (subnet_id) arguments["subnet-id"] = *subnet_id;
    return typed<std::vector<Reservation>>(impl_->call("reservation-get-by-hostname", arguments),
                                           [](const json& a, const Reply&) { return hosts_from(a); });
}

Result<std::vector<Reservation>> KeaClient::reservation_get_by_address(std::string_view ip_address,
                                                                       std::optional<std::uint32_t> subnet_id) {
    json arguments = {{"ip-address", std::string(ip_address)}};
    if (subnet_id) arguments["subnet-id"] = *subnet_id;
    return typed<std::vector<Reservation>>(impl_->call("reservation-get-by-address", arguments),
                                           [](const json& a, const Reply&) { return hosts_from(a); });
}

Result<Lease4> KeaClient::lease4_get(std::string_view ip_address) {
    json arguments = {{"ip-address", std::string(ip_address)}};
    return typed<Lease4>(impl_->call("lease4-get", arguments),
                         [](const json& a, const Reply&) { return lease4_from(a); });
}

Result<Lease4> KeaClient::lease4_get(std::string_view identifier_type, std::string_view identifier,
                                     std::uint32_t subnet_id) {
    json arguments = {{"identifier-type", std::string(identifier_type)},
                      {"identifier", std::string(identifier)},
                      {"subnet-id", subnet_id}};
    return typed<Lease4>(impl_->call("lease4-get", arguments),
                         [](const json& a, const Reply&) { return lease4_from(a); });
}

Result<std::vector<Lease4>> KeaClient::lease4_get_by_hw_address(std::string_view mac) {
    json arguments = {{"hw-address", std::string(mac)}};
    return typed<std::vector<Lease4>>(impl_->call("lease4-get-by-hw-address", arguments),
                                      [](const json& a, const Reply&) { return leases4_from(a); });
}

Result<std::vector<Lease4>> KeaClient::lease4_get_all(const std::vector<std::uint32_t>& subnet_ids) {
    json arguments;
    if (!subnet_ids.empty()) arguments = {{"subnets", subnet_ids}};
    return typed<std::vector<Lease4>>(impl_->call("lease4-get-all", arguments),
                                      [](const json& a, const Reply&) { return leases4_from(a); });
}

Reply KeaClient::lease4_del(std::string_view ip_address) {
    return impl_->call("lease4-del", json{{"ip-address", std::string(ip_address)}}).reply;
}

namespace {
void check_filter(const LeaseFilter& filter) {
    if (!filter.mac.empty() + !filter.ip.empty() + filter.subnet_id.has_value() > 1)
        throw Error("give at most one of a MAC, an address and a subnet", "lease filter",
                    filter.mac + " " + filter.ip + (filter.subnet_id ? " " + std::to_string(*filter.subnet_id) : ""));
}

template <class Lease>
Result<std::vector<Lease>> as_list(Result<Lease> one) {
    Result<std::vector<Lease>> out;
    static_cast<Reply&>(out) = static_cast<Reply&>(one);
    out.value = std::vector<Lease>{};
    if (one.value) out.value->push_back(std::move(*one.value));
    return out;
}

template <class Lease>
Result<std::vector<Lease>> with_list(Result<std::vector<Lease>> many) {
    if (!many.value) many.value = std::vector<Lease>{};
    return many;
}

std::vector<std::uint32_t> subnets_of(const LeaseFilter& filter) {
    return filter.subnet_id ? std::vector<std::uint32_t>{*filter.subnet_id} : std::vector<std::uint32_t>{};
}
}  // namespace

Result<std::vector<Lease4>> KeaClient::leases4(const LeaseFilter& filter) {
    check_filter(filter);
    if (!filter.ip.empty()) return as_list(lease4_get(filter.ip));
    if (!filter.mac.empty()) return with_list(lease4_get_by_hw_address(filter.mac));
    return with_list(lease4_get_all(subnets_of(filter)));
}

Result<std::vector<Lease6>> KeaClient::leases6(const LeaseFilter& filter) {
    check_filter(filter);
    if (!filter.ip.empty()) return as_list(lease6_get(filter.ip));
    if (!filter.mac.empty()) return with_list(lease6_get_by_hw_address(filter.mac));
    return with_list(lease6_get_all(subnets_of(filter)));
}

Result<Lease6> KeaClient::lease6_get(std::string_view ip_address, std::string_view type) {
    json arguments = {{"ip-address", std::string(ip_address)}, {"type", std::string(type)}};
    return typed<Lease6>(impl_->call("lease6-get", arguments),
                         [](const json& a, const Reply&) { return lease6_from(a); });
}

Result<Lease6> KeaClient::lease6_get_by_duid(std::string_view duid, std::uint32_t iaid,
                                             std::uint32_t subnet_id, std::string_view type) {
    json arguments = {{"identifier-type", "duid"}, {"identifier", std::string(duid)},
                      {"iaid", iaid},              {"subnet-id", subnet_id},
                      {"type", std::string(type)}};
    return typed<Lease6>(impl_->call("lease6-get", arguments),
                         [](const json& a, const Reply&) { return lease6_from(a); });
}

Result<std::vector<Lease6>> KeaClient::lease6_get_by_hw_address(std::string_view mac) {
    json arguments = {{"hw-address", std::string(mac)}};
    return typed<std::vector<Lease6>>(impl_->call("lease6-get-by-hw-address", arguments),
                                      [](const json& a, const Reply&) { return leases6_from(a); });
}

Result<std::vector<Lease6>> KeaClient::lease6_get_all(const std::vector<std::uint32_t>& subnet_ids) {
    json arguments;
    if (!subnet_ids.empty()) arguments = {{"subnets", subnet_ids}};
    return typed<std::vector<Lease6>>(impl_->call("lease6-get-all", arguments),
                                      [](const json& a, const Reply&) { return leases6_from(a); });
}

Reply KeaClient::lease6_del(std::string_view ip_address, std::string_view type) {
    json arguments = {{"ip-address", std::string(ip_address)}, {"type", std::string(type)}};
    return impl_->call("lease6-del", arguments).reply;
}

Result<Statistic> KeaClient::statistic_get(std::string_view name) {
    std::string wanted(name);
    return typed<Statistic>(impl_->call("statistic-get", json{{"name", wanted}}),
                            [&wanted](const json& a, const Reply&) {
                                const json& o = args_object(a);
                                auto it = o.find(wanted);
                                if (it == o.end()) throw Error("the reply does not name the statistic", "name", wanted);
                                return statistic_from(wanted, *it);
                            });
}

Result<std::vector<Statistic>> KeaClient::statistic_get_all() {
    return typed<std::vector<Statistic>>(impl_->call("statistic-get-all", json()), [](const json& a, const Reply&) {
        std::vector<Statistic> out;
        for (const auto& [name, samples] : args_object(a).items()) out.push_back(statistic_from(name, samples));
        std::sort(out.begin(), out.end(), [](const Statistic& x, const Statistic& y) { return x.name < y.name; });
        return out;
    });
}

Result<std::vector<SubnetSummary>> KeaClient::subnet4_list() {
    return typed<std::vector<SubnetSummary>>(impl_->call("subnet4-list", json()),
                                             [](const json& a, const Reply&) { return subnets_from(a); });
}

Result<std::vector<SubnetSummary>> KeaClient::subnet6_list() {
    return typed<std::vector<SubnetSummary>>(impl_->call("subnet6-list", json()),
                                             [](const json& a, const Reply&) { return subnets_from(a); });
}

namespace {

// Runs `send(client, item)` for every item, on `self` and, with options.connections > 1 and an
// endpoint to connect to, on extra clients in threads of their own.
template <class Item, class Send>
BatchReport run_batch(KeaClient& self, bool can_connect_more, std::string_view command,
                      const std::vector<Item>& items, const BatchOptions& options, Send send) {
    BatchReport report;
    report.items.resize(items.size());
    auto batch_start = Clock::now();
    std::atomic<std::size_t> next{0};
    std::atomic<bool> stopped{false};
    std::mutex callback_mutex;
    auto work = [&](KeaClient& client) {
        for (;;) {
            std::size_t i = next.fetch_add(1);
            if (i >= items.size()) return;
            BatchItem item;
            if (stopped.load()) {
                item.reply.command = std::string(command);
                item.reply.outcome = Outcome::transport;
                item.reply.text = "not attempted (an earlier item lost the connection)";
            } else {
                auto start = Clock::now();
                try {
                    item.reply = send(client, items[i]);
                } catch (const Error& e) {  // an item that cannot be encoded: report it, go on
                    item.reply.command = std::string(command);
                    item.reply.outcome = Outcome::error;
                    item.reply.text = e.what();
                }
                item.milliseconds = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
                if (item.reply.outcome == Outcome::transport && options.stop_on_transport_error)
                    stopped.store(true);
            }
            if (options.on_item) {
                std::lock_guard<std::mutex> lock(callback_mutex);
                options.on_item(i, item.reply);
            }
            report.items[i] = std::move(item);
        }
    };
    std::size_t connections = std::clamp<std::size_t>(options.connections, 1, 64);
    if (!can_connect_more) connections = 1;
    connections = std::min(connections, std::max<std::size_t>(items.size(), 1));
    std::vector<std::thread> threads;
    for (std::size_t k = 1; k < connections; ++k) {
        threads.emplace_back([&] {
            std::unique_ptr<KeaClient> extra;
            try {
                extra = std::make_unique<KeaClient>(self.endpoint());
            } catch (const std::exception&) {
                return;  // the other connections carry on
            }
            work(*extra);
        });
    }
    work(self);
    for (auto& t : threads) t.join();
    for (const auto& item : report.items) {
        if (item.reply.ok()) ++report.ok;
        else if (item.reply.is_empty()) ++report.empty;
        else ++report.failed;
    }
    report.seconds = std::chrono::duration<double>(Clock::now() - batch_start).count();
    return report;
}

}  // namespace

BatchReport KeaClient::reservation_add_batch(const std::vector<Reservation>& reservations,
                                             OperationTarget target, const BatchOptions& options) {
    return run_batch(*this, impl_->own_transport, "reservation-add", reservations, options,
                     [target](KeaClient& c, const Reservation& r) { return c.reservation_add(r, target); });
}

BatchReport KeaClient::reservation_del_batch(const std::vector<HostSelector>& selectors,
                                             OperationTarget target, const BatchOptions& options) {
    return run_batch(*this, impl_->own_transport, "reservation-del", selectors, options,
                     [target](KeaClient& c, const HostSelector& s) { return c.reservation_del(s, target); });
}

}  // namespace xcatdhcp::control
