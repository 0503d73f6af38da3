#include "fixtures.hpp"
#include "xcatdhcp/boot/evaluate.hpp"
#include "xcatdhcp/boot/rules.hpp"
#include "xcatdhcp/intent/build.hpp"
#include "xcatdhcp/intent/json.hpp"
#include "xcatdhcp/inventory/load.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

using namespace xcatdhcp;
using namespace xcatdhcp::intent;
using xcatdhcp::inventory::Inventory;
using xcatdhcp::net::IpAddress;

namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

Inventory base() { return test::management_node(); }
using test::add_node;

const Subnet& subnet(const BuildResult& r, const std::string& prefix) {
    for (const auto& s : r.intent.subnets)
        if (s.prefix.to_string() == prefix) return s;
    FAIL("no subnet " << prefix);
    throw 0;
}

const Reservation* find_reservation(const BuildResult& r, const std::string& node) {
    for (const auto& s : r.intent.subnets)
        for (const auto& x : s.reservations)
            if (x.node == node) return &x;
    for (const auto& x : r.intent.unplaced)
        if (x.node == node) return &x;
    return nullptr;
}

bool has_diag(const BuildResult& r, const std::string& node, const std::string& attribute,
              const std::string& fragment, Severity severity) {
    return std::any_of(r.diagnostics.begin(), r.diagnostics.end(), [&](const Diagnostic& d) {
        return d.node == node && d.attribute == attribute && d.severity == severity &&
               d.message.find(fragment) != std::string::npos;
    });
}

}  // namespace

TEST_CASE("intent: dhcpinterfaces full syntax") {
    auto inv = base();
    inv.server.interfaces.push_back({"eth2", {*net::HostAddress::parse("172.20.0.1/16")}});
    inv.networks["power"] = {{"net", "172.20.0.0"}, {"mask", "255.255.0.0"}, {"mgtifname", "eth2"}};
    inv.nodes["sn1"] = {{"groups", "service,all"}, {"ip", "10.0.0.2"}};
    struct Row { const char* value; std::vector<std::string> served; };
    Row rows[] = {
        {"eth1", {"eth1"}},
        {"eth1,eth2", {"eth1", "eth2"}},
        {"eth1 eth2:noboot", {"eth1", "eth2"}},          // :noboot still served
        {"mn|eth2;service|eth1", {"eth2"}},               // only the entry naming this host applies
        {"service|eth1;eth2", {"eth2"}},                 // a plain entry applies everywhere
        {"other|eth1", {"eth1", "eth2"}},                // nothing applies: detection
        {"", {"eth1", "eth2"}},                          // unset: detection
        {"eth1,!remote!", {"eth1"}},
    };
    for (const auto& row : rows) {
        CAPTURE(row.value);
        inv.site["dhcpinterfaces"] = row.value;
        CHECK(build(inv).intent.interfaces == row.served);
    }
}

TEST_CASE("intent: an interface list that matches nothing is an error (xcat-core#5529)") {
    auto inv = base();
    inv.site["dhcpinterfaces"] = "eth7,bond9";
    CHECK_THROWS_WITH_AS(build(inv), doctest::Contains("none of the interfaces"), Error);
    inv.site["dhcpinterfaces"] = "eth1,eth7";  // a partly wrong list is served, with a warning
    auto r = build(inv);
    CHECK(r.intent.interfaces == std::vector<std::string>{"eth1"});
    CHECK(std::any_of(r.diagnostics.begin(), r.diagnostics.end(),
                      [](const Diagnostic& d) { return d.value == "eth7"; }));
}

