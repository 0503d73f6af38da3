#include "render/isc/syntax.hpp"

#include <array>

#include "xcatdhcp/error.hpp"

namespace xcatdhcp::render::isc::syntax {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

struct OptionName {
    std::uint8_t code;
    std::string_view name;
};

// The boot policy's option codes and the names the header declares (or dhcpd knows).
constexpr std::array<OptionName, 7> option_names = {{
    {boot::option::root_path, "root-path"},
    {boot::option::vendor_class, "vendor-class-identifier"},
    {boot::option::tftp_server_name, "tftp-server-name"},
    {boot::option::onie_installer_url, "www-server"},
    {boot::option::iscsi_initiator_iqn, "iscsi-initiator-iqn"},
    {boot::option::pxelinux_conf_file, "conf-file"},
    {boot::option::cumulus_provision_url, "cumulus-provision-url"},
}};

const std::string user_class_option = "option user-class-identifier";

std::vector<std::string> user_class_tests(const std::vector<std::string>& classes) {
    std::vector<std::string> tests;
    for (const auto& c : classes) tests.push_back(user_class_option + " = " + quote(c, "user class"));
    return tests;
}

}  // namespace

void append_quote(std::string& out, std::string_view value, std::string_view what) {
    if (value.size() > max_string)
        throw Error("too long for a dhcpd string (" + std::to_string(value.size()) + " bytes, at most " +
                        std::to_string(max_string) + ")",
                    std::string(what), std::string(value.substr(0, 64)) + "...");
    out.reserve(out.size() + value.size() + 2);
    out += '"';
    std::size_t plain = 0;  // start of the run of characters copied as they are
    for (std::size_t i = 0; i < value.size(); ++i) {
        auto c = static_cast<unsigned char>(value[i]);
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') continue;
        out.append(value.data() + plain, i - plain);
        plain = i + 1;
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                out += "\\x";
                out += hex_digits[c >> 4];
                out += hex_digits[c & 15];
        }
    }
    out.append(value.data() + plain, value.size() - plain);
    out += '"';
}

std::string quote(std::string_view value, std::string_view what) {
    std::string out;
    append_quote(out, value, what);
    return out;
}

bool bare_name(std::string_view name, bool trailing_dot) {
    if (trailing_dot && !name.empty() && name.back() == '.') name.remove_suffix(1);
    if (name.empty() || name.size() > 253) return false;
    std::size_t label = 0;
    for (char c : name) {
        if (c == '.') {
            if (label == 0) return false;
            label = 0;
            continue;
        }
        if (!name_char(c) || (label == 0 && c == '-')) return false;
        ++label;
    }
    return label > 0;
}

std::string name_or_throw(std::string_view name, std::string_view what, bool trailing_dot) {
    if (!bare_name(name, trailing_dot))
        throw Error("cannot be written as a dhcpd name (letters, digits, '-', '_' in dot-separated "
                    "labels)",
                    std::string(what), std::string(name));
    return std::string(name);
}

std::string shared_network_name(std::string_view name) {
    return bare_name(name) ? std::string(name) : quote(name, "shared-network");
}

void append_comment(std::string& out, std::string_view text) {
    const std::size_t start = out.size();
    out += text;
    for (std::size_t i = start; i < out.size(); ++i) {
        auto u = static_cast<unsigned char>(out[i]);
        if (u < 0x20 || u >= 0x7f) out[i] = '?';  // dhcpd reads byte 0xff as end of file
    }
}

std::string comment(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7f) c = '?';  // dhcpd reads byte 0xff as end of file
    }
    return out;
}

bool key_algorithm(std::string_view algorithm) {
    for (std::string_view known : {"hmac-md5", "hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512"})
        if (algorithm == known) return true;
    return false;
}

std::string base64_or_throw(std::string_view secret, std::string_view what) {
    if (secret.empty()) throw Error("no OMAPI key secret given", std::string(what), "");
    std::size_t padding = 0;
    for (char c : secret) {
        bool b64 = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '+' || c == '/';
        if (c == '=') {
            ++padding;
            continue;
        }
        if (!b64 || padding) throw Error("not a base64 secret", std::string(what), "<hidden>");
    }
    if (padding > 2 || secret.size() == padding)
        throw Error("not a base64 secret", std::string(what), "<hidden>");
    return std::string(secret);
}

std::string option_name(std::uint8_t code) { return std::string(option_name_view(code)); }

std::string_view option_name_view(std::uint8_t code) {
    for (const auto& o : option_names)
        if (o.code == code) return o.name;
    throw Error("DHCP option " + std::to_string(code) + " has no ISC option name in the renderer",
                "option", std::to_string(code));
}

std::optional<std::uint8_t> option_code(std::string_view name) {
    for (const auto& o : option_names)
        if (o.name == name) return o.code;
    return std::nullopt;
}

