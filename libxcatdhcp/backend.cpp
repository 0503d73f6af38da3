#include "xcatdhcp/backend.hpp"

#include "xcatdhcp/error.hpp"
#include "xcatdhcp/version.hpp"

#include <algorithm>
#include <cctype>

namespace xcatdhcp {

std::string_view to_string(Backend backend) { return backend == Backend::isc ? "isc" : "kea"; }

std::string_view to_string(BackendSetting setting) {
    switch (setting) {
    case BackendSetting::automatic: return "auto";
    case BackendSetting::isc: return "isc";
    case BackendSetting::kea: return "kea";
    }
    return "auto";
}

namespace {

std::string lower_trimmed(std::string_view value) {
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front())))
        value.remove_prefix(1);
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())))
        value.remove_suffix(1);
    std::string out(value);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string_view server_name(Backend backend) {
    return backend == Backend::isc ? "ISC DHCP (dhcpd)" : "Kea (kea-dhcp4)";
}

Backend other(Backend backend) { return backend == Backend::isc ? Backend::kea : Backend::isc; }

bool is_enterprise_linux(const std::string& id) {
    static constexpr std::string_view ids[] = {"rhel",  "rhels",  "redhat", "rocky",
                                               "almalinux", "alma", "centos", "ol",
                                               "oracle", "ol-server"};
    return std::find(std::begin(ids), std::end(ids), id) != std::end(ids);
}

}  // namespace

BackendSetting parse_backend_setting(std::string_view value) {
    std::string v = lower_trimmed(value);
    if (v.empty() && value.empty()) return BackendSetting::automatic;
    if (v == "auto") return BackendSetting::automatic;
    if (v == "isc") return BackendSetting::isc;
    if (v == "kea") return BackendSetting::kea;
    throw Error("invalid value; valid values are auto, isc and kea", "site.dhcpbackend",
                std::string(value));
}

Backend parse_backend(std::string_view value) {
    std::string v = lower_trimmed(value);
    if (v == "isc") return Backend::isc;
    if (v == "kea") return Backend::kea;
    throw Error("invalid backend; valid backends are isc and kea", "backend", std::string(value));
}

PlatformDefault platform_default(const inventory::Platform& platform) {
    std::string id = lower_trimmed(platform.id);
    std::string label = platform.id.empty() ? "an unknown platform" : platform.id + " " + platform.version;
    auto version = Version::find_in(platform.version).value_or(
        Version::parse(platform.version).value_or(Version{}));

    // PLATFORM_ID=platform:elN is the most direct EL marker (also covers rebuilds we do not list).
    std::string platform_id = lower_trimmed(platform.platform_id);
    if (platform_id.rfind("platform:el", 0) == 0) {
        if (auto el = Version::parse(platform_id.substr(11)); el && el->major >= 10)
            return {Backend::kea, label + " is EL " + std::to_string(el->major) +
                                      ", where ISC DHCP is no longer shipped"};
    }
    if (is_enterprise_linux(id)) {
        if (version.major >= 10)
            return {Backend::kea, label + " is EL 10 or newer, where ISC DHCP is no longer shipped"};
        return {Backend::isc, label + " is EL 9 or older, where ISC DHCP is the supported server"};
    }
    if (id == "ubuntu") {
        if (version >= Version{22, 4, 0})
            return {Backend::kea, label + " is Ubuntu 22.04 or newer, where ISC DHCP is end-of-life "
                                          "and OMAPI host updates are unreliable"};
        return {Backend::isc, label + " is Ubuntu 20.04 or older, where ISC DHCP is the default"};
    }
    return {Backend::isc, label + " keeps ISC DHCP as the default"};
}

BackendChoice select_backend(std::string_view site_value, const inventory::ServerFacts& server) {
    BackendSetting setting = parse_backend_setting(site_value);
    auto installed = [&](Backend b) { return server.backends.count(std::string(to_string(b))) > 0; };

    if (setting != BackendSetting::automatic) {
        Backend forced = setting == BackendSetting::isc ? Backend::isc : Backend::kea;
        if (!installed(forced))
            throw Error(std::string("site.dhcpbackend forces ") + std::string(to_string(forced)) +
                            " but " + std::string(server_name(forced)) +
                            " is not installed on this server; install it or set "
                            "site.dhcpbackend=auto",
                        "site.dhcpbackend", std::string(site_value));
        return {forced, setting, "site.dhcpbackend=" + std::string(to_string(forced)) + " forces it", false};
    }

    PlatformDefault preferred = platform_default(server.platform);
    if (installed(preferred.backend))
        return {preferred.backend, setting, "auto: " + preferred.reason, false};
    Backend fallback = other(preferred.backend);
    if (installed(fallback))
        return {fallback, setting,
                "auto: " + preferred.reason + ", but " +
                    std::string(server_name(preferred.backend)) + " is not installed and " +
                    std::string(server_name(fallback)) + " is, so " +
                    std::string(to_string(fallback)) + " is used",
                true};
    throw Error("neither ISC DHCP (dhcpd) nor Kea (kea-dhcp4) is installed on this server; auto "
                "would choose " + std::string(to_string(preferred.backend)) + " because " +
                    preferred.reason,
                "site.dhcpbackend", std::string(site_value));
}

BackendChoice select_backend(const inventory::Inventory& inventory) {
    return select_backend(inventory::attribute(inventory.site, "dhcpbackend"), inventory.server);
}

}  // namespace xcatdhcp
