// Which DHCP server renders and runs: site.dhcpbackend = auto | isc | kea.
#pragma once

#include <string>
#include <string_view>

#include "xcatdhcp/inventory/inventory.hpp"

namespace xcatdhcp {

enum class Backend { isc, kea };
enum class BackendSetting { automatic, isc, kea };

std::string_view to_string(Backend backend);
std::string_view to_string(BackendSetting setting);

// Trimmed, case-insensitive; empty means auto. Anything else throws an Error naming the value
// and the valid ones.
BackendSetting parse_backend_setting(std::string_view value);
// "isc" or "kea"; throws for anything else.
Backend parse_backend(std::string_view value);

struct PlatformDefault {
    Backend backend;
    std::string reason;  // e.g. "Rocky Linux 10 is EL 10 or newer, where ISC DHCP is not shipped"
};

// auto's rule: Kea on EL 10+ (RHEL, Rocky, Alma, CentOS Stream, Oracle) and Ubuntu 22.04+;
// ISC everywhere else (EL <= 9, Ubuntu <= 20.04, Debian, SLES, unknown).
PlatformDefault platform_default(const inventory::Platform& platform);

struct BackendChoice {
    Backend backend;
    BackendSetting setting;
    std::string reason;     // one sentence an administrator can act on
    bool fell_back = false; // auto's platform choice was not installed; the other one is used
};

// Applies site.dhcpbackend to the server facts (platform, installed backends).
// A forced backend that is not installed, or auto with neither installed, throws an Error.
BackendChoice select_backend(std::string_view site_value, const inventory::ServerFacts& server);
BackendChoice select_backend(const inventory::Inventory& inventory);

}  // namespace xcatdhcp
