// Live reservations for ISC dhcpd (xCAT's `makedhcp NODE`, `makedhcp -d NODE`, `makedhcp -q NODE`)
// through the native OMAPI client (control/omapi.hpp), without restarting dhcpd:
//
//   add:    the node's host objects as the ISC renderer makes them (render::isc::host_objects,
//           the data of hosts.omapi.json: one object per MAC, named by node, with hardware
//           address and type, client identifier, fixed address and the boot statements) are
//           replaced in dhcpd: the old objects found by name, hardware address and (through
//           its lease) address are removed, then the object is created (xCAT's sequence).
//   remove: the node's host objects are removed (by name, hardware address, address); nothing
//           to remove is fine. A name no longer in the inventory is removed by name.
//   query:  per node, the host objects by name (MAC, address, name; dhcpd never returns the
//           statements, so the boot fields are the rendered ones, see docs/reservations.md)
//           and the leases dhcpd holds for the node's MACs and addresses.
// No file is written: dhcpd itself records OMAPI host objects in its leases file. Every node
// gets its own outcome in the same Report / NodeQuery shape as the Kea layer.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "xcatdhcp/control/omapi.hpp"
#include "xcatdhcp/intent/intent.hpp"
#include "xcatdhcp/live/report.hpp"
#include "xcatdhcp/render/isc.hpp"

namespace xcatdhcp::live {

// ---------------------------------------------------------------- pure parts

// The host objects of the asked nodes for a dhcpd serving `family`, from
// render::isc::host_objects(intent). Unknown names, nodes without an object of that family,
// and nodes whose values the renderer refuses (the Error's text) are in `rejected`; the
// renderer's refusal of one node does not affect the others.
struct HostSelection {
    std::vector<std::string> nodes;              // usable, in the order asked, each once
    std::vector<render::isc::HostObject> hosts;  // their objects, node by node
    std::vector<NodeResult> rejected;
    std::set<std::string> unknown;       // rejected: no reservation in the intent
    std::set<std::string> unrenderable;  // rejected: the renderer refused its values
};
HostSelection select_hosts(const intent::Intent& intent, const std::vector<std::string>& nodes,
                           net::Family family = net::Family::v4);

// The boot fields of ISC host statements as the renderer writes them: `filename "F";`,
// `next-server A;`, `server-name "S";` at the top level of the statements (not inside an
// if/else chain, whose branches depend on the client), and `option host-name` / `ddns-hostname`.
struct BootFields {
    std::string filename;
    std::string next_server;
    std::string server_name;
    std::string host_name;
    bool conditional = false;  // the statements hold an if/else chain (boot file by client type)
    bool deny_booting = false;
};
BootFields boot_fields(std::string_view statements);

// What a query reports for one object dhcpd holds: MAC, address and name from dhcpd; the boot
// fields from `rendered` (the object the inventory renders under that name) when given.
control::Reservation to_reservation(const control::omapi::Host& host, const render::isc::HostObject* rendered);
// A dhcpd lease in the Kea client's lease shape (state: dhcpd's number, 1 free .. 9 bootp;
// valid_lifetime: seconds from cltt to ends when both are known).
control::Lease4 to_lease4(const control::omapi::Lease& lease);

// One report entry per asked node from the batch outcomes of their host objects: a node is ok
// when every one of its objects is; each object adds an action line.
Report merge(const std::vector<std::string>& nodes, const control::omapi::BatchReport& batch, bool add);

// ---------------------------------------------------------------- the live layer

// How a batch finds the old objects to replace by address, as `--by-ip` / the Perl option
// `by_ip` name it: "pools" (only addresses inside the intent's dynamic ranges: dhcpd finds a host
// by address only through a lease, and only pool addresses have leases; no intent: none),
// "always" (every address, as xCAT's makedhcp does), "never". Throws Error naming `attribute`
// for anything else.
control::omapi::BatchOptions batch_options(std::string_view by_ip, const intent::Intent* intent,
                                           std::string_view attribute = "by_ip");

struct IscOptions {
    // Which old objects add removes before creating, and which objects remove deletes.
    control::omapi::BatchOptions batch;
    // Query: look up the leases of the node's MACs and addresses.
    bool leases = true;
};

class IscReservations {
public:
    // `client` is connected to the dhcpd serving `client.options().family`.
    explicit IscReservations(control::omapi::Client& client, IscOptions options = {});

    Report add(const intent::Intent& intent, const std::vector<std::string>& nodes);
    // `intent` tells unknown names from known ones; a name not in the inventory is still
    // removed by name when dhcpd has an object with that name.
    Report remove(const intent::Intent& intent, const std::vector<std::string>& nodes);
    std::vector<NodeQuery> query(const intent::Intent& intent, const std::vector<std::string>& nodes);

private:
    control::omapi::Client& client_;
    IscOptions options_;
};

}  // namespace xcatdhcp::live
