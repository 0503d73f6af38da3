#include "xcatdhcp/error.hpp"
#include "xcatdhcp/inventory/digest.hpp"
#include "xcatdhcp/render/secrets.hpp"

#include <doctest/doctest.h>

using namespace xcatdhcp;

TEST_CASE("key files: BIND key statement as in /etc/xcat/ddns.key, or a bare base64 line") {
    auto k = render::parse_key_text(
        "# comment\nkey \"xcat_key\" {\n\talgorithm HMAC-SHA256;\n\tsecret \"c2VjcmV0c2VjcmV0\";\n};\n");
    CHECK(k.name == "xcat_key");
    CHECK(k.algorithm == "hmac-sha256");
    CHECK(k.secret == "c2VjcmV0c2VjcmV0");
    CHECK(render::parse_key_text("c2VjcmV0c2VjcmV0\n").secret == "c2VjcmV0c2VjcmV0");
    CHECK(render::parse_key_text("key xcat_key { algorithm hmac-md5; secret abcd; };").secret == "abcd");
    CHECK_THROWS_AS(render::parse_key_text("# secret \"abcd\"\n"), Error);  // commented out
    CHECK_THROWS_AS(render::parse_key_text(""), Error);
    try {
        render::parse_key_text("key k { secret \"not base64!\"; };");
        FAIL("accepted");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("not base64") != std::string::npos);
        CHECK(std::string(e.what()).find("not base64!") == std::string::npos);  // never echo secrets
    }
    CHECK(render::is_base64("YQ=="));
    CHECK_FALSE(render::is_base64("YQ="));
    CHECK_FALSE(render::is_base64("Y=Q="));
    CHECK_FALSE(render::is_base64("ab\"c"));
}

TEST_CASE("inventory digest: stable, and changes with the inventory") {
    inventory::Inventory a;
    a.site["domain"] = "x";
    auto b = a;
    CHECK(inventory::digest(a) == inventory::digest(b));
    CHECK(inventory::digest(a).size() == 64);
    b.site["domain"] = "y";
    CHECK(inventory::digest(a) != inventory::digest(b));
}
