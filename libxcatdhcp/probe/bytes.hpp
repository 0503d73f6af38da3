// Bounds-checked big-endian reading and writing for the packet codecs (internal).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "xcatdhcp/error.hpp"

namespace xcatdhcp::probe::detail {

inline void put8(std::vector<std::uint8_t>& out, std::uint8_t v) { out.push_back(v); }
inline void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
}
inline void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}
inline void put_bytes(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> bytes) {
    out.insert(out.end(), bytes.begin(), bytes.end());
}

inline std::uint16_t get16(std::span<const std::uint8_t> b, std::size_t at) {
    return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}
inline std::uint32_t get32(std::span<const std::uint8_t> b, std::size_t at) {
    return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
           (std::uint32_t{b[at + 2]} << 8) | std::uint32_t{b[at + 3]};
}

// A cursor over a buffer that throws a clear Error instead of reading past its end.
class Reader {
public:
    // `what` starts every error message ("DHCPv6 packet", "option 3 (IA_NA)").
    Reader(std::span<const std::uint8_t> data, std::string what, std::size_t base_offset = 0)
        : data_(data), what_(std::move(what)), base_(base_offset) {}

    std::size_t offset() const { return pos_; }
    std::size_t absolute_offset() const { return base_ + pos_; }
    std::size_t left() const { return data_.size() - pos_; }
    bool done() const { return pos_ >= data_.size(); }

    void need(std::size_t n, const std::string& field) const {
        if (left() < n)
            throw Error(what_ + ": " + field + " at offset " + std::to_string(absolute_offset()) +
                        " needs " + std::to_string(n) + " byte" + (n == 1 ? "" : "s") + ", but only " +
                        std::to_string(left()) + " remain (truncated)");
    }
    std::uint8_t u8(const std::string& field) {
        need(1, field);
        return data_[pos_++];
    }
    std::uint16_t u16(const std::string& field) {
        need(2, field);
        auto v = get16(data_, pos_);
        pos_ += 2;
        return v;
    }
    std::uint32_t u32(const std::string& field) {
        need(4, field);
        auto v = get32(data_, pos_);
        pos_ += 4;
        return v;
    }
    std::span<const std::uint8_t> take(std::size_t n, const std::string& field) {
        need(n, field);
        auto s = data_.subspan(pos_, n);
        pos_ += n;
        return s;
    }
    std::span<const std::uint8_t> rest() {
        auto s = data_.subspan(pos_);
        pos_ = data_.size();
        return s;
    }

private:
    std::span<const std::uint8_t> data_;
    std::string what_;
    std::size_t base_ = 0;
    std::size_t pos_ = 0;
};

}  // namespace xcatdhcp::probe::detail
