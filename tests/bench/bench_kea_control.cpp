// Live driver and benchmark for the Kea control client (not run by ctest by itself; the live
// test tests/integration/kea_control_live.sh and tests/bench/kea_control_bench.sh call it).
//
//   bench_kea_control check ENDPOINT [--version X.Y.Z] [--host-cmds yes|no] [--subnet ID]
//                           [--net A.B.C] [--config yes|no] [--config-write FILE] [--batch N]
//                           [--batch-connections P] [--reload yes|no]
//       typed-API checks against a live server; prints "ok: ..." / "FAILED: ..." lines and
//       exits 0 only when every check passed
//   bench_kea_control gen-config --existing N --socket NAME --leases NAME [--log NAME]
//                                [--http-port P --password-file /etc/kea/FILE]
//       a Kea 3.0 DHCPv4 config with N reservations in subnet 2 (10.79.0.0/16, payload only)
//       and the host_cmds/lease_cmds hooks (plus an HTTP socket on 127.0.0.1:P, basic auth as
//       user "bench"), on stdout
//   bench_kea_control bench ENDPOINT --existing N [--adds 1000] [--batch 10000] [--connections P]
//       live add latency per reservation (--adds single adds, then deleted) and the time to add
//       --batch reservations in one batch (then deleted); prints one JSON line
//   bench_kea_control gen-cluster --existing N --total T --config FILE --socket NAME --leases NAME
//                                 [--log NAME] [--kea-version X.Y.Z]
//       the generated cluster of T nodes (tests/bench/scale_inventory.hpp) rendered for Kea, with
//       only its first N nodes' reservations, written to FILE (no DHCP interface: payload only)
//   bench_kea_control bench-config-set --socket PATH --config FILE --existing N [--adds 20]
//                                      [--batch 10000] [--kea-version X.Y.Z] [--force-config-set]
//       the config-set path of live::KeaReservations (what `xcatdhcp reservations add` does when
//       the server has no host_cmds): --adds single adds of one node each (splice into FILE,
//       config-test, atomic write, config-set, conflicting-lease lookups), then one add of
//       --batch nodes and one removal of them; prints one JSON line
//
// ENDPOINT is --socket PATH or --url URL [--user U --password-file F] [--service S], as for the CLI.
#include "../../examples/xcatdhcp/common.cpp"

#include "scale_inventory.hpp"

#include "xcatdhcp/control/kea_client.hpp"
#include "xcatdhcp/intent/build.hpp"
#include "xcatdhcp/live/kea_reservations.hpp"
#include "xcatdhcp/render/kea.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <fstream>
#include <numeric>
#include <set>
#include <string>
#include <vector>

using namespace xcatdhcp;
using namespace xcatdhcp::control;
using nlohmann::json;

namespace {

int passed = 0, failed = 0;

void check(const std::string& name, bool ok, const std::string& detail = {}) {
    if (ok) {
        ++passed;
        std::cout << "ok: " << name << "\n";
    } else {
        ++failed;
        std::cout << "FAILED: " << name << (detail.empty() ? "" : " -- " + detail) << "\n";
    }
    std::cout.flush();
}

std::string mac_of(std::uint32_t n, std::uint8_t tag) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "02:%02x:%02x:%02x:%02x:%02x", tag, (n >> 24) & 0xff, (n >> 16) & 0xff,
                  (n >> 8) & 0xff, n & 0xff);
    return buf;
}

// Reservation n of the benchmark's payload subnet 2 (10.79.0.0/16), as xCAT would make it.
Reservation bench_host(std::uint32_t n, std::uint8_t tag) {
    Reservation r;
    r.subnet_id = 2;
    r.hw_address = mac_of(n, tag);
    std::uint32_t a = n + 1;  // never 10.79.0.0 itself
    r.ip_address = "10.79." + std::to_string((a >> 8) & 0xff) + "." + std::to_string(a & 0xff);
    r.hostname = "bn" + std::to_string(n) + "-" + std::to_string(tag);
    r.next_server = "192.168.79.1";
    r.boot_file_name = "xcat/xnba.efi";
    return r;
}

std::vector<std::string> tail(int argc, char** argv, int from) {
    return std::vector<std::string>(argv + from, argv + argc);
}

