// bench_omapi: adds N host objects to a running dhcpd natively (one OMAPI connection, pipelined)
// and the way xCAT does it (one omshell process per host, running the remove-by-name/address/MAC
// and create sequence), and prints both per-host times and the ratio.
//
// Needs a dhcpd with an OMAPI key; run it where that dhcpd's OMAPI port is reachable
// (tests/bench/omapi_bench.sh starts one in a network namespace and runs this inside it).
//
//   bench_omapi --key-file KEY [--server 127.0.0.1] [--port 7911] [--hosts 10000]
//               [--omshell-hosts N] [--omshell /usr/bin/omshell] [--connections 8] [--window 32] [--assume 255]
//               [--pool FIRST-LAST] [--replace]
//
// Host sets: native "nb%05d" on 10.78.0.0/16 payload addresses, omshell "ob%05d" on 10.79.0.0/16,
// so both add objects that do not exist yet (the three removals find nothing), as on a first
// makedhcp. --replace also times a second native add of the same hosts (every removal finds the
// old object: lookup, delete, create). --pool gives dhcpd's dynamic range: a third host set
// ("pb%05d", 10.80.0.0/16) is then also added with BatchOptions::pools (no lookup by address for
// addresses outside the pool: 3 requests per host instead of 4).
#include "xcatdhcp/control/omapi.hpp"
#include "xcatdhcp/render/isc.hpp"
#include "xcatdhcp/net/range.hpp"
#include "xcatdhcp/render/secrets.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

namespace omapi = xcatdhcp::control::omapi;
using xcatdhcp::render::isc::HostObject;
using Clock = std::chrono::steady_clock;

struct Options {
    std::string server = "127.0.0.1";
    std::uint16_t port = 7911;
    std::string key_file;
    std::size_t hosts = 10000;
    std::size_t omshell_hosts = 0;  // 0 = same as hosts
    std::string omshell = "/usr/bin/omshell";
    std::size_t window = 32;
    std::size_t assumed = 255;
    std::size_t connections = 8;
    bool replace = false;
    std::string pool;  // "FIRST-LAST"
};

std::string mac_of(unsigned set, std::size_t i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "02:%02x:00:%02x:%02x:%02x", set, static_cast<unsigned>((i >> 16) & 0xff),
                  static_cast<unsigned>((i >> 8) & 0xff), static_cast<unsigned>(i & 0xff));
    return buf;
}

