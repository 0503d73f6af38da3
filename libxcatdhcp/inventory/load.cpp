#include "xcatdhcp/inventory/load.hpp"

#include "file_text.hpp"

#include "xcatdhcp/error.hpp"

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace xcatdhcp::inventory {

using nlohmann::json;

const std::string& attribute(const Attributes& attributes, std::string_view name) {
    static const std::string empty;
    auto it = attributes.find(name);
    return it == attributes.end() ? empty : it->second;
}

namespace {

// ---- YAML -> json (every scalar as its text, so "0x0007" or "010" survive unchanged) ----

json yaml_to_json(const YAML::Node& node, const std::string& where) {
    switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return nullptr;
    case YAML::NodeType::Scalar: return node.Scalar();
    case YAML::NodeType::Sequence: {
        json out = json::array();
        for (const auto& item : node) out.push_back(yaml_to_json(item, where));
        return out;
    }
    case YAML::NodeType::Map: {
        json out = json::object();
        for (const auto& item : node) {
            if (!item.first.IsScalar())
                throw Error("mapping keys must be plain strings", where, "");
            std::string key = item.first.Scalar();
            if (out.contains(key)) throw Error("duplicate key", where, key);
            out[key] = yaml_to_json(item.second, where + "." + key);
        }
        return out;
    }
    }
    return nullptr;
}

// ---- typed reading with errors that name where the value sits ----

// A bounded rendering of a value for error messages.
std::string short_dump(const json& value) {
    std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
    if (text.size() > 200) text = text.substr(0, 200) + "...";
    return text;
}

std::string scalar_text(const json& value, const std::string& where, const std::string& key) {
    switch (value.type()) {
    case json::value_t::string: return value.get<std::string>();
    case json::value_t::null: return "";
    case json::value_t::boolean: return value.get<bool>() ? "true" : "false";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return value.dump();
    default:
        throw Error("must be a single value, not a " + std::string(value.type_name()), key,
                    short_dump(value), "").for_node(where);
    }
}

const json& require_object(const json& value, const std::string& what) {
    if (!value.is_object())
        throw Error("must be a mapping of name -> value, not a " + std::string(value.type_name()),
                    what, value.is_string() ? value.get<std::string>() : "");
    return value;
}

Attributes read_attributes(const json& object, const std::string& owner) {
    if (!object.is_object())
        throw Error("must be a mapping of attribute -> value, not a " +
                        std::string(object.type_name()),
                    "attributes", "", owner);
    Attributes attributes;
    for (const auto& [key, value] : object.items()) attributes[key] = scalar_text(value, owner, key);
    return attributes;
}

std::vector<std::string> read_string_list(const json& value, const std::string& what) {
    std::vector<std::string> out;
    if (value.is_null()) return out;
    if (value.is_string()) {  // a single name is a list of one
        out.push_back(value.get<std::string>());
        return out;
    }
    if (!value.is_array()) throw Error("must be a list of strings", what, short_dump(value));
    for (const auto& item : value) out.push_back(scalar_text(item, "server", what));
    return out;
}

std::optional<bool> read_bool(const json& value, const std::string& what) {
    if (value.is_null()) return std::nullopt;
    if (value.is_boolean()) return value.get<bool>();
    std::string text = scalar_text(value, "server", what);
    std::transform(text.begin(), text.end(), text.begin(), ::tolower);
    if (text == "1" || text == "true" || text == "yes" || text == "on") return true;
    if (text == "0" || text == "false" || text == "no" || text == "off") return false;
    throw Error("must be true or false", what, text);
}

Platform read_platform(const json& value) {
    Platform p;
    if (value.is_null()) return p;
    require_object(value, "server.platform");
    for (const auto& [key, item] : value.items()) {
        std::string text = scalar_text(item, "server", "platform." + key);
        if (key == "id") p.id = text;
        else if (key == "version") p.version = text;
        else if (key == "id_like") p.id_like = text;
        else if (key == "platform_id") p.platform_id = text;
        else throw Error("unknown platform field (known: id, version, id_like, platform_id)",
                         "server.platform", key);
    }
    return p;
}

}  // namespace

