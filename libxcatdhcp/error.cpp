#include "xcatdhcp/error.hpp"

#include <cstdio>

namespace xcatdhcp {

std::string_view to_string(Severity severity) {
    switch (severity) {
    case Severity::info: return "info";
    case Severity::warning: return "warning";
    case Severity::error: return "error";
    }
    return "error";
}

std::string quote(std::string_view value) {
    constexpr std::size_t max_shown = 200;  // a huge value must not flood a log line
    std::string out = "'";
    std::size_t shown = 0;
    for (unsigned char c : value) {
        if (shown++ == max_shown) {
            out += "...";
            break;
        }
        switch (c) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\\': out += "\\\\"; break;
        case '\'': out += "\\'"; break;
        default:
            if (c < 0x20 || c >= 0x7f) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\x%02x", c);
                out += buf;
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    out += "'";
    return out;
}

namespace {
// Names are printed bare when they are plain, quoted and escaped otherwise: a hostile node
// name cannot start a forged line.
std::string name_text(std::string_view name) {
    for (unsigned char c : name)
        if (c < 0x21 || c >= 0x7f || c == '\'' || c == '\\') return quote(name);
    return std::string(name);
}
// A subject ("network NAME") keeps its spaces; control bytes still force quoting.
std::string subject_text(std::string_view subject) {
    for (unsigned char c : subject)
        if (c < 0x20 || c >= 0x7f) return quote(subject);
    return std::string(subject);
}
}  // namespace

std::string format(const Diagnostic& d) {
    std::string line{to_string(d.severity)};
    line += ":";
    if (!d.node.empty()) line += " node " + name_text(d.node) + ":";
    else if (!d.subject.empty()) line += " " + subject_text(d.subject) + ":";
    if (!d.attribute.empty()) {
        line += " " + d.attribute + " " + quote(d.value) + ":";
    }
    line += " " + d.message;
    return line;
}

namespace {
std::string what_text(const std::string& message, const std::string& attribute,
                      const std::string& value, const std::string& node) {
    Diagnostic d{Severity::error, node, attribute, value, message, {}};
    std::string text = format(d);
    return text.substr(text.find(' ') + 1);  // drop the "error:" prefix in what()
}
}  // namespace

Error::Error(std::string message, std::string attribute, std::string value, std::string node)
    : std::runtime_error(what_text(message, attribute, value, node)),
      diagnostic_{Severity::error, std::move(node), std::move(attribute), std::move(value),
                  std::move(message), {}} {}

Error Error::for_node(const std::string& node) const {
    return Error(diagnostic_.message, diagnostic_.attribute, diagnostic_.value, node);
}

}  // namespace xcatdhcp
