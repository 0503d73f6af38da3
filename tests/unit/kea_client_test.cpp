// The Kea control client: request encoding, reply decoding for every result code and shape,
// not-found quirks, URL handling, and the UNIX and HTTP transports against in-process servers.
#include "fixtures.hpp"
#include "xcatdhcp/control/kea_client.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace xcatdhcp;
using namespace xcatdhcp::control;

namespace {

// Answers each exchange from a queue of canned replies and records the requests.
class FakeTransport : public KeaTransport {
public:
    std::deque<RawReply> replies;
    std::vector<std::string>* requests;
    explicit FakeTransport(std::vector<std::string>* log) : requests(log) {}
    RawReply exchange(const std::string& request) override {
        requests->push_back(request);
        if (replies.empty()) return RawReply{0, "", "no canned reply"};
        RawReply r = replies.front();
        replies.pop_front();
        return r;
    }
};

struct Fixture {
    std::vector<std::string> requests;
    FakeTransport* fake = nullptr;
    KeaClient client;
    explicit Fixture(Endpoint endpoint = {}) : client(make(endpoint)) {}
    KeaClient make(const Endpoint& endpoint) {
        auto transport = std::make_unique<FakeTransport>(&requests);
        fake = transport.get();
        return KeaClient(std::move(transport), endpoint);
    }
    void answer(std::string body, int status = 0) { fake->replies.push_back(RawReply{status, std::move(body), ""}); }
};

Reply decode(std::string_view command, std::string body, int status = 0) {
    return decode_reply(command, RawReply{status, std::move(body), ""});
}

}  // namespace

// ------------------------------------------------------------------ encoding

TEST_CASE("requests: command, optional service and arguments") {
    CHECK(encode_request("status-get") == R"({"command":"status-get"})");
    CHECK(encode_request("config-get", "", "dhcp4") == R"({"command":"config-get","service":["dhcp4"]})");
    std::string with_args = encode_request("lease4-get", R"({"ip-address":"192.168.70.5"})");
    CHECK(with_args == "{\"command\":\"lease4-get\",\"arguments\":{\"ip-address\":\"192.168.70.5\"}\n}");
    // Comments are allowed, as Kea allows them; a trailing line comment cannot eat the brace.
    std::string commented = encode_request("config-test", "{\"Dhcp4\": {} } // end");
    CHECK(commented.back() == '}');
    CHECK(commented.find("// end\n}") != std::string::npos);
}

TEST_CASE("requests: bad names and non-object arguments are refused before sending") {
    CHECK_THROWS_AS(encode_request(""), Error);
    CHECK_THROWS_AS(encode_request("status-get\"}"), Error);
    CHECK_THROWS_AS(encode_request("status get"), Error);
    CHECK_THROWS_AS(encode_request("x", "[1,2]"), Error);
    CHECK_THROWS_AS(encode_request("x", "{\"a\":"), Error);
    CHECK_THROWS_AS(encode_request("x", "{} {}"), Error);
    CHECK_NOTHROW(encode_request("x", "  {\"a\": [1, {\"b\": null}]}  "));
}

TEST_CASE("typed requests carry Kea's exact argument shapes") {
    Fixture f;
    f.answer(R"({"result":0,"text":"Host added."})");
    Reservation r;
    r.subnet_id = 1;
    r.hw_address = "02:70:00:00:00:10";
    r.ip_address = "192.168.70.10";
    r.hostname = "cn10";
    r.boot_file_name = "xcat/xnba.efi";
    r.client_classes = {"xnba"};
    CHECK(f.client.reservation_add(r, OperationTarget::memory).ok());
    CHECK(f.requests.back() ==
          "{\"command\":\"reservation-add\",\"arguments\":{\"operation-target\":\"memory\","
          "\"reservation\":{\"boot-file-name\":\"xcat/xnba.efi\",\"client-classes\":[\"xnba\"],"
          "\"hostname\":\"cn10\",\"hw-address\":\"02:70:00:00:00:10\",\"ip-address\":\"192.168.70.10\","
          "\"subnet-id\":1}}\n}");

    f.answer(R"({"result":0,"text":"Host deleted."})");
    CHECK(f.client.reservation_del(HostSelector::by_hw_address(1, "02:70:00:00:00:10")).ok());
    CHECK(f.requests.back().find(R"("identifier":"02:70:00:00:00:10","identifier-type":"hw-address","operation-target":"memory","subnet-id":1)") !=
          std::string::npos);

    // server_default sends no operation-target at all.
    f.answer(R"({"result":3,"text":"Host not found."})");
    (void)f.client.reservation_get(HostSelector::by_address(1, "192.168.70.10"));
    CHECK(f.requests.back().find("operation-target") == std::string::npos);
    CHECK(f.requests.back().find(R"({"ip-address":"192.168.70.10","subnet-id":1})") != std::string::npos);

    f.answer(R"({"result":3,"text":"0 IPv4 lease(s) found."})");
    (void)f.client.lease4_get_all({1, 2});
    CHECK(f.requests.back().find(R"("arguments":{"subnets":[1,2]})") != std::string::npos);

    f.answer(R"({"result":0,"arguments":{"count":0,"hosts":[]}})");
    ReservationPageRequest page;
    page.limit = 50;
    page.source_index = 0;
    page.from = 7;
    (void)f.client.reservation_get_page(page);
    CHECK(f.requests.back().find(R"({"from":7,"limit":50,"source-index":0})") != std::string::npos);

    f.answer(R"({"result":0,"arguments":{"filename":"/etc/kea/k.json","size":10}})");
    auto written = f.client.config_write();
    CHECK(f.requests.back() == R"({"command":"config-write"})");
    REQUIRE(written.value);
    CHECK(written.value->filename == "/etc/kea/k.json");
    CHECK(written.value->size == 10);
}

