// The intent as JSON (schema "xcatdhcp-intent/1", docs/intent.md). Deterministic: the same
// intent gives byte-identical text.
#pragma once

#include <string>
#include <vector>

#include "xcatdhcp/error.hpp"
#include "xcatdhcp/intent/intent.hpp"

namespace xcatdhcp::intent {

std::string to_json(const Intent& intent);
std::string to_json(const std::vector<Diagnostic>& diagnostics);

}  // namespace xcatdhcp::intent