TEST_CASE("intent: subnets from local routes, gateway routes never, relayed !remote! networks") {
    auto inv = base();
    inv.site["dhcpinterfaces"] = "eth0,eth1";
    inv.server.routes = {{*net::Prefix::parse("0.0.0.0/0"), "eth0", ip("192.168.1.1")},
                         {*net::Prefix::parse("192.168.1.0/24"), "eth0", std::nullopt},
                         {*net::Prefix::parse("10.0.0.0/16"), "eth1", std::nullopt},
                         {*net::Prefix::parse("10.50.0.0/16"), "eth1", ip("10.0.0.254")}};
    inv.networks["relayed"] = {{"net", "10.10.0.0"}, {"mask", "255.255.0.0"}, {"mgtifname", "!remote!eth1"},
                               {"tftpserver", "10.0.0.1"}, {"gateway", "10.10.0.254"}};
    inv.networks["bare"] = {{"net", "10.11.0.0"}, {"mask", "255.255.0.0"}, {"mgtifname", "!remote!"}};
    auto r = build(inv);
    std::vector<std::string> prefixes;
    for (const auto& s : r.intent.subnets) prefixes.push_back(s.prefix.to_string());
    // 10.50/16 is routed via a gateway; the bare !remote! row needs the !remote! token.
    CHECK(prefixes == std::vector<std::string>{"10.0.0.0/16", "10.10.0.0/16", "192.168.1.0/24"});
    const auto& relayed = subnet(r, "10.10.0.0/16");
    CHECK(relayed.relayed);
    CHECK(relayed.interface.empty());
    CHECK(relayed.shared_network == "eth1");
    CHECK(relayed.options.next_server == ip("10.0.0.1"));
    CHECK(relayed.options.routers == std::vector<IpAddress>{ip("10.10.0.254")});
    inv.site["dhcpinterfaces"] = "eth1;!remote!";
    CHECK(build(inv).intent.subnets.size() == 3);  // now with 10.11/16 at top level
}

TEST_CASE("intent: subnet ids are stable when unrelated networks come and go or routes reorder") {
    auto inv = base();
    inv.server.interfaces.push_back({"eth2", {*net::HostAddress::parse("172.20.0.1/16")}});
    inv.site["dhcpinterfaces"] = "eth1,eth2";
    inv.networks["power"] = {{"net", "172.20.0.0"}, {"mask", "255.255.0.0"}, {"mgtifname", "eth2"}};
    auto ids = [](const BuildResult& r) {
        std::map<std::string, std::uint32_t> out;
        for (const auto& s : r.intent.subnets) out[s.prefix.to_string()] = s.id;
        return out;
    };
    auto before = ids(build(inv));
    REQUIRE(before.size() == 2);
    CHECK(before["10.0.0.0/16"] != before["172.20.0.0/16"]);

    auto more = inv;  // add an unrelated network
    more.server.interfaces.push_back({"eth3", {*net::HostAddress::parse("10.3.0.1/16")}});
    more.site["dhcpinterfaces"] = "eth1,eth2,eth3";
    more.networks["extra"] = {{"net", "10.3.0.0"}, {"mask", "255.255.0.0"}, {"mgtifname", "eth3"}};
    auto with_extra = ids(build(more));
    CHECK(with_extra["10.0.0.0/16"] == before["10.0.0.0/16"]);
    CHECK(with_extra["172.20.0.0/16"] == before["172.20.0.0/16"]);

    auto fewer = inv;  // remove one
    fewer.networks.erase("power");
    fewer.site["dhcpinterfaces"] = "eth1";
    CHECK(ids(build(fewer))["10.0.0.0/16"] == before["10.0.0.0/16"]);

    auto reordered = inv;  // routes in another order
    std::reverse(reordered.server.interfaces.begin(), reordered.server.interfaces.end());
    CHECK(ids(build(reordered)) == before);

    BuildOptions previous;  // an id already in use for a prefix is kept
    previous.previous_subnet_ids["10.0.0.0/16"] = 7;
    auto kept = ids(build(inv, previous));
    CHECK(kept["10.0.0.0/16"] == 7);
    CHECK(kept["172.20.0.0/16"] == before["172.20.0.0/16"]);
}

