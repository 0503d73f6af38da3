#include "xcatdhcp/error.hpp"
#include "xcatdhcp/net/address.hpp"
#include "xcatdhcp/net/mac.hpp"
#include "xcatdhcp/net/range.hpp"

#include <doctest/doctest.h>

using namespace xcatdhcp;
using namespace xcatdhcp::net;

namespace {
const std::string hostile[] = {
    "",  "\"", ";", "}", "{", "\n", "10.0.0.1\n", "10.0.0.1;", "10.0.0.1\"", "aa:bb:cc:dd:ee:ff}",
    std::string("10.0.0.1\0garbage", 16), std::string(100000, 'a'), "\xff\xfe\x01\x02",
    "10.0.0.1 }; host evil {", "::1\n::2",
};
}

TEST_CASE("IPv4 addresses parse strictly") {
    CHECK(IpAddress::parse("10.0.0.1")->to_string() == "10.0.0.1");
    CHECK(IpAddress::parse("0.0.0.0")->v4_value() == 0);
    CHECK(IpAddress::parse("255.255.255.255")->v4_value() == 0xffffffffu);
    for (const char* bad : {"10.0.0", "10.0.0.1.1", "256.0.0.1", "10.0.0.01", "10..0.1", " 10.0.0.1",
                            "10.0.0.1 ", "1O.0.0.1", "10.0.0.-1", "+10.0.0.1", "10.0.0.1/24"}) {
        CAPTURE(bad);
        CHECK_FALSE(IpAddress::parse(bad));
    }
    for (const auto& bad : hostile) CHECK_FALSE(IpAddress::parse(bad));
}

TEST_CASE("IPv6 addresses parse and print canonically") {
    CHECK(IpAddress::parse("fd00:0:0::1")->to_string() == "fd00::1");
    CHECK(IpAddress::parse("FD00::A")->to_string() == "fd00::a");
    CHECK(IpAddress::parse("::ffff:10.0.0.1")->is_v6());
    CHECK_FALSE(IpAddress::parse("fd00::1::2"));
    CHECK_FALSE(IpAddress::parse("fd00::g"));
    CHECK_FALSE(IpAddress::parse("fd00::1%eth0"));
}

TEST_CASE("parse_or_throw names attribute and value") {
    try {
        IpAddress::parse_or_throw("10.0.0.x", "ip");
        FAIL("no throw");
    } catch (const Error& e) {
        CHECK(e.attribute() == "ip");
        CHECK(e.value() == "10.0.0.x");
        CHECK(std::string(e.what()).find("'10.0.0.x'") != std::string::npos);
    }
}

TEST_CASE("prefixes from net and dotted mask") {
    CHECK(Prefix::from_net_and_mask("10.0.0.0", "255.255.0.0").to_string() == "10.0.0.0/16");
    CHECK(Prefix::from_net_and_mask("10.1.2.3", "255.255.255.0").to_string() == "10.1.2.0/24");
    CHECK(Prefix::from_net_and_mask("10.0.0.0", "16").length() == 16);
    CHECK(Prefix::from_net_and_mask("fd00:10::", "64").to_string() == "fd00:10::/64");
    CHECK(Prefix::from_net_and_mask("0.0.0.0", "0.0.0.0").length() == 0);
    CHECK(Prefix::from_net_and_mask("10.0.0.0", "255.255.255.255").length() == 32);
    CHECK_THROWS_WITH_AS(Prefix::from_net_and_mask("10.0.0.0", "255.0.255.0"),
                         doctest::Contains("not contiguous"), Error);
    CHECK_THROWS_AS(Prefix::from_net_and_mask("10.0.0.0", "255.255.0"), Error);
    CHECK_THROWS_AS(Prefix::from_net_and_mask("10.0.0.0", "33"), Error);
    CHECK_THROWS_AS(Prefix::from_net_and_mask("fd00::", "255.255.0.0"), Error);
    for (const auto& bad : hostile) CHECK_THROWS_AS(Prefix::from_net_and_mask(bad, "255.0.0.0"), Error);
}

