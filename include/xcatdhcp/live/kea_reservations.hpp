// Live reservations for Kea (xCAT's `makedhcp NODE`, `makedhcp -d NODE`, `makedhcp -q NODE`):
// change one node's reservations in the configuration file on disk AND in the running server,
// without a restart, so that file and memory always hold the same reservation objects (a later
// config-reload or `makedhcp -n` neither drops nor resurrects them: the Perl peer's #7703/#7708).
//
//   add:    the node's reservations of the rendered kea-dhcp4.conf (the desired state) replace
//           its reservations in the file on disk (spliced into the matching subnets; everything
//           else in the file is kept), the new document is checked by the server (config-test),
//           written atomically, then the server gets it: with host_cmds, reservation-del +
//           reservation-add (operation-target memory) per reservation; without, config-set of
//           the whole new document. Leases in the way (another client on the reserved address,
//           this MAC on another address of that subnet) are removed with lease4-del.
//   remove: the node's reservations leave the file (same checks and write), then the server:
//           reservation-del (memory) or config-set; the node's leases on its former reserved
//           addresses are removed so it falls back to the pool at once.
//   query:  reservations (reservation-get-by-hostname with host_cmds, else the running config
//           from config-get) and leases (lease4-get-by-hw-address).
// Every node gets its own outcome: a bad node never stops the others.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "xcatdhcp/control/kea_client.hpp"
#include "xcatdhcp/intent/intent.hpp"
#include "xcatdhcp/live/report.hpp"  // Report, NodeResult, NodeQuery, to_json, select_for_add
#include "xcatdhcp/render/kea.hpp"

namespace xcatdhcp::live {

// One reservation object of a Kea DHCPv4 document, with the subnet it sits in.
struct PlacedReservation {
    std::string node;          // its "hostname" (xCAT renders the node name there)
    std::string subnet;        // "192.168.64.0/24"
    std::uint32_t subnet_id = 0;
    std::string json;          // the reservation object exactly as in the document (compact JSON)
};

// Reservations of `nodes` in a kea-dhcp4.conf text (// and /* */ comments allowed), from
// Dhcp4.subnet4[] and Dhcp4.shared-networks[].subnet4[]. Throws Error when the text is not a
// Dhcp4 document.
std::vector<PlacedReservation> reservations_of(std::string_view dhcp4_config,
                                               const std::set<std::string>& nodes);

struct Splice {
    std::string document;                   // the new file content
    std::vector<PlacedReservation> removed; // taken out of the on-disk document (old subnet ids)
    std::vector<PlacedReservation> added;   // put in (subnet ids of the on-disk document)
    // Nodes whose desired reservation lies in a subnet the on-disk document does not have
    // (render and apply the whole configuration first: `makedhcp -n`).
    std::set<std::string> missing_subnet;
};

// The on-disk document with every reservation of `nodes` removed and, when `desired` is not
// empty, their reservations from `desired` added to the subnets with the same prefix. Leading
// comment lines of `on_disk` are kept. Throws Error when either text is not a Dhcp4 document.
Splice splice(std::string_view on_disk, std::string_view desired, const std::set<std::string>& nodes);

// Addresses whose leases must go so a client with `mac` gets `reserved` in `subnet_id` at once:
// the lease on `reserved` when another client holds it, and this MAC's leases on other
// addresses of that subnet. MACs compare case-insensitively.
std::vector<std::string> conflicting_leases(std::string_view mac, std::string_view reserved,
                                            std::uint32_t subnet_id,
                                            const std::optional<control::Lease4>& lease_on_reserved,
                                            const std::vector<control::Lease4>& leases_of_mac);

// The desired state KeaReservations::add takes: the intent's kea-dhcp4.conf for `profile`
// (DHCPv4 only: no DHCPv6, D2 or Control Agent file). `inventory_digest` goes into its header.
// With `nodes`, only those nodes' reservations are rendered (every subnet and class still is):
// all add takes from it, and at 50,000 nodes parsing the whole render cost more than the change.
// Throws Error when the render yields no kea-dhcp4.conf (no IPv4 subnet).
std::string desired_dhcp4(const intent::Intent& intent, const render::kea::KeaProfile& profile,
                          const render::Secrets& secrets, std::string_view inventory_digest,
                          const std::vector<std::string>& nodes = {});

// ---------------------------------------------------------------- the live layer

struct Options {
    bool remove_conflicting_leases = true;
    // Force the config-set path even when host_cmds is loaded.
    bool force_config_set = false;
};

class KeaReservations {
public:
    // `config_path`: the file the server was started with (-c), as this process sees it.
    KeaReservations(control::KeaClient& client, std::string config_path, Options options = {});

    // `desired_dhcp4`: the rendered kea-dhcp4.conf for the current inventory.
    Report add(const intent::Intent& intent, std::string_view desired_dhcp4,
               const std::vector<std::string>& nodes);
    // `intent` only tells unknown names from known ones (a node already gone from the
    // inventory can still be removed when the file has it).
    Report remove(const intent::Intent& intent, const std::vector<std::string>& nodes);
    std::vector<NodeQuery> query(const intent::Intent& intent, const std::vector<std::string>& nodes);

private:
    Report add_nodes(const intent::Intent& intent, std::string_view desired_dhcp4,
                     const std::vector<std::string>& nodes);
    Report remove_nodes(const intent::Intent& intent, const std::vector<std::string>& nodes);

    control::KeaClient& client_;
    std::string path_;
    Options options_;
};

}  // namespace xcatdhcp::live
