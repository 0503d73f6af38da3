// Everything an apply needs besides the files: the plan (destinations, backups, services in
// order) and the service layer that reloads them, chosen by a mode as `xcatdhcp apply
// --services` and the Perl binding's apply() name it. One place for that choice, so every
// caller applies the same way.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "xcatdhcp/apply/apply.hpp"
#include "xcatdhcp/apply/services.hpp"
#include "xcatdhcp/backend.hpp"
#include "xcatdhcp/render/files.hpp"

namespace xcatdhcp::apply {

enum class ServiceMode {
    automatic,  // systemd when PID 1 is systemd, else direct
    systemd,    // systemctl on the installed units (an error when none is installed)
    direct,     // this layer starts and reloads the daemons itself, by PID (no systemd, CI)
    none,       // files only: for staging a host whose services are started later
};
std::string_view to_string(ServiceMode mode);
// "auto", "systemd", "direct", "none". Throws Error naming `attribute` (the caller's name for
// the setting: "--services", "services") for anything else.
ServiceMode parse_service_mode(std::string_view text, std::string_view attribute = "services");

struct SetupOptions {
    std::string root = "/";             // prefixes every path (previews, tests)
    ServiceMode services = ServiceMode::automatic;
    std::string netns;                  // direct mode: run the daemons in this network namespace
    // Validators and (direct) daemons run inside this root; `root` must lie in it. "" = this host.
    std::string chroot;
    std::optional<int> keep_backups;    // default: the plan's
};

struct Setup {
    ApplyPlan plan;
    std::unique_ptr<ProcessRunner> runner;     // systemctl's, when services needs one
    std::unique_ptr<ServiceManager> services;  // may use *runner
    ServiceMode mode = ServiceMode::none;  // the mode used (automatic resolved)
};

// The plan for `files` (default_plan under options.root) and the service layer of the mode:
//   systemd: the installed units; throws Error when none is installed;
//   direct:  the canonical unit names of the roles the files need, driven by DirectServices
//            with daemon_specs();
//   none:    no services.
// Kea plans (other than none) verify that the servers run the new files after a reload, and the
// old ones after a rollback (kea_verifier). Throws Error when root is not inside chroot.
Setup prepare(Backend backend, const render::Files& files, const SetupOptions& options);

// How DirectServices runs each service of `plan` without systemd: the daemon's foreground
// command on the plan's files (prefixed with `ip netns exec NETNS` when netns is set, run inside
// CHROOT when set), its PID file under ROOT/run/xcatdhcp and its output in ROOT/var/log/xcatdhcp
// (both created; for dhcpd also an empty lease file under ROOT/var/lib/dhcp when none exists).
// Kea daemons also have the log files their configurations' "loggers" name watched (`files`:
// the new configuration; the one on disk is read too), since a configured Kea logs there.
std::map<std::string, DaemonSpec> daemon_specs(const ApplyPlan& plan, const render::Files& files,
                                               const std::string& root, const std::string& netns = {},
                                               const std::string& chroot = {});

}  // namespace xcatdhcp::apply