TEST_CASE("the Control Agent endpoint adds the service to every command") {
    Fixture f(Endpoint::control_agent("http://127.0.0.1:8000/", "dhcp4"));
    f.answer(R"([{"result":0,"arguments":{"pid":42,"uptime":7,"reload":7,"multi-threading-enabled":false}}])");
    auto status = f.client.status_get();
    CHECK(f.requests.back() == R"({"command":"status-get","service":["dhcp4"]})");
    REQUIRE(status.value);
    CHECK(status.value->pid == 42);
    CHECK_FALSE(status.value->multi_threading);
}

TEST_CASE("config-test and config-set embed the document as given") {
    Fixture f;
    std::string doc = R"({"Dhcp4": {"subnet4": []}})";
    f.answer(R"({"result":1,"text":"subnet4 is bad"})");
    auto reply = f.client.config_test(doc);
    CHECK(f.requests.back() == "{\"command\":\"config-test\",\"arguments\":" + doc + "\n}");
    CHECK(reply.outcome == Outcome::error);
    CHECK(reply.text == "subnet4 is bad");
    CHECK_THROWS_AS(f.client.config_set("not json"), Error);
}

// ------------------------------------------------------------------ decoding

TEST_CASE("result codes map to outcomes") {
    CHECK(decode("status-get", R"({"result":0})").outcome == Outcome::ok);
    CHECK(decode("config-set", R"({"result":1,"text":"bad"})").outcome == Outcome::error);
    auto unsupported = decode("reservation-add", R"({ "result": 2, "text": "'reservation-add' command not supported." })");
    CHECK(unsupported.outcome == Outcome::unsupported);
    CHECK(unsupported.describe().find("hook library") != std::string::npos);
    CHECK(decode("lease4-get", R"({"result":3,"text":"Lease not found."})").outcome == Outcome::empty);
    CHECK(decode("lease4-update", R"({"result":4,"text":"subnet-id mismatch"})").outcome == Outcome::conflict);
    CHECK(decode("config-set", R"({"result":5,"text":"partly"})").outcome == Outcome::partial);
    CHECK(decode("x", R"({"result":77,"text":"hook code"})").outcome == Outcome::error);
    CHECK(decode("x", R"({"result":-1})").outcome == Outcome::error);
    auto r = decode("config-set", R"({"result":1,"text":"Configuration failed: x"})");
    CHECK(r.result == 1);
    CHECK(r.failed());
    CHECK(r.describe() == "config-set: error (result 1): Configuration failed: x");
}

TEST_CASE("shapes: bare map, list-wrapped, arguments kept as JSON text") {
    auto bare = decode("lease4-get", R"({"arguments":{"ip-address":"192.168.70.5"},"result":0,"text":"IPv4 lease found."})");
    CHECK(bare.ok());
    CHECK(bare.arguments == R"({"ip-address":"192.168.70.5"})");
    auto listed = decode("lease4-get", R"([ { "result": 3, "text": "Lease not found." } ])", 200);
    CHECK(listed.outcome == Outcome::empty);
    CHECK(listed.text == "Lease not found.");
    CHECK(listed.http_status == 200);
    auto list_args = decode("list-commands", R"([{"result":0,"arguments":["a","b"]}])", 200);
    CHECK(list_args.arguments == R"(["a","b"])");
}

TEST_CASE("HTTP 401 and 403: the bare map, an empty body, and a map with a wrong code") {
    auto unauthorized = decode("status-get", R"({ "result": 401, "text": "Unauthorized" })", 401);
    CHECK(unauthorized.outcome == Outcome::unauthorized);
    CHECK(unauthorized.result == 401);
    CHECK(unauthorized.describe().find("password") != std::string::npos);
    CHECK(decode("status-get", "", 401).outcome == Outcome::unauthorized);
    CHECK(decode("status-get", "<html>nope</html>", 401).outcome == Outcome::unauthorized);
    auto forbidden = decode("config-set", R"({ "result": 403, "text": "Forbidden" })", 403);
    CHECK(forbidden.outcome == Outcome::forbidden);
    CHECK(decode("x", R"({"text":"Forbidden"})", 403).outcome == Outcome::forbidden);
    // Over UNIX (status 0) a 401 map still means unauthorized.
    CHECK(decode("x", R"({"result":401,"text":"Unauthorized"})").outcome == Outcome::unauthorized);
}

TEST_CASE("other HTTP failures are transport outcomes that quote the body") {
    auto r = decode("status-get", "Bad Request\n<more>", 400);
    CHECK(r.outcome == Outcome::transport);
    CHECK(r.text == "HTTP status 400: 'Bad Request'");
    // A JSON body with an HTTP error still decodes Kea's own code.
    CHECK(decode("x", R"({"result":1,"text":"bad"})", 400).outcome == Outcome::error);
}

TEST_CASE("not-found quirks: 0 and 1 with a not-found text are empty for lookups and deletes") {
    CHECK(decode("reservation-get", R"({"result":0,"text":"Host not found."})").outcome == Outcome::empty);
    CHECK(decode("reservation-del", R"({"result":1,"text":"Host not deleted (not found)."})").outcome == Outcome::empty);
    CHECK(decode("reservation-del", R"({"result":3,"text":"Host not deleted (not found)."})").outcome == Outcome::empty);
    CHECK(decode("lease4-del", R"({"result":3,"text":"IPv4 lease not found."})").outcome == Outcome::empty);
    CHECK(decode("lease4-get-all", R"({"result":3,"text":"0 IPv4 lease(s) found.","arguments":{"leases":[]}})").outcome == Outcome::empty);
    // A found host with "not found" somewhere else in its text stays ok (arguments present).
    CHECK(decode("reservation-get", R"({"result":0,"text":"Host found (not found before).","arguments":{"subnet-id":1}})").outcome == Outcome::ok);
    // Other commands keep result 1 as an error even with such a text.
    CHECK(decode("config-write", R"({"result":1,"text":"file not found"})").outcome == Outcome::error);
    CHECK(decode("reservation-add", R"({"result":1,"text":"subnet not found"})").outcome == Outcome::error);
    // statistic-get of an unknown name: result 0 and empty arguments.
    CHECK(decode("statistic-get", R"({"result":0,"arguments":{}})").outcome == Outcome::empty);
    CHECK(decode("statistic-get", R"({"result":0,"arguments":{"x":[[1,"t"]]}})").outcome == Outcome::ok);
}

