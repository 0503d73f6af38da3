// live::IscReservations: the pure parts (per-node selection of the rendered host objects, boot
// fields of host statements, dhcpd's hosts and leases in the shared query shape, batch outcomes
// merged per node), and add / query / remove against a small fake dhcpd (a refused object, an
// unknown node, a MAC with two leases). Against a real dhcpd:
// tests/integration/isc_reservations_live.sh.
#include "fixtures.hpp"
#include "xcatdhcp/live/isc_reservations.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

using namespace xcatdhcp;
using namespace xcatdhcp::live;
namespace omapi = xcatdhcp::control::omapi;

namespace {

intent::Reservation res(const std::string& node, const std::string& name, const std::string& mac, const std::string& ip) {
    return test::reservation(node, mac, ip, name);
}

intent::Intent make_intent() {
    intent::Intent in;
    intent::Subnet s;
    s.id = 1;
    s.prefix = *net::Prefix::parse("192.168.74.0/24");
    s.reservations = {res("cn1", "cn1", "02:74:00:00:00:11", "192.168.74.11"),
                      res("cn2", "cn2", "02:74:00:00:00:12", "192.168.74.12"),
                      res("cn2", "cn2-eth1", "02:74:00:00:00:22", "192.168.74.22"),
                      res("cn3", "cn3", "02:74:00:00:00:13", "")};
    in.subnets.push_back(s);
    in.unplaced = {res("cn8", "cn8", "02:74:00:00:00:18", "")};
    return in;
}

std::vector<std::string> names(const HostSelection& s) {
    std::vector<std::string> out;
    for (const auto& h : s.hosts) out.push_back(h.name);
    return out;
}

}  // namespace

TEST_CASE("isc live: the asked nodes' rendered host objects, the others rejected with a reason") {
    auto in = make_intent();
    auto sel = select_hosts(in, {"cn2", "ghost", "cn1", "cn2", "cn8"});
    CHECK(sel.nodes == std::vector<std::string>{"cn2", "cn1", "cn8"});
    // every object of a node (one per MAC), node by node in the order asked
    CHECK(names(sel) == std::vector<std::string>{"cn2", "cn2-eth1", "cn1", "cn8"});
    REQUIRE(sel.rejected.size() == 1);
    CHECK(sel.rejected[0].node == "ghost");
    CHECK(sel.rejected[0].message.find("unknown node") != std::string::npos);
    CHECK(sel.unknown == std::set<std::string>{"ghost"});
    CHECK(sel.unrenderable.empty());
    // the same objects hosts.omapi.json holds
    auto all = render::isc::host_objects(in);
    CHECK(sel.hosts[0] == all[1]);
    CHECK(sel.hosts[0].ip->to_string() == "192.168.74.12");
    CHECK(sel.hosts[0].mac == "02:74:00:00:00:12");
    // cn8 has no address: a boot-only object without ip-address
    CHECK_FALSE(sel.hosts[3].ip);

    // a dhcpd -6 session: these nodes have no v6 objects
    auto six = select_hosts(in, {"cn1"}, net::Family::v6);
    CHECK(six.nodes.empty());
    REQUIRE(six.rejected.size() == 1);
    CHECK(six.rejected[0].message == "no IPv6 host object for this node");
}

TEST_CASE("isc live: a node the renderer refuses is rejected, the others still go through") {
    auto in = make_intent();
    in.subnets[0].reservations[0].name = "cn1 bad";  // not a DNS name: host_objects throws
    REQUIRE_THROWS(render::isc::host_objects(in));
    auto sel = select_hosts(in, {"cn1", "cn2", "cn3"});
    CHECK(sel.nodes == std::vector<std::string>{"cn2", "cn3"});
    CHECK(names(sel) == std::vector<std::string>{"cn2", "cn2-eth1", "cn3"});
    REQUIRE(sel.rejected.size() == 1);
    CHECK(sel.rejected[0].node == "cn1");
    CHECK(sel.rejected[0].message.find("cannot make its host objects") != std::string::npos);
    CHECK(sel.unrenderable == std::set<std::string>{"cn1"});
    // only the asked nodes are rendered: a bad node not asked does not matter
    auto other = select_hosts(in, {"cn2"});
    CHECK(other.rejected.empty());
    CHECK(names(other) == std::vector<std::string>{"cn2", "cn2-eth1"});
}

