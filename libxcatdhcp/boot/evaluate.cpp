#include "xcatdhcp/boot/evaluate.hpp"

#include <algorithm>

namespace xcatdhcp::boot {

bool matches(const Match& m, const ClientPacket& p, const std::vector<std::string>& second_stage) {
    const bool is_second = std::find(second_stage.begin(), second_stage.end(), p.user_class) !=
                           second_stage.end();
    if (m.stage == Stage::first && is_second) return false;
    if (m.stage == Stage::second && !is_second) return false;
    if (m.no_architecture && p.architecture) return false;
    if (!m.architectures.empty() &&
        (!p.architecture || std::find(m.architectures.begin(), m.architectures.end(),
                                      *p.architecture) == m.architectures.end()))
        return false;
    if (!m.vendor_class_prefix.empty() && p.vendor_class.rfind(m.vendor_class_prefix, 0) != 0)
        return false;
    return true;
}

namespace {
void apply(Answer& answer, const Action& action) {
    if (action.filename) answer.filename = action.filename;
    if (action.always_broadcast) answer.always_broadcast = true;
    for (const auto& o : action.options) {
        auto it = std::find_if(answer.options.begin(), answer.options.end(),
                               [&](const Option& x) { return x.code == o.code; });
        if (it != answer.options.end()) *it = o;
        else answer.options.push_back(o);
    }
}

const Rule* first_match(const std::vector<Rule>& rules, const ClientPacket& packet,
                        const std::vector<std::string>& second_stage) {
    for (const auto& rule : rules)
        if (matches(rule.match, packet, second_stage)) return &rule;
    return nullptr;
}
}  // namespace

Answer evaluate(const BootPlan* plan, const std::vector<Rule>& subnet_rules, const ClientPacket& packet,
                const std::vector<std::string>& second_stage) {
    Answer answer;
    if (const Rule* rule = first_match(subnet_rules, packet, second_stage)) apply(answer, rule->action);
    if (plan) {
        if (const Rule* rule = first_match(plan->rules, packet, second_stage)) apply(answer, rule->action);
        apply(answer, Action{std::nullopt, false, plan->options});
    }
    return answer;
}

}  // namespace xcatdhcp::boot
