#include "xcatdhcp/apply/apply.hpp"
#include "xcatdhcp/apply/setup.hpp"
#include "xcatdhcp/error.hpp"

#include <doctest/doctest.h>

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <fstream>
#include <sstream>

using namespace xcatdhcp;
using namespace xcatdhcp::apply;
namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void write(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
}

// A validator that rejects files containing "INVALID"; everything else passes.
struct ScriptedValidator : ProcessRunner {
    std::vector<std::vector<std::string>> calls;
    ProcessResult run(const std::vector<std::string>& argv, int) override {
        calls.push_back(argv);
        std::string text = read(argv.back());
        if (text.find("INVALID") != std::string::npos) return {1, "line 1: INVALID is not a statement", false};
        return {0, "", false};
    }
};

struct FakeServices : ServiceManager {
    std::vector<std::string> reloads;
    std::string fail_on;         // a unit whose reload throws
    int fail_times = 1;          // how many reloads of it fail
    std::function<void()> on_reload;
    void reload_or_restart(const ServiceUnit& unit) override {
        reloads.push_back(unit.name);
        if (on_reload) on_reload();
        if (unit.name == fail_on && fail_times-- > 0) throw Error("exited at start: bad config", "service", unit.name);
    }
    bool running(const ServiceUnit&) override { return true; }
    void stop(const ServiceUnit&) override {}
};

struct Sandbox {
    fs::path dir = fs::temp_directory_path() / ("xcatdhcp-apply-test-" + std::to_string(getpid()));
    Sandbox() { fs::remove_all(dir); fs::create_directories(dir); }
    ~Sandbox() { fs::remove_all(dir); }
    ApplyPlan plan() const {
        ApplyPlan p;
        p.backend = Backend::isc;
        p.targets["dhcpd.conf"] = {(dir / "etc/dhcp/dhcpd.conf").string(), 0640, ""};
        p.targets["dhcpd6.conf"] = {(dir / "etc/dhcp/dhcpd6.conf").string(), 0640, ""};
        p.backup_dir = (dir / "backup").string();
        p.keep_backups = 2;
        p.services = {{Role::dhcp4, "isc-dhcp-server"}, {Role::dhcp6, "isc-dhcp-server6"}};
        return p;
    }
};

}  // namespace

TEST_CASE("apply: an invalid configuration never replaces the running one") {
    Sandbox box;
    write(box.dir / "etc/dhcp/dhcpd.conf", "old4\n");
    ScriptedValidator validator;
    FakeServices services;
    render::Files files{{"dhcpd.conf", "INVALID new4\n"}, {"dhcpd6.conf", "new6\n"}};
    CHECK_THROWS_WITH_AS(apply::apply(files, box.plan(), validator, services),
                         doctest::Contains("nothing was changed"), Error);
    CHECK(read(box.dir / "etc/dhcp/dhcpd.conf") == "old4\n");
    CHECK_FALSE(fs::exists(box.dir / "etc/dhcp/dhcpd6.conf"));
    CHECK_FALSE(fs::exists(box.dir / "backup"));
    CHECK(services.reloads.empty());
    CHECK(validator.calls.size() == 2);
}

