// Shared pieces of the CLI commands: inventory loading, options, files.
#pragma once

#include "args.hpp"

#include "xcatdhcp/backend.hpp"
#include "xcatdhcp/intent/build.hpp"
#include "xcatdhcp/inventory/inventory.hpp"
#include "xcatdhcp/render/files.hpp"

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
