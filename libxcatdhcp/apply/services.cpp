#include "xcatdhcp/apply/services.hpp"

#include "file_text.hpp"

#include "xcatdhcp/error.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

namespace xcatdhcp::apply {

namespace fs = std::filesystem;

std::string_view to_string(Role role) {
    switch (role) {
    case Role::ddns: return "ddns";
    case Role::dhcp4: return "dhcp4";
    case Role::dhcp6: return "dhcp6";
    case Role::control_agent: return "control-agent";
    }
    return "dhcp4";
}

std::vector<std::string> candidate_units(Backend backend, Role role) {
    if (backend == Backend::isc) {
        switch (role) {
        case Role::dhcp4: return {"isc-dhcp-server", "dhcpd", "dhcp3-server"};
        case Role::dhcp6: return {"isc-dhcp-server6", "dhcpd6"};
        default: return {};  // ISC does DDNS inline and has no control agent
        }
    }
    switch (role) {
    case Role::ddns: return {"kea-dhcp-ddns-server", "kea-dhcp-ddns", "isc-kea-dhcp-ddns-server", "isc-kea-dhcp-ddns"};
    case Role::dhcp4: return {"kea-dhcp4-server", "kea-dhcp4", "isc-kea-dhcp4-server", "isc-kea-dhcp4"};
    case Role::dhcp6: return {"kea-dhcp6-server", "kea-dhcp6", "isc-kea-dhcp6-server", "isc-kea-dhcp6"};
    case Role::control_agent: return {"kea-ctrl-agent", "isc-kea-ctrl-agent"};
    }
    return {};
}

std::vector<ServiceUnit> detect_units(Backend backend, const std::vector<Role>& roles, const std::string& root) {
    std::vector<ServiceUnit> units;
    for (Role role : roles) {
        for (const auto& name : candidate_units(backend, role)) {
            bool installed = false;
            for (const char* dir : {"etc/systemd/system", "run/systemd/system", "usr/lib/systemd/system",
                                    "lib/systemd/system"})
                installed = installed || fs::exists(fs::path(root) / dir / (name + ".service"));
            installed = installed || fs::exists(fs::path(root) / "etc/init.d" / name);
            if (installed) {
                units.push_back({role, name});
                break;
            }
        }
    }
    return units;
}

bool systemd_running(const std::string& root) { return fs::is_directory(fs::path(root) / "run/systemd/system"); }

// ---------------------------------------------------------------- systemd

namespace {
std::string tail(const std::string& text, std::size_t lines = 15) {
    std::size_t pos = text.size();
    for (std::size_t n = 0; n <= lines && pos != std::string::npos && pos > 0; ++n)
        pos = text.rfind('\n', pos - 1);
    return pos == std::string::npos ? text : text.substr(pos + 1);
}
}  // namespace

void SystemdServices::reload_or_restart(const ServiceUnit& unit) {
    bool can_reload = backend_ == Backend::kea;  // Kea re-reads on SIGHUP; dhcpd has no reload
    if (running(unit) && can_reload) {
        auto r = runner_.run({"systemctl", "reload", unit.name}, 60);
        if (r.exit_code == 0 && running(unit)) return;
    }
    runner_.run({"systemctl", "reset-failed", unit.name}, 30);
    auto r = runner_.run({"systemctl", "restart", unit.name}, 90);
    if (r.exit_code != 0 || !running(unit)) {
        auto status = runner_.run({"systemctl", "status", "--no-pager", "-n", "15", unit.name}, 30);
        throw Error("restart failed: " + tail(r.output + status.output), "service", unit.name);
    }
}

bool SystemdServices::running(const ServiceUnit& unit) {
    return runner_.run({"systemctl", "is-active", "--quiet", unit.name}, 30).exit_code == 0;
}

void SystemdServices::stop(const ServiceUnit& unit) {
    auto r = runner_.run({"systemctl", "stop", unit.name}, 90);
    if (r.exit_code != 0) throw Error("stop failed: " + tail(r.output), "service", unit.name);
}

// ---------------------------------------------------------------- direct (by PID)

namespace {
bool alive(int pid) {
    if (pid <= 0) return false;
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return false;  // our own child, and it exited
    if (kill(pid, 0) != 0) return false;
    std::string stat = detail::read_text_or_empty("/proc/" + std::to_string(pid) + "/stat");
    auto close_paren = stat.rfind(')');
    return close_paren == std::string::npos || close_paren + 2 >= stat.size() || stat[close_paren + 2] != 'Z';
}
}  // namespace

const DaemonSpec& DirectServices::spec(const ServiceUnit& unit) const {
    auto it = daemons_.find(unit.name);
    if (it == daemons_.end()) throw Error("no daemon command known for this service", "service", unit.name);
    return it->second;
}

std::optional<int> DirectServices::pid(const ServiceUnit& unit) const {
    std::string text = detail::read_text_or_empty(spec(unit).pid_file);
    if (text.empty()) return std::nullopt;
    try {
        return std::stoi(text);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

bool DirectServices::running(const ServiceUnit& unit) {
    auto p = pid(unit);
    return p && alive(*p);
}

void DirectServices::stop(const ServiceUnit& unit) {
    auto p = pid(unit);
    if (p && alive(*p)) {
        kill(*p, SIGTERM);
        for (int i = 0; i < 100 && alive(*p); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (alive(*p)) {
            kill(*p, SIGKILL);
            for (int i = 0; i < 40 && alive(*p); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    fs::remove(spec(unit).pid_file);
}

std::vector<std::string> DirectServices::logs(const DaemonSpec& s) const {
    std::vector<std::string> all{s.log_file};
    for (const auto& w : s.watch_logs)
        if (!w.empty() && std::find(all.begin(), all.end(), w) == all.end()) all.push_back(w);
    return all;
}

namespace {
std::vector<std::size_t> sizes(const std::vector<std::string>& files) {
    std::vector<std::size_t> out;
    for (const auto& f : files) {
        std::error_code ec;
        auto n = fs::file_size(f, ec);
        out.push_back(ec ? 0 : static_cast<std::size_t>(n));
    }
    return out;
}

// What the daemon wrote to its logs since `offsets` (a file that shrank was rotated: all of it).
std::string fresh_text(const std::vector<std::string>& files, const std::vector<std::size_t>& offsets) {
    std::string out;
    for (std::size_t i = 0; i < files.size(); ++i) {
        std::ifstream in(files[i], std::ios::binary);
        if (!in) continue;
        in.seekg(0, std::ios::end);
        const auto size = static_cast<std::size_t>(std::max<std::streamoff>(in.tellg(), 0));
        const std::size_t from = i < offsets.size() && offsets[i] <= size ? offsets[i] : 0;
        in.seekg(static_cast<std::streamoff>(from));
        out.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return out;
}
// The lines of a refused reload that say why (errors and the failure texts), else the tail.
std::string failure_lines(const std::string& text, const std::vector<std::string>& markers) {
    std::string out;
    std::size_t from = 0;
    while (from < text.size()) {
        std::size_t end = text.find('\n', from);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(from, end - from);
        bool wanted = line.find(" ERROR ") != std::string::npos || line.find(" FATAL ") != std::string::npos;
        for (const auto& m : markers) wanted = wanted || line.find(m) != std::string::npos;
        if (wanted) out += line + "\n";
        from = end + 1;
    }
    return out.empty() ? tail(text) : out;
}
}  // namespace

void DirectServices::start(const ServiceUnit& unit) {
    const DaemonSpec& s = spec(unit);
    auto offsets = sizes(logs(s));
    std::vector<char*> args;
    for (const auto& a : s.argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t child = fork();
    if (child < 0) throw Error(std::string("fork failed: ") + std::strerror(errno), "service", unit.name);
    if (child == 0) {
        setsid();  // its own session: it outlives us and our terminal
        int log = open(s.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) dup2(devnull, STDIN_FILENO);
        if (log >= 0) {
            dup2(log, STDOUT_FILENO);
            dup2(log, STDERR_FILENO);
        }
        for (const auto& [k, v] : s.environment) setenv(k.c_str(), v.c_str(), 1);
        execvp(args[0], args.data());
        dprintf(STDERR_FILENO, "cannot run %s: %s\n", args[0], std::strerror(errno));
        _exit(127);
    }
    {
        std::ofstream pid_out(s.pid_file, std::ios::trunc);
        pid_out << child << "\n";
    }
    wait_ready(unit, offsets);
}

void DirectServices::wait_ready(const ServiceUnit& unit, const std::vector<std::size_t>& offsets) {
    const DaemonSpec& s = spec(unit);
    const auto files = logs(s);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(s.ready_timeout_seconds);
    auto p = pid(unit);
    while (std::chrono::steady_clock::now() < deadline) {
        if (!p || !alive(*p))
            throw Error("the daemon exited at start: " + tail(fresh_text(files, offsets)), "service", unit.name);
        if (s.ready_text.empty()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
            if (alive(*p)) return;
            continue;
        }
        if (fresh_text(files, offsets).find(s.ready_text) != std::string::npos) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::string where;
    for (const auto& f : files) where += (where.empty() ? "" : ", ") + f;
    throw Error("not ready after " + std::to_string(s.ready_timeout_seconds) + " s (waited for '" +
                    s.ready_text + "' in " + where + ")",
                "service", unit.name);
}

void DirectServices::reload_or_restart(const ServiceUnit& unit) {
    const DaemonSpec& s = spec(unit);
    if (running(unit) && s.reload_by_sighup) {
        const auto files = logs(s);
        const auto offsets = sizes(files);
        kill(*pid(unit), SIGHUP);
        // Success is the daemon's own confirmation that it loaded the file; a refused reload
        // (the daemon keeps its old configuration) must not pass for one. Kea 2.2 logs
        // DHCP4_CONFIG_COMPLETE before it opens the lease database, so that text is no proof:
        // failure texts are looked for first, on every pass.
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(s.ready_timeout_seconds);
        while (std::chrono::steady_clock::now() < deadline) {
            std::string fresh = fresh_text(files, offsets);
            for (const auto& bad : s.reload_failed_texts)
                if (fresh.find(bad) != std::string::npos)
                    throw Error("reload rejected the configuration (the daemon keeps running its previous "
                                "one):\n" + failure_lines(fresh, s.reload_failed_texts),
                                "service", unit.name);
            if (!s.reloaded_text.empty() && fresh.find(s.reloaded_text) != std::string::npos) return;
            if (!running(unit)) throw Error("the daemon exited on reload: " + tail(fresh), "service", unit.name);
            if (s.reloaded_text.empty()) {
                std::this_thread::sleep_for(std::chrono::milliseconds(500));
                if (running(unit)) return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        std::string where;
        for (const auto& f : files) where += (where.empty() ? "" : ", ") + f;
        throw Error("no reload confirmation ('" + s.reloaded_text + "') within " +
                        std::to_string(s.ready_timeout_seconds) + " s in " + where,
                    "service", unit.name);
    }
    if (running(unit)) stop(unit);
    start(unit);
}

}  // namespace xcatdhcp::apply