TEST_CASE("apply: writes with mode 0640, backs up, reloads in role order; unchanged is a no-op") {
    Sandbox box;
    write(box.dir / "etc/dhcp/dhcpd.conf", "old4\n");
    ScriptedValidator validator;
    FakeServices services;
    render::Files files{{"dhcpd.conf", "new4\n"}, {"dhcpd6.conf", "new6\n"}, {"hosts.omapi.json", "[]"}};
    auto plan = box.plan();
    auto result = apply::apply(files, plan, validator, services);
    CHECK(result.changed);
    CHECK(read(box.dir / "etc/dhcp/dhcpd.conf") == "new4\n");
    CHECK(read(box.dir / "etc/dhcp/dhcpd6.conf") == "new6\n");
    struct stat st {};
    REQUIRE(stat((box.dir / "etc/dhcp/dhcpd.conf").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0640);
    CHECK(read(fs::path(result.backup) / "dhcpd.conf") == "old4\n");
    CHECK(services.reloads == std::vector<std::string>{"isc-dhcp-server", "isc-dhcp-server6"});
    for (const auto& e : fs::directory_iterator(box.dir / "etc/dhcp"))
        CHECK(e.path().filename().string().find(".xcatdhcp-") == std::string::npos);  // no temp left

    services.reloads.clear();
    auto again = apply::apply(files, plan, validator, services);
    CHECK_FALSE(again.changed);
    CHECK(services.reloads.empty());
}

TEST_CASE("apply: a failed reload puts the previous files back and reloads them") {
    Sandbox box;
    write(box.dir / "etc/dhcp/dhcpd.conf", "old4\n");
    ScriptedValidator validator;
    FakeServices services;
    services.fail_on = "isc-dhcp-server6";
    std::string seen_at_failure;
    services.on_reload = [&] { seen_at_failure = read(box.dir / "etc/dhcp/dhcpd.conf"); };
    render::Files files{{"dhcpd.conf", "new4\n"}, {"dhcpd6.conf", "new6\n"}};
    try {
        apply::apply(files, box.plan(), validator, services);
        FAIL("no error");
    } catch (const Error& e) {
        std::string what = e.what();
        CHECK(what.find("isc-dhcp-server6") != std::string::npos);
        CHECK(what.find("previous configuration was restored and is live") != std::string::npos);
    }
    CHECK(read(box.dir / "etc/dhcp/dhcpd.conf") == "old4\n");
    CHECK_FALSE(fs::exists(box.dir / "etc/dhcp/dhcpd6.conf"));  // it did not exist before
    CHECK(services.reloads ==
          std::vector<std::string>{"isc-dhcp-server", "isc-dhcp-server6", "isc-dhcp-server", "isc-dhcp-server6"});
    CHECK(seen_at_failure == "old4\n");  // the last reload ran with the restored file
}

TEST_CASE("apply: backups are rotated") {
    Sandbox box;
    ScriptedValidator validator;
    FakeServices services;
    for (int i = 0; i < 5; ++i) {
        render::Files files{{"dhcpd.conf", "v" + std::to_string(i) + "\n"}, {"dhcpd6.conf", "x\n"}};
        apply::apply(files, box.plan(), validator, services);
    }
    std::size_t kept = 0;
    for (const auto& e : fs::directory_iterator(box.dir / "backup")) kept += e.is_directory();
    CHECK(kept == 2);
}

TEST_CASE("services: unit names per backend and role, detected from unit files") {
    CHECK(candidate_units(Backend::kea, Role::dhcp4).front() == "kea-dhcp4-server");
    CHECK(candidate_units(Backend::isc, Role::dhcp6) == std::vector<std::string>{"isc-dhcp-server6", "dhcpd6"});
    CHECK(candidate_units(Backend::isc, Role::ddns).empty());
    Sandbox box;
    write(box.dir / "lib/systemd/system/kea-dhcp4-server.service", "[Unit]\n");
    write(box.dir / "usr/lib/systemd/system/kea-dhcp-ddns.service", "[Unit]\n");
    write(box.dir / "etc/init.d/isc-kea-dhcp6-server", "#!/bin/sh\n");
    auto units = detect_units(Backend::kea, {Role::ddns, Role::dhcp4, Role::dhcp6, Role::control_agent},
                              box.dir.string());
    REQUIRE(units.size() == 3);
    CHECK(units[0].name == "kea-dhcp-ddns");
    CHECK(units[1].name == "kea-dhcp4-server");
    CHECK(units[2].name == "isc-kea-dhcp6-server");
    render::Files kea{{"kea-dhcp4.conf", ""}, {"kea-dhcp-ddns.conf", ""}, {"kea-ctrl-agent.conf", ""}};
    CHECK(roles_for(Backend::kea, kea) == std::vector<Role>{Role::ddns, Role::dhcp4, Role::control_agent});
}

namespace {
// Records the commands; passes everything.
struct RecordingRunner : ProcessRunner {
    std::vector<std::vector<std::string>> calls;
    std::vector<std::string> staged_modes;  // "mode dir-mode" of the file each validator got
    ProcessResult run(const std::vector<std::string>& argv, int) override {
        calls.push_back(argv);
        struct stat st {}, dir {};
        if (stat(argv.back().c_str(), &st) == 0 && stat(fs::path(argv.back()).parent_path().c_str(), &dir) == 0) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%o %o", st.st_mode & 07777, dir.st_mode & 07777);
            staged_modes.push_back(buf);
        }
        return {0, "", false};
    }
};
}  // namespace

