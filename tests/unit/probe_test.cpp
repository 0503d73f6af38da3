// The probe: DHCPv4/DHCPv6 codecs, option decoding, framing, and the client exchanges over a
// scripted transport. The socket edge itself is covered by tests/integration/live_matrix.sh.
#include "xcatdhcp/error.hpp"
#include "xcatdhcp/probe/client.hpp"
#include "xcatdhcp/probe/dhcp4_packet.hpp"
#include "xcatdhcp/probe/dhcp6_packet.hpp"
#include "xcatdhcp/probe/frame.hpp"
#include "xcatdhcp/probe/options.hpp"
#include "xcatdhcp/probe/report.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <deque>
#include <functional>
#include <random>
#include <thread>

using namespace xcatdhcp;
using namespace xcatdhcp::probe;
using namespace std::chrono_literals;

namespace {

Bytes bytes(std::initializer_list<int> list) {
    Bytes out;
    for (int v : list) out.push_back(static_cast<std::uint8_t>(v));
    return out;
}

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

net::IpAddress ip(const char* s) { return net::IpAddress::parse(s).value(); }

Bytes address_bytes(const char* s) {
    auto a = ip(s);
    return Bytes(a.bytes().begin(), a.bytes().end());
}

Dhcp4Packet sample_offer() {
    Dhcp4Packet p;
    p.op = 2;
    p.xid = 0x12345678;
    p.secs = 3;
    p.flags = dhcp4_broadcast_flag;
    p.yiaddr = ip("192.168.70.20");
    p.siaddr = ip("192.168.70.1");
    p.set_client_hardware_address(net::Mac::parse("02:00:00:00:70:20"));
    p.sname = "xcatmn";
    p.file = "xcat/xnba.kpxe";
    p.options = {
        {53, {2}},
        {54, bytes({192, 168, 70, 1})},
        {1, bytes({255, 255, 255, 0})},
        {3, bytes({192, 168, 70, 1})},
        {6, bytes({192, 168, 70, 1, 192, 168, 70, 2})},
        {12, text("node20")},
        {15, text("cluster.test")},
        {51, bytes({0, 0, 0xa8, 0xc0})},
    };
    return p;
}

// The offset of the first option byte in an encoded packet.
constexpr std::size_t options_at = dhcp4_min_size;

// A valid packet whose options area is exactly `area` (no END added, no padding).
Bytes raw_packet(const Bytes& area) {
    Dhcp4Packet p;
    p.op = 2;
    p.xid = 1;
    Bytes b = encode(p);
    b.resize(options_at);
    b.insert(b.end(), area.begin(), area.end());
    return b;
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace

// ---------------------------------------------------------------- DHCPv4 codec

TEST_CASE("probe: DHCPv4 packets round-trip through encode and parse") {
    auto p = sample_offer();
    Bytes wire = encode(p);
    CHECK(wire.size() == bootp_min_size);  // padded like a real client's request
    CHECK(wire[236] == 0x63);
    auto back = parse_dhcp4(wire);
    CHECK(back == p);
    CHECK(back.message_type() == Dhcp4MessageType::offer);
    CHECK(back.client_hardware_address() == "02:00:00:00:70:20");
    CHECK(back.broadcast());
    CHECK(back.find(12)->data == text("node20"));
    CHECK(back.warnings.empty());
}

TEST_CASE("probe: DHCPv4 options longer than 255 bytes are split and joined again (RFC 3396)") {
    Dhcp4Packet p = sample_offer();
    Bytes long_value(600, 'a');
    p.set(17, long_value);
    Bytes wire = encode(p);
    int instances = 0;
    for (std::size_t i = options_at; i < wire.size() && wire[i] != 255;) {
        if (wire[i] == 0) {
            ++i;
            continue;
        }
        if (wire[i] == 17) ++instances;
        i += 2 + wire[i + 1];
    }
    CHECK(instances == 3);
    CHECK(parse_dhcp4(wire).find(17)->data == long_value);
}

TEST_CASE("probe: DHCPv4 encode refuses what cannot be written") {
    Dhcp4Packet p;
    p.file = std::string(128, 'f');
    CHECK_THROWS_WITH_AS(encode(p), doctest::Contains("file field holds at most 127"), Error);
    p.file.clear();
    p.sname = std::string(64, 's');
    CHECK_THROWS_WITH_AS(encode(p), doctest::Contains("sname"), Error);
    p.sname.clear();
    p.options = {{255, {1}}};
    CHECK_THROWS_AS(encode(p), Error);
    p.options = {{0, {}}};
    CHECK_THROWS_AS(encode(p), Error);
    p.options = {{43, Bytes(70000, 1)}};
    CHECK_THROWS_WITH_AS(encode(p), doctest::Contains("larger than the largest UDP datagram"), Error);
    p.options.clear();
    p.yiaddr = ip("fd00::1");
    CHECK_THROWS_AS(encode(p), Error);
    CHECK_THROWS_AS(p.set_client_hardware_address(net::Mac::parse(
                        "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33")),
                    Error);
}

TEST_CASE("probe: malformed DHCPv4 packets give clear errors") {
    Bytes good = encode(sample_offer());
    SUBCASE("empty and truncated header") {
        CHECK(contains(error_of([] { parse_dhcp4(Bytes{}); }), "shorter than the fixed BOOTP header"));
        for (std::size_t n : {1u, 100u, 235u})
            CHECK(contains(error_of([&] { parse_dhcp4(std::span(good).first(n)); }), "truncated or not DHCP"));
    }
    SUBCASE("no magic cookie") {
        CHECK(contains(error_of([&] { parse_dhcp4(std::span(good).first(238)); }), "before the magic cookie"));
    }
    SUBCASE("bad magic cookie") {
        Bytes b = good;
        b[239] = 0x64;
        auto e = error_of([&] { parse_dhcp4(b); });
        CHECK(contains(e, "magic cookie at offset 236 is 0x63825364"));
        CHECK(contains(e, "not a DHCP packet"));
    }
    SUBCASE("option length past the end") {
        auto e = error_of([] { parse_dhcp4(raw_packet(bytes({53, 1, 2, 6, 12, 10, 0, 0, 1}))); });
        CHECK(contains(e, "option 6 at offset 243 says its value is 12 bytes, but only 4 remain in the options field"));
    }
    SUBCASE("option without its length byte") {
        auto e = error_of([] { parse_dhcp4(raw_packet(bytes({53, 1, 2, 6}))); });
        CHECK(contains(e, "option 6 at offset 243 has no length byte"));
    }
    SUBCASE("huge packets") {
        Bytes huge(max_udp4_payload + 1, 0);
        CHECK(contains(error_of([&] { parse_dhcp4(huge); }), "larger than the largest UDP datagram"));
        // A big but legal one (jumbo frames, option concatenation) decodes.
        Bytes area;
        for (int i = 0; i < 200; ++i) {
            area.push_back(43);
            area.push_back(255);
            area.insert(area.end(), 255, static_cast<std::uint8_t>(i));
        }
        area.push_back(255);
        auto p = parse_dhcp4(raw_packet(area));
        CHECK(p.find(43)->data.size() == 200 * 255);
    }
    SUBCASE("overload with a bad value") {
        auto e = error_of([] { parse_dhcp4(raw_packet(bytes({52, 1, 4, 255}))); });
        CHECK(contains(e, "option 52 (overload) at offset 240 must be one byte 1, 2 or 3, not 4"));
        CHECK(contains(error_of([] { parse_dhcp4(raw_packet(bytes({52, 2, 1, 1, 255}))); }), "not 2 bytes"));
    }
}

TEST_CASE("probe: DHCPv4 pad, END and oddities that still decode") {
    SUBCASE("pads between options are skipped") {
        auto p = parse_dhcp4(raw_packet(bytes({0, 0, 53, 1, 2, 0, 12, 2, 'n', '1', 255})));
        REQUIRE(p.options.size() == 2);
        CHECK(p.find(12)->data == text("n1"));
        CHECK(p.warnings.empty());
    }
    SUBCASE("zero-length options are kept, and their decoding says what is wrong") {
        auto p = parse_dhcp4(raw_packet(bytes({53, 1, 2, 54, 0, 80, 0, 255})));
        REQUIRE(p.find(54));
        CHECK(p.find(54)->data.empty());
        CHECK(p.find(80)->data.empty());
        auto d = decode_option4(54, p.find(54)->data);
        CHECK(d.kind == DecodedOption::Kind::hex);
        CHECK(d.error == "expected 4 bytes, got 0");
    }
    SUBCASE("missing END") {
        auto p = parse_dhcp4(raw_packet(bytes({53, 1, 2, 12, 2, 'n', '1'})));
        CHECK(p.find(12));
        REQUIRE(p.warnings.size() == 1);
        CHECK(p.warnings[0] == "the options field has no END option (255)");
    }
    SUBCASE("bytes after END") {
        auto p = parse_dhcp4(raw_packet(bytes({53, 1, 2, 255, 0, 0, 12, 1, 'x'})));
        CHECK_FALSE(p.find(12));
        REQUIRE(p.warnings.size() == 1);
        CHECK(p.warnings[0] == "3 non-zero bytes after END in the options field ignored");
    }
    SUBCASE("split options are joined in order") {
        auto p = parse_dhcp4(raw_packet(bytes({15, 3, 'a', 'b', 'c', 53, 1, 2, 15, 2, 'd', 'e', 255})));
        CHECK(p.find(15)->data == text("abcde"));
        CHECK(p.options[0].code == 15);  // first-seen order
    }
    SUBCASE("hlen larger than chaddr") {
        Bytes b = encode(sample_offer());
        b[2] = 20;
        auto p = parse_dhcp4(b);
        CHECK(p.client_hardware_address().size() == 16 * 3 - 1);
        CHECK(p.warnings.at(0) == "hlen 20 is larger than the 16-byte chaddr field");
    }
}

TEST_CASE("probe: DHCPv4 option overload reads options from file and sname") {
    Dhcp4Packet base;
    base.op = 2;
    Bytes b = encode(base);
    b.resize(options_at);
    // options field: message type, overload = 3 (file and sname), END
    for (int v : {53, 1, 2, 52, 1, 3, 255}) b.push_back(static_cast<std::uint8_t>(v));
    // file field (offset 108): bootfile-name, END; sname (offset 44): host-name, no END
    Bytes file_options = bytes({67, 4, 'b', 'o', 'o', 't', 255});
    std::copy(file_options.begin(), file_options.end(), b.begin() + 108);
    Bytes sname_options = bytes({12, 2, 'h', 'n', 15, 1, 'x'});
    std::copy(sname_options.begin(), sname_options.end(), b.begin() + 44);
    auto p = parse_dhcp4(b);
    CHECK(p.file.empty());
    CHECK(p.sname.empty());
    CHECK(p.find(67)->data == text("boot"));
    CHECK(p.find(12)->data == text("hn"));
    CHECK(p.find(52)->data == bytes({3}));
    // File options come before sname options (RFC 2131 4.1).
    std::vector<int> order;
    for (const auto& o : p.options) order.push_back(o.code);
    CHECK(order == std::vector<int>{53, 52, 67, 12, 15});
    // The sname field ran out without END: a warning, not an error.
    REQUIRE(p.warnings.size() == 1);
    CHECK(contains(p.warnings[0], "sname field (overloaded) has no END"));

    SUBCASE("an overrun inside the file field names it") {
        Bytes bad = b;
        bad[108 + 1] = 200;  // bootfile-name length past the 128-byte field
        CHECK(contains(error_of([&] { parse_dhcp4(bad); }),
                       "option 67 at offset 108 says its value is 200 bytes, but only 126 remain in the file field"));
    }
    SUBCASE("overload 1 leaves sname as text") {
        Bytes one = b;
        one[options_at + 5] = 1;
        std::fill(one.begin() + 44, one.begin() + 108, 0);
        one[44] = 's';
        auto q = parse_dhcp4(one);
        CHECK(q.sname == "s");
        CHECK(q.find(67));
        CHECK_FALSE(q.find(12));
    }
    SUBCASE("option 52 inside an overloaded field is ignored") {
        Bytes nested = b;
        Bytes in_file = bytes({52, 1, 2, 67, 1, 'b', 255});
        std::fill(nested.begin() + 108, nested.begin() + 236, 0);
        std::copy(in_file.begin(), in_file.end(), nested.begin() + 108);
        auto q = parse_dhcp4(nested);
        CHECK(q.find(52)->data == bytes({3}));
        CHECK(contains(q.warnings.at(0), "option 52 (overload) inside the file field"));
    }
}

TEST_CASE("probe: every DHCPv4 option the probe knows is decoded") {
    struct Case {
        int code;
        Bytes data;
        std::string name;
        std::string text;
        DecodedOption::Kind kind;
    };
    using K = DecodedOption::Kind;
    const std::vector<Case> cases = {
        {1, bytes({255, 255, 255, 0}), "subnet-mask", "255.255.255.0", K::address},
        {2, bytes({0xff, 0xff, 0xf1, 0xf0}), "time-offset", "-3600", K::number},
        {3, bytes({10, 0, 0, 1, 10, 0, 0, 2}), "routers", "10.0.0.1, 10.0.0.2", K::list},
        {6, bytes({10, 0, 0, 53}), "domain-name-servers", "10.0.0.53", K::list},
        {12, text("cn0001"), "host-name", "cn0001", K::text},
        {15, text("cluster.test"), "domain-name", "cluster.test", K::text},
        {17, text("iscsi:10.0.5.1:6:3260:0:iqn.2024-01.test:t1"), "root-path",
         "iscsi:10.0.5.1:6:3260:0:iqn.2024-01.test:t1", K::text},
        {26, bytes({0x05, 0xdc}), "interface-mtu", "1500", K::number},
        {28, bytes({10, 0, 255, 255}), "broadcast-address", "10.0.255.255", K::address},
        {42, bytes({10, 0, 0, 1}), "ntp-servers", "10.0.0.1", K::list},
        {51, bytes({0, 0, 0xa8, 0xc0}), "dhcp-lease-time", "43200", K::number},
        {52, bytes({3}), "dhcp-option-overload", "3", K::number},
        {53, bytes({5}), "dhcp-message-type", "DHCPACK", K::text},
        {53, bytes({42}), "dhcp-message-type", "DHCP message type 42", K::text},
        {54, bytes({192, 168, 70, 1}), "dhcp-server-identifier", "192.168.70.1", K::address},
        {55, bytes({1, 3, 6}), "dhcp-parameter-request-list", "1,3,6", K::list},
        {57, bytes({0x05, 0xc0}), "dhcp-max-message-size", "1472", K::number},
        {58, bytes({0, 0, 0x0e, 0x10}), "dhcp-renewal-time", "3600", K::number},
        {60, text("HTTPClient"), "vendor-class-identifier", "HTTPClient", K::text},
        {61, bytes({1, 2, 0, 0, 0, 0x70, 0x20}), "dhcp-client-identifier", "01:02:00:00:00:70:20", K::text},
        {66, text("10.0.0.1"), "tftp-server-name", "10.0.0.1", K::text},
        {67, text("xcat/xnba.efi"), "bootfile-name", "xcat/xnba.efi", K::text},
        {67, bytes({'p', 'x', 'e', 0, 0}), "bootfile-name", "pxe", K::text},  // NUL-terminated
        {77, text("xNBA"), "user-class", "xNBA", K::text},
        {81, bytes({0x01, 0, 0, 'c', 'n', '1'}), "fqdn", "flags 0x01 cn1", K::text},
        {81, bytes({0x05, 0, 0, 3, 'c', 'n', '1', 0}), "fqdn", "flags 0x05 cn1", K::text},
        {93, bytes({0, 7}), "client-architecture", "0x0007", K::text},
        {93, bytes({0, 0, 0, 0x10}), "client-architecture", "0x0000, 0x0010", K::list},
        {94, bytes({1, 3, 16}), "client-ndi", "type 1 version 3.16", K::text},
        {97, bytes({0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 1, 2, 3, 4, 5, 6, 7, 8}), "client-uuid",
         "type 0 12345678-9abc-def0-0102-030405060708", K::text},
        {101, text("Europe/Berlin"), "tcode", "Europe/Berlin", K::text},
        {114, text("http://10.0.0.1/install/onie/onie-installer"), "default-url",
         "http://10.0.0.1/install/onie/onie-installer", K::text},
        {119, bytes({7, 'c', 'l', 'u', 's', 't', 'e', 'r', 4, 't', 'e', 's', 't', 0, 3, 'l', 'a', 'b', 0xc0, 0}),
         "domain-search", "cluster.test, lab.cluster.test", K::list},
        {121, bytes({24, 10, 1, 2, 10, 0, 0, 254, 0, 10, 0, 0, 1}), "classless-static-routes",
         "10.1.2.0/24 via 10.0.0.254, 0.0.0.0/0 via 10.0.0.1", K::list},
        {150, bytes({10, 0, 0, 1}), "tftp-server-address", "10.0.0.1", K::list},
        {203, text("iqn.2024-01.test:cn0001"), "iscsi-initiator-iqn", "iqn.2024-01.test:cn0001", K::text},
        {209, text("pxelinux.cfg/cn0001"), "pxelinux-configfile", "pxelinux.cfg/cn0001", K::text},
        {210, text("/tftpboot/"), "pxelinux-pathprefix", "/tftpboot/", K::text},
        {211, bytes({0, 0, 0, 30}), "pxelinux-reboottime", "30", K::number},
        {239, text("http://10.0.0.1/install/cumulus/ztp.sh"), "cumulus-provision-url",
         "http://10.0.0.1/install/cumulus/ztp.sh", K::text},
        {252, text("http://wpad/wpad.dat"), "wpad-url", "http://wpad/wpad.dat", K::text},
        {200, bytes({1, 2}), "", "0102", K::hex},
    };
    for (const auto& c : cases) {
        CAPTURE(c.code);
        CAPTURE(c.text);
        auto d = decode_option4(static_cast<std::uint8_t>(c.code), c.data);
        CHECK(d.code == c.code);
        CHECK(d.name == c.name);
        CHECK(d.text == c.text);
        CHECK(d.kind == c.kind);
        CHECK(d.error.empty());
        CHECK(d.hex == to_hex(c.data));
    }
    CHECK(option4_name(67) == "bootfile-name");
    CHECK(option4_name(199).empty());
}

TEST_CASE("probe: encapsulated DHCPv4 options (43, 175) decode as sub-options") {
    // xCAT's iPXE settings: 175.176 no-pxedhcp = 1, 175.177 bus-id
    auto ipxe = decode_option4(175, bytes({176, 1, 1, 177, 5, 1, 0x10, 0xec, 0x81, 0x68}));
    CHECK(ipxe.kind == DecodedOption::Kind::suboptions);
    REQUIRE(ipxe.suboptions.size() == 2);
    CHECK(ipxe.suboptions[0].name == "no-pxedhcp");
    CHECK(ipxe.suboptions[0].number == 1);
    CHECK(ipxe.suboptions[1].name == "bus-id");
    CHECK(ipxe.suboptions[1].kind == DecodedOption::Kind::hex);
    // xCAT's ISAN space in 43: 203 = initiator IQN
    auto isan = decode_option4(43, bytes({203, 4, 'i', 'q', 'n', '1', 255}));
    REQUIRE(isan.suboptions.size() == 1);
    CHECK(isan.suboptions[0].name == "isan.iqn");
    CHECK(isan.suboptions[0].text == "iqn1");
    CHECK(isan.text == "203=iqn1");
    // Vendor data that is not TLV stays hex, with the reason.
    auto opaque = decode_option4(43, bytes({1, 9, 2}));
    CHECK(opaque.kind == DecodedOption::Kind::hex);
    CHECK(opaque.error == "sub-option 1 says 9 bytes, but only 1 remain");
}

TEST_CASE("probe: DHCPv4 values that do not match their type fall back to hex") {
    struct Case {
        int code;
        Bytes data;
        std::string error;
    };
    const std::vector<Case> cases = {
        {1, bytes({255, 255, 255}), "expected 4 bytes, got 3"},
        {3, bytes({10, 0, 0}), "expected a non-empty multiple of 4 bytes, got 3"},
        {3, Bytes{}, "expected a non-empty multiple of 4 bytes, got 0"},
        {51, bytes({1}), "expected 4 bytes, got 1"},
        {12, bytes({'a', 0x01, 'b'}), "not printable text"},
        {67, Bytes{}, "empty value"},
        {61, bytes({1}), "a client identifier has a type byte and at least one byte"},
        {93, bytes({0}), "expected a non-empty multiple of 2 bytes, got 1"},
        {97, bytes({0, 1, 2}), "expected 17 bytes, got 3"},
        {119, bytes({5, 'a', 'b'}), "label at offset 0 says 5 bytes, but the option ends before"},
        {119, bytes({1, 'a', 0xc0, 0}), "compression pointer at offset 2 does not point backwards (loop)"},
        {119, bytes({0xc0, 5}), "compression pointer at offset 0 does not point backwards (loop)"},
        {119, bytes({1, 'a', 0xc0}), "compression pointer at offset 2 is cut off"},
        {119, bytes({0x80}), "label type 0x80 at offset 0 is not supported"},
        {121, bytes({33, 0, 0, 0, 0, 0, 0, 0, 0}), "route prefix length 33 is over 32"},
        {121, bytes({24, 10, 1}), "route runs past the end of the option"},
        {81, bytes({1, 0}), "expected flags, two rcodes and a name"},
        {81, bytes({0x04, 0, 0, 0x80}), "label type 0x80 at offset 0 is not supported"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.code);
        auto d = decode_option4(static_cast<std::uint8_t>(c.code), c.data);
        CHECK(d.kind == DecodedOption::Kind::hex);
        CHECK(d.error == c.error);
        CHECK(d.text == to_hex(c.data));
    }
}

TEST_CASE("probe: hex input parsing") {
    CHECK(parse_hex("01:02:0a", "x") == bytes({1, 2, 10}));
    CHECK(parse_hex("0x0007", "x") == bytes({0, 7}));
    CHECK(parse_hex("01-AB ff.00", "x") == bytes({1, 0xab, 0xff, 0}));
    CHECK(parse_hex("", "x").empty());
    CHECK_THROWS_WITH_AS(parse_hex("0g", "client-id"), doctest::Contains("client-id '0g'"), Error);
    CHECK_THROWS_WITH_AS(parse_hex("123", "x"), doctest::Contains("odd number"), Error);
    CHECK(to_hex_colon(bytes({1, 0xab})) == "01:ab");
}

TEST_CASE("probe: random and mutated DHCPv4 input never crashes the decoder") {
    std::mt19937 rng(20261122);
    auto base = sample_offer();
    base.sname.clear();  // both fields carry options (overload 3 below): here only PADs
    base.file.clear();
    Bytes good = encode(base);
    good.resize(options_at);
    Bytes area = bytes({53, 1, 2, 52, 1, 3, 119, 6, 3, 'a', 'b', 'c', 0xc0, 0, 43, 3, 203, 1, 'x', 255});
    good.insert(good.end(), area.begin(), area.end());
    int decoded = 0, rejected = 0;
    for (int round = 0; round < 20000; ++round) {
        Bytes b = good;
        int mutations = 1 + static_cast<int>(rng() % 8);
        for (int m = 0; m < mutations; ++m) b[rng() % b.size()] = static_cast<std::uint8_t>(rng());
        if (rng() % 4 == 0) b.resize(rng() % (b.size() + 1));
        if (rng() % 8 == 0) b.resize(b.size() + rng() % 300, static_cast<std::uint8_t>(rng()));
        try {
            auto p = parse_dhcp4(b);
            for (const auto& d : decode_options(p)) CHECK_FALSE(d.hex.size() % 2);
            (void)p.client_hardware_address();
            ++decoded;
        } catch (const Error& e) {
            CHECK(std::string(e.what()).rfind("DHCPv4 packet: ", 0) == 0);
            ++rejected;
        }
    }
    CHECK(decoded > 1000);
    CHECK(rejected > 1000);
    for (int round = 0; round < 2000; ++round) {
        Bytes b(rng() % 600);
        for (auto& c : b) c = static_cast<std::uint8_t>(rng());
        for (int code = 0; code < 256; code += 1 + static_cast<int>(rng() % 7))
            (void)decode_option4(static_cast<std::uint8_t>(code), std::span(b).first(rng() % (b.size() + 1)));
        try {
            (void)parse_dhcp4(b);
        } catch (const Error&) {
        }
    }
}

// ---------------------------------------------------------------- DHCPv6 codec

namespace {
Dhcp6Packet sample_advertise() {
    Dhcp6Packet p;
    p.msg_type = 2;
    p.transaction_id = 0xabcdef;
    p.options.push_back({opt6::client_id, bytes({0, 4, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
                                                 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00})});
    p.options.push_back({opt6::server_id, bytes({0, 3, 0, 1, 2, 0, 0, 0, 0x70, 1})});
    auto address = encode_ia_address(ip("fd00:70::20"), 3600, 7200);
    p.options.push_back({opt6::ia_na, encode_ia_na(1, 1800, 2880, {{opt6::ia_addr, address}})});
    p.options.push_back({opt6::dns_servers, address_bytes("fd00:70::1")});
    p.options.push_back({opt6::bootfile_url, text("http://[fd00:70::1]/tftpboot/xcat/xnba.efi")});
    return p;
}
}  // namespace

TEST_CASE("probe: DHCPv6 messages round-trip and IA_NA decodes") {
    auto p = sample_advertise();
    Bytes wire = encode(p);
    CHECK(wire[0] == 2);
    CHECK(wire[1] == 0xab);
    auto back = parse_dhcp6(wire);
    CHECK(back == p);
    auto ia = parse_ia_na(back.find(opt6::ia_na)->data);
    CHECK(ia.iaid == 1);
    CHECK(ia.t1 == 1800);
    REQUIRE(ia.addresses.size() == 1);
    CHECK(ia.addresses[0].address == ip("fd00:70::20"));
    CHECK(ia.addresses[0].valid_lifetime == 7200);
    CHECK_FALSE(ia.status);
    CHECK(duid_ll(net::Mac::parse("02:00:00:00:70:01")) == bytes({0, 3, 0, 1, 2, 0, 0, 0, 0x70, 1}));
    CHECK_THROWS_AS(encode(Dhcp6Packet{1, 0x1000000, {}}), Error);
    CHECK_THROWS_WITH_AS(encode(Dhcp6Packet{1, 1, {{1, Bytes(70000, 0)}}}), doctest::Contains("longer than 65535"),
                         Error);
}

TEST_CASE("probe: malformed DHCPv6 messages give clear errors") {
    CHECK(contains(error_of([] { parse_dhcp6(bytes({2, 0, 0})); }), "shorter than the 4-byte header"));
    CHECK(contains(error_of([] { parse_dhcp6(bytes({12, 0, 0, 0})); }), "RELAY-FORW is a relay message"));
    CHECK(contains(error_of([] { parse_dhcp6(bytes({2, 0, 0, 1, 0, 1, 0})); }),
                   "option header at offset 4 needs 4 bytes, but only 3 remain"));
    CHECK(contains(error_of([] { parse_dhcp6(bytes({2, 0, 0, 1, 0, 1, 0, 9, 1, 2})); }),
                   "option 1 at offset 4 says its value is 9 bytes, but only 2 remain"));
    CHECK(contains(error_of([] { parse_dhcp6(Bytes(max_udp6_payload + 1, 0)); }), "larger than the largest"));
    // Nested overruns are found when the IA_NA is read.
    Bytes ia = encode_ia_na(1, 0, 0, {{opt6::ia_addr, Bytes(10, 0)}});
    ia.back() = 0;
    ia[12 + 3] = 40;  // IAADDR length past the end of the IA_NA
    CHECK(contains(error_of([&] { parse_ia_na(ia); }), "option 3 (IA_NA): option 5 at offset 12 says its value is 40"));
    CHECK(contains(error_of([] { parse_ia_na(bytes({0, 0, 0, 1, 0, 0})); }), "T1 at offset 4 needs 4 bytes"));
    CHECK(contains(error_of([] { parse_ia_address(Bytes(20, 0)); }), "valid lifetime at offset 20 needs 4 bytes"));
    // Zero-length options and an empty message body are fine.
    auto p = parse_dhcp6(bytes({7, 0, 0, 1, 0, 14, 0, 0}));
    REQUIRE(p.options.size() == 1);
    CHECK(decode_option6(14, p.options[0].data).kind == DecodedOption::Kind::flag);
    CHECK(parse_dhcp6(bytes({7, 0, 0, 1})).options.empty());
}

TEST_CASE("probe: DHCPv6 options decode") {
    using K = DecodedOption::Kind;
    CHECK(decode_option6(1, bytes({0, 3, 0, 1, 2, 0, 0, 0, 0x70, 1})).text == "DUID-LL hw 1 02:00:00:00:70:01");
    CHECK(decode_option6(2, bytes({0, 1, 0, 1, 0, 0, 0, 9, 2, 0, 0, 0, 0x70, 1})).text ==
          "DUID-LLT hw 1 time 9 02:00:00:00:70:01");
    CHECK(decode_option6(1, bytes({0, 2, 0, 0, 0x01, 0x57, 0xab})).text == "DUID-EN enterprise 343 ab");
    CHECK(decode_option6(1, bytes({0, 4, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
                                   0xee, 0xff, 0x00}))
              .text == "DUID-UUID 11223344-5566-7788-99aa-bbccddeeff00");
    auto ia = decode_option6(3, sample_advertise().find(3)->data);
    CHECK(ia.kind == K::suboptions);
    CHECK(ia.text == "IAID 1 T1 1800 T2 2880; iaaddr fd00:70::20 preferred 3600 valid 7200");
    REQUIRE(ia.suboptions.size() == 1);
    CHECK(ia.suboptions[0].name == "iaaddr");
    auto no_address = decode_option6(3, encode_ia_na(1, 0, 0, {{13, bytes({0, 2, 'n', 'o'})}}));
    CHECK(no_address.text == "IAID 1 T1 0 T2 0; status-code NoAddrsAvail: no");
    CHECK(decode_option6(6, bytes({0, 23, 0, 59})).text == "23,59");
    CHECK(decode_option6(7, bytes({255})).number == 255);
    CHECK(decode_option6(8, bytes({0, 100})).number == 100);
    CHECK(decode_option6(13, bytes({0, 0})).text == "Success");
    CHECK(decode_option6(15, bytes({0, 4, 'x', 'N', 'B', 'A'})).items == std::vector<std::string>{"xNBA"});
    auto vendor = decode_option6(16, bytes({0, 0, 1, 0x57, 0, 10, 'H', 'T', 'T', 'P', 'C', 'l', 'i', 'e', 'n', 't'}));
    CHECK(vendor.text == "enterprise 343: HTTPClient");
    CHECK(decode_option6(17, bytes({0, 0, 0, 9, 0, 1, 0, 2, 'o', 'k'})).text == "enterprise 9 1=ok");
    CHECK(decode_option6(23, address_bytes("fd00::53")).text == "fd00::53");
    CHECK(decode_option6(24, bytes({1, 'a', 4, 't', 'e', 's', 't', 0})).text == "a.test");
    CHECK(decode_option6(24, bytes({1, 'a', 0xc0, 0})).error == "compression pointer at offset 2 where none is allowed");
    CHECK(decode_option6(39, bytes({1, 3, 'c', 'n', '1', 0})).text == "flags 0x01 cn1");
    CHECK(decode_option6(59, text("tftp://[fd00::1]/x.efi")).text == "tftp://[fd00::1]/x.efi");
    CHECK(decode_option6(60, bytes({0, 2, 'a', 'b', 0, 1, 'c'})).items == std::vector<std::string>{"ab", "c"});
    CHECK(decode_option6(61, bytes({0, 7})).text == "0x0007");
    CHECK(decode_option6(62, bytes({1, 3, 10})).text == "type 1 version 3.10");
    CHECK(decode_option6(82, bytes({0, 0, 0, 60})).number == 60);
    Bytes ntp = bytes({0, 1, 0, 16});
    Bytes server = address_bytes("fd00::7b");
    ntp.insert(ntp.end(), server.begin(), server.end());
    CHECK(decode_option6(56, ntp).text == "fd00::7b");
    CHECK(decode_option6(999, bytes({1})).kind == K::hex);
    CHECK(decode_option6(3, bytes({0, 0})).error == "expected IAID, T1, T2 (12 bytes), got 2");
    CHECK(decode_option6(15, bytes({0, 9, 'a'})).error == "string of 9 bytes runs past the end");
    CHECK(decode_option6(14, bytes({1})).error == "expected no value");
    CHECK(option6_name(59) == "bootfile-url");
}

TEST_CASE("probe: random DHCPv6 input never crashes the decoder") {
    std::mt19937 rng(6);
    Bytes good = encode(sample_advertise());
    for (int round = 0; round < 20000; ++round) {
        Bytes b = good;
        for (int m = 0, n = 1 + static_cast<int>(rng() % 6); m < n; ++m) b[rng() % b.size()] = static_cast<std::uint8_t>(rng());
        if (rng() % 4 == 0) b.resize(rng() % (b.size() + 1));
        try {
            auto p = parse_dhcp6(b);
            (void)decode_options(p);
            for (const auto& o : p.options)
                if (o.code == opt6::ia_na) {
                    try {
                        (void)parse_ia_na(o.data);
                    } catch (const Error&) {
                    }
                }
        } catch (const Error& e) {
            CHECK(std::string(e.what()).rfind("DHCPv6 packet: ", 0) == 0);
        }
    }
}

// ---------------------------------------------------------------- framing

TEST_CASE("probe: Ethernet/IPv4/UDP frames are built with valid checksums and parsed back") {
    Udp4Datagram d;
    d.source_mac = {2, 0, 0, 0, 0x70, 0x20};
    d.destination_mac = ethernet_broadcast;
    d.source = ip("0.0.0.0");
    d.destination = ip("255.255.255.255");
    d.source_port = 68;
    d.destination_port = 67;
    d.payload = encode(sample_offer());
    d.payload.push_back(7);  // odd length exercises the checksum's last byte
    Bytes f = build_udp4_frame(d);
    CHECK(f.size() == 14 + 20 + 8 + d.payload.size());
    // IPv4 header checksum verifies to zero.
    CHECK(checksum_finish(checksum_add(std::span(f).subspan(14, 20))) == 0);
    // UDP checksum over the pseudo header verifies to zero.
    std::uint32_t sum = checksum_add(std::span(f).subspan(26, 8));
    sum += 17;
    sum += static_cast<std::uint32_t>(8 + d.payload.size());
    CHECK(checksum_finish(checksum_add(std::span(f).subspan(34), sum)) == 0);

    auto back = parse_udp4_frame(f);
    REQUIRE(back);
    CHECK(back->source_mac == d.source_mac);
    CHECK(back->destination_mac == d.destination_mac);
    CHECK(back->destination == d.destination);
    CHECK(back->source_port == 68);
    CHECK(back->payload == d.payload);
    CHECK(to_string(back->source_mac) == "02:00:00:00:70:20");

    SUBCASE("Ethernet padding after the IP datagram is ignored") {
        Bytes padded = f;
        padded.insert(padded.end(), 20, 0);
        CHECK(parse_udp4_frame(padded)->payload == d.payload);
    }
    SUBCASE("frames that are not unfragmented IPv4/UDP are refused") {
        Bytes bad = f;
        bad[12] = 0x86;  // IPv6 ethertype
        CHECK_FALSE(parse_udp4_frame(bad));
        bad = f;
        bad[14 + 10] ^= 1;  // IP checksum
        CHECK_FALSE(parse_udp4_frame(bad));
        bad = f;
        bad[14 + 9] = 6;  // TCP
        CHECK_FALSE(parse_udp4_frame(bad));
        bad = f;
        bad[14 + 6] = 0x20;  // more fragments
        CHECK_FALSE(parse_udp4_frame(bad));
        CHECK_FALSE(parse_udp4_frame(std::span(f).first(40)));
        CHECK_FALSE(parse_udp4_frame(std::span(f).first(f.size() - 1)));  // IP total length past the frame
    }
    SUBCASE("random frames never crash") {
        std::mt19937 rng(4);
        for (int i = 0; i < 5000; ++i) {
            Bytes b = f;
            for (int m = 0; m < 4; ++m) b[rng() % 60] = static_cast<std::uint8_t>(rng());
            if (rng() % 3 == 0) b.resize(rng() % b.size());
            (void)parse_udp4_frame(b);
        }
    }
}

// ---------------------------------------------------------------- the DHCPv4 client

namespace {

// The replies a scripted server queued, handed out one per receive(); an empty queue waits a
// little (up to the deadline) and reports nothing, as a quiet link does.
template <class Received>
class ReplyQueue {
public:
    void push(Received r) { queue_.push_back(std::move(r)); }
    std::optional<Received> next(std::chrono::steady_clock::time_point deadline) {
        if (queue_.empty()) {
            std::this_thread::sleep_until(std::min(deadline, std::chrono::steady_clock::now() + 5ms));
            return std::nullopt;
        }
        auto r = std::move(queue_.front());
        queue_.pop_front();
        return r;
    }

private:
    std::deque<Received> queue_;
};

// A scripted server: answers each DHCPDISCOVER/DHCPREQUEST the client sends with the replies a
// handler returns, and records what was sent.
class FakeTransport4 : public Dhcp4Transport {
public:
    std::function<std::vector<Received4>(const Dhcp4Packet&)> server;
    std::vector<std::pair<Dhcp4Packet, Send4>> sent;

    void send(const Bytes& payload, const Send4& to) override {
        auto packet = parse_dhcp4(payload);
        sent.emplace_back(packet, to);
        if (server)
            for (auto& r : server(packet)) queue.push(std::move(r));
    }
    std::optional<Received4> receive(std::chrono::steady_clock::time_point deadline) override {
        return queue.next(deadline);
    }

private:
    ReplyQueue<Received4> queue;
};

const net::Mac client_mac = net::Mac::parse("02:00:00:00:70:20");
const EthernetAddress server_mac{2, 0, 0, 0, 0x70, 1};

Received4 answer(const Dhcp4Packet& request, Dhcp4MessageType type, const char* yiaddr = "192.168.70.20",
                 const char* server = "192.168.70.1") {
    Dhcp4Packet p;
    p.op = 2;
    p.xid = request.xid;
    p.flags = request.flags;
    p.chaddr = request.chaddr;
    p.hlen = request.hlen;
    p.yiaddr = ip(yiaddr);
    p.siaddr = ip("192.168.70.1");
    p.file = "xcat/xnba.efi";
    auto server_ip = ip(server);
    std::uint32_t v = server_ip.v4_value();
    p.options = {{53, {static_cast<std::uint8_t>(type)}},
                 {54, bytes({int(v >> 24), int(v >> 16 & 255), int(v >> 8 & 255), int(v & 255)})},
                 {1, bytes({255, 255, 255, 0})}};
    return Received4{encode(p), server_mac, server_ip};
}

Dhcp4ProbeOptions quick_options() {
    Dhcp4ProbeOptions o;
    o.interface = "veth-test";
    o.timeout = 200ms;
    o.retransmit = 80ms;
    o.xid = 0x11223344;
    return o;
}

}  // namespace

TEST_CASE("probe: the DHCPDISCOVER carries the client's identity") {
    auto o = quick_options();
    o.arch = 0x0007;
    o.user_class = "xNBA";
    o.vendor_class = "PXEClient:Arch:00007:UNDI:003016";
    o.client_id = bytes({1, 2, 0, 0, 0, 0x70, 0x20});
    o.hostname = "cn0001";
    o.extra_options = {{97, Bytes(17, 0)}, {60, text("HTTPClient")}};
    auto d = build_discover(o, client_mac, 0x11223344);
    CHECK(d.message_type() == Dhcp4MessageType::discover);
    CHECK(d.op == 1);
    CHECK(d.xid == 0x11223344);
    CHECK(d.broadcast());
    CHECK(d.client_hardware_address() == "02:00:00:00:70:20");
    CHECK(d.find(93)->data == bytes({0, 7}));
    CHECK(d.find(77)->data == text("xNBA"));
    CHECK(d.find(60)->data == text("HTTPClient"));  // the extra option replaced it
    CHECK(d.find(61)->data == bytes({1, 2, 0, 0, 0, 0x70, 0x20}));
    CHECK(d.find(12)->data == text("cn0001"));
    CHECK(d.find(97)->data.size() == 17);
    CHECK(d.find(55)->data == default_parameter_request_list());
    for (int code : {67, 114, 119, 175, 203, 209, 239})
        CHECK(std::find(d.find(55)->data.begin(), d.find(55)->data.end(), code) != d.find(55)->data.end());
    o.parameter_request_list = {1, 67};
    o.broadcast = false;
    d = build_discover(o, client_mac, 1);
    CHECK(d.find(55)->data == bytes({1, 67}));
    CHECK_FALSE(d.broadcast());
    o.extra_options = {{53, {3}}};
    CHECK_THROWS_AS(build_discover(o, client_mac, 1), Error);
    o.extra_options.clear();
    o.user_class = "";
    CHECK_THROWS_WITH_AS(build_discover(o, client_mac, 1), doctest::Contains("must not be empty"), Error);
}

TEST_CASE("probe: DORA over a scripted server") {
    FakeTransport4 t;
    t.server = [](const Dhcp4Packet& p) -> std::vector<Received4> {
        if (p.message_type() == Dhcp4MessageType::discover) return {answer(p, Dhcp4MessageType::offer)};
        if (p.message_type() == Dhcp4MessageType::request) return {answer(p, Dhcp4MessageType::ack)};
        return {};
    };
    auto o = quick_options();
    o.request = true;
    o.release = true;
    o.arch = 0;
    auto r = probe_dhcp4(o, t, client_mac);
    CHECK(r.status == "ack");
    CHECK(r.ok());
    CHECK(r.message == "192.168.70.20 acknowledged by 192.168.70.1, then released");
    REQUIRE(r.offers.size() == 1);
    CHECK(r.offers[0].source_mac == "02:00:00:00:70:01");
    REQUIRE(r.ack);
    CHECK(r.ack->packet.message_type() == Dhcp4MessageType::ack);
    REQUIRE(t.sent.size() == 3);
    const auto& request = t.sent[1].first;
    CHECK(request.message_type() == Dhcp4MessageType::request);
    CHECK(request.xid == r.xid);
    CHECK(request.find(50)->data == bytes({192, 168, 70, 20}));
    CHECK(request.find(54)->data == bytes({192, 168, 70, 1}));
    CHECK(request.find(93)->data == bytes({0, 0}));  // classes are evaluated again on REQUEST
    const auto& [release, to] = t.sent[2];
    CHECK(release.message_type() == Dhcp4MessageType::release);
    CHECK(release.ciaddr == ip("192.168.70.20"));
    CHECK(to.destination == ip("192.168.70.1"));
    CHECK(to.source == ip("192.168.70.20"));
    CHECK(to.destination_mac == server_mac);

    // The report carries every field a test compares.
    auto j = nlohmann::json::parse(to_json(r));
    CHECK(j["status"] == "ack");
    CHECK(j["ok"] == true);
    CHECK(j["xid"] == "0x11223344");
    CHECK(j["offer"]["yiaddr"] == "192.168.70.20");
    CHECK(j["offer"]["server_id"] == "192.168.70.1");
    CHECK(j["ack"]["type"] == "DHCPACK");
    CHECK(j["ack"]["file"] == "xcat/xnba.efi");
    CHECK(j["ack"]["siaddr"] == "192.168.70.1");
    CHECK(j["ack"]["flags"] == "0x8000");
    CHECK(j["ack"]["options"][2]["name"] == "subnet-mask");
    CHECK(j["ack"]["options"][2]["value"] == "255.255.255.0");
    CHECK(j["sent"]["options"][0]["value"] == "DHCPDISCOVER");
    CHECK(j["released"] == true);
    auto text_report = to_text(r);
    CHECK(contains(text_report, "DHCPOFFER from 192.168.70.1 (02:00:00:00:70:01)"));
    CHECK(contains(text_report, "  file           xcat/xnba.efi\n"));
    CHECK(contains(text_report, "result: ack: 192.168.70.20 acknowledged"));
}

TEST_CASE("probe: replies for other clients, and undecodable ones, are not taken") {
    FakeTransport4 t;
    t.server = [](const Dhcp4Packet& p) -> std::vector<Received4> {
        if (p.message_type() != Dhcp4MessageType::discover) return {};
        auto other_xid = answer(p, Dhcp4MessageType::offer, "192.168.70.99");
        other_xid.payload[7] ^= 1;
        auto other_mac = answer(p, Dhcp4MessageType::offer, "192.168.70.98");
        other_mac.payload[33] ^= 1;
        auto broken = answer(p, Dhcp4MessageType::offer, "192.168.70.97");
        broken.payload[236] = 0;  // magic cookie
        auto request_echo = encode(p);  // our own broadcast seen on the wire
        return {other_xid, other_mac, broken, Received4{request_echo, {}, ip("0.0.0.0")},
                answer(p, Dhcp4MessageType::offer)};
    };
    auto r = probe_dhcp4(quick_options(), t, client_mac);
    CHECK(r.status == "offer");
    REQUIRE(r.offers.size() == 1);
    CHECK(r.offers[0].packet.yiaddr == ip("192.168.70.20"));
    REQUIRE(r.ignored.size() == 1);
    CHECK(contains(r.ignored[0], "from 192.168.70.1: DHCPv4 packet: magic cookie"));
}

TEST_CASE("probe: nobody answers: retransmissions, then a clear message") {
    FakeTransport4 t;
    auto o = quick_options();
    o.mac = net::Mac::parse("02:00:00:00:70:99");
    auto r = probe_dhcp4(o, t, client_mac);
    CHECK(r.status == "no-offer");
    CHECK_FALSE(r.ok());
    CHECK(r.chaddr == "02:00:00:00:70:99");
    CHECK(t.sent.size() >= 2);  // 200 ms with an 80 ms interval
    CHECK(t.sent.size() <= 4);
    for (const auto& [p, to] : t.sent) CHECK(p.xid == 0x11223344);
    CHECK(contains(r.message, "no DHCPOFFER on veth-test within 0.2 s (chaddr 02:00:00:00:70:99, xid 0x11223344)"));
    auto j = nlohmann::json::parse(to_json(r));
    CHECK(j["offer"].is_null());
    CHECK(j["ack"].is_null());
    CHECK(j["status"] == "no-offer");
}

TEST_CASE("probe: DHCPNAK, a missing ACK, and several offers") {
    SUBCASE("NAK") {
        FakeTransport4 t;
        t.server = [](const Dhcp4Packet& p) -> std::vector<Received4> {
            if (p.message_type() == Dhcp4MessageType::discover) return {answer(p, Dhcp4MessageType::offer)};
            auto nak = answer(p, Dhcp4MessageType::nak, "0.0.0.0");
            auto packet = parse_dhcp4(nak.payload);
            packet.set(56, text("address in use"));
            nak.payload = encode(packet);
            return {nak};
        };
        auto o = quick_options();
        o.request = true;
        auto r = probe_dhcp4(o, t, client_mac);
        CHECK(r.status == "nak");
        CHECK(r.message == "DHCPNAK from 192.168.70.1 for 192.168.70.20: address in use");
    }
    SUBCASE("no ACK") {
        FakeTransport4 t;
        t.server = [](const Dhcp4Packet& p) -> std::vector<Received4> {
            if (p.message_type() == Dhcp4MessageType::discover) return {answer(p, Dhcp4MessageType::offer)};
            return {answer(p, Dhcp4MessageType::ack, "192.168.70.20", "192.168.70.2")};  // another server
        };
        auto o = quick_options();
        o.request = true;
        auto r = probe_dhcp4(o, t, client_mac);
        CHECK(r.status == "no-ack");
        CHECK(contains(r.message, "no DHCPACK or DHCPNAK came within 0.2 s"));
    }
    SUBCASE("--all keeps every distinct offer") {
        FakeTransport4 t;
        t.server = [](const Dhcp4Packet& p) -> std::vector<Received4> {
            return {answer(p, Dhcp4MessageType::offer), answer(p, Dhcp4MessageType::offer, "192.168.70.30", "192.168.70.2"),
                    answer(p, Dhcp4MessageType::offer)};
        };
        auto o = quick_options();
        o.all_offers = true;
        auto r = probe_dhcp4(o, t, client_mac);
        CHECK(r.status == "offer");
        CHECK(r.offers.size() == 2);  // the duplicate of a retransmission is dropped
        CHECK(contains(r.message, "(2 offers)"));
    }
}

// ---------------------------------------------------------------- the DHCPv6 client

namespace {

class FakeTransport6 : public Dhcp6Transport {
public:
    std::function<std::vector<Received6>(const Dhcp6Packet&)> server;
    std::vector<Dhcp6Packet> sent;

    void send(const Bytes& payload) override {
        auto p = parse_dhcp6(payload);
        sent.push_back(p);
        if (server)
            for (auto& r : server(p)) queue.push(std::move(r));
    }
    std::optional<Received6> receive(std::chrono::steady_clock::time_point deadline) override {
        return queue.next(deadline);
    }

private:
    ReplyQueue<Received6> queue;
};

Received6 answer6(const Dhcp6Packet& request, Dhcp6MessageType type, bool with_address = true) {
    Dhcp6Packet p;
    p.msg_type = static_cast<std::uint8_t>(type);
    p.transaction_id = request.transaction_id;
    p.options.push_back(*request.find(opt6::client_id));
    p.options.push_back({opt6::server_id, bytes({0, 3, 0, 1, 2, 0, 0, 0, 0x70, 1})});
    if (with_address)
        p.options.push_back(
            {opt6::ia_na, encode_ia_na(1, 1800, 2880, {{opt6::ia_addr, encode_ia_address(ip("fd00:70::20"), 3600, 7200)}})});
    else
        p.options.push_back({opt6::ia_na, encode_ia_na(1, 0, 0, {{opt6::status_code, bytes({0, 2, 'n', 'o', 'n', 'e'})}})});
    return Received6{encode(p), ip("fe80::1")};
}

const Bytes uuid_duid = bytes({0, 4, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee,
                               0xff, 0x00});

}  // namespace

TEST_CASE("probe: SOLICIT, ADVERTISE, REQUEST, REPLY over a scripted server") {
    FakeTransport6 t;
    t.server = [](const Dhcp6Packet& p) -> std::vector<Received6> {
        if (p.message_type() == Dhcp6MessageType::solicit) {
            auto someone_else = answer6(p, Dhcp6MessageType::advertise);
            auto q = parse_dhcp6(someone_else.payload);
            q.options[0].data.back() ^= 1;  // another client's DUID
            someone_else.payload = encode(q);
            return {someone_else, answer6(p, Dhcp6MessageType::advertise)};
        }
        if (p.message_type() == Dhcp6MessageType::request) return {answer6(p, Dhcp6MessageType::reply)};
        return {};
    };
    Dhcp6ProbeOptions o;
    o.interface = "veth-test";
    o.timeout = 200ms;
    o.retransmit = 80ms;
    o.arch = 0x0007;
    o.user_class = "xNBA";
    o.vendor_class = "HTTPClient";
    o.request = true;
    o.transaction_id = 0x123456;
    auto r = probe_dhcp6(o, t, uuid_duid);
    CHECK(r.status == "reply");
    CHECK(r.message == "fd00:70::20 assigned by fe80::1");
    REQUIRE(t.sent.size() == 2);
    const auto& solicit = t.sent[0];
    CHECK(solicit.transaction_id == 0x123456);
    CHECK(solicit.find(opt6::client_id)->data == uuid_duid);
    CHECK(solicit.find(opt6::client_arch)->data == bytes({0, 7}));
    CHECK(solicit.find(opt6::user_class)->data == bytes({0, 4, 'x', 'N', 'B', 'A'}));
    CHECK(solicit.find(opt6::vendor_class)->data ==
          bytes({0, 0, 1, 0x57, 0, 10, 'H', 'T', 'T', 'P', 'C', 'l', 'i', 'e', 'n', 't'}));
    const auto& request = t.sent[1];
    CHECK(request.message_type() == Dhcp6MessageType::request);
    CHECK(request.find(opt6::server_id));
    CHECK(parse_ia_na(request.find(opt6::ia_na)->data).addresses.at(0).address == ip("fd00:70::20"));
    auto j = nlohmann::json::parse(to_json(r));
    CHECK(j["family"] == 6);
    CHECK(j["advertise"]["addresses"][0]["address"] == "fd00:70::20");
    CHECK(j["reply"]["addresses"][0]["valid_lifetime"] == 7200);
    CHECK(j["reply"]["status"] == "Success");
    CHECK(j["duid"] == to_hex(uuid_duid));
    CHECK(contains(to_text(r), "  address        fd00:70::20 (IAID 1, preferred 3600 s, valid 7200 s)"));
}

TEST_CASE("probe: DHCPv6 answers without an address, and silence") {
    FakeTransport6 t;
    t.server = [](const Dhcp6Packet& p) -> std::vector<Received6> {
        return {answer6(p, Dhcp6MessageType::advertise, false)};
    };
    Dhcp6ProbeOptions o;
    o.interface = "veth-test";
    o.timeout = 100ms;
    auto r = probe_dhcp6(o, t, uuid_duid);
    CHECK(r.status == "no-address");
    CHECK(r.message == "ADVERTISE from fe80::1 without an address: NoAddrsAvail: none");
    CHECK(nlohmann::json::parse(to_json(r))["advertise"]["status"] == "NoAddrsAvail");

    FakeTransport6 silent;
    r = probe_dhcp6(o, silent, uuid_duid);
    CHECK(r.status == "no-advertise");
    CHECK(contains(r.message, "no ADVERTISE on veth-test within 0.1 s"));
    CHECK_THROWS_AS(build_solicit(o, bytes({0, 1}), 1), Error);
}

TEST_CASE("probe: boot file names are expanded as xNBA expands them") {
    Dhcp4Packet p = sample_offer();  // siaddr 192.168.70.1, yiaddr .20, host-name node20, domain
    p.set(224, text("cn0001"));
    CHECK(expand_xnba_settings("http://${next-server}/tftpboot/xcat/xnba/nodes/${hostname}.uefi", p) ==
          "http://192.168.70.1/tftpboot/xcat/xnba/nodes/node20.uefi");
    CHECK(expand_xnba_settings("http://${next-server}:8080/nodes/${224:string}", p) ==
          "http://192.168.70.1:8080/nodes/cn0001");
    CHECK(expand_xnba_settings("${ip} ${domain} ${12}", p) == "192.168.70.20 cluster.test node20");
    CHECK(expand_xnba_settings("xcat/xnba.kpxe", p) == "xcat/xnba.kpxe");
    // Unknown settings and options the answer lacks stay visible; broken syntax is kept.
    CHECK(expand_xnba_settings("${net0/mac}/${225:string}/${300}/${", p) == "${net0/mac}/${225:string}/${300}/${");
    CHECK(expand_xnba_settings("${next-server", p) == "${next-server");
    auto j = nlohmann::json::parse(to_json([&] {
        Dhcp4ProbeResult r;
        r.status = "offer";
        Dhcp4Reply reply;
        reply.packet = p;
        reply.packet.file = "http://${next-server}/x/${hostname}";
        r.offers.push_back(reply);
        return r;
    }()));
    CHECK(j["offer"]["file"] == "http://${next-server}/x/${hostname}");
    CHECK(j["offer"]["file_expanded"] == "http://192.168.70.1/x/node20");
}
