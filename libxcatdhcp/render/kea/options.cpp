// DHCPv4 text options: Kea's names for the codes the boot policy sends, and the
// definitions Kea lacks.
#include "kea_internal.hpp"
#include "json_text.hpp"

#include <string_view>

namespace xcatdhcp::render::kea::detail {

namespace {

struct KnownOption {
    std::uint8_t code;
    std::string_view name;
    bool custom;  // not in Kea's standard DHCPv4 set: needs an option-def (type string)
};

// Checked against kea-dhcp4 -t of 2.2.0, 2.6.3 and 3.0.4: 101, 114 and 60 are standard there
// (114 is "v4-captive-portal"; ISC's "www-server" is option 72, a list of addresses).
constexpr KnownOption known_options[] = {
    {17, "root-path", false},
    {60, "vendor-class-identifier", false},
    {66, "tftp-server-name", false},
    {101, "tcode", false},
    {114, "v4-captive-portal", false},
    {203, "iscsi-initiator-iqn", true},
    {209, "conf-file", true},
    {node_name_option, "xcat-node-name", true},
    {239, "cumulus-provision-url", true},
};

const KnownOption* find(std::uint8_t code) {
    for (const auto& o : known_options)
        if (o.code == code) return &o;
    return nullptr;
}

// Kea splits csv option data at commas (and trims it); a string option keeps only the
// first piece. Escaped commas survive.
std::string csv_escape(const std::string& value) {
    std::string out;
    for (char c : value) {
        if (c == ',' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

std::string hex(const std::string& value) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : value) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

}  // namespace

Json OptionDefs::text_option(std::uint8_t code, const std::string& value, bool always_send) {
    Json entry;
    if (const KnownOption* known = find(code)) {
        entry["name"] = std::string(known->name);
        if (known->custom) used_.insert(code);
        entry["data"] = csv_escape(value);
    } else {
        // No definition known: send the bytes as they are.
        entry["code"] = code;
        entry["csv-format"] = false;
        entry["data"] = hex(value);
    }
    if (always_send) entry["always-send"] = true;
    return entry;
}

void OptionDefs::text_option_into(std::string& out, int indent, std::uint8_t code, const std::string& value,
                                  bool always_send) {
    const int k = indent + 2;
    out += "{\n";
    if (const KnownOption* known = find(code)) {
        text::string_member(out, k, "name", known->name);
        if (known->custom) used_.insert(code);
        out += ",\n";
        text::string_member(out, k, "data", csv_escape(value));
    } else {
        text::key(out, k, "code");
        text::unsigned_number(out, code);
        out += ",\n";
        text::key(out, k, "csv-format");
        out += "false,\n";
        text::string_member(out, k, "data", hex(value));
    }
    if (always_send) {
        out += ",\n";
        text::key(out, k, "always-send");
        out += "true";
    }
    out += '\n';
    text::indent(out, indent);
    out += '}';
}

void OptionDefs::use(std::uint8_t code) {
    if (const KnownOption* known = find(code); known && known->custom) used_.insert(code);
}

Json ipxe_option_defs() {
    return Json::array({Json::object({{"name", "ipxe-encap-opts"}, {"code", 175}, {"space", "dhcp4"},
                                      {"type", "empty"}, {"encapsulate", "ipxe"}}),
                        Json::object({{"name", "no-pxedhcp"}, {"code", 176}, {"space", "ipxe"}, {"type", "uint8"}})});
}

Json ipxe_option_data() {
    return Json::array({Json::object({{"name", "ipxe-encap-opts"}}),
                        Json::object({{"name", "no-pxedhcp"}, {"space", "ipxe"}, {"data", "1"}})});
}

Json OptionDefs::definitions() const {
    Json list = Json::array();
    for (auto code : used_) {
        const KnownOption* known = find(code);
        Json def;
        def["name"] = std::string(known->name);
        def["code"] = code;
        def["type"] = "string";
        def["space"] = "dhcp4";
        list.push_back(std::move(def));
    }
    return list;
}

}  // namespace xcatdhcp::render::kea::detail