TEST_CASE("intent: pools only where this server owns the network, IPv4 and IPv6 (peer ignored v6)") {
    auto inv = base();
    inv.server.interfaces[1].addresses.push_back(*net::HostAddress::parse("fd00:10::1/64"));
    inv.networks["v6"] = {{"net", "fd00:10::/64"}, {"mgtifname", "eth1"},
                          {"dynamicrange", "fd00:10::1000-fd00:10::1fff"}};
    auto r = build(inv);
    CHECK(subnet(r, "10.0.0.0/16").pools.size() == 1);
    CHECK(subnet(r, "fd00:10::/64").pools.size() == 1);
    for (const char* owner : {"sn1", "10.0.0.9"}) {
        CAPTURE(owner);
        auto other = inv;
        other.networks["mgmt"]["dhcpserver"] = owner;
        other.networks["v6"]["dhcpserver"] = owner;
        auto x = build(other);
        CHECK(subnet(x, "10.0.0.0/16").pools.empty());
        CHECK_FALSE(subnet(x, "10.0.0.0/16").owned);
        CHECK(subnet(x, "fd00:10::/64").pools.empty());
    }
    for (const char* self : {"mn", "10.0.0.1"}) {
        auto mine = inv;
        mine.networks["mgmt"]["dhcpserver"] = self;
        CHECK(subnet(build(mine), "10.0.0.0/16").pools.size() == 1);
    }
}

TEST_CASE("intent: subnet options and the <xcatmaster> keyword everywhere (ISC logservers bug)") {
    auto inv = base();
    inv.site["logservers"] = "<xcatmaster>";
    inv.site["ntpservers"] = "ntp1,<xcatmaster>";
    inv.site["dhcplease"] = "600";
    inv.site["timezone"] = "Europe/Berlin";
    inv.networks["mgmt"]["mtu"] = "9000";
    inv.networks["other"] = {{"net", "10.9.0.0"}, {"mask", "255.255.0.0"}, {"domain", "other.test"}};
    inv.server.hosts["ntp1"] = {ip("10.0.0.5")};
    auto r = build(inv);
    const auto& o = subnet(r, "10.0.0.0/16").options;
    CHECK(o.log_servers == std::vector<IpAddress>{ip("10.0.0.1")});  // substituted, not literal
    CHECK(o.ntp_servers == std::vector<IpAddress>{ip("10.0.0.1"), ip("10.0.0.5")});  // self first
    CHECK(o.dns_servers == std::vector<IpAddress>{ip("10.0.0.1")});
    CHECK(o.routers == std::vector<IpAddress>{ip("10.0.0.1")});
    CHECK(o.next_server == ip("10.0.0.1"));
    CHECK(o.mtu == 9000u);
    CHECK(o.domain_name == "cluster.test");
    CHECK(o.domain_search == std::vector<std::string>{"cluster.test", "other.test"});  // own first
    CHECK(o.cumulus_provision_url == "http://10.0.0.1/install/postscripts/cumulusztp");
    CHECK(subnet(r, "10.0.0.0/16").lease_time == 600u);
    CHECK(r.intent.timezone == "Europe/Berlin");

    auto no_forward = inv;  // <xcatmaster> gateway needs IP forwarding
    no_forward.server.ip_forward = false;
    CHECK(subnet(build(no_forward), "10.0.0.0/16").options.routers.empty());

    auto bad = inv;
    bad.networks["mgmt"]["gateway"] = "10.99.0.1";
    bad.networks["mgmt"]["ntpservers"] = "ntp.unknown";
    bad.networks["mgmt"]["mtu"] = "huge";
    auto b = build(bad);
    CHECK(subnet(b, "10.0.0.0/16").options.routers.empty());
    CHECK(subnet(b, "10.0.0.0/16").options.ntp_servers.empty());
    CHECK_FALSE(subnet(b, "10.0.0.0/16").options.mtu);
    for (const char* attribute : {"gateway", "networks.ntpservers", "mtu"}) {
        CAPTURE(attribute);
        CHECK(std::any_of(b.diagnostics.begin(), b.diagnostics.end(), [&](const Diagnostic& d) {
            return d.attribute == attribute && d.severity == Severity::error && d.subject == "network mgmt";
        }));
    }
    auto no_domain = inv;
    no_domain.site.erase("domain");
    no_domain.networks.erase("other");
    auto nd = build(no_domain);
    CHECK(subnet(nd, "10.0.0.0/16").options.domain_name.empty());
    CHECK(nd.has_errors());
}

