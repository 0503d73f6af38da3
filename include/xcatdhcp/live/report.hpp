// Outcomes of live reservation changes (xCAT's `makedhcp NODE`, `-d NODE`, `-q NODE`), shared by
// the Kea layer (kea_reservations.hpp) and the ISC layer (isc_reservations.hpp): every node gets
// its own result, so a bad node is reported and the others go through, and both backends print
// the same JSON.
#pragma once

#include <string>
#include <vector>

#include "xcatdhcp/control/kea_client.hpp"
#include "xcatdhcp/intent/intent.hpp"

namespace xcatdhcp::live {

struct NodeResult {
    std::string node;
    bool ok = false;
    std::vector<std::string> actions;  // "file: added 192.168.64.20", "reservation-add: ok", ...
    std::string message;               // why it failed, or a note
};

struct Report {
    std::string method;        // "host_cmds", "config-set" (Kea) or "omapi" (ISC)
    std::string config_path;   // Kea: the configuration file; ISC: "" (no file is written)
    bool file_written = false;
    std::string error;         // a failure that stopped everything (config-test refused, ...)
    std::vector<NodeResult> nodes;  // in the order asked
    bool ok() const;
};

// The report with a failure that stopped everything (`error`) as the message of every node that
// did not finish and has none of its own.
Report finished(Report report);

// What the server holds for one node. The reservation and lease types are the Kea client's;
// the ISC layer fills the fields OMAPI gives (see isc_reservations.hpp).
struct NodeQuery {
    std::string node;
    bool found = false;                              // some reservation exists
    std::string source;                              // "reservation-get", "config-get" or "omapi"
    std::vector<control::Reservation> reservations;
    std::vector<control::Lease4> leases;
    std::string message;
};

// {"method", "config", "file_written", "ok", "error"?, "nodes": [{"node", "ok", "actions", "message"}]}
std::string to_json(const Report& report);
// [{"node", "found", "source", "reservations": [...], "leases": [...], "message"}]
std::string to_json(const std::vector<NodeQuery>& queries);

// Batch bookkeeping: which asked nodes are usable for an add, from the intent. Unknown names
// and nodes with no reservation on an IPv4 subnet (IP unknown, no served subnet) get a failed
// NodeResult in `rejected`. A reservation without a fixed address (IP inside a dynamic range)
// is usable: it still carries the node's boot settings.
struct Selection {
    std::vector<std::string> nodes;     // usable, in order, without duplicates
    std::vector<NodeResult> rejected;
};
Selection select_for_add(const intent::Intent& intent, const std::vector<std::string>& nodes);

// The names in order, each once.
std::vector<std::string> unique_nodes(const std::vector<std::string>& nodes);
// True when the intent has a reservation of `node` (placed on a subnet or unplaced).
bool known_node(const intent::Intent& intent, const std::string& node);

}  // namespace xcatdhcp::live
