// Prints how long building the intent takes for a generated N-node inventory, and the memory.
//   build/bin/bench_intent [NODES=100000] [RUNS=5]
#include "scale_inventory.hpp"

#include "xcatdhcp/intent/build.hpp"
#include "xcatdhcp/intent/json.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace {
long rss_kib(const char* field) {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::string(field).size());
    return -1;
}
}  // namespace

int main(int argc, char** argv) {
    int nodes = argc > 1 ? std::atoi(argv[1]) : 100000;
    int runs = argc > 2 ? std::atoi(argv[2]) : 5;
    using clock = std::chrono::steady_clock;

    auto t0 = clock::now();
    auto inventory = bench::scale_inventory(nodes);
    double generate_s = std::chrono::duration<double>(clock::now() - t0).count();
    long rss_inventory = rss_kib("VmRSS:");

    std::vector<double> times;
    std::size_t reservations = 0, diagnostics = 0;
    for (int i = 0; i < runs; ++i) {
        auto start = clock::now();
        auto result = xcatdhcp::intent::build(inventory);
        times.push_back(std::chrono::duration<double>(clock::now() - start).count());
        reservations = result.intent.reservation_count();
        diagnostics = result.diagnostics.size();
    }
    long peak = rss_kib("VmHWM:");
    std::sort(times.begin(), times.end());

    auto result = xcatdhcp::intent::build(inventory);
    auto start = clock::now();
    std::string json = xcatdhcp::intent::to_json(result.intent);
    double json_s = std::chrono::duration<double>(clock::now() - start).count();

    std::printf("nodes                 %d\n", nodes);
    std::printf("reservations          %zu\n", reservations);
    std::printf("diagnostics           %zu\n", diagnostics);
    std::printf("generate inventory    %.3f s\n", generate_s);
    std::printf("build intent          median %.3f s, min %.3f s, max %.3f s (%d runs)\n",
                times[times.size() / 2], times.front(), times.back(), runs);
    std::printf("intent to JSON        %.3f s (%.1f MB)\n", json_s, json.size() / 1e6);
    std::printf("RSS with inventory    %.1f MB\n", rss_inventory / 1024.0);
    std::printf("peak RSS (VmHWM)      %.1f MB (inventory + intent)\n", peak / 1024.0);
    return 0;
}