TEST_CASE("intent: httpport as at xCAT HEAD (:80 left out)") {
    auto inv = base();
    add_node(inv, "cn1", "42:00:00:00:00:01", "10.0.1.1");
    auto url_of = [](const BuildResult& r) {
        return *subnet(r, "10.0.0.0/16").boot_rules.front().action.filename;
    };
    CHECK(url_of(build(inv)) == "http://10.0.0.1/tftpboot/xcat/xnba/nets/10.0.0.0_16");
    inv.site["httpport"] = "80";
    CHECK(url_of(build(inv)) == "http://10.0.0.1/tftpboot/xcat/xnba/nets/10.0.0.0_16");
    inv.site["httpport"] = "8080";
    auto r = build(inv);
    CHECK(url_of(r) == "http://10.0.0.1:8080/tftpboot/xcat/xnba/nets/10.0.0.0_16");
    CHECK(*find_reservation(r, "cn1")->boot.rules[0].action.filename ==
          "http://${next-server}:8080/tftpboot/xcat/xnba/nodes/cn1");
}

TEST_CASE("intent: reservations follow the plan's dynamic-range rule") {
    auto inv = base();
    add_node(inv, "out", "42:00:00:00:00:01", "10.0.1.1");
    add_node(inv, "in", "42:00:00:00:00:02", "10.0.200.7");
    add_node(inv, "edge", "42:00:00:00:00:03", "10.0.200.254");  // inclusive bound
    auto r = build(inv);
    CHECK(find_reservation(r, "out")->address == ip("10.0.1.1"));
    CHECK_FALSE(find_reservation(r, "in")->address);   // reservation kept, no fixed address
    CHECK_FALSE(find_reservation(r, "edge")->address);
    CHECK(has_diag(r, "in", "ip", "inside a dynamic range", Severity::warning));
    CHECK(subnet(r, "10.0.0.0/16").reservations_out_of_pool);
    CHECK(find_reservation(r, "out")->hostname == "out");
}

TEST_CASE("intent: *NOIP* NICs get no address and no boot; aliases; dash MACs; IB") {
    auto inv = base();
    inv.nodes["cn1"] = {{"mac", "42-00-00-00-00-0A|42:00:00:00:00:0b!cn1-ib|42:00:00:00:00:0c!*NOIP*"},
                        {"ip", "10.0.1.1"}, {"netboot", "xnba"}};
    inv.nodes["ib1"] = {{"mac", "80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:00:0f:01"},
                        {"ip", "10.0.1.2"}};
    inv.server.hosts["cn1-ib"] = {ip("10.0.1.101")};
    auto r = build(inv);
    const auto& s = subnet(r, "10.0.0.0/16");
    std::map<std::string, const Reservation*> by_mac;
    for (const auto& x : s.reservations) by_mac[x.mac.to_string()] = &x;
    for (const auto& x : r.intent.unplaced) by_mac[x.mac.to_string()] = &x;
    REQUIRE(by_mac.count("42:00:00:00:00:0a"));  // dash MAC normalized (ISC path garbled it)
    CHECK(by_mac["42:00:00:00:00:0a"]->address == ip("10.0.1.1"));
    CHECK(by_mac["42:00:00:00:00:0b"]->address == ip("10.0.1.101"));
    CHECK(by_mac["42:00:00:00:00:0b"]->nic_hostname == "cn1-ib");
    CHECK(by_mac["42:00:00:00:00:0b"]->hostname == "cn1");  // option 12 is the node name
    const Reservation* noip = by_mac["42:00:00:00:00:0c"];
    CHECK(noip->deny);
    CHECK_FALSE(noip->address);
    CHECK(noip->boot.rules.empty());
    const Reservation* ib = find_reservation(r, "ib1");
    CHECK(ib->hardware_type == HardwareType::infiniband);
}

