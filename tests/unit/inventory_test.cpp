// Inventory loaders: the example cluster in its two forms, round trips, and loader errors.
#include "xcatdhcp/error.hpp"
#include "xcatdhcp/inventory/inventory.hpp"
#include "xcatdhcp/inventory/load.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include <unistd.h>

using namespace xcatdhcp;
using namespace xcatdhcp::inventory;

namespace {

namespace fs = std::filesystem;

const std::string examples = std::string(XCATDHCP_SOURCE_DIR) + "/examples/inventories";

// Runs `load`, expects an xcatdhcp::Error and returns it (a default Error when none came).
Error error_of(const std::function<void()>& load) {
    try {
        load();
    } catch (const Error& e) {
        return e;
    } catch (const std::exception& e) {
        FAIL("a foreign exception escaped: " << std::string(e.what()));
    }
    FAIL("no error was thrown");
    return Error("");
}

Inventory stanzas(std::string_view text) {
    Inventory inventory;
    parse_stanzas(text, inventory);
    return inventory;
}

// A scratch directory under the system temp dir, removed again at the end of the scope.
class ScratchDir {
public:
    ScratchDir() {
        static std::atomic<int> counter{0};
        path_ = fs::temp_directory_path() / ("xcatdhcp-inventory-test-" + std::to_string(::getpid()) +
                                             "-" + std::to_string(counter++));
        fs::remove_all(path_);
        fs::create_directories(path_);
    }
    ~ScratchDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;