TEST_CASE("malformed replies never crash") {
    const char* bodies[] = {"",
                            "garbage",
                            "{",
                            "[]",
                            "[1]",
                            "42",
                            "\"text\"",
                            "null",
                            "{}",
                            R"({"result":"0"})",
                            R"({"result":0.5})",
                            R"({"result":null})",
                            R"({"result":99999999999999999999})",
                            R"([[{"result":0}]])",
                            "\x00\x01\x02"};
    for (const char* body : bodies) {
        CAPTURE(body);
        Reply r;
        CHECK_NOTHROW(r = decode("status-get", body));
        CHECK_FALSE(r.ok());
    }
    // Bytes that are not UTF-8 are read as Latin-1 rather than losing the whole reply.
    auto latin1 = decode("lease4-get-all", "{\"result\":0,\"arguments\":{\"leases\":[{\"hostname\":\"caf\xe9\"}]},\"text\":\"\xff\"}");
    CHECK(latin1.ok());
    CHECK(latin1.text == "\xc3\xbf");
    CHECK(latin1.arguments.find("caf\xc3\xa9") != std::string::npos);
    CHECK(decode("x", "{\"result\":0,\"text\":\"\xe2\x82\"}").text == "\xc3\xa2\xc2\x82");
    std::string deep(100000, '[');
    CHECK(decode("x", deep).outcome == Outcome::malformed);
    CHECK(decode("x", R"({"result":0,"text":5})").outcome == Outcome::ok);  // text ignored, not fatal
}

TEST_CASE("mutated and truncated real replies never crash a typed command") {
    const std::string samples[] = {
        R"([{"arguments":{"leases":[{"cltt":1700000000,"fqdn-fwd":false,"hostname":"cn5","hw-address":"02:70:00:00:00:05","ip-address":"192.168.70.5","state":0,"subnet-id":1,"valid-lft":3600}]},"result":0,"text":"1 IPv4 lease(s) found."}])",
        R"({"arguments":{"pkt4-received":[[12,"2026-11-22 11:35:25.815704"]]},"result":0})",
        R"({"arguments":{"count":1,"hosts":[{"subnet-id":1,"hw-address":"02:00:00:00:00:01","client-classes":["a"]}],"next":{"from":1,"source-index":0}},"result":0})"};
    std::uint32_t seed = 12345;
    auto random = [&seed] { return seed = seed * 1103515245u + 12345u; };
    int answered = 0;
    for (int round = 0; round < 3000; ++round) {
        std::string body = samples[round % 3];
        int edits = 1 + static_cast<int>(random() % 4);
        for (int e = 0; e < edits && !body.empty(); ++e) {
            std::size_t at = random() % body.size();
            switch (random() % 3) {
            case 0: body[at] = static_cast<char>(random() & 0xff); break;
            case 1: body.erase(at, 1 + random() % 8); break;
            default: body.resize(at); break;
            }
        }
        Fixture f;
        f.answer(body);
        f.answer(body);
        f.answer(body);
        CHECK_NOTHROW(f.client.lease4_get_all());
        CHECK_NOTHROW(f.client.statistic_get("pkt4-received"));
        CHECK_NOTHROW(f.client.reservation_get_page({}));
        ++answered;
    }
    CHECK(answered == 3000);
}

TEST_CASE("typed commands turn a bad arguments shape into 'malformed', not an exception") {
    Fixture f;
    f.answer(R"({"result":0,"arguments":{"ip-address":7}})");
    auto lease = f.client.lease4_get("192.168.70.5");
    CHECK(lease.outcome == Outcome::malformed);
    CHECK_FALSE(lease.value);
    CHECK(lease.text.find("ip-address") != std::string::npos);

    f.answer(R"({"result":0,"arguments":{"leases":"no"}})");
    CHECK(f.client.lease4_get_all().outcome == Outcome::malformed);
    f.answer(R"({"result":0,"arguments":{"a":1}})");
    CHECK(f.client.list_commands().outcome == Outcome::malformed);
    f.answer(R"({"result":0,"arguments":[1]})");
    CHECK(f.client.status_get().outcome == Outcome::malformed);
    f.answer(R"({"result":0,"arguments":{"x":["bad"]}})");
    CHECK(f.client.statistic_get_all().outcome == Outcome::malformed);
    f.answer(R"({"result":0,"text":"no digits"})");
    CHECK(f.client.version_get().outcome == Outcome::malformed);
    f.answer(R"({"result":0,"arguments":{"subnet-id":-5}})");
    CHECK(f.client.reservation_get(HostSelector::by_address(1, "192.168.70.1")).outcome == Outcome::malformed);
    f.answer(R"({"result":0,"arguments":{"hash":"abc"}})");
    CHECK(f.client.config_get().outcome == Outcome::malformed);
}

