#include "common.hpp"

#include "xcatdhcp/apply/process.hpp"
#include "xcatdhcp/control/kea_client.hpp"
#include "xcatdhcp/host/facts.hpp"
#include "xcatdhcp/inventory/digest.hpp"
#include "xcatdhcp/inventory/load.hpp"
#include "xcatdhcp/live/isc_reservations.hpp"
#include "xcatdhcp/render/isc.hpp"
#include "xcatdhcp/render/kea.hpp"
#include "xcatdhcp/render/secrets.hpp"
#include "xcatdhcp/version.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

namespace xcatdhcp::cli {

const std::set<std::string> inventory_options = {"-i", "--inventory", "--tftpdir"};
const std::set<std::string> inventory_flags = {"--probe-facts"};
const std::set<std::string> render_options = {"--backend", "-b", "--key-file", "--kea-version", "--user-class"};
const std::set<std::string> render_flags = {"--static-hosts"};

std::set<std::string> with(std::set<std::string> base, std::initializer_list<std::string> more) {
    base.insert(more.begin(), more.end());
    return base;
}

inventory::ServerFacts probe_facts(const Args& args, const inventory::Inventory* inventory) {
    host::ProbeOptions options;
    std::string tftpdir = inventory ? inventory::attribute(inventory->site, "tftpdir") : "";
    options.tftpdir = args.value("--tftpdir", "", tftpdir.empty() ? "/tftpboot" : tftpdir);
    apply::SystemRunner runner;
    return host::probe_server_facts(runner, options);
}

// Loads -i INVENTORY; --probe-facts replaces its server facts with this host's own.
inventory::Inventory load(const Args& args) {
    std::string path = args.value("--inventory", "-i");
    if (path.empty()) throw Error("missing -i INVENTORY", "option", "-i");
    auto inventory = inventory::load_file(path);
    if (args.flag("--probe-facts")) inventory.server = probe_facts(args, &inventory);
    return inventory;
}

intent::BuildOptions build_options(const Args& args) {
    intent::BuildOptions options;
    if (auto classes = args.values("--user-class"); !classes.empty())
        options.second_stage_user_classes = classes;
    return options;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot read file", "path", path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

render::Secrets read_secrets(const Args& args) {
    render::Secrets secrets;
    std::string path = args.value("--key-file");
    if (!path.empty()) secrets.omapi_secret = render::parse_key_text(read_file(path)).secret;
    return secrets;
}

void write_files(const std::string& dir, const render::Files& files, std::ostream& out) {
    std::filesystem::create_directories(dir);
    for (const auto& [name, content] : files) {
        std::string path = (std::filesystem::path(dir) / name).string();
        std::ofstream file(path, std::ios::binary | std::ios::trunc);
        if (!file || !(file << content)) throw Error("cannot write file", "path", path);
        out << "wrote " << path << "\n";
    }
}

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20) {
            static const char* hex = "0123456789abcdef";
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

const std::set<std::string> endpoint_options = {"--socket", "-s",      "--url",   "-u",
                                                "--user",   "--password-file",    "--service",
                                                "--ca-file", "--cert", "--key",   "--timeout"};
const std::set<std::string> endpoint_flags = {"--insecure", "--help", "-h"};


const char* const endpoint_help =
    "  --socket PATH          the daemon's UNIX control socket, or\n"
    "  --url URL              its HTTP(S) control socket (Kea 2.7.2+), e.g. http://127.0.0.1:8004/\n"
    "                         (IPv6 hosts in brackets: http://[fd00::1]:8004/)\n"
    "  --service dhcp4|dhcp6  the URL is a Control Agent (Kea <= 3.1.7) forwarding to this service\n"
    "  --user U --password-file F   HTTP basic auth (the file holds the password only)\n"
    "  --ca-file F --cert F --key F --insecure   HTTPS: trust anchor, client certificate, no checks\n"
    "  --timeout SECONDS      the whole exchange (default 60)\n";

control::Endpoint endpoint_from(const Args& args) {
    control::EndpointSettings settings;
    settings.socket = args.value("--socket", "-s");
    settings.url = args.value("--url", "-u");
    settings.service = args.value("--service");
    settings.user = args.value("--user");
    settings.password_file = args.value("--password-file");
    settings.ca_file = args.value("--ca-file");
    settings.cert_file = args.value("--cert");
    settings.key_file = args.value("--key");
    settings.insecure = args.flag("--insecure");
    settings.timeout_seconds = args.value("--timeout");
    return control::make_endpoint(settings);
}

const std::set<std::string> omapi_options = {"--key-file", "--key-name", "--algorithm", "--server", "--port",
                                             "--family",   "--timeout",  "--connections", "--by-ip"};

const char* const omapi_help =
    "  --key-file FILE     the key as in /etc/xcat/ddns.key (name, algorithm, secret)\n"
    "  --key-name NAME     overrides the file's (or the inventory's site.dhcpomapikeyname)\n"
    "  --algorithm ALG     hmac-md5 (default), hmac-sha1, -sha224, -sha256, -sha384, -sha512\n"
    "  --server HOST       default 127.0.0.1\n"
    "  --port PORT         default 7911 (7912 with --family 6)\n"
    "  --family 4|6        which host objects (default 4)\n"
    "  --connections N     parallel connections for batches (default 8)\n"
    "  --by-ip pools|always|never\n"
    "                      add/del: when to remove the object dhcpd finds through the lease of the\n"
    "                      host's address. pools (default): only for addresses inside a dynamic range\n"
    "                      of the inventory (dhcpd has leases only there); always: as xCAT does\n";

int parse_int(const std::string& text, const std::string& option, long lo, long hi) {
    try {
        std::size_t used = 0;
        long v = std::stol(text, &used, 0);
        if (used == text.size() && v >= lo && v <= hi) return static_cast<int>(v);
    } catch (const std::exception&) {
    }
    throw Error("not a number in range " + std::to_string(lo) + ".." + std::to_string(hi), "option " + option, text);
}

OmapiSession omapi_session(const Args& args, const intent::Intent* intent, int timeout_unit_ms) {
    OmapiSession s;
    auto& o = s.options;
    std::string key_name, algorithm;
    if (intent) {
        key_name = intent->omapi_key.name;
        algorithm = intent->omapi_key.algorithm;
    }
    if (auto file = args.value("--key-file"); !file.empty()) {
        auto key = render::parse_key_text(read_file(file));
        o.secret = key.secret;
        if (key_name.empty()) key_name = key.name;
        if (algorithm.empty()) algorithm = key.algorithm;
    }
    if (auto v = args.value("--key-name"); !v.empty()) key_name = v;
    if (auto v = args.value("--algorithm"); !v.empty()) algorithm = v;
    o.key_name = key_name;
    o.algorithm = algorithm.empty() ? "hmac-md5" : algorithm;
    if (!o.key_name.empty() && o.secret.empty())
        throw Error("--key-file is needed for the OMAPI secret", "option", "--key-file");
    if (auto v = args.value("--server"); !v.empty()) o.server = v;
    if (auto v = args.value("--family"); !v.empty())
        o.family = parse_int(v, "--family", 4, 6) == 6 ? net::Family::v6 : net::Family::v4;
    if (auto v = args.value("--port"); !v.empty()) o.port = static_cast<std::uint16_t>(parse_int(v, "--port", 1, 65535));
    if (auto v = args.value("--timeout"); !v.empty()) {
        auto ms = std::chrono::milliseconds(
            static_cast<long long>(parse_int(v, "--timeout", 1, 3600000 / timeout_unit_ms)) * timeout_unit_ms);
        o.connect_timeout = ms;
        o.io_timeout = ms;
    }
    if (auto v = args.value("--connections"); !v.empty())
        o.connections = static_cast<std::size_t>(parse_int(v, "--connections", 1, 64));
    s.batch = live::batch_options(args.value("--by-ip", "", "pools"), intent, "option --by-ip");
    return s;
}

render::kea::KeaProfile kea_profile(const Args& args, const inventory::Inventory& inventory) {
    // The target Kea: --kea-version, else the one the server facts say is installed.
    std::string version = args.value("--kea-version");
    if (version.empty()) return render::kea::KeaProfile::for_server(inventory.server);
    auto parsed = Version::parse(version);
    if (!parsed) throw Error("not a Kea version (X.Y.Z)", "--kea-version", version);
    return render::kea::KeaProfile::for_version(*parsed);
}

Rendered render_inventory(const Args& args, std::ostream& err) {
    auto inventory = load(args);
    std::string backend_name = args.value("--backend", "-b");
    Backend backend = backend_name.empty() ? select_backend(inventory).backend : parse_backend(backend_name);
    auto result = intent::build(inventory, build_options(args));
    for (const auto& d : result.diagnostics)
        if (d.severity != Severity::info) err << format(d) << "\n";
    auto secrets = read_secrets(args);
    std::string digest = inventory::digest(inventory);
    render::Files files;
    if (backend == Backend::isc) {
        auto profile = render::isc::IscProfile::for_server(inventory.server);
        if (args.flag("--static-hosts")) profile.static_hosts = true;
        render::isc::RenderOptions options;
        options.inventory_digest = digest;
        files = render::isc::render(result.intent, profile, secrets, options);
    } else {
        auto profile = kea_profile(args, inventory);
        render::kea::RenderOptions options;
        options.inventory_digest = digest;
        std::vector<Diagnostic> findings;
        files = render::kea::render(result.intent, profile, secrets, options, &findings);
        for (const auto& d : findings) err << format(d) << "\n";
    }
    return {backend, std::move(files), std::move(result.intent)};
}

}  // namespace xcatdhcp::cli
