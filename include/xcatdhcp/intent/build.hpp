// inventory -> intent + diagnostics. A pure function: no I/O, no clock, no randomness.
#pragma once

#include "xcatdhcp/intent/intent.hpp"
#include "xcatdhcp/inventory/inventory.hpp"

namespace xcatdhcp::intent {

// Builds the intent. Problems with single nodes or networks become diagnostics and the rest is
// still built. Throws Error only when nothing sensible can be built (no served interface).
BuildResult build(const inventory::Inventory& inventory, const BuildOptions& options = {});

// Subnet id derived from the prefix alone (FNV-1a of "net/len" folded into 1..2^31-1), so an id
// does not move when other networks come or go. Collisions are resolved by build().
std::uint32_t stable_subnet_id(const net::Prefix& prefix);

// xCAT's reverse zones for a network: one per /24 (len >= 17), per /16 (9..16) or per /8;
// IPv6: nibble zones, none when the length is not a multiple of 4.
std::vector<std::string> reverse_zones(const net::Prefix& prefix);

// DNS-safe name check used for node names and NIC host names.
bool valid_hostname(std::string_view name);

}  // namespace xcatdhcp::intent