TEST_CASE("typed values decode from real Kea replies") {
    Fixture f;
    f.answer(R"({"arguments":{"extended":"2.2.0\ntarball\nlinked with: ..."},"result":0,"text":"2.2.0"})");
    auto version = f.client.version_get();
    REQUIRE(version.value);
    CHECK(version.value->version == "2.2.0");
    CHECK(version.value->major == 2);
    CHECK(version.value->minor == 2);
    CHECK(version.value->at_least(2, 2));
    CHECK_FALSE(version.value->at_least(2, 7, 2));

    f.answer(R"({"arguments":["build-report","config-get","lease4-get","lease4-get-all","reservation-add","subnet4-list"],"result":0})");
    auto caps = f.client.list_commands();
    REQUIRE(caps.value);
    CHECK(caps.value->host_cmds());
    CHECK(caps.value->lease_cmds());
    CHECK(caps.value->subnet_cmds());
    CHECK_FALSE(caps.value->high_availability());
    CHECK_FALSE(caps.value->stat_cmds());

    f.answer(R"({"arguments":{"cltt":1700000000,"fqdn-fwd":false,"fqdn-rev":false,"hostname":"cn5","hw-address":"02:70:00:00:00:05","ip-address":"192.168.70.5","state":0,"subnet-id":1,"valid-lft":3600},"result":0,"text":"IPv4 lease found."})");
    auto lease = f.client.lease4_get("192.168.70.5");
    REQUIRE(lease.value);
    CHECK(lease.value->hw_address == "02:70:00:00:00:05");
    CHECK(lease.value->valid_lifetime == 3600);
    CHECK(lease.value->cltt == 1700000000);
    CHECK(parse_lease4(to_json(*lease.value)) == *lease.value);

    f.answer(R"({"arguments":{"pkt4-received":[[12,"2026-11-22 11:35:25.815704"],[0,"2026-11-22 11:00:00.000000"]]},"result":0})");
    auto stat = f.client.statistic_get("pkt4-received");
    REQUIRE(stat.value);
    REQUIRE(stat.value->samples.size() == 2);
    CHECK(stat.value->samples[0].integer() == 12);
    CHECK(stat.value->samples[0].timestamp == "2026-11-22 11:35:25.815704");

    f.answer(R"({"arguments":{"b":[[0.5,"t"]],"a":[["00:00:01","t"]],"c":[[7,"t"]]},"result":0})");
    auto all = f.client.statistic_get_all();
    REQUIRE(all.value);
    REQUIRE(all.value->size() == 3);
    CHECK((*all.value)[0].name == "a");
    CHECK((*all.value)[0].samples[0].value == "00:00:01");
    CHECK_FALSE((*all.value)[0].samples[0].integer());
    CHECK((*all.value)[1].samples[0].value == "0.5");

    f.answer(R"({"arguments":{"Dhcp4":{"subnet4":[]},"hash":"ABC"},"result":0})");
    auto config = f.client.config_get();
    REQUIRE(config.value);
    CHECK(config.value->hash == "ABC");
    CHECK(config.value->config == R"({"Dhcp4":{"subnet4":[]}})");

    f.answer(R"({"result":0,"text":"2 IPv4 subnets found","arguments":{"subnets":[{"id":10,"shared-network-name":"net1","subnet":"10.0.0.0/8"},{"id":11,"subnet":"10.1.0.0/16"}]}})");
    auto subnets = f.client.subnet4_list();
    REQUIRE(subnets.value);
    REQUIRE(subnets.value->size() == 2);
    CHECK((*subnets.value)[0].shared_network_name == "net1");
    CHECK((*subnets.value)[1].prefix == "10.1.0.0/16");

    f.answer(R"({"arguments":{"boot-file-name":"","client-classes":[],"hostname":"cn10","hw-address":"02:70:00:00:00:10","ip-address":"192.168.70.10","next-server":"0.0.0.0","option-data":[],"server-hostname":"","subnet-id":1},"result":0,"text":"Host found."})");
    auto host = f.client.reservation_get(HostSelector::by_hw_address(1, "02:70:00:00:00:10"));
    REQUIRE(host.value);
    Reservation expected;
    expected.subnet_id = 1;
    expected.hostname = "cn10";
    expected.hw_address = "02:70:00:00:00:10";
    expected.ip_address = "192.168.70.10";
    CHECK(*host.value == expected);
    CHECK(parse_reservation(to_json(expected)) == expected);

    f.answer(R"({"arguments":{"leases":[{"ip-address":"2001:db8::5","type":"IA_NA","prefix-len":128,"duid":"00:01:02","iaid":7,"subnet-id":2,"preferred-lft":100,"valid-lft":200,"cltt":5}]},"result":0})");
    auto leases6 = f.client.lease6_get_all();
    REQUIRE(leases6.value);
    REQUIRE(leases6.value->size() == 1);
    CHECK((*leases6.value)[0].iaid == 7);
    CHECK((*leases6.value)[0].preferred_lifetime == 100);
    CHECK(parse_lease6(to_json((*leases6.value)[0])) == (*leases6.value)[0]);
}

TEST_CASE("reservation pages: next cursor, and the end (result 3)") {
    Fixture f;
    f.answer(R"({"result":0,"text":"2 IPv4 host(s) found.","arguments":{"count":2,"hosts":[{"subnet-id":1,"hw-address":"02:00:00:00:00:01"},{"subnet-id":1,"hw-address":"02:00:00:00:00:02"}],"next":{"from":2,"source-index":0}}})");
    f.answer(R"({"result":3,"text":"0 IPv4 host(s) found.","arguments":{"count":0,"hosts":[]}})");
    auto first = f.client.reservation_get_page({});
    REQUIRE(first.value);
    CHECK(first.value->hosts.size() == 2);
    CHECK(first.value->more);
    CHECK(first.value->next_from == 2);
    ReservationPageRequest next;
    next.from = first.value->next_from;
    next.source_index = first.value->next_source_index;
    auto last = f.client.reservation_get_page(next);
    CHECK(last.outcome == Outcome::empty);
    CHECK_FALSE(last.value);
}

