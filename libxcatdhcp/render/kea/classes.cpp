// Boot rules and per-node boot plans as Kea client classes.
//
// The shape, and why (measured on Kea 2.2.0, 2.6.3 and 3.0.4; docs/kea.md has the runs):
//
// * Every boot class is an *additional* class (only-if-required / only-in-additional-list),
//   listed in each subnet's additional-class list. Additional classes are evaluated last, in
//   list order, after the host reservation lookup, in every subnet shape (Kea sets the
//   classes of a subnet reservation in a shared network only after ordinary classification).
//   So a class can test member() of a class a reservation assigned, and member() of a class
//   earlier in the list.
// * Kea takes boot-file-name from the FIRST class that sets it and each option from the first
//   class that defines it; an empty boot-file-name is "not set". The policy's "first matching
//   rule wins" therefore needs explicit exclusions only where a later rule could still add
//   something: it sets a file where the earlier one set none, or an option the earlier one
//   lacks. Those later classes carry "not member('<earlier>')".
// * Per-node plans cost O(1) classes, not one test per node: nodes with the same plan
//   (after replacing the node name by an xNBA variable) share one test-less marker class,
//   which their reservation assigns through client-classes; the plan's rules become classes
//   testing member('<marker>'). One "claim" class (xcat-node-rule) is true when any node rule
//   matched, and every subnet rule class starts with "not member('xcat-node-rule')": node
//   rules come first and the first matching rule wins, even when it sends no boot file
//   (a node booting from disk gets nothing).
// * A plan whose first rule matches everything and names a file goes into the reservation's
//   boot-file-name (which beats every class), with the marker xcat-node-fixed for the claim.
// * Subnet rules identical in every subnet that has them are one global class; a rule whose
//   action differs per subnet (net scripts, HTTP boot URLs, OPAL, ONIE) is one global test
//   class without action plus one action class per subnet testing member() of it, listed
//   right after it. Exclusions thus only ever name global classes, defined earlier.
// * xNBA node scripts: the URL is http://${next-server}<port>/.../nodes/<node variable>.
//   xNBA expands the variables; a node with its own TFTP server has that address as its
//   reservation's next-server. The node variable is ${hostname} (option 12, the reservation's
//   hostname), except with DDNS on: Kea then sends option 12 qualified with the DDNS suffix
//   ("cn1.cluster.example", measured on 2.2 and 3.0; an option-data host-name in the
//   reservation does not override it), so the reservation sends the bare node name in
//   option 224 and the URL reads ${224:string}.
// * *NOIP* NICs: one DROP class testing their MACs; Kea drops those packets unanswered.
#include "kea_internal.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "xcatdhcp/boot/rules.hpp"

namespace xcatdhcp::render::kea::detail {

namespace {

using boot::Action;
using boot::Match;
using boot::Rule;
using intent::Reservation;
using intent::Subnet;

const std::string claim_class = "xcat-node-rule";
const std::string fixed_marker = "xcat-node-fixed";

bool sets_file(const Action& a) { return a.filename && !a.filename->empty(); }

// `later` must name `earlier` as an exclusion when both may match one packet and `later`
// could still add a file or an option that `earlier` did not give.
bool must_exclude(const Rule& later, const Rule& earlier) {
    if (!may_overlap(later.match, earlier.match)) return false;
    if (sets_file(later.action) && !sets_file(earlier.action)) return true;
    return std::any_of(later.action.options.begin(), later.action.options.end(), [&](const boot::Option& o) {
        return std::none_of(earlier.action.options.begin(), earlier.action.options.end(),
                            [&](const boot::Option& e) { return e.code == o.code; });
    });
}

void put_match(std::string& out, const Match& m) {
    for (auto a : m.architectures) out += std::to_string(a) + ",";
    out += '\x1f';
    out += m.no_architecture ? '1' : '0';
    out += static_cast<char>('0' + static_cast<int>(m.stage));
    out += m.vendor_class_prefix;
    out += '\x1f';
}

std::string serialize(const std::vector<Rule>& rules) {
    std::string out;
    for (const auto& r : rules) {
        out += r.name;
        out += '\x1f';
        put_match(out, r.match);
        out += r.action.filename ? "F" + *r.action.filename : std::string("N");
        out += '\x1f';
        out += r.action.always_broadcast ? '1' : '0';
        for (const auto& o : r.action.options) out += std::to_string(o.code) + "=" + o.value + '\x1f';
        out += '\x1e';
    }
    return out;
}

std::string fnv1a_hex(const std::string& text) {
    std::uint32_t hash = 2166136261u;
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 16777619u;
    }
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(hash));
    return buf;
}

