// Prints how long inventory -> intent -> files takes at N nodes, and the peak memory of a
// process that does only that (one backend per run, as a real render would).
//   build/bin/bench_render [NODES=100000] [RUNS=3] [isc|kea-2.2|kea-3.0] [OUTDIR]
#include "scale_inventory.hpp"

#include "xcatdhcp/intent/build.hpp"
#include "xcatdhcp/render/isc.hpp"
#include "xcatdhcp/render/kea.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {
long vm_hwm_kib() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
    return -1;
}
}  // namespace

int main(int argc, char** argv) {
    using namespace xcatdhcp;
    const int nodes = argc > 1 ? std::atoi(argv[1]) : 100000;
    const int runs = argc > 2 ? std::atoi(argv[2]) : 3;
    const std::string backend = argc > 3 ? argv[3] : "kea-2.2";
    const std::string outdir = argc > 4 ? argv[4] : "";
    const auto inventory = bench::scale_inventory(nodes);
    const render::Secrets secrets{"eGNhdGRoY3AtZXhhbXBsZS1rZXktbm90LWEtc2VjcmV0IQ==", ""};
    const long before = vm_hwm_kib();

    std::vector<double> times;
    std::size_t bytes = 0, files_count = 0;
    for (int i = 0; i < runs; ++i) {
        auto start = std::chrono::steady_clock::now();
        render::Files files;
        {
            auto intent = intent::build(inventory).intent;
            if (backend == "isc")
                files = render::isc::render(intent, render::isc::IscProfile::for_server(inventory.server), secrets);
            else if (backend == "kea-2.2")
                files = render::kea::render(intent, render::kea::KeaProfile::for_version({2, 2, 0}), secrets, {});
            else if (backend == "kea-3.0")
                files = render::kea::render(intent, render::kea::KeaProfile::for_version({3, 0, 4}), secrets, {});
            else {
                std::fprintf(stderr, "backend must be isc, kea-2.2 or kea-3.0\n");
                return 2;
            }
        }
        times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        bytes = 0;
        files_count = files.size();
        for (const auto& [name, content] : files) bytes += content.size();
        if (!outdir.empty() && i == runs - 1) {
            auto dir = std::filesystem::path(outdir) / backend;
            std::filesystem::create_directories(dir);
            for (const auto& [name, content] : files) std::ofstream(dir / name) << content;
        }
    }
    std::sort(times.begin(), times.end());
    std::printf("nodes %d, backend %s: intent + render median %.3f s (min %.3f, max %.3f, %d runs); "
                "%zu files, %.1f MB\n",
                nodes, backend.c_str(), times[times.size() / 2], times.front(), times.back(), runs,
                files_count, bytes / 1e6);
    std::printf("peak RSS %.1f MB (inventory alone %.1f MB)\n", vm_hwm_kib() / 1024.0, before / 1024.0);
    return 0;
}
