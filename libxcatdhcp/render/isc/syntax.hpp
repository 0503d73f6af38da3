// ISC dhcpd lexical rules the renderer relies on (private to render/isc).
//
// dhcpd's lexer (common/conflex.c) reads a quoted string up to the next unescaped '"' and knows
// the escapes \t \r \n \b \xHH \ooo and "\c" for any other c. A name (host, zone, key) is read
// as dotted tokens of [A-Za-z0-9_-]; it cannot be quoted. Everything the renderer writes goes
// through the functions here, so no value from the intent can change the file's structure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xcatdhcp/boot/policy.hpp"
#include "xcatdhcp/net/address.hpp"

namespace xcatdhcp::render::isc::syntax {

// Longest string written (dhcpd's token buffer is 1500 bytes; DHCP options are far shorter).
inline constexpr std::size_t max_string = 1024;

// A double-quoted ISC string. Throws Error (naming `what`) when longer than max_string.
std::string quote(std::string_view value, std::string_view what);
// The same, appended to `out` (no temporary string).
void append_quote(std::string& out, std::string_view value, std::string_view what);

// True when `name` can be written bare where dhcpd expects a host name: dot-separated labels
// of [A-Za-z0-9_-], none starting with '-', at most 253 characters; with `trailing_dot`, one
// final '.' is allowed (zone names).
bool bare_name(std::string_view name, bool trailing_dot = false);

// `name` when bare_name(), else Error naming `what`.
std::string name_or_throw(std::string_view name, std::string_view what, bool trailing_dot = false);

// shared-network name: bare when possible, else quoted.
std::string shared_network_name(std::string_view name);

// Text safe inside a '#' comment: control characters and non-ASCII bytes become '?'.
std::string comment(std::string_view text);
void append_comment(std::string& out, std::string_view text);

// One of the HMAC algorithms dhcpd and omshell know (hmac-md5 ... hmac-sha512).
bool key_algorithm(std::string_view algorithm);

// Base64 (the key secret) or Error.
std::string base64_or_throw(std::string_view secret, std::string_view what);

// ISC option name for a boot option code, or Error.
std::string option_name(std::uint8_t code);
std::string_view option_name_view(std::uint8_t code);
std::optional<std::uint8_t> option_code(std::string_view name);

// The address, checked to be of `family`, else Error naming `what`.
std::string address(const net::IpAddress& address, net::Family family, std::string_view what);

// "00:07" (client-architecture as dhcpd compares it).
std::string architecture(std::uint16_t value);

// The ISC conditions for a match: one per alternative (a match on several architectures or
// user classes becomes several branches with the same action), each a plain conjunction of
// comparisons. Empty when the match can never be true (a second-stage test with no
// second-stage user class); {""} when it is always true. See conditions() in syntax.cpp for why
// there is never an `or`, a parenthesis or a `not` over a comparison.
std::vector<std::string> conditions(const boot::Match& match,
                                    const std::vector<std::string>& second_stage_user_classes);

// Statements of one action, each ending in ';' ("filename \"x\";", "always-broadcast on;" ...).
std::vector<std::string> action_statements(const boot::Action& action);

// An if/elsif/else chain, one branch per condition of each rule in order; unreachable rules
// after an unconditional one are dropped.
struct Branch {
    std::string condition;  // "" = unconditional
    std::vector<std::string> statements;
};
std::vector<Branch> branches(const std::vector<boot::Rule>& rules,
                             const std::vector<std::string>& second_stage_user_classes);
// Multi-line form: one line per statement, prefixed with `indent`.
void write_chain(std::string& out, const std::vector<Branch>& chain, const std::string& indent);
// One-line form (OMAPI statements).
std::string inline_chain(const std::vector<Branch>& chain);

}  // namespace xcatdhcp::render::isc::syntax
