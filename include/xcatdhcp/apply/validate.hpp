// Validation with the backend's own validators (kea-dhcp4 -t, dhcpd -t, ...), before anything
// is applied. Works for files rendered for another server: interfaces this host lacks are
// provided in a private network namespace (as root), or the check runs on a copy with the
// interface list relaxed, and the report says which.
#pragma once

#include <string>
#include <vector>

#include "xcatdhcp/apply/process.hpp"
#include "xcatdhcp/backend.hpp"

namespace xcatdhcp::apply {

struct FileVerdict {
    std::string file;                  // path as given
    std::vector<std::string> command;  // the validator command that ran
    bool ok = false;
    int exit_code = -1;
    std::string output;                // the validator's own words
};

struct ValidationReport {
    bool ok = true;
    std::vector<FileVerdict> files;
    std::vector<std::string> notes;    // how the check was done (namespace, relaxed copy, chroot)
};

struct ValidateOptions {
    std::string chroot;               // run validators inside this root (files are copied in)
    bool provide_interfaces = true;   // false: run as is, even if interfaces are missing here
    int timeout_seconds = 120;
    // Run the validators as this user (the service user, "_kea"), so that a file the service
    // cannot read fails here and not at reload. Needs root and setpriv (util-linux); otherwise,
    // or when the user does not exist, they run as the caller and a note says so. Not with chroot.
    std::string run_as;
};

// The validator command for a rendered file name ("kea-dhcp4.conf" -> kea-dhcp4 -t FILE,
// "dhcpd.conf" -> dhcpd -t -cf FILE, ...); empty when the file needs no validator.
std::vector<std::string> validator_for(const std::string& file_name, const std::string& path);

// Interface names a Kea config asks for (interfaces-config and subnet "interface" keys).
std::vector<std::string> kea_interfaces(const std::string& json_text);

// Validates every file of `dir` that has a validator. Missing validators are failures.
ValidationReport validate_directory(Backend backend, const std::string& dir, ProcessRunner& runner,
                                    const ValidateOptions& options = {});

}  // namespace xcatdhcp::apply
