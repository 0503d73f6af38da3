// Whole-file reads shared by the edges (private to the library).
#pragma once

#include "xcatdhcp/error.hpp"

#include <fstream>
#include <sstream>
#include <string>

namespace xcatdhcp::detail {

// The file's bytes, or "" when it cannot be read (optional files: /proc, pid files, logs).
inline std::string read_text_or_empty(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    if (in) s << in.rdbuf();
    return s.str();
}

// The file's bytes; an Error naming the path when it cannot be opened.
inline std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open file", "path", path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace xcatdhcp::detail
