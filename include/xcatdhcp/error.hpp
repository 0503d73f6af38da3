// Errors and diagnostics: every problem names the node, attribute and value it is about.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace xcatdhcp {

enum class Severity { info, warning, error };

std::string_view to_string(Severity severity);

// One finding about the input. `node` is empty for site- or network-level findings;
// `subject` then names the network (e.g. "network 10_0_0_0-255_255_0_0").
struct Diagnostic {
    Severity severity = Severity::error;
    std::string node;
    std::string attribute;
    std::string value;
    std::string message;
    std::string subject;

    bool operator==(const Diagnostic&) const = default;
};

// One line for humans: "error: node cn1: mac 'zz:zz': not a MAC address ...".
// Values are quoted and control characters escaped, so hostile input cannot forge lines.
std::string format(const Diagnostic& diagnostic);

// Quote a value for a message: single quotes, with \n, \t, \\, \' and non-printable bytes escaped.
std::string quote(std::string_view value);

// The library's exception. It carries the same fields as a Diagnostic.
class Error : public std::runtime_error {
public:
    explicit Error(std::string message, std::string attribute = {}, std::string value = {},
                   std::string node = {});

    const std::string& message() const { return diagnostic_.message; }
    const std::string& attribute() const { return diagnostic_.attribute; }
    const std::string& value() const { return diagnostic_.value; }
    const std::string& node() const { return diagnostic_.node; }
    const Diagnostic& diagnostic() const { return diagnostic_; }

    // The same error, now said to be about `node` (used when a value parser's error
    // is reported for a particular node).
    Error for_node(const std::string& node) const;

private:
    Diagnostic diagnostic_;
};

}  // namespace xcatdhcp
