// Commands that produce and check configuration: render, validate, apply.
#include "commands.hpp"
#include "common.hpp"

#include "xcatdhcp/apply/apply.hpp"
#include "xcatdhcp/apply/validate.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <ostream>

namespace xcatdhcp::cli {

int cmd_render(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
    auto options = with(inventory_options, {"-o", "--output"});
    options.insert(render_options.begin(), render_options.end());
    auto flags = inventory_flags;
    flags.insert(render_flags.begin(), render_flags.end());
    Args args(argv, options, flags);
    std::string dir = args.value("--output", "-o");
    if (dir.empty()) throw Error("missing -o DIR", "option", "-o");
    auto rendered = render_inventory(args, err);
    write_files(dir, rendered.files, out);
    return 0;
}

int cmd_validate(const std::vector<std::string>& argv, std::ostream& out, std::ostream&) {
    Args args(argv, {"--backend", "-b", "--chroot"}, {});
    if (args.positionals().size() != 1) throw Error("expects one directory", "validate", "");
    auto backend = parse_backend(args.value("--backend", "-b"));
    apply::ValidateOptions options;
    options.chroot = args.value("--chroot");
    apply::SystemRunner runner;
    auto report = apply::validate_directory(backend, args.positionals()[0], runner, options);
    for (const auto& note : report.notes) out << "note: " << note << "\n";
    for (const auto& f : report.files) {
        out << (f.ok ? "ok     " : "FAILED ") << f.file << "  (";
        for (std::size_t i = 0; i < f.command.size(); ++i) out << (i ? " " : "") << f.command[i];
        out << ")\n";
        if (!f.ok) out << f.output << (f.output.empty() || f.output.back() == '\n' ? "" : "\n");
    }
    out << (report.ok ? "valid\n" : "INVALID\n");
    return report.ok ? 0 : 1;
}

namespace {

// The files a Kea configuration logs to ("loggers" outputs other than stdout, stderr, syslog).
std::vector<std::string> kea_log_files(const std::string& text) {
    std::vector<std::string> out;
    auto doc = nlohmann::json::parse(text, nullptr, false, true);
    if (doc.is_discarded() || !doc.is_object()) return out;
    for (const auto& [key, root] : doc.items()) {
        if (!root.is_object() || !root.contains("loggers") || !root["loggers"].is_array()) continue;
        for (const auto& logger : root["loggers"]) {
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

// Without systemd the daemons run under this layer, by PID. Pid files and daemon output go
// below ROOT/run/xcatdhcp and ROOT/var/log/xcatdhcp.
// `chroot`: the daemons run inside this root (files under it, paths in their configs as seen
// inside); "" = on this host.
std::map<std::string, apply::DaemonSpec> daemon_specs(const apply::ApplyPlan& plan, const render::Files& files,
                                                      const std::string& root, const std::string& netns,
                                                      const std::string& chroot) {
    namespace fs = std::filesystem;
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
    std::map<std::string, apply::DaemonSpec> specs;
    auto command = [&](std::initializer_list<std::string> argv) {
        std::vector<std::string> full = prefix;
        for (const auto& a : argv) full.push_back(a.rfind(root, 0) == 0 && !chroot.empty() ? inside(a) : a);
        return full;
    };
    for (const auto& unit : plan.services) {
        apply::DaemonSpec spec;
        spec.pid_file = (run_dir / (unit.name + ".pid")).string();
        spec.log_file = (log_dir / (unit.name + ".log")).string();
        auto path = [&](const char* file) { return plan.targets.at(file).path; };
        if (plan.backend == Backend::kea) {
            spec.environment = {{"KEA_PIDFILE_DIR", run_dir.string()}, {"KEA_LOCKFILE_DIR", run_dir.string()}};
            spec.reload_by_sighup = true;
            // Once configured, Kea logs where its "loggers" say (the new file's and, until the
            // reload, the running one's), not to the daemon's stdout.
            const char* file = unit.role == apply::Role::dhcp4   ? "kea-dhcp4.conf"
                               : unit.role == apply::Role::dhcp6 ? "kea-dhcp6.conf"
                               : unit.role == apply::Role::ddns  ? "kea-dhcp-ddns.conf"
                                                                 : "kea-ctrl-agent.conf";
            if (auto it = files.find(file); it != files.end())
                for (const auto& log : kea_log_files(it->second)) spec.watch_logs.push_back(outside(log));
            if (auto it = plan.targets.find(file); it != plan.targets.end() && std::filesystem::exists(it->second.path))
                for (const auto& old : kea_log_files(read_file(it->second.path))) spec.watch_logs.push_back(outside(old));
            switch (unit.role) {
            case apply::Role::dhcp4:
                spec.argv = command({"kea-dhcp4", "-c", path("kea-dhcp4.conf")});
                spec.ready_text = "DHCP4_STARTED";
                // Not DHCP4_CONFIG_COMPLETE: Kea 2.2 logs it before opening the lease database,
                // also on a reload that then fails.
                spec.reloaded_text = "DHCP4_DYNAMIC_RECONFIGURATION_SUCCESS";
                break;
            case apply::Role::dhcp6:
                spec.argv = command({"kea-dhcp6", "-c", path("kea-dhcp6.conf")});
                spec.ready_text = "DHCP6_STARTED";
                spec.reloaded_text = "DHCP6_DYNAMIC_RECONFIGURATION_SUCCESS";
                break;
            case apply::Role::ddns: spec.argv = command({"kea-dhcp-ddns", "-c", path("kea-dhcp-ddns.conf")}); break;
            case apply::Role::control_agent:
                spec.argv = command({"kea-ctrl-agent", "-c", path("kea-ctrl-agent.conf")});
                break;
            }
        } else {
            const bool v6 = unit.role == apply::Role::dhcp6;
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

render::Files read_directory(const std::string& dir) {
    namespace fs = std::filesystem;
    if (!fs::is_directory(dir)) throw Error("not a directory", "--files", dir);
    render::Files files;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file()) files[e.path().filename().string()] = read_file(e.path().string());
    return files;
}

}  // namespace

int cmd_apply(const Argv& argv, std::ostream& out, std::ostream& err) {
    auto options = with(inventory_options, {"--files", "--root", "--services", "--netns", "--keep-backups", "--chroot"});
    options.insert(render_options.begin(), render_options.end());
    auto flags = inventory_flags;
    flags.insert(render_flags.begin(), render_flags.end());
    Args args(argv, options, flags);

    Backend backend;
    render::Files files;
    if (std::string dir = args.value("--files"); !dir.empty()) {
        backend = parse_backend(args.value("--backend", "-b"));
        files = read_directory(dir);
    } else {
        auto rendered = render_inventory(args, err);
        backend = rendered.backend;
        files = std::move(rendered.files);
    }
    const std::string root = args.value("--root", "", "/");
    auto plan = apply::default_plan(backend, files, root);
    // --chroot ROOT: validators and (direct) daemons run inside ROOT; --root must lie in it.
    std::string chroot = args.value("--chroot");
    while (chroot.size() > 1 && chroot.back() == '/') chroot.pop_back();
    if (!chroot.empty()) {
        if (root.rfind(chroot + "/", 0) != 0)
            throw Error("--root must be a directory inside the --chroot root", "--root", root);
        plan.validate.chroot = chroot;
    }
    if (auto keep = args.value("--keep-backups"); !keep.empty()) plan.keep_backups = std::stoi(keep);

    std::string mode = args.value("--services", "", "auto");
    if (mode == "auto") mode = apply::systemd_running() ? "systemd" : "direct";
    apply::SystemRunner runner;
    std::unique_ptr<apply::ServiceManager> services;
    if (mode == "systemd") {
        if (plan.services.empty())
            throw Error("no " + std::string(to_string(backend)) + " service unit is installed", "services", mode);
        services = std::make_unique<apply::SystemdServices>(runner, backend);
    } else if (mode == "direct") {
        plan.services.clear();  // canonical names: the units need not be installed
        for (auto role : apply::roles_for(backend, files))
            plan.services.push_back({role, apply::candidate_units(backend, role).front()});
        services = std::make_unique<apply::DirectServices>(daemon_specs(plan, files, root, args.value("--netns"), chroot));
    } else if (mode == "none") {
        plan.services.clear();  // files only: for staging a host whose services are started later
        services = std::make_unique<apply::DirectServices>(std::map<std::string, apply::DaemonSpec>{});
    } else {
        throw Error("valid modes are auto, systemd, direct and none", "--services", mode);
    }
    // The server must come back with the new files (and, after a rollback, with the old ones).
    if (backend == Backend::kea && mode != "none") plan.verify = apply::kea_verifier(15, chroot);
    auto result = apply::apply(files, plan, runner, *services);
    for (const auto& step : result.steps) out << step << "\n";
    out << (result.changed ? "applied\n" : "unchanged\n");
    return 0;
}

}  // namespace xcatdhcp::cli
