// Key material as xCAT keeps it: /etc/xcat/ddns.key (a BIND key statement) or a bare base64 line.
#pragma once

#include <string>
#include <string_view>

namespace xcatdhcp::render {

struct KeyMaterial {
    std::string name;       // "" when the text has no key statement
    std::string algorithm;  // lower case, "" when not stated
    std::string secret;     // base64
};

// Throws Error when no secret is found or the secret is not base64.
KeyMaterial parse_key_text(std::string_view text);

// Standard base64 with padding, the only form dhcpd and Kea accept for secrets.
bool is_base64(std::string_view text);

}  // namespace xcatdhcp::render
