// Prints how long inventory -> intent -> files takes for ISC and for Kea at N nodes, and the
// peak memory. With an output directory it also writes the files (for timing the validators).
//   build/bin/bench_render [NODES=100000] [RUNS=3] [OUTDIR]
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
#include <functional>
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

double median_seconds(int runs, const std::function<void()>& work) {
    std::vector<double> t;
    for (int i = 0; i < runs; ++i) {
        auto start = std::chrono::steady_clock::now();
        work();
        t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}
}  // namespace

int main(int argc, char** argv) {
    using namespace xcatdhcp;
    int nodes = argc > 1 ? std::atoi(argv[1]) : 100000;
    int runs = argc > 2 ? std::atoi(argv[2]) : 3;
    std::string outdir = argc > 3 ? argv[3] : "";
    const auto inventory = bench::scale_inventory(nodes);
    const render::Secrets secrets{"eGNhdGRoY3AtZXhhbXBsZS1rZXktbm90LWEtc2VjcmV0IQ==", ""};

    render::Files isc_files, kea22_files, kea30_files;
    double isc = median_seconds(runs, [&] {
        auto intent = intent::build(inventory).intent;
        isc_files = render::isc::render(intent, render::isc::IscProfile::for_server(inventory.server), secrets);
    });
    long isc_peak = vm_hwm_kib();
    double kea22 = median_seconds(runs, [&] {
        auto intent = intent::build(inventory).intent;
        kea22_files = render::kea::render(intent, render::kea::KeaProfile::for_version({2, 2, 0}), secrets, {});
    });
    double kea30 = median_seconds(runs, [&] {
        auto intent = intent::build(inventory).intent;
        kea30_files = render::kea::render(intent, render::kea::KeaProfile::for_version({3, 0, 4}), secrets, {});
    });
    long peak = vm_hwm_kib();
    auto size_mb = [](const render::Files& files) {
        std::size_t n = 0;
        for (const auto& [name, content] : files) n += content.size();
        return n / 1e6;
    };
    std::printf("nodes                          %d\n", nodes);
    std::printf("ISC  (intent + render)         median %.3f s  (%zu files, %.1f MB)\n", isc, isc_files.size(), size_mb(isc_files));
    std::printf("Kea 2.2 profile (intent + render) median %.3f s  (%zu files, %.1f MB)\n", kea22, kea22_files.size(), size_mb(kea22_files));
    std::printf("Kea 3.0 profile (intent + render) median %.3f s  (%zu files, %.1f MB)\n", kea30, kea30_files.size(), size_mb(kea30_files));
    std::printf("peak RSS after ISC             %.1f MB\n", isc_peak / 1024.0);
    std::printf("peak RSS overall (VmHWM)       %.1f MB\n", peak / 1024.0);
    if (!outdir.empty()) {
        for (const auto& [dir, files] : {std::pair{"isc", &isc_files}, {"kea-2.2", &kea22_files}, {"kea-3.0", &kea30_files}}) {
            auto path = std::filesystem::path(outdir) / dir;
            std::filesystem::create_directories(path);
            for (const auto& [name, content] : *files) std::ofstream(path / name) << content;
        }
        std::printf("files written under            %s/{isc,kea-2.2,kea-3.0}\n", outdir.c_str());
    }
    return 0;
}