    std::string write(const std::string& name, std::string_view content) const {
        fs::path file = path_ / name;
        std::ofstream out(file, std::ios::binary);
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
        return file.string();
    }
    std::string path() const { return path_.string(); }

private:
    fs::path path_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// The example cluster (examples/inventories, written by generate.py)
// ---------------------------------------------------------------------------------------------

TEST_CASE("example cluster: the YAML file and the stanza directory load to the same inventory") {
    Inventory from_yaml = load_file(examples + "/cluster.yaml");
    Inventory from_stanzas = load_file(examples + "/cluster");
    CHECK(from_yaml == from_stanzas);
    CHECK(to_json(from_yaml) == to_json(from_stanzas));
    CHECK(load_file(examples + "/cluster/") == from_stanzas);  // trailing slash, as on the CLI

    // Enough content to show the example is the cluster the documentation describes.
    const Inventory& inv = from_yaml;
    CHECK(inv.networks.size() == 5);
    CHECK(inv.nodes.size() == 292);
    CHECK(inv.osimages.size() == 1);
    CHECK(attribute(inv.site, "domain") == "cluster.example");
    CHECK(attribute(inv.site, "dhcpinterfaces") == "xcatmn|eth1,eth2,ib0,!remote!;service|eth1");
    CHECK(attribute(inv.site, "dnshandler") == "ddns");
    CHECK(inv.site.count("objtype") == 0);  // the stanza field is not an attribute
    CHECK(attribute(inv.networks.at("10_10_0_0-255_255_0_0"), "mgtifname") == "!remote!eth1");
    CHECK(attribute(inv.networks.at("10_10_0_0-255_255_0_0"), "dhcpserver") == "sn1");
    CHECK(attribute(inv.networks.at("fd00:10::/64"), "net") == "fd00:10::/64");
    CHECK(attribute(inv.networks.at("172_20_0_0-255_255_0_0"), "dynamicrange") == "172.20.192.0/18");
    CHECK(attribute(inv.nodes.at("cn0005"), "mac").find("!cn0005-ib") != std::string::npos);
    CHECK(attribute(inv.nodes.at("cn0010"), "mac").find("!*NOIP*") != std::string::npos);
    CHECK(attribute(inv.nodes.at("cn0001"), "currstate") == "install rhels8.8-x86_64-install-compute");
    CHECK(attribute(inv.nodes.at("sw01"), "provmethod") == "cumulus3.5.2-armel");
    CHECK(attribute(inv.osimages.at("cumulus3.5.2-armel"), "pkgdir") ==
          "/install/cumulus3.5.2/armel/cumulus-linux-3.5.2-bcm-armel.bin");
    for (const auto& entry : inv.nodes) {
        const std::string& name = entry.first;  // clang 14 cannot capture structured bindings
        const auto& attributes = entry.second;
        CAPTURE(name);
        CHECK(attributes.count("objtype") == 0);
        CHECK_FALSE(attribute(attributes, "mac").empty());
        // Every node address is also known to the server's resolver.
        REQUIRE(inv.server.hosts.count(name) == 1);
        CHECK(inv.server.hosts.at(name).front().to_string() == attribute(attributes, "ip"));
    }

    int counts[6] = {};
    for (const auto& [name, attributes] : inv.nodes) {
        const auto& netboot = attribute(attributes, "netboot");
        counts[0] += netboot == "xnba";
        counts[1] += netboot == "pxe";
        counts[2] += netboot.rfind("grub2", 0) == 0;
        counts[3] += netboot == "petitboot";
        counts[4] += netboot == "yaboot";
        counts[5] += netboot == "onie";
    }
    CHECK(counts[0] == 166);
    CHECK(counts[1] == 20);
    CHECK(counts[2] == 60);
    CHECK(counts[3] == 40);
    CHECK(counts[4] == 4);
    CHECK(counts[5] == 1);

    const ServerFacts& s = inv.server;
    CHECK(s.hostname == "xcatmn");
    CHECK(s.names == std::vector<std::string>{"xcatmn", "xcatmn.cluster.example"});
    CHECK(s.platform == Platform{"debian", "12", "", ""});
    CHECK(s.backends.at("isc") == "4.4.3");
    CHECK(s.backends.at("kea") == "2.2.0");
    CHECK(s.tftp_files == std::vector<std::string>{"xcat/xnba.efi", "xcat/xnba.kpxe"});
    CHECK(s.ip_forward == std::optional<bool>(true));
    REQUIRE(s.interfaces.size() == 5);
    CHECK(s.interfaces[2].name == "eth1");
    CHECK(s.interfaces[2].addresses[1].to_string() == "fd00:10::1/64");
    REQUIRE(s.routes.size() == 7);
    CHECK(s.routes[0].destination.to_string() == "0.0.0.0/0");  // "default"
    CHECK(s.routes[0].gateway->to_string() == "192.168.122.1");
    CHECK(s.hosts.at("cn0001").size() == 2);
    CHECK(s.hosts.at("cn0005-ib").front().to_string() == "10.100.1.5");
}

TEST_CASE("example cluster: to_json round trips through parse_json and parse_yaml") {
    Inventory inv = load_file(examples + "/cluster");
    std::string text = to_json(inv);
    Inventory again = parse_json(text);
    CHECK(again == inv);
    CHECK(to_json(again) == text);
    CHECK(parse_yaml(text) == inv);  // JSON text is YAML too

    // The JSON form loads from a file like the others.
    ScratchDir dir;
    CHECK(load_file(dir.write("cluster.json", text)) == inv);
}

TEST_CASE("example cluster: a single stanza file loads only its own objects") {
    Inventory nodes_only = load_file(examples + "/cluster/nodes.stanza");
    CHECK(nodes_only.nodes.size() == 292);
    CHECK(nodes_only.networks.empty());
    CHECK(nodes_only.site.empty());
    CHECK(nodes_only.server == ServerFacts{});

    Inventory site_only = load_file(examples + "/cluster/site.stanza");
    CHECK(attribute(site_only.site, "master") == "10.0.0.1");
    CHECK(site_only.nodes.empty());

    ServerFacts facts = parse_server_facts(
        [] {
            std::ifstream in(examples + "/cluster/server.yaml");
            return std::string(std::istreambuf_iterator<char>(in), {});
        }());
    CHECK(facts == load_file(examples + "/cluster.yaml").server);
}

TEST_CASE("docs/inventory.md: the small example loads to the same inventory in both forms") {
    std::ifstream in(std::string(XCATDHCP_SOURCE_DIR) + "/docs/inventory.md");
    REQUIRE(in);
    const std::string doc(std::istreambuf_iterator<char>(in), {});
    // The fenced block that follows the marker <!-- example:NAME -->.
    auto block = [&doc](const std::string& name) {
        auto marker = doc.find("<!-- example:" + name + " -->");
        REQUIRE(marker != std::string::npos);
        auto open = doc.find("```", marker);
        auto start = doc.find('\n', open) + 1;
        auto close = doc.find("\n```", start);
        REQUIRE(close != std::string::npos);
        return doc.substr(start, close - start + 1);
    };
    Inventory yaml = parse_yaml(block("yaml"));
    Inventory dir;
    for (const char* file : {"networks.stanza", "nodes.stanza", "site.stanza"})
        parse_stanzas(block(file), dir);
    dir.server = parse_server_facts(block("server.yaml"));
    CHECK(yaml == dir);
    CHECK(yaml.networks.size() == 1);
    CHECK(yaml.nodes.size() == 2);
    CHECK(yaml.server.routes.size() == 3);
}

// ---------------------------------------------------------------------------------------------
// Values: every attribute is text
// ---------------------------------------------------------------------------------------------

TEST_CASE("YAML scalars are kept as their text") {
    Inventory inv = parse_yaml(R"(
site:
  dhcplease: 43200
  octal: 010
  hex: 0x0007
  flag: yes
  exp: 1e3
  spaced: '  two  spaces  '
  nothing: ~
  empty:
  quoted_null: "null"
  mac: 42:00:0a:00:01:05
nodes:
  cn1:
  cn2: {}
)");
    CHECK(inv.site.at("dhcplease") == "43200");
    CHECK(inv.site.at("octal") == "010");
    CHECK(inv.site.at("hex") == "0x0007");
    CHECK(inv.site.at("flag") == "yes");
    CHECK(inv.site.at("exp") == "1e3");
    CHECK(inv.site.at("spaced") == "  two  spaces  ");
    CHECK(inv.site.at("nothing").empty());
    CHECK(inv.site.at("empty").empty());
    CHECK(inv.site.at("quoted_null") == "null");
    CHECK(inv.site.at("mac") == "42:00:0a:00:01:05");
    CHECK(inv.nodes.at("cn1").empty());  // a node with no attributes is still a node
    CHECK(inv.nodes.at("cn2").empty());
}

TEST_CASE("JSON scalars become text; numbers are printed by the JSON library") {
    Inventory inv = parse_json(
        R"({"site": {"dhcplease": 43200, "flag": true, "off": false, "nothing": null,
                     "ratio": 1.5, "text": "0x0007"}})");
    CHECK(inv.site.at("dhcplease") == "43200");
    CHECK(inv.site.at("flag") == "true");
    CHECK(inv.site.at("off") == "false");
    CHECK(inv.site.at("nothing").empty());
    CHECK(inv.site.at("ratio") == "1.5");
    CHECK(inv.site.at("text") == "0x0007");
}

