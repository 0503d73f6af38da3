#include "xcatdhcp/probe/report.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace xcatdhcp::probe {

namespace {

using Json = nlohmann::ordered_json;
using Kind = DecodedOption::Kind;

std::string hex_number(std::uint32_t v, int digits) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%0*x", digits, v);
    return buf;
}

Json option_json(const DecodedOption& d) {
    Json j;
    j["code"] = d.code;
    j["name"] = d.name;
    switch (d.kind) {
    case Kind::hex:
    case Kind::text:
    case Kind::address:
    case Kind::suboptions: j["value"] = d.text; break;
    case Kind::number: j["value"] = d.number; break;
    case Kind::list: j["value"] = d.items; break;
    case Kind::flag: j["value"] = true; break;
    }
    j["hex"] = d.hex;
    if (!d.error.empty()) j["error"] = d.error;
    if (!d.suboptions.empty()) {
        Json subs = Json::array();
        for (const auto& s : d.suboptions) subs.push_back(option_json(s));
        j["suboptions"] = subs;
    }
    return j;
}

Json options_json(const std::vector<DecodedOption>& options) {
    Json a = Json::array();
    for (const auto& o : options) a.push_back(option_json(o));
    return a;
}

std::string server_id(const Dhcp4Packet& p) {
    const auto* o = p.find(opt4::server_identifier);
    if (!o || o->data.size() != 4) return "";
    return decode_option4(opt4::server_identifier, o->data).text;
}

std::string type_name(const Dhcp4Packet& p) {
    auto t = p.message_type();
    return t ? to_string(*t) : (p.op == 2 ? "BOOTREPLY" : "BOOTREQUEST");
}

std::string option_text(const Dhcp4Packet& p, std::uint8_t code) {
    const auto* o = p.find(code);
    if (!o) return {};
    auto d = decode_option4(code, o->data);
    if (d.kind != Kind::hex) return d.text;
    // An option the probe does not know (xCAT's 224 node name...): its bytes, when printable.
    for (auto c : o->data)
        if (c < 0x20 || c > 0x7e) return {};
    return std::string(o->data.begin(), o->data.end());
}

Json reply_json(const Dhcp4Reply& r) {
    const auto& p = r.packet;
    Json j;
    j["type"] = type_name(p);
    j["from"] = r.source.to_string();
    j["from_mac"] = r.source_mac;
    j["elapsed_ms"] = r.elapsed_ms;
    auto id = server_id(p);
    j["server_id"] = id.empty() ? Json() : Json(id);
    j["yiaddr"] = p.yiaddr.to_string();
    j["siaddr"] = p.siaddr.to_string();
    j["giaddr"] = p.giaddr.to_string();
    j["ciaddr"] = p.ciaddr.to_string();
    j["file"] = p.file;
    j["file_expanded"] = expand_xnba_settings(p.file, p);
    j["sname"] = p.sname;
    j["flags"] = hex_number(p.flags, 4);
    j["broadcast"] = p.broadcast();
    j["chaddr"] = p.client_hardware_address();
    j["options"] = options_json(decode_options(p));
    j["warnings"] = p.warnings;
    return j;
}

Json sent_json(const Dhcp4Packet& p) {
    Json j;
    j["type"] = type_name(p);
    j["flags"] = hex_number(p.flags, 4);
    j["options"] = options_json(decode_options(p));
    return j;
}

std::string pad(std::string s, std::size_t width) {
    if (s.size() < width) s.append(width - s.size(), ' ');
    return s;
}

void option_lines(std::string& out, const std::vector<DecodedOption>& options, const std::string& indent) {
    for (const auto& o : options) {
        char code[8];
        std::snprintf(code, sizeof code, "%3u", static_cast<unsigned>(o.code));
        std::string value = o.text;
        if (o.kind == Kind::text) value = "'" + value + "'";
        if (!o.error.empty()) value += "  (hex: " + o.error + ")";
        out += indent + "option " + code + " " + pad(o.name.empty() ? "(unknown)" : o.name, 28) + " " + value + "\n";
    }
}

std::string dash(const std::string& s) { return s.empty() ? "-" : s; }

