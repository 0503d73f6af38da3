// Boot policy as data: rules "match -> action", defined once and rendered per backend.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace xcatdhcp::boot {

// RFC 4578 / IANA client system architecture types (DHCP option 93).
namespace arch {
inline constexpr std::uint16_t x86_bios = 0x0000;
inline constexpr std::uint16_t ia64_efi = 0x0002;
inline constexpr std::uint16_t x64_uefi = 0x0007;
inline constexpr std::uint16_t x64_uefi_alt = 0x0009;  // reported by some x64 firmware (EBC id)
inline constexpr std::uint16_t arm64_uefi = 0x000b;
inline constexpr std::uint16_t ppc_open_firmware = 0x000c;
inline constexpr std::uint16_t power_opal = 0x000e;
inline constexpr std::uint16_t x64_uefi_http = 0x0010;
inline constexpr std::uint16_t arm64_uefi_http = 0x0013;
}  // namespace arch

// DHCP option codes the boot policy sends.
namespace option {
inline constexpr std::uint8_t root_path = 17;
inline constexpr std::uint8_t vendor_class = 60;
inline constexpr std::uint8_t tftp_server_name = 66;
inline constexpr std::uint8_t onie_installer_url = 114;  // ISC name "www-server" (code 114, text)
inline constexpr std::uint8_t iscsi_initiator_iqn = 203;
inline constexpr std::uint8_t pxelinux_conf_file = 209;  // petitboot / OPAL
inline constexpr std::uint8_t cumulus_provision_url = 239;
}  // namespace option

// Which loader stage a packet comes from. A second-stage loader (xNBA, iPXE) announces itself
// with a user class (option 77) from BootPolicy::second_stage_user_classes.
enum class Stage { any, first, second };

struct Match {
    std::vector<std::uint16_t> architectures;  // any of these (option 93); empty = any
    bool no_architecture = false;              // option 93 absent (legacy OpenFirmware, plain clients)
    Stage stage = Stage::any;
    std::string vendor_class_prefix;           // option 60 starts with this; empty = any

    bool matches_everything() const {
        return architectures.empty() && !no_architecture && stage == Stage::any &&
               vendor_class_prefix.empty();
    }
    bool operator==(const Match&) const = default;
};

struct Option {
    std::uint8_t code = 0;
    std::string value;  // text form; every boot option the policy sends is a string

    bool operator==(const Option&) const = default;
};

struct Action {
    // nullopt: leave the boot file as it is; "": explicitly no boot file (the client boots locally).
    std::optional<std::string> filename;
    bool always_broadcast = false;  // some BIOS PXE ROMs only hear broadcast replies
    std::vector<Option> options;

    bool operator==(const Action&) const = default;
};

struct Rule {
    std::string name;  // stable identifier, e.g. "xnba-bios", used for class names
    Match match;
    Action action;

    bool operator==(const Rule&) const = default;
};

// Per-node boot plan. Node rules are evaluated before the subnet's rules; the first matching
// rule wins; `options` are sent whatever rule matches.
struct BootPlan {
    enum class Kind {
        subnet_default,  // no node-specific boot behaviour: the subnet's rules decide
        xnba_node,       // the standard xNBA chain: first stage as the subnet, second stage the
                         // node's own script (xnba/nodes/<node>[.uefi]); see xnba_node_url()
        custom,          // anything else: `rules` say it all
    };

    Kind kind = Kind::subnet_default;
    std::string netboot;  // noderes.netboot as given
    std::vector<Rule> rules;
    std::vector<Option> options;
    bool operator==(const BootPlan&) const = default;
};

}  // namespace xcatdhcp::boot