TEST_CASE("unknown attributes are kept, in every form") {
    Inventory yaml = parse_yaml(R"(
site: {domain: cluster.example, mysetting: on}
networks:
  n1: {net: 10.0.0.0, mask: 255.255.0.0, vlanid: "12", comments: lab}
nodes:
  cn1: {mac: "42:00:0a:00:01:01", frobnicate: "3", bmc: cn1-bmc}
)");
    CHECK(yaml.site.at("mysetting") == "on");
    CHECK(yaml.networks.at("n1").at("vlanid") == "12");
    CHECK(yaml.networks.at("n1").at("comments") == "lab");
    CHECK(yaml.nodes.at("cn1").at("frobnicate") == "3");
    CHECK(yaml.nodes.at("cn1").at("bmc") == "cn1-bmc");
    CHECK(to_json(yaml).find("\"frobnicate\": \"3\"") != std::string::npos);

    Inventory stanza = stanzas(
        "# <xCAT data object stanza file>\n"
        "\n"
        "clustersite:\n"
        "    objtype=site\n"
        "    domain=cluster.example\n"
        "    mysetting=on\n"
        "\n"
        "n1:\n"
        "    objtype=network\n"
        "    comments=lab\n"
        "    mask=255.255.0.0\n"
        "    net=10.0.0.0\n"
        "    vlanid=12\n"
        "\n"
        "cn1:\n"
        "    objtype=node\n"
        "    bmc=cn1-bmc\n"
        "    frobnicate=3\n"
        "    mac=42:00:0a:00:01:01\n");
    CHECK(stanza == yaml);
}