// Host objects shaped like xCAT's: name, MAC as hardware address and client identifier, fixed
// address, and the usual statements (ddns-hostname, host-name, a boot file chain).
std::vector<HostObject> make_hosts(const char* prefix, unsigned set, unsigned second_octet, std::size_t n) {
    std::vector<HostObject> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        HostObject h;
        char name[32];
        std::snprintf(name, sizeof name, "%s%05zu", prefix, i);
        h.node = h.name = name;
        h.hardware_type = 1;
        h.mac = h.client_identifier = mac_of(set, i);
        h.ip = xcatdhcp::net::IpAddress::v4((10u << 24) | (second_octet << 16) | static_cast<std::uint32_t>(i + 1));
        h.statements = "ddns-hostname \"" + h.name + "\"; send host-name \"" + h.name +
                       "\"; if option client-architecture = 00:07 { filename \"xcat/xnba.efi\"; } "
                       "else { filename \"xcat/xnba.kpxe\"; }";
        out.push_back(std::move(h));
    }
    return out;
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Runs omshell with `script` on stdin; returns its output.
std::string run_omshell(const std::string& omshell, const std::string& script) {
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, out[1], 2);
    posix_spawn_file_actions_addclose(&fa, in[1]);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    char* argv[] = {const_cast<char*>(omshell.c_str()), nullptr};
    pid_t pid = 0;
    int rc = posix_spawn(&pid, omshell.c_str(), &fa, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    if (rc != 0) {
        close(in[1]);
        close(out[0]);
        throw std::runtime_error("cannot run " + omshell + ": " + std::strerror(rc));
    }
    // Scripts are a few hundred bytes, far below the pipe buffer: write, close, then read.
    std::size_t off = 0;
    while (off < script.size()) {
        ssize_t n = write(in[1], script.data() + off, script.size() - off);
        if (n <= 0) break;
        off += static_cast<std::size_t>(n);
    }
    close(in[1]);
    std::string text;
    char buf[4096];
    for (;;) {
        ssize_t n = read(out[0], buf, sizeof buf);
        if (n <= 0) break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    close(out[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return text;
}

void usage() {
    std::cerr << "usage: bench_omapi --key-file KEY [--server S] [--port P] [--hosts N] [--omshell-hosts N]\n"
                 "                   [--omshell PATH] [--connections N] [--window N] [--assume BYTES] [--pool A-B]\n"
                 "                   [--replace]\n";
}

}  // namespace

int main(int argc, char** argv) {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures appear as they are measured
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                usage();
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--server") o.server = next();
        else if (a == "--port") o.port = static_cast<std::uint16_t>(std::stoul(next()));
        else if (a == "--key-file") o.key_file = next();
        else if (a == "--hosts") o.hosts = std::stoul(next());
        else if (a == "--omshell-hosts") o.omshell_hosts = std::stoul(next());
        else if (a == "--omshell") o.omshell = next();
        else if (a == "--window") o.window = std::stoul(next());
        else if (a == "--assume") o.assumed = std::stoul(next());
        else if (a == "--connections") o.connections = std::stoul(next());
        else if (a == "--replace") o.replace = true;
        else if (a == "--pool") o.pool = next();
        else {
            usage();
            return 2;
        }
    }
    if (o.key_file.empty()) {
        usage();
        return 2;
    }
    if (o.omshell_hosts == 0) o.omshell_hosts = o.hosts;
    try {
        std::ifstream file(o.key_file);
        std::stringstream text;
        text << file.rdbuf();
        auto key = xcatdhcp::render::parse_key_text(text.str());
        std::string algorithm = key.algorithm.empty() ? "hmac-md5" : key.algorithm;

        omapi::ClientOptions co;
        co.server = o.server;
        co.port = o.port;
        co.key_name = key.name;
        co.algorithm = algorithm;
        co.secret = key.secret;
        co.window = o.window;
        co.assumed_field_bytes = o.assumed;
        co.connections = o.connections;

        // ---- native
        auto native = make_hosts("nb", 0xb0, 78, o.hosts);
        auto t0 = Clock::now();
        omapi::Client client(co);
        auto report = client.add(native);
        double native_s = seconds_since(t0);
        if (report.failed()) {
            std::cerr << "native add: " << report.failed() << " hosts failed, first: ";
            for (const auto& h : report.hosts)
                if (!h.ok) {
                    std::cerr << h.name << ": " << h.message << "\n";
                    break;
                }
            return 1;
        }
        double native_us = native_s * 1e6 / static_cast<double>(o.hosts);
        std::printf("native:  %zu hosts added in %.3f s = %.1f us/host (%zu OMAPI requests, %zu connections, "
                    "window %zu)\n",
                    o.hosts, native_s, native_us, report.requests, o.connections, o.window);

        // verify a sample through lookups
        std::vector<omapi::HostKey> keys;
        for (std::size_t i = 0; i < native.size(); i += std::max<std::size_t>(1, native.size() / 100))
            keys.push_back(omapi::HostKey::by_name(native[i].name));
        for (const auto& r : client.lookup(keys))
            if (!r.host) {
                std::cerr << "native: a created host is not found\n";
                return 1;
            }

        if (o.replace) {
            auto t1 = Clock::now();
            auto again = client.add(native);
            double s = seconds_since(t1);
            std::size_t removed = 0;
            for (const auto& h : again.hosts) removed += h.removed;
            std::printf("native replace: %zu hosts (%zu old objects removed) in %.3f s = %.1f us/host (%zu requests)\n",
                        o.hosts, removed, s, s * 1e6 / static_cast<double>(o.hosts), again.requests);
            if (again.failed()) {
                std::cerr << "native replace: " << again.failed() << " failed\n";
                return 1;
            }
        }
        double pooled_us = 0;
        if (!o.pool.empty()) {
            omapi::BatchOptions pooled;
            pooled.pools = xcatdhcp::net::parse_dynamic_ranges(o.pool);
            auto third = make_hosts("pb", 0xb2, 80, o.hosts);
            auto t3 = Clock::now();
            auto r = client.add(third, pooled);
            double s = seconds_since(t3);
            pooled_us = s * 1e6 / static_cast<double>(o.hosts);
            std::printf("native, pool-aware (no lookup by address outside %s): %zu hosts in %.3f s = %.1f us/host "
                        "(%zu requests)\n",
                        o.pool.c_str(), o.hosts, s, s * 1e6 / static_cast<double>(o.hosts), r.requests);
            if (r.failed()) {
                std::cerr << "native pool-aware: " << r.failed() << " failed\n";
                return 1;
            }
        }
        client.close();

        // ---- omshell, one process per host (xCAT's makedhcp)
        auto shell_hosts = make_hosts("ob", 0xb1, 79, o.omshell_hosts);
        xcatdhcp::intent::Key ikey{key.name, algorithm};
        xcatdhcp::render::Secrets secrets;
        secrets.omapi_secret = key.secret;
        xcatdhcp::render::isc::IscProfile profile;
        profile.omapi_port = o.port;
        xcatdhcp::render::isc::OmshellRequest request;
        request.server = o.server;
        std::size_t failures = 0;
        auto t2 = Clock::now();
        for (const auto& h : shell_hosts) {
            std::string script = xcatdhcp::render::isc::omshell_script({h}, ikey, secrets, profile, request);
            std::string output = run_omshell(o.omshell, script);
            // The removals of absent objects print "can't open object: not found"; only the
            // create may not fail.
            if (output.find("can't create object") != std::string::npos ||
                output.find("connection reset") != std::string::npos ||
                output.find("can't open object: already exists") != std::string::npos)
                ++failures;
        }
        double shell_s = seconds_since(t2);
        double shell_us = shell_s * 1e6 / static_cast<double>(shell_hosts.size());
        std::printf("omshell: %zu hosts added in %.3f s = %.1f us/host (one omshell process per host)\n",
                    shell_hosts.size(), shell_s, shell_us);
        if (failures) std::printf("omshell: %zu hosts reported a failure\n", failures);

        // check the omshell hosts exist
        omapi::Client check(co);
        std::vector<omapi::HostKey> skeys;
        for (std::size_t i = 0; i < shell_hosts.size(); i += std::max<std::size_t>(1, shell_hosts.size() / 100))
            skeys.push_back(omapi::HostKey::by_name(shell_hosts[i].name));
        std::size_t missing = 0;
        for (const auto& r : check.lookup(skeys))
            if (!r.host) ++missing;
        if (missing) std::printf("omshell: %zu of %zu sampled hosts are missing\n", missing, skeys.size());

        std::printf("ratio:   native is %.0fx faster per host than one omshell per host\n", shell_us / native_us);
        if (pooled_us > 0)
            std::printf("ratio:   native, pool-aware, is %.0fx faster per host than one omshell per host\n",
                        shell_us / pooled_us);
        return failures || missing ? 1 : 0;
    } catch (const std::exception& e) {
        std::cerr << "bench_omapi: " << e.what() << "\n";
        return 1;
    }
}
