#include "xcatdhcp/apply/validate.hpp"

#include "file_text.hpp"

#include "xcatdhcp/error.hpp"

#include <nlohmann/json.hpp>

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace xcatdhcp::apply {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

void write_file(const std::string& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out || !(out << content)) throw Error("cannot write file", "path", path);
}

bool valid_link_name(const std::string& name) {
    if (name.empty() || name.size() > 15 || name == "." || name == "..") return false;
    return name.find_first_of("/: \t\n") == std::string::npos;
}

std::string link_name(const std::string& entry) { return entry.substr(0, entry.find('/')); }

const json* kea_root(const json& doc) {
    for (const char* key : {"Dhcp4", "Dhcp6"})
        if (doc.contains(key) && doc[key].is_object()) return &doc[key];
    return nullptr;
}

// A copy whose interface list is "*" and whose subnets name no interface: `-t` then checks
// everything but the interface names.
std::string relax_interfaces(const std::string& text) {
    json doc = json::parse(text, nullptr, true, true);
    for (const char* key : {"Dhcp4", "Dhcp6"}) {
        if (!doc.contains(key)) continue;
        json& root = doc[key];
        if (root.contains("interfaces-config")) root["interfaces-config"]["interfaces"] = json::array({"*"});
        for (const char* list : {"subnet4", "subnet6", "shared-networks"}) {
            if (!root.contains(list)) continue;
            for (auto& s : root[list]) {
                s.erase("interface");
                for (const char* inner : {"subnet4", "subnet6"})
                    if (s.contains(inner))
                        for (auto& x : s[inner]) x.erase("interface");
            }
        }
    }
    return doc.dump(2);
}

class Namespace {
public:
    Namespace(ProcessRunner& runner, const std::vector<std::string>& links) : runner_(runner) {
        static std::atomic<int> counter{0};
        name_ = "xcatdhcp-v-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
        must({"ip", "netns", "add", name_});
        created_ = true;
        must({"ip", "-n", name_, "link", "set", "lo", "up"});
        for (const auto& entry : links) {
            const std::string name = link_name(entry);
            // Some kernels lack the dummy link type; an empty bridge is an equally inert link.
            if (runner_.run({"ip", "-n", name_, "link", "add", name, "type", "dummy"}, 10).exit_code != 0)
                must({"ip", "-n", name_, "link", "add", name, "type", "bridge"});
            must({"ip", "-n", name_, "link", "set", name, "up"});
            if (auto slash = entry.find('/'); slash != std::string::npos)
                must({"ip", "-n", name_, "addr", "add", entry.substr(slash + 1) + "/32", "dev", name});
        }
    }
    ~Namespace() {
        if (created_) runner_.run({"ip", "netns", "del", name_}, 10);
    }
    Namespace(const Namespace&) = delete;
    Namespace& operator=(const Namespace&) = delete;

    std::vector<std::string> wrap(const std::vector<std::string>& command) const {
        std::vector<std::string> out = {"ip", "netns", "exec", name_};
        out.insert(out.end(), command.begin(), command.end());
        return out;
    }

private:
    void must(const std::vector<std::string>& argv) {
        auto r = runner_.run(argv, 10);
        if (r.exit_code != 0) {
            std::string cmd;
            for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
            throw Error("cannot prepare a validation namespace: " + r.output, "command", cmd);
        }
    }
    ProcessRunner& runner_;
    std::string name_;
    bool created_ = false;
};

}  // namespace

std::vector<std::string> validator_for(const std::string& file_name, const std::string& path) {
    if (file_name == "kea-dhcp4.conf") return {"kea-dhcp4", "-t", path};
    if (file_name == "kea-dhcp6.conf") return {"kea-dhcp6", "-t", path};
    if (file_name == "kea-dhcp-ddns.conf") return {"kea-dhcp-ddns", "-t", path};
    if (file_name == "kea-ctrl-agent.conf") return {"kea-ctrl-agent", "-t", path};
    if (file_name == "dhcpd.conf") return {"dhcpd", "-t", "-cf", path};
    if (file_name == "dhcpd6.conf") return {"dhcpd", "-6", "-t", "-cf", path};
    return {};
}

std::vector<std::string> kea_interfaces(const std::string& text) {
    std::set<std::string> names;
    json doc = json::parse(text, nullptr, false, true);
    if (doc.is_discarded()) return {};
    const json* root = kea_root(doc);
    if (!root) return {};
    if (root->contains("interfaces-config")) {
        const json& ic = (*root)["interfaces-config"];
        if (ic.contains("interfaces") && ic["interfaces"].is_array())
            for (const auto& i : ic["interfaces"])
                if (i.is_string() && i.get<std::string>() != "*") names.insert(i.get<std::string>());
    }
    auto scan = [&](const json& subnets) {
        if (!subnets.is_array()) return;
        for (const auto& s : subnets)
            if (s.contains("interface") && s["interface"].is_string()) names.insert(s["interface"]);
    };
    for (const char* list : {"subnet4", "subnet6"})
        if (root->contains(list)) scan((*root)[list]);
    if (root->contains("shared-networks"))
        for (const auto& sn : (*root)["shared-networks"]) {
            if (sn.contains("interface") && sn["interface"].is_string()) names.insert(sn["interface"]);
            for (const char* list : {"subnet4", "subnet6"})
                if (sn.contains(list)) scan(sn[list]);
        }
    return {names.begin(), names.end()};
}

