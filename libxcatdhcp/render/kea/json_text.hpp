// Private to the Kea renderer: a small writer for pretty-printed JSON text that matches
// nlohmann::json::dump(2) byte for byte, for the O(N) parts of the documents (reservations).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace xcatdhcp::render::kea::detail::text {

inline void indent(std::string& out, int n) { out.append(static_cast<std::size_t>(n), ' '); }

// A JSON string as nlohmann writes it (ensure_ascii off): short escapes for \b \t \n \f \r,
// \" and \\, \u00xx (lower-case hex) for the other control characters. Anything beyond ASCII
// goes through nlohmann itself, so UTF-8 handling (and its errors) stay exactly the same.
inline void string(std::string& out, std::string_view s) {
    for (unsigned char c : s)
        if (c >= 0x80) {
            out += nlohmann::ordered_json(std::string(s)).dump();
            return;
        }
    out += '"';
    std::size_t run = 0;  // start of the pending unescaped run
    for (std::size_t i = 0; i < s.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\t': out += "\\t"; break;
            case '\n': out += "\\n"; break;
            case '\f': out += "\\f"; break;
            case '\r': out += "\\r"; break;
            default: {
                static constexpr char digits[] = "0123456789abcdef";
                out += "\\u00";
                out += digits[c >> 4];
                out += digits[c & 15];
            }
        }
    }
    out.append(s.data() + run, s.size() - run);
    out += '"';
}

// `"key": ` at `n` spaces (keys are renderer constants: plain ASCII, nothing to escape).
inline void key(std::string& out, int n, std::string_view k) {
    indent(out, n);
    out += '"';
    out += k;
    out += "\": ";
}

inline void string_member(std::string& out, int n, std::string_view k, std::string_view value) {
    key(out, n, k);
    string(out, value);
}

inline void unsigned_number(std::string& out, std::uint64_t v) {
    char buf[24];
    char* p = buf + sizeof buf;
    do {
        *--p = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v);
    out.append(p, static_cast<std::size_t>(buf + sizeof buf - p));
}

}  // namespace xcatdhcp::render::kea::detail::text