TEST_CASE("validate: validators run as the service user through setpriv, when root and the user exists") {
    if (find_program("kea-ctrl-agent").empty()) {
        MESSAGE("kea-ctrl-agent is not installed: skipped");
        return;
    }
    Sandbox box;
    write(box.dir / "in/kea-ctrl-agent.conf", "{}\n");
    RecordingRunner runner;
    ValidateOptions options;
    options.run_as = "nobody";
    auto report = validate_directory(Backend::kea, (box.dir / "in").string(), runner, options);
    REQUIRE(runner.calls.size() == 1);
    const auto& argv = runner.calls[0];
    CHECK(argv.back() == (box.dir / "in/kea-ctrl-agent.conf").string());
    std::string notes;
    for (const auto& n : report.notes) notes += n + "\n";
    const struct passwd* nobody = getpwnam("nobody");
    if (geteuid() == 0 && nobody && !find_program("setpriv").empty()) {
        CHECK(argv[0] == "setpriv");
        CHECK(std::find(argv.begin(), argv.end(), "--reuid=" + std::to_string(nobody->pw_uid)) != argv.end());
        CHECK(std::find(argv.begin(), argv.end(), "--init-groups") != argv.end());
        CHECK(argv[argv.size() - 3] == "kea-ctrl-agent");
        CHECK(notes.find("ran as nobody") != std::string::npos);
    } else {
        CHECK(argv[0] == "kea-ctrl-agent");
        CHECK(notes.find("nobody") != std::string::npos);  // says why it did not
    }

    runner.calls.clear();
    options.run_as = "no-such-user-xcatdhcp";
    report = validate_directory(Backend::kea, (box.dir / "in").string(), runner, options);
    REQUIRE(runner.calls.size() == 1);
    CHECK(runner.calls[0][0] == "kea-ctrl-agent");
    REQUIRE_FALSE(report.notes.empty());
    CHECK(report.notes[0].find("no user no-such-user-xcatdhcp") != std::string::npos);
}

TEST_CASE("apply: Kea plans validate as the service user; staged copies have the destination's mode") {
    Sandbox box;
    write(box.dir / "root/etc/passwd", "root:x:0:0::/root:/bin/sh\n_kea:x:102:105::/var/lib/kea:/usr/sbin/nologin\n");
    write(box.dir / "root/etc/group", "root:x:0:\n_kea:x:105:\n");
    render::Files files{{"kea-ctrl-agent.conf", "{}\n"}};
    auto plan = default_plan(Backend::kea, files, (box.dir / "root").string());
    CHECK(plan.validate.run_as == "_kea");
    CHECK(plan.targets.at("kea-ctrl-agent.conf").group == "_kea");
    CHECK(default_plan(Backend::kea, files, (box.dir / "empty").string()).validate.run_as.empty());
    CHECK(default_plan(Backend::isc, {{"dhcpd.conf", ""}}, (box.dir / "root").string()).validate.run_as.empty());

    if (find_program("kea-ctrl-agent").empty()) return;
    plan.services.clear();
    plan.validate.run_as = "nobody";
    RecordingRunner runner;
    FakeServices services;
    apply::apply(files, plan, runner, services);
    REQUIRE(runner.staged_modes.size() == 1);
    CHECK(runner.staged_modes[0] == "640 711");  // readable as the service will read it, not listable
}

