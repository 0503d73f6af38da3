#include "xcatdhcp/apply/setup.hpp"

#include "xcatdhcp/error.hpp"

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <vector>

namespace xcatdhcp::apply {

namespace fs = std::filesystem;

std::string_view to_string(ServiceMode mode) {
    switch (mode) {
    case ServiceMode::automatic: return "auto";
    case ServiceMode::systemd: return "systemd";
    case ServiceMode::direct: return "direct";
    case ServiceMode::none: return "none";
    }
    return "auto";
}

ServiceMode parse_service_mode(std::string_view text, std::string_view attribute) {
    if (text == "auto") return ServiceMode::automatic;
    if (text == "systemd") return ServiceMode::systemd;
    if (text == "direct") return ServiceMode::direct;
    if (text == "none") return ServiceMode::none;
    throw Error("valid modes are auto, systemd, direct and none", std::string(attribute), std::string(text));
}

std::map<std::string, DaemonSpec> daemon_specs(const ApplyPlan& plan, const std::string& root,
                                               const std::string& netns) {
    const fs::path run_dir = fs::path(root) / "run/xcatdhcp";
    const fs::path log_dir = fs::path(root) / "var/log/xcatdhcp";
    fs::create_directories(run_dir);
    fs::create_directories(log_dir);
    std::vector<std::string> prefix;
    if (!netns.empty()) prefix = {"ip", "netns", "exec", netns};
    std::map<std::string, DaemonSpec> specs;
    auto command = [&](std::initializer_list<std::string> argv) {
        std::vector<std::string> full = prefix;
        full.insert(full.end(), argv);
        return full;
    };
    for (const auto& unit : plan.services) {
        DaemonSpec spec;
        spec.pid_file = (run_dir / (unit.name + ".pid")).string();
        spec.log_file = (log_dir / (unit.name + ".log")).string();
        auto path = [&](const char* file) { return plan.targets.at(file).path; };
        if (plan.backend == Backend::kea) {
            spec.environment = {{"KEA_PIDFILE_DIR", run_dir.string()}, {"KEA_LOCKFILE_DIR", run_dir.string()}};
            spec.reload_by_sighup = true;
            switch (unit.role) {
            case Role::dhcp4:
                spec.argv = command({"kea-dhcp4", "-c", path("kea-dhcp4.conf")});
                spec.ready_text = "DHCP4_STARTED";
                spec.reloaded_text = "DHCP4_CONFIG_COMPLETE";
                break;
            case Role::dhcp6:
                spec.argv = command({"kea-dhcp6", "-c", path("kea-dhcp6.conf")});
                spec.ready_text = "DHCP6_STARTED";
                spec.reloaded_text = "DHCP6_CONFIG_COMPLETE";
                break;
            case Role::ddns: spec.argv = command({"kea-dhcp-ddns", "-c", path("kea-dhcp-ddns.conf")}); break;
            case Role::control_agent:
                spec.argv = command({"kea-ctrl-agent", "-c", path("kea-ctrl-agent.conf")});
                break;
            }
        } else {
            const bool v6 = unit.role == Role::dhcp6;
            const std::string leases = (fs::path(root) / "var/lib/dhcp" / (v6 ? "dhcpd6.leases" : "dhcpd.leases")).string();
            fs::create_directories(fs::path(leases).parent_path());
            if (!fs::exists(leases)) std::ofstream{leases};
            // dhcpd cannot reload: every change restarts it (-f: foreground, -d: log to stderr).
            spec.argv = command({"dhcpd", v6 ? "-6" : "-4", "-f", "-d", "-cf", path(v6 ? "dhcpd6.conf" : "dhcpd.conf"),
                                 "-lf", leases, "-pf", (run_dir / (unit.name + ".dhcpd.pid")).string()});
            spec.ready_text = "Server starting service.";
        }
        specs[unit.name] = std::move(spec);
    }
    return specs;
}

Setup prepare(Backend backend, const render::Files& files, const SetupOptions& options) {
    Setup setup;
    setup.plan = default_plan(backend, files, options.root);
    if (options.keep_backups) setup.plan.keep_backups = *options.keep_backups;
    setup.mode = options.services;
    if (setup.mode == ServiceMode::automatic)
        setup.mode = systemd_running() ? ServiceMode::systemd : ServiceMode::direct;
    switch (setup.mode) {
    case ServiceMode::systemd:
        if (setup.plan.services.empty())
            throw Error("no " + std::string(to_string(backend)) + " service unit is installed", "services",
                        std::string(to_string(setup.mode)));
        setup.runner = std::make_unique<SystemRunner>();
        setup.services = std::make_unique<SystemdServices>(*setup.runner, backend);
        break;
    case ServiceMode::direct:
        setup.plan.services.clear();  // canonical names: the units need not be installed
        for (auto role : roles_for(backend, files))
            setup.plan.services.push_back({role, candidate_units(backend, role).front()});
        setup.services = std::make_unique<DirectServices>(daemon_specs(setup.plan, options.root, options.netns));
        break;
    case ServiceMode::none:
    case ServiceMode::automatic:
        setup.plan.services.clear();
        setup.services = std::make_unique<DirectServices>(std::map<std::string, DaemonSpec>{});
        break;
    }
    return setup;
}

}  // namespace xcatdhcp::apply