static ServerFacts server_facts_from_json(const json& value) {
    ServerFacts facts;
    if (value.is_null()) return facts;
    require_object(value, "server");
    for (const auto& [key, item] : value.items()) {
        if (key == "hostname") {
            facts.hostname = scalar_text(item, "server", key);
        } else if (key == "names") {
            facts.names = read_string_list(item, "server.names");
        } else if (key == "platform") {
            facts.platform = read_platform(item);
        } else if (key == "interfaces") {
            if (!item.is_array()) throw Error("must be a list", "server.interfaces", short_dump(item));
            for (const auto& entry : item) {
                require_object(entry, "server.interfaces[]");
                InterfaceFact fact;
                for (const auto& [k, v] : entry.items()) {
                    if (k == "name") fact.name = scalar_text(v, "server", "interfaces.name");
                    else if (k == "addresses") {
                        for (const auto& text : read_string_list(v, "server.interfaces.addresses")) {
                            auto address = net::HostAddress::parse(text);
                            if (!address)
                                throw Error("not an address/length", "server.interfaces.addresses",
                                            text);
                            fact.addresses.push_back(*address);
                        }
                    } else {
                        throw Error("unknown interface field (known: name, addresses)",
                                    "server.interfaces", k);
                    }
                }
                if (fact.name.empty())
                    throw Error("an interface needs a name", "server.interfaces", short_dump(entry));
                facts.interfaces.push_back(std::move(fact));
            }
        } else if (key == "routes") {
            if (!item.is_array()) throw Error("must be a list", "server.routes", short_dump(item));
            for (const auto& entry : item) {
                require_object(entry, "server.routes[]");
                RouteFact route;
                bool have_destination = false;
                for (const auto& [k, v] : entry.items()) {
                    std::string text = scalar_text(v, "server", "routes." + k);
                    if (k == "destination") {
                        route.destination = net::Prefix::parse_or_throw(
                            text == "default" ? "0.0.0.0/0" : text, "server.routes.destination");
                        have_destination = true;
                    } else if (k == "interface") {
                        route.interface = text;
                    } else if (k == "gateway") {
                        if (!text.empty())
                            route.gateway = net::IpAddress::parse_or_throw(text, "server.routes.gateway");
                    } else {
                        throw Error("unknown route field (known: destination, interface, gateway)",
                                    "server.routes", k);
                    }
                }
                if (!have_destination || route.interface.empty())
                    throw Error("a route needs destination and interface", "server.routes",
                                short_dump(entry));
                facts.routes.push_back(std::move(route));
            }
        } else if (key == "hosts") {
            require_object(item, "server.hosts");
            for (const auto& [name, addresses] : item.items()) {
                auto& list = facts.hosts[name];
                for (const auto& text : read_string_list(addresses, "server.hosts." + name))
                    list.push_back(net::IpAddress::parse_or_throw(text, "server.hosts." + name));
            }
        } else if (key == "backends") {
            require_object(item, "server.backends");
            for (const auto& [name, version] : item.items()) {
                if (name != "isc" && name != "kea")
                    throw Error("unknown backend (known: isc, kea)", "server.backends", name);
                facts.backends[name] = scalar_text(version, "server", "backends." + name);
            }
        } else if (key == "kea_hooks") {
            facts.kea_hooks = read_string_list(item, "server.kea_hooks");
        } else if (key == "tftp_files") {
            facts.tftp_files = read_string_list(item, "server.tftp_files");
            std::sort(facts.tftp_files.begin(), facts.tftp_files.end());
        } else if (key == "ip_forward") {
            facts.ip_forward = read_bool(item, "server.ip_forward");
        } else {
            throw Error("unknown server fact (known: hostname, names, platform, interfaces, routes, "
                        "hosts, backends, kea_hooks, tftp_files, ip_forward)",
                        "server", key);
        }
    }
    return facts;
}