TEST_CASE("services: a direct reload is confirmed in the daemon's own log; a refused one is an error") {
    Sandbox box;
    const std::string log = (box.dir / "kea.log").string(), fail = (box.dir / "fail").string();
    // A stand-in for kea-dhcp4 that logs to a file of its own (as Kea's "loggers" do), not to
    // stdout, and on SIGHUP logs like Kea 2.2: CONFIG_COMPLETE first, then success or failure.
    DaemonSpec spec;
    spec.argv = {"bash", "-c",
                 "trap 'echo DHCP4_DYNAMIC_RECONFIGURATION >> \"$LOG\"; echo DHCP4_CONFIG_COMPLETE >> \"$LOG\"; sleep 0.3;"
                 " if [ -e \"$FAIL\" ]; then echo DHCP4_DYNAMIC_RECONFIGURATION_FAIL >> \"$LOG\";"
                 " else echo DHCP4_DYNAMIC_RECONFIGURATION_SUCCESS >> \"$LOG\"; fi' HUP;"
                 " echo DHCP4_STARTED >> \"$LOG\"; while :; do sleep 0.05; done"};
    spec.environment = {{"LOG", log}, {"FAIL", fail}};
    spec.pid_file = (box.dir / "kea.pid").string();
    spec.log_file = (box.dir / "stdout.log").string();
    spec.watch_logs = {log};
    spec.reload_by_sighup = true;
    spec.ready_text = "DHCP4_STARTED";
    spec.reloaded_text = "DHCP4_DYNAMIC_RECONFIGURATION_SUCCESS";
    spec.ready_timeout_seconds = 10;
    DirectServices services({{"kea-dhcp4-server", spec}});
    ServiceUnit unit{Role::dhcp4, "kea-dhcp4-server"};
    services.reload_or_restart(unit);  // starts it; ready is seen in the watched log
    REQUIRE(services.running(unit));
    auto pid = services.pid(unit);
    services.reload_or_restart(unit);
    CHECK(services.pid(unit) == pid);  // reloaded, not restarted
    write(fail, "");
    CHECK_THROWS_WITH_AS(services.reload_or_restart(unit), doctest::Contains("reload rejected"), Error);
    CHECK(services.pid(unit) == pid);  // still the same process, running its old configuration
    services.stop(unit);
    CHECK_FALSE(services.running(unit));
}

TEST_CASE("verify: Kea fingerprints ignore defaults and spelling, not subnets, hosts or the lease file") {
    const std::string file = R"({"Dhcp4": { // comment
        "control-socket": {"socket-type": "unix", "socket-name": "/run/kea/k4"},
        "lease-database": {"type": "memfile", "name": "/var/lib/kea/l4.csv"},
        "subnet4": [{"id": 1, "subnet": "10.0.0.0/16",
                     "reservations": [{"hw-address": "42:00:0A:00:01:01", "ip-address": "10.0.1.1", "hostname": "cn1"}]}],
        "shared-networks": [{"name": "n", "subnet4": [{"id": 2, "subnet": "10.1.0.0/16"}]}]}})";
    // What config-get returns: defaults added, keys in another order, the MAC in lower case.
    const std::string running = R"({"Dhcp4": {"valid-lifetime": 7200, "control-socket": {"socket-name": "/run/kea/k4", "socket-type": "unix"},
        "lease-database": {"lfc-interval": 3600, "name": "/var/lib/kea/l4.csv", "type": "memfile"},
        "shared-networks": [{"name": "n", "subnet4": [{"id": 2, "subnet": "10.1.0.0/16", "reservations": []}]}],
        "subnet4": [{"id": 1, "subnet": "10.0.0.0/16", "pools": [],
                     "reservations": [{"boot-file-name": "", "hw-address": "42:00:0a:00:01:01", "ip-address": "10.0.1.1", "hostname": "cn1"}]}]}})";
    CHECK(kea_fingerprint(file) == kea_fingerprint(running));
    CHECK(kea_control_socket(file) == "/run/kea/k4");
    std::string other_lease = running;
    other_lease.replace(other_lease.find("l4.csv"), 6, "x4.csv");
    CHECK(kea_fingerprint(file) != kea_fingerprint(other_lease));
    std::string other_host = running;
    other_host.replace(other_host.find("10.0.1.1"), 8, "10.0.1.9");
    CHECK(kea_fingerprint(file) != kea_fingerprint(other_host));
    CHECK_THROWS_AS(kea_fingerprint("{\"Dhcp9\": {}}"), Error);
    // A reservation without an address, as written and as it may come back.
    CHECK(kea_fingerprint(R"({"Dhcp4": {"reservations": [{"hw-address": "02:00:00:00:00:01"}]}})") ==
          kea_fingerprint(R"({"Dhcp4": {"reservations": [{"hw-address": "02:00:00:00:00:01", "ip-address": "0.0.0.0"}]}})"));
}

