#include "xcatdhcp/host/facts.hpp"
#include "xcatdhcp/inventory/load.hpp"

#include <doctest/doctest.h>

using namespace xcatdhcp;

TEST_CASE("facts probe: os-release") {
    auto p = host::parse_os_release(
        "NAME=\"Rocky Linux\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"10.0\"\n"
        "PLATFORM_ID=\"platform:el10\"\nbroken line\n");
    CHECK(p.id == "rocky");
    CHECK(p.version == "10.0");
    CHECK(p.id_like == "rhel centos fedora");
    CHECK(p.platform_id == "platform:el10");
    CHECK(host::parse_os_release("ID=debian\nVERSION_ID='12'\n").version == "12");
}

TEST_CASE("facts probe: kernel route tables") {
    const std::string v4 =
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
        "eth0\t00000000\t0102A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
        "eth1\t0000000A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n"
        "garbage\n";
    const std::string v6 =
        "fd000010000000000000000000000000 40 00000000000000000000000000000000 00 "
        "00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth1\n"
        "00000000000000000000000000000001 80 00000000000000000000000000000000 00 "
        "00000000000000000000000000000000 00000000 00000001 00000000 00200001       lo\n";
    auto routes = host::parse_proc_routes(v4, v6);
    REQUIRE(routes.size() == 3);
    CHECK(routes[0].destination.to_string() == "0.0.0.0/0");
    CHECK(routes[0].gateway->to_string() == "192.168.2.1");
    CHECK(routes[1].destination.to_string() == "10.0.0.0/16");
    CHECK(routes[1].interface == "eth1");
    CHECK_FALSE(routes[1].gateway);
    CHECK(routes[2].destination.to_string() == "fd00:10::/64");
}

TEST_CASE("facts probe: /etc/hosts") {
    auto hosts = host::parse_hosts_file(
        "127.0.0.1 localhost\n10.0.0.1 xcatmn xcatmn.cluster # the MN\n"
        "# 10.0.0.9 commented\nfd00:10::1 xcatmn\nnot-an-ip name\n");
    REQUIRE(hosts.count("xcatmn"));
    CHECK(hosts["xcatmn"].size() == 2);
    CHECK(hosts["xcatmn.cluster"].front().to_string() == "10.0.0.1");
    CHECK_FALSE(hosts.count("name"));
}

TEST_CASE("facts probe: this host, for real") {
    apply::SystemRunner runner;
    auto facts = host::probe_server_facts(runner);
    CHECK_FALSE(facts.hostname.empty());
    CHECK_FALSE(facts.platform.id.empty());
    // The project's set-up installs both servers, so the probe must find their versions.
    CHECK(facts.backends.count("kea") == 1);
    CHECK(facts.backends.count("isc") == 1);
    CHECK(inventory::parse_server_facts(inventory::to_json(facts)) == facts);  // round trip
}