std::string address(const net::IpAddress& a, net::Family family, std::string_view what) {
    if (a.family() != family)
        throw Error(std::string("an IPv") + (family == net::Family::v4 ? "4" : "6") +
                        " address is needed here",
                    std::string(what), a.to_string());
    return a.to_string();
}

std::string architecture(std::uint16_t value) {
    std::string out;
    out += hex_digits[(value >> 12) & 15];
    out += hex_digits[(value >> 8) & 15];
    out += ':';
    out += hex_digits[(value >> 4) & 15];
    out += hex_digits[value & 15];
    return out;
}

std::vector<std::string> conditions(const boot::Match& match, const std::vector<std::string>& classes) {
    // Why only conjunctions of comparisons:
    // * dhcpd saves an OMAPI host in dhcpd.leases by printing its statements back without any
    //   parentheses (common/tree.c write_expression), and parses `and` and `or` with the same
    //   precedence, left to right. "A and (B or C)" would come back as "(A and B) or C" after a
    //   restart, and "not (A = B)" as "not A = B", which does not parse: the host is lost.
    // * dhcpd evaluates `A and B` with a false A to "no value", and `not` of no value stays no
    //   value (false), so `not (A and B)` would be false for every client.
    // So alternatives become separate branches with the same action, and "not the second stage"
    // is `option user-class-identifier != "xNBA"`, which is true when the option is absent.
    if (match.stage == boot::Stage::second && classes.empty()) return {};  // never recognisable
    std::vector<std::string> fixed;
    if (match.no_architecture) fixed.push_back("not exists client-architecture");
    if (!match.vendor_class_prefix.empty())
        fixed.push_back("substring(option vendor-class-identifier, 0, " +
                        std::to_string(match.vendor_class_prefix.size()) +
                        ") = " + quote(match.vendor_class_prefix, "vendor class"));
    if (match.stage == boot::Stage::first)
        for (const auto& c : classes) fixed.push_back(user_class_option + " != " + quote(c, "user class"));

    std::vector<std::string> stage_terms = {""};
    if (match.stage == boot::Stage::second) stage_terms = user_class_tests(classes);
    std::vector<std::string> arch_terms = {""};
    if (!match.architectures.empty()) {
        arch_terms.clear();
        for (auto a : match.architectures) arch_terms.push_back("option client-architecture = " + architecture(a));
    }
    std::vector<std::string> out;
    for (const auto& stage : stage_terms)
        for (const auto& arch : arch_terms) {
            std::vector<std::string> terms;
            if (!stage.empty()) terms.push_back(stage);
            if (!arch.empty()) terms.push_back(arch);
            terms.insert(terms.end(), fixed.begin(), fixed.end());
            std::string text;
            for (std::size_t i = 0; i < terms.size(); ++i) text += (i ? " and " : "") + terms[i];
            out.push_back(std::move(text));
        }
    return out;
}

std::vector<std::string> action_statements(const boot::Action& action) {
    std::vector<std::string> out;
    if (action.always_broadcast) out.push_back("always-broadcast on;");
    if (action.filename) out.push_back("filename " + quote(*action.filename, "filename") + ";");
    for (const auto& o : action.options)
        out.push_back("option " + option_name(o.code) + " " + quote(o.value, option_name(o.code)) + ";");
    return out;
}

std::vector<Branch> branches(const std::vector<boot::Rule>& rules, const std::vector<std::string>& classes) {
    std::vector<Branch> out;
    for (const auto& rule : rules) {
        const auto statements = action_statements(rule.action);
        for (const auto& c : conditions(rule.match, classes)) {
            out.push_back({c, statements});
            if (c.empty()) return out;  // everything after an unconditional rule is unreachable
        }
    }
    return out;
}

void write_chain(std::string& out, const std::vector<Branch>& chain, const std::string& indent) {
    if (chain.empty()) return;
    if (chain.front().condition.empty()) {
        for (const auto& s : chain.front().statements) out += indent + s + "\n";
        return;
    }
    for (std::size_t i = 0; i < chain.size(); ++i) {
        const Branch& b = chain[i];
        if (i == 0) out += indent + "if " + b.condition + " {\n";
        else if (b.condition.empty()) out += indent + "} else {\n";
        else out += indent + "} elsif " + b.condition + " {\n";
        for (const auto& s : b.statements) out += indent + "  " + s + "\n";
    }
    out += indent + "}\n";
}

std::string inline_chain(const std::vector<Branch>& chain) {
    std::string out;
    if (chain.empty()) return out;
    if (chain.front().condition.empty()) {
        for (const auto& s : chain.front().statements) out += (out.empty() ? "" : " ") + s;
        return out;
    }
    for (std::size_t i = 0; i < chain.size(); ++i) {
        const Branch& b = chain[i];
        if (i == 0) out += "if " + b.condition + " {";
        else if (b.condition.empty()) out += " } else {";
        else out += " } elsif " + b.condition + " {";
        for (const auto& s : b.statements) out += " " + s;
    }
    out += " }";
    return out;
}

}  // namespace xcatdhcp::render::isc::syntax