TEST_CASE("apply: the verifier runs after each reload with the new files, after a rollback with the old") {
    Sandbox box;
    write(box.dir / "etc/dhcp/dhcpd.conf", "old4\n");
    ScriptedValidator validator;
    FakeServices services;
    auto plan = box.plan();
    std::vector<std::string> seen;  // unit: dhcpd.conf content it was verified against
    bool refuse_new = false;
    plan.verify = [&](const ServiceUnit& unit, const render::Files& files) -> std::string {
        std::string content = files.count("dhcpd.conf") ? files.at("dhcpd.conf") : "-";
        seen.push_back(unit.name + ":" + content);
        if (refuse_new && content == "new4b\n") throw Error("the server runs another configuration", "service", unit.name);
        return "verified " + unit.name;
    };
    auto result = apply::apply({{"dhcpd.conf", "new4\n"}, {"dhcpd6.conf", "new6\n"}}, plan, validator, services);
    CHECK(seen == std::vector<std::string>{"isc-dhcp-server:new4\n", "isc-dhcp-server6:new4\n"});
    CHECK(std::find(result.steps.begin(), result.steps.end(), "verified isc-dhcp-server") != result.steps.end());

    seen.clear();
    refuse_new = true;
    CHECK_THROWS_WITH_AS(apply::apply({{"dhcpd.conf", "new4b\n"}, {"dhcpd6.conf", "new6\n"}}, plan, validator, services),
                         doctest::Contains("the server runs another configuration"), Error);
    CHECK_THROWS_WITH_AS(apply::apply({{"dhcpd.conf", "new4b\n"}, {"dhcpd6.conf", "new6\n"}}, plan, validator, services),
                         doctest::Contains("restored and is live (checked: isc-dhcp-server, isc-dhcp-server6 run it again)"),
                         Error);
    seen.resize(3);
    CHECK(read(box.dir / "etc/dhcp/dhcpd.conf") == "new4\n");
    // The new files failed on the first unit; the restored ones were verified on both.
    CHECK(seen == std::vector<std::string>{"isc-dhcp-server:new4b\n", "isc-dhcp-server:new4\n",
                                           "isc-dhcp-server6:new4\n"});
}

