// Kea versions: what each one understands, and the platform defaults.
#include "kea_internal.hpp"

namespace xcatdhcp::render::kea {

namespace {

Version v(int major, int minor, int patch) { return Version{major, minor, patch}; }

// The CVE-2025-32801/-32803 hardening came with 2.4.2, 2.6.3 and 2.7.9; the bare-name hook
// lookup it relies on with 2.4.2, 2.6.3 and 2.7.6. 2.5.x was a development series without it.
bool in_branch_from(const Version& version, int major, int minor, int patch) {
    return version.major == major && version.minor == minor && version.patch >= patch;
}

}  // namespace

KeaFeatures KeaFeatures::of(const Version& version) {
    KeaFeatures f;
    f.additional_class_keywords = version >= v(2, 7, 4);
    f.control_sockets_list = version >= v(2, 7, 2);
    f.control_agent = version < v(3, 1, 8);
    f.path_restrictions = version >= v(2, 7, 9) || in_branch_from(version, 2, 6, 3) ||
                          in_branch_from(version, 2, 4, 2);
    f.bare_hook_names = version >= v(2, 7, 6) || in_branch_from(version, 2, 6, 3) ||
                        in_branch_from(version, 2, 4, 2);
    f.secrets_in_files = version >= v(3, 1, 0);
    f.template_classes = version >= v(2, 4, 0);
    f.database_hooks = version >= v(2, 7, 4);
    return f;
}

bool KeaProfile::renders_control_agent() const { return control_agent && features().control_agent; }

bool KeaProfile::renders_daemon_http() const {
    // A wanted Control Agent that this version no longer has becomes the daemons' own sockets.
    return features().control_sockets_list &&
           (daemon_http || (control_agent && !features().control_agent));
}

KeaProfile KeaProfile::for_version(const Version& version) {
    KeaProfile p;
    p.version = version;
    p.hooks = {"libdhcp_lease_cmds.so"};
    if (version >= v(2, 7, 7)) p.hooks.push_back("libdhcp_host_cmds.so");  // open source since
    return p;
}

KeaProfile KeaProfile::from_version_output(std::string_view output) {
    // `kea-dhcp4 -V` prints the version alone on its first line ("2.2.0", "3.0.4").
    std::string_view first = output.substr(0, output.find('\n'));
    auto version = Version::find_in(first);
    if (!version) version = Version::find_in(output);
    if (!version) {
        std::string shown(first.substr(0, 80));
        throw Error("no Kea version in the kea-dhcp4 -V output", "kea-dhcp4 -V", shown);
    }
    return for_version(*version);
}

KeaProfile KeaProfile::for_server(const inventory::ServerFacts& facts) {
    auto it = facts.backends.find("kea");
    std::optional<Version> version;
    if (it != facts.backends.end()) version = Version::find_in(it->second);
    if (!version)
        throw Error("the Kea version of this server is unknown; give it (e.g. --kea-version 2.2.0) or "
                    "probe the server",
                    "backends.kea", it == facts.backends.end() ? "" : it->second);
    KeaProfile p = for_version(*version);
    if (!facts.kea_hooks.empty()) p.hooks = facts.kea_hooks;
    // RPM distributions install hooks under %{_libdir}; Debian and Ubuntu use the multiarch
    // directory (the default).
    const std::string family = facts.platform.id + " " + facts.platform.id_like;
    for (const char* rpm : {"rhel", "fedora", "centos", "rocky", "almalinux", "ol", "suse", "sles"})
        if ((" " + family + " ").find(std::string(" ") + rpm + " ") != std::string::npos)
            p.hooks_dir = "/usr/lib64/kea/hooks";
    return p;
}

std::string control_url(const KeaProfile& profile, std::string_view service) {
    const auto& http = profile.http;
    std::uint16_t port = 0;
    if (profile.renders_control_agent()) {
        port = http.port;
    } else if (profile.renders_daemon_http()) {
        if (service == "dhcp4") port = http.dhcp4_port;
        else if (service == "dhcp6") port = http.dhcp6_port;
        else if (service == "d2") port = http.ddns_port;
    }
    if (port == 0) return "";
    const bool v6 = http.address.find(':') != std::string::npos;
    return "http://" + (v6 ? "[" + http.address + "]" : http.address) + ":" + std::to_string(port) + "/";
}

}  // namespace xcatdhcp::render::kea
