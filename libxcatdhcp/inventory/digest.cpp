#include "xcatdhcp/inventory/digest.hpp"

#include "xcatdhcp/inventory/load.hpp"

#include <openssl/evp.h>

#include <cstdio>

namespace xcatdhcp::inventory {

std::string digest(const Inventory& inventory) {
    const std::string text = to_json(inventory);
    unsigned char hash[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(text.data(), text.size(), hash, &length, EVP_sha256(), nullptr);
    std::string hex;
    char buf[3];
    for (unsigned int i = 0; i < length; ++i) {
        std::snprintf(buf, sizeof buf, "%02x", hash[i]);
        hex += buf;
    }
    return hex;
}

}  // namespace xcatdhcp::inventory