TEST_CASE("stanza text: comments, blank lines, CRLF, tabs, '=' inside values, site objects merge") {
    Inventory inv = stanzas(
        "# <xCAT data object stanza file>\r\n"
        "\r\n"
        "cn1:\r\n"
        "\tobjtype=node\r\n"
        "    # a comment inside an object\r\n"
        "    kcmdline=console=ttyS0,115200 quiet\r\n"
        "    usercomment=\r\n"
        "site-a:\n"
        "    objtype=site\n"
        "    domain=a.example\n"
        "    master=10.0.0.1\n"
        "site-b:\n"
        "    objtype=site\n"
        "    domain=b.example\n");
    CHECK(inv.nodes.at("cn1").at("kcmdline") == "console=ttyS0,115200 quiet");
    CHECK(inv.nodes.at("cn1").at("usercomment").empty());
    CHECK(inv.nodes.at("cn1").size() == 2);
    CHECK(inv.site.at("domain") == "b.example");  // later site objects win, key by key
    CHECK(inv.site.at("master") == "10.0.0.1");

    // Objects of one text are merged into what the inventory already holds.
    parse_stanzas("cn2:\n    objtype=node\n    mac=42:00:0a:00:01:02\n", inv);
    CHECK(inv.nodes.size() == 2);
    CHECK(inv.site.at("domain") == "b.example");

    // An IPv6 network object is named after its net, colons included.
    Inventory v6 = stanzas("fd00:10::/64:\n    objtype=network\n    net=fd00:10::/64\n    mask=/64\n");
    CHECK(v6.networks.at("fd00:10::/64").at("mask") == "/64");
}

// ---------------------------------------------------------------------------------------------
// Loader errors
// ---------------------------------------------------------------------------------------------

TEST_CASE("a list or a map where a single value is expected names the node and attribute") {
    Error e = error_of([] { parse_yaml("nodes:\n  cn1:\n    mac: [42:00:0a:00:01:01, x]\n"); });
    CHECK(e.node() == "cn1");
    CHECK(e.attribute() == "mac");
    CHECK(e.value() == R"(["42:00:0a:00:01:01","x"])");
    CHECK(e.message().find("single value") != std::string::npos);

    e = error_of([] { parse_yaml("nodes:\n  cn1:\n    netboot: {type: xnba}\n"); });
    CHECK(e.node() == "cn1");
    CHECK(e.attribute() == "netboot");
    CHECK(e.value() == R"({"type":"xnba"})");

    e = error_of([] { parse_yaml("networks:\n  n1:\n    dynamicrange:\n      - 10.0.200.1-10.0.200.9\n"); });
    CHECK(e.node() == "n1");
    CHECK(e.attribute() == "dynamicrange");

    e = error_of([] { parse_yaml("site:\n  domain: [a, b]\n"); });
    CHECK(e.node() == "site");
    CHECK(e.attribute() == "domain");

    e = error_of([] { parse_json(R"({"nodes": {"cn7": {"ip": ["10.0.0.7"]}}})"); });
    CHECK(e.node() == "cn7");
    CHECK(e.attribute() == "ip");
    CHECK(e.value() == R"(["10.0.0.7"])");

    // A node that is not a mapping of attributes.
    e = error_of([] { parse_yaml("nodes:\n  cn1: [mac, ip]\n"); });
    CHECK(e.node() == "cn1");
    CHECK(e.attribute() == "attributes");
    e = error_of([] { parse_yaml("nodes:\n  - cn1\n"); });
    CHECK(e.attribute() == "nodes");

    // YAML merge keys are not expanded: '<<' is just an attribute holding a map.
    e = error_of([] {
        parse_yaml("nodes:\n  base: &b {arch: x86_64}\n  cn1:\n    <<: *b\n    mac: 42:00:0a:00:01:01\n");
    });
    CHECK(e.node() == "cn1");
    CHECK(e.attribute() == "<<");
}

