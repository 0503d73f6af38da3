#include "xcatdhcp/render/secrets.hpp"

#include "xcatdhcp/error.hpp"

#include <algorithm>
#include <cctype>

namespace xcatdhcp::render {

bool is_base64(std::string_view text) {
    if (text.empty() || text.size() % 4 != 0) return false;
    std::size_t padding = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '=') {
            if (i < text.size() - 2) return false;
            ++padding;
        } else if (padding || !(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/')) {
            return false;
        }
    }
    return padding <= 2;
}

namespace {
// The quoted or bare word after `keyword` (e.g. secret "abc"; algorithm hmac-md5;).
std::string value_after(std::string_view text, std::string_view keyword) {
    std::size_t at = 0;
    while ((at = text.find(keyword, at)) != std::string_view::npos) {
        bool word_start = at == 0 || std::isspace(static_cast<unsigned char>(text[at - 1])) ||
                          text[at - 1] == '{' || text[at - 1] == ';';
        std::size_t p = at + keyword.size();
        if (!word_start || p >= text.size() || !std::isspace(static_cast<unsigned char>(text[p]))) {
            at = p;
            continue;
        }
        while (p < text.size() && std::isspace(static_cast<unsigned char>(text[p]))) ++p;
        std::size_t end;
        if (p < text.size() && text[p] == '"') {
            end = text.find('"', p + 1);
            if (end == std::string_view::npos) return {};
            return std::string(text.substr(p + 1, end - p - 1));
        }
        end = p;
        while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) &&
               text[end] != ';' && text[end] != '{')
            ++end;
        return std::string(text.substr(p, end - p));
    }
    return {};
}
}  // namespace

KeyMaterial parse_key_text(std::string_view text) {
    KeyMaterial key;
    // Drop comment lines (# and //) so commented-out keys are not read.
    std::string clean;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        std::size_t first = line.find_first_not_of(" \t");
        if (first != std::string_view::npos && line[first] != '#' && line.substr(first, 2) != "//")
            clean.append(line).push_back('\n');
        pos = end + 1;
    }
    if (clean.find("secret") != std::string::npos) {
        key.name = value_after(clean, "key");
        key.algorithm = value_after(clean, "algorithm");
        std::transform(key.algorithm.begin(), key.algorithm.end(), key.algorithm.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        key.secret = value_after(clean, "secret");
    } else {
        std::string word = clean.substr(0, clean.find_first_of(" \t\n"));
        key.secret = word;
    }
    if (key.secret.empty()) throw Error("no secret found in the key text", "key", "");
    if (!is_base64(key.secret)) throw Error("the secret is not base64", "key", "(hidden)");
    return key;
}

}  // namespace xcatdhcp::render