std::string sent_summary4(const Dhcp4ProbeResult& r) {
    std::string s = "chaddr " + r.chaddr + ", xid " + hex_number(r.xid, 8);
    for (const auto& o : decode_options(r.discover)) {
        if (o.code == opt4::client_arch) s += ", arch " + o.text;
        else if (o.code == opt4::user_class) s += ", user class " + o.text;
        else if (o.code == opt4::vendor_class) s += ", vendor class " + o.text;
        else if (o.code == opt4::client_identifier) s += ", client id " + o.text;
    }
    return s;
}

void reply_text(std::string& out, const Dhcp4Reply& r) {
    const auto& p = r.packet;
    out += type_name(p) + " from " + r.source.to_string() + " (" + r.source_mac + ") after " +
           std::to_string(r.elapsed_ms) + " ms\n";
    out += "  your-address   " + p.yiaddr.to_string() + "\n";
    out += "  server-id      " + dash(server_id(p)) + "\n";
    out += "  next-server    " + p.siaddr.to_string() + " (siaddr)\n";
    out += "  file           " + dash(p.file);
    if (auto expanded = expand_xnba_settings(p.file, p); expanded != p.file) out += "  (xNBA fetches " + expanded + ")";
    out += "\n";
    out += "  sname          " + dash(p.sname) + "\n";
    out += "  flags          " + hex_number(p.flags, 4) + (p.broadcast() ? " (broadcast)" : "") + "\n";
    if (p.giaddr.v4_value() != 0) out += "  relay          " + p.giaddr.to_string() + "\n";
    option_lines(out, decode_options(p), "  ");
    for (const auto& w : p.warnings) out += "  warning: " + w + "\n";
}

// ---------------------------------------------------------------- v6

Json addresses_json(const Dhcp6Reply& r) {
    Json a = Json::array();
    for (const auto& ia : r.ia_na)
        for (const auto& address : ia.addresses) {
            Json j;
            j["iaid"] = ia.iaid;
            j["address"] = address.address.to_string();
            j["preferred_lifetime"] = address.preferred_lifetime;
            j["valid_lifetime"] = address.valid_lifetime;
            if (address.status) j["status"] = dhcp6_status_name(address.status->code);
            a.push_back(j);
        }
    return a;
}

Json reply6_json(const Dhcp6Reply& r) {
    Json j;
    j["type"] = to_string(r.packet.message_type());
    j["from"] = r.source.to_string();
    j["elapsed_ms"] = r.elapsed_ms;
    const auto* sid = r.packet.find(opt6::server_id);
    j["server_id"] = sid ? Json(to_hex(sid->data)) : Json();
    j["addresses"] = addresses_json(r);
    std::string status = "Success";
    std::string message;
    if (r.status) {
        status = dhcp6_status_name(r.status->code);
        message = r.status->message;
    }
    for (const auto& ia : r.ia_na)
        if (ia.status && ia.status->code != 0) {
            status = dhcp6_status_name(ia.status->code);
            message = ia.status->message;
        }
    j["status"] = status;
    j["status_message"] = message;
    j["options"] = options_json(decode_options(r.packet));
    return j;
}

void reply6_text(std::string& out, const Dhcp6Reply& r) {
    out += to_string(r.packet.message_type()) + " from " + r.source.to_string() + " after " +
           std::to_string(r.elapsed_ms) + " ms\n";
    for (const auto& ia : r.ia_na)
        for (const auto& a : ia.addresses)
            out += "  address        " + a.address.to_string() + " (IAID " + std::to_string(ia.iaid) + ", preferred " +
                   std::to_string(a.preferred_lifetime) + " s, valid " + std::to_string(a.valid_lifetime) + " s)\n";
    option_lines(out, decode_options(r.packet), "  ");
}

}  // namespace

std::vector<DecodedOption> decode_options(const Dhcp4Packet& packet) {
    std::vector<DecodedOption> out;
    for (const auto& o : packet.options) out.push_back(decode_option4(o.code, o.data));
    return out;
}

std::vector<DecodedOption> decode_options(const Dhcp6Packet& packet) {
    std::vector<DecodedOption> out;
    for (const auto& o : packet.options) out.push_back(decode_option6(o.code, o.data));
    return out;
}

std::string to_json(const DecodedOption& option) { return option_json(option).dump(); }