TEST_CASE("unknown top-level section, duplicate keys, a document that is not a mapping") {
    Error e = error_of([] { parse_yaml("site: {}\ngroups:\n  compute: {members: cn1}\n"); });
    CHECK(e.attribute() == "inventory");
    CHECK(e.value() == "groups");
    CHECK(e.node().empty());
    CHECK(e.message().find("unknown inventory section") != std::string::npos);

    e = error_of([] { parse_json(R"({"node": {}})"); });  // a typo of "nodes"
    CHECK(e.value() == "node");

    e = error_of([] { parse_yaml("nodes:\n  cn1:\n    mac: a\n    mac: b\n"); });
    CHECK(e.message() == "duplicate key");
    CHECK(e.value() == "mac");
    CHECK(e.attribute().find("cn1") != std::string::npos);

    e = error_of([] { parse_yaml("nodes:\n  cn1: {}\n  cn1: {}\n"); });
    CHECK(e.message() == "duplicate key");
    CHECK(e.value() == "cn1");

    e = error_of([] { parse_yaml("- site\n- nodes\n"); });
    CHECK(e.attribute() == "inventory");
    e = error_of([] { parse_yaml(""); });
    CHECK(e.attribute() == "inventory");
    e = error_of([] { parse_json("[]"); });
    CHECK(e.attribute() == "inventory");
}

TEST_CASE("invalid YAML and JSON text") {
    Error e = error_of([] { parse_yaml("nodes: {cn1: [\n"); });
    CHECK(e.attribute() == "inventory");
    CHECK(e.message().rfind("invalid YAML", 0) == 0);

    e = error_of([] { parse_yaml("site: {domain: cluster.example\n"); });
    CHECK(e.message().rfind("invalid YAML", 0) == 0);

    e = error_of([] { parse_yaml("nodes:\n\tcn1: {}\n"); });  // a tab as indentation
    CHECK(e.message().rfind("invalid YAML", 0) == 0);

    e = error_of([] { parse_json(R"({"nodes": )"); });
    CHECK(e.attribute() == "inventory");
    CHECK(e.message().rfind("invalid JSON", 0) == 0);

    e = error_of([] { parse_json("{'nodes': {}}"); });
    CHECK(e.message().rfind("invalid JSON", 0) == 0);

    e = error_of([] { parse_json(std::string("{\"site\": {\"a\": \"\xff\"}}")); });  // not UTF-8
    CHECK(e.message().rfind("invalid JSON", 0) == 0);

    e = error_of([] { parse_server_facts("hostname: [unclosed\n"); });
    CHECK(e.message().rfind("invalid YAML", 0) == 0);
}

TEST_CASE("stanza errors name the line, the object and the offending text") {
    Error e = error_of([] { stanzas("# <xCAT data object stanza file>\n    objtype=node\ncn1:\n"); });
    CHECK(e.attribute() == "stanza");
    CHECK(e.value() == "objtype=node");
    CHECK(e.node().empty());
    CHECK(e.message().find("before any object header") != std::string::npos);
    CHECK(e.message().find("line 2") != std::string::npos);

    e = error_of([] { stanzas("cn1:\n    mac=42:00:0a:00:01:01\n"); });
    CHECK(e.node() == "cn1");
    CHECK(e.attribute() == "objtype");
    CHECK(e.value().empty());
    CHECK(e.message().find("no objtype") != std::string::npos);

    // The missing objtype is noticed when the object ends, also at a following header.
    e = error_of([] { stanzas("cn1:\n    mac=x\ncn2:\n    objtype=node\n"); });
    CHECK(e.node() == "cn1");
    CHECK(e.attribute() == "objtype");

    e = error_of([] { stanzas("compute:\n    objtype=group\n    members=cn1,cn2\n"); });
    CHECK(e.node() == "compute");
    CHECK(e.attribute() == "objtype");
    CHECK(e.value() == "group");
    CHECK(e.message().find("unsupported objtype") != std::string::npos);

    e = error_of([] { stanzas("cn1:\n    objtype=node\n    just some words\n"); });
    CHECK(e.node() == "cn1");
    CHECK(e.attribute() == "stanza");
    CHECK(e.value() == "just some words");
    CHECK(e.message().find("line 3") != std::string::npos);

    e = error_of([] { stanzas("cn1:\n    objtype=node\n    =value\n"); });
    CHECK(e.value() == "=value");

    e = error_of([] { stanzas("objtype=node\n"); });  // not indented: taken for a header
    CHECK(e.attribute() == "stanza");
    CHECK(e.value() == "objtype=node");
    CHECK(e.message().find("object header") != std::string::npos);
}