TEST_CASE("prepare: service modes, the plan under root, the daemons' commands") {
    CHECK(parse_service_mode("auto") == ServiceMode::automatic);
    CHECK(parse_service_mode("none") == ServiceMode::none);
    CHECK_THROWS_WITH_AS(parse_service_mode("bogus", "--services"),
                         "--services 'bogus': valid modes are auto, systemd, direct and none", Error);
    CHECK(to_string(ServiceMode::direct) == "direct");

    Sandbox box;
    render::Files kea{{"kea-dhcp4.conf", R"({"Dhcp4": {"loggers": [{"name": "kea-dhcp4", "output_options":
                          [{"output": "/var/log/kea/kea-dhcp4.log"}, {"output": "stdout"}]}]}})"},
                      {"kea-dhcp-ddns.conf", "{}"},
                      {"hosts.omapi.json", "[]"}};
    SetupOptions options;
    options.root = box.dir.string();
    options.services = ServiceMode::none;
    options.keep_backups = 3;
    auto none = prepare(Backend::kea, kea, options);
    CHECK(none.mode == ServiceMode::none);
    CHECK(none.plan.services.empty());
    CHECK(none.plan.keep_backups == 3);
    CHECK(none.plan.targets.at("kea-dhcp4.conf").path == (box.dir / "etc/kea/kea-dhcp4.conf").string());
    CHECK(none.plan.targets.count("hosts.omapi.json") == 0);
    REQUIRE(none.services);

    // systemd with no unit installed under root is an error naming the backend.
    options.services = ServiceMode::systemd;
    CHECK_THROWS_WITH_AS(prepare(Backend::kea, kea, options), doctest::Contains("no kea service unit is installed"),
                         Error);

    // direct: canonical names in role order (D2 first), commands in the namespace, files under root.
    options.services = ServiceMode::direct;
    options.netns = "ns1";
    auto direct = prepare(Backend::kea, kea, options);
    CHECK(direct.mode == ServiceMode::direct);
    REQUIRE(direct.plan.services.size() == 2);
    CHECK(direct.plan.services[0].name == "kea-dhcp-ddns-server");
    CHECK(direct.plan.services[1].name == "kea-dhcp4-server");
    CHECK(direct.plan.verify);  // the server must be seen running the new files
    CHECK_FALSE(none.plan.verify);
    auto specs = daemon_specs(direct.plan, kea, options.root, options.netns);
    const auto& dhcp4 = specs.at("kea-dhcp4-server");
    CHECK(dhcp4.argv == std::vector<std::string>{"ip", "netns", "exec", "ns1", "kea-dhcp4", "-c",
                                                 (box.dir / "etc/kea/kea-dhcp4.conf").string()});
    CHECK(dhcp4.pid_file == (box.dir / "run/xcatdhcp/kea-dhcp4-server.pid").string());
    CHECK(dhcp4.reload_by_sighup);
    CHECK(dhcp4.ready_text == "DHCP4_STARTED");
    CHECK(dhcp4.reloaded_text == "DHCP4_DYNAMIC_RECONFIGURATION_SUCCESS");
    CHECK(dhcp4.watch_logs == std::vector<std::string>{"/var/log/kea/kea-dhcp4.log"});  // a configured Kea logs there
    CHECK(fs::is_directory(box.dir / "var/log/xcatdhcp"));

    // ISC: dhcpd restarts, with a lease file created under root.
    render::Files isc{{"dhcpd.conf", ""}};
    auto isc_setup = prepare(Backend::isc, isc, options);
    REQUIRE(isc_setup.plan.services.size() == 1);
    CHECK_FALSE(isc_setup.plan.verify);
    auto isc_specs = daemon_specs(isc_setup.plan, isc, options.root);
    const auto& dhcpd = isc_specs.at(isc_setup.plan.services[0].name);
    CHECK(dhcpd.argv.front() == "dhcpd");
    CHECK_FALSE(dhcpd.reload_by_sighup);
    CHECK(fs::exists(box.dir / "var/lib/dhcp/dhcpd.leases"));

    // chroot: the root must lie inside it; the daemons run inside and see paths from there.
    options.chroot = (box.dir / "elsewhere").string();
    CHECK_THROWS_WITH_AS(prepare(Backend::kea, kea, options), doctest::Contains("inside the chroot"), Error);
    options.chroot = box.dir.parent_path().string() + "/";
    auto chrooted = prepare(Backend::kea, kea, options);
    CHECK(chrooted.plan.validate.chroot == box.dir.parent_path().string());
    auto inside = daemon_specs(chrooted.plan, kea, options.root, "", box.dir.parent_path().string());
    const auto& argv = inside.at("kea-dhcp4-server").argv;
    CHECK(argv.front() == "chroot");
    CHECK(argv.back() == "/" + box.dir.filename().string() + "/etc/kea/kea-dhcp4.conf");
}
