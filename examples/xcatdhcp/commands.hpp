// Every CLI command: argv after the command name; returns the exit status.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace xcatdhcp::cli {

using Argv = std::vector<std::string>;

int cmd_backend(const Argv& argv, std::ostream& out, std::ostream& err);
int cmd_ranges(const Argv& argv, std::ostream& out, std::ostream& err);
int cmd_inventory(const Argv& argv, std::ostream& out, std::ostream& err);
int cmd_facts(const Argv& argv, std::ostream& out, std::ostream& err);
int cmd_summary(const Argv& argv, std::ostream& out, std::ostream& err);
int cmd_intent(const Argv& argv, std::ostream& out, std::ostream& err);
int cmd_render(const Argv& argv, std::ostream& out, std::ostream& err);
int cmd_validate(const Argv& argv, std::ostream& out, std::ostream& err);
int cmd_apply(const Argv& argv, std::ostream& out, std::ostream& err);
int cmd_probe(const Argv& argv, std::ostream& out, std::ostream& err);   // cmd_probe.cpp
int cmd_leases(const Argv& argv, std::ostream& out, std::ostream& err);  // cmd_kea.cpp
int cmd_stats(const Argv& argv, std::ostream& out, std::ostream& err);   // cmd_kea.cpp
int cmd_kea(const Argv& argv, std::ostream& out, std::ostream& err);     // cmd_kea.cpp
int cmd_reservations(const Argv& argv, std::ostream& out, std::ostream& err);  // cmd_reservations.cpp
int cmd_omapi(const Argv& argv, std::ostream& out, std::ostream& err);         // cmd_omapi.cpp

}  // namespace xcatdhcp::cli
