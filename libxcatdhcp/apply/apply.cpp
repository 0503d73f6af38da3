#include "xcatdhcp/apply/apply.hpp"

#include "file_text.hpp"

#include "xcatdhcp/error.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace xcatdhcp::apply {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail_errno(const std::string& what, const std::string& path) {
    throw Error(what + ": " + std::strerror(errno), "path", path);
}

std::optional<gid_t> group_id(const std::string& group) {
    if (group.empty()) return std::nullopt;
    if (struct group* g = getgrnam(group.c_str())) return g->gr_gid;
    return std::nullopt;
}

// temp file in the same directory, fsync, mode and owner, rename, fsync the directory: a
// reader (or a crash) sees the old file or the new one, never a part.
void write_atomically(const std::string& path, const std::string& content, mode_t mode,
                      const std::string& group) {
    fs::path target(path);
    fs::create_directories(target.parent_path());
    std::string temp = (target.parent_path() / ("." + target.filename().string() + ".xcatdhcp-" +
                                                std::to_string(getpid())))
                           .string();
    int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) fail_errno("cannot create", temp);
    std::size_t done = 0;
    while (done < content.size()) {
        ssize_t n = write(fd, content.data() + done, content.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            close(fd);
            unlink(temp.c_str());
            fail_errno("cannot write", temp);
        }
        done += static_cast<std::size_t>(n);
    }
    bool ok = fsync(fd) == 0 && fchmod(fd, mode) == 0;
    if (ok && geteuid() == 0)
        if (auto gid = group_id(group)) ok = fchown(fd, 0, *gid) == 0;
    int saved = errno;
    close(fd);
    if (!ok) {
        unlink(temp.c_str());
        errno = saved;
        fail_errno("cannot sync or set mode/owner of", temp);
    }
    if (rename(temp.c_str(), path.c_str()) != 0) {
        saved = errno;
        unlink(temp.c_str());
        errno = saved;
        fail_errno("cannot replace", path);
    }
    int dir = open(target.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        fsync(dir);
        close(dir);
    }
}

// Sorts chronologically; microseconds keep two applies within one second apart.
std::string stamp() {
    auto now = std::chrono::system_clock::now();
    std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buf[48];
    std::size_t n = std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%06lldZ", static_cast<long long>(micros));
    return std::string(buf) + "-" + std::to_string(getpid());
}

std::string report_text(const ValidationReport& report) {
    std::string text;
    for (const auto& f : report.files)
        if (!f.ok) text += fs::path(f.file).filename().string() + ": " + f.output;
    for (const auto& n : report.notes) text += "(" + n + ")\n";
    return text;
}

struct Previous {
    bool existed = false;
    std::string content;
    mode_t mode = 0640;
};

}  // namespace

std::vector<Role> roles_for(Backend backend, const render::Files& files) {
    std::vector<Role> roles;
    auto has = [&](const char* name) { return files.count(name) > 0; };
    if (backend == Backend::kea) {
        if (has("kea-dhcp-ddns.conf")) roles.push_back(Role::ddns);
        if (has("kea-dhcp4.conf")) roles.push_back(Role::dhcp4);
        if (has("kea-dhcp6.conf")) roles.push_back(Role::dhcp6);
        if (has("kea-ctrl-agent.conf")) roles.push_back(Role::control_agent);
    } else {
        if (has("dhcpd.conf")) roles.push_back(Role::dhcp4);
        if (has("dhcpd6.conf")) roles.push_back(Role::dhcp6);
    }
    return roles;
}

ApplyPlan default_plan(Backend backend, const render::Files& files, const std::string& root) {
    ApplyPlan plan;
    plan.backend = backend;
    const fs::path base(root);
    std::string group;
    if (backend == Backend::kea) {
        auto first_of = [&](const char* file) -> std::string {
            std::string entries = detail::read_text_or_empty((base / file).string());
            for (const char* candidate : {"_kea", "kea"})
                if (entries.find(std::string("\n") + candidate + ":") != std::string::npos ||
                    entries.rfind(std::string(candidate) + ":", 0) == 0)
                    return candidate;
            return "";
        };
        group = first_of("etc/group");
        // Kea's packages run the daemons as this user: its validators run as it too.
        plan.validate.run_as = first_of("etc/passwd");
    }
    const fs::path dir = backend == Backend::kea ? base / "etc/kea" : base / "etc/dhcp";
    for (const auto& [name, content] : files) {
        if (name.find(".conf") == std::string::npos && name.find(".key") == std::string::npos) continue;
        plan.targets[name] = {(dir / name).string(), 0640, group};
    }
    plan.backup_dir = (dir / ".xcatdhcp-backup").string();
    plan.services = detect_units(backend, roles_for(backend, files), root);
    return plan;
}