TEST_CASE("malformed server facts") {
    Error e = error_of([] {
        parse_server_facts("interfaces:\n  - name: eth1\n    addresses: [10.0.0.300/16]\n");
    });
    CHECK(e.attribute() == "server.interfaces.addresses");
    CHECK(e.value() == "10.0.0.300/16");

    e = error_of([] { parse_server_facts("interfaces:\n  - name: eth1\n    addresses: [10.0.0.1]\n"); });
    CHECK(e.value() == "10.0.0.1");  // an interface address needs its prefix length

    e = error_of([] { parse_server_facts("interfaces:\n  - addresses: [10.0.0.1/16]\n"); });
    CHECK(e.attribute() == "server.interfaces");
    CHECK(e.message().find("needs a name") != std::string::npos);

    e = error_of([] { parse_server_facts("interfaces:\n  - {name: eth1, mtu: 9000}\n"); });
    CHECK(e.attribute() == "server.interfaces");
    CHECK(e.value() == "mtu");

    e = error_of([] { parse_server_facts("hostnam: xcatmn\n"); });
    CHECK(e.attribute() == "server");
    CHECK(e.value() == "hostnam");
    CHECK(e.message().find("unknown server fact") != std::string::npos);

    e = error_of([] { parse_server_facts("routes:\n  - {destination: default, gateway: 192.168.122.1}\n"); });
    CHECK(e.attribute() == "server.routes");
    CHECK(e.message().find("destination and interface") != std::string::npos);
    CHECK(e.value().find("192.168.122.1") != std::string::npos);

    e = error_of([] { parse_server_facts("routes:\n  - {interface: eth1}\n"); });
    CHECK(e.attribute() == "server.routes");

    e = error_of([] { parse_server_facts("routes:\n  - {destination: 10.0.0.0, interface: eth1}\n"); });
    CHECK(e.attribute() == "server.routes.destination");
    CHECK(e.value() == "10.0.0.0");

    e = error_of([] { parse_server_facts("routes:\n  - {destination: default, interface: eth0, via: 10.0.0.254}\n"); });
    CHECK(e.value() == "via");

    e = error_of([] { parse_server_facts("hosts:\n  cn1: [10.0.0.500]\n"); });
    CHECK(e.attribute() == "server.hosts.cn1");
    CHECK(e.value() == "10.0.0.500");

    e = error_of([] { parse_server_facts("backends: {dhcpd: 4.4.3}\n"); });
    CHECK(e.attribute() == "server.backends");
    CHECK(e.value() == "dhcpd");

    e = error_of([] { parse_server_facts("platform: {id: debian, release: 12}\n"); });
    CHECK(e.attribute() == "server.platform");
    CHECK(e.value() == "release");

    e = error_of([] { parse_server_facts("ip_forward: maybe\n"); });
    CHECK(e.attribute() == "server.ip_forward");
    CHECK(e.value() == "maybe");

    e = error_of([] { parse_server_facts("names: {xcatmn: yes}\n"); });
    CHECK(e.attribute() == "server.names");

    // The same checks apply to the server section of a whole inventory.
    e = error_of([] { parse_yaml("server:\n  interfaces:\n    - name: eth1\n      addresses: [bogus]\n"); });
    CHECK(e.attribute() == "server.interfaces.addresses");
    CHECK(e.value() == "bogus");
    e = error_of([] { parse_yaml("server: [xcatmn]\n"); });
    CHECK(e.attribute() == "server");

    // and to server.yaml in the directory form.
    ScratchDir dir;
    dir.write("nodes.stanza", "cn1:\n    objtype=node\n");
    dir.write("server.yaml", "hostname: xcatmn\nplatfrom: {id: debian}\n");
    e = error_of([&] { load_file(dir.path()); });
    CHECK(e.attribute() == "server");
    CHECK(e.value() == "platfrom");
}

