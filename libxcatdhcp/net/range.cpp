#include "xcatdhcp/net/range.hpp"

#include "xcatdhcp/error.hpp"

#include <algorithm>

namespace xcatdhcp::net {

bool AddressRange::contains(const IpAddress& address) const {
    return address.family() == family() && first <= address && address <= last;
}

bool AddressRange::overlaps(const AddressRange& other) const {
    return other.family() == family() && first <= other.last && other.first <= last;
}

bool AddressRange::inside(const Prefix& prefix) const {
    return prefix.contains(first) && prefix.contains(last);
}

std::string AddressRange::to_string() const {
    if (cidr_length) return first.to_string() + "/" + std::to_string(*cidr_length);
    return first.to_string() + " - " + last.to_string();
}

namespace {

bool is_separator(char c) { return c == '-' || c == ',' || c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' ||
                          s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' ||
                          s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

[[noreturn]] void fail(std::string_view item, const std::string& why) {
    throw Error(why, "dynamicrange", std::string(item));
}

AddressRange parse_item(std::string_view item) {
    if (item.find('/') != std::string_view::npos) {
        auto prefix = Prefix::parse(item);
        if (!prefix) fail(item, "not a valid prefix (expected address/length)");
        // xCAT keeps the bounds inclusive of the network and broadcast addresses.
        return AddressRange{prefix->network(), prefix->last(), prefix->length()};
    }
    std::vector<std::string_view> parts;
    std::size_t pos = 0;
    while (pos < item.size()) {
        while (pos < item.size() && is_separator(item[pos])) ++pos;
        std::size_t end = pos;
        while (end < item.size() && !is_separator(item[end])) ++end;
        if (end > pos) parts.push_back(item.substr(pos, end - pos));
        pos = end;
    }
    if (parts.size() != 2)
        fail(item, "a range needs exactly two addresses (start-end, start,end or start end) or "
                   "a prefix, found " + std::to_string(parts.size()) + " part(s)");
    auto first = IpAddress::parse(parts[0]);
    if (!first) fail(item, "start " + quote(parts[0]) + " is not an IP address");
    auto last = IpAddress::parse(parts[1]);
    if (!last) fail(item, "end " + quote(parts[1]) + " is not an IP address");
    if (first->family() != last->family()) fail(item, "start and end are of different families");
    if (*last < *first) fail(item, "start is after end");
    return AddressRange{*first, *last, std::nullopt};
}

}  // namespace

std::vector<AddressRange> parse_dynamic_ranges(std::string_view value) {
    std::vector<AddressRange> ranges;
    while (true) {
        auto semicolon = value.find(';');
        std::string_view item = trim(value.substr(0, semicolon));
        if (!item.empty()) ranges.push_back(parse_item(item));
        if (semicolon == std::string_view::npos) break;
        value.remove_prefix(semicolon + 1);
    }
    return ranges;
}

void RangeSet::add(const AddressRange& range) {
    // Kept merged and sorted, so a lookup is one binary search.
    AddressRange merged{range.first, range.last, std::nullopt};
    auto at = std::lower_bound(ranges_.begin(), ranges_.end(), merged,
                               [](const AddressRange& a, const AddressRange& b) {
                                   return a.first < b.first;
                               });
    if (at != ranges_.begin() && std::prev(at)->family() == merged.family() &&
        std::prev(at)->last >= merged.first)
        --at;
    auto end = at;
    while (end != ranges_.end() && end->family() == merged.family() && end->first <= merged.last) {
        merged.first = std::min(merged.first, end->first);
        merged.last = std::max(merged.last, end->last);
        ++end;
    }
    at = ranges_.erase(at, end);
    ranges_.insert(at, merged);
}

bool RangeSet::contains(const IpAddress& address) const {
    auto it = std::upper_bound(ranges_.begin(), ranges_.end(), address,
                               [](const IpAddress& a, const AddressRange& r) { return a < r.first; });
    return it != ranges_.begin() && std::prev(it)->contains(address);
}

}  // namespace xcatdhcp::net