TEST_CASE("prefix arithmetic") {
    auto p = *Prefix::parse("10.0.0.0/16");
    CHECK(p.mask().to_string() == "255.255.0.0");
    CHECK(p.last().to_string() == "10.0.255.255");
    CHECK(p.contains(*IpAddress::parse("10.0.200.1")));
    CHECK_FALSE(p.contains(*IpAddress::parse("10.1.0.1")));
    CHECK_FALSE(p.contains(*IpAddress::parse("fd00::1")));
    auto v6 = *Prefix::parse("fd00:1::/64");
    CHECK(v6.last().to_string() == "fd00:1::ffff:ffff:ffff:ffff");
    CHECK(v6.contains(*IpAddress::parse("fd00:1::42")));
    CHECK_FALSE(Prefix::parse("10.0.0.0/33"));
    CHECK_FALSE(Prefix::parse("10.0.0.0/"));
    CHECK_FALSE(Prefix::parse("10.0.0.0/1a"));
}

TEST_CASE("MAC addresses: colon and dash forms, 6 to 20 octets, normalized") {
    CHECK(Mac::parse("AA:BB:CC:DD:EE:FF").to_string() == "aa:bb:cc:dd:ee:ff");
    CHECK(Mac::parse("aa-bb-cc-dd-ee-0f").to_string() == "aa:bb:cc:dd:ee:0f");  // the ISC bug garbled these
    CHECK(Mac::parse("00:11:22:33:44:55:66:77").size() == 8);
    CHECK(Mac::parse("00:11:22:33:44:55:66:77:88").size() == 9);
    std::string ipoib = "80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:00:0f:01";
    CHECK(Mac::parse(ipoib).size() == 20);
    CHECK(Mac::parse(ipoib).to_string() == ipoib);
    CHECK(Mac::parse("aa:bb:cc:dd:ee:ff").hex() == "aabbccddeeff");
    for (const char* bad : {"aabbccddeeff", "aa:bb:cc:dd:ee", "aa:bb-cc:dd:ee:ff", "a:bb:cc:dd:ee:ff",
                            "aa:bb:cc:dd:ee:fg", "aa:bb:cc:dd:ee:ff:", "aa.bb.cc.dd.ee.ff",
                            "aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(Mac::parse(bad), Error);
    }
    for (const auto& bad : hostile) CHECK_FALSE(Mac::try_parse(bad));
    try {
        Mac::parse("zz:zz");
    } catch (const Error& e) {
        CHECK(e.attribute() == "mac");
        CHECK(e.value() == "zz:zz");
    }
}

TEST_CASE("mac.mac lists: aliases, *NOIP*, empty parts, bad elements reported and skipped") {
    auto r = parse_mac_list("aa:bb:cc:dd:ee:01|AA-BB-CC-DD-EE-02!cn1-ib||aa:bb:cc:dd:ee:03!*NOIP*|bogus|");
    REQUIRE(r.nics.size() == 3);
    CHECK(r.nics[0].mac.to_string() == "aa:bb:cc:dd:ee:01");
    CHECK(r.nics[0].hostname.empty());
    CHECK(r.nics[1].mac.to_string() == "aa:bb:cc:dd:ee:02");
    CHECK(r.nics[1].hostname == "cn1-ib");
    CHECK(r.nics[2].no_ip);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].value() == "bogus");
    CHECK(parse_mac_list("").nics.empty());
    CHECK(parse_mac_list("|||").errors.empty());
    auto hostile_list = parse_mac_list("aa:bb:cc:dd:ee:01!x\"; filename \"evil|aa:bb:cc:dd:ee:ff}\n");
    CHECK(hostile_list.nics.size() == 1);  // hostname validation is the intent's job
    CHECK(hostile_list.errors.size() == 1);
}

TEST_CASE("dynamic ranges: pair forms, CIDR, IPv6, several items") {
    auto r = parse_dynamic_ranges("10.0.100.1-10.0.100.254");
    REQUIRE(r.size() == 1);
    CHECK(r[0].first.to_string() == "10.0.100.1");
    CHECK(r[0].last.to_string() == "10.0.100.254");
    CHECK(r[0].to_string() == "10.0.100.1 - 10.0.100.254");
    CHECK(parse_dynamic_ranges("10.0.100.1,10.0.100.9")[0].last.to_string() == "10.0.100.9");
    CHECK(parse_dynamic_ranges("10.0.100.1 10.0.100.9")[0].last.to_string() == "10.0.100.9");
    CHECK(parse_dynamic_ranges("  10.0.100.1 ,  - 10.0.100.9 ")[0].last.to_string() == "10.0.100.9");
    auto cidr = parse_dynamic_ranges("10.0.200.0/24");
    CHECK(cidr[0].first.to_string() == "10.0.200.0");  // bounds inclusive, as xCAT
    CHECK(cidr[0].last.to_string() == "10.0.200.255");
    CHECK(cidr[0].cidr_length == 24);
    auto many = parse_dynamic_ranges("10.0.1.1-10.0.1.9;;10.0.2.0/28; fd00::100-fd00::1ff ;fd00:1::/120;");
    REQUIRE(many.size() == 4);
    CHECK(many[2].first.to_string() == "fd00::100");
    CHECK(many[3].last.to_string() == "fd00:1::ff");
    CHECK(parse_dynamic_ranges("").empty());
    CHECK(parse_dynamic_ranges(" ; ").empty());
}

