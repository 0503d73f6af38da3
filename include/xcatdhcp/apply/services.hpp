// DHCP services, backend-aware: which units exist, in which order they reload, and how.
// With systemd the units are driven through systemctl; without it (containers, CI) the daemons
// are driven directly by PID — the same interface either way.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "xcatdhcp/apply/process.hpp"
#include "xcatdhcp/backend.hpp"

namespace xcatdhcp::apply {

// What a service does for the DHCP setup; the order of this enum is the start/reload order
// (D2 before DHCP when DDNS is on; the Control Agent after the servers it forwards to).
enum class Role { ddns, dhcp4, dhcp6, control_agent };
std::string_view to_string(Role role);

struct ServiceUnit {
    Role role;
    std::string name;  // unit / service name: "kea-dhcp4-server", "isc-dhcp-server", ...
};

// The unit names each role may have, in preference order (Debian "-server" names, upstream
// names, ISC's Cloudsmith "isc-kea-" names, EL's dhcpd/dhcpd6).
std::vector<std::string> candidate_units(Backend backend, Role role);

// Picks, per wanted role, the first candidate installed under `root` (systemd unit files in
// /etc, /run, /usr/lib and /lib, or an /etc/init.d script). Roles with no installed unit are
// left out; the caller decides whether that is an error.
std::vector<ServiceUnit> detect_units(Backend backend, const std::vector<Role>& roles,
                                      const std::string& root = "/");

class ServiceManager {
public:
    virtual ~ServiceManager() = default;
    // Make the service run the configuration now on disk: reload when it runs and can reload,
    // otherwise (re)start. Throws Error saying which unit failed and why.
    virtual void reload_or_restart(const ServiceUnit& unit) = 0;
    virtual bool running(const ServiceUnit& unit) = 0;
    virtual void stop(const ServiceUnit& unit) = 0;
};

// systemctl: reload when active (systemd's start limit tripped the Perl peer on restart bursts),
// else reset-failed + restart. dhcpd cannot reload, so ISC units restart.
class SystemdServices : public ServiceManager {
public:
    SystemdServices(ProcessRunner& runner, Backend backend) : runner_(runner), backend_(backend) {}
    void reload_or_restart(const ServiceUnit& unit) override;
    bool running(const ServiceUnit& unit) override;
    void stop(const ServiceUnit& unit) override;

private:
    ProcessRunner& runner_;
    Backend backend_;
};

// How to run one daemon without a service manager.
struct DaemonSpec {
    std::vector<std::string> argv;  // foreground command, e.g. {"kea-dhcp4", "-c", "/etc/kea/kea-dhcp4.conf"}
    std::string pid_file;           // where this layer records the daemon's PID
    std::string log_file;           // stdout and stderr of the daemon
    std::map<std::string, std::string> environment;
    bool reload_by_sighup = false;  // Kea re-reads its config on SIGHUP; dhcpd must restart
    // Further files the daemon writes its log to (Kea's "loggers" outputs): the texts below are
    // looked for in log_file and in these.
    std::vector<std::string> watch_logs;
    std::string ready_text;         // text that says the daemon is up ("" = just alive)
    std::string reloaded_text;      // text that confirms a reload ("" = still alive after a moment)
    // Texts that say a reload was refused (the daemon keeps running its old configuration).
    std::vector<std::string> reload_failed_texts = {"RECONFIGURATION_FAIL", "CONFIG_LOAD_FAIL",
                                                    "DCTL_CFG_FILE_RELOAD_ERROR"};
    int ready_timeout_seconds = 20;
};

// Starts, reloads and stops daemons itself, tracking them by PID file.
class DirectServices : public ServiceManager {
public:
    explicit DirectServices(std::map<std::string, DaemonSpec> daemons) : daemons_(std::move(daemons)) {}
    void reload_or_restart(const ServiceUnit& unit) override;
    bool running(const ServiceUnit& unit) override;
    void stop(const ServiceUnit& unit) override;

    std::optional<int> pid(const ServiceUnit& unit) const;

private:
    const DaemonSpec& spec(const ServiceUnit& unit) const;
    void start(const ServiceUnit& unit);
    void wait_ready(const ServiceUnit& unit, const std::vector<std::size_t>& log_offsets);
    std::vector<std::string> logs(const DaemonSpec& spec) const;
    std::map<std::string, DaemonSpec> daemons_;
};

// True when PID 1 is systemd (so systemctl can drive units).
bool systemd_running(const std::string& root = "/");

}  // namespace xcatdhcp::apply