TEST_CASE("intent: duplicate MAC or IP across nodes: both reported, neither rendered") {
    auto inv = base();
    add_node(inv, "a", "42:00:00:00:00:01", "10.0.1.1");
    add_node(inv, "b", "42:00:00:00:00:01", "10.0.1.2");  // same MAC as a
    add_node(inv, "c", "42:00:00:00:00:03", "10.0.1.3");
    add_node(inv, "d", "42:00:00:00:00:04", "10.0.1.3");  // same IP as c
    add_node(inv, "e", "42:00:00:00:00:05", "10.0.1.5");
    auto r = build(inv);
    for (const char* node : {"a", "b", "c", "d"}) {
        CAPTURE(node);
        CHECK(find_reservation(r, node) == nullptr);
        CHECK(std::any_of(r.diagnostics.begin(), r.diagnostics.end(), [&](const Diagnostic& d) {
            return d.node == node && d.severity == Severity::error &&
                   d.message.find("claimed more than once") != std::string::npos;
        }));
    }
    CHECK(find_reservation(r, "e") != nullptr);  // one bad node never stops the others
}

TEST_CASE("intent: bad and hostile node input is reported per node and never aborts the rest") {
    auto inv = base();
    add_node(inv, "good", "42:00:00:00:00:01", "10.0.1.1");
    add_node(inv, "badmac", "42:00:00:00:00:zz", "10.0.1.2");
    add_node(inv, "badip", "42:00:00:00:00:03", "10.0.1.x");
    inv.nodes["evil\"; filename \"x"] = {{"mac", "42:00:00:00:00:04"}, {"ip", "10.0.1.4"}};
    inv.nodes["alias"] = {{"mac", "42:00:00:00:00:05!bad\"name;}"}, {"ip", "10.0.1.5"}};
    add_node(inv, "nomac", "", "10.0.1.6");
    inv.nodes["tftp"] = {{"mac", "42:00:00:00:00:07"}, {"ip", "10.0.1.7"}, {"tftpserver", "nowhere"}};
    auto r = build(inv);
    CHECK(find_reservation(r, "good"));
    CHECK(has_diag(r, "badmac", "mac", "not a MAC", Severity::error));
    CHECK(has_diag(r, "badip", "ip", "not an IP address", Severity::error));
    CHECK(has_diag(r, "evil\"; filename \"x", "node", "not a valid host name", Severity::error));
    CHECK(find_reservation(r, "evil\"; filename \"x") == nullptr);
    CHECK(has_diag(r, "alias", "mac", "not a valid host name", Severity::error));
    CHECK(find_reservation(r, "alias") == nullptr);
    CHECK(has_diag(r, "nomac", "mac", "no MAC", Severity::warning));
    CHECK(has_diag(r, "tftp", "tftpserver", "unable to resolve", Severity::error));
    for (const auto& d : r.diagnostics) CHECK(format(d).find('\n') == std::string::npos);
}

TEST_CASE("intent: IPv6 reservations: DUID on one NIC only (peer's shared-DUID bug); IPv6-only nodes") {
    auto inv = base();
    inv.server.interfaces[1].addresses.push_back(*net::HostAddress::parse("fd00:10::1/64"));
    inv.networks["v6"] = {{"net", "fd00:10::/64"}, {"mgtifname", "eth1"}};
    inv.nodes["cn1"] = {{"mac", "42:00:00:00:00:01|42:00:00:00:00:02!cn1-b"}, {"ip", "10.0.1.1"},
                        {"uuid", "0123456789ABCDEF-0123-456789abcdef"}};
    inv.server.hosts["cn1"] = {ip("10.0.1.1"), ip("fd00:10::11")};
    inv.server.hosts["cn1-b"] = {ip("10.0.1.2"), ip("fd00:10::12")};
    inv.nodes["v6only"] = {{"mac", "42:00:00:00:00:03"}, {"ip", "fd00:10::13"}};
    auto r = build(inv);
    const auto& v6 = subnet(r, "fd00:10::/64").reservations;
    REQUIRE(v6.size() == 3);
    int with_duid = 0;
    for (const auto& x : v6) with_duid += x.duid ? 1 : 0;
    CHECK(with_duid == 1);
    CHECK(*v6[0].duid == "00:04:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef");
    const auto& v4 = subnet(r, "10.0.0.0/16").reservations;
    CHECK(std::none_of(v4.begin(), v4.end(), [](const Reservation& x) { return x.node == "v6only"; }));
}