std::string class_safe(const std::string& text) {
    std::string out;
    for (unsigned char c : text)
        out += std::isalnum(c) || c == '-' || c == '_' || c == '.' ? static_cast<char>(std::tolower(c)) : '_';
    return out.empty() ? "custom" : out;
}

std::string subnet_tag(const Subnet& s) {
    return s.prefix.network().to_string() + "_" + std::to_string(s.prefix.length());
}

// The node's xNBA script URL with the node-specific parts replaced by xNBA variables, so
// nodes share one class. Only second-stage rules are rewritten: only xNBA expands variables.
std::optional<std::string> templated_script(const std::string& file, const Reservation& r,
                                            const std::string& port, const std::string& node_variable) {
    std::vector<std::string> hosts = {"${next-server}"};
    if (r.next_server) hosts.push_back(r.next_server->to_string());
    for (const auto& host : hosts)
        for (bool uefi : {false, true})
            if (file == boot::xnba_node_url(host, port, r.node, uefi))
                return boot::xnba_node_url("${next-server}", port, node_variable, uefi);
    return std::nullopt;
}

class Planner {
public:
    Planner(const intent::Intent& intent, const KeaFeatures& features, OptionDefs& defs,
            std::vector<Diagnostic>& diagnostics)
        : intent_(intent),
          defs_(defs),
          diagnostics_(diagnostics),
          flag_(features.additional_class_keywords ? "only-in-additional-list" : "only-if-required"),
          node_variable_(intent.ddns.enabled ? "${" + std::to_string(node_name_option) + ":string}"
                                             : "${hostname}") {}

    ClassPlan run() {
        plan_nodes();
        emit_drop();
        emit_markers();
        emit_node_rules();
        emit_claim();
        plan_subnet_rules();
        emit_subnet_rules();
        return std::move(plan_);
    }

private:
    struct Shape {
        std::string method;
        std::vector<Rule> rules;
        bool standard_xnba = false;  // some node has BootPlan::Kind::xnba_node
        std::string marker;
    };
    struct SubnetRule {
        Rule rule;  // as first seen (its action is the global one when `global`)
        std::vector<std::string> exclusions;  // keys, canonical order
        std::string name;
        bool global = true;
    };

    const intent::Intent& intent_;
    OptionDefs& defs_;
    std::vector<Diagnostic>& diagnostics_;
    const std::string flag_;
    const std::string node_variable_;
    ClassPlan plan_;

    std::set<std::string> used_names_;
    std::set<std::string> drop_macs_;
    std::map<std::string, Shape> shapes_;  // serialized rules -> shape
    std::vector<std::pair<const Reservation*, Shape*>> shape_of_;  // std::map nodes do not move
    bool fixed_used_ = false;
    std::vector<std::string> node_classes_;
    bool claim_ = false;
    std::vector<std::string> order_;  // canonical subnet rule keys
    std::map<std::string, SubnetRule> rules_;

    std::string unique_name(std::string name) {
        std::string candidate = name;
        for (int i = 2; !used_names_.insert(candidate).second; ++i) candidate = name + "-" + std::to_string(i);
        return candidate;
    }

    std::vector<Rule> matchable(const std::vector<Rule>& rules) const {
        std::vector<Rule> out;
        for (const auto& r : rules)
            if (can_match(r.match, intent_.second_stage_user_classes)) out.push_back(r);
        return out;
    }

    // `subject` names the class when the file is not a node's.
    std::optional<std::string> checked_file(const std::string& file, const std::string& node,
                                            const std::string& subject) {
        if (file.size() <= max_boot_file) return file;
        diagnostics_.push_back({Severity::error, node, "boot-file-name", file,
                                "longer than the " + std::to_string(max_boot_file) +
                                    " bytes the BOOTP file field holds; no boot file sent",
                                subject});
        return std::nullopt;
    }

    Json make_class(const std::string& name, const std::string& test, const Action* action) {
        Json c;
        c["name"] = name;
        // Kea <= 2.6 ignores an additional class without a test; give every one a test.
        c["test"] = test.empty() ? member("ALL") : test;
        c[flag_] = true;
        if (action) {
            if (sets_file(*action))
                if (auto file = checked_file(*action->filename, "", "client class " + name))
                    c["boot-file-name"] = *file;
            if (!action->options.empty()) {
                Json data = Json::array();
                for (const auto& o : action->options) data.push_back(defs_.text_option(o.code, o.value, true));
                c["option-data"] = std::move(data);
            }
        }
        return c;
    }

