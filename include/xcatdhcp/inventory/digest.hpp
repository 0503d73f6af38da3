#pragma once

#include <string>

#include "xcatdhcp/inventory/inventory.hpp"

namespace xcatdhcp::inventory {

// SHA-256 (hex) of the inventory's canonical JSON: names the input in generated file headers.
std::string digest(const Inventory& inventory);

}  // namespace xcatdhcp::inventory