TEST_CASE("reservation_list walks every page and ends on result 3") {
    Fixture f;
    f.answer(R"({"result":0,"arguments":{"count":1,"hosts":[{"subnet-id":1,"hw-address":"02:00:00:00:00:01"}],"next":{"from":1,"source-index":0}}})");
    f.answer(R"({"result":0,"arguments":{"count":1,"hosts":[{"subnet-id":1,"hw-address":"02:00:00:00:00:02"}],"next":{"from":2,"source-index":0}}})");
    f.answer(R"({"result":3,"text":"0 IPv4 host(s) found.","arguments":{"count":0,"hosts":[]}})");
    auto all = f.client.reservation_list(1, 1);
    CHECK(all.ok());
    REQUIRE(all.value);
    CHECK(all.value->size() == 2);
    CHECK(f.requests[1].find(R"("from":1)") != std::string::npos);
    CHECK(f.requests[2].find(R"("from":2)") != std::string::npos);

    f.answer(R"({"result":3,"text":"0 IPv4 host(s) found.","arguments":{"count":0,"hosts":[]}})");
    CHECK(f.client.reservation_list().is_empty());

    f.answer(R"({"result":0,"arguments":{"count":1,"hosts":[{"subnet-id":1,"hw-address":"02:00:00:00:00:01"}],"next":{"from":1,"source-index":0}}})");
    f.answer(R"({"result":0,"arguments":{"count":1,"hosts":[{"subnet-id":1,"hw-address":"02:00:00:00:00:01"}],"next":{"from":1,"source-index":0}}})");
    CHECK(f.client.reservation_list().outcome == Outcome::malformed);  // a server that never advances

    f.answer(R"({"result":2,"text":"'reservation-get-page' command not supported."})");
    CHECK(f.client.reservation_list().outcome == Outcome::unsupported);
}

TEST_CASE("transport failures are outcomes; require() throws KeaError with the text") {
    Fixture f;  // no canned reply: the fake reports a transport error
    auto reply = f.client.command("status-get");
    CHECK(reply.outcome == Outcome::transport);
    CHECK(reply.text == "no canned reply");
    CHECK_THROWS_AS(require(reply), KeaError);
    try {
        require(reply);
    } catch (const KeaError& e) {
        CHECK(e.outcome() == Outcome::transport);
        CHECK(std::string(e.what()).find("no canned reply") != std::string::npos);
    }
    f.answer(R"({"result":3,"text":"0 IPv4 lease(s) found."})");
    auto empty = f.client.command("lease4-get-all");
    CHECK_NOTHROW(require(empty));
    CHECK_THROWS_AS(require(empty, false), KeaError);
}

TEST_CASE("batches report each item and stop after the connection is lost") {
    Fixture f;
    f.answer(R"({"result":0,"text":"Host added."})");
    f.answer(R"({"result":1,"text":"Host already exists."})");
    // then no reply: transport error; the fourth is not attempted
    std::vector<Reservation> hosts(4);
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        hosts[i].subnet_id = 1;
        hosts[i].hw_address = "02:00:00:00:00:0" + std::to_string(i);
    }
    std::size_t seen = 0;
    BatchOptions options;
    options.on_item = [&](std::size_t, const Reply&) { ++seen; };
    auto report = f.client.reservation_add_batch(hosts, OperationTarget::memory, options);
    REQUIRE(report.items.size() == 4);
    CHECK(seen == 4);
    CHECK(report.ok == 1);
    CHECK(report.failed == 3);
    CHECK(report.items[1].reply.text == "Host already exists.");
    CHECK(report.items[2].reply.outcome == Outcome::transport);
    CHECK(report.items[3].reply.text.find("not attempted") != std::string::npos);
    CHECK(report.items[3].reply.command == "reservation-add");
    CHECK(f.requests.size() == 3);
    CHECK_FALSE(report.all_ok());

    f.answer(R"({"result":0,"text":"Host deleted."})");
    f.answer(R"({"result":3,"text":"Host not deleted (not found)."})");
    auto dels = f.client.reservation_del_batch({HostSelector::of(hosts[0]), HostSelector::of(hosts[1])});
    CHECK(dels.ok == 1);
    CHECK(dels.empty == 1);
    CHECK(dels.failed == 0);
}

// ------------------------------------------------------------------ URLs and endpoints

TEST_CASE("URLs: IPv6 hosts are bracketed (the Perl peer's bug)") {
    CHECK(make_url("http", "::1", 8000) == "http://[::1]:8000/");
    CHECK(make_url("https", "fd00:7::1", 8004) == "https://[fd00:7::1]:8004/");
    CHECK(make_url("http", "fe80::1%eth0", 8004) == "http://[fe80::1%25eth0]:8004/");
    CHECK(make_url("http", "[::1]", 8000) == "http://[::1]:8000/");
    CHECK(make_url("http", "192.168.70.1", 8000, "") == "http://192.168.70.1:8000/");
    CHECK(make_url("http", "kea.example", 8000, "api") == "http://kea.example:8000/api");
    CHECK_THROWS_AS(make_url("http", "", 8000), Error);
    CHECK_THROWS_AS(make_url("http", "::1", 0), Error);
    CHECK_THROWS_AS(make_url("ftp", "::1", 21), Error);

    CHECK(normalize_url("127.0.0.1:8004") == "http://127.0.0.1:8004/");
    CHECK(normalize_url("HTTPS://[fd00::1]:8004") == "https://[fd00::1]:8004/");
    CHECK(normalize_url("http://[::1]/") == "http://[::1]/");
    CHECK(normalize_url("http://kea:8000/x") == "http://kea:8000/x");
    CHECK_THROWS_WITH_AS(normalize_url("http://::1:8000/"),
                         doctest::Contains("must be in brackets"), Error);
    CHECK_THROWS_AS(normalize_url("http://[::1:8000/"), Error);
    CHECK_THROWS_AS(normalize_url("http://host:99999/"), Error);
    CHECK_THROWS_AS(normalize_url("http://host:80x/"), Error);
    CHECK_THROWS_AS(normalize_url("http://user:pw@host/"), Error);
    CHECK_THROWS_AS(normalize_url("file:///etc/passwd"), Error);
    CHECK_THROWS_AS(normalize_url(""), Error);
}

