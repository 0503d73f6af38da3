#include "xcatdhcp/apply/apply.hpp"
#include "xcatdhcp/apply/setup.hpp"
#include "xcatdhcp/error.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

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

TEST_CASE("prepare: service modes, the plan under root, the daemons' commands") {
    CHECK(parse_service_mode("auto") == ServiceMode::automatic);
    CHECK(parse_service_mode("none") == ServiceMode::none);
    CHECK_THROWS_WITH_AS(parse_service_mode("bogus", "--services"),
                         "--services 'bogus': valid modes are auto, systemd, direct and none", Error);
    CHECK(to_string(ServiceMode::direct) == "direct");

    Sandbox box;
    render::Files kea{{"kea-dhcp4.conf", "{}"}, {"kea-dhcp-ddns.conf", "{}"}, {"hosts.omapi.json", "[]"}};
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
    auto specs = daemon_specs(direct.plan, options.root, options.netns);
    const auto& dhcp4 = specs.at("kea-dhcp4-server");
    CHECK(dhcp4.argv == std::vector<std::string>{"ip", "netns", "exec", "ns1", "kea-dhcp4", "-c",
                                                 (box.dir / "etc/kea/kea-dhcp4.conf").string()});
    CHECK(dhcp4.pid_file == (box.dir / "run/xcatdhcp/kea-dhcp4-server.pid").string());
    CHECK(dhcp4.reload_by_sighup);
    CHECK(dhcp4.ready_text == "DHCP4_STARTED");
    CHECK(fs::is_directory(box.dir / "var/log/xcatdhcp"));

    // ISC: dhcpd restarts, with a lease file created under root.
    render::Files isc{{"dhcpd.conf", ""}};
    auto isc_setup = prepare(Backend::isc, isc, options);
    REQUIRE(isc_setup.plan.services.size() == 1);
    auto isc_specs = daemon_specs(isc_setup.plan, options.root);
    const auto& dhcpd = isc_specs.at(isc_setup.plan.services[0].name);
    CHECK(dhcpd.argv.front() == "dhcpd");
    CHECK_FALSE(dhcpd.reload_by_sighup);
    CHECK(fs::exists(box.dir / "var/lib/dhcp/dhcpd.leases"));
}