// ------------------------------------------------------------------ check

int run_check(const std::vector<std::string>& argv) {
    cli::Args args(argv,
                   cli::with(cli::endpoint_options,
                             {"--version", "--host-cmds", "--subnet", "--net", "--config", "--config-write", "--batch",
                              "--batch-connections", "--reload"}),
                   cli::endpoint_flags);
    Endpoint endpoint = cli::endpoint_from(args);
    std::string where = endpoint.describe() + ": ";
    std::uint32_t subnet = static_cast<std::uint32_t>(std::stoul(args.value("--subnet", "", "1")));
    std::string net = args.value("--net", "", "192.168.71");
    bool host_cmds = args.value("--host-cmds", "", "no") == "yes";
    KeaClient client(endpoint);

    auto status = client.status_get();
    check(where + "status-get", status.ok() && status.value && status.value->pid > 0, status.describe());
    auto version = client.version_get();
    std::string want = args.value("--version");
    check(where + "version-get " + (version.value ? version.value->version : "?"),
          version.ok() && version.value && (want.empty() || version.value->version == want), version.describe());
    auto caps = client.list_commands();
    check(where + "list-commands: lease_cmds detected", caps.value && caps.value->lease_cmds(), caps.describe());
    check(where + "list-commands: host_cmds " + (host_cmds ? "detected" : "absent"),
          caps.value && caps.value->host_cmds() == host_cmds, caps.describe());
    check(where + "list-commands: core commands listed",
          caps.value && caps.value->has("config-set") && caps.value->has("statistic-get"));

    auto stat = client.statistic_get("pkt4-received");
    check(where + "statistic-get pkt4-received", stat.ok() && stat.value && !stat.value->samples.empty() &&
                                                     stat.value->samples[0].integer().has_value(),
          stat.describe());
    auto no_stat = client.statistic_get("no-such-statistic");
    check(where + "statistic-get of an unknown name is empty", no_stat.is_empty(), no_stat.describe());
    auto all_stats = client.statistic_get_all();
    check(where + "statistic-get-all", all_stats.value && all_stats.value->size() > 5, all_stats.describe());

    auto leases = client.lease4_get_all();
    check(where + "lease4-get-all on a fresh server: result 3 mapped to empty",
          leases.is_empty() && leases.result == 3, leases.describe());
    auto lease = client.lease4_get(net + ".222");
    check(where + "lease4-get of an unknown address is empty", lease.is_empty(), lease.describe());
    auto lease_del = client.lease4_del(net + ".222");
    check(where + "lease4-del of an unknown address is empty", lease_del.is_empty(), lease_del.describe());
    auto by_mac = client.lease4_get_by_hw_address("02:00:00:00:99:99");
    check(where + "lease4-get-by-hw-address of an unknown MAC is empty or an empty list",
          by_mac.is_empty() || (by_mac.value && by_mac.value->empty()), by_mac.describe());
    // A lease made with lease4-add, then read back through every typed lease call.
    std::string lease_ip = net + ".77", lease_mac = "02:" + net.substr(net.rfind('.') + 1) + ":00:00:00:77";
    json lease_args = {{"ip-address", lease_ip}, {"hw-address", lease_mac}, {"subnet-id", subnet},
                       {"hostname", "lease77"}, {"valid-lft", 1800}};
    auto lease_add = client.command("lease4-add", lease_args.dump());
    check(where + "lease4-add (escape hatch)", lease_add.ok(), lease_add.describe());
    auto got = client.lease4_get(lease_ip);
    check(where + "lease4-get returns the lease as added",
          got.value && got.value->hw_address == lease_mac && got.value->hostname == "lease77" &&
              got.value->subnet_id == subnet && got.value->valid_lifetime == 1800 && got.value->cltt > 0,
          got.ok() ? to_json(*got.value) : got.describe());
    auto by_id = client.lease4_get("hw-address", lease_mac, subnet);
    check(where + "lease4-get by hw-address identifier", by_id.value && by_id.value->ip_address == lease_ip,
          by_id.describe());
    auto mac_list = client.lease4_get_by_hw_address(lease_mac);
    check(where + "lease4-get-by-hw-address", mac_list.value && mac_list.value->size() == 1, mac_list.describe());
    auto in_subnet = client.lease4_get_all({subnet});
    check(where + "lease4-get-all of the subnet lists one lease", in_subnet.value && in_subnet.value->size() == 1,
          in_subnet.describe());
    auto removed_lease = client.lease4_del(lease_ip);
    check(where + "lease4-del", removed_lease.ok(), removed_lease.describe());
    auto after_del = client.lease4_get(lease_ip);
    check(where + "lease4-get after lease4-del is empty", after_del.is_empty(), after_del.describe());

    auto nosuch = client.command("no-such-command");
    check(where + "an unknown command is 'unsupported' (result 2)",
          nosuch.outcome == Outcome::unsupported && nosuch.result == 2, nosuch.describe());

    Reservation host;
    host.subnet_id = subnet;
    host.hw_address = "02:" + net.substr(net.rfind('.') + 1) + ":00:00:00:30";
    host.ip_address = net + ".30";
    host.hostname = "live30";
    host.boot_file_name = "xcat/xnba.efi";
    host.client_classes = {"live"};
    if (host_cmds) {
        auto add = client.reservation_add(host, OperationTarget::memory);
        check(where + "reservation-add (memory)", add.ok(), add.describe());
        auto get = client.reservation_get(HostSelector::by_hw_address(subnet, host.hw_address));
        check(where + "reservation-get by hw-address returns the host as added",
              get.value && *get.value == host, get.ok() ? to_json(*get.value) : get.describe());
        auto by_ip = client.reservation_get(HostSelector::by_address(subnet, host.ip_address));
        check(where + "reservation-get by address", by_ip.value && by_ip.value->hostname == "live30", by_ip.describe());
        auto by_name = client.reservation_get_by_hostname("LIVE30", subnet);
        check(where + "reservation-get-by-hostname (case-insensitive)",
              by_name.value && by_name.value->size() == 1, by_name.describe());
        auto by_addr = client.reservation_get_by_address(host.ip_address);
        check(where + "reservation-get-by-address", by_addr.value && by_addr.value->size() == 1, by_addr.describe());
        auto page = client.reservation_get_page({subnet, 100, {}, {}});
        check(where + "reservation-get-page lists it",
              page.value && std::any_of(page.value->hosts.begin(), page.value->hosts.end(),
                                        [&](const Reservation& r) { return r.hw_address == host.hw_address; }),
              page.describe());
        auto again = client.reservation_add(host, OperationTarget::memory);
        check(where + "reservation-add of the same host is an error with Kea's text",
              again.outcome == Outcome::error && !again.text.empty(), again.describe());
        auto db = client.reservation_add(host, OperationTarget::server_default);
        check(where + "reservation-add without operation-target targets the (absent) database",
              db.outcome == Outcome::error, db.describe());
        auto del = client.reservation_del(HostSelector::of(host), OperationTarget::memory);
        check(where + "reservation-del (memory)", del.ok(), del.describe());
        auto gone = client.reservation_get(HostSelector::of(host));
        check(where + "reservation-get after delete: not found is empty (result " + std::to_string(gone.result) + ")",
              gone.is_empty(), gone.describe());
        auto del2 = client.reservation_del(HostSelector::of(host), OperationTarget::memory);
        check(where + "reservation-del of an absent host is empty", del2.is_empty(), del2.describe());
        auto subnets = client.subnet4_list();
        if (caps.value && caps.value->subnet_cmds())
            check(where + "subnet4-list", subnets.value && !subnets.value->empty() && subnets.value->front().id == subnet,
                  subnets.describe());

        if (std::string n = args.value("--batch"); !n.empty()) {
            std::vector<Reservation> hosts;
            for (std::uint32_t i = 0; i < std::stoul(n); ++i) {
                Reservation r;
                r.subnet_id = subnet;
                r.hw_address = mac_of(i, 0xbb);
                r.hostname = "batch" + std::to_string(i);
                hosts.push_back(r);
            }
            BatchOptions options;
            options.connections = std::stoul(args.value("--batch-connections", "", "1"));
            auto added = client.reservation_add_batch(hosts, OperationTarget::memory, options);
            check(where + "batch add of " + n + " reservations over " + std::to_string(options.connections) +
                      " connection(s): " + std::to_string(added.ok) + " ok in " + std::to_string(added.seconds) + " s",
                  added.all_ok(), added.items.empty() ? "" : added.items.back().reply.describe());
            auto listed = client.reservation_list(subnet, 37);
            std::size_t seen = listed.value ? listed.value->size() : 0;
            check(where + "reservation_list walks all " + n + " in pages of 37 (reservation-get-page)",
                  seen >= hosts.size(), std::to_string(seen) + " seen; " + listed.describe());
            std::vector<HostSelector> selectors;
            for (const auto& h : hosts) selectors.push_back(HostSelector::of(h));
            selectors.push_back(HostSelector::by_hw_address(subnet, "02:bb:ff:ff:ff:ff"));  // absent
            auto removed = client.reservation_del_batch(selectors, OperationTarget::memory, options);
            check(where + "batch delete reports each: " + std::to_string(removed.ok) + " ok, " +
                      std::to_string(removed.empty) + " absent",
                  removed.ok == hosts.size() && removed.empty == 1 && removed.failed == 0);
        }
    } else {
        auto add = client.reservation_add(host, OperationTarget::memory);
        check(where + "reservation-add without host_cmds is 'unsupported'",
              add.outcome == Outcome::unsupported && add.result == 2, add.describe());
    }

    if (args.value("--config", "", "yes") == "yes") {
        auto before = client.config_get();
        check(where + "config-get", before.value && before.value->config.find("\"Dhcp4\"") != std::string::npos,
              before.describe());
        if (before.value) {
            auto test = client.config_test(before.value->config);
            check(where + "config-test of the running config", test.ok(), test.describe());
            json bad = json::parse(before.value->config);
            json& subnets = bad["Dhcp4"]["subnet4"];
            json broken = {{"hw-address", "02:99:00:00:00:01"}, {"ip-address", "10.255.255.1"}};
            subnets[0]["reservations"].push_back(broken);  // outside the subnet
            auto bad_test = client.config_test(bad.dump());
            check(where + "config-test of an invalid config is an error with the parser's text",
                  bad_test.outcome == Outcome::error && !bad_test.text.empty(), bad_test.describe());
            auto bad_set = client.config_set(bad.dump());
            check(where + "config-set of an invalid config is rejected", bad_set.outcome == Outcome::error,
                  bad_set.describe());
            auto after = client.config_get();
            check(where + "the old config stays after a rejected config-set",
                  after.value && after.value->config == before.value->config && after.value->hash == before.value->hash,
                  after.describe());
            json good = json::parse(before.value->config);
            json extra = {{"hw-address", "02:99:00:00:00:31"}, {"ip-address", net + ".31"}, {"hostname", "live31"}};
            good["Dhcp4"]["subnet4"][0]["reservations"].push_back(extra);
            auto set = client.config_set(good.dump());
            check(where + "config-set of a valid config", set.ok(), set.describe());
            auto now = client.config_get();
            check(where + "config-get shows the config-set change",
                  now.value && now.value->config.find("live31") != std::string::npos, now.describe());
            auto restore = client.config_set(before.value->config);
            check(where + "config-set back to the original", restore.ok(), restore.describe());
        }
    }
    if (std::string file = args.value("--config-write"); !file.empty()) {
        auto written = client.config_write(file);
        check(where + "config-write " + file, written.value && written.value->size > 0, written.describe());
    }
    if (args.value("--reload", "", "yes") == "yes") {
        Reservation volatile_host = host;
        volatile_host.hw_address = "02:" + net.substr(net.rfind('.') + 1) + ":00:00:00:32";
        volatile_host.ip_address = net + ".32";
        volatile_host.hostname = "live32";
        if (host_cmds) {
            auto add = client.reservation_add(volatile_host, OperationTarget::memory);
            check(where + "reservation-add (memory) before config-reload", add.ok(), add.describe());
        }
        auto reload = client.config_reload();
        check(where + "config-reload", reload.ok(), reload.describe());
        auto alive = client.status_get();
        check(where + "status-get after config-reload (reload counter restarted)",
              alive.value && alive.value->reload <= 5, alive.describe());
        if (host_cmds) {
            auto gone = client.reservation_get(HostSelector::of(volatile_host));
            check(where + "config-reload dropped the memory-only reservation", gone.is_empty(), gone.describe());
        }
    }
    std::cout << passed << " passed, " << failed << " failed\n";
    return failed == 0 ? 0 : 1;
}