TEST_CASE("endpoints: misuse throws at construction, descriptions hide passwords") {
    CHECK_THROWS_AS(KeaClient{Endpoint::unix_socket("")}, Error);
    CHECK_THROWS_AS(KeaClient(Endpoint::unix_socket("/tmp/" + std::string(200, 'x'))), Error);
    auto ca = Endpoint::control_agent("http://127.0.0.1:8000/", "");
    CHECK_THROWS_AS(KeaClient{ca}, Error);
    auto http = Endpoint::http("http://127.0.0.1:8004/");
    http.user = "admin";
    http.password_file = "/nonexistent/password";
    CHECK_THROWS_WITH_AS(KeaClient{http}, doctest::Contains("password file"), Error);
    http.password_file.clear();
    http.password = "secret";
    CHECK(http.describe().find("secret") == std::string::npos);
    CHECK(http.describe().find("admin") != std::string::npos);
    http.user = "a:b";
    CHECK_THROWS_AS(KeaClient{http}, Error);
    CHECK(Endpoint::unix_socket("/run/kea/k.sock").describe() == "unix:/run/kea/k.sock");
}

TEST_CASE("make_endpoint: socket or URL, auth, TLS, timeout, each error naming the setting") {
    EndpointSettings unix_settings;
    unix_settings.socket = "/run/kea/kea4-ctrl-socket";
    unix_settings.timeout_seconds = "5";
    auto e = make_endpoint(unix_settings);
    CHECK(e.transport == Transport::unix_socket);
    CHECK(e.socket_path == "/run/kea/kea4-ctrl-socket");
    CHECK(e.timeout_ms == 5000);

    EndpointSettings http;
    http.url = "127.0.0.1:8004";
    http.user = "admin";
    http.password_file = "/etc/kea/admin.pw";
    http.ca_file = "/etc/kea/ca.pem";
    http.insecure = true;
    e = make_endpoint(http);
    CHECK(e.transport == Transport::http);
    CHECK(e.url == "http://127.0.0.1:8004/");
    CHECK(e.user == "admin");
    CHECK(e.password_file == "/etc/kea/admin.pw");
    CHECK(e.tls.ca_file == "/etc/kea/ca.pem");
    CHECK_FALSE(e.tls.verify);
    http.service = "dhcp4";
    e = make_endpoint(http);
    CHECK(e.transport == Transport::control_agent);
    CHECK(e.service == "dhcp4");

    CHECK_THROWS_WITH_AS(make_endpoint({}), doctest::Contains("give either a control socket path or a URL"), Error);
    EndpointSettings both = unix_settings;
    both.url = "http://127.0.0.1:8004/";
    CHECK_THROWS_WITH_AS(make_endpoint(both), doctest::Contains("not both"), Error);
    EndpointSettings no_user;
    no_user.url = "http://127.0.0.1:8004/";
    no_user.password = "x";
    CHECK_THROWS_WITH_AS(make_endpoint(no_user), doctest::Contains("a password needs a user"), Error);
    for (const char* bad : {"0", "3601", "5x", "-1", "99999"}) {
        EndpointSettings t = unix_settings;
        t.timeout_seconds = bad;
        CHECK_THROWS_WITH_AS(make_endpoint(t), doctest::Contains("timeout '"), Error);
    }
    EndpointSettings v6;
    v6.url = "http://fd00::1:8004/";
    CHECK_THROWS_WITH_AS(make_endpoint(v6), doctest::Contains("[fd00::1]"), Error);
}

// ------------------------------------------------------------------ real transports

namespace {

std::filesystem::path temp_dir() {
    char pattern[] = "/tmp/kea-client-test.XXXXXX";
    char* dir = mkdtemp(pattern);
    REQUIRE(dir != nullptr);
    return dir;
}

// Accepts `count` connections on a UNIX socket; each reads until the request JSON closes,
// then runs `respond` (which writes or not) and closes.
class UnixServer {
public:
    UnixServer(std::string path, int count, std::function<void(int, const std::string&)> respond)
        : path_(std::move(path)) {
        fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::strncpy(a.sun_path, path_.c_str(), sizeof a.sun_path - 1);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(fd_, 8) == 0);
        thread_ = std::thread([this, count, respond] {
            for (int i = 0; i < count; ++i) {
                int c = ::accept(fd_, nullptr, nullptr);
                if (c < 0) return;
                std::string request;
                char buf[4096];
                int depth = 0;
                bool started = false;
                while (!(started && depth == 0)) {
                    ssize_t n = ::recv(c, buf, sizeof buf, 0);
                    if (n <= 0) break;
                    for (ssize_t k = 0; k < n; ++k) {
                        if (buf[k] == '{') ++depth, started = true;
                        if (buf[k] == '}') --depth;
                    }
                    request.append(buf, static_cast<std::size_t>(n));
                }
                last_request = request;
                respond(c, request);
                ::close(c);
            }
        });
    }
    ~UnixServer() {
        ::shutdown(fd_, SHUT_RDWR);
        thread_.join();
        ::close(fd_);
    }
    std::string last_request;

private:
    std::string path_;
    int fd_ = -1;
    std::thread thread_;
};

void send_all(int fd, const std::string& text) {
    std::size_t sent = 0;
    while (sent < text.size()) {
        ssize_t n = ::send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return;
        sent += static_cast<std::size_t>(n);
    }
}

}  // namespace

