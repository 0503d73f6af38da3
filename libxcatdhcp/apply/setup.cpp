#include "xcatdhcp/apply/setup.hpp"

#include "xcatdhcp/apply/verify.hpp"
#include "xcatdhcp/error.hpp"

#include "file_text.hpp"

#include <nlohmann/json.hpp>

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

namespace {

// The files a Kea configuration logs to ("loggers" outputs other than stdout, stderr, syslog).
std::vector<std::string> kea_log_files(const std::string& text) {
    std::vector<std::string> out;
    auto doc = nlohmann::json::parse(text, nullptr, false, true);
    if (doc.is_discarded() || !doc.is_object()) return out;
    for (const auto& [key, server] : doc.items()) {
        if (!server.is_object() || !server.contains("loggers") || !server["loggers"].is_array()) continue;
        for (const auto& logger : server["loggers"]) {
            if (!logger.is_object() || !logger.contains("output_options")) continue;
            for (const auto& o : logger["output_options"]) {
                if (!o.is_object() || !o.contains("output") || !o["output"].is_string()) continue;
                std::string output = o["output"];
                if (output == "stdout" || output == "stderr" || output.rfind("syslog", 0) == 0) continue;
                out.push_back(output);
            }
        }
    }
    return out;
}

const char* kea_file_of(Role role) {
    switch (role) {
    case Role::dhcp4: return "kea-dhcp4.conf";
    case Role::dhcp6: return "kea-dhcp6.conf";
    case Role::ddns: return "kea-dhcp-ddns.conf";
    case Role::control_agent: return "kea-ctrl-agent.conf";
    }
    return "";
}

}  // namespace

std::map<std::string, DaemonSpec> daemon_specs(const ApplyPlan& plan, const render::Files& files,
                                               const std::string& root, const std::string& netns,
                                               const std::string& chroot) {
    const fs::path run_dir = fs::path(root) / "run/xcatdhcp";
    const fs::path log_dir = fs::path(root) / "var/log/xcatdhcp";
    fs::create_directories(run_dir);
    fs::create_directories(log_dir);
    // A path of this host as the chrooted daemon sees it, and back.
    auto inside = [&](const std::string& path) { return chroot.empty() ? path : path.substr(chroot.size()); };
    auto outside = [&](const std::string& path) { return chroot.empty() ? path : chroot + path; };
    std::vector<std::string> prefix;
    if (!netns.empty()) prefix = {"ip", "netns", "exec", netns};
    if (!chroot.empty()) {
        prefix.insert(prefix.end(), {"chroot", chroot, "/usr/bin/env", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"});
        if (plan.backend == Backend::kea)
            prefix.insert(prefix.end(), {"KEA_PIDFILE_DIR=" + inside(run_dir.string()),
                                         "KEA_LOCKFILE_DIR=" + inside(run_dir.string())});
    }
    std::map<std::string, DaemonSpec> specs;
    auto command = [&](std::initializer_list<std::string> argv) {
        std::vector<std::string> full = prefix;
        for (const auto& a : argv) full.push_back(!chroot.empty() && a.rfind(root, 0) == 0 ? inside(a) : a);
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
            // Once configured, Kea logs where its "loggers" say (the new file's and, until the
            // reload, the running one's), not to the daemon's stdout.
            const char* file = kea_file_of(unit.role);
            if (auto it = files.find(file); it != files.end())
                for (const auto& log : kea_log_files(it->second)) spec.watch_logs.push_back(outside(log));
            if (auto it = plan.targets.find(file); it != plan.targets.end() && fs::exists(it->second.path))
                for (const auto& old : kea_log_files(detail::read_text_or_empty(it->second.path)))
                    spec.watch_logs.push_back(outside(old));
            spec.argv = command({unit.role == Role::dhcp4   ? "kea-dhcp4"
                                 : unit.role == Role::dhcp6 ? "kea-dhcp6"
                                 : unit.role == Role::ddns  ? "kea-dhcp-ddns"
                                                            : "kea-ctrl-agent",
                                 "-c", path(file)});
            // Not DHCPx_CONFIG_COMPLETE: Kea 2.2 logs it before opening the lease database, also
            // on a reload that then fails.
            if (unit.role == Role::dhcp4) {
                spec.ready_text = "DHCP4_STARTED";
                spec.reloaded_text = "DHCP4_DYNAMIC_RECONFIGURATION_SUCCESS";
            } else if (unit.role == Role::dhcp6) {
                spec.ready_text = "DHCP6_STARTED";
                spec.reloaded_text = "DHCP6_DYNAMIC_RECONFIGURATION_SUCCESS";
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
    std::string chroot = options.chroot;
    while (chroot.size() > 1 && chroot.back() == '/') chroot.pop_back();
    if (!chroot.empty()) {
        if (options.root.rfind(chroot + "/", 0) != 0)
            throw Error("the root must be a directory inside the chroot", "root", options.root);
        setup.plan.validate.chroot = chroot;
    }
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
        setup.services = std::make_unique<DirectServices>(daemon_specs(setup.plan, files, options.root, options.netns, chroot));
        break;
    case ServiceMode::none:
    case ServiceMode::automatic:
        setup.plan.services.clear();
        setup.services = std::make_unique<DirectServices>(std::map<std::string, DaemonSpec>{});
        break;
    }
    // The server must come back with the new files (and, after a rollback, with the old ones).
    if (backend == Backend::kea && setup.mode != ServiceMode::none) setup.plan.verify = kea_verifier(15, chroot);
    return setup;
}

}  // namespace xcatdhcp::apply