// ------------------------------------------------------------------ benchmark

int run_gen_config(const std::vector<std::string>& argv) {
    cli::Args args(argv, {"--existing", "--socket", "--leases", "--log", "--http-port", "--password-file"}, {});
    std::uint32_t n = static_cast<std::uint32_t>(std::stoul(args.value("--existing", "", "0")));
    json reservations = json::array();
    for (std::uint32_t i = 0; i < n; ++i) {
        Reservation r = bench_host(i, 0xaa);
        reservations.push_back(json::parse(to_json(r)));
        reservations.back().erase("subnet-id");
    }
    json config = {
        {"Dhcp4",
         {{"interfaces-config", {{"interfaces", json::array()}}},
          {"control-sockets", json::array({{{"socket-type", "unix"}, {"socket-name", args.value("--socket")}}})},
          {"lease-database", {{"type", "memfile"}, {"persist", false}, {"name", args.value("--leases")}}},
          {"hooks-libraries", json::array({{{"library", "libdhcp_lease_cmds.so"}}, {{"library", "libdhcp_host_cmds.so"}}})},
          {"host-reservation-identifiers", json::array({"hw-address"})},
          {"valid-lifetime", 3600},
          {"subnet4",
           json::array({{{"id", 2},
                         {"subnet", "10.79.0.0/16"},
                         {"pools", json::array({{{"pool", "10.79.250.1 - 10.79.250.200"}}})},
                         {"reservations", reservations}}})},
          {"loggers",
           json::array({{{"name", "kea-dhcp4"},
                         {"severity", "WARN"},
                         {"output_options", json::array({{{"output", args.value("--log", "", "stderr")}}})}}})}}}};
    if (std::string port = args.value("--http-port"); !port.empty()) {
        std::string file = args.value("--password-file");
        std::string dir = file.substr(0, file.rfind('/'));
        config["Dhcp4"]["control-sockets"].push_back(
            {{"socket-type", "http"},
             {"socket-address", "127.0.0.1"},
             {"socket-port", std::stoi(port)},
             {"authentication",
              {{"type", "basic"},
               {"directory", dir},
               {"clients", json::array({{{"user", "bench"}, {"password-file", file.substr(dir.size() + 1)}}})}}}});
    }
    std::cout << config.dump() << "\n";
    return 0;
}

