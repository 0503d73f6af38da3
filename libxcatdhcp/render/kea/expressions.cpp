// Boot-rule matches as Kea classification expressions.
#include "kea_internal.hpp"

#include <algorithm>
#include <cstdio>

namespace xcatdhcp::render::kea {

namespace {

// Option 93 may carry several architectures (RFC 4578 allows a list); the client's own one
// comes first, so only the first two bytes are compared.
std::string architecture_is(std::uint16_t arch) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%04x", static_cast<unsigned>(arch));
    return "substring(option[93].hex,0,2) == " + std::string(hex);
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// A term must be parenthesised inside a conjunction when it is a disjunction at top level.
bool has_top_level_or(const std::string& term) {
    int depth = 0;
    for (std::size_t i = 0; i < term.size(); ++i) {
        char c = term[i];
        if (c == '\'') {  // skip string literals
            auto end = term.find('\'', i + 1);
            if (end == std::string::npos) break;
            i = end;
        } else if (c == '(' || c == '[') {
            ++depth;
        } else if (c == ')' || c == ']') {
            --depth;
        } else if (depth == 0 && term.compare(i, 4, " or ") == 0) {
            return true;
        }
    }
    return false;
}

std::vector<std::string> unique_classes(const std::vector<std::string>& user_classes) {
    std::vector<std::string> out;
    for (const auto& c : user_classes)
        if (!c.empty() && std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
    return out;
}

}  // namespace

std::string literal(std::string_view bytes) {
    bool text = std::all_of(bytes.begin(), bytes.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u >= 0x20 && u < 0x7f && c != '\'';
    });
    if (text) return "'" + std::string(bytes) + "'";
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "0x";
    for (unsigned char c : bytes) {
        out += hex[c >> 4];
        out += hex[c & 15];
    }
    return out;
}

std::string second_stage_test(const std::vector<std::string>& user_classes) {
    std::vector<std::string> terms;
    for (const auto& c : unique_classes(user_classes)) {
        // iPXE sends option 77 raw; RFC 3004 clients prefix each class with its length byte.
        terms.push_back("option[77].hex == " + literal(c));
        terms.push_back("substring(option[77].hex,1," + std::to_string(c.size()) + ") == " + literal(c));
    }
    return detail::any_of(terms);
}

std::string match_test(const boot::Match& match, const std::vector<std::string>& user_classes) {
    if (!detail::can_match(match, user_classes))
        throw Error("a second-stage rule needs at least one second-stage user class",
                    "second_stage_user_classes", "");
    std::vector<std::string> terms;
    std::vector<std::string> arch_terms;
    if (match.no_architecture) arch_terms.push_back("not option[93].exists");
    for (auto arch : match.architectures) arch_terms.push_back(architecture_is(arch));
    terms.push_back(detail::any_of(arch_terms));
    const std::string second = second_stage_test(user_classes);
    if (match.stage == boot::Stage::second) terms.push_back(second);
    if (match.stage == boot::Stage::first && !second.empty()) terms.push_back("not (" + second + ")");
    if (!match.vendor_class_prefix.empty())
        terms.push_back("substring(option[60].hex,0," + std::to_string(match.vendor_class_prefix.size()) +
                        ") == " + literal(match.vendor_class_prefix));
    return detail::all_of(terms);
}

namespace detail {

bool can_match(const boot::Match& match, const std::vector<std::string>& user_classes) {
    return match.stage != boot::Stage::second || !unique_classes(user_classes).empty();
}

bool may_overlap(const boot::Match& a, const boot::Match& b) {
    using boot::Stage;
    if (a.stage != Stage::any && b.stage != Stage::any && a.stage != b.stage) return false;
    const auto& va = a.vendor_class_prefix;
    const auto& vb = b.vendor_class_prefix;
    if (!va.empty() && !vb.empty() && !starts_with(va, vb) && !starts_with(vb, va)) return false;
    auto any_arch = [](const boot::Match& m) { return m.architectures.empty() && !m.no_architecture; };
    if (any_arch(a) || any_arch(b)) return true;
    if (a.no_architecture && b.no_architecture) return true;
    return std::any_of(a.architectures.begin(), a.architectures.end(), [&](std::uint16_t arch) {
        return std::find(b.architectures.begin(), b.architectures.end(), arch) != b.architectures.end();
    });
}

std::string all_of(const std::vector<std::string>& terms) {
    std::vector<std::string> present;
    for (const auto& t : terms)
        if (!t.empty()) present.push_back(t);
    if (present.size() == 1) return present.front();
    std::string out;
    for (const auto& t : present) {
        if (!out.empty()) out += " and ";
        out += has_top_level_or(t) ? "(" + t + ")" : t;
    }
    return out;
}

std::string any_of(const std::vector<std::string>& terms) {
    std::string out;
    for (const auto& t : terms) {
        if (t.empty()) continue;
        if (!out.empty()) out += " or ";
        out += t;
    }
    return out;
}

std::string member(const std::string& class_name) { return "member(" + literal(class_name) + ")"; }

}  // namespace detail

}  // namespace xcatdhcp::render::kea
