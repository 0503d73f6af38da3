// Probe results as text for people and as JSON for scripts (shape: docs/probe.md).
#pragma once

#include <string>
#include <vector>

#include "xcatdhcp/probe/client.hpp"
#include "xcatdhcp/probe/options.hpp"

namespace xcatdhcp::probe {

// Every option of a packet, decoded, in packet order.
std::vector<DecodedOption> decode_options(const Dhcp4Packet& packet);
std::vector<DecodedOption> decode_options(const Dhcp6Packet& packet);

// One JSON object (two-space indentation, keys in a fixed order, newline at the end).
std::string to_json(const Dhcp4ProbeResult& result);
std::string to_json(const Dhcp6ProbeResult& result);
// Several lines: what was sent, each answer with its fields and options, and the outcome.
std::string to_text(const Dhcp4ProbeResult& result);
std::string to_text(const Dhcp6ProbeResult& result);

// A boot file name as xNBA (iPXE) fetches it: iPXE expands settings in the DHCP filename, and
// xCAT's node script URLs rely on it ("http://${next-server}/tftpboot/xcat/xnba/nodes/${hostname}").
// Expanded from the same answer: ${next-server} (siaddr), ${ip} (yiaddr), ${hostname} (option 12),
// ${domain} (option 15), ${N} and ${N:string} (option N as text). Other settings, and options
// the answer lacks, are left as written.
std::string expand_xnba_settings(const std::string& text, const Dhcp4Packet& answer);

// A single decoded option as JSON ({"code", "name", "value", "hex"[, "error"][, "suboptions"]}).
std::string to_json(const DecodedOption& option);

}  // namespace xcatdhcp::probe