double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    std::size_t index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
    return values[std::min(index, values.size() - 1)];
}

int run_bench(const std::vector<std::string>& argv) {
    cli::Args args(argv, cli::with(cli::endpoint_options, {"--existing", "--adds", "--batch", "--connections"}),
                   cli::endpoint_flags);
    Endpoint endpoint = cli::endpoint_from(args);
    std::uint32_t existing = static_cast<std::uint32_t>(std::stoul(args.value("--existing", "", "0")));
    std::uint32_t adds = static_cast<std::uint32_t>(std::stoul(args.value("--adds", "", "1000")));
    std::uint32_t batch = static_cast<std::uint32_t>(std::stoul(args.value("--batch", "", "10000")));
    BatchOptions batch_options;
    batch_options.connections = std::stoul(args.value("--connections", "", "1"));
    KeaClient client(endpoint);
    auto caps = client.list_commands();
    if (!caps.value || !caps.value->host_cmds()) {
        std::cerr << "bench: the server has no host_cmds: " << caps.describe() << "\n";
        return 1;
    }
    // Existing hosts are 0..existing-1 (tag aa); new ones are numbered after them (tag bb/cc).
    auto hosts = [&](std::uint32_t count, std::uint8_t tag) {
        std::vector<Reservation> out;
        for (std::uint32_t i = 0; i < count; ++i) out.push_back(bench_host(existing + i, tag));
        return out;
    };
    auto selectors = [](const std::vector<Reservation>& rs) {
        std::vector<HostSelector> out;
        for (const auto& r : rs) out.push_back(HostSelector::of(r));
        return out;
    };
    auto singles = hosts(adds, 0xbb);
    auto single_report = client.reservation_add_batch(singles);
    std::vector<double> ms;
    for (const auto& item : single_report.items) ms.push_back(item.milliseconds);
    auto single_del = client.reservation_del_batch(selectors(singles));
    auto get = client.reservation_get(HostSelector::of(bench_host(existing ? existing - 1 : 0, 0xaa)));

    // The batch: numbers after the singles so addresses never collide.
    std::vector<Reservation> many;
    for (std::uint32_t i = 0; i < batch; ++i) many.push_back(bench_host(existing + adds + i, 0xcc));
    auto batch_report = client.reservation_add_batch(many, OperationTarget::memory, batch_options);
    auto batch_del = client.reservation_del_batch(selectors(many), OperationTarget::memory, batch_options);

    double mean = ms.empty() ? 0 : std::accumulate(ms.begin(), ms.end(), 0.0) / static_cast<double>(ms.size());
    json line = {{"transport", std::string(to_string(endpoint.transport))},
                 {"existing", existing},
                 {"existing_lookup_ok", existing == 0 || get.ok()},
                 {"adds", adds},
                 {"adds_ok", single_report.ok},
                 {"add_ms_median", percentile(ms, 0.5)},
                 {"add_ms_p99", percentile(ms, 0.99)},
                 {"add_ms_mean", mean},
                 {"add_ms_max", ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end())},
                 {"singles_deleted_ok", single_del.ok},
                 {"batch", batch},
                 {"batch_connections", batch_options.connections},
                 {"batch_ok", batch_report.ok},
                 {"batch_seconds", batch_report.seconds},
                 {"batch_per_add_ms", batch ? batch_report.seconds * 1000.0 / batch : 0.0},
                 {"batch_deleted_ok", batch_del.ok},
                 {"batch_delete_seconds", batch_del.seconds}};
    if (!single_report.all_ok() && !single_report.items.empty()) {
        for (const auto& item : single_report.items)
            if (!item.reply.ok()) {
                line["first_error"] = item.reply.describe();
                break;
            }
    }
    std::cout << line.dump() << "\n";
    return single_report.all_ok() && batch_report.all_ok() ? 0 : 1;
}

