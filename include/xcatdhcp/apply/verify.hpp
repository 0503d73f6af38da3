// Checking, through its control channel, that a server runs the configuration now in its file:
// the last step of an apply ("the server came back with the new config"), and of a rollback.
#pragma once

#include <functional>
#include <string>

#include "xcatdhcp/apply/services.hpp"
#include "xcatdhcp/render/files.hpp"

namespace xcatdhcp::apply {

// Called after a service was reloaded with `files` (the new ones, or the restored previous ones).
// Returns what it checked ("" when it checks nothing for this service); throws Error when the
// server does not run these files.
using Verifier = std::function<std::string(const ServiceUnit& unit, const render::Files& files)>;

// What a Kea DHCP configuration (Dhcp4 / Dhcp6, JSON with comments) says about itself that the
// running server reports back unchanged in config-get: subnets (id, prefix), reservations
// (subnet, identifier, addresses), the lease database and the UNIX control socket; one sorted
// line each. Equal fingerprints: the same subnets, reservations, lease file and socket.
std::string kea_fingerprint(const std::string& json_text);

// The UNIX control socket a Kea configuration names ("" when none).
std::string kea_control_socket(const std::string& json_text);

// For Kea's dhcp4 / dhcp6 roles whose file names a UNIX control socket: asks config-get on that
// socket until the running configuration's fingerprint is the file's, for up to
// `timeout_seconds` (a reload through systemctl returns before Kea has read the file). Throws
// Error naming the first difference. Other roles and backends: nothing checked. `root`: where
// the daemon's file system starts as seen from here (it runs in a chroot): prefixes the socket.
Verifier kea_verifier(int timeout_seconds = 15, const std::string& root = "");

}  // namespace xcatdhcp::apply