    // ---- nodes ----
    void plan_nodes() {
        std::vector<const Reservation*> all;
        for (const auto& s : intent_.subnets)
            if (s.family() == net::Family::v4)
                for (const auto& r : s.reservations) all.push_back(&r);
        for (const auto& r : intent_.unplaced) all.push_back(&r);
        plan_.nodes.reserve(all.size());
        shape_of_.reserve(all.size());

        for (const Reservation* r : all) {
            if (r->deny) {
                drop_macs_.insert(r->mac.hex());
                continue;
            }
            NodeBoot node;
            node.options = r->boot.options;
            bool uses_variable = false;
            std::vector<Rule> rules;
            for (const Rule& matchable_rule : r->boot.rules) {
                if (!can_match(matchable_rule.match, intent_.second_stage_user_classes)) continue;
                Rule rule = matchable_rule;
                if (rule.match.stage == boot::Stage::second && rule.action.filename)
                    if (auto t = templated_script(*rule.action.filename, *r, intent_.http_port_suffix,
                                                  node_variable_)) {
                        rule.action.filename = *t;
                        uses_variable = true;
                    }
                rules.push_back(std::move(rule));
            }
            const bool fixed =
                !rules.empty() && rules.front().match.matches_everything() && sets_file(rules.front().action);
            if (fixed) {
                node.boot_file = checked_file(*rules.front().action.filename, r->node, "");
                for (const auto& o : rules.front().action.options) add_option(node.options, o);
                node.client_classes.push_back(fixed_marker);
                fixed_used_ = true;
            }
            bool has_shape = false;
            if (!fixed && !rules.empty()) {
                std::string key = serialize(rules);
                Shape& shape = shapes_[key];
                if (shape.rules.empty()) {
                    shape.method = class_safe(r->boot.netboot);
                    shape.rules = std::move(rules);
                }
                if (r->boot.kind == boot::BootPlan::Kind::xnba_node) shape.standard_xnba = true;
                shape_of_.emplace_back(r, &shape);
                has_shape = true;
                if (uses_variable && intent_.ddns.enabled)
                    add_option(node.options, {node_name_option, r->node});
            }
            if (!node.options.empty() || node.boot_file || !node.client_classes.empty() || has_shape)
                plan_.nodes[r] = std::move(node);
        }

        // Marker names: "xcat-xnba-node" for the standard xNBA chain, "xcat-<method>-node" for
        // another method with one plan; other plans are named by their last rule
        // ("xcat-xnba-local" boots from disk), with a content hash when two would share a name.
        std::map<std::string, int> uses;
        std::map<std::string, int> per_method;
        for (const auto& [key, shape] : shapes_) ++per_method[shape.method];
        auto base_name = [&](const Shape& shape) {
            if (shape.standard_xnba) return std::string("xcat-xnba-node");
            if (per_method[shape.method] == 1 && shape.method != "xnba") return "xcat-" + shape.method + "-node";
            return "xcat-" + shape.method + "-" + class_safe(shape.rules.back().name);
        };
        for (const auto& [key, shape] : shapes_) ++uses[base_name(shape)];
        for (auto& [key, shape] : shapes_) {
            std::string name = base_name(shape);
            shape.marker = uses[name] > 1 ? name + "-" + fnv1a_hex(key) : name;
        }
        for (const auto& [r, shape] : shape_of_) plan_.nodes[r].client_classes.push_back(shape->marker);
    }

    static void add_option(std::vector<boot::Option>& options, const boot::Option& o) {
        if (std::none_of(options.begin(), options.end(), [&](const boot::Option& e) { return e.code == o.code; }))
            options.push_back(o);
    }

    std::vector<const Shape*> shapes_by_marker() const {
        std::vector<const Shape*> list;
        for (const auto& [key, shape] : shapes_) list.push_back(&shape);
        std::sort(list.begin(), list.end(), [](const Shape* a, const Shape* b) { return a->marker < b->marker; });
        return list;
    }

    void emit_drop() {
        if (drop_macs_.empty()) return;
        std::vector<std::string> terms;
        for (const auto& mac : drop_macs_) terms.push_back("pkt4.mac == 0x" + mac);
        used_names_.insert("DROP");
        Json c;
        c["name"] = "DROP";  // Kea's built-in: matching packets are dropped unanswered
        c["test"] = any_of(terms);
        plan_.classes.push_back(std::move(c));
    }

    void emit_markers() {
        auto marker = [&](const std::string& name) {
            used_names_.insert(name);
            Json c;
            c["name"] = name;
            plan_.classes.push_back(std::move(c));
        };
        if (fixed_used_) marker(fixed_marker);
        for (const Shape* shape : shapes_by_marker()) marker(shape->marker);
    }