TEST_CASE("server facts: accepted spellings") {
    ServerFacts facts = parse_server_facts(R"(
server:
  hostname: xcatmn
  names: xcatmn.cluster.example
  ip_forward: "0"
  tftp_files: [xcat/xnba.kpxe, xcat/xnba.efi]
  routes:
    - {destination: "::/0", interface: eth1, gateway: "fd00:10::fe"}
    - {destination: 10.0.0.9/16, interface: eth1, gateway: ""}
  hosts:
    cn1: 10.0.1.1
)");
    CHECK(facts.hostname == "xcatmn");
    CHECK(facts.names == std::vector<std::string>{"xcatmn.cluster.example"});  // one name
    CHECK(facts.ip_forward == std::optional<bool>(false));
    CHECK(facts.tftp_files == std::vector<std::string>{"xcat/xnba.efi", "xcat/xnba.kpxe"});  // sorted
    CHECK(facts.routes.at(0).destination.to_string() == "::/0");
    CHECK(facts.routes.at(1).destination.to_string() == "10.0.0.0/16");  // host bits cleared
    CHECK_FALSE(facts.routes.at(1).gateway.has_value());
    CHECK(facts.hosts.at("cn1").at(0).to_string() == "10.0.1.1");
}

TEST_CASE("load_file: paths that cannot be loaded") {
    Error e = error_of([] { load_file(examples + "/no-such-inventory.yaml"); });
    CHECK(e.attribute() == "path");
    CHECK(e.value() == examples + "/no-such-inventory.yaml");

    ScratchDir dir;
    dir.write("server.yaml", "hostname: xcatmn\n");
    e = error_of([&] { load_file(dir.path()); });
    CHECK(e.attribute() == "path");
    CHECK(e.message().find("no *.stanza") != std::string::npos);

    // Once it holds a stanza file, it loads, with the facts of its server.yaml.
    dir.write("a.stanza", "cn1:\n    objtype=node\n");
    Inventory inv = load_file(dir.path());
    CHECK(inv.nodes.count("cn1") == 1);
    CHECK(inv.server.hostname == "xcatmn");
}

// ---------------------------------------------------------------------------------------------
// Hostile values: loaded verbatim, never judged, never a crash
// ---------------------------------------------------------------------------------------------

TEST_CASE("hostile values are loaded verbatim as attribute text") {
    const std::string big(100 * 1024, 'a');
    const std::string binary("\x01\x02\x7f\x1b[2J", 7);

    SUBCASE("YAML") {
        Inventory inv = parse_yaml(
            "nodes:\n"
            "  cn1:\n"
            "    quote: \"a\\\"b'c\"\n"
            "    semicolon: \"10.0.0.1; deny booting\"\n"
            "    brace: \"} host evil {\"\n"
            "    newline: \"line1\\nline2\"\n"
            "    nul: \"a\\0b\"\n"
            "    control: \"\\x01\\x02\\x7f\\e[2J\"\n"
            "    big: " + big + "\n"
            "    utf8: \"caf\xc3\xa9 \xe2\x9c\x93\"\n"
            "    raw_bytes: \"\xff\xfe\"\n");
        const Attributes& a = inv.nodes.at("cn1");
        CHECK(a.at("quote") == "a\"b'c");
        CHECK(a.at("semicolon") == "10.0.0.1; deny booting");
        CHECK(a.at("brace") == "} host evil {");
        CHECK(a.at("newline") == "line1\nline2");
        CHECK(a.at("nul") == std::string("a\0b", 3));
        CHECK(a.at("control") == binary);
        CHECK(a.at("big") == big);
        CHECK(a.at("utf8") == "caf\xc3\xa9 \xe2\x9c\x93");
        CHECK(a.at("raw_bytes") == "\xff\xfe");
    }

    SUBCASE("JSON") {
        Inventory inv = parse_json(
            "{\"nodes\": {\"cn1\": {"
            "\"quote\": \"a\\\"b'c\", \"semicolon\": \"x;y\", \"brace\": \"}\", "
            "\"newline\": \"l1\\nl2\", \"nul\": \"a\\u0000b\", \"control\": \"\\u0001\\u001b\", "
            "\"big\": \"" + big + "\"}}}");
        const Attributes& a = inv.nodes.at("cn1");
        CHECK(a.at("quote") == "a\"b'c");
        CHECK(a.at("semicolon") == "x;y");
        CHECK(a.at("brace") == "}");
        CHECK(a.at("newline") == "l1\nl2");
        CHECK(a.at("nul") == std::string("a\0b", 3));
        CHECK(a.at("control") == "\x01\x1b");
        CHECK(a.at("big") == big);
        CHECK(parse_json(to_json(inv)) == inv);  // escaped on the way out, identical on the way in
    }

    SUBCASE("stanza") {
        Inventory inv = stanzas(
            "cn1:\n"
            "    objtype=node\n"
            "    quote=\"a\"b'c\"\n"
            "    semicolon=10.0.0.1; deny booting;\n"
            "    brace=} host evil {\n"
            "    trailing=  spaces kept  \n"
            "    big=" + big + "\n"
            "    binary=" + binary + "\n" +
            std::string("    nul=a\0b\n", 12) +
            "    bytes=\xff\xfe\n");
        const Attributes& a = inv.nodes.at("cn1");
        CHECK(a.at("quote") == "\"a\"b'c\"");  // no quote stripping
        CHECK(a.at("semicolon") == "10.0.0.1; deny booting;");
        CHECK(a.at("brace") == "} host evil {");
        CHECK(a.at("trailing") == "  spaces kept  ");
        CHECK(a.at("big") == big);
        CHECK(a.at("binary") == binary);
        CHECK(a.at("nul") == std::string("a\0b", 3));
        CHECK(a.at("bytes") == "\xff\xfe");
    }

    SUBCASE("hostile object names") {
        Inventory inv = parse_yaml("nodes:\n  \"cn1; evil\": {mac: x}\n  \"}\": {}\n");
        CHECK(inv.nodes.count("cn1; evil") == 1);
        CHECK(inv.nodes.count("}") == 1);
        Inventory st = stanzas("cn1 }{ evil:\n    objtype=node\n");
        CHECK(st.nodes.count("cn1 }{ evil") == 1);
    }

    SUBCASE("error values are quoted in messages, so they cannot forge lines") {
        Error e = error_of([] { parse_yaml("nodes:\n  cn1:\n    mac: [\"a\\nerror: forged\"]\n"); });
        CHECK(std::string(e.what()).find('\n') == std::string::npos);
        e = error_of([] { stanzas(std::string("cn1:\n    objtype=\x1b[2Jnode\n")); });
        CHECK(e.value() == "\x1b[2Jnode");
        CHECK(std::string(e.what()).find('\x1b') == std::string::npos);
    }
}

