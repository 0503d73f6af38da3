#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace xcatdhcp::cli {

// Runs one CLI invocation; returns the exit status. Library errors propagate as exceptions.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace xcatdhcp::cli
