// Option values decoded for people and scripts: names, typed values, sub-options.
//
// Decoding never throws: a value that does not match its option's type (wrong length, text that
// is not printable, a domain name with a bad label) is shown as hex with `error` saying why.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace xcatdhcp::probe {

struct DecodedOption {
    enum class Kind {
        hex,         // undecoded: `text` is the hex
        text,        // a string (`text`)
        number,      // an unsigned or signed integer (`number`; `text` is its decimal or 0x form)
        address,     // one address (`text`)
        list,        // several values (`items`): addresses, names, codes
        suboptions,  // encapsulated options (`suboptions`)
        flag,        // an option without a value (rapid commit)
    };

    std::uint16_t code = 0;
    std::string name;  // "domain-name-servers"; "" when the code is unknown
    Kind kind = Kind::hex;
    std::string hex;   // the raw value, lowercase hex, no separators
    std::string text;  // one-line human form, always set
    std::int64_t number = 0;
    std::vector<std::string> items;
    std::vector<DecodedOption> suboptions;
    std::string error;  // why the value could not be decoded as its type

    bool operator==(const DecodedOption&) const = default;
};

// The name of a DHCPv4 / DHCPv6 option ("" when unknown).
std::string option4_name(std::uint8_t code);
std::string option6_name(std::uint16_t code);

// Known DHCPv4 codes: 1-4, 6, 7, 12, 13, 15, 17, 19, 26, 28, 42, 43 (sub-options when they
// parse), 50-61, 66, 67, 77, 81, 82, 93, 94, 97, 100, 101, 114, 119, 121, 125, 150, 175
// (iPXE/gPXE sub-options), 203, 209, 210, 211, 239, 252. Others are hex.
DecodedOption decode_option4(std::uint8_t code, std::span<const std::uint8_t> data);
// Known DHCPv6 codes: 1, 2 (DUIDs), 3 (IA_NA with IAADDR and status), 5, 6, 7, 8, 13, 14, 15, 16,
// 17, 21-24, 25, 26, 31, 32, 39, 56, 59, 60, 61, 62, 82. Others are hex.
DecodedOption decode_option6(std::uint16_t code, std::span<const std::uint8_t> data);

// A DUID as text: "DUID-LL hw 1 02:00:00:00:77:20", "DUID-UUID 1234...", else hex.
std::string describe_duid(std::span<const std::uint8_t> duid);

// RFC 1035 names as in option 119 / DHCPv6 option 24 (compression pointers allowed when
// `allow_compression`). Throws Error on a label past the end, a pointer loop or forward pointer.
std::vector<std::string> decode_domain_names(std::span<const std::uint8_t> data, bool allow_compression);

}  // namespace xcatdhcp::probe