std::string expand_xnba_settings(const std::string& text, const Dhcp4Packet& p) {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        auto start = text.find("${", i);
        if (start == std::string::npos) break;
        auto end = text.find('}', start + 2);
        if (end == std::string::npos) break;
        out.append(text, i, start - i);
        const std::string name = text.substr(start + 2, end - start - 2);
        std::string value;
        bool known = true;
        if (name == "next-server") value = p.siaddr.to_string();
        else if (name == "ip") value = p.yiaddr.to_string();
        else if (name == "hostname") value = option_text(p, opt4::host_name);
        else if (name == "domain") value = option_text(p, opt4::domain_name);
        else {
            std::string code = name.ends_with(":string") ? name.substr(0, name.size() - 7) : name;
            known = !code.empty() && code.size() <= 3 &&
                    code.find_first_not_of("0123456789") == std::string::npos && std::stoi(code) >= 1 &&
                    std::stoi(code) <= 254;
            if (known) value = option_text(p, static_cast<std::uint8_t>(std::stoi(code)));
        }
        if (!known || value.empty()) out.append(text, start, end + 1 - start);  // as xNBA would leave it unexpanded
        else out += value;
        i = end + 1;
    }
    out.append(text, i, std::string::npos);
    return out;
}

std::string to_json(const Dhcp4ProbeResult& r) {
    Json j;
    j["family"] = 4;
    j["interface"] = r.interface;
    j["chaddr"] = r.chaddr;
    j["xid"] = hex_number(r.xid, 8);
    j["status"] = r.status;
    j["ok"] = r.ok();
    j["message"] = r.message;
    j["sent"] = sent_json(r.discover);
    j["offer"] = r.offers.empty() ? Json() : reply_json(r.offers.front());
    Json offers = Json::array();
    for (const auto& o : r.offers) offers.push_back(reply_json(o));
    j["offers"] = offers;
    j["request"] = r.request ? sent_json(*r.request) : Json();
    j["ack"] = r.ack ? reply_json(*r.ack) : Json();
    j["released"] = r.released;
    j["ignored"] = r.ignored;
    return j.dump(2) + "\n";
}

std::string to_text(const Dhcp4ProbeResult& r) {
    std::string out = "DHCPDISCOVER on " + r.interface + ": " + sent_summary4(r) + "\n";
    for (const auto& o : r.offers) reply_text(out, o);
    if (r.request) out += "DHCPREQUEST for " + r.offers.front().packet.yiaddr.to_string() + "\n";
    if (r.ack) reply_text(out, *r.ack);
    for (const auto& i : r.ignored) out += "ignored: " + i + "\n";
    out += "result: " + r.status + ": " + r.message + "\n";
    return out;
}

std::string to_json(const Dhcp6ProbeResult& r) {
    Json j;
    j["family"] = 6;
    j["interface"] = r.interface;
    j["duid"] = to_hex(r.duid);
    j["transaction_id"] = hex_number(r.transaction_id, 6);
    j["status"] = r.status;
    j["ok"] = r.ok();
    j["message"] = r.message;
    Json sent;
    sent["type"] = to_string(r.solicit.message_type());
    sent["options"] = options_json(decode_options(r.solicit));
    j["sent"] = sent;
    j["advertise"] = r.advertises.empty() ? Json() : reply6_json(r.advertises.front());
    Json all = Json::array();
    for (const auto& a : r.advertises) all.push_back(reply6_json(a));
    j["advertises"] = all;
    j["reply"] = r.reply ? reply6_json(*r.reply) : Json();
    j["ignored"] = r.ignored;
    return j.dump(2) + "\n";
}

std::string to_text(const Dhcp6ProbeResult& r) {
    std::string out = "SOLICIT on " + r.interface + ": DUID " + describe_duid(r.duid) + ", transaction " +
                      hex_number(r.transaction_id, 6) + "\n";
    for (const auto& a : r.advertises) reply6_text(out, a);
    if (r.request) out += "REQUEST\n";
    if (r.reply) reply6_text(out, *r.reply);
    for (const auto& i : r.ignored) out += "ignored: " + i + "\n";
    out += "result: " + r.status + ": " + r.message + "\n";
    return out;
}

}  // namespace xcatdhcp::probe
