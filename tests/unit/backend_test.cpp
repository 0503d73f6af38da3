#include "xcatdhcp/backend.hpp"
#include "xcatdhcp/error.hpp"

#include <doctest/doctest.h>

using namespace xcatdhcp;
using xcatdhcp::inventory::Platform;
using xcatdhcp::inventory::ServerFacts;

namespace {
ServerFacts facts(Platform platform, bool isc, bool kea) {
    ServerFacts s;
    s.platform = std::move(platform);
    if (isc) s.backends["isc"] = "4.4.3";
    if (kea) s.backends["kea"] = "2.2.0";
    return s;
}
}  // namespace

TEST_CASE("auto picks per platform (every row of the selection table)") {
    struct Row { Platform platform; Backend expected; };
    Row rows[] = {
        {{"rhel", "8.10", "fedora", "platform:el8"}, Backend::isc},
        {{"rhel", "9.4", "fedora", "platform:el9"}, Backend::isc},
        {{"rhel", "10.0", "fedora", "platform:el10"}, Backend::kea},
        {{"rocky", "10.0", "rhel centos fedora", "platform:el10"}, Backend::kea},
        {{"rocky", "9.5", "rhel centos fedora", ""}, Backend::isc},
        {{"almalinux", "10.1", "rhel", ""}, Backend::kea},
        {{"centos", "10", "rhel fedora", ""}, Backend::kea},
        {{"ol", "10.0", "fedora", ""}, Backend::kea},
        {{"somerebuild", "10.0", "", "platform:el10"}, Backend::kea},
        {{"ubuntu", "18.04", "debian", ""}, Backend::isc},
        {{"ubuntu", "20.04", "debian", ""}, Backend::isc},
        {{"ubuntu", "22.04", "debian", ""}, Backend::kea},
        {{"ubuntu", "24.04", "debian", ""}, Backend::kea},
        {{"ubuntu", "26.04", "debian", ""}, Backend::kea},
        {{"debian", "12", "", ""}, Backend::isc},
        {{"sles", "15.5", "suse", ""}, Backend::isc},
        {{"opensuse-leap", "15.6", "suse opensuse", ""}, Backend::isc},
        {{"", "", "", ""}, Backend::isc},
    };
    for (const auto& row : rows) {
        CAPTURE(row.platform.id);
        CAPTURE(row.platform.version);
        CHECK(platform_default(row.platform).backend == row.expected);
        auto choice = select_backend("auto", facts(row.platform, true, true));
        CHECK(choice.backend == row.expected);
        CHECK_FALSE(choice.fell_back);
        CHECK(choice.reason.rfind("auto: ", 0) == 0);
    }
}

TEST_CASE("site.dhcpbackend values are trimmed and case-insensitive; unset means auto") {
    CHECK(parse_backend_setting("") == BackendSetting::automatic);
    CHECK(parse_backend_setting(" AUTO ") == BackendSetting::automatic);
    CHECK(parse_backend_setting("Kea") == BackendSetting::kea);
    CHECK(parse_backend_setting("\tisc\n") == BackendSetting::isc);
    for (const char* bad : {"dhcpd", "kea3", "  ", "isc;kea", "\"kea\"", "auto\nkea"}) {
        CAPTURE(bad);
        try {
            parse_backend_setting(bad);
            FAIL("accepted");
        } catch (const Error& e) {
            CHECK(e.attribute() == "site.dhcpbackend");
            CHECK(e.value() == bad);
            CHECK(std::string(e.what()).find("auto, isc and kea") != std::string::npos);
        }
    }
}

TEST_CASE("forced backends: installed works, missing fails clearly") {
    Platform el9{"rocky", "9.4", "", ""};
    CHECK(select_backend("kea", facts(el9, true, true)).backend == Backend::kea);  // forced kea on EL9
    CHECK(select_backend("isc", facts({"ubuntu", "24.04", "", ""}, true, true)).backend == Backend::isc);
    CHECK_THROWS_WITH_AS(select_backend("kea", facts(el9, true, false)),
                         doctest::Contains("Kea (kea-dhcp4) is not installed"), Error);
    CHECK_THROWS_WITH_AS(select_backend("isc", facts({"rocky", "10.0", "", ""}, false, true)),
                         doctest::Contains("ISC DHCP (dhcpd) is not installed"), Error);
}

TEST_CASE("auto falls back to the installed backend and says why; neither installed reports both") {
    auto ubuntu = Platform{"ubuntu", "22.04", "debian", ""};
    auto choice = select_backend("auto", facts(ubuntu, true, false));
    CHECK(choice.backend == Backend::isc);
    CHECK(choice.fell_back);
    CHECK(choice.reason.find("Kea (kea-dhcp4) is not installed") != std::string::npos);
    auto el8 = select_backend("", facts({"rhel", "8.10", "", ""}, false, true));
    CHECK(el8.backend == Backend::kea);
    CHECK(el8.fell_back);
    CHECK_THROWS_WITH_AS(select_backend("auto", facts(ubuntu, false, false)),
                         doctest::Contains("neither ISC DHCP (dhcpd) nor Kea (kea-dhcp4)"), Error);
}
