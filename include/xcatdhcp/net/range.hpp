// networks.dynamicrange: parsing and "is this address dynamic" queries.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xcatdhcp/net/address.hpp"

namespace xcatdhcp::net {

// An inclusive address range, both ends of one family.
struct AddressRange {
    IpAddress first;
    IpAddress last;
    std::optional<int> cidr_length;  // set when written as a prefix ("10.0.0.0/24")

    Family family() const { return first.family(); }
    bool contains(const IpAddress& address) const;
    bool overlaps(const AddressRange& other) const;
    bool inside(const Prefix& prefix) const;
    std::string to_string() const;  // "a - b" (Kea pool syntax); CIDR ranges as "a/len"

    auto operator<=>(const AddressRange&) const = default;
};

// Items separated by ';'. Each item is a prefix "a/len" (bounds inclusive of network and
// broadcast, as xCAT does) or a pair split on any run of '-', ',' or blanks.
// Empty items are skipped. start > end, mixed families, a third address or an unparsable part
// throw an Error naming attribute "dynamicrange" and the offending item.
std::vector<AddressRange> parse_dynamic_ranges(std::string_view value);

// A sorted set of ranges answering "is this address dynamic".
class RangeSet {
public:
    void add(const AddressRange& range);
    bool contains(const IpAddress& address) const;
    bool empty() const { return ranges_.empty(); }
    const std::vector<AddressRange>& ranges() const { return ranges_; }  // merged

private:
    std::vector<AddressRange> ranges_;  // sorted by first
};

}  // namespace xcatdhcp::net
