// Apply rendered files safely: validate -> back up -> write atomically -> reload -> verify,
// and on any failure put the previous files back and reload again. An invalid configuration
// never replaces a running one; a killed apply leaves each file either old or new.
#pragma once

#include <map>
#include <string>
#include <sys/types.h>
#include <vector>

#include "xcatdhcp/apply/services.hpp"
#include "xcatdhcp/apply/validate.hpp"
#include "xcatdhcp/apply/verify.hpp"
#include "xcatdhcp/inventory/inventory.hpp"
#include "xcatdhcp/render/files.hpp"

namespace xcatdhcp::apply {

struct FileTarget {
    std::string path;     // where the file goes
    mode_t mode = 0640;   // files hold keys: never world-readable
    std::string group;    // group that must read it ("_kea", "kea"); "" = root's
};

struct ApplyPlan {
    Backend backend = Backend::isc;
    // Rendered file name -> destination. Rendered files without a target are not written
    // (hosts.omapi.json is data for the OMAPI client, not a server file).
    std::map<std::string, FileTarget> targets;
    std::string backup_dir;       // backups go to BACKUP_DIR/<stamp>/; kept: keep_backups newest
    int keep_backups = 5;
    std::vector<ServiceUnit> services;  // in reload order
    ValidateOptions validate;
    // After each service is reloaded: does it run the files? (kea_verifier() for Kea.) Also run
    // after a rollback, with the restored files. Empty: "running" is all that is checked.
    Verifier verify;
};

struct ApplyResult {
    bool changed = false;                // false: every file already had this content
    std::vector<std::string> written;    // destinations replaced
    std::string backup;                  // backup directory of this run ("" when nothing changed)
    std::vector<std::string> steps;      // what was done, in order, for the log
};

// Throws Error when validation fails (nothing changed) or when writing / reloading fails (the
// previous files are restored and reloaded; the message says what failed and what is live).
ApplyResult apply(const render::Files& files, const ApplyPlan& plan, ProcessRunner& runner,
                  ServiceManager& services);

// Destinations, modes, groups and services for a backend on a platform, for the files given.
// `root` prefixes every path (for previews and tests); the group is the first of _kea / kea
// that exists in root/etc/group (Kea), else root's; Kea's validators run as the first of _kea /
// kea in root/etc/passwd (ValidateOptions::run_as).
ApplyPlan default_plan(Backend backend, const render::Files& files, const std::string& root = "/");

// Roles, in reload order, that the rendered files need.
std::vector<Role> roles_for(Backend backend, const render::Files& files);

}  // namespace xcatdhcp::apply
