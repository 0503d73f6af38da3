// Shared pieces of the CLI commands: inventory loading, options, files.
#pragma once

#include "args.hpp"

#include "xcatdhcp/backend.hpp"
#include "xcatdhcp/control/kea_client.hpp"
#include "xcatdhcp/control/omapi.hpp"
#include "xcatdhcp/intent/build.hpp"
#include "xcatdhcp/inventory/inventory.hpp"
#include "xcatdhcp/net/range.hpp"
#include "xcatdhcp/render/files.hpp"
#include "xcatdhcp/render/kea.hpp"

#include <iosfwd>
#include <set>
#include <string>
#include <vector>

namespace xcatdhcp::cli {

// Options every command that reads an inventory accepts.
extern const std::set<std::string> inventory_options;
extern const std::set<std::string> inventory_flags;
std::set<std::string> with(std::set<std::string> base, std::initializer_list<std::string> more);

inventory::ServerFacts probe_facts(const Args& args, const inventory::Inventory* inventory);
// Loads -i INVENTORY; --probe-facts replaces its server facts with this host's own.
inventory::Inventory load(const Args& args);
intent::BuildOptions build_options(const Args& args);

std::string read_file(const std::string& path);
render::Secrets read_secrets(const Args& args);
void write_files(const std::string& dir, const render::Files& files, std::ostream& out);
std::string json_string(const std::string& s);

// Where a Kea control command goes: --socket PATH, or --url URL (--service S for a Control
// Agent) with --user/--password-file, TLS files and --timeout.
extern const std::set<std::string> endpoint_options;
extern const std::set<std::string> endpoint_flags;
extern const char* const endpoint_help;
control::Endpoint endpoint_from(const Args& args);

// An integer option value in [lo, hi] (decimal, 0x hex or 0 octal); Error naming the option.
int parse_int(const std::string& text, const std::string& option, long lo, long hi);

// A session with dhcpd's OMAPI port (`omapi`, `reservations --backend isc`): --key-file (the
// key as in /etc/xcat/ddns.key), --key-name, --algorithm, --server, --port, --family,
// --timeout, --connections, and --by-ip for the batch removals.
extern const std::set<std::string> omapi_options;
extern const char* const omapi_help;
struct OmapiSession {
    control::omapi::ClientOptions options;
    control::omapi::BatchOptions batch;
};
// `intent` (from -i, when given) supplies the key name and algorithm (site.dhcpomapikeyname,
// site.dhcpomapialgorithm) and the pools; --timeout is read in units of `timeout_unit_ms`
// (1: milliseconds as `omapi` takes it; 1000: seconds, as the Kea commands take it).
OmapiSession omapi_session(const Args& args, const intent::Intent* intent, int timeout_unit_ms);

// The Kea profile a render targets: --kea-version, else the version in the server facts.
render::kea::KeaProfile kea_profile(const Args& args, const inventory::Inventory& inventory);

// Options of the render step, shared by `render` and `apply`.
extern const std::set<std::string> render_options;
extern const std::set<std::string> render_flags;

struct Rendered {
    Backend backend;
    render::Files files;
    intent::Intent intent;
};
// inventory -> intent -> files for the chosen backend; diagnostics (not info) go to err.
Rendered render_inventory(const Args& args, std::ostream& err);

}  // namespace xcatdhcp::cli