TEST_CASE("boot: every netboot method gets its plan") {
    boot::NodeContext c;
    c.node = "n1";
    c.boot_server = "${next-server}";
    auto plan = [&](const char* netboot) {
        c.netboot = netboot;
        return boot::node_plan(c);
    };
    CHECK(plan("xnba").kind == boot::BootPlan::Kind::xnba_node);
    CHECK(*plan("grub2").rules[0].action.filename == "/boot/grub2/grub2-n1");
    CHECK(*plan("grub2-http").rules[0].action.filename == "/boot/grub2/grub2-n1");
    CHECK(*plan("grub2-tftp").rules[0].action.filename == "/boot/grub2/grub2-n1");
    CHECK(*plan("yaboot").rules[0].action.filename == "/yb/node/yaboot-n1");
    CHECK(*plan("nimol").rules[0].action.filename == "/vios/nodes/n1");
    CHECK(*plan("pxe").rules.back().action.filename == "pxelinux.0");
    CHECK(*plan("pxe").rules.front().action.filename == "vsmp/pxelinux.0");
    CHECK(plan("").kind == boot::BootPlan::Kind::subnet_default);
    CHECK(plan("unheard-of").kind == boot::BootPlan::Kind::subnet_default);
    c.boot_server = "10.0.0.1";
    auto petitboot = plan("petitboot");
    REQUIRE(petitboot.options.size() == 1);
    CHECK(petitboot.options[0].code == boot::option::pxelinux_conf_file);
    CHECK(petitboot.options[0].value == "http://10.0.0.1/tftpboot/petitboot/n1");
    c.onie_installer_path = "/install/onie/cumulus-4.bin";
    auto onie = plan("onie");
    CHECK(onie.rules[0].match.vendor_class_prefix == "onie_vendor");
    CHECK(onie.rules[0].action.options[0].code == 114);
    CHECK(onie.rules[0].action.options[0].value == "http://10.0.0.1/install/onie/cumulus-4.bin");
    c.iscsi_server = "10.0.0.9";
    c.iscsi_target = "iqn.2026-01.test:disk1";
    c.iscsi_iname = "iqn.2026-01.test:n1";
    c.currstate = "iscsiboot";
    auto iscsi = plan("xnba");
    CHECK(iscsi.kind == boot::BootPlan::Kind::custom);
    CHECK(iscsi.options[0].value == "iscsi:10.0.0.9:6:3260:0:iqn.2026-01.test:disk1");
    CHECK(iscsi.options[1].code == boot::option::iscsi_initiator_iqn);
}

TEST_CASE("boot: no loader is ever handed to a second stage, for every architecture (UEFI 0x0007 loop)") {
    boot::SubnetContext sc{"10.0.0.1", "10.0.0.0", 16, ""};
    const auto rules = boot::subnet_rules(sc);
    boot::NodeContext nc;
    nc.node = "n1";
    nc.boot_server = "${next-server}";
    std::vector<std::optional<boot::BootPlan>> plans = {std::nullopt};
    for (const char* netboot : {"xnba", "pxe", "grub2", "petitboot", "yaboot", "onie", "nimol"}) {
        for (const char* state : {"install", "boot", "winshell", ""}) {
            nc.netboot = netboot;
            nc.currstate = state;
            plans.push_back(boot::node_plan(nc));
        }
    }
    const std::vector<std::string> second = {"xNBA"};
    for (std::uint32_t a = 0; a <= 0x20; ++a) {
        for (const auto& plan : plans) {
            boot::ClientPacket packet{static_cast<std::uint16_t>(a), "xNBA", "PXEClient"};
            auto answer = boot::evaluate(plan ? &*plan : nullptr, rules, packet, second);
            CAPTURE(a);
            CAPTURE((plan ? plan->netboot : "none"));
            if (answer.filename) {
                // The loader files xNBA itself came from must never be offered to xNBA again.
                CHECK(*answer.filename != "xcat/xnba.kpxe");
                CHECK(*answer.filename != "xcat/xnba.efi");
            }
        }
    }
    // And the first stage does get the loader: BIOS and both x64 UEFI ids (0x0009 empty-filename bug).
    for (std::uint16_t a : {boot::arch::x86_bios, boot::arch::x64_uefi, boot::arch::x64_uefi_alt}) {
        nc.netboot = "xnba";
        nc.currstate = "install";
        auto plan = boot::node_plan(nc);
        auto answer = boot::evaluate(&plan, rules, {a, "", "PXEClient:Arch:0000"}, second);
        REQUIRE(answer.filename);
        CHECK(*answer.filename == (a == 0 ? "xcat/xnba.kpxe" : "xcat/xnba.efi"));
        auto stage2 = boot::evaluate(&plan, rules, {a, "xNBA", ""}, second);
        CHECK(*stage2.filename == boot::xnba_node_url("${next-server}", "", "n1", a != 0));
    }
}