ValidationReport validate_directory(Backend backend, const std::string& dir, ProcessRunner& runner,
                                    const ValidateOptions& options) {
    ValidationReport report;
    if (dir.find('\0') != std::string::npos) throw Error("a path cannot hold a NUL byte", "path", dir);
    if (!fs::is_directory(dir)) throw Error("not a directory", "path", dir);
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir))
        if (entry.is_regular_file() && !validator_for(entry.path().filename().string(), "").empty())
            files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    auto belongs = [&](const std::string& name) {
        bool kea = name.rfind("kea-", 0) == 0;
        return backend == Backend::kea ? kea : !kea;
    };
    files.erase(std::remove_if(files.begin(), files.end(),
                               [&](const fs::path& p) { return !belongs(p.filename().string()); }),
                files.end());
    if (files.empty()) {
        report.ok = false;
        report.notes.push_back("no " + std::string(to_string(backend)) + " configuration files in " + dir);
        return report;
    }
    if (!options.chroot.empty()) report.notes.push_back("validators run inside " + options.chroot);
    // The service user: setpriv switches uid, gid and supplementary groups for the validator only.
    std::vector<std::string> as_user;
    if (!options.run_as.empty()) {
        const struct passwd* pw = getpwnam(options.run_as.c_str());
        if (!options.chroot.empty())
            report.notes.push_back("validators run as root inside the chroot, not as " + options.run_as);
        else if (!pw)
            report.notes.push_back("no user " + options.run_as + " here: validators run as this process's user");
        else if (geteuid() != 0)
            report.notes.push_back("not root: validators run as this process's user, not as " + options.run_as);
        else if (find_program("setpriv").empty())
            report.notes.push_back("setpriv (util-linux) is missing: validators run as root, not as " + options.run_as);
        else {
            as_user = {"setpriv", "--reuid=" + std::to_string(pw->pw_uid), "--regid=" + std::to_string(pw->pw_gid),
                       "--init-groups", "--"};
            report.notes.push_back("validators ran as " + options.run_as +
                                   ", the service user: a file it cannot read fails here");
        }
    }

    for (const auto& file : files) {
        const std::string name = file.filename().string();
        std::string path = file.string();
        std::string text = detail::read_text(path);
        std::vector<std::string> links;
        std::vector<std::string> cleanup;
        if (name == "kea-dhcp4.conf" || name == "kea-dhcp6.conf") {
            for (const auto& entry : kea_interfaces(text))
                if (!fs::exists("/sys/class/net/" + link_name(entry)) || !options.chroot.empty())
                    links.push_back(entry);
        }
        bool use_namespace = false;
        if (!links.empty() && options.provide_interfaces) {
            bool can_namespace = geteuid() == 0 && !find_program("ip").empty() &&
                                 std::all_of(links.begin(), links.end(),
                                             [](const std::string& l) { return valid_link_name(link_name(l)); });
            if (can_namespace) {
                use_namespace = true;
                std::string list;
                for (const auto& l : links) list += (list.empty() ? "" : ", ") + link_name(l);
                report.notes.push_back(name + ": checked in a private network namespace with links " + list);
            } else {
                path = (fs::temp_directory_path() / ("xcatdhcp-relaxed-" + std::to_string(getpid()) + "-" + name)).string();
                write_file(path, relax_interfaces(text));
                cleanup.push_back(path);
                report.notes.push_back(name + ": interface names not checked (not root, or no 'ip'): "
                                       "validated a copy with the interface list set to \"*\"");
            }
        }
        std::vector<std::string> command;
        if (!options.chroot.empty()) {
            std::string inside = "/tmp/xcatdhcp-validate-" + std::to_string(getpid()) + "-" + name;
            write_file(options.chroot + inside, detail::read_text(path));
            cleanup.push_back(options.chroot + inside);
            command = {"chroot", options.chroot, "env", "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                       "KEA_LOCKFILE_DIR=none"};
            auto v = validator_for(name, inside);
            command.insert(command.end(), v.begin(), v.end());
        } else {
            command = validator_for(name, path);
            if (find_program(command[0]).empty()) {
                report.ok = false;
                report.files.push_back({file.string(), command, false, 127,
                                        command[0] + " is not installed here, so " + name +
                                            " cannot be validated"});
                for (const auto& c : cleanup) fs::remove(c);
                continue;
            }
            if (!as_user.empty()) command.insert(command.begin(), as_user.begin(), as_user.end());
        }
        FileVerdict verdict{file.string(), command, false, -1, {}};
        try {
            std::optional<Namespace> ns;
            if (use_namespace) ns.emplace(runner, links);
            auto result = runner.run(ns ? ns->wrap(command) : command, options.timeout_seconds);
            verdict.exit_code = result.exit_code;
            verdict.output = result.output;
            verdict.ok = result.exit_code == 0;
        } catch (const Error& e) {
            verdict.output = e.what();
        }
        for (const auto& c : cleanup) fs::remove(c);
        report.ok = report.ok && verdict.ok;
        report.files.push_back(std::move(verdict));
    }
    return report;
}

}  // namespace xcatdhcp::apply