// ------------------------------------------------------------------ config-set path

std::string node_name(int i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "cn%06d", i);  // as scale_inventory names them
    return buf;
}

std::string render_cluster(const intent::Intent& intent, const std::string& version) {
    auto v = Version::parse(version);
    if (!v) throw Error("not a Kea version", "--kea-version", version);
    const render::Secrets secrets{"eGNhdGRoY3AtZXhhbXBsZS1rZXktbm90LWEtc2VjcmV0IQ==", ""};
    auto files = render::kea::render(intent, render::kea::KeaProfile::for_version(*v), secrets, {});
    return files.at("kea-dhcp4.conf");
}

int run_gen_cluster(const std::vector<std::string>& argv) {
    cli::Args args(argv, {"--existing", "--total", "--config", "--socket", "--leases", "--log", "--kea-version"}, {});
    const int existing = std::stoi(args.value("--existing", "", "0"));
    const int total = std::stoi(args.value("--total", "", "0"));
    auto inventory = bench::scale_inventory(total);
    auto intent = intent::build(inventory).intent;
    std::string desired = render_cluster(intent, args.value("--kea-version", "", "2.2.0"));
    std::set<std::string> later;
    for (int i = existing; i < total; ++i) later.insert(node_name(i));
    json doc = json::parse(live::splice(desired, "", later).document, nullptr, true, true);
    json& d = doc["Dhcp4"];
    d["interfaces-config"]["interfaces"] = json::array();  // payload only: no DHCP socket
    d["lease-database"] = {{"type", "memfile"}, {"persist", false}, {"name", args.value("--leases")}};
    json unix_socket = {{"socket-type", "unix"}, {"socket-name", args.value("--socket")}};
    if (d.contains("control-sockets")) d["control-sockets"] = json::array({unix_socket});  // 2.7+ spelling
    else d["control-socket"] = unix_socket;
    d["loggers"] = json::array({{{"name", "kea-dhcp4"},
                                 {"severity", "WARN"},
                                 {"output_options", json::array({{{"output", args.value("--log", "", "stderr")}}})}}});
    std::ofstream(args.value("--config")) << doc.dump(2) << "\n";
    return 0;
}

