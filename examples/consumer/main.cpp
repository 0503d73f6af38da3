// A third-party program using the installed libxcatdhcp: parse a dynamic range, pick a backend.
#include <xcatdhcp/backend.hpp>
#include <xcatdhcp/net/range.hpp>
#include <xcatdhcp/version.hpp>

#include <iostream>

int main() {
    auto ranges = xcatdhcp::net::parse_dynamic_ranges("10.0.0.10-10.0.0.99;10.0.1.0/24");
    xcatdhcp::inventory::ServerFacts facts;
    facts.platform = {"rocky", "10.0", "rhel", "platform:el10"};
    facts.backends = {{"kea", "3.0.1"}};
    auto choice = xcatdhcp::select_backend("auto", facts);
    std::cout << "libxcatdhcp " << xcatdhcp::library_version() << ": " << ranges.size()
              << " ranges, backend " << xcatdhcp::to_string(choice.backend) << "\n";
    return ranges.size() == 2 && choice.backend == xcatdhcp::Backend::kea ? 0 : 1;
}