TEST_CASE("dynamic ranges: errors name the item, never drop silently") {
    struct Row { const char* value; const char* item; const char* why; };
    Row rows[] = {
        {"10.0.0.9-10.0.0.1", "10.0.0.9-10.0.0.1", "start is after end"},
        {"10.0.0.1-fd00::1", "10.0.0.1-fd00::1", "different families"},
        {"10.0.0.1-10.0.0.5-10.0.0.9", "10.0.0.1-10.0.0.5-10.0.0.9", "exactly two"},
        {"10.0.0.1", "10.0.0.1", "exactly two"},
        {"10.0.0.1-10.0.0.x", "10.0.0.1-10.0.0.x", "not an IP"},
        {"10.0.1.1-10.0.1.9;garbage", "garbage", "exactly two"},
        {"10.0.0.0/33", "10.0.0.0/33", "prefix"},
        {"10.0.0.1-10.0.0.9\"}", "10.0.0.1-10.0.0.9\"}", "not an IP"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.value);
        try {
            parse_dynamic_ranges(row.value);
            FAIL("no error");
        } catch (const Error& e) {
            CHECK(e.attribute() == "dynamicrange");
            CHECK(e.value() == row.item);
            CHECK(std::string(e.what()).find(row.why) != std::string::npos);
        }
    }
    for (const auto& bad : hostile) {
        if (bad.find_first_not_of(" ;\n\t\r") == std::string::npos) continue;  // blank items are skipped
        CHECK_THROWS_AS(parse_dynamic_ranges(bad), Error);
    }
}

TEST_CASE("range set answers 'is this address dynamic'") {
    RangeSet set;
    for (auto& r : parse_dynamic_ranges("10.0.1.10-10.0.1.20;10.0.1.15-10.0.1.30;10.0.5.0/24;fd00::10-fd00::20"))
        set.add(r);
    CHECK(set.contains(*IpAddress::parse("10.0.1.10")));   // inclusive start
    CHECK(set.contains(*IpAddress::parse("10.0.1.30")));   // inclusive end, merged overlap
    CHECK(set.contains(*IpAddress::parse("10.0.1.25")));
    CHECK_FALSE(set.contains(*IpAddress::parse("10.0.1.31")));
    CHECK_FALSE(set.contains(*IpAddress::parse("10.0.1.9")));
    CHECK(set.contains(*IpAddress::parse("10.0.5.255")));
    CHECK(set.contains(*IpAddress::parse("fd00::15")));
    CHECK_FALSE(set.contains(*IpAddress::parse("fd00::21")));
    CHECK(set.ranges().size() == 3);
}

TEST_CASE("error text quotes hostile values so they cannot forge lines") {
    Diagnostic d{Severity::error, "cn1", "mac", "x\ny\"'", "not a MAC", {}};
    std::string line = format(d);
    CHECK(line.find('\n') == std::string::npos);
    CHECK(line == "error: node cn1: mac 'x\\ny\"\\'': not a MAC");
    CHECK(quote(std::string(1000, 'a')).size() < 300);
}

TEST_CASE("diagnostic lines escape hostile node names and subjects (forged log lines)") {
    Diagnostic d{Severity::error, "cn1\nerror: node cn2: forged", "mac", "x", "bad", {}};
    CHECK(format(d).find('\n') == std::string::npos);
    Diagnostic s{Severity::warning, {}, "mtu", "1", "bad", "network n\r\nx"};
    CHECK(format(s).find('\n') == std::string::npos);
    CHECK(format(Diagnostic{Severity::info, "cn1", "ip", "1", "m", {}}) == "info: node cn1: ip '1': m");
}