    void emit_node_rules() {
        const auto& classes = intent_.second_stage_user_classes;
        for (const Shape* shape : shapes_by_marker()) {
            std::vector<std::string> names;
            for (std::size_t i = 0; i < shape->rules.size(); ++i) {
                const Rule& rule = shape->rules[i];
                std::string name = unique_name(shape->marker + "-" + rule.name);
                std::vector<std::string> terms = {member(shape->marker), match_test(rule.match, classes)};
                for (std::size_t j = 0; j < i; ++j)
                    if (must_exclude(rule, shape->rules[j])) terms.push_back("not " + member(names[j]));
                plan_.classes.push_back(make_class(name, all_of(terms), &rule.action));
                names.push_back(name);
                node_classes_.push_back(name);
            }
        }
    }

    void emit_claim() {
        if (node_classes_.empty() && !fixed_used_) return;
        std::vector<std::string> terms;
        if (fixed_used_) terms.push_back(member(fixed_marker));
        for (const auto& name : node_classes_) terms.push_back(member(name));
        used_names_.insert(claim_class);
        plan_.classes.push_back(make_class(claim_class, any_of(terms), nullptr));
        claim_ = true;
    }

    // ---- subnet rules ----
    static std::string rule_key(const Rule& r) {
        std::string key = r.name + '\x1d';
        put_match(key, r.match);
        return key;
    }

    void plan_subnet_rules() {
        // One canonical order for all subnets: a rule first seen in a later subnet is placed
        // right after its predecessor there, so exclusions always name classes defined earlier.
        for (const auto& s : intent_.subnets) {
            if (s.family() != net::Family::v4) continue;
            std::string previous;
            for (const Rule& rule : matchable(s.boot_rules)) {
                std::string key = rule_key(rule);
                if (!rules_.count(key)) {
                    auto at = previous.empty() ? order_.begin()
                                               : std::find(order_.begin(), order_.end(), previous) + 1;
                    order_.insert(at, key);
                    rules_[key].rule = rule;
                }
                previous = key;
            }
        }
        auto position = [&](const std::string& key) {
            return std::find(order_.begin(), order_.end(), key) - order_.begin();
        };
        for (const auto& s : intent_.subnets) {
            if (s.family() != net::Family::v4) continue;
            auto rules = matchable(s.boot_rules);
            for (std::size_t i = 0; i < rules.size(); ++i) {
                std::string key = rule_key(rules[i]);
                if (i > 0 && position(key) < position(rule_key(rules[i - 1])))
                    throw Error("the boot rules of " + s.prefix.to_string() +
                                    " are ordered differently from another subnet's; Kea classes "
                                    "need one order",
                                "boot rule", rules[i].name);
                SubnetRule& entry = rules_[key];
                for (std::size_t j = 0; j < i; ++j) {
                    std::string other = rule_key(rules[j]);
                    if (must_exclude(rules[i], rules[j]) &&
                        std::find(entry.exclusions.begin(), entry.exclusions.end(), other) == entry.exclusions.end())
                        entry.exclusions.push_back(other);
                }
                if (!(rules[i].action == entry.rule.action)) entry.global = false;
            }
        }
        for (auto& [key, entry] : rules_)
            std::sort(entry.exclusions.begin(), entry.exclusions.end(),
                      [&](const std::string& a, const std::string& b) { return position(a) < position(b); });
    }

    void emit_subnet_rules() {
        const auto& classes = intent_.second_stage_user_classes;
        for (const auto& key : order_) {
            SubnetRule& entry = rules_[key];
            entry.name = unique_name("xcat-" + entry.rule.name);
            std::vector<std::string> terms;
            if (claim_) terms.push_back("not " + member(claim_class));
            terms.push_back(match_test(entry.rule.match, classes));
            for (const auto& other : entry.exclusions) terms.push_back("not " + member(rules_[other].name));
            plan_.classes.push_back(make_class(entry.name, all_of(terms), entry.global ? &entry.rule.action : nullptr));
        }
        // Per-subnet actions, then each subnet's list: node rules, the claim, its own rules.
        std::vector<std::string> node_list = node_classes_;
        if (claim_) node_list.push_back(claim_class);
        for (const auto& s : intent_.subnets) {
            if (s.family() != net::Family::v4) continue;
            std::vector<std::string> list = node_list;
            for (const Rule& rule : matchable(s.boot_rules)) {
                const SubnetRule& entry = rules_[rule_key(rule)];
                list.push_back(entry.name);
                if (entry.global) continue;
                std::string name = unique_name(entry.name + "-" + subnet_tag(s));
                plan_.classes.push_back(make_class(name, member(entry.name), &rule.action));
                list.push_back(name);
            }
            if (!list.empty()) plan_.additional[s.id] = std::move(list);
        }
    }
};

}  // namespace

ClassPlan plan_classes(const intent::Intent& intent, const KeaFeatures& features, OptionDefs& defs,
                       std::vector<Diagnostic>& diagnostics) {
    return Planner(intent, features, defs, diagnostics).run();
}

}  // namespace xcatdhcp::render::kea::detail