TEST_CASE("nesting: deeply nested input is refused before parsing, not a crash") {
    std::string nested = std::string(500, '[') + std::string(500, ']');
    Error e = error_of([&] { parse_json("{\"nodes\": {\"cn1\": {\"mac\": " + nested + "}}}"); });
    CHECK(e.attribute() == "inventory");
    CHECK(std::string(e.what()).find("nested deeper") != std::string::npos);
    e = error_of([&] { parse_yaml("nodes:\n  cn1:\n    mac: " + std::string(500, '[') + std::string(500, ']') + "\n"); });
    CHECK(std::string(e.what()).find("nested deeper") != std::string::npos);
    // Shallow nesting still gets the per-attribute error naming node and attribute.
    e = error_of([&] { parse_json("{\"nodes\": {\"cn1\": {\"mac\": [[\"x\"]]}}}"); });
    CHECK(e.node() == "cn1");
    CHECK(e.attribute() == "mac");
}

// Regression: deeply nested JSON used to crash the process (recursive copies and dumps).
TEST_CASE("deeply nested JSON is rejected without crashing") {
    std::string nested = std::string(100000, '[') + std::string(100000, ']');
    for (const std::string& text : {"{\"nodes\": {\"cn1\": {\"mac\": " + nested + "}}}",
                                    "{\"site\": {\"domain\": " + nested + "}}",
                                    "{\"server\": {\"names\": " + nested + "}}"}) {
        Error e = error_of([&] { parse_json(text); });
        CHECK(e.value().size() < 10000);  // and the error does not carry the whole document
    }
}

// Regression: bytes that are not UTF-8 used to make to_json throw a foreign nlohmann error.
TEST_CASE("to_json of a value that is not UTF-8") {
    Inventory inv = stanzas("cn1:\n    objtype=node\n    mac=\xff\xfe\n");
    try {
        std::string text = to_json(inv);
        CHECK(parse_json(text).nodes.count("cn1") == 1);
    } catch (const Error& e) {
        CHECK(e.node() == "cn1");
        CHECK(e.attribute() == "mac");
    } catch (const std::exception& e) {
        FAIL("foreign exception from to_json: " << std::string(e.what()));
    }
}