TEST_CASE("boot: UEFI HTTP boot answers with an absolute URL and vendor class HTTPClient (xcat-core#7743)") {
    auto rules = boot::subnet_rules({"10.0.0.1", "10.0.0.0", 16, ""});
    for (std::uint16_t a : {boot::arch::x64_uefi_http, boot::arch::arm64_uefi_http}) {
        auto answer = boot::evaluate(nullptr, rules, {a, "", "HTTPClient:Arch:00016"}, {"xNBA"});
        REQUIRE(answer.filename);
        CHECK(answer.filename->rfind("http://10.0.0.1/", 0) == 0);
        REQUIRE(answer.options.size() == 1);
        CHECK(answer.options[0].code == boot::option::vendor_class);
        CHECK(answer.options[0].value == "HTTPClient");
    }
}

TEST_CASE("boot: subnet rows (discovery)") {
    auto rules = boot::subnet_rules({"10.0.0.1", "10.0.0.0", 16, ""});
    struct Row { std::optional<std::uint16_t> arch; const char* uc; const char* vc; const char* file; int option; };
    Row rows[] = {
        {0x0000, "", "PXEClient", "xcat/xnba.kpxe", 0},
        {0x0000, "xNBA", "", "http://10.0.0.1/tftpboot/xcat/xnba/nets/10.0.0.0_16", 0},
        {0x0007, "", "", "xcat/xnba.efi", 0},
        {0x0009, "", "", "xcat/xnba.efi", 0},
        {0x0007, "xNBA", "", "http://10.0.0.1/tftpboot/xcat/xnba/nets/10.0.0.0_16.uefi", 0},
        {0x0009, "xNBA", "", "http://10.0.0.1/tftpboot/xcat/xnba/nets/10.0.0.0_16.uefi", 0},
        {0x0002, "", "", "elilo.efi", 0},
        {0x000b, "", "", "boot/grub2/grub2.aarch64", 0},
        {0x000c, "", "", "/boot/grub2/grub2.ppc", 0},
        {0x000e, "", "", nullptr, 209},
        {std::nullopt, "", "Etherboot-5.4", "xcat/xnba.kpxe", 0},
        {std::nullopt, "", "onie_vendor:x86_64-accton", nullptr, 114},  // first match: no /yaboot
        {std::nullopt, "", "", "/yaboot", 0},
    };
    for (const auto& row : rows) {
        CAPTURE(row.arch.value_or(0xffff));
        CAPTURE(std::string(row.vc));
        auto a = boot::evaluate(nullptr, rules, {row.arch, row.uc, row.vc}, {"xNBA"});
        if (row.file) CHECK(a.filename == std::optional<std::string>(row.file));
        else CHECK_FALSE(a.filename);
        if (row.option) {
            REQUIRE_FALSE(a.options.empty());
            CHECK(a.options[0].code == row.option);
        }
    }
    auto relayed = boot::subnet_rules({"", "10.10.0.0", 16, ""});  // no TFTP host: no URLs at all
    for (const auto& r : relayed)
        if (r.action.filename) CHECK(r.action.filename->find("http://") == std::string::npos);
}