namespace {

Inventory inventory_from_json(const json& root) {
    if (!root.is_object()) throw Error("an inventory must be a mapping", "inventory", "");
    Inventory inventory;
    for (const auto& [key, value] : root.items()) {
        if (key == "site") {
            inventory.site = read_attributes(value, "site");
        } else if (key == "networks" || key == "nodes" || key == "osimages") {
            auto& target = key == "networks" ? inventory.networks
                           : key == "nodes"  ? inventory.nodes
                                             : inventory.osimages;
            if (value.is_null()) continue;
            require_object(value, key);
            for (const auto& [name, attributes] : value.items()) {
                if (name.empty()) throw Error("object name must not be empty", key, "");
                target[name] = attributes.is_null() ? Attributes{} : read_attributes(attributes, name);
            }
        } else if (key == "server") {
            inventory.server = server_facts_from_json(value);
        } else {
            throw Error("unknown inventory section (known: site, networks, nodes, osimages, server)",
                        "inventory", key);
        }
    }
    return inventory;
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Nesting deeper than any inventory needs is refused before a recursive parser sees it.
void check_nesting(std::string_view text, const char* format) {
    constexpr int max_depth = 64;
    int depth = 0;
    bool in_string = false;
    char quote_char = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == quote_char) in_string = false;
            continue;
        }
        if (c == '"' || (c == '\'' && format[0] == 'Y')) {
            in_string = true;
            quote_char = c;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth)
                throw Error(std::string(format) + " nested deeper than " + std::to_string(max_depth) +
                                " levels at byte " + std::to_string(i),
                            "inventory", "");
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
}

json parse_json_text(std::string_view text) {
    check_nesting(text, "JSON");
    try {
        return json::parse(text);
    } catch (const json::parse_error& e) {
        throw Error(std::string("invalid JSON: ") + e.what(), "inventory", "");
    }
}

json parse_yaml_text(std::string_view text) {
    check_nesting(text, "YAML");
    try {
        return yaml_to_json(YAML::Load(std::string(text)), "inventory");
    } catch (const YAML::Exception& e) {
        throw Error(std::string("invalid YAML: ") + e.what(), "inventory", "");
    }
}

}  // namespace

Inventory load_path(const std::string& path);

Inventory parse_yaml(std::string_view text) { return inventory_from_json(parse_yaml_text(text)); }

Inventory parse_json(std::string_view text) { return inventory_from_json(parse_json_text(text)); }

ServerFacts parse_server_facts(std::string_view text) {
    json root = parse_yaml_text(text);  // YAML is a superset of JSON
    if (root.is_object() && root.contains("server") && root.size() == 1) root = root["server"];
    return server_facts_from_json(root);
}

void parse_stanzas(std::string_view text, Inventory& into) {
    std::string object;
    Attributes attributes;
    std::size_t object_line = 0;
    auto flush = [&]() {
        if (object.empty()) return;
        auto type_it = attributes.find("objtype");
        if (type_it == attributes.end())
            throw Error("stanza (line " + std::to_string(object_line) + ") has no objtype", "objtype",
                        "", object);
        std::string type = type_it->second;
        type.erase(0, type.find_first_not_of(" \t"));
        type.erase(type.find_last_not_of(" \t") + 1);
        attributes.erase(type_it);
        auto insert_once = [&](auto& map) {
            if (!map.emplace(object, std::move(attributes)).second)
                throw Error("object defined twice", "objtype", type, object);
        };
        if (type == "node") {
            insert_once(into.nodes);
        } else if (type == "network") {
            insert_once(into.networks);
        } else if (type == "site") {
            for (auto& [k, v] : attributes) into.site[k] = std::move(v);
        } else if (type == "osimage") {
            insert_once(into.osimages);
        } else {
            throw Error("unsupported objtype (supported: node, network, site, osimage)", "objtype",
                        type, object);
        }
        object.clear();
        attributes.clear();
    };
    std::size_t line_number = 0;
    while (!text.empty()) {
        auto newline = text.find('\n');
        std::string_view line = text.substr(0, newline);
        text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
        ++line_number;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        std::size_t indent = 0;
        while (indent < line.size() && (line[indent] == ' ' || line[indent] == '\t')) ++indent;
        std::string_view body = line.substr(indent);
        if (body.empty() || body.front() == '#') continue;
        if (indent == 0) {
            if (body.back() != ':' || body.size() < 2)
                throw Error("expected an object header 'NAME:' at line " +
                                std::to_string(line_number),
                            "stanza", std::string(body));
            flush();
            object = std::string(body.substr(0, body.size() - 1));
            object_line = line_number;
            continue;
        }
        if (object.empty())
            throw Error("attribute before any object header at line " + std::to_string(line_number),
                        "stanza", std::string(body));
        auto equals = body.find('=');
        if (equals == std::string_view::npos || equals == 0)
            throw Error("expected 'attribute=value' at line " + std::to_string(line_number),
                        "stanza", std::string(body), object);
        std::string key(body.substr(0, equals));
        while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
        attributes[key] = std::string(body.substr(equals + 1));  // values stay byte for byte
    }
    flush();
}

