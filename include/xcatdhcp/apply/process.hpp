// Running programs: the one seam between the library and processes, so tests can drive it.
#pragma once

#include <string>
#include <vector>

namespace xcatdhcp::apply {

struct ProcessResult {
    int exit_code = -1;   // 124 on timeout, 127 when the program could not be started
    std::string output;   // stdout and stderr, interleaved as written
    bool timed_out = false;
};

class ProcessRunner {
public:
    virtual ~ProcessRunner() = default;
    virtual ProcessResult run(const std::vector<std::string>& argv, int timeout_seconds) = 0;
};

// fork/exec without a shell; output captured; killed (TERM, then KILL) on timeout.
class SystemRunner : public ProcessRunner {
public:
    ProcessResult run(const std::vector<std::string>& argv, int timeout_seconds) override;
};

// The first executable named `program` on PATH or in the sbin/bin directories, or "".
std::string find_program(const std::string& program);

}  // namespace xcatdhcp::apply
