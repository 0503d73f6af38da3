// Pieces shared by the ISC renderer's translation units (private to render/isc).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "render/isc/syntax.hpp"
#include "xcatdhcp/render/isc.hpp"

namespace xcatdhcp::render::isc::detail {

// A host's statements, in three parts: the naming statements, the boot chain, and what follows
// it (plan options, next-server). `static_form` writes `option host-name` where OMAPI objects
// say `send host-name` (as xCAT's static-host fallback does).
struct HostBody {
    std::vector<std::string> head;
    std::vector<syntax::Branch> chain;
    std::vector<std::string> tail;
};

HostBody host_body(const intent::Reservation& reservation, const intent::Intent& intent,
                   net::Family family, bool static_form);

// Static `host` blocks for the objects of one family, each between xCAT's start/end markers.
std::string static_host_blocks(const intent::Intent& intent, const IscProfile& profile,
                               net::Family family);

// hosts.omapi.json, with the host objects of host_objects(intent) (made one at a time, so
// it throws what host_objects() throws, in the same order).
std::string hosts_json(const intent::Intent& intent, const IscProfile& profile);

// (node, object name) of each v4 host object, in host_objects() order.
void for_each_v4_object_name(const intent::Intent& intent,
                             const std::function<void(const std::string&, const std::string&)>& f);

}  // namespace xcatdhcp::render::isc::detail
