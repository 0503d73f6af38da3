// ISC renderer: dhcpd.conf, dhcpd6.conf, host objects, omshell batches and the structural reader.
// Every rendered configuration is also run through the real `dhcpd -t` (isc-dhcp-server must be
// installed: these tests fail, never skip, without it).
#include "fixtures.hpp"
#include "xcatdhcp/boot/evaluate.hpp"
#include "xcatdhcp/intent/build.hpp"
#include "xcatdhcp/inventory/load.hpp"
#include "xcatdhcp/render/isc.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

using namespace xcatdhcp::render::isc;
using xcatdhcp::Error;
using xcatdhcp::Severity;
using xcatdhcp::Version;
using xcatdhcp::intent::Intent;
namespace boot = xcatdhcp::boot;
namespace intent = xcatdhcp::intent;
namespace inventory = xcatdhcp::inventory;
namespace net = xcatdhcp::net;
namespace rn = xcatdhcp::render;
using xcatdhcp::inventory::Inventory;
using xcatdhcp::net::IpAddress;
namespace fs = std::filesystem;

namespace {

const char* const dhcpd_binary = "/usr/sbin/dhcpd";
const rn::Secrets secrets{"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0", ""};

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

Inventory base() {
    Inventory inv = xcatdhcp::test::management_node();
    inv.site["timezone"] = "Europe/Berlin";
    return inv;
}
using xcatdhcp::test::add_node;

Intent make_intent(const Inventory& inv, const intent::BuildOptions& options = {}) {
    auto r = intent::build(inv, options);
    for (const auto& d : r.diagnostics)
        if (d.severity == Severity::error) MESSAGE(format(d));
    return r.intent;
}

IscProfile static_profile() {
    IscProfile p;
    p.static_hosts = true;
    return p;
}

// ---- the real validator ----
struct Verdict {
    int status = -1;
    std::string output;
};

Verdict dhcpd_test(const std::string& text, bool v6) {
    static std::atomic<int> counter{0};
    REQUIRE_MESSAGE(fs::exists(dhcpd_binary), "dhcpd is required for these tests (isc-dhcp-server)");
    fs::path dir = fs::temp_directory_path() /
                   ("xcatdhcp-isc-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(dir);
    const fs::path conf = dir / (v6 ? "dhcpd6.conf" : "dhcpd.conf");
    const fs::path out = dir / "out";
    std::ofstream(conf) << text;
    std::string command = std::string(dhcpd_binary) + (v6 ? " -6" : "") + " -t -cf '" + conf.string() +
                          "' >'" + out.string() + "' 2>&1";
    Verdict v;
    int rc = std::system(command.c_str());
    v.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    std::ifstream in(out);
    std::stringstream ss;
    ss << in.rdbuf();
    v.output = ss.str();
    fs::remove_all(dir);
    return v;
}

void check_valid(const std::string& text, bool v6 = false) {
    Verdict v = dhcpd_test(text, v6);
    INFO("dhcpd" << (v6 ? " -6" : "") << " -t says:\n" << v.output << "\n--- file ---\n" << text);
    CHECK(v.status == 0);
}

// dhcpd -t on every file, and the structural comparison with the intent.
void validate(const rn::Files& files, const Intent& intent, const IscProfile& profile = {}) {
    REQUIRE(files.count("dhcpd.conf"));
    check_valid(files.at("dhcpd.conf"));
    auto d4 = compare_with_intent(parse_dhcpd_conf(files.at("dhcpd.conf")), intent, net::Family::v4, profile);
    for (const auto& d : d4) MESSAGE(d);
    CHECK(d4.empty());
    CHECK(files.count("dhcpd6.conf") == (intent.has_v6() ? 1u : 0u));
    if (files.count("dhcpd6.conf")) {
        check_valid(files.at("dhcpd6.conf"), true);
        auto d6 =
            compare_with_intent(parse_dhcpd_conf(files.at("dhcpd6.conf")), intent, net::Family::v6, profile);
        for (const auto& d : d6) MESSAGE(d);
        CHECK(d6.empty());
    }
}

rn::Files render_checked(const Intent& intent, const IscProfile& profile = {}) {
    auto files = render(intent, profile, secrets);
    validate(files, intent, profile);
    return files;
}

bool contains(const std::string& text, const std::string& fragment) { return text.find(fragment) != std::string::npos; }

std::size_t count(const std::string& text, const std::string& fragment) {
    std::size_t n = 0;
    for (auto pos = text.find(fragment); pos != std::string::npos; pos = text.find(fragment, pos + 1)) ++n;
    return n;
}

const HostObject& object(const std::vector<HostObject>& objects, const std::string& name,
                         net::Family family = net::Family::v4) {
    for (const auto& h : objects)
        if (h.name == name && h.family == family) return h;
    FAIL("no host object " << name);
    throw 0;
}

std::vector<boot::Rule> as_rules(const std::vector<ParsedRule>& parsed) {
    std::vector<boot::Rule> rules;
    for (const auto& p : parsed) rules.push_back({"", p.match, p.action});
    return rules;
}

// An OMAPI statements value read back as a host declaration.
ParsedHost read_statements(const std::string& statements) {
    auto parsed = parse_dhcpd_conf("host x { " + statements + " }\n");
    REQUIRE(parsed.hosts.size() == 1);
    return parsed.hosts.front();
}

boot::BootPlan plan_of(const ParsedHost& host) {
    boot::BootPlan plan;
    plan.rules = as_rules(host.boot_rules);
    for (const auto& [name, value] : host.options) {
        static const std::map<std::string, std::uint8_t> codes = {
            {"root-path", 17},          {"vendor-class-identifier", 60}, {"www-server", 114},
            {"iscsi-initiator-iqn", 203}, {"conf-file", 209},            {"cumulus-provision-url", 239}};
        if (auto it = codes.find(name); it != codes.end()) plan.options.push_back({it->second, value});
    }
    return plan;
}

// What dhcpd would answer, read from the rendered text: the subnet chain, then the host's.
boot::Answer answer(const std::string& conf, const std::string& statements, const boot::ClientPacket& packet,
                    const std::vector<std::string>& classes = {"xNBA"}) {
    auto parsed = parse_dhcpd_conf(conf);
    REQUIRE(!parsed.subnets.empty());
    auto subnet_rules = as_rules(parsed.subnets.front().boot_rules);
    if (statements.empty()) return boot::evaluate(nullptr, subnet_rules, packet, classes);
    auto plan = plan_of(read_statements(statements));
    return boot::evaluate(&plan, subnet_rules, packet, classes);
}

// An OMAPI object's statements as dhcpd parses them: the same syntax in a host declaration,
// after the header that declares the options they test.
void check_statements(const Intent& intent, const HostObject& h) {
    auto conf = render(intent, IscProfile{}, secrets).at("dhcpd.conf");
    check_valid(conf + "host omapi-object { hardware ethernet " + h.mac + "; " + h.statements + " }\n");
}

std::string filename(const boot::Answer& a) { return a.filename ? *a.filename : "<none>"; }

const std::string* option_value(const boot::Answer& a, std::uint8_t code) {
    for (const auto& o : a.options)
        if (o.code == code) return &o.value;
    return nullptr;
}

std::string only_line(const std::string& text, const std::string& fragment) {
    std::istringstream in(text);
    std::string line, found;
    int n = 0;
    while (std::getline(in, line))
        if (contains(line, fragment)) {
            found = line;
            ++n;
        }
    CHECK_MESSAGE(n == 1, "expected exactly one line with '" << fragment << "', found " << n);
    return found;
}

}  // namespace

// =====================================================================================================
TEST_CASE("isc: header as xCAT writes it, key from the intent, no timestamps") {
    auto inv = base();
    auto intent = make_intent(inv);
    RenderOptions options;
    options.inventory_digest = "sha256:0123abcd";
    auto files = render(intent, IscProfile{}, secrets, options);
    validate(files, intent);
    const std::string& conf = files.at("dhcpd.conf");
    CHECK(conf.rfind("#xCAT generated dhcp configuration\n", 0) == 0);
    CHECK(contains(conf, "# libxcatdhcp "));
    CHECK(contains(conf, "inventory sha256:0123abcd\n"));
    for (const std::string& declaration : std::vector<std::string>{
         "option conf-file code 209 = text;", "option space isan;",
          "option isan-encap-opts code 43 = encapsulate isan;", "option isan.iqn code 203 = string;",
          "option isan.root-path code 201 = string;", "option space gpxe;",
          "option gpxe-encap-opts code 175 = encapsulate gpxe;", "option gpxe.bus-id code 177 = string;",
          "option user-class-identifier code 77 = string;",
          "option gpxe.no-pxedhcp code 176 = unsigned integer 8;", "option tcode code 101 = text;",
          "option iscsi-initiator-iqn code 203 = string;", "ddns-update-style interim;",
          "ignore client-updates;", "option client-architecture code 93 = unsigned integer 16;",
          "option tcode \"Europe/Berlin\";", "option gpxe.no-pxedhcp 1;",
          "option www-server code 114 = string;", "option cumulus-provision-url code 239 = text;",
          "omapi-port 7911;", "key xcat_key {\n  algorithm hmac-md5;\n  secret \"" + secrets.omapi_secret + "\";\n};",
          "omapi-key xcat_key;",
          "class \"pxe\" {\n  match if substring (option vendor-class-identifier, 0, 9) = \"PXEClient\";\n"
          "  ddns-updates off;\n  max-lease-time 600;\n}"}) {
        CAPTURE(declaration);
        CHECK(contains(conf, declaration));
    }
    // No global authoritative: it sits in each subnet.
    CHECK(count(conf, "authoritative;") == intent.subnets.size());
    // No time of day anywhere: the same input renders the same bytes.
    CHECK(render(intent, IscProfile{}, secrets, options) == files);
    CHECK_FALSE(std::regex_search(conf, std::regex("[0-9]{2}:[0-9]{2}:[0-9]{2} ")));

    inv.site.erase("timezone");
    auto no_tz = render_checked(make_intent(inv));
    CHECK_FALSE(contains(no_tz.at("dhcpd.conf"), "option tcode \""));
}

TEST_CASE("isc: OMAPI key name and algorithm come from the intent (site.dhcpomapikeyname / algorithm)") {
    auto inv = base();
    inv.site["dhcpomapikeyname"] = "omapi.key-1";
    inv.site["dhcpomapialgorithm"] = "HMAC-SHA256";
    inv.site["dnshandler"] = "ddns";
    auto intent = make_intent(inv);
    auto files = render_checked(intent);
    const auto& conf = files.at("dhcpd.conf");
    CHECK(contains(conf, "key omapi.key-1 {\n  algorithm hmac-sha256;\n"));
    CHECK(contains(conf, "omapi-key omapi.key-1;"));
    CHECK(contains(conf, "      key omapi.key-1;\n"));  // DDNS zones use the same key
    CHECK_FALSE(contains(conf, "xcat_key"));
    auto json = nlohmann::json::parse(files.at("hosts.omapi.json"));
    CHECK(json["omapi"]["key-name"] == "omapi.key-1");
    CHECK(json["omapi"]["key-algorithm"] == "hmac-sha256");
    CHECK_FALSE(contains(files.at("hosts.omapi.json"), secrets.omapi_secret));  // never the secret
}

TEST_CASE("isc: the secret is required and must be base64") {
    auto intent = make_intent(base());
    CHECK_THROWS_AS(render(intent, IscProfile{}, rn::Secrets{}), Error);
    for (const char* bad : {"abc\"; }", "c2Vj\ncmV0", "abc def", "ab=cd", "===="}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(render(intent, IscProfile{}, rn::Secrets{bad, ""}), Error);
    }
    try {
        render(intent, IscProfile{}, rn::Secrets{"abc\"", ""});
    } catch (const Error& e) {
        CHECK_FALSE(contains(e.what(), "abc\""));  // a secret never appears in messages
    }
}

TEST_CASE("isc: shared-networks sorted by name, subnets in intent order, xCAT's markers") {
    auto inv = base();
    inv.site["dhcpinterfaces"] = "eth2,eth1,ib0";
    inv.server.interfaces.push_back({"eth2", {*net::HostAddress::parse("172.20.0.1/16")}});
    inv.server.interfaces.push_back({"ib0", {*net::HostAddress::parse("10.100.0.1/16")}});
    inv.networks["power"] = {{"net", "172.20.0.0"}, {"mask", "255.255.0.0"}, {"mgtifname", "eth2"}};
    inv.networks["ib"] = {{"net", "10.100.0.0"}, {"mask", "255.255.0.0"}, {"mgtifname", "ib0"}};
    auto intent = make_intent(inv);
    auto files = render_checked(intent);
    const auto& conf = files.at("dhcpd.conf");
    auto eth1 = conf.find("shared-network eth1 {");
    auto eth2 = conf.find("shared-network eth2 {");
    auto ib0 = conf.find("shared-network ib0 {");
    REQUIRE(eth1 != std::string::npos);
    CHECK(eth1 < eth2);
    CHECK(eth2 < ib0);
    CHECK(contains(conf, "\n} # eth1 nic_end\n"));
    CHECK(contains(conf, "\n} # eth2 nic_end\n"));
    CHECK(contains(conf, "\n  } # 10.0.0.0/255.255.0.0 subnet_end\n"));
    CHECK(contains(conf, "\n  } # 172.20.0.0/255.255.0.0 subnet_end\n"));
    CHECK(contains(conf, "\n  subnet 10.100.0.0 netmask 255.255.0.0 {\n"));
    auto parsed = parse_dhcpd_conf(conf);
    REQUIRE(parsed.shared_networks.size() == 3);
    CHECK(parsed.shared_networks[0].subnets == std::vector<std::string>{"10.0.0.0/16"});
    // A served interface without a subnet gets no (empty) shared-network block.
    auto lonely = intent;
    lonely.interfaces.push_back("eth9");
    CHECK(render(lonely, IscProfile{}, secrets) == files);
}

TEST_CASE("isc: relayed networks: !remote!<nic> inside that NIC's block, bare !remote! at top level") {
    auto inv = base();
    inv.site["dhcpinterfaces"] = "eth1,!remote!";
    inv.networks["rack9"] = {{"net", "10.10.0.0"},          {"mask", "255.255.0.0"},
                             {"mgtifname", "!remote!eth1"}, {"tftpserver", "10.10.0.2"},
                             {"dynamicrange", "10.10.200.1-10.10.200.20"}};
    inv.networks["far"] = {{"net", "10.20.0.0"},       {"mask", "255.255.0.0"}, {"mgtifname", "!remote!"},
                           {"tftpserver", "10.20.0.2"}, {"nameservers", "10.20.0.2"},
                           {"dynamicrange", "10.20.0.100 10.20.0.200"}};
    auto intent = make_intent(inv);
    auto files = render_checked(intent);
    const auto& conf = files.at("dhcpd.conf");
    auto parsed = parse_dhcpd_conf(conf);
    REQUIRE(parsed.subnet("10.10.0.0/16"));
    CHECK(parsed.subnet("10.10.0.0/16")->shared_network == "eth1");
    REQUIRE(parsed.subnet("10.20.0.0/16"));
    CHECK(parsed.subnet("10.20.0.0/16")->shared_network == "");
    CHECK(contains(conf, "#shared-network !remote! {\n  subnet 10.20.0.0 netmask 255.255.0.0 {\n"));
    CHECK(contains(conf, "  } # 10.20.0.0/255.255.0.0 subnet_end\n#} # !remote! nic_end\n"));
    CHECK(contains(conf, "range dynamic-bootp 10.20.0.100 10.20.0.200;"));
    // The relayed subnet's boot URLs name its own TFTP server.
    CHECK(contains(conf, "filename \"http://10.20.0.2/tftpboot/xcat/xnba/nets/10.20.0.0_16\";"));
}

TEST_CASE("isc: subnet options, lease times, authoritative, mtu, domain-search") {
    auto inv = base();
    inv.site["dhcplease"] = "3600";
    inv.networks["mgmt"]["mtu"] = "9000";
    inv.networks["mgmt"]["ntpservers"] = "10.0.0.7";
    inv.networks["mgmt"]["logservers"] = "<xcatmaster>";
    inv.networks["ib"] = {{"net", "10.100.0.0"}, {"mask", "255.255.0.0"}, {"domain", "ib.cluster.test"}};
    auto intent = make_intent(inv);
    auto files = render_checked(intent);
    const auto& conf = files.at("dhcpd.conf");
    for (const char* line :
         {"    authoritative;\n", "    max-lease-time 3600;\n", "    min-lease-time 3600;\n",
          "    default-lease-time 3600;\n", "    option routers 10.0.0.1;\n", "    next-server 10.0.0.1;\n",
          "    option log-servers 10.0.0.1;\n", "    option ntp-servers 10.0.0.7;\n",
          "    option domain-name \"cluster.test\";\n", "    option domain-name-servers 10.0.0.1;\n",
          "    option interface-mtu 9000;\n", "    option domain-search \"cluster.test\", \"ib.cluster.test\";\n",
          "    option cumulus-provision-url \"http://10.0.0.1/install/postscripts/cumulusztp\";\n"}) {
        CAPTURE(line);
        CHECK(contains(conf, line));
    }
    // xCAT's order inside the subnet: options, DDNS, boot chain, then the ranges.
    CHECK(conf.find("option cumulus-provision-url \"") < conf.find("    if option"));
    CHECK(conf.find("    if option") < conf.find("range dynamic-bootp"));
}

TEST_CASE("isc: domain-name goes with the name servers, as xCAT writes it") {
    auto inv = base();
    inv.site.erase("nameservers");
    auto intent = make_intent(inv);
    auto conf = render_checked(intent).at("dhcpd.conf");
    CHECK_FALSE(contains(conf, "option domain-name \""));
    CHECK_FALSE(contains(conf, "domain-name-servers"));
    CHECK(contains(conf, "option domain-search \"cluster.test\";"));
    IscProfile old;
    old.domain_search = false;  // RHEL 5 / SLES 10 servers
    CHECK_FALSE(contains(render_checked(intent, old).at("dhcpd.conf"), "domain-search"));
}

TEST_CASE("isc: pools only where this server owns the network; several ranges") {
    auto inv = base();
    inv.networks["mgmt"]["dynamicrange"] = "10.0.200.1-10.0.200.9;10.0.201.1,10.0.201.9; 10.0.202.1 10.0.202.9";
    inv.networks["other"] = {{"net", "10.30.0.0"},          {"mask", "255.255.0.0"},
                             {"mgtifname", "!remote!eth1"}, {"dhcpserver", "sn1"},
                             {"dynamicrange", "10.30.0.10-10.30.0.20"}};
    auto intent = make_intent(inv);
    auto conf = render_checked(intent).at("dhcpd.conf");
    CHECK(contains(conf, "range dynamic-bootp 10.0.200.1 10.0.200.9;\n"));
    CHECK(contains(conf, "range dynamic-bootp 10.0.201.1 10.0.201.9;\n"));
    CHECK(contains(conf, "range dynamic-bootp 10.0.202.1 10.0.202.9;\n"));
    CHECK_FALSE(contains(conf, "10.30.0.10"));
    auto parsed = parse_dhcpd_conf(conf);
    REQUIRE(parsed.subnet("10.30.0.0/16"));
    CHECK(parsed.subnet("10.30.0.0/16")->ranges.empty());
}

TEST_CASE("isc bug: a CIDR dynamic range is expanded, never written literally (dhcpd rejected it)") {
    auto inv = base();
    inv.networks["mgmt"]["dynamicrange"] = "10.0.128.0/17";
    auto intent = make_intent(inv);
    auto conf = render_checked(intent).at("dhcpd.conf");
    CHECK(contains(conf, "    range dynamic-bootp 10.0.128.0 10.0.255.255;\n"));
    CHECK_FALSE(contains(only_line(conf, "range dynamic-bootp"), "/"));
}

TEST_CASE("isc: every subnet boot row, first match wins, as ISC conditionals") {
    auto intent = make_intent(base());
    auto conf = render_checked(intent).at("dhcpd.conf");
    const std::string net = "http://10.0.0.1/tftpboot/xcat/xnba/nets/10.0.0.0_16";
    // The rows, in order, as text.
    const std::string first_stage = " and option user-class-identifier != \"xNBA\" {\n";
    const std::vector<std::string> rows = {
        "    if option user-class-identifier = \"xNBA\" and option client-architecture = 00:00 {\n"
        "      always-broadcast on;\n      filename \"" + net + "\";\n",
        "    } elsif option user-class-identifier = \"xNBA\" and option client-architecture = 00:07 {\n"
        "      filename \"" + net + ".uefi\";\n",
        "    } elsif option user-class-identifier = \"xNBA\" and option client-architecture = 00:09 {\n"
        "      filename \"" + net + ".uefi\";\n",
        "    } elsif option user-class-identifier = \"xNBA\" and option client-architecture = 00:10 {\n"
        "      filename \"" + net + ".uefi\";\n",
        "    } elsif option client-architecture = 00:00" + first_stage + "      filename \"xcat/xnba.kpxe\";\n",
        "    } elsif substring(option vendor-class-identifier, 0, 13) = \"Etherboot-5.4\"" + first_stage +
            "      filename \"xcat/xnba.kpxe\";\n",
        "    } elsif option client-architecture = 00:07" + first_stage + "      filename \"xcat/xnba.efi\";\n",
        "    } elsif option client-architecture = 00:09" + first_stage + "      filename \"xcat/xnba.efi\";\n",
        "    } elsif option client-architecture = 00:10" + first_stage +
            "      filename \"http://10.0.0.1/tftpboot/xcat/xnba.efi\";\n"
            "      option vendor-class-identifier \"HTTPClient\";\n",
        "    } elsif option client-architecture = 00:02 {\n      filename \"elilo.efi\";\n",
        "    } elsif option client-architecture = 00:0b {\n      filename \"boot/grub2/grub2.aarch64\";\n",
        "    } elsif option client-architecture = 00:13 {\n"
        "      filename \"http://10.0.0.1/tftpboot/boot/grub2/grub2.aarch64\";\n",
        "    } elsif option client-architecture = 00:0c {\n      filename \"/boot/grub2/grub2.ppc\";\n",
        "    } elsif option client-architecture = 00:0e {\n"
        "      option conf-file \"http://10.0.0.1/tftpboot/pxelinux.cfg/p/10.0.0.0_16\";\n",
        "    } elsif substring(option vendor-class-identifier, 0, 11) = \"onie_vendor\" {\n"
        "      option www-server \"http://10.0.0.1/install/onie/onie-installer\";\n",
        "    } elsif not exists client-architecture" + first_stage + "      filename \"/yaboot\";\n    }\n",
    };
    std::size_t at = 0;
    for (const auto& row : rows) {
        CAPTURE(row);
        auto pos = conf.find(row, at);
        CHECK(pos != std::string::npos);
        if (pos != std::string::npos) at = pos + row.size();
    }
    // Read back, the chain answers each client as the intent's rules do.
    struct Case {
        boot::ClientPacket packet;
        std::string file;
    };
    for (const Case& c : std::vector<Case>{{{0x0000, "", ""}, "xcat/xnba.kpxe"},
                                           {{0x0000, "xNBA", ""}, net},
                                           {{0x0007, "", ""}, "xcat/xnba.efi"},
                                           {{0x0009, "", ""}, "xcat/xnba.efi"},
                                           {{0x0009, "xNBA", ""}, net + ".uefi"},
                                           {{std::nullopt, "", "Etherboot-5.4"}, "xcat/xnba.kpxe"},
                                           {{0x0002, "", ""}, "elilo.efi"},
                                           {{0x000b, "", ""}, "boot/grub2/grub2.aarch64"},
                                           {{0x000c, "", ""}, "/boot/grub2/grub2.ppc"},
                                           {{std::nullopt, "", ""}, "/yaboot"},
                                           {{0x0006, "", ""}, "<none>"}}) {
        CAPTURE(c.file);
        CHECK(filename(answer(conf, "", c.packet)) == c.file);
    }
    auto opal = answer(conf, "", {0x000e, "", ""});
    REQUIRE(option_value(opal, 209));
    CHECK(*option_value(opal, 209) == "http://10.0.0.1/tftpboot/pxelinux.cfg/p/10.0.0.0_16");
    auto onie = answer(conf, "", {std::nullopt, "", "onie_vendor:x86_64-accton"});
    REQUIRE(option_value(onie, 114));
    CHECK(*option_value(onie, 114) == "http://10.0.0.1/install/onie/onie-installer");
    CHECK(answer(conf, "", {0x0000, "xNBA", ""}).always_broadcast);
}

TEST_CASE("isc: conditions are conjunctions of comparisons, so OMAPI hosts survive dhcpd's leases file") {
    // dhcpd writes an OMAPI host's statements into dhcpd.leases without parentheses and reads
    // `and`/`or` left to right with one precedence: an `or` inside an `and`, or `not (a = b)`,
    // would come back with another meaning or not parse at all after a restart.
    intent::BuildOptions options;
    options.second_stage_user_classes = {"xNBA", "iPXE"};
    auto inv = base();
    add_node(inv, "cn1", "42:00:0a:00:01:01", "10.0.1.1", "xnba");
    add_node(inv, "cn2", "42:00:0a:00:01:02", "10.0.1.2", "pxe");
    add_node(inv, "cn3", "42:00:0a:00:01:03", "10.0.1.3", "xnba");
    inv.nodes["cn3"]["currstate"] = "boot";
    auto intent = make_intent(inv, options);
    auto files = render_checked(intent, static_profile());
    std::string all = files.at("dhcpd.conf");
    for (const auto& h : host_objects(intent)) all += "\n" + h.statements + "\n";
    std::regex condition("(?:if|elsif) (.*?) \\{");
    int conditions = 0;
    for (auto it = std::sregex_iterator(all.begin(), all.end(), condition); it != std::sregex_iterator(); ++it) {
        std::string c = (*it)[1].str();
        CAPTURE(c);
        ++conditions;
        std::string without_strings = std::regex_replace(c, std::regex("\"[^\"]*\""), "\"\"");
        CHECK_FALSE(contains(without_strings, " or "));
        CHECK_FALSE(contains(std::regex_replace(without_strings, std::regex("substring\\("), ""), "("));
        CHECK_FALSE(contains(std::regex_replace(without_strings, std::regex("not exists "), ""), "not "));
    }
    CHECK(conditions > 20);
    // Two second-stage classes: a branch for each, and first-stage rules exclude both.
    CHECK(contains(all, "    if option user-class-identifier = \"xNBA\" and option client-architecture = 00:00 {\n"));
    CHECK(contains(all, "    } elsif option user-class-identifier = \"iPXE\" and option client-architecture = 00:00 {\n"));
    CHECK(contains(all, "    } elsif option client-architecture = 00:00 and option user-class-identifier != \"xNBA\" "
                        "and option user-class-identifier != \"iPXE\" {\n"));
    CHECK(filename(answer(files.at("dhcpd.conf"), "", {0x0007, "iPXE", ""}, options.second_stage_user_classes)) ==
          "http://10.0.0.1/tftpboot/xcat/xnba/nets/10.0.0.0_16.uefi");
    CHECK(filename(answer(files.at("dhcpd.conf"), "", {0x0007, "", ""}, options.second_stage_user_classes)) ==
          "xcat/xnba.efi");
}

TEST_CASE("isc: with no second-stage user class, second-stage rules are left out, first-stage ones test nothing") {
    intent::BuildOptions options;
    options.second_stage_user_classes = {};
    auto intent = make_intent(base(), options);
    auto conf = render_checked(intent).at("dhcpd.conf");
    CHECK_FALSE(contains(conf, "user-class-identifier ="));
    CHECK(contains(conf, "    if option client-architecture = 00:00 {\n      filename \"xcat/xnba.kpxe\";"));
    CHECK_FALSE(contains(conf, "!="));
}

TEST_CASE("isc bug: UEFI 0x0007 firmware is not handed xnba.efi again at the second stage (endless loop)") {
    auto inv = base();
    add_node(inv, "cn1", "42:00:0a:00:01:01", "10.0.1.1", "xnba");
    auto intent = make_intent(inv);
    auto files = render_checked(intent);
    const auto& conf = files.at("dhcpd.conf");
    // Subnet level (discovery): the xNBA rule for 0x0007 comes before the loader rule.
    auto second = conf.find("option user-class-identifier = \"xNBA\" and option client-architecture = 00:07 {");
    auto loader = conf.find("filename \"xcat/xnba.efi\"");
    REQUIRE(second != std::string::npos);
    CHECK(second < loader);
    CHECK(filename(answer(conf, "", {0x0007, "xNBA", ""})) ==
          "http://10.0.0.1/tftpboot/xcat/xnba/nets/10.0.0.0_16.uefi");
    // Node level: the node's own UEFI script.
    const auto objects = host_objects(intent);
    const auto& h = object(objects, "cn1");
    CHECK(filename(answer(conf, h.statements, {0x0007, "xNBA", ""})) ==
          "http://${next-server}/tftpboot/xcat/xnba/nodes/cn1.uefi");
    // For every architecture, a second stage is never answered with a first-stage loader.
    for (std::uint16_t arch : {0x0000, 0x0002, 0x0006, 0x0007, 0x0009, 0x000b, 0x000e, 0x0010}) {
        CAPTURE(arch);
        for (const std::string& statements : {std::string(), h.statements}) {
            auto f = filename(answer(conf, statements, {arch, "xNBA", ""}));
            CHECK(f != "xcat/xnba.efi");
            CHECK(f != "xcat/xnba.kpxe");
        }
    }
}

TEST_CASE("isc bug: first-stage 0x0009 firmware of an xnba node gets xnba.efi, not an empty filename") {
    auto inv = base();
    add_node(inv, "cn1", "42:00:0a:00:01:01", "10.0.1.1", "xnba");
    auto intent = make_intent(inv);
    auto files = render_checked(intent, static_profile());
    const auto objects = host_objects(intent);
    const auto& h = object(objects, "cn1");
    CHECK_FALSE(contains(h.statements, "filename \"\""));
    CHECK(filename(answer(files.at("dhcpd.conf"), h.statements, {0x0009, "", ""})) == "xcat/xnba.efi");
    CHECK(filename(answer(files.at("dhcpd.conf"), h.statements, {0x0007, "", ""})) == "xcat/xnba.efi");
    CHECK(filename(answer(files.at("dhcpd.conf"), h.statements, {0x0000, "", ""})) == "xcat/xnba.kpxe");
    CHECK(filename(answer(files.at("dhcpd.conf"), h.statements, {0x0000, "xNBA", ""})) ==
          "http://${next-server}/tftpboot/xcat/xnba/nodes/cn1");
}

TEST_CASE("isc bug: dash-separated MACs are normalized, not garbled") {
    auto inv = base();
    add_node(inv, "cn1", "42-00-0A-00-01-0B", "10.0.1.1", "xnba");
    auto intent = make_intent(inv);
    auto files = render_checked(intent, static_profile());
    const auto objects = host_objects(intent);
    const auto& h = object(objects, "cn1");
    CHECK(h.mac == "42:00:0a:00:01:0b");
    CHECK(h.client_identifier == "42:00:0a:00:01:0b");
    CHECK(contains(files.at("dhcpd.conf"), "  hardware ethernet 42:00:0a:00:01:0b;\n"));
    CHECK_FALSE(contains(files.at("dhcpd.conf"), ":-"));
    IscProfile p;
    auto script = omshell_script(host_objects(intent), intent.omapi_key, secrets, p, {});
    CHECK(contains(script, "set hardware-address = 42:00:0a:00:01:0b\n"));
    CHECK_FALSE(contains(script, ":-"));
}

TEST_CASE("isc bug: <xcatmaster> in logservers is replaced by this server's address") {
    auto inv = base();
    inv.networks["mgmt"]["logservers"] = "<xcatmaster>";
    auto conf = render_checked(make_intent(inv)).at("dhcpd.conf");
    CHECK(contains(conf, "    option log-servers 10.0.0.1;\n"));
    CHECK_FALSE(contains(conf, "xcatmaster"));
}

TEST_CASE("isc bug: each omshell session gets its own preamble; the v6 server line never goes to v4") {
    auto inv = base();
    inv.server.interfaces[1].addresses.push_back(*net::HostAddress::parse("fd00:10::1/64"));
    inv.networks["v6"] = {{"net", "fd00:10::/64"}, {"mgtifname", "eth1"}};
    inv.nodes["cn1"] = {{"mac", "42:00:0a:00:01:01"}, {"ip", "10.0.1.1"}, {"netboot", "xnba"},
                        {"uuid", "4c4c4544-0030-3410-8058-b00000000001"}};
    inv.server.hosts["cn1"] = {ip("10.0.1.1"), ip("fd00:10::101")};
    auto intent = make_intent(inv);
    const auto hosts = host_objects(intent);
    IscProfile p;
    OmshellRequest v4;
    v4.server = "10.9.9.9";
    OmshellRequest v6 = v4;
    v6.family = net::Family::v6;
    v6.server = "10.8.8.8";
    auto s4 = omshell_script(hosts, intent.omapi_key, secrets, p, v4);
    auto s6 = omshell_script(hosts, intent.omapi_key, secrets, p, v6);
    CHECK(s4.rfind("port 7911\nkey xcat_key \"" + secrets.omapi_secret + "\"\nserver 10.9.9.9\nconnect\n", 0) == 0);
    CHECK(s6.rfind("port 7912\nkey xcat_key \"" + secrets.omapi_secret + "\"\nserver 10.8.8.8\nconnect\n", 0) == 0);
    CHECK(count(s4, "server ") == 1);
    CHECK(count(s6, "server ") == 1);
    CHECK_FALSE(contains(s4, "10.8.8.8"));
    CHECK_FALSE(contains(s4, "fd:00"));  // no v6 objects in the v4 batch
    // v6: DUID objects, addresses as 16 hex octets, no stray `set` before the first `new host`.
    CHECK(contains(s6, "set dhcp-client-identifier = 00:04:4c:4c:45:44:00:30:34:10:80:58:b0:00:00:00:00:01\n"));
    CHECK(contains(s6, "set ip-address = fd:00:00:10:00:00:00:00:00:00:00:00:00:00:01:01\n"));
    CHECK(s6.find("set ") > s6.find("new host"));
    CHECK(contains(s6, "set statements = \"ddns-hostname \\\"cn1\\\";\"\n"));
    // A server omshell cannot take is refused, not written.
    v4.server = "mn.cluster.test\nconnect";
    CHECK_THROWS_AS(omshell_script(hosts, intent.omapi_key, secrets, p, v4), Error);
}

TEST_CASE("isc: omshell batch: removals by name, address and typed hardware address, then create") {
    auto inv = base();
    inv.site["dhcpomapialgorithm"] = "hmac-sha512";
    add_node(inv, "cn1", "42:00:0a:00:01:01", "10.0.1.1", "xnba");
    inv.nodes["ib1"] = {{"mac", "80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:00:0f:01"}, {"ip", "10.0.1.2"}};
    inv.nodes["cn2"] = {{"mac", "42:00:0a:00:01:03!*NOIP*"}, {"ip", "10.0.1.3"}};
    auto intent = make_intent(inv);
    auto script = omshell_script(host_objects(intent), intent.omapi_key, secrets, IscProfile{}, {});
    CHECK(script.rfind("port 7911\nkey-algorithm hmac-sha512\nkey xcat_key ", 0) == 0);
    CHECK(contains(script, "new host\nset name = \"cn1\"\nopen\nremove\nclose\n"
                           "new host\nset ip-address = 10.0.1.1\nopen\nremove\nclose\n"
                           "new host\nset hardware-address = 42:00:0a:00:01:01\nset hardware-type = 1\n"
                           "open\nremove\nclose\n"
                           "new host\nset name = \"cn1\"\nset hardware-address = 42:00:0a:00:01:01\n"
                           "set hardware-type = 1\nset dhcp-client-identifier = 42:00:0a:00:01:01\n"
                           "set ip-address = 10.0.1.1\nset statements = \"ddns-hostname \\\"cn1\\\"; "
                           "send host-name \\\"cn1\\\"; if option user-class-identifier = \\\"xNBA\\\""));
    CHECK(contains(script, "set hardware-type = 32\nopen\nremove\nclose\n"));  // IB found by type
    CHECK(contains(script, "set name = \"cn2-noip42000a000103\"\nset hardware-address = 42:00:0a:00:01:03\n"
                           "set hardware-type = 1\nset dhcp-client-identifier = 42:00:0a:00:01:03\n"
                           "set statements = \"deny booting;\"\ncreate\nclose\n"));
    auto removal = omshell_script(host_objects(intent), intent.omapi_key, secrets, IscProfile{},
                                  {net::Family::v4, OmapiOperation::remove, ""});
    CHECK_FALSE(contains(removal, "create"));
    CHECK(contains(removal, "set name = \"cn1\"\nopen\nremove\nclose\n"));
    // Every omshell line is one command: no value can start a new line.
    for (const auto& h : host_objects(intent)) CHECK(h.statements.find('\n') == std::string::npos);
}

TEST_CASE("isc bug: dhcpd6.conf gets every owned range and valid DHCPv6 options") {
    auto inv = base();
    inv.server.interfaces[1].addresses.push_back(*net::HostAddress::parse("fd00:10::1/64"));
    inv.server.interfaces.push_back({"eth2", {*net::HostAddress::parse("fd00:20::1/64")}});
    inv.site["dhcpinterfaces"] = "eth1,eth2";
    inv.networks["v6"] = {{"net", "fd00:10::/64"},
                          {"mgtifname", "eth1"},
                          {"nameservers", "fd00:10::1,fd00:10::53"},
                          {"dynamicrange", "fd00:10::1000-fd00:10::1fff;fd00:10::3000-fd00:10::3fff;fd00:10::1:0/112"}};
    inv.networks["v6b"] = {{"net", "fd00:20::/64"}, {"mgtifname", "eth2"}, {"dhcpserver", "sn9"},
                           {"dynamicrange", "fd00:20::1000-fd00:20::1fff"}};
    auto intent = make_intent(inv);
    auto files = render_checked(intent);
    REQUIRE(files.count("dhcpd6.conf"));
    const auto& conf6 = files.at("dhcpd6.conf");
    CHECK(conf6.rfind("#xCAT generated dhcp configuration\n", 0) == 0);
    CHECK(contains(conf6, "omapi-port 7912;\n"));
    CHECK(contains(conf6, "key xcat_key {\n  algorithm hmac-md5;\n  secret \"" + secrets.omapi_secret + "\";\n};\n"));
    CHECK(contains(conf6, "    range6 fd00:10::1000 fd00:10::1fff;\n"));
    CHECK(contains(conf6, "    range6 fd00:10::3000 fd00:10::3fff;\n"));
    CHECK(contains(conf6, "    range6 fd00:10::1:0/112;\n"));
    CHECK_FALSE(contains(conf6, "fd00:20::1000"));  // not owned: networks.dhcpserver is another server
    CHECK(contains(conf6, "    option dhcp6.name-servers fd00:10::1, fd00:10::53;\n"));
    CHECK(contains(conf6, "    option dhcp6.domain-search \"cluster.test\";\n"));
    CHECK_FALSE(contains(conf6, "nameservers "));
    CHECK_FALSE(contains(conf6, "option domain-name "));
    CHECK(contains(conf6, "} # fd00:10::/64 subnet_end\n"));
    CHECK_FALSE(contains(conf6, "client-architecture"));
    CHECK_FALSE(contains(files.at("dhcpd.conf"), "subnet6"));
    // No IPv6 subnet, no dhcpd6.conf.
    CHECK_FALSE(render(make_intent(base()), IscProfile{}, secrets).count("dhcpd6.conf"));
    IscProfile old;
    old.dhcpd_version = {3, 1, 3};
    CHECK_THROWS_AS(render(intent, old, secrets), Error);
}

TEST_CASE("isc: DDNS zones with the key, ddns-domainname, reverse zones; zone without a server") {
    auto inv = base();
    inv.site["dnshandler"] = "ddns";
    inv.networks["mgmt"]["ddnsdomain"] = "dyn.cluster.test";
    inv.networks["nodns"] = {{"net", "10.40.0.0"}, {"mask", "255.255.0.0"}, {"mgtifname", "!remote!eth1"},
                             {"tftpserver", "10.40.0.2"}, {"nameservers", ""}};
    inv.site.erase("nameservers");
    inv.networks["mgmt"]["nameservers"] = "10.0.0.1";
    inv.server.interfaces[1].addresses.push_back(*net::HostAddress::parse("fd00:10::1/64"));
    inv.networks["v6"] = {{"net", "fd00:10::/64"}, {"mgtifname", "eth1"}, {"nameservers", "fd00:10::1"}};
    auto intent = make_intent(inv);
    auto files = render_checked(intent);
    const auto& conf = files.at("dhcpd.conf");
    CHECK(contains(conf, "    ddns-domainname \"dyn.cluster.test\";\n"
                         "    zone dyn.cluster.test. {\n      primary 10.0.0.1;\n      key xcat_key;\n    }\n"
                         "    zone 0.10.IN-ADDR.ARPA. {\n      primary 10.0.0.1;\n      key xcat_key;\n    }\n"));
    CHECK(contains(conf, "    zone 40.10.IN-ADDR.ARPA. {\n      key xcat_key;\n    }\n"));  // no primary line
    CHECK(contains(files.at("dhcpd6.conf"), "      primary6 fd00:10::1;\n"));
    CHECK(contains(files.at("dhcpd6.conf"), "zone 0.0.0.0.0.0.0.0.0.1.0.0.0.0.d.f.ip6.arpa. {"));
    // A DDNS key of its own gets its own block, with the TSIG secret.
    auto other_key = intent;
    other_key.ddns.key = {"ddns_key", "hmac-sha512"};
    rn::Secrets two{secrets.omapi_secret, "dHNpZ3RzaWd0c2lndHNpZw=="};
    auto separate = render(other_key, IscProfile{}, two);
    validate(separate, other_key);
    CHECK(contains(separate.at("dhcpd.conf"), "key ddns_key {\n  algorithm hmac-sha512;\n  secret \"dHNpZ3RzaWd0c2lndHNpZw==\";\n};\n"));
    CHECK(contains(separate.at("dhcpd.conf"), "      key ddns_key;\n"));
    CHECK(contains(separate.at("dhcpd.conf"), "omapi-key xcat_key;\n"));
    // Without DDNS: no zones.
    inv.site.erase("dnshandler");
    CHECK_FALSE(contains(render_checked(make_intent(inv)).at("dhcpd.conf"), "zone "));
}

// ---------------------------------------------------------------- host statements per netboot method
namespace {
struct MethodCase {
    const char* netboot;
    std::map<std::string, std::string> attributes;
    std::vector<std::string> fragments;  // in the statements
};
}  // namespace

TEST_CASE("isc: host statements for every netboot method, valid as OMAPI statements and static hosts") {
    const std::string x = "http://${next-server}/tftpboot/xcat/xnba/nodes/n1";
    const std::vector<MethodCase> cases = {
        {"xnba", {}, {"if option user-class-identifier = \"xNBA\" and option client-architecture = 00:00 "
                      "{ always-broadcast on; filename \"" + x + "\"; } elsif option user-class-identifier = "
                      "\"xNBA\" and option client-architecture = 00:07 { filename \"" + x + ".uefi\"; } elsif "
                      "option user-class-identifier = \"xNBA\" and option client-architecture = 00:09 { filename \"" +
                          x + ".uefi\"; } elsif option user-class-identifier = \"xNBA\" and option "
                      "client-architecture = 00:10 { filename \"" + x + ".uefi\"; }"}},
        {"xnba", {{"currstate", "boot"}}, {"filename \"xcat/xnba.kpxe\";", "} else { filename \"\"; }"}},
        {"xnba", {{"currstate", "install win2019"}, {"os", "win2019"}},
         {"option vendor-class-identifier \"PXEClient\";"}},
        {"xnba", {{"currstate", "iscsiboot"}, {"iscsiserver", "10.0.0.9"}, {"iscsitarget", "iqn.2024-01.test:t1"},
                  {"iscsiname", "iqn.2024-01.test:n1"}},
         {"option root-path \"iscsi:10.0.0.9:6:3260:0:iqn.2024-01.test:t1\";",
          "option iscsi-initiator-iqn \"iqn.2024-01.test:n1\";"}},
        {"pxe", {}, {"if substring(option vendor-class-identifier, 0, 7) = \"ScaleMP\" { filename "
                     "\"vsmp/pxelinux.0\"; } else { filename \"pxelinux.0\"; }"}},
        {"pxe", {{"currstate", "boot"}, {"iscsiserver", "10.0.0.9"}, {"iscsitarget", "iqn.2024-01.test:t1"}},
         {"if option user-class-identifier = \"xNBA\" { filename \"\"; }", "option root-path"}},
        {"grub2", {}, {"send host-name \"n1\"; filename \"/boot/grub2/grub2-n1\";"}},
        {"grub2-http", {}, {"filename \"/boot/grub2/grub2-n1\";"}},
        {"grub2-tftp", {}, {"filename \"/boot/grub2/grub2-n1\";"}},
        {"petitboot", {}, {"option conf-file \"http://10.0.0.1/tftpboot/petitboot/n1\";"}},
        {"yaboot", {}, {"filename \"/yb/node/yaboot-n1\";"}},
        {"onie", {}, {"if substring(option vendor-class-identifier, 0, 11) = \"onie_vendor\" { option www-server "
                      "\"http://10.0.0.1/install/onie/onie-installer\"; }"}},
        {"nimol", {}, {"filename \"/vios/nodes/n1\";"}},
        {"", {}, {}},
        {"someday", {}, {}},
    };
    for (const auto& c : cases) {
        CAPTURE(c.netboot);
        auto inv = base();
        add_node(inv, "n1", "42:00:0a:00:01:01", "10.0.1.1", c.netboot);
        for (const auto& [k, v] : c.attributes) inv.nodes["n1"][k] = v;
        auto intent = make_intent(inv);
        const auto objects = host_objects(intent);
        REQUIRE(objects.size() == 1);
        const HostObject& h = objects.front();
        CHECK(h.statements.rfind("ddns-hostname \"n1\"; send host-name \"n1\";", 0) == 0);
        for (const auto& f : c.fragments) {
            CAPTURE(f);
            CHECK(contains(h.statements, f));
        }
        if (c.fragments.empty()) CHECK(h.statements == "ddns-hostname \"n1\"; send host-name \"n1\";");
        // The statements as dhcpd reads them from an OMAPI object: the same syntax in a host block.
        check_statements(intent, h);
        // Static-hosts mode renders the same meaning into dhcpd.conf.
        auto files = render_checked(intent, static_profile());
        CHECK(contains(files.at("dhcpd.conf"), "  option host-name \"n1\";\n"));
        CHECK_FALSE(contains(files.at("dhcpd.conf"), "send host-name"));
    }
}

TEST_CASE("isc: node next-server and the boot plan's options come after the chain") {
    auto inv = base();
    inv.server.hosts["tftp2"] = {ip("10.0.0.2")};
    add_node(inv, "n1", "42:00:0a:00:01:01", "10.0.1.1", "xnba");
    inv.nodes["n1"]["tftpserver"] = "tftp2";
    inv.nodes["n1"]["iscsiserver"] = "10.0.0.9";
    inv.nodes["n1"]["iscsitarget"] = "iqn.t";
    auto intent = make_intent(inv);
    const auto objects = host_objects(intent);
    const auto& h = object(objects, "n1");
    CHECK(contains(h.statements, "nodes/n1.uefi\"; } option root-path \"iscsi:10.0.0.9:6:3260:0:iqn.t\"; "
                                 "next-server 10.0.0.2;"));
    CHECK(contains(h.statements, "http://10.0.0.2/tftpboot/xcat/xnba/nodes/n1"));
    render_checked(intent, static_profile());
}

TEST_CASE("isc: host objects: hardware types 1, 32, 37; *NOIP* deny; aliases; unplaced; client identifier") {
    auto inv = base();
    inv.site["dhcpinterfaces"] = "eth1,hf0";
    inv.server.interfaces.push_back({"hf0", {*net::HostAddress::parse("20.0.0.1/16")}});
    inv.networks["hfi"] = {{"net", "20.0.0.0"}, {"mask", "255.255.0.0"}, {"mgtifname", "hf0"}};
    inv.nodes["cn1"] = {{"mac", "42:00:0a:00:01:01|42:00:0a:00:01:02!cn1-b|42:00:0a:00:01:03!*NOIP*"},
                        {"ip", "10.0.1.1"}, {"netboot", "grub2"}};
    inv.server.hosts["cn1-b"] = {ip("10.0.1.101")};
    inv.nodes["ib1"] = {{"mac", "80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:00:0f:01"}, {"ip", "10.0.1.2"}};
    inv.nodes["opa1"] = {{"mac", "00:11:75:01:01:02:03:04"}, {"ip", "10.0.1.4"}};
    inv.nodes["hfi1"] = {{"mac", "02:00:00:00:00:31"}, {"ip", "20.0.0.31"}};
    inv.nodes["lost"] = {{"mac", "42:00:0a:00:01:09"}};  // does not resolve: no address
    inv.nodes["pool"] = {{"mac", "42:00:0a:00:01:0a"}, {"ip", "10.0.200.5"}};  // inside the dynamic range
    auto intent = make_intent(inv);
    const auto objects = host_objects(intent);
    CHECK(object(objects, "cn1").hardware_type == 1);
    CHECK(object(objects, "cn1").ip == ip("10.0.1.1"));
    CHECK(object(objects, "cn1-b").ip == ip("10.0.1.101"));
    CHECK(contains(object(objects, "cn1-b").statements, "send host-name \"cn1\";"));  // the node name
    const auto& noip = object(objects, "cn1-noip42000a000103");
    CHECK(noip.deny);
    CHECK(noip.statements == "deny booting;");
    CHECK_FALSE(noip.ip);
    CHECK(object(objects, "ib1").hardware_type == 32);
    CHECK(object(objects, "ib1").client_identifier ==
          "80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:00:0f:01");
    CHECK(object(objects, "opa1").hardware_type == 32);
    CHECK(object(objects, "hfi1").hardware_type == 37);
    CHECK_FALSE(object(objects, "lost").ip);
    CHECK_FALSE(object(objects, "pool").ip);
    for (const auto& h : objects) {
        CAPTURE(h.name);
        CHECK(h.client_identifier == h.mac);
        CHECK(h.family == net::Family::v4);
    }
    // host_statements() gives the same text for one reservation.
    for (const auto& r : intent.subnets[0].reservations)
        CHECK(host_statements(r, intent) == object(objects, r.name).statements);
    auto files = render_checked(intent, static_profile());
    const auto& conf = files.at("dhcpd.conf");
    CHECK(contains(conf, "host ib1 {\n  hardware infiniband 80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:00:0f:01;\n"
                         "  option dhcp-client-identifier 80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:00:0f:01;\n"
                         "  fixed-address 10.0.1.2;\n"));
    CHECK(contains(conf, "host hfi1 {\n  option dhcp-client-identifier 02:00:00:00:00:31;\n  fixed-address 20.0.0.31;\n"));
    CHECK(contains(conf, "#xCAT host declaration for cn1 aka host cn1-noip42000a000103 start\n"
                         "host cn1-noip42000a000103 {\n  hardware ethernet 42:00:0a:00:01:03;\n  deny booting;\n}\n"
                         "#xCAT host declaration for cn1 aka host cn1-noip42000a000103 end\n"));
    CHECK(contains(conf, "host lost {\n  hardware ethernet 42:00:0a:00:01:09;\n  ddns-hostname \"lost\";\n"));
    // JSON: the same objects.
    auto json = nlohmann::json::parse(files.at("hosts.omapi.json"));
    CHECK(json["static-hosts"] == true);
    REQUIRE(json["hosts"].size() == objects.size());
    for (std::size_t i = 0; i < objects.size(); ++i) {
        const auto& j = json["hosts"][i];
        CHECK(j["name"] == objects[i].name);
        CHECK(j["hardware-type"] == objects[i].hardware_type);
        CHECK(j["hardware-address"] == objects[i].mac);
        CHECK(j["statements"] == objects[i].statements);
        CHECK(j["ip-address"] == (objects[i].ip ? nlohmann::json(objects[i].ip->to_string()) : nlohmann::json()));
        CHECK(j["omapi-port"] == 7911);
    }
    // OMAPI mode: the leases pointers, once per (node, object), with the profile's path.
    IscProfile ubuntu;
    ubuntu.leases_file = "/var/lib/dhcp/dhcpd.leases";
    auto omapi = render(intent, ubuntu, secrets);
    validate(omapi, intent, ubuntu);
    CHECK(contains(omapi.at("dhcpd.conf"),
                   "#definition for host cn1 aka host cn1-b can be found in the dhcpd.leases file "
                   "(/var/lib/dhcp/dhcpd.leases)\n"));
    CHECK(count(omapi.at("dhcpd.conf"), "#definition for host ") == objects.size());
    CHECK_FALSE(contains(omapi.at("dhcpd.conf"), "\nhost "));
}

TEST_CASE("isc: DHCPv6 host objects and static v6 hosts (DUID or hardware address)") {
    auto inv = base();
    inv.server.interfaces[1].addresses.push_back(*net::HostAddress::parse("fd00:10::1/64"));
    inv.networks["v6"] = {{"net", "fd00:10::/64"}, {"mgtifname", "eth1"}};
    inv.nodes["cn1"] = {{"mac", "42:00:0a:00:01:01"}, {"ip", "10.0.1.1"},
                        {"uuid", "4c4c4544-0030-3410-8058-b00000000001"}};
    inv.server.hosts["cn1"] = {ip("10.0.1.1"), ip("fd00:10::101")};
    inv.nodes["v6only"] = {{"mac", "42:00:0a:00:01:02"}, {"ip", "fd00:10::102"}};
    auto intent = make_intent(inv);
    const auto objects = host_objects(intent);
    const auto& cn1 = object(objects, "cn1", net::Family::v6);
    CHECK(cn1.client_identifier == "00:04:4c:4c:45:44:00:30:34:10:80:58:b0:00:00:00:00:01");
    CHECK(cn1.ip == ip("fd00:10::101"));
    CHECK(cn1.statements == "ddns-hostname \"cn1\";");
    const auto& v6only = object(objects, "v6only", net::Family::v6);
    CHECK(v6only.client_identifier.empty());
    auto files = render_checked(intent, static_profile());
    const auto& conf6 = files.at("dhcpd6.conf");
    CHECK(contains(conf6, "host cn1 {\n  host-identifier option dhcp6.client-id "
                          "00:04:4c:4c:45:44:00:30:34:10:80:58:b0:00:00:00:00:01;\n  fixed-address6 fd00:10::101;\n"
                          "  ddns-hostname \"cn1\";\n}\n"));
    CHECK(contains(conf6, "host v6only {\n  hardware ethernet 42:00:0a:00:01:02;\n  fixed-address6 fd00:10::102;\n"));
    CHECK_FALSE(contains(files.at("dhcpd.conf"), "fd00:10::101"));
    auto json = nlohmann::json::parse(files.at("hosts.omapi.json"));
    bool found = false;
    for (const auto& j : json["hosts"])
        if (j["family"] == 6 && j["name"] == "cn1") {
            found = true;
            CHECK(j["omapi-port"] == 7912);
        }
    CHECK(found);
}

// ---------------------------------------------------------------- hostile values
namespace {
const std::vector<std::string> hostile = {
    "\"", ";", "{", "}", "\n",
    "evil\"; } host x { hardware ethernet 00:00:00:00:00:01; }",
    "line\nbreak; subnet 1.2.3.0 netmask 255.255.255.0 {",
    "brace { and } semi ;",
    "back\\slash\\\" quote",
    "tab\tcr\rnul" + std::string(1, '\0') + "end",
    "\xff\xfe non-ascii \x7f",
    "# comment } ;",
};

Intent hostile_base() {
    auto inv = base();
    inv.site["dnshandler"] = "ddns";
    add_node(inv, "n1", "42:00:0a:00:01:01", "10.0.1.1", "xnba");
    return make_intent(inv);
}

// The file still has one shared-network, one subnet, its ranges and chain; and dhcpd accepts it.
void check_structure(const std::string& conf, std::size_t hosts = 0) {
    auto parsed = parse_dhcpd_conf(conf);
    CHECK(parsed.shared_networks.size() == 1);
    CHECK(parsed.subnets.size() == 1);
    CHECK(parsed.hosts.size() == hosts);
    CHECK(parsed.keys.size() == 1);
    check_valid(conf);
}
}  // namespace

TEST_CASE("isc hostile: strings in options, URLs, vendor classes and host names are escaped") {
    for (const auto& value : hostile) {
        CAPTURE(value);
        {
            auto intent = hostile_base();
            intent.subnets[0].options.domain_name = value;
            intent.subnets[0].options.domain_search = {value, "b.test"};
            intent.subnets[0].options.cumulus_provision_url = value;
            intent.subnets[0].ddns_domain = value;
            intent.timezone = value;
            auto files = render(intent, IscProfile{}, secrets);
            check_structure(files.at("dhcpd.conf"));
            auto parsed = parse_dhcpd_conf(files.at("dhcpd.conf"));
            CHECK(parsed.subnets[0].options.at("domain-name") == value);
            CHECK(parsed.subnets[0].options.at("cumulus-provision-url") == value);
            CHECK(parsed.subnets[0].parameters.at("ddns-domainname") == value);
            CHECK(parsed.options.at("tcode") == value);
            CHECK(compare_with_intent(parsed, intent, net::Family::v4).empty());
        }
        {
            // Subnet rules live only in dhcpd.conf: escaped.
            auto intent = hostile_base();
            auto& rules = intent.subnets[0].boot_rules;
            rules[0].action.filename = value;
            rules.back().match.vendor_class_prefix = value;
            rules.back().action.options.push_back({boot::option::pxelinux_conf_file, value});
            auto files = render(intent, IscProfile{}, secrets);
            check_structure(files.at("dhcpd.conf"));
            auto parsed = parse_dhcpd_conf(files.at("dhcpd.conf"));
            CHECK(parsed.subnets[0].boot_rules[0].action.filename == value);
            CHECK(parsed.subnets[0].boot_rules.back().match.vendor_class_prefix == value);
            CHECK(compare_with_intent(parsed, intent, net::Family::v4).empty());
        }
        {
            // Host statements also go through OMAPI into dhcpd.leases, which dhcpd writes without
            // escaping: '"' and '\\' are refused there, everything else is escaped.
            auto intent = hostile_base();
            auto& r = intent.subnets[0].reservations[0];
            r.hostname = value;
            r.boot.rules[0].action.filename = value;
            r.boot.options.push_back({boot::option::root_path, value});
            if (value.find_first_of("\"\\") != std::string::npos) {
                CHECK_THROWS_AS(host_objects(intent), Error);
                CHECK_THROWS_AS(render(intent, static_profile(), secrets), Error);
                continue;
            }
            auto files = render(intent, static_profile(), secrets);
            check_structure(files.at("dhcpd.conf"), 1);
            auto parsed = parse_dhcpd_conf(files.at("dhcpd.conf"));
            CHECK(compare_with_intent(parsed, intent, net::Family::v4, static_profile()).empty());
            const auto objects = host_objects(intent);
            const auto& h = objects.front();
            auto back = read_statements(h.statements);
            CHECK(back.parameters.at("ddns-hostname") == value);
            CHECK(back.options.at("host-name") == value);
            CHECK(back.options.at("root-path") == value);
            check_statements(intent, h);
            // omshell: one line per command whatever the value.
            auto script = omshell_script(objects, intent.omapi_key, secrets, IscProfile{}, {});
            std::istringstream lines(script);
            std::string line;
            while (std::getline(lines, line)) {
                bool known = false;
                for (const char* start : {"port ", "key ", "connect", "new host", "set ", "open", "remove", "close",
                                          "create"})
                    known = known || line.rfind(start, 0) == 0;
                CHECK_MESSAGE(known, line);
            }
        }
    }
}

TEST_CASE("isc hostile: quotes and backslashes never reach OMAPI objects (dhcpd.leases is written unescaped)") {
    auto set = [](Intent& i, int what, const std::string& v) {
        auto& r = i.subnets[0].reservations[0];
        switch (what) {
            case 0: r.hostname = v; break;
            case 1: r.boot.rules[0].action.filename = v; break;
            case 2: r.boot.rules[0].match.vendor_class_prefix = v; break;
            case 3: r.boot.options.push_back({boot::option::iscsi_initiator_iqn, v}); break;
            case 4: i.second_stage_user_classes = {v}; break;
        }
    };
    for (int what = 0; what < 5; ++what)
        for (const std::string v : {"a\"b", "a\\b"}) {
            CAPTURE(what);
            CAPTURE(v);
            auto intent = hostile_base();
            set(intent, what, v);
            try {
                host_objects(intent);
                FAIL("not refused");
            } catch (const Error& e) {
                CHECK(e.node() == "n1");
                CHECK(contains(e.message(), "dhcpd.leases"));
            }
        }
    // Deny objects carry no strings; other reservations' values do not matter to them.
    auto intent = hostile_base();
    intent.subnets[0].reservations[0].deny = true;
    intent.subnets[0].reservations[0].hostname = "a\"b";
    CHECK_NOTHROW(host_objects(intent));
}

TEST_CASE("isc hostile: names dhcpd cannot quote are refused (zone, host, key, server)") {
    for (const auto& value : hostile) {
        CAPTURE(value);
        auto intent = hostile_base();
        intent.subnets[0].ddns_zones[0].name = value;
        CHECK_THROWS_AS(render(intent, IscProfile{}, secrets), Error);

        intent = hostile_base();
        intent.subnets[0].reservations[0].name = value;
        CHECK_THROWS_AS(host_objects(intent), Error);
        CHECK_THROWS_AS(render(intent, static_profile(), secrets), Error);
        CHECK_THROWS_AS(render(intent, IscProfile{}, secrets), Error);

        intent = hostile_base();
        intent.omapi_key.name = value;
        CHECK_THROWS_AS(render(intent, IscProfile{}, secrets), Error);
        CHECK_THROWS_AS(omshell_script({}, intent.omapi_key, secrets, IscProfile{}, {}), Error);

        intent = hostile_base();
        intent.omapi_key.algorithm = value;
        CHECK_THROWS_AS(render(intent, IscProfile{}, secrets), Error);

        intent = hostile_base();
        intent.subnets[0].reservations[0].duid = value;
        intent.subnets[0].reservations[0].address = ip("fd00::5");
        CHECK_THROWS_AS(host_objects(intent), Error);
    }
    // A zone name error names the attribute and the value.
    auto intent = hostile_base();
    intent.subnets[0].ddns_zones[0].name = "bad zone.";
    try {
        render(intent, IscProfile{}, secrets);
        FAIL("no throw");
    } catch (const Error& e) {
        CHECK(e.attribute() == "DDNS zone");
        CHECK(e.value() == "bad zone.");
    }
}

TEST_CASE("isc hostile: interface names, comments, addresses of the wrong family, oversized strings") {
    for (const auto& value : hostile) {
        CAPTURE(value);
        auto intent = hostile_base();
        intent.subnets[0].shared_network = value;
        IscProfile p;
        p.leases_file = value;
        RenderOptions options;
        options.inventory_digest = value;
        options.generator = value;
        auto conf = render(intent, p, secrets, options).at("dhcpd.conf");
        check_structure(conf);
        auto parsed = parse_dhcpd_conf(conf);
        CHECK(parsed.shared_networks[0].name == value);
        // Comment lines never break: every line starting with '#' stays one line.
        CHECK(parsed.first_line == "#xCAT generated dhcp configuration");
    }
    auto intent = hostile_base();
    intent.subnets[0].options.routers = {ip("fd00::1")};
    CHECK_THROWS_AS(render(intent, IscProfile{}, secrets), Error);
    intent = hostile_base();
    intent.subnets[0].pools = {{ip("10.1.0.1"), ip("10.1.0.9"), std::nullopt}};  // outside the subnet
    CHECK_THROWS_AS(render(intent, IscProfile{}, secrets), Error);
    intent = hostile_base();
    intent.subnets[0].options.mtu = 70000;
    CHECK_THROWS_AS(render(intent, IscProfile{}, secrets), Error);
    intent = hostile_base();
    intent.subnets[0].options.domain_name = std::string(5000, 'a');
    CHECK_THROWS_AS(render(intent, IscProfile{}, secrets), Error);
    intent = hostile_base();
    intent.subnets[0].boot_rules[0].action.options.push_back({42, "ntp?"});  // no ISC name known
    CHECK_THROWS_AS(render(intent, IscProfile{}, secrets), Error);
}

// ---------------------------------------------------------------- determinism, reader, profile
TEST_CASE("isc: same intent, byte-identical files; inventory order does not matter") {
    auto inv = base();
    inv.site["dhcpinterfaces"] = "eth2,eth1";
    inv.server.interfaces.push_back({"eth2", {*net::HostAddress::parse("172.20.0.1/16")}});
    inv.networks["power"] = {{"net", "172.20.0.0"}, {"mask", "255.255.0.0"}, {"mgtifname", "eth2"}};
    for (int i = 1; i <= 20; ++i) {
        char mac[32], address[32];
        std::snprintf(mac, sizeof mac, "42:00:0a:00:01:%02x", i);
        std::snprintf(address, sizeof address, "10.0.1.%d", i);
        add_node(inv, "cn" + std::to_string(i), mac, address, i % 2 ? "xnba" : "grub2");
    }
    auto a = render(make_intent(inv), IscProfile{}, secrets);
    auto b = render(make_intent(inv), IscProfile{}, secrets);
    CHECK(a == b);
    auto reordered = inv;
    std::swap(reordered.server.interfaces[1], reordered.server.interfaces[2]);
    reordered.site["dhcpinterfaces"] = "eth1,eth2";
    CHECK(render(make_intent(reordered), IscProfile{}, secrets) == a);
    validate(a, make_intent(inv));
}

TEST_CASE("isc: the structural reader sees regressions as meaning") {
    auto inv = base();
    add_node(inv, "cn1", "42:00:0a:00:01:01", "10.0.1.1", "xnba");
    auto intent = make_intent(inv);
    auto files = render_checked(intent, static_profile());
    const std::string conf = files.at("dhcpd.conf");
    CHECK(compare_with_intent(parse_dhcpd_conf(conf), intent, net::Family::v4, static_profile()).empty());

    auto differs = [&](const std::string& from, const std::string& to) {
        CAPTURE(from);
        std::string changed = conf;
        auto pos = changed.find(from);
        REQUIRE(pos != std::string::npos);
        changed.replace(pos, from.size(), to);
        auto d = compare_with_intent(parse_dhcpd_conf(changed), intent, net::Family::v4, static_profile());
        CHECK_FALSE(d.empty());
        return d.empty() ? std::string() : d.front();
    };
    CHECK(contains(differs("range dynamic-bootp 10.0.200.1 10.0.200.254;", ""), "pools"));
    CHECK(contains(differs("\"xcat/xnba.efi\"", "\"xcat/xnba.kpxe\""), "arch 00:07"));
    CHECK(contains(differs("option client-architecture = 00:00 and option user-class-identifier !=",
                           "option client-architecture = 00:06 and option user-class-identifier !="),
                   "arch 00:00"));
    // The first-stage exclusion matters where no earlier second-stage rule catches the client.
    CHECK(contains(differs("\"Etherboot-5.4\" and option user-class-identifier != \"xNBA\"", "\"Etherboot-5.4\""),
                   "user class 'xNBA', vendor class 'Etherboot-5.4'"));
    CHECK(contains(differs("option routers 10.0.0.1;", "option routers 10.0.0.2;"), "routers"));
    CHECK(contains(differs("max-lease-time 43200;\n    min", "max-lease-time 600;\n    min"), "max-lease-time"));
    CHECK(contains(differs("  } # 10.0.0.0/255.255.0.0 subnet_end", "  } # 10.0.0.0 subnet_end"), "marker"));
    CHECK(contains(differs("nodes/cn1.uefi", "nodes/cn2.uefi"), "host cn1"));
    CHECK(contains(differs("fixed-address 10.0.1.1;", "fixed-address 10.0.1.9;"), "fixed address"));
    // Text the renderer never writes is refused rather than misread.
    CHECK_THROWS_AS(parse_dhcpd_conf("subnet 10.0.0.0 netmask 255.0.0.0 { if option x = 1 { } }"), Error);
    CHECK_THROWS_AS(parse_dhcpd_conf("subnet 10.0.0.0 netmask 255.0.0.0 { authoritative"), Error);
    CHECK_THROWS_AS(parse_dhcpd_conf("option x \"unterminated;\n"), Error);
}

TEST_CASE("isc: the reader reads the example cluster back to its intent (when the example exists)") {
    const fs::path cluster = fs::path(XCATDHCP_SOURCE_DIR) / "examples/inventories/cluster.yaml";
    if (!fs::exists(cluster)) {
        MESSAGE("examples/inventories/cluster.yaml not present");
        return;
    }
    auto inv = inventory::load_file(cluster.string());
    auto intent = intent::build(inv).intent;
    auto profile = IscProfile::for_server(inv.server);
    auto files = render(intent, profile, secrets);
    validate(files, intent, profile);
    profile.static_hosts = true;
    validate(render(intent, profile, secrets), intent, profile);
}

TEST_CASE("isc: profiles from dhcpd --version and from the server's platform") {
    CHECK(IscProfile::from_version_output("isc-dhcpd-4.4.3-P1\n").dhcpd_version == Version{4, 4, 3});
    CHECK(IscProfile::from_version_output("isc-dhcpd-4.2.5").dhcpd_version == Version{4, 2, 5});
    CHECK_THROWS_AS(IscProfile::from_version_output("dhcpd: command not found"), Error);
    inventory::ServerFacts facts;
    facts.platform = {"ubuntu", "22.04", "debian", ""};
    facts.backends["isc"] = "isc-dhcpd-4.4.1";
    auto ubuntu = IscProfile::for_server(facts);
    CHECK(ubuntu.static_hosts);  // xCAT's fallback: omshell fails there
    CHECK(ubuntu.leases_file == "/var/lib/dhcp/dhcpd.leases");
    CHECK(ubuntu.dhcpd_version == Version{4, 4, 1});
    facts.platform = {"ubuntu", "24.04", "debian", ""};
    CHECK_FALSE(IscProfile::for_server(facts).static_hosts);
    facts.platform = {"rocky", "9.4", "rhel centos fedora", "platform:el9"};
    CHECK(IscProfile::for_server(facts).leases_file == "/var/lib/dhcpd/dhcpd.leases");
    facts.platform = {"sles", "15.5", "suse", ""};
    CHECK(IscProfile::for_server(facts).leases_file == "/var/lib/dhcp/db/dhcpd.leases");
    facts.platform = {"centos", "5.11", "rhel", ""};
    CHECK_FALSE(IscProfile::for_server(facts).domain_search);
    facts.platform = {"debian", "12", "", ""};
    CHECK_FALSE(IscProfile::for_server(facts).static_hosts);
    CHECK(IscProfile::for_server(facts).domain_search);
}
