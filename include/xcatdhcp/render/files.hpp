// What a renderer returns: files as data (name -> content). Renderers do no I/O.
#pragma once

#include <map>
#include <string>

namespace xcatdhcp::render {

// File name (relative, e.g. "kea-dhcp4.conf", "dhcpd.conf") -> full content.
using Files = std::map<std::string, std::string>;

// Key material the caller passes in (from xCAT's passwd table or /etc/xcat/ddns.key).
// Renderers place it only where the server needs it and never in diagnostics or logs.
struct Secrets {
    std::string omapi_secret;  // base64, ISC OMAPI key (also xCAT's DDNS TSIG key)
    std::string tsig_secret;   // base64, Kea D2 TSIG key; empty = omapi_secret
};

}  // namespace xcatdhcp::render
