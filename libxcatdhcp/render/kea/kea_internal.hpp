// Private to the Kea renderer: pieces shared by its source files.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "xcatdhcp/render/kea.hpp"

namespace xcatdhcp::render::kea::detail {

// Insertion-ordered JSON: keys appear in the order the renderer writes them.
using Json = nlohmann::ordered_json;

// ---- expressions (expressions.cpp) ----

// False when the match needs a second-stage user class and none is configured.
bool can_match(const boot::Match& match, const std::vector<std::string>& user_classes);
// Two matches might accept the same packet.
bool may_overlap(const boot::Match& a, const boot::Match& b);
// Conjunction of non-empty terms; a term holding a top-level "or" is parenthesised.
std::string all_of(const std::vector<std::string>& terms);
std::string any_of(const std::vector<std::string>& terms);
std::string member(const std::string& class_name);

// ---- options (options.cpp) ----

// Custom option definitions the output needs, by code, collected while rendering.
class OptionDefs {
public:
    // The option-data entry for a text option (boot options, tcode, ...).
    Json text_option(std::uint8_t code, const std::string& value, bool always_send);
    // The same entry appended as pretty-printed JSON text (as Json::dump(2) writes it): the
    // object's braces at `indent` spaces (the opening one not indented), its keys 2 deeper.
    void text_option_into(std::string& out, int indent, std::uint8_t code, const std::string& value,
                          bool always_send);
    // Notes a use of the option (as text_option does) without writing it.
    void use(std::uint8_t code);
    // The option-def list for what was used; empty when nothing custom was used.
    Json definitions() const;

private:
    std::set<std::uint8_t> used_;
};

// iPXE's encapsulated options (175) with no-pxedhcp (175.176) = 1, as xCAT's dhcpd.conf sends
// it: iPXE then skips its ProxyDHCP wait, about 2 s per iPXE DHCP (measured with real iPXE in
// tests/firmware). The definitions and the global option-data entries.
Json ipxe_option_defs();
Json ipxe_option_data();

// Option 224 (site-specific range): the node name for xNBA URLs when DDNS is on; see
// classes.cpp for why option 12 cannot carry it then.
inline constexpr std::uint8_t node_name_option = 224;

// ---- boot classes (classes.cpp) ----

// What one reservation gets from its boot plan.
struct NodeBoot {
    std::vector<std::string> client_classes;  // marker classes (test-less)
    std::optional<std::string> boot_file;     // fixed field of the reservation
    std::vector<boot::Option> options;        // reservation option-data
};

struct ClassPlan {
    Json classes = Json::array();                              // definition order
    std::map<std::uint32_t, std::vector<std::string>> additional;  // subnet id -> list
    std::unordered_map<const intent::Reservation*, NodeBoot> nodes;
};

// Turns the subnets' boot rules and the reservations' boot plans into client classes.
ClassPlan plan_classes(const intent::Intent& intent, const KeaFeatures& features,
                       OptionDefs& defs, std::vector<Diagnostic>& diagnostics);

// BOOTP's file field holds 128 bytes; Kea refuses longer names (127 + NUL).
inline constexpr std::size_t max_boot_file = 127;

}  // namespace xcatdhcp::render::kea::detail