TEST_CASE("isc live: boot fields of host statements") {
    auto b = boot_fields(R"(ddns-hostname "cn1"; send host-name "cn1"; next-server 192.168.74.1; filename "/boot/grub2/grub2-cn1";)");
    CHECK(b.host_name == "cn1");
    CHECK(b.next_server == "192.168.74.1");
    CHECK(b.filename == "/boot/grub2/grub2-cn1");
    CHECK_FALSE(b.conditional);
    CHECK_FALSE(b.deny_booting);

    // an if/else chain: the branch's filename depends on the client, so it is not the node's
    auto c = boot_fields(R"(option host-name "cn2"; if option user-class-identifier = "xNBA" { filename "http://x/a;b"; } else { filename "xcat/xnba.kpxe"; } server-name "mn";)");
    CHECK(c.conditional);
    CHECK(c.filename.empty());
    CHECK(c.server_name == "mn");
    CHECK(c.host_name == "cn2");

    auto d = boot_fields("deny booting;");
    CHECK(d.deny_booting);
    CHECK(boot_fields(R"(filename "a\"b";)").filename == "a\"b");
}

TEST_CASE("isc live: dhcpd's host object in the query shape, boot fields only when it is the rendered one") {
    auto in = make_intent();
    auto sel = select_hosts(in, {"cn1"});
    REQUIRE(sel.hosts.size() == 1);
    auto rendered = sel.hosts[0];
    rendered.statements = R"(ddns-hostname "cn1"; next-server 192.168.74.1; filename "pxelinux.0";)";
    omapi::Host h;
    h.name = "cn1";
    h.mac = "02:74:00:00:00:11";
    h.hardware_type = 1;
    h.client_identifier = "02:74:00:00:00:11";
    h.ip = net::IpAddress::parse("192.168.74.11");
    auto r = to_reservation(h, &rendered);
    CHECK(r.hw_address == "02:74:00:00:00:11");
    CHECK(r.ip_address == "192.168.74.11");
    CHECK(r.hostname == "cn1");
    CHECK(r.boot_file_name == "pxelinux.0");
    CHECK(r.next_server == "192.168.74.1");
    auto context = nlohmann::json::parse(r.user_context);
    CHECK(context["omapi-name"] == "cn1");
    CHECK(context["statements"] == rendered.statements);

    h.ip = net::IpAddress::parse("192.168.74.99");  // dhcpd holds another address: not ours
    auto other = to_reservation(h, &rendered);
    CHECK(other.ip_address == "192.168.74.99");
    CHECK(other.boot_file_name.empty());
    CHECK(nlohmann::json::parse(other.user_context)["boot-fields"].get<std::string>().find("differs") !=
          std::string::npos);
    CHECK(to_reservation(h, nullptr).boot_file_name.empty());
}

TEST_CASE("isc live: dhcpd's lease in the Kea lease shape") {
    omapi::Lease l;
    l.ip = net::IpAddress::parse("192.168.74.120");
    l.mac = "02:74:00:00:00:11";
    l.state = 2;
    l.cltt = 1000;
    l.ends = 1600;
    l.client_hostname = "cn1";
    auto k = to_lease4(l);
    CHECK(k.ip_address == "192.168.74.120");
    CHECK(k.hw_address == "02:74:00:00:00:11");
    CHECK(k.state == 0);
    CHECK(k.valid_lifetime == 600);
    CHECK(k.cltt == 1000);
    CHECK(k.hostname == "cn1");
    CHECK(nlohmann::json::parse(k.user_context)["dhcpd-state"] == "active");
    l.state = 1;
    CHECK(to_lease4(l).state == 2);  // free: expired-reclaimed
    l.state = 5;
    CHECK(to_lease4(l).state == 1);  // abandoned: declined
    CHECK(omapi::lease_state_name(4) == "released");
    CHECK(omapi::lease_state_name(42) == "state 42");
}

TEST_CASE("isc live: dhcpd's lease values are read (times in 4 or 8 bytes)") {
    omapi::Values v = {omapi::u32_value("state", 2),
                       omapi::bytes_value("ip-address", std::string("\xc0\xa8\x4a\x78", 4)),
                       omapi::bytes_value("hardware-address", std::string("\x02\x74\x00\x00\x00\x11", 6)),
                       omapi::u32_value("hardware-type", 1),
                       omapi::bytes_value("ends", std::string("\x00\x00\x00\x00\x00\x00\x02\x58", 8)),
                       omapi::u32_value("cltt", 100),
                       omapi::bytes_value("client-hostname", "cn1")};
    auto l = omapi::lease_from_values(v, 7);
    REQUIRE(l);
    CHECK(l->handle == 7);
    CHECK(l->ip->to_string() == "192.168.74.120");
    CHECK(l->mac == "02:74:00:00:00:11");
    CHECK(l->state == 2);
    CHECK(l->ends == 600);
    CHECK(l->cltt == 100);
    CHECK(l->client_hostname == "cn1");
    CHECK_FALSE(omapi::lease_from_values({omapi::u32_value("state", 2)}));
    CHECK(omapi::LeaseKey::by_mac("02:74:00:00:00:11").describe() == "hardware-address 02:74:00:00:00:11 (type 1)");
    CHECK(omapi::LeaseKey{}.empty());
}

TEST_CASE("isc live: batch outcomes merged per node") {
    omapi::BatchReport batch;
    batch.hosts = {{"cn2", "cn2", true, std::nullopt, "", 1},
                   {"cn2", "cn2-eth1", false, omapi::ErrorKind::rejected, "create failed: parse error", 0},
                   {"cn1", "cn1", true, std::nullopt, "", 0}};
    auto r = merge({"cn1", "cn2"}, batch, true);
    CHECK(r.method == "omapi");
    REQUIRE(r.nodes.size() == 2);
    CHECK(r.nodes[0].node == "cn1");
    CHECK(r.nodes[0].ok);
    CHECK(r.nodes[0].actions == std::vector<std::string>{"omapi: host cn1: created"});
    CHECK(r.nodes[1].node == "cn2");
    CHECK_FALSE(r.nodes[1].ok);  // one object failed: the node failed
    CHECK(r.nodes[1].message == "host cn2-eth1: create failed: parse error");
    CHECK(r.nodes[1].actions[0] == "omapi: host cn2: replaced (1 old object removed)");
    CHECK_FALSE(r.ok());

    omapi::BatchReport removed;
    removed.hosts = {{"cn1", "cn1", true, std::nullopt, "", 2}, {"cn3", "cn3", true, std::nullopt, "", 0}};
    auto d = merge({"cn1", "cn3"}, removed, false);
    CHECK(d.nodes[0].actions[0] == "omapi: remove host cn1: removed 2 objects");
    CHECK(d.nodes[1].actions[0] == "omapi: remove host cn3: nothing to remove");
    CHECK(d.ok());
    auto j = nlohmann::json::parse(to_json(d));
    CHECK(j["method"] == "omapi");
    CHECK(j["ok"] == true);
    CHECK(j["nodes"][0]["node"] == "cn1");
}

// ---------------------------------------------------------------- flows against a small fake dhcpd
namespace {

using omapi::Message;
using omapi::Op;

// An unauthenticated OMAPI server (a dhcpd without omapi-key) with dhcpd's answers for what the
// live layer sends: host lookups by name or hardware address, exclusive creates, deletes by
// handle, and lease lookups by address or hardware address from a fixed table (two matches:
// DHCP_R_MULTIPLE). Creates of names in `refuse` get a parse error, as statements dhcpd cannot
// parse would.
class FakeDhcpd {
public:
    struct Host {
        std::string name, hw, ip, statements;
    };
    struct Lease {
        std::string ip, hw;  // raw bytes
        std::uint32_t state = 2;
    };

    FakeDhcpd() {
        port = listener_.port;
        thread_ = std::thread([this] { run(); });
    }
    ~FakeDhcpd() {
        stop_ = true;
        thread_.join();
    }

    omapi::ClientOptions options() const {
        omapi::ClientOptions o;
        o.port = port;
        o.connections = 1;
        o.io_timeout = std::chrono::milliseconds(3000);
        return o;
    }

    // The server thread reads and changes these under `mutex` (lock it to touch them).
    std::mutex mutex;
    std::map<std::uint32_t, Host> hosts;  // by handle
    std::vector<Lease> leases;
    std::set<std::string> refuse;
    std::uint16_t port = 0;

    std::size_t host_count() {
        std::lock_guard<std::mutex> lock(mutex);
        return hosts.size();
    }

private:
    static std::string raw_ip(const std::string& dotted) {
        in_addr a{};
        ::inet_pton(AF_INET, dotted.c_str(), &a);
        return std::string(reinterpret_cast<const char*>(&a), 4);
    }

    void answer(int fd, const Message& to, Message m) {
        m.rid = to.id;
        m.id = next_id_++;
        std::string bytes = omapi::encode(m);
        ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    }
    void status(int fd, const Message& to, std::uint32_t code) {
        Message m;
        m.op = Op::status;
        m.message_values = {omapi::u32_value("result", code), omapi::bytes_value("message", omapi::result_text(code))};
        answer(fd, to, std::move(m));
    }
    omapi::Values host_values(const Host& h) {
        omapi::Values v;
        if (!h.ip.empty()) v.push_back(omapi::bytes_value("ip-address", h.ip));
        v.push_back(omapi::bytes_value("name", h.name));
        if (!h.hw.empty()) {
            v.push_back(omapi::bytes_value("hardware-address", h.hw));
            v.push_back(omapi::u32_value("hardware-type", 1));
        }
        return v;
    }

    void handle(int fd, const Message& m) {
        std::lock_guard<std::mutex> lock(mutex);
        const std::string* type = omapi::find(m.message_values, "type");
        if (m.op == Op::remove) {
            hosts.erase(m.handle);
            return status(fd, m, omapi::result::success);
        }
        if (m.op != Op::open || !type) return status(fd, m, omapi::result::notimplemented);
        const std::string* name = omapi::find(m.object_values, "name");
        const std::string* hw = omapi::find(m.object_values, "hardware-address");
        const std::string* ip = omapi::find(m.object_values, "ip-address");
        if (*type == "lease") {
            std::vector<const Lease*> found;
            for (const auto& l : leases)
                if ((ip && l.ip == *ip) || (hw && l.hw == *hw)) found.push_back(&l);
            if (found.empty()) return status(fd, m, omapi::result::notfound);
            if (found.size() > 1) return status(fd, m, omapi::result::multiple);
            Message u;
            u.op = Op::update;
            u.handle = 5000;
            u.object_values = {omapi::u32_value("state", found[0]->state), omapi::bytes_value("ip-address", found[0]->ip),
                               omapi::bytes_value("hardware-address", found[0]->hw), omapi::u32_value("hardware-type", 1)};
            return answer(fd, m, std::move(u));
        }
        if (*type != "host") return status(fd, m, omapi::result::notfound);
        if (omapi::find_u32(m.message_values, "create").value_or(0)) {
            for (const auto& [handle, h] : hosts)
                if (name && h.name == *name) return status(fd, m, omapi::result::exists);
            if (name && refuse.count(*name)) return status(fd, m, omapi::result::badparse);
            const std::string* st = omapi::find(m.object_values, "statements");
            Host h{name ? *name : "", hw ? *hw : "", ip ? *ip : "", st ? *st : ""};
            std::uint32_t handle = next_handle_++;
            hosts[handle] = h;
            Message u;
            u.op = Op::update;
            u.handle = handle;
            u.object_values = host_values(h);
            return answer(fd, m, std::move(u));
        }
        for (const auto& [handle, h] : hosts)
            if ((name && h.name == *name) || (hw && h.hw == *hw)) {
                Message u;
                u.op = Op::update;
                u.handle = handle;
                u.object_values = host_values(h);
                return answer(fd, m, std::move(u));
            }
        status(fd, m, omapi::result::notfound);
    }

    void run() {
        while (!stop_) {
            pollfd p{listener_.fd, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            int fd = ::accept(listener_.fd, nullptr, nullptr);
            if (fd < 0) continue;
            std::string startup = omapi::encode_startup();
            ::send(fd, startup.data(), startup.size(), MSG_NOSIGNAL);
            std::string in;
            bool started = false;
            while (!stop_) {
                pollfd q{fd, POLLIN, 0};
                if (::poll(&q, 1, 50) <= 0) continue;
                char buf[65536];
                ssize_t n = ::recv(fd, buf, sizeof buf, 0);
                if (n <= 0) break;
                in.append(buf, static_cast<std::size_t>(n));
                if (!started) {
                    if (in.size() < 8) continue;
                    in.erase(0, 8);
                    started = true;
                }
                for (;;) {
                    auto d = omapi::decode(in);
                    if (d.status != omapi::DecodeStatus::complete) break;
                    in.erase(0, d.size);
                    handle(fd, d.message);
                }
            }
            ::close(fd);
        }
    }

    test::LoopbackListener listener_{4};
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::uint32_t next_id_ = 1;
    std::uint32_t next_handle_ = 100;
};

}  // namespace

TEST_CASE("isc live: add, query and remove against a fake dhcpd; a refused object fails its node only") {
    FakeDhcpd dhcpd;
    auto in = make_intent();
    {
        std::lock_guard<std::mutex> lock(dhcpd.mutex);
        dhcpd.refuse = {"cn3"};  // dhcpd refuses cn3's object
        dhcpd.leases.push_back({std::string("\xc0\xa8\x4a\x78", 4), std::string("\x02\x74\x00\x00\x00\x11", 6), 2});
    }
    {
        omapi::Client client(dhcpd.options());
        IscReservations live(client);
        auto added = live.add(in, {"cn1", "ghost", "cn2", "cn3"});
        REQUIRE(added.nodes.size() == 4);
        CHECK(added.method == "omapi");
        CHECK(added.nodes[0].ok);
        CHECK(added.nodes[0].actions == std::vector<std::string>{"omapi: host cn1: created"});
        CHECK_FALSE(added.nodes[1].ok);
        CHECK(added.nodes[1].message.find("unknown node") != std::string::npos);
        CHECK(added.nodes[2].ok);
        CHECK(added.nodes[2].actions.size() == 2);  // cn2 and cn2-eth1
        CHECK_FALSE(added.nodes[3].ok);
        CHECK(added.nodes[3].message.find("parse error") != std::string::npos);
        CHECK(added.error.empty());

        auto again = live.add(in, {"cn1"});
        CHECK(again.ok());
        CHECK(again.nodes[0].actions == std::vector<std::string>{"omapi: host cn1: replaced (1 old object removed)"});

        auto q = live.query(in, {"cn1", "ghost"});
        REQUIRE(q.size() == 2);
        CHECK(q[0].found);
        CHECK(q[0].source == "omapi");
        REQUIRE(q[0].reservations.size() == 1);
        CHECK(q[0].reservations[0].ip_address == "192.168.74.11");
        CHECK(q[0].reservations[0].hw_address == "02:74:00:00:00:11");
        REQUIRE(q[0].leases.size() == 1);
        CHECK(q[0].leases[0].ip_address == "192.168.74.120");
        CHECK_FALSE(q[1].found);
        CHECK(q[1].message == "unknown node");

        auto removed = live.remove(in, {"cn2", "ghost", "cn1"});
        REQUIRE(removed.nodes.size() == 3);
        CHECK(removed.nodes[0].ok);
        CHECK(removed.nodes[0].message == "host objects removed from dhcpd");
        CHECK_FALSE(removed.nodes[1].ok);  // not in the inventory, no object of that name
        CHECK(removed.nodes[2].ok);
        auto nothing = live.remove(in, {"cn1"});
        CHECK(nothing.ok());
        CHECK(nothing.nodes[0].message == "no host object in dhcpd");
    }
    CHECK(dhcpd.host_count() == 0);
}

TEST_CASE("isc live: a MAC holding two leases is reported, not fatal") {
    FakeDhcpd dhcpd;
    auto in = make_intent();
    std::string mac("\x02\x74\x00\x00\x00\x11", 6);
    {
        std::lock_guard<std::mutex> lock(dhcpd.mutex);
        dhcpd.leases = {{std::string("\xc0\xa8\x4a\x78", 4), mac, 2}, {std::string("\xc0\xa8\x4a\x79", 4), mac, 3}};
    }
    omapi::Client client(dhcpd.options());
    IscReservations live(client);
    REQUIRE(live.add(in, {"cn1"}).ok());
    auto q = live.query(in, {"cn1"});
    CHECK(q[0].found);
    CHECK(q[0].leases.empty());
    CHECK(q[0].message.find("more than one lease for hardware-address 02:74:00:00:00:11") != std::string::npos);
}