TEST_CASE("UNIX transport: answer then close, answer and stay open, large answers, timeouts") {
    auto dir = temp_dir();
    std::string path = (dir / "k.sock").string();
    std::string big(3 * 1024 * 1024, 'x');
    {
        UnixServer server(path, 4, [&](int c, const std::string& request) {
            if (request.find("config-get") != std::string::npos) {
                send_all(c, R"({"result":0,"arguments":{"Dhcp4":{"comment":")" + big + R"("}}})");
            } else if (request.find("keep-open") != std::string::npos) {
                send_all(c, R"({"result":0,"text":"stays open"})");
                std::this_thread::sleep_for(std::chrono::milliseconds(700));
            } else if (request.find("silent") != std::string::npos) {
                std::this_thread::sleep_for(std::chrono::milliseconds(800));
            } else {
                send_all(c, R"({ "result": 0, "text": "split )");
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
                send_all(c, R"(answer" })");
            }
        });
        Endpoint endpoint = Endpoint::unix_socket(path);
        endpoint.timeout_ms = 400;
        KeaClient client(endpoint);
        auto split = client.command("status-get");
        CHECK(split.ok());
        CHECK(split.text == "split answer");
        CHECK(server.last_request == R"({"command":"status-get"})");

        auto config = client.config_get();
        INFO(config.describe());
        REQUIRE(config.value);
        CHECK(config.value->config.size() > big.size());

        auto start = std::chrono::steady_clock::now();
        auto open = client.command("keep-open");
        CHECK(open.ok());
        CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(350));

        auto silent = client.command("silent");
        CHECK(silent.outcome == Outcome::transport);
        CHECK(silent.text.find("timed out") != std::string::npos);
    }
    KeaClient gone(Endpoint::unix_socket(path));
    auto refused = gone.command("status-get");
    CHECK(refused.outcome == Outcome::transport);
    CHECK(refused.text.find("cannot connect") != std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST_CASE("batches over several connections: every item answered once, in input order") {
    auto dir = temp_dir();
    std::string path = (dir / "k.sock").string();
    {
        std::atomic<int> served{0};
        UnixServer server(path, 50, [&](int c, const std::string& request) {
            ++served;
            bool odd = request.find("\"hostname\":\"h1") != std::string::npos;
            send_all(c, odd ? R"({"result":1,"text":"refused"})" : R"({"result":0,"text":"Host added."})");
        });
        std::vector<Reservation> hosts(50);
        for (std::size_t i = 0; i < hosts.size(); ++i) {
            hosts[i].subnet_id = 1;
            hosts[i].hw_address = "02:00:00:00:01:" + std::string(i < 10 ? "0" : "") + std::to_string(i);
            hosts[i].hostname = "h" + std::to_string(i);
        }
        KeaClient client(Endpoint::unix_socket(path));
        BatchOptions options;
        options.connections = 4;
        std::atomic<int> calls{0};
        options.on_item = [&](std::size_t, const Reply&) { ++calls; };
        auto report = client.reservation_add_batch(hosts, OperationTarget::memory, options);
        CHECK(served == 50);
        CHECK(calls == 50);
        REQUIRE(report.items.size() == 50);
        // h1 and h10..h19 are refused: the reply sits at the item's own index.
        CHECK(report.failed == 11);
        CHECK(report.ok == 39);
        CHECK(report.items[1].reply.text == "refused");
        CHECK(report.items[2].reply.ok());
        CHECK(report.items[15].reply.text == "refused");
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("UNIX transport: garbage and an immediate close are reported, not fatal") {
    auto dir = temp_dir();
    std::string path = (dir / "k.sock").string();
    {
        int n = 0;
        UnixServer server(path, 2, [&](int c, const std::string&) {
            if (n++ == 0) send_all(c, "Internal error\n");
        });
        KeaClient client(Endpoint::unix_socket(path));
        auto garbage = client.command("status-get");
        CHECK(garbage.outcome == Outcome::malformed);
        CHECK(garbage.text.find("Internal error") != std::string::npos);
        auto closed = client.command("status-get");
        CHECK(closed.outcome == Outcome::transport);
        CHECK(closed.text.find("without answering") != std::string::npos);
    }
    std::filesystem::remove_all(dir);
}

namespace {

// A one-thread HTTP/1.1 server on 127.0.0.1 that answers each request with a canned status and
// body and records the request head; it keeps connections alive like Kea does.
class HttpServer {
public:
    struct Answer { int status; std::string body; };
    explicit HttpServer(std::vector<Answer> answers) : answers_(std::move(answers)) {
        port = listener_.port;
        thread_ = std::thread([this] { serve(); });
    }
    ~HttpServer() {
        stop_ = true;
        ::shutdown(listener_.fd, SHUT_RDWR);
        thread_.join();
    }
    unsigned port = 0;
    std::vector<std::string> heads;
    std::vector<std::string> bodies;
    int connections = 0;

private:
    void serve() {
        std::size_t next = 0;
        while (!stop_ && next < answers_.size()) {
            int c = ::accept(listener_.fd, nullptr, nullptr);
            if (c < 0) return;
            ++connections;
            std::string buffer;
            while (next < answers_.size()) {
                std::size_t end;
                while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
                    char buf[4096];
                    ssize_t n = ::recv(c, buf, sizeof buf, 0);
                    if (n <= 0) goto closed;
                    buffer.append(buf, static_cast<std::size_t>(n));
                }
                std::string head = buffer.substr(0, end);
                std::size_t length = 0;
                if (auto p = head.find("Content-Length: "); p != std::string::npos) length = std::stoul(head.substr(p + 16));
                while (buffer.size() < end + 4 + length) {
                    char buf[4096];
                    ssize_t n = ::recv(c, buf, sizeof buf, 0);
                    if (n <= 0) goto closed;
                    buffer.append(buf, static_cast<std::size_t>(n));
                }
                heads.push_back(head);
                bodies.push_back(buffer.substr(end + 4, length));
                buffer.erase(0, end + 4 + length);
                const Answer& a = answers_[next++];
                std::string reply = "HTTP/1.1 " + std::to_string(a.status) + " X\r\nContent-Type: application/json\r\n";
                if (a.status == 401) reply += "WWW-Authenticate: Basic realm=\"kea-test\"\r\n";
                reply += "Content-Length: " + std::to_string(a.body.size()) + "\r\n\r\n" + a.body;
                send_all(c, reply);
            }
        closed:
            ::close(c);
        }
    }
    std::vector<Answer> answers_;
    test::LoopbackListener listener_{8};
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace

TEST_CASE("HTTP transport: basic auth from a password file, list replies, 401, keep-alive") {
    auto dir = temp_dir();
    std::string password_file = (dir / "pw").string();
    std::ofstream(password_file) << "s3cret-test-only\n";
    HttpServer server({{200, R"([ { "result": 0, "text": "3.0.4", "arguments": {"extended": "3.0.4"} } ])"},
                       {200, R"([ { "result": 3, "text": "0 IPv4 lease(s) found." } ])"},
                       {401, R"({ "result": 401, "text": "Unauthorized" })"}});
    Endpoint endpoint = Endpoint::http(make_url("http", "127.0.0.1", server.port));
    endpoint.user = "admin";
    endpoint.password_file = password_file;
    endpoint.timeout_ms = 3000;
    KeaClient client(endpoint);
    auto version = client.version_get();
    REQUIRE(version.value);
    CHECK(version.value->version == "3.0.4");
    CHECK(version.http_status == 200);
    auto leases = client.lease4_get_all();
    CHECK(leases.outcome == Outcome::empty);
    auto denied = client.command("status-get");
    CHECK(denied.outcome == Outcome::unauthorized);
    CHECK(denied.result == 401);
    CHECK(denied.http_status == 401);
    REQUIRE(server.heads.size() == 3);
    // "admin:s3cret-test-only" in base64, the trailing newline of the file dropped.
    CHECK(server.heads[0].find("Authorization: Basic YWRtaW46czNjcmV0LXRlc3Qtb25seQ==") != std::string::npos);
    CHECK(server.heads[0].find("POST / HTTP/1.1") == 0);
    CHECK(server.heads[0].find("Content-Type: application/json") != std::string::npos);
    CHECK(server.heads[0].find("Expect") == std::string::npos);
    CHECK(server.bodies[1] == R"({"command":"lease4-get-all"})");
    CHECK(server.connections == 1);  // one kept-alive connection for three commands
    std::filesystem::remove_all(dir);
}

TEST_CASE("HTTP transport: Control Agent service, connection refused, garbage") {
    HttpServer server({{200, "not json"}, {500, "Internal Server Error"}});
    auto endpoint = Endpoint::control_agent(make_url("http", "127.0.0.1", server.port), "dhcp4");
    KeaClient client(endpoint);
    auto garbage = client.command("status-get");
    CHECK(garbage.outcome == Outcome::malformed);
    CHECK(server.bodies.at(0) == R"({"command":"status-get","service":["dhcp4"]})");
    auto failure = client.command("status-get");
    CHECK(failure.outcome == Outcome::transport);
    CHECK(failure.text.find("HTTP status 500") != std::string::npos);

    // A port nobody listens on: a transport outcome naming the URL.
    int probe = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(probe, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(probe, reinterpret_cast<sockaddr*>(&a), &len);
    unsigned free_port = ntohs(a.sin_port);
    ::close(probe);
    Endpoint nowhere = Endpoint::http(make_url("http", "127.0.0.1", free_port));
    nowhere.connect_timeout_ms = 1000;
    KeaClient lost(nowhere);
    auto refused = lost.command("status-get");
    CHECK(refused.outcome == Outcome::transport);
    CHECK(refused.text.find("127.0.0.1") != std::string::npos);
}

TEST_CASE("pretty_json re-indents and leaves non-JSON alone") {
    CHECK(pretty_json(R"({"a":[1,2]})") == "{\n  \"a\": [\n    1,\n    2\n  ]\n}");
    CHECK(pretty_json("plain text") == "plain text");
}

TEST_CASE("leases4/leases6: the filter picks the command; nothing found is an empty list") {
    Fixture f;
    f.answer(R"({"result":0,"arguments":{"ip-address":"192.168.70.5","hw-address":"02:00:00:00:00:05","subnet-id":1,"valid-lft":60,"cltt":1}})");
    auto one = f.client.leases4({"", "192.168.70.5", {}});
    CHECK(f.requests.back().find(R"("command":"lease4-get")") != std::string::npos);
    REQUIRE(one.value);
    REQUIRE(one.value->size() == 1);
    CHECK(one.value->front().hw_address == "02:00:00:00:00:05");

    f.answer(R"({"result":3,"text":"Lease not found."})");
    auto none = f.client.leases4({"", "192.168.70.6", {}});
    CHECK(none.outcome == Outcome::empty);
    REQUIRE(none.value);
    CHECK(none.value->empty());

    f.answer(R"({"result":3,"text":"0 IPv4 lease(s) found."})");
    (void)f.client.leases4({"02:00:00:00:00:05", "", {}});
    CHECK(f.requests.back().find(R"("command":"lease4-get-by-hw-address")") != std::string::npos);

    f.answer(R"({"result":3,"text":"0 IPv6 lease(s) found."})");
    (void)f.client.leases6({"", "", 7});
    CHECK(f.requests.back().find(R"("command":"lease6-get-all","arguments":{"subnets":[7]})") != std::string::npos);

    const auto sent = f.requests.size();
    CHECK_THROWS_WITH_AS(f.client.leases4({"02:00:00:00:00:05", "", 7}),
                         doctest::Contains("at most one of a MAC, an address and a subnet"), Error);
    CHECK(f.requests.size() == sent);  // nothing asked
}