TEST_CASE("intent: DDNS zones and the key name from the site table, not hard-coded xcat_key") {
    auto inv = base();
    inv.site["dnshandler"] = "ddns";
    inv.site["dhcpomapikeyname"] = "site_key";
    inv.site["dhcpomapialgorithm"] = "HMAC-SHA256";
    inv.networks["mgmt"]["ddnsdomain"] = "dyn.cluster.test";
    auto r = build(inv);
    CHECK(r.intent.ddns.enabled);
    CHECK(r.intent.ddns.key.name == "site_key");
    CHECK(r.intent.ddns.key.algorithm == "hmac-sha256");
    const auto& s = subnet(r, "10.0.0.0/16");
    REQUIRE(s.ddns_zones.size() == 2);
    CHECK(s.ddns_zones[0].name == "dyn.cluster.test.");
    CHECK(s.ddns_zones[1].name == "0.10.IN-ADDR.ARPA.");
    CHECK(s.ddns_zones[0].server == ip("10.0.0.1"));
    CHECK(reverse_zones(*net::Prefix::parse("10.1.2.0/24")) == std::vector<std::string>{"2.1.10.IN-ADDR.ARPA."});
    CHECK(reverse_zones(*net::Prefix::parse("10.1.0.0/23")).size() == 2);
    CHECK(reverse_zones(*net::Prefix::parse("10.0.0.0/8")) == std::vector<std::string>{"10.IN-ADDR.ARPA."});
    CHECK(reverse_zones(*net::Prefix::parse("fd00:10::/64")).front() ==
          "0.0.0.0.0.0.0.0.0.1.0.0.0.0.d.f.ip6.arpa.");
    CHECK(reverse_zones(*net::Prefix::parse("fd00::/62")).empty());  // the baseline looped forever
    inv.site["dhcpomapialgorithm"] = "rot13";
    auto bad = build(inv);
    CHECK(bad.intent.omapi_key.algorithm == "hmac-md5");
    CHECK(bad.has_errors());
}

TEST_CASE("intent: same inventory, byte-identical JSON; the example cluster matches its golden file") {
    const std::string dir = std::string(XCATDHCP_SOURCE_DIR);
    auto inv = inventory::load_file(dir + "/examples/inventories/cluster.yaml");
    auto a = to_json(build(inv).intent);
    auto b = to_json(build(inventory::load_file(dir + "/examples/inventories/cluster")).intent);
    CHECK(a == b);
    std::ifstream golden(dir + "/tests/golden/cluster.intent.json");
    REQUIRE_MESSAGE(golden.good(), "tests/golden/cluster.intent.json is missing");
    std::stringstream expected;
    expected << golden.rdbuf();
    CHECK_MESSAGE(a == expected.str(),
                  "intent differs from tests/golden/cluster.intent.json; review the change, then "
                  "regenerate: build/bin/xcatdhcp intent -i examples/inventories/cluster.yaml > "
                  "tests/golden/cluster.intent.json");
}

TEST_CASE("intent: example cluster, targeted assertions") {
    auto inv = inventory::load_file(std::string(XCATDHCP_SOURCE_DIR) + "/examples/inventories/cluster.yaml");
    auto r = build(inv);
    CHECK_FALSE(r.has_errors());
    CHECK(r.intent.interfaces == std::vector<std::string>{"eth1", "eth2", "ib0"});
    CHECK(r.intent.has_v4());
    CHECK(r.intent.has_v6());
    std::size_t xnba = 0, custom = 0;
    for (const auto& s : r.intent.subnets)
        for (const auto& x : s.reservations) {
            xnba += x.boot.kind == boot::BootPlan::Kind::xnba_node;
            custom += x.boot.kind == boot::BootPlan::Kind::custom;
        }
    CHECK(xnba > 50);
    CHECK(custom > 50);
    CHECK(r.intent.reservation_count() > 250);
}