int run_bench_config_set(const std::vector<std::string>& argv) {
    cli::Args args(argv, cli::with(cli::endpoint_options, {"--config", "--existing", "--adds", "--batch", "--kea-version"}),
                   cli::with(cli::endpoint_flags, {"--force-config-set"}));
    Endpoint endpoint = cli::endpoint_from(args);
    const int existing = std::stoi(args.value("--existing", "", "0"));
    const int adds = std::stoi(args.value("--adds", "", "20"));
    const int batch = std::stoi(args.value("--batch", "", "10000"));
    auto inventory = bench::scale_inventory(existing + adds + batch);
    auto intent = intent::build(inventory).intent;
    auto version = Version::parse(args.value("--kea-version", "", "2.2.0"));
    if (!version) throw Error("not a Kea version", "--kea-version", args.value("--kea-version"));
    const auto profile = render::kea::KeaProfile::for_version(*version);
    const render::Secrets secrets{"eGNhdGRoY3AtZXhhbXBsZS1rZXktbm90LWEtc2VjcmV0IQ==", ""};
    // As `xcatdhcp reservations add` does: render the asked nodes, then add them (both timed).
    auto add = [&](live::KeaReservations& live, const std::vector<std::string>& nodes) {
        return live.add(intent, live::desired_dhcp4(intent, profile, secrets, "", nodes), nodes);
    };
    KeaClient client(endpoint);
    live::Options options;
    options.force_config_set = args.flag("--force-config-set");
    live::KeaReservations reservations(client, args.value("--config"), options);

    std::vector<double> ms;
    int singles_ok = 0;
    std::string method, first_error;
    for (int i = 0; i < adds; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        auto report = add(reservations, {node_name(existing + i)});
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        method = report.method;
        if (report.ok()) ++singles_ok;
        else if (first_error.empty()) first_error = report.error.empty() ? report.nodes[0].message : report.error;
    }
    std::vector<std::string> many;
    for (int i = 0; i < batch; ++i) many.push_back(node_name(existing + adds + i));
    auto t0 = std::chrono::steady_clock::now();
    auto added = add(reservations, many);
    double batch_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::size_t batch_ok = 0;
    for (const auto& n : added.nodes) batch_ok += n.ok;
    if (!added.ok() && first_error.empty()) first_error = added.error;
    t0 = std::chrono::steady_clock::now();
    auto removed = reservations.remove(intent, many);
    double remove_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::size_t removed_ok = 0;
    for (const auto& n : removed.nodes) removed_ok += n.ok;

    double mean = ms.empty() ? 0 : std::accumulate(ms.begin(), ms.end(), 0.0) / static_cast<double>(ms.size());
    json line = {{"driver", "live::KeaReservations"},
                 {"method", method.empty() ? added.method : method},
                 {"existing", existing},
                 {"adds", adds},
                 {"adds_ok", singles_ok},
                 {"add_ms_median", percentile(ms, 0.5)},
                 {"add_ms_max", ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end())},
                 {"add_ms_mean", mean},
                 {"batch", batch},
                 {"batch_ok", batch_ok},
                 {"batch_seconds", batch_seconds},
                 {"batch_removed_ok", removed_ok},
                 {"batch_remove_seconds", remove_seconds}};
    if (!first_error.empty()) line["first_error"] = first_error;
    std::cout << line.dump() << "\n";
    return singles_ok == adds && batch_ok == many.size() ? 0 : 1;
}

int usage() {
    std::cerr << "usage: bench_kea_control check|gen-config|bench|gen-cluster|bench-config-set ... (see the comment at the top of "
                 "tests/bench/bench_kea_control.cpp)\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage();
    std::string mode = argv[1];
    try {
        if (mode == "check") return run_check(tail(argc, argv, 2));
        if (mode == "gen-config") return run_gen_config(tail(argc, argv, 2));
        if (mode == "bench") return run_bench(tail(argc, argv, 2));
        if (mode == "gen-cluster") return run_gen_cluster(tail(argc, argv, 2));
        if (mode == "bench-config-set") return run_bench_config_set(tail(argc, argv, 2));
    } catch (const std::exception& e) {
        // The CLI's contract: one line on stderr.
        std::cerr << "xcatdhcp: " << e.what() << "\n";
        return 1;
    }
    return usage();
}