Inventory load_file(const std::string& path) {
    if (path.find('\0') != std::string::npos) throw Error("a path cannot hold a NUL byte", "path", path);
    try {
        return load_path(path);
    } catch (const std::filesystem::filesystem_error& e) {
        throw Error(std::string("cannot read: ") + e.code().message(), "path", path);
    }
}

Inventory load_path(const std::string& path) {
    namespace fs = std::filesystem;
    if (fs::is_directory(path)) {
        Inventory inventory;
        std::vector<fs::path> stanzas;
        for (const auto& entry : fs::directory_iterator(path))
            if (entry.path().extension() == ".stanza") stanzas.push_back(entry.path());
        std::sort(stanzas.begin(), stanzas.end());
        if (stanzas.empty()) throw Error("directory holds no *.stanza files", "path", path);
        for (const auto& file : stanzas) parse_stanzas(detail::read_text(file.string()), inventory);
        for (const char* facts : {"server.yaml", "server.yml", "server.json"}) {
            fs::path p = fs::path(path) / facts;
            if (fs::exists(p)) {
                inventory.server = parse_server_facts(detail::read_text(p.string()));
                break;
            }
        }
        return inventory;
    }
    std::string text = detail::read_text(path);
    if (ends_with(path, ".json")) return parse_json(text);
    if (ends_with(path, ".stanza")) {
        Inventory inventory;
        parse_stanzas(text, inventory);
        return inventory;
    }
    return parse_yaml(text);
}

namespace {
json facts_json(const ServerFacts& s) {
    json server = json::object();
    server["hostname"] = s.hostname;
    server["names"] = s.names;
    server["platform"] = {{"id", s.platform.id},
                          {"version", s.platform.version},
                          {"id_like", s.platform.id_like},
                          {"platform_id", s.platform.platform_id}};
    server["interfaces"] = json::array();
    for (const auto& i : s.interfaces) {
        json addresses = json::array();
        for (const auto& a : i.addresses) addresses.push_back(a.to_string());
        server["interfaces"].push_back({{"name", i.name}, {"addresses", addresses}});
    }
    server["routes"] = json::array();
    for (const auto& r : s.routes) {
        json route = {{"destination", r.destination.to_string()}, {"interface", r.interface}};
        if (r.gateway) route["gateway"] = r.gateway->to_string();
        server["routes"].push_back(route);
    }
    server["hosts"] = json::object();
    for (const auto& [name, addresses] : s.hosts) {
        json list = json::array();
        for (const auto& a : addresses) list.push_back(a.to_string());
        server["hosts"][name] = list;
    }
    server["backends"] = json(s.backends);
    server["kea_hooks"] = s.kea_hooks;
    server["tftp_files"] = s.tftp_files;
    if (s.ip_forward) server["ip_forward"] = *s.ip_forward;
    return server;
}
}  // namespace

std::string to_json(const ServerFacts& facts) {
    return facts_json(facts).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string to_json(const Inventory& inventory) {
    json root = json::object();
    root["site"] = json(inventory.site);
    root["networks"] = json::object();
    for (const auto& [name, attributes] : inventory.networks) root["networks"][name] = attributes;
    root["nodes"] = json::object();
    for (const auto& [name, attributes] : inventory.nodes) root["nodes"][name] = attributes;
    if (!inventory.osimages.empty()) {
        root["osimages"] = json::object();
        for (const auto& [name, attributes] : inventory.osimages) root["osimages"][name] = attributes;
    }
    root["server"] = facts_json(inventory.server);
    // Values are kept byte for byte; JSON text needs UTF-8, so bad bytes show as U+FFFD.
    return root.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace xcatdhcp::inventory
