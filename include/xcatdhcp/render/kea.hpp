// The Kea renderer: intent + Kea profile -> kea-dhcp4.conf, kea-dhcp6.conf, kea-dhcp-ddns.conf,
// kea-ctrl-agent.conf (and the small secret/user files Kea 3.1+ wants). No I/O.
//
// The profile names the target Kea version and the platform's directories; every
// version-dependent spelling is chosen from KeaFeatures, never from a superset document,
// because every Kea version rejects keywords it does not know.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "xcatdhcp/boot/policy.hpp"
#include "xcatdhcp/error.hpp"
#include "xcatdhcp/intent/intent.hpp"
#include "xcatdhcp/inventory/inventory.hpp"
#include "xcatdhcp/render/files.hpp"
#include "xcatdhcp/version.hpp"

namespace xcatdhcp::render::kea {

// What one Kea version understands or demands. Each field names the release that changed it.
struct KeaFeatures {
    // only-in-additional-list / evaluate-additional-classes (2.7.4) instead of
    // only-if-required / require-client-classes. Never both in one scope.
    bool additional_class_keywords = false;
    // "control-sockets" list with unix and http entries (2.7.2) instead of "control-socket".
    bool control_sockets_list = false;
    // kea-ctrl-agent exists (removed in 3.1.8).
    bool control_agent = true;
    // Lease files, unix sockets, hooks and log files only in the compiled-in directories
    // (2.4.2, 2.6.3, 2.7.9 and every 3.x).
    bool path_restrictions = false;
    // Hook libraries may be given by bare file name (2.4.2, 2.6.3, 2.7.6+); older releases
    // need the absolute path.
    bool bare_hook_names = false;
    // 3.1.0+: clear-text TSIG secrets and basic-auth credentials are refused (secret-file,
    // user-file, password-file), and an http control socket needs authentication or TLS.
    bool secrets_in_files = false;
    // template-test classes (2.4).
    bool template_classes = false;
    // MySQL/PostgreSQL backends need libdhcp_mysql.so / libdhcp_pgsql.so loaded (2.7.4).
    bool database_hooks = false;

    static KeaFeatures of(const Version& version);
};

// REST access to Kea. Up to 3.1.7 it can be the Control Agent; from 2.7.2 each daemon can
// also serve HTTP itself (and from 3.1.8 that is the only way).
struct HttpControl {
    std::string address = "127.0.0.1";  // IPv4 or IPv6 literal (no brackets)
    std::uint16_t port = 8000;           // the Control Agent
    std::uint16_t dhcp4_port = 8004;     // the daemons' own sockets (ISC's example numbering)
    std::uint16_t dhcp6_port = 8006;
    std::uint16_t ddns_port = 8053;
    std::string user;           // basic auth user; empty = no authentication (refused by 3.1+)
    std::string password_file;  // absolute path of a file holding the password

    bool operator==(const HttpControl&) const = default;
};

struct KeaProfile {
    Version version;
    // Directories as the target's Kea was built (Debian/Ubuntu/EL packages use these).
    std::string conf_dir = "/etc/kea";
    std::string lease_dir = "/var/lib/kea";
    std::string socket_dir = "/run/kea";
    std::string log_dir = "/var/log/kea";  // "" = log to stdout
    std::string hooks_dir = "/usr/lib/x86_64-linux-gnu/kea/hooks";
    // Installed hook library file names ("libdhcp_lease_cmds.so", ...). Only these are loaded.
    std::vector<std::string> hooks;
    // The caller wants a REST API through the Control Agent. Where the target has none
    // (3.1.8+), the daemons' own HTTP sockets are rendered instead.
    bool control_agent = false;
    // The caller wants the daemons' own HTTP sockets (2.7.2+).
    bool daemon_http = false;
    HttpControl http;
    // Kea 3.1+ reads the TSIG secret from a file: its name inside conf_dir. The renderer
    // returns that file too. "" = "<key name>.tsig".
    std::string tsig_secret_file;

    KeaFeatures features() const { return KeaFeatures::of(version); }
    // True when kea-ctrl-agent.conf is rendered: wanted and present in this version.
    bool renders_control_agent() const;
    // True when the daemons get HTTP control sockets.
    bool renders_daemon_http() const;

    // Debian/Ubuntu layout and the hooks a stock build of that version ships
    // (lease_cmds always; host_cmds from 2.7.7, when ISC opened it).
    static KeaProfile for_version(const Version& version);
    // From `kea-dhcp4 -V` (first line "2.2.0", "3.0.4", ...). Throws Error if no version.
    static KeaProfile from_version_output(std::string_view kea_dhcp4_V_output);
    // for_version() of facts.backends["kea"], with facts.kea_hooks as the installed hooks when
    // the probe listed them, and /usr/lib64/kea/hooks on RPM distributions (EL, Fedora, SUSE).
    // Throws Error when the facts hold no Kea version.
    static KeaProfile for_server(const inventory::ServerFacts& facts);

    bool operator==(const KeaProfile&) const = default;
};

struct RenderOptions {
    std::string inventory_digest;  // hex digest of the inventory, computed by the caller
    // Which files to emit, each only where it applies (IPv6 subnets, DDNS on, CA wanted).
    bool dhcp4 = true;
    bool dhcp6 = true;
    bool ddns = true;
    bool control_agent = true;
};

// File names in the returned map.
inline constexpr std::string_view dhcp4_file = "kea-dhcp4.conf";
inline constexpr std::string_view dhcp6_file = "kea-dhcp6.conf";
inline constexpr std::string_view ddns_file = "kea-dhcp-ddns.conf";
inline constexpr std::string_view control_agent_file = "kea-ctrl-agent.conf";
inline constexpr std::string_view api_user_file = "kea-api-user";  // 3.1+ basic-auth user-file

// Renders the files. Findings that leave something out (a DDNS zone without a server, a boot
// file too long for the BOOTP field, a missing TSIG secret, ...) are appended to
// `diagnostics` when given; secrets never appear in them.
Files render(const intent::Intent& intent, const KeaProfile& profile, const Secrets& secrets,
             const RenderOptions& options, std::vector<Diagnostic>* diagnostics = nullptr);

// The URL a REST client uses for `service` ("dhcp4", "dhcp6", "d2"): the Control Agent, or
// the daemon's own socket. IPv6 hosts are bracketed. "" when the profile renders no REST API.
std::string control_url(const KeaProfile& profile, std::string_view service = "dhcp4");

// ---- class test builders (Kea expression syntax), exposed for tests and tools ----

// Kea literal for a byte string: 'text' when printable without quotes, else 0x<hex>.
std::string literal(std::string_view bytes);
// Option 77 carries one of the second-stage user classes, raw or RFC 3004 length-prefixed.
// "" when the list is empty (no second stage can be recognised).
std::string second_stage_test(const std::vector<std::string>& user_classes);
// The whole match as one expression; "" when it matches every packet.
std::string match_test(const boot::Match& match, const std::vector<std::string>& user_classes);

}  // namespace xcatdhcp::render::kea
