// What a client would be answered, by the rules alone: a reference evaluator for tests,
// parity checks and "explain" tools. Renderers never call it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "xcatdhcp/boot/policy.hpp"

namespace xcatdhcp::boot {

struct ClientPacket {
    std::optional<std::uint16_t> architecture;  // option 93
    std::string user_class;                     // option 77
    std::string vendor_class;                   // option 60
};

bool matches(const Match& match, const ClientPacket& packet,
             const std::vector<std::string>& second_stage_user_classes);

// The effective answer, with ISC's scoping (the behaviour both backends must give): the first
// matching subnet rule acts, then the first matching node rule acts and overrides what it sets
// (filename, broadcast, options by code); the plan's own options apply whatever matched.
struct Answer {
    std::optional<std::string> filename;
    bool always_broadcast = false;
    std::vector<Option> options;
};

Answer evaluate(const BootPlan* node_plan, const std::vector<Rule>& subnet_rules,
                const ClientPacket& packet, const std::vector<std::string>& second_stage_user_classes);

}  // namespace xcatdhcp::boot
