// A small argument reader: "--name value", "-n value", "--flag", and positionals.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "xcatdhcp/error.hpp"

namespace xcatdhcp::cli {

class Args {
public:
    // `valued` lists the options that take a value (long and short spellings).
    Args(const std::vector<std::string>& args, const std::set<std::string>& valued,
         const std::set<std::string>& flags) {
        for (std::size_t i = 0; i < args.size(); ++i) {
            const std::string& a = args[i];
            if (a.size() > 1 && a[0] == '-') {
                if (valued.count(a)) {
                    if (i + 1 >= args.size()) throw Error("option needs a value", "option", a);
                    values_[a].push_back(args[++i]);
                } else if (flags.count(a)) {
                    flags_.insert(a);
                } else {
                    throw Error("unknown option (see xcatdhcp --help)", "option", a);
                }
            } else {
                positionals_.push_back(a);
            }
        }
    }

    bool flag(const std::string& name) const { return flags_.count(name) > 0; }
    std::string value(const std::string& name, const std::string& alias = {},
                      const std::string& fallback = {}) const {
        for (const auto& key : {name, alias}) {
            auto it = values_.find(key);
            if (it != values_.end()) return it->second.back();
        }
        return fallback;
    }
    std::vector<std::string> values(const std::string& name, const std::string& alias = {}) const {
        std::vector<std::string> out;
        for (const auto& key : {name, alias}) {
            auto it = values_.find(key);
            if (it != values_.end()) out.insert(out.end(), it->second.begin(), it->second.end());
        }
        return out;
    }
    const std::vector<std::string>& positionals() const { return positionals_; }

private:
    std::map<std::string, std::vector<std::string>> values_;
    std::set<std::string> flags_;
    std::vector<std::string> positionals_;
};

}  // namespace xcatdhcp::cli
