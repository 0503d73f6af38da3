// Inventory loaders: YAML, JSON and xCAT stanza files (lsdef -z output).
#pragma once

#include <string>
#include <string_view>

#include "xcatdhcp/inventory/inventory.hpp"

namespace xcatdhcp::inventory {

// Parse text; errors throw xcatdhcp::Error naming the object, attribute and value.
Inventory parse_yaml(std::string_view text);
Inventory parse_json(std::string_view text);
// Stanza text as printed by `lsdef -z`, `lsdef -t network -z`, `lsdef -t site -z`:
// objtype decides the section. Objects are merged into `into`.
void parse_stanzas(std::string_view text, Inventory& into);
// Server facts alone (the `server:` section of the YAML form), from YAML or JSON text.
ServerFacts parse_server_facts(std::string_view text);

// Load from a path: *.yaml/*.yml, *.json, *.stanza, or a directory holding *.stanza files
// plus an optional server.yaml / server.json with the server facts.
Inventory load_file(const std::string& path);

// The inventory as JSON (sorted keys, 2-space indent), the shape parse_json() reads.
std::string to_json(const Inventory& inventory);
// Server facts alone, in the shape parse_server_facts() reads.
std::string to_json(const ServerFacts& facts);

}  // namespace xcatdhcp::inventory