ApplyResult apply(const render::Files& files, const ApplyPlan& plan, ProcessRunner& runner,
                  ServiceManager& services) {
    ApplyResult result;
    std::vector<std::pair<std::string, const FileTarget*>> chosen;  // rendered name -> target
    for (const auto& [name, target] : plan.targets) {
        if (!files.count(name)) throw Error("no rendered file for this target", "file", name);
        chosen.emplace_back(name, &target);
    }
    if (chosen.empty()) throw Error("nothing to apply: no rendered file has a destination", "files", "");

    // 1. Validate the new files as a set, before anything on disk changes.
    fs::path staging = fs::temp_directory_path() / ("xcatdhcp-apply-" + std::to_string(getpid()));
    fs::remove_all(staging);
    fs::create_directories(staging);
    // The staged copies get the destinations' mode and group, and the directory can be passed
    // but not listed: a validator running as the service user reads them as the service will.
    fs::permissions(staging, plan.validate.run_as.empty() ? fs::perms::owner_all
                                                          : fs::perms::owner_all | fs::perms::group_exec |
                                                                fs::perms::others_exec);
    for (const auto& [name, target] : chosen)
        write_atomically((staging / name).string(), files.at(name),
                         plan.validate.run_as.empty() ? 0600 : target->mode, target->group);
    ValidationReport report;
    try {
        report = validate_directory(plan.backend, staging.string(), runner, plan.validate);
    } catch (...) {
        fs::remove_all(staging);
        throw;
    }
    fs::remove_all(staging);
    if (!report.ok)
        throw Error("the new configuration is invalid, nothing was changed:\n" + report_text(report),
                    "validate", std::string(to_string(plan.backend)));
    result.steps.push_back("validated " + std::to_string(report.files.size()) + " file(s)");

    // 2. Nothing to do when every destination already holds this content.
    std::map<std::string, Previous> previous;
    bool differs = false;
    for (const auto& [name, target] : chosen) {
        Previous p;
        struct stat st {};
        if (stat(target->path.c_str(), &st) == 0) {
            p.existed = true;
            p.content = detail::read_text_or_empty(target->path);
            p.mode = st.st_mode & 07777;
        }
        differs = differs || !p.existed || p.content != files.at(name);
        previous[name] = std::move(p);
    }
    if (!differs) {
        result.steps.push_back("unchanged: every file already holds this configuration");
        return result;
    }
    result.changed = true;

    // 3. Back up what is there now, and keep only the newest backups.
    result.backup = (fs::path(plan.backup_dir) / stamp()).string();
    for (const auto& [name, target] : chosen)
        if (previous[name].existed)
            write_atomically((fs::path(result.backup) / name).string(), previous[name].content, 0600, "");
    result.steps.push_back("backed up to " + result.backup);
    if (fs::is_directory(plan.backup_dir)) {
        std::vector<fs::path> runs;
        for (const auto& e : fs::directory_iterator(plan.backup_dir))
            if (e.is_directory()) runs.push_back(e.path());
        std::sort(runs.begin(), runs.end());
        for (std::size_t i = 0; i + static_cast<std::size_t>(std::max(plan.keep_backups, 1)) < runs.size(); ++i)
            fs::remove_all(runs[i]);
    }

    // A killed earlier run may have left temp files next to the destinations.
    for (const auto& [name, target] : chosen) {
        fs::path dir = fs::path(target->path).parent_path();
        std::string prefix = "." + fs::path(target->path).filename().string() + ".xcatdhcp-";
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(dir, ec))
            if (e.path().filename().string().rfind(prefix, 0) == 0) fs::remove(e.path(), ec);
    }

    // 4. Write, then 5. reload in role order. Any failure: restore and reload again.
    std::vector<std::string> verified;  // services the verifier saw running the restored files
    auto restore = [&]() -> std::string {
        std::string problems;
        for (const auto& [name, target] : chosen) {
            try {
                const Previous& p = previous[name];
                if (p.existed) write_atomically(target->path, p.content, p.mode, target->group);
                else fs::remove(target->path);
            } catch (const std::exception& e) {
                problems += std::string(" restoring ") + target->path + " failed: " + e.what() + ";";
            }
        }
        // A first install has no previous configuration to go back to: stop what was started.
        const bool had_previous = std::any_of(previous.begin(), previous.end(),
                                              [](const auto& p) { return p.second.existed; });
        verified.clear();
        render::Files restored;
        for (const auto& [name, p] : previous)
            if (p.existed) restored[name] = p.content;
        for (const auto& unit : plan.services) {
            try {
                if (had_previous) {
                    services.reload_or_restart(unit);
                    if (plan.verify && !plan.verify(unit, restored).empty()) verified.push_back(unit.name);
                } else {
                    services.stop(unit);
                }
            } catch (const std::exception& e) {
                problems += std::string(" ") + (had_previous ? "reloading " : "stopping ") + unit.name +
                            " failed: " + e.what() + ";";
            }
        }
        return problems;
    };
    std::string failure;
    try {
        for (const auto& [name, target] : chosen) {
            write_atomically(target->path, files.at(name), target->mode, target->group);
            result.written.push_back(target->path);
        }
        result.steps.push_back("wrote " + std::to_string(result.written.size()) + " file(s)");
        for (const auto& unit : plan.services) {
            services.reload_or_restart(unit);
            if (!services.running(unit)) throw Error("not running after reload", "service", unit.name);
            result.steps.push_back("reloaded " + unit.name);
            if (plan.verify)
                if (std::string checked = plan.verify(unit, files); !checked.empty()) result.steps.push_back(checked);
        }
        return result;
    } catch (const std::exception& e) {
        failure = e.what();
    }
    std::string problems = restore();
    std::string checked;  // " (checked: kea-dhcp4-server, kea-dhcp6-server run it again)"
    for (const auto& name : verified) checked += (checked.empty() ? " (checked: " : ", ") + name;
    if (!checked.empty()) checked += " run it again)";
    const bool had_previous = std::any_of(previous.begin(), previous.end(),
                                          [](const auto& p) { return p.second.existed; });
    if (problems.empty())
        throw Error("apply failed: " + failure +
                        (had_previous ? "; the previous configuration was restored and is live" + checked
                                      : "; there was no previous configuration: the new files were removed "
                                        "and the services stopped"),
                    "apply", std::string(to_string(plan.backend)));
    throw Error("apply failed: " + failure + "; restoring the previous configuration had problems:" + problems,
                "apply", std::string(to_string(plan.backend)));
}

}  // namespace xcatdhcp::apply
