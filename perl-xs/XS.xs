/*
 * xCAT::DHCP::XS: the Perl face of libxcatdhcp. A thin layer: Perl data in, library types,
 * library call, Perl data out. No DHCP logic lives here.
 *
 * Every XSUB runs in three phases so that neither a C++ exception nor a Perl die crosses
 * the other language's frames:
 *   1. Perl only: read and check the arguments and copy them into plain byte buffers
 *      (mortal SVs). Tied or overloaded values may die here; no C++ object is alive yet.
 *   2. C++ only, inside try/catch: decode the buffers into library types, call the library,
 *      and build the results as mortal Perl values (newSV... never die on their own).
 *      Any exception becomes a mortal message SV.
 *   3. Back in the XSUB, with every C++ object destroyed: croak with that message, or return.
 *
 * Strings are bytes: a character string (UTF-8 flagged) is passed as its UTF-8 encoding, a
 * byte string as it is. Results are byte strings.
 */

#include "xcatdhcp/backend.hpp"
#include "xcatdhcp/error.hpp"
#include "xcatdhcp/intent/build.hpp"
#include "xcatdhcp/intent/intent.hpp"
#include "xcatdhcp/intent/json.hpp"
#include "xcatdhcp/inventory/digest.hpp"
#include "xcatdhcp/inventory/inventory.hpp"
#include "xcatdhcp/inventory/load.hpp"
#include "xcatdhcp/net/mac.hpp"
#include "xcatdhcp/net/range.hpp"
#include "xcatdhcp/render/files.hpp"
#include "xcatdhcp/render/secrets.hpp"
#include "xcatdhcp/version.hpp"

#include "xcatdhcp/host/facts.hpp"

#include "xcatdhcp/render/isc.hpp"
#include "xcatdhcp/apply/validate.hpp"
#include "xcatdhcp/render/kea.hpp"

#include "xcatdhcp/apply/apply.hpp"
#include "xcatdhcp/apply/setup.hpp"
#include "xcatdhcp/control/kea_client.hpp"
#include "xcatdhcp/control/omapi.hpp"
#include "xcatdhcp/live/isc_reservations.hpp"
#include "xcatdhcp/live/kea_reservations.hpp"

#include <charconv>
#include <cstdint>
#include <cstring>
#include <chrono>
#include <exception>
#include <fstream>
#include <set>
#include <sstream>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

extern "C" {
#define PERL_NO_GET_CONTEXT
#include "EXTERN.h"
#include "perl.h"
#include "XSUB.h"
}

namespace inv = xcatdhcp::inventory;
namespace intent = xcatdhcp::intent;

#define INVENTORY_CLASS "xCAT::DHCP::XS::Inventory"
#define INTENT_CLASS "xCAT::DHCP::XS::Intent"

/* ------------------------------------------------------------------------------------------ */
/* Opaque objects: a blessed reference to a scalar carrying ext magic whose mg_ptr owns the    */
/* C++ value. The magic cannot be forged from Perl, so a hand-made blessed scalar is refused.  */

static int inventory_free(pTHX_ SV*, MAGIC* mg) {
    delete reinterpret_cast<inv::Inventory*>(mg->mg_ptr);
    mg->mg_ptr = nullptr;
    return 0;
}
static int intent_free(pTHX_ SV*, MAGIC* mg) {
    delete reinterpret_cast<intent::Intent*>(mg->mg_ptr);
    mg->mg_ptr = nullptr;
    return 0;
}

static MGVTBL inventory_vtbl = {nullptr, nullptr, nullptr, nullptr, inventory_free,
                                nullptr, nullptr, nullptr};
static MGVTBL intent_vtbl = {nullptr, nullptr, nullptr, nullptr, intent_free,
                             nullptr, nullptr, nullptr};

/* Takes ownership of `object`; returns a mortal blessed reference. */
static SV* wrap_object(pTHX_ void* object, MGVTBL* vtbl, const char* klass) {
    SV* inner = newSV(0);
    sv_magicext(inner, nullptr, PERL_MAGIC_ext, vtbl, reinterpret_cast<const char*>(object), 0);
    SV* ref = sv_2mortal(newRV_noinc(inner));
    sv_bless(ref, gv_stashpv(klass, GV_ADD));
    return ref;
}

/* The C++ value behind an object, or nullptr when `sv` is not one of ours. */
static void* unwrap_object(pTHX_ SV* sv, MGVTBL* vtbl) {
    if (!sv || !SvROK(sv)) return nullptr;
    MAGIC* mg = mg_findext(SvRV(sv), PERL_MAGIC_ext, vtbl);
    return mg ? mg->mg_ptr : nullptr;
}

/* ------------------------------------------------------------------------------------------ */
/* Phase 1 helpers: Perl only (may croak), no C++ object with a destructor.                    */

static const char* describe(pTHX_ SV* sv) {
    if (!sv || !SvOK(sv)) return "undef";
    if (!SvROK(sv)) return "a string";
    switch (SvTYPE(SvRV(sv))) {
    case SVt_PVHV: return "a hash reference";
    case SVt_PVAV: return "an array reference";
    case SVt_PVCV: return "a code reference";
    default: return "a reference";
    }
}

/* A name or value for one of our own messages, quoted and escaped like the library's
 * (xcatdhcp::quote), as a mortal SV: hostile text cannot forge lines in a log. */
static const char* quoted(pTHX_ const char* p, STRLEN len) {
    SV* out = sv_2mortal(newSVpvs(""));
    try {
        std::string q = xcatdhcp::quote(std::string_view(p, len));
        sv_setpvn(out, q.data(), q.size());
    } catch (...) {
        sv_setpvs(out, "'...'");
    }
    return SvPVX(out);
}

/* A string argument: undef and plain references are refused, naming the argument. */
static const char* string_arg(pTHX_ SV* sv, const char* function, const char* name, STRLEN* len) {
    SvGETMAGIC(sv);
    if (!SvOK(sv)) croak("%s: argument '%s' must be a string, not undef", function, name);
    if (SvROK(sv) && !SvAMAGIC(sv))
        croak("%s: argument '%s' must be a string, not %s", function, name, describe(aTHX_ sv));
    return SvPV_nomg(sv, *len);
}

static HV* hash_arg(pTHX_ SV* sv, const char* function, const char* name) {
    SvGETMAGIC(sv);
    if (!SvROK(sv) || SvTYPE(SvRV(sv)) != SVt_PVHV)
        croak("%s: argument '%s' must be a hash reference, not %s", function, name,
              describe(aTHX_ sv));
    return (HV*)SvRV(sv);
}

/* Byte buffer: a mortal SV holding tagged, length-prefixed strings. */
static SV* buffer_new(pTHX) {
    SV* buf = sv_2mortal(newSVpvs(""));
    return buf;
}
static void buffer_tag(pTHX_ SV* buf, char tag) { sv_catpvn(buf, &tag, 1); }
static void buffer_str(pTHX_ SV* buf, const char* p, STRLEN len) {
    std::uint64_t n = len;
    sv_catpvn(buf, reinterpret_cast<const char*>(&n), sizeof n);
    sv_catpvn(buf, p, len);
}

/* A scalar table value as bytes; 0 for undef (absent). References croak unless overloaded. */
static const char* value_bytes(pTHX_ SV* sv, STRLEN* len, const char* function,
                               const char* owner, const char* key) {
    SvGETMAGIC(sv);
    if (!SvOK(sv)) return nullptr;
    if (SvROK(sv) && !SvAMAGIC(sv))
        croak("%s: %s attribute %s must be a string, not %s", function, owner,
              quoted(aTHX_ key, std::strlen(key)), describe(aTHX_ sv));
    return SvPV_nomg(sv, *len);
}

/* attr => value pairs of one object: 'P' key value ... 'E'. */
static void flatten_attributes(pTHX_ SV* buf, SV* ref, const char* function, const char* owner) {
    SvGETMAGIC(ref);
    if (!SvROK(ref) || SvTYPE(SvRV(ref)) != SVt_PVHV)
        croak("%s: %s must be a hash reference of attribute => value, not %s", function, owner,
              describe(aTHX_ ref));
    HV* hv = (HV*)SvRV(ref);
    hv_iterinit(hv);
    while (HE* he = hv_iternext(hv)) {
        SV* keysv = hv_iterkeysv(he);
        STRLEN klen;
        const char* key = SvPV(keysv, klen);
        STRLEN vlen = 0;
        const char* value = value_bytes(aTHX_ hv_iterval(hv, he), &vlen, function, owner, key);
        if (!value) continue;  // undef: absent
        buffer_tag(aTHX_ buf, 'P');
        buffer_str(aTHX_ buf, key, klen);
        buffer_str(aTHX_ buf, value, vlen);
    }
    buffer_tag(aTHX_ buf, 'E');
}

/* A table of objects: a hash name => {attrs}, or an array of rows each naming itself in
 * `name_key` (e.g. the networks table's "netname"). 'O' name attrs... 'E'; then 'E'. */
static void flatten_table(pTHX_ SV* buf, SV* ref, const char* function, const char* what,
                          const char* name_key) {
    SvGETMAGIC(ref);
    if (SvROK(ref) && SvTYPE(SvRV(ref)) == SVt_PVHV) {
        HV* hv = (HV*)SvRV(ref);
        hv_iterinit(hv);
        while (HE* he = hv_iternext(hv)) {
            SV* keysv = hv_iterkeysv(he);
            STRLEN nlen;
            const char* name = SvPV(keysv, nlen);
            SV* row = hv_iterval(hv, he);
            SvGETMAGIC(row);
            if (!SvOK(row)) row = sv_2mortal(newRV_noinc((SV*)newHV()));  // no attributes
            SV* owner = sv_2mortal(newSVpvf("%s %s", what, quoted(aTHX_ name, nlen)));
            buffer_tag(aTHX_ buf, 'O');
            buffer_str(aTHX_ buf, name, nlen);
            flatten_attributes(aTHX_ buf, row, function, SvPV_nolen(owner));
        }
    } else if (SvROK(ref) && SvTYPE(SvRV(ref)) == SVt_PVAV) {
        AV* av = (AV*)SvRV(ref);
        SSize_t top = av_top_index(av);
        for (SSize_t i = 0; i <= top; ++i) {
            SV** row = av_fetch(av, i, 0);
            SV* rowsv = row ? *row : &PL_sv_undef;
            SvGETMAGIC(rowsv);
            if (!SvROK(rowsv) || SvTYPE(SvRV(rowsv)) != SVt_PVHV)
                croak("%s: %s row %ld must be a hash reference, not %s", function, what, (long)i,
                      describe(aTHX_ rowsv));
            SV** namesv = hv_fetch((HV*)SvRV(rowsv), name_key, (I32)std::strlen(name_key), 0);
            STRLEN nlen = 0;
            const char* name = nullptr;
            if (namesv) {
                SvGETMAGIC(*namesv);
                if (SvOK(*namesv) && !(SvROK(*namesv) && !SvAMAGIC(*namesv)))
                    name = SvPV_nomg(*namesv, nlen);
            }
            if (!name)
                croak("%s: %s row %ld has no '%s' naming it", function, what, (long)i, name_key);
            SV* owner = sv_2mortal(newSVpvf("%s %s", what, quoted(aTHX_ name, nlen)));
            buffer_tag(aTHX_ buf, 'O');
            buffer_str(aTHX_ buf, name, nlen);
            flatten_attributes(aTHX_ buf, rowsv, function, SvPV_nolen(owner));
        }
    } else if (SvOK(ref)) {
        croak("%s: %s must be a hash reference (name => {attribute => value}) or an array "
              "reference of rows, not %s", function, what, describe(aTHX_ ref));
    }
    buffer_tag(aTHX_ buf, 'E');
}

/* Perl data -> JSON text (scalars as strings, booleans as true/false, undef as null), for the
 * library's own server-facts reader. Depth-limited: a reference cycle croaks. */
static void json_string(pTHX_ SV* out, const char* p, STRLEN len) {
    sv_catpvs(out, "\"");
    const char* run = p;
    for (STRLEN i = 0; i < len; ++i) {
        unsigned char c = static_cast<unsigned char>(p[i]);
        if (c == '"' || c == '\\' || c < 0x20) {
            sv_catpvn(out, run, &p[i] - run);
            if (c == '"') sv_catpvs(out, "\\\"");
            else if (c == '\\') sv_catpvs(out, "\\\\");
            else sv_catpvf(out, "\\u%04x", static_cast<unsigned>(c));
            run = &p[i + 1];
        }
    }
    sv_catpvn(out, run, p + len - run);
    sv_catpvs(out, "\"");
}

static void perl_to_json(pTHX_ SV* out, SV* sv, const char* function, const char* what, int depth) {
    if (depth > 64) croak("%s: %s is nested too deeply (a reference cycle?)", function, what);
    SvGETMAGIC(sv);
    if (!SvOK(sv)) {
        sv_catpvs(out, "null");
        return;
    }
#ifdef SvIsBOOL
    if (SvIsBOOL(sv)) {
        if (SvTRUE_nomg(sv)) sv_catpvs(out, "true");
        else sv_catpvs(out, "false");
        return;
    }
#endif
    if (SvROK(sv)) {
        SV* target = SvRV(sv);
        if (SvOBJECT(target) && (sv_derived_from(sv, "JSON::PP::Boolean") ||
                                 sv_derived_from(sv, "boolean") ||
                                 sv_derived_from(sv, "Types::Serialiser::Boolean"))) {
            if (SvTRUE(sv)) sv_catpvs(out, "true");
            else sv_catpvs(out, "false");
            return;
        }
        if (!SvOBJECT(target) && SvTYPE(target) == SVt_PVHV) {
            HV* hv = (HV*)target;
            sv_catpvs(out, "{");
            bool first = true;
            hv_iterinit(hv);
            while (HE* he = hv_iternext(hv)) {
                SV* keysv = hv_iterkeysv(he);
                STRLEN klen;
                const char* key = SvPV(keysv, klen);
                if (!first) sv_catpvs(out, ",");
                first = false;
                json_string(aTHX_ out, key, klen);
                sv_catpvs(out, ":");
                perl_to_json(aTHX_ out, hv_iterval(hv, he), function, what, depth + 1);
            }
            sv_catpvs(out, "}");
            return;
        }
        if (!SvOBJECT(target) && SvTYPE(target) == SVt_PVAV) {
            AV* av = (AV*)target;
            sv_catpvs(out, "[");
            SSize_t top = av_top_index(av);
            for (SSize_t i = 0; i <= top; ++i) {
                if (i) sv_catpvs(out, ",");
                SV** item = av_fetch(av, i, 0);
                perl_to_json(aTHX_ out, item ? *item : &PL_sv_undef, function, what, depth + 1);
            }
            sv_catpvs(out, "]");
            return;
        }
        if (!SvAMAGIC(sv))
            croak("%s: %s may hold only hashes, arrays, strings and booleans, not %s", function,
                  what, describe(aTHX_ sv));
    }
    STRLEN len;
    const char* p = SvPV_nomg(sv, len);
    json_string(aTHX_ out, p, len);
}

/* Server facts: a hash (the `server:` section of the YAML inventory form) or YAML/JSON text. */
static SV* facts_text(pTHX_ SV* sv, const char* function, const char* name) {
    SvGETMAGIC(sv);
    if (!SvOK(sv)) croak("%s: argument '%s' must be a hash reference or YAML/JSON text, not undef",
                         function, name);
    if (SvROK(sv) && SvTYPE(SvRV(sv)) == SVt_PVHV && !SvOBJECT(SvRV(sv))) {
        SV* out = sv_2mortal(newSVpvs(""));
        perl_to_json(aTHX_ out, sv, function, name, 0);
        return out;
    }
    if (SvROK(sv) && !SvAMAGIC(sv))
        croak("%s: argument '%s' must be a hash reference or YAML/JSON text, not %s", function,
              name, describe(aTHX_ sv));
    STRLEN len;
    const char* p = SvPV_nomg(sv, len);
    return sv_2mortal(newSVpvn(p, len));
}

/* An inventory argument: one of our objects, or a hash {site, networks, nodes, osimages,
 * server} as load_inventory and to_hash return it. Returns the object's Inventory, or flattens
 * the hash into *buf and *facts. */
static const inv::Inventory* inventory_arg(pTHX_ SV* sv, const char* function, SV** buf,
                                           SV** facts) {
    SvGETMAGIC(sv);
    if (auto* object = static_cast<const inv::Inventory*>(unwrap_object(aTHX_ sv, &inventory_vtbl)))
        return object;
    if (!SvROK(sv) || SvTYPE(SvRV(sv)) != SVt_PVHV || SvOBJECT(SvRV(sv)))
        croak("%s: argument 'inventory' must be an " INVENTORY_CLASS
              " object or a hash reference {site, networks, nodes, osimages, server}, not %s",
              function, describe(aTHX_ sv));
    HV* hv = (HV*)SvRV(sv);
    *buf = buffer_new(aTHX);
    *facts = nullptr;
    static const char* known[] = {"site", "networks", "nodes", "osimages", "server"};
    hv_iterinit(hv);
    while (HE* he = hv_iternext(hv)) {
        STRLEN klen;
        const char* key = SvPV(hv_iterkeysv(he), klen);
        bool ok = false;
        for (const char* k : known) ok = ok || (std::strlen(k) == klen && !std::memcmp(k, key, klen));
        if (!ok)
            croak("%s: unknown inventory section %s (known: site, networks, nodes, osimages, "
                  "server)", function, quoted(aTHX_ key, klen));
    }
    SV** site = hv_fetchs(hv, "site", 0);
    if (site && SvOK(*site)) flatten_attributes(aTHX_ *buf, *site, function, "site");
    else buffer_tag(aTHX_ *buf, 'E');
    const char* tables[][2] = {{"networks", "network"}, {"nodes", "node"}, {"osimages", "osimage"}};
    const char* name_keys[] = {"netname", "node", "imagename"};
    for (int i = 0; i < 3; ++i) {
        SV** table = hv_fetch(hv, tables[i][0], (I32)std::strlen(tables[i][0]), 0);
        flatten_table(aTHX_ *buf, table ? *table : &PL_sv_undef, function, tables[i][1],
                      name_keys[i]);
    }
    SV** server = hv_fetchs(hv, "server", 0);
    if (server && SvOK(*server)) *facts = facts_text(aTHX_ *server, function, "inventory.server");
    return nullptr;
}

/* Build options: {previous_subnet_ids => {prefix => id}, second_stage_user_classes => [..]}.
 * Flattened as 'S' prefix id ... then 'U' class ... then 'E'; 'C' marks "classes given". */
static SV* options_arg(pTHX_ SV* sv, const char* function) {
    SV* buf = buffer_new(aTHX);
    SvGETMAGIC(sv);
    if (!SvOK(sv)) {
        buffer_tag(aTHX_ buf, 'E');
        return buf;
    }
    HV* hv = hash_arg(aTHX_ sv, function, "options");
    hv_iterinit(hv);
    while (HE* he = hv_iternext(hv)) {
        STRLEN klen;
        const char* key = SvPV(hv_iterkeysv(he), klen);
        std::string_view k(key, klen);
        if (k != "previous_subnet_ids" && k != "second_stage_user_classes" && k != "decode_intent")
            croak("%s: unknown option %s (known: previous_subnet_ids, "
                  "second_stage_user_classes, decode_intent)", function, quoted(aTHX_ key, klen));
    }
    if (SV** ids = hv_fetchs(hv, "previous_subnet_ids", 0); ids && SvOK(*ids)) {
        HV* idhv = hash_arg(aTHX_ *ids, function, "options.previous_subnet_ids");
        hv_iterinit(idhv);
        while (HE* he = hv_iternext(idhv)) {
            STRLEN klen, vlen = 0;
            const char* key = SvPV(hv_iterkeysv(he), klen);
            const char* value =
                value_bytes(aTHX_ hv_iterval(idhv, he), &vlen, function, "previous_subnet_ids", key);
            if (!value)
                croak("%s: previous_subnet_ids %s must be a subnet id, not undef", function,
                      quoted(aTHX_ key, klen));
            buffer_tag(aTHX_ buf, 'S');
            buffer_str(aTHX_ buf, key, klen);
            buffer_str(aTHX_ buf, value, vlen);
        }
    }
    if (SV** classes = hv_fetchs(hv, "second_stage_user_classes", 0); classes && SvOK(*classes)) {
        SvGETMAGIC(*classes);
        if (!SvROK(*classes) || SvTYPE(SvRV(*classes)) != SVt_PVAV)
            croak("%s: option 'second_stage_user_classes' must be an array reference, not %s",
                  function, describe(aTHX_ *classes));
        AV* av = (AV*)SvRV(*classes);
        buffer_tag(aTHX_ buf, 'C');
        SSize_t top = av_top_index(av);
        for (SSize_t i = 0; i <= top; ++i) {
            SV** item = av_fetch(av, i, 0);
            STRLEN len = 0;
            const char* value = item ? value_bytes(aTHX_ *item, &len, function,
                                                   "second_stage_user_classes", "[]")
                                     : nullptr;
            if (!value)
                croak("%s: second_stage_user_classes[%ld] must be a string, not undef", function,
                      (long)i);
            buffer_tag(aTHX_ buf, 'U');
            buffer_str(aTHX_ buf, value, len);
        }
    }
    buffer_tag(aTHX_ buf, 'E');
    return buf;
}

/* Renderer and validator arguments (profile, secrets, options): a flat hash of strings,
 * 'P' key value ... 'E'. In a profile, the key `server_facts` (a hash or YAML/JSON text) is
 * taken out into *facts. undef is an empty hash. */
[[maybe_unused]] static SV* flat_hash_arg(pTHX_ SV* sv, const char* function, const char* name, SV** facts) {
    SV* buf = buffer_new(aTHX);
    if (facts) *facts = nullptr;
    SvGETMAGIC(sv);
    if (!SvOK(sv)) {
        buffer_tag(aTHX_ buf, 'E');
        return buf;
    }
    HV* hv = hash_arg(aTHX_ sv, function, name);
    hv_iterinit(hv);
    while (HE* he = hv_iternext(hv)) {
        STRLEN klen;
        const char* key = SvPV(hv_iterkeysv(he), klen);
        SV* value = hv_iterval(hv, he);
        if (facts && std::string_view(key, klen) == "server_facts") {
            SvGETMAGIC(value);
            if (SvOK(value)) *facts = facts_text(aTHX_ value, function, "profile.server_facts");
            continue;
        }
        STRLEN vlen = 0;
        const char* bytes = value_bytes(aTHX_ value, &vlen, function, name, key);
        if (!bytes) continue;
        buffer_tag(aTHX_ buf, 'P');
        buffer_str(aTHX_ buf, key, klen);
        buffer_str(aTHX_ buf, bytes, vlen);
    }
    buffer_tag(aTHX_ buf, 'E');
    return buf;
}

/* A renderer profile: string values, lists of strings ('A' key 'U' item ... 'E') and one level
 * of nested hashes ('H' key pairs... 'E'); `server_facts` is taken out into *facts when facts
 * is given. undef values are absent. */
[[maybe_unused]] static SV* profile_arg(pTHX_ SV* sv, const char* function, SV** facts) {
    SV* buf = buffer_new(aTHX);
    if (facts) *facts = nullptr;
    SvGETMAGIC(sv);
    if (!SvOK(sv)) {
        buffer_tag(aTHX_ buf, 'E');
        return buf;
    }
    HV* hv = hash_arg(aTHX_ sv, function, "profile");
    hv_iterinit(hv);
    while (HE* he = hv_iternext(hv)) {
        STRLEN klen;
        const char* key = SvPV(hv_iterkeysv(he), klen);
        SV* value = hv_iterval(hv, he);
        SvGETMAGIC(value);
        if (!SvOK(value)) continue;
        if (facts && std::string_view(key, klen) == "server_facts") {
            *facts = facts_text(aTHX_ value, function, "profile.server_facts");
            continue;
        }
        SV* owner = sv_2mortal(newSVpvf("profile.%s", quoted(aTHX_ key, klen)));
        if (SvROK(value) && !SvOBJECT(SvRV(value)) && SvTYPE(SvRV(value)) == SVt_PVAV) {
            AV* av = (AV*)SvRV(value);
            buffer_tag(aTHX_ buf, 'A');
            buffer_str(aTHX_ buf, key, klen);
            SSize_t top = av_top_index(av);
            for (SSize_t i = 0; i <= top; ++i) {
                SV** item = av_fetch(av, i, 0);
                STRLEN len = 0;
                const char* bytes =
                    item ? value_bytes(aTHX_ *item, &len, function, SvPV_nolen(owner), "[]") : nullptr;
                if (!bytes)
                    croak("%s: %s[%ld] must be a string, not undef", function, SvPV_nolen(owner),
                          (long)i);
                buffer_tag(aTHX_ buf, 'U');
                buffer_str(aTHX_ buf, bytes, len);
            }
            buffer_tag(aTHX_ buf, 'E');
        } else if (SvROK(value) && !SvOBJECT(SvRV(value)) && SvTYPE(SvRV(value)) == SVt_PVHV) {
            buffer_tag(aTHX_ buf, 'H');
            buffer_str(aTHX_ buf, key, klen);
            flatten_attributes(aTHX_ buf, value, function, SvPV_nolen(owner));
        } else {
            STRLEN vlen = 0;
            const char* bytes = value_bytes(aTHX_ value, &vlen, function, "profile", key);
            buffer_tag(aTHX_ buf, 'P');
            buffer_str(aTHX_ buf, key, klen);
            buffer_str(aTHX_ buf, bytes, vlen);
        }
    }
    buffer_tag(aTHX_ buf, 'E');
    return buf;
}

/* A list of strings (node names, lookup keys): an array reference, or one string. 'U' item ... 'E'. */
static SV* list_arg(pTHX_ SV* sv, const char* function, const char* name) {
    SV* buf = buffer_new(aTHX);
    SvGETMAGIC(sv);
    if (SvROK(sv) && !SvOBJECT(SvRV(sv)) && SvTYPE(SvRV(sv)) == SVt_PVAV) {
        AV* av = (AV*)SvRV(sv);
        SSize_t top = av_top_index(av);
        for (SSize_t i = 0; i <= top; ++i) {
            SV** item = av_fetch(av, i, 0);
            STRLEN len = 0;
            const char* bytes = item ? value_bytes(aTHX_ *item, &len, function, name, "[]") : nullptr;
            if (!bytes) croak("%s: %s[%ld] must be a string, not undef", function, name, (long)i);
            buffer_tag(aTHX_ buf, 'U');
            buffer_str(aTHX_ buf, bytes, len);
        }
    } else {
        STRLEN len;
        if (!SvOK(sv) || (SvROK(sv) && !SvAMAGIC(sv)))
            croak("%s: argument '%s' must be an array reference of names or one name, not %s",
                  function, name, describe(aTHX_ sv));
        const char* bytes = SvPV_nomg(sv, len);
        buffer_tag(aTHX_ buf, 'U');
        buffer_str(aTHX_ buf, bytes, len);
    }
    buffer_tag(aTHX_ buf, 'E');
    return buf;
}

/* Command arguments: undef (none), a hash reference (sent as JSON) or JSON text. */
static SV* json_arg(pTHX_ SV* sv, const char* function, const char* name) {
    SvGETMAGIC(sv);
    if (!SvOK(sv)) return nullptr;
    if (SvROK(sv) && !SvOBJECT(SvRV(sv)) && SvTYPE(SvRV(sv)) == SVt_PVHV) {
        SV* out = sv_2mortal(newSVpvs(""));
        perl_to_json(aTHX_ out, sv, function, name, 0);
        return out;
    }
    if (SvROK(sv) && !SvAMAGIC(sv))
        croak("%s: argument '%s' must be a hash reference or JSON text, not %s", function, name,
              describe(aTHX_ sv));
    STRLEN len;
    const char* p = SvPV_nomg(sv, len);
    return sv_2mortal(newSVpvn(p, len));
}

[[maybe_unused]] static const intent::Intent* intent_arg(pTHX_ SV* sv, const char* function) {
    SvGETMAGIC(sv);
    auto* object = static_cast<const intent::Intent*>(unwrap_object(aTHX_ sv, &intent_vtbl));
    if (!object)
        croak("%s: argument 'intent' must be the hash build_intent returns or its " INTENT_CLASS
              " handle, not %s", function, describe(aTHX_ sv));
    return object;
}

/* ------------------------------------------------------------------------------------------ */
/* Phase 2 helpers: C++ only. They may throw; the callers catch.                               */

namespace {

class Reader {
public:
    explicit Reader(pTHX_ SV* buf) {
        if (buf) {
            STRLEN len;
            p_ = SvPV(buf, len);  // a plain mortal PV made in phase 1: no magic, cannot die
            end_ = p_ + len;
        }
    }
    char tag() {
        if (p_ >= end_) return 'E';
        return *p_++;
    }
    std::string str() {
        std::uint64_t n;
        std::memcpy(&n, p_, sizeof n);
        p_ += sizeof n;
        std::string out(p_, static_cast<std::size_t>(n));
        p_ += n;
        return out;
    }

private:
    const char* p_ = nullptr;
    const char* end_ = nullptr;
};

inv::Attributes read_attributes(Reader& r) {
    inv::Attributes attributes;
    while (r.tag() == 'P') {
        std::string key = r.str();
        attributes[std::move(key)] = r.str();
    }
    return attributes;
}

std::map<std::string, inv::Attributes, std::less<>> read_table(Reader& r) {
    std::map<std::string, inv::Attributes, std::less<>> table;
    while (r.tag() == 'O') {
        std::string name = r.str();
        table[std::move(name)] = read_attributes(r);
    }
    return table;
}

std::string sv_string(pTHX_ SV* sv) {
    STRLEN len;
    const char* p = SvPV(sv, len);  // mortal PVs from phase 1 only
    return std::string(p, len);
}

inv::ServerFacts read_facts(pTHX_ SV* facts) {
    if (!facts) return {};
    STRLEN len;
    const char* p = SvPV(facts, len);
    return inv::parse_server_facts(std::string_view(p, len));
}

inv::Inventory read_inventory(pTHX_ SV* buf, SV* facts) {
    Reader r(aTHX_ buf);
    inv::Inventory inventory;
    inventory.site = read_attributes(r);
    inventory.networks = read_table(r);
    inventory.nodes = read_table(r);
    inventory.osimages = read_table(r);
    inventory.server = read_facts(aTHX_ facts);
    return inventory;
}

intent::BuildOptions read_options(pTHX_ SV* buf) {
    Reader r(aTHX_ buf);
    intent::BuildOptions options;
    bool classes_given = false;
    std::vector<std::string> classes;
    for (char tag = r.tag(); tag != 'E'; tag = r.tag()) {
        if (tag == 'S') {
            std::string prefix = r.str();
            std::string text = r.str();
            std::uint32_t id = 0;
            auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
            if (ec != std::errc() || end != text.data() + text.size())
                throw xcatdhcp::Error("must be a subnet id (a number, 0 to 4294967295)",
                                      "previous_subnet_ids." + prefix, text);
            options.previous_subnet_ids[prefix] = id;
        } else if (tag == 'C') {
            classes_given = true;
        } else if (tag == 'U') {
            classes.push_back(r.str());
        }
    }
    if (classes_given) options.second_stage_user_classes = std::move(classes);
    return options;
}

[[maybe_unused]] inv::Attributes read_flat(pTHX_ SV* buf) {
    Reader r(aTHX_ buf);
    return read_attributes(r);
}

/* Perl's truth for a plain string: "" and "0" are false. */
[[maybe_unused]] bool flag(const std::string& text) { return !(text.empty() || text == "0"); }

template <class T>
T number(const std::string& text, const std::string& attribute) {
    T value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size())
        throw xcatdhcp::Error("must be a number in range", attribute, text);
    return value;
}

[[maybe_unused]] xcatdhcp::Version version_value(const std::string& text, const std::string& attribute) {
    auto version = xcatdhcp::Version::parse(text);
    if (!version) throw xcatdhcp::Error("must be a version N[.N[.N]]", attribute, text);
    return *version;
}

[[maybe_unused]] std::string known_list(std::initializer_list<const char*> names) {
    std::string out;
    for (const char* n : names) out += (out.empty() ? "" : ", ") + std::string(n);
    return out;
}

[[maybe_unused]] xcatdhcp::render::Secrets read_secrets(pTHX_ SV* buf) {
    xcatdhcp::render::Secrets secrets;
    for (const auto& [key, value] : read_flat(aTHX_ buf)) {
        if (key == "omapi_secret") secrets.omapi_secret = value;
        else if (key == "tsig_secret") secrets.tsig_secret = value;
        else throw xcatdhcp::Error("unknown secret (known: omapi_secret, tsig_secret)", "secrets", key);
    }
    return secrets;
}

/* ---- C++ -> Perl (results are mortal; newSV* and hv_store on fresh HVs do not die) ---- */

SV* str_sv(pTHX_ std::string_view s) { return newSVpvn(s.data(), s.size()); }

/* A mortal turned into an owned reference (for storing into a container). A function, not the
 * SvREFCNT_inc_simple_NN macro, which evaluates its argument twice. */
SV* keep(SV* sv) {
    SvREFCNT_inc_simple_void_NN(sv);
    return sv;
}

void store(pTHX_ HV* hv, const char* key, SV* value) {
    hv_store(hv, key, (I32)std::strlen(key), value, 0);
}

void store_key(pTHX_ HV* hv, std::string_view key, SV* value) {
    hv_store(hv, key.data(), (I32)key.size(), value, 0);
}

SV* diagnostic_hv(pTHX_ const xcatdhcp::Diagnostic& d) {
    HV* hv = newHV();
    SV* ref = sv_2mortal(newRV_noinc((SV*)hv));
    store(aTHX_ hv, "severity", str_sv(aTHX_ xcatdhcp::to_string(d.severity)));
    store(aTHX_ hv, "node", str_sv(aTHX_ d.node));
    store(aTHX_ hv, "subject", str_sv(aTHX_ d.subject));
    store(aTHX_ hv, "attribute", str_sv(aTHX_ d.attribute));
    store(aTHX_ hv, "value", str_sv(aTHX_ d.value));
    store(aTHX_ hv, "message", str_sv(aTHX_ d.message));
    store(aTHX_ hv, "text", str_sv(aTHX_ xcatdhcp::format(d)));
    return ref;
}

SV* diagnostics_av(pTHX_ const std::vector<xcatdhcp::Diagnostic>& list) {
    AV* av = newAV();
    SV* ref = sv_2mortal(newRV_noinc((SV*)av));
    for (const auto& d : list) av_push(av, keep(diagnostic_hv(aTHX_ d)));
    return ref;
}

SV* attributes_hv(pTHX_ const inv::Attributes& attributes) {
    HV* hv = newHV();
    for (const auto& [k, v] : attributes) store_key(aTHX_ hv, k, str_sv(aTHX_ v));
    return newRV_noinc((SV*)hv);
}

SV* table_hv(pTHX_ const std::map<std::string, inv::Attributes, std::less<>>& table) {
    HV* hv = newHV();
    for (const auto& [name, attributes] : table)
        store_key(aTHX_ hv, name, attributes_hv(aTHX_ attributes));
    return newRV_noinc((SV*)hv);
}

/* The tables as Perl hashes, and the server facts as the library's JSON (the module decodes
 * it with JSON::PP: the facts' shape is the library's, documented in docs/inventory.md). */
SV* inventory_parts(pTHX_ const inv::Inventory& inventory) {
    HV* hv = newHV();
    SV* ref = sv_2mortal(newRV_noinc((SV*)hv));
    store(aTHX_ hv, "site", attributes_hv(aTHX_ inventory.site));
    store(aTHX_ hv, "networks", table_hv(aTHX_ inventory.networks));
    store(aTHX_ hv, "nodes", table_hv(aTHX_ inventory.nodes));
    store(aTHX_ hv, "osimages", table_hv(aTHX_ inventory.osimages));
    inv::Inventory facts_only;
    facts_only.server = inventory.server;
    store(aTHX_ hv, "server_json", str_sv(aTHX_ inv::to_json(facts_only)));
    return ref;
}

[[maybe_unused]] SV* files_hv(pTHX_ const xcatdhcp::render::Files& files) {
    HV* hv = newHV();
    SV* ref = sv_2mortal(newRV_noinc((SV*)hv));
    for (const auto& [name, content] : files) store_key(aTHX_ hv, name, str_sv(aTHX_ content));
    return ref;
}

/* A profile value: a string ('P'), a list ('A') or a hash ('H'). */
struct ProfileValue {
    char kind = 'P';
    std::string text;
    std::vector<std::string> list;
    inv::Attributes hash;

    const std::string& scalar(const std::string& key) const {
        if (kind != 'P') throw xcatdhcp::Error("must be a single value", "profile." + key, "");
        return text;
    }
    const std::vector<std::string>& strings(const std::string& key) const {
        if (kind != 'A') throw xcatdhcp::Error("must be a list", "profile." + key, text);
        return list;
    }
    const inv::Attributes& map(const std::string& key) const {
        if (kind != 'H') throw xcatdhcp::Error("must be a hash", "profile." + key, text);
        return hash;
    }
};

[[maybe_unused]] std::map<std::string, ProfileValue> read_profile(pTHX_ SV* buf) {
    Reader r(aTHX_ buf);
    std::map<std::string, ProfileValue> out;
    for (char tag = r.tag(); tag != 'E'; tag = r.tag()) {
        std::string key = r.str();
        ProfileValue value;
        value.kind = tag;
        if (tag == 'P') {
            value.text = r.str();
        } else if (tag == 'A') {
            while (r.tag() == 'U') value.list.push_back(r.str());
        } else if (tag == 'H') {
            value.hash = read_attributes(r);
        }
        out[std::move(key)] = std::move(value);
    }
    return out;
}

namespace isc = xcatdhcp::render::isc;

isc::IscProfile read_isc_profile(pTHX_ SV* buf, SV* facts) {
    isc::IscProfile profile = facts ? isc::IscProfile::for_server(read_facts(aTHX_ facts))
                                    : isc::IscProfile{};
    for (const auto& [key, entry] : read_profile(aTHX_ buf)) {
        const std::string& value = entry.scalar(key);
        if (key == "dhcpd_version") profile.dhcpd_version = version_value(value, "profile." + key);
        else if (key == "dhcpd_version_output")
            profile.dhcpd_version = isc::IscProfile::from_version_output(value).dhcpd_version;
        else if (key == "leases_file") profile.leases_file = value;
        else if (key == "omapi_port") profile.omapi_port = number<std::uint16_t>(value, "profile." + key);
        else if (key == "omapi_port6") profile.omapi_port6 = number<std::uint16_t>(value, "profile." + key);
        else if (key == "static_hosts") profile.static_hosts = flag(value);
        else if (key == "domain_search") profile.domain_search = flag(value);
        else
            throw xcatdhcp::Error(
                "unknown ISC profile key (known: " +
                    known_list({"server_facts", "dhcpd_version", "dhcpd_version_output",
                                "leases_file", "omapi_port", "omapi_port6", "static_hosts",
                                "domain_search"}) + ")",
                "profile", key);
    }
    return profile;
}

isc::RenderOptions read_isc_options(pTHX_ SV* buf) {
    isc::RenderOptions options;
    for (const auto& [key, value] : read_flat(aTHX_ buf)) {
        if (key == "generator") options.generator = value;
        else if (key == "inventory_digest") options.inventory_digest = value;
        else throw xcatdhcp::Error("unknown render option (known: generator, inventory_digest)",
                                   "options", key);
    }
    return options;
}

namespace kea = xcatdhcp::render::kea;

kea::KeaProfile read_kea_profile(pTHX_ SV* buf, SV* facts) {
    auto entries = read_profile(aTHX_ buf);
    int bases = (facts ? 1 : 0) + (int)entries.count("version") + (int)entries.count("version_output");
    if (bases != 1)
        throw xcatdhcp::Error(std::string(bases ? "give only one of" : "the Kea profile needs one of") +
                                  " version ('2.6.1'), version_output (kea-dhcp4 -V) or "
                                  "server_facts (the installed Kea)",
                              "profile", "version");
    kea::KeaProfile profile;
    if (facts) {
        profile = kea::KeaProfile::for_server(read_facts(aTHX_ facts));
    } else if (auto it = entries.find("version"); it != entries.end()) {
        profile = kea::KeaProfile::for_version(version_value(it->second.scalar("version"), "profile.version"));
    } else {
        profile = kea::KeaProfile::from_version_output(entries.at("version_output").scalar("version_output"));
    }
    for (const auto& [key, entry] : entries) {
        if (key == "version" || key == "version_output") continue;
        if (key == "conf_dir") profile.conf_dir = entry.scalar(key);
        else if (key == "lease_dir") profile.lease_dir = entry.scalar(key);
        else if (key == "socket_dir") profile.socket_dir = entry.scalar(key);
        else if (key == "log_dir") profile.log_dir = entry.scalar(key);
        else if (key == "hooks_dir") profile.hooks_dir = entry.scalar(key);
        else if (key == "hooks") profile.hooks = entry.strings(key);
        else if (key == "control_agent") profile.control_agent = flag(entry.scalar(key));
        else if (key == "daemon_http") profile.daemon_http = flag(entry.scalar(key));
        else if (key == "tsig_secret_file") profile.tsig_secret_file = entry.scalar(key);
        else if (key == "http") {
            for (const auto& [k, v] : entry.map(key)) {
                std::string where = "profile.http." + k;
                if (k == "address") profile.http.address = v;
                else if (k == "port") profile.http.port = number<std::uint16_t>(v, where);
                else if (k == "dhcp4_port") profile.http.dhcp4_port = number<std::uint16_t>(v, where);
                else if (k == "dhcp6_port") profile.http.dhcp6_port = number<std::uint16_t>(v, where);
                else if (k == "ddns_port") profile.http.ddns_port = number<std::uint16_t>(v, where);
                else if (k == "user") profile.http.user = v;
                else if (k == "password_file") profile.http.password_file = v;
                else
                    throw xcatdhcp::Error("unknown http setting (known: " +
                                              known_list({"address", "port", "dhcp4_port", "dhcp6_port",
                                                          "ddns_port", "user", "password_file"}) + ")",
                                          "profile.http", k);
            }
        } else {
            throw xcatdhcp::Error(
                "unknown Kea profile key (known: " +
                    known_list({"version", "version_output", "server_facts", "conf_dir", "lease_dir", "socket_dir",
                                "log_dir", "hooks_dir", "hooks", "control_agent", "daemon_http",
                                "http", "tsig_secret_file"}) + ")",
                "profile", key);
        }
    }
    return profile;
}

kea::RenderOptions read_kea_options(pTHX_ SV* buf) {
    kea::RenderOptions options;
    for (const auto& [key, value] : read_flat(aTHX_ buf)) {
        if (key == "inventory_digest") options.inventory_digest = value;
        else if (key == "dhcp4") options.dhcp4 = flag(value);
        else if (key == "dhcp6") options.dhcp6 = flag(value);
        else if (key == "ddns") options.ddns = flag(value);
        else if (key == "control_agent") options.control_agent = flag(value);
        else
            throw xcatdhcp::Error("unknown render option (known: inventory_digest, dhcp4, dhcp6, "
                                  "ddns, control_agent)", "options", key);
    }
    return options;
}

std::vector<std::string> read_list(pTHX_ SV* buf) {
    Reader r(aTHX_ buf);
    std::vector<std::string> out;
    while (r.tag() == 'U') out.push_back(r.str());
    return out;
}

/* The endpoint hash: the library's EndpointSettings under the same names. */
xcatdhcp::control::Endpoint read_endpoint(pTHX_ SV* buf) {
    xcatdhcp::control::EndpointSettings settings;
    for (const auto& [key, value] : read_flat(aTHX_ buf)) {
        if (value.find('\0') != std::string::npos)
            throw xcatdhcp::Error("contains a NUL byte", "endpoint." + key, value);
        if (key == "socket") settings.socket = value;
        else if (key == "url") settings.url = value;
        else if (key == "service") settings.service = value;
        else if (key == "user") settings.user = value;
        else if (key == "password") settings.password = value;
        else if (key == "password_file") settings.password_file = value;
        else if (key == "ca_file") settings.ca_file = value;
        else if (key == "cert_file") settings.cert_file = value;
        else if (key == "key_file") settings.key_file = value;
        else if (key == "insecure") settings.insecure = flag(value);
        else if (key == "timeout") settings.timeout_seconds = value;
        else
            throw xcatdhcp::Error("unknown endpoint setting (known: " +
                                      known_list({"socket", "url", "service", "user", "password",
                                                  "password_file", "ca_file", "cert_file", "key_file",
                                                  "insecure", "timeout"}) + ")",
                                  "endpoint", key);
    }
    return xcatdhcp::control::make_endpoint(settings);
}

/* An OMAPI session hash. The key: `secret` (base64) or `key_file` (xCAT's ddns.key), its name
 * from `key_name`, else the key file, else the inventory's, else xCAT's default xcat_key. */
xcatdhcp::control::omapi::ClientOptions read_omapi_session(pTHX_ SV* buf, const intent::Intent* intent) {
    namespace omapi = xcatdhcp::control::omapi;
    omapi::ClientOptions o;
    std::string key_name, algorithm, key_file;
    bool family_given = false;
    for (const auto& [key, value] : read_flat(aTHX_ buf)) {
        std::string where = "session." + key;
        if (key == "server") o.server = value;
        else if (key == "port") o.port = number<std::uint16_t>(value, where);
        else if (key == "family") {
            if (value != "4" && value != "6") throw xcatdhcp::Error("must be 4 or 6", where, value);
            o.family = value == "6" ? xcatdhcp::net::Family::v6 : xcatdhcp::net::Family::v4;
            family_given = true;
        } else if (key == "key_name") key_name = value;
        else if (key == "algorithm") algorithm = value;
        else if (key == "secret") o.secret = value;
        else if (key == "key_file") key_file = value;
        else if (key == "timeout_ms") {
            auto ms = std::chrono::milliseconds(number<int>(value, where));
            if (ms.count() <= 0) throw xcatdhcp::Error("must be a positive number of milliseconds", where, value);
            o.connect_timeout = o.io_timeout = ms;
        } else if (key == "connections") {
            o.connections = number<std::size_t>(value, where);
            if (o.connections < 1 || o.connections > 64) throw xcatdhcp::Error("must be 1 to 64", where, value);
        } else
            throw xcatdhcp::Error("unknown session setting (known: " +
                                      known_list({"server", "port", "family", "key_name", "algorithm", "secret",
                                                  "key_file", "timeout_ms", "connections"}) + ")",
                                  "session", key);
    }
    (void)family_given;
    if (!key_file.empty()) {
        std::ifstream in(key_file, std::ios::binary);
        if (!in) throw xcatdhcp::Error("cannot read file", "session.key_file", key_file);
        std::stringstream text;
        text << in.rdbuf();
        auto material = xcatdhcp::render::parse_key_text(text.str());
        if (o.secret.empty()) o.secret = material.secret;
        if (key_name.empty()) key_name = material.name;
        if (algorithm.empty()) algorithm = material.algorithm;
    }
    // Without a name: the inventory's key (site.dhcpomapikeyname...), else xCAT's default
    // (intent::Key), whenever there is a secret to sign with.
    const intent::Key key_defaults = intent ? intent->omapi_key : intent::Key{};
    if (key_name.empty() && (intent || !o.secret.empty())) key_name = key_defaults.name;
    if (algorithm.empty()) algorithm = key_defaults.algorithm;
    o.key_name = key_name;
    o.algorithm = algorithm.empty() ? "hmac-md5" : algorithm;
    if (!o.key_name.empty() && o.secret.empty())
        throw xcatdhcp::Error("the OMAPI key needs its secret (secret or key_file)", "session", "secret");
    return o;
}

/* validate()'s options, also apply()'s `validate`. */
xcatdhcp::apply::ValidateOptions read_validate_options(pTHX_ SV* buf, const std::string& where) {
    xcatdhcp::apply::ValidateOptions validate_options;
    for (const auto& [key, value] : read_flat(aTHX_ buf)) {
        if (key == "chroot") validate_options.chroot = value;
        else if (key == "provide_interfaces") validate_options.provide_interfaces = flag(value);
        else if (key == "timeout_seconds")
            validate_options.timeout_seconds = number<int>(value, where + "." + key);
        else
            throw xcatdhcp::Error(
                "unknown validate option (known: chroot, provide_interfaces, timeout_seconds)",
                where, key);
    }
    if (validate_options.chroot.find('\0') != std::string::npos)
        throw xcatdhcp::Error("contains a NUL byte", where + ".chroot", validate_options.chroot);
    return validate_options;
}

SV* strings_av(pTHX_ const std::vector<std::string>& list) {
    AV* av = newAV();
    for (const auto& item : list) av_push(av, str_sv(aTHX_ item));
    return newRV_noinc((SV*)av);
}

SV* error_sv(pTHX_ const char* function, const char* what) {
    (void)function;
    return sv_2mortal(newSVpv(what, 0));
}

}  // namespace

/* Runs `body` (phase 2); returns its mortal result, or nullptr with *err set. */
template <class F>
static SV* guarded(pTHX_ const char* function, SV** err, F&& body) {
    try {
        return body();
    } catch (const xcatdhcp::Error& e) {
        *err = error_sv(aTHX_ function, e.what());
    } catch (const std::bad_alloc&) {
        *err = sv_2mortal(newSVpvf("%s: out of memory", function));
    } catch (const std::exception& e) {
        *err = sv_2mortal(newSVpvf("%s: %s", function, e.what()));
    } catch (...) {
        *err = sv_2mortal(newSVpvf("%s: unknown C++ exception", function));
    }
    return nullptr;
}

#define RETURN_OR_CROAK(result, err)      \
    do {                                  \
        if (!(result)) croak_sv(err);     \
        ST(0) = (result);                 \
        XSRETURN(1);                      \
    } while (0)

/* ------------------------------------------------------------------------------------------ */

MODULE = xCAT::DHCP::XS    PACKAGE = xCAT::DHCP::XS

PROTOTYPES: DISABLE

SV*
version()
  CODE:
    std::string_view v = xcatdhcp::library_version();
    RETVAL = newSVpvn(v.data(), v.size());
  OUTPUT:
    RETVAL

void
parse_mac(text)
    SV* text
  PPCODE:
    STRLEN len;
    const char* p = string_arg(aTHX_ text, "parse_mac", "text", &len);
    SV* err = nullptr;
    SV* result = guarded(aTHX_ "parse_mac", &err, [&]() -> SV* {
        return sv_2mortal(str_sv(aTHX_ xcatdhcp::net::Mac::parse(std::string_view(p, len)).to_string()));
    });
    EXTEND(SP, 1);
    RETURN_OR_CROAK(result, err);

void
parse_mac_list(value)
    SV* value
  PPCODE:
    STRLEN len;
    const char* p = string_arg(aTHX_ value, "parse_mac_list", "mac_attr", &len);
    SV* err = nullptr;
    SV* result = guarded(aTHX_ "parse_mac_list", &err, [&]() -> SV* {
        auto parsed = xcatdhcp::net::parse_mac_list(std::string_view(p, len));
        HV* hv = newHV();
        SV* ref = sv_2mortal(newRV_noinc((SV*)hv));
        AV* nics = newAV();
        store(aTHX_ hv, "nics", newRV_noinc((SV*)nics));
        for (const auto& nic : parsed.nics) {
            HV* n = newHV();
            av_push(nics, newRV_noinc((SV*)n));
            store(aTHX_ n, "mac", str_sv(aTHX_ nic.mac.to_string()));
            store(aTHX_ n, "hostname", str_sv(aTHX_ nic.hostname));
            store(aTHX_ n, "no_ip", newSViv(nic.no_ip ? 1 : 0));
        }
        AV* errors = newAV();
        store(aTHX_ hv, "errors", newRV_noinc((SV*)errors));
        for (const auto& e : parsed.errors)
            av_push(errors, keep(diagnostic_hv(aTHX_ e.diagnostic())));
        return ref;
    });
    EXTEND(SP, 1);
    RETURN_OR_CROAK(result, err);

void
parse_dynamic_ranges(value)
    SV* value
  PPCODE:
    STRLEN len;
    const char* p = string_arg(aTHX_ value, "parse_dynamic_ranges", "text", &len);
    SV* err = nullptr;
    SV* result = guarded(aTHX_ "parse_dynamic_ranges", &err, [&]() -> SV* {
        auto ranges = xcatdhcp::net::parse_dynamic_ranges(std::string_view(p, len));
        AV* av = newAV();
        SV* ref = sv_2mortal(newRV_noinc((SV*)av));
        for (const auto& r : ranges) {
            HV* h = newHV();
            av_push(av, newRV_noinc((SV*)h));
            store(aTHX_ h, "first", str_sv(aTHX_ r.first.to_string()));
            store(aTHX_ h, "last", str_sv(aTHX_ r.last.to_string()));
            store(aTHX_ h, "family", newSViv(r.first.is_v4() ? 4 : 6));
            if (r.cidr_length) store(aTHX_ h, "prefix_length", newSViv(*r.cidr_length));
        }
        return ref;
    });
    EXTEND(SP, 1);
    RETURN_OR_CROAK(result, err);

void
select_backend(site, ...)
    SV* site
  PPCODE:
    /* (\%site, $server_facts) or ($dhcpbackend_value, $server_facts) or ($inventory) */
    const char* fn = "select_backend";
    const inv::Inventory* object = nullptr;
    SV* inventory_buf = nullptr;
    SV* inventory_facts = nullptr;
    SV* facts = nullptr;
    SV* setting = nullptr;
    if (items == 1) {
        object = inventory_arg(aTHX_ site, fn, &inventory_buf, &inventory_facts);
    } else if (items == 2) {
        SvGETMAGIC(site);
        if (SvROK(site) && SvTYPE(SvRV(site)) == SVt_PVHV && !SvOBJECT(SvRV(site))) {
            SV** v = hv_fetchs((HV*)SvRV(site), "dhcpbackend", 0);
            STRLEN len = 0;
            const char* p = v ? value_bytes(aTHX_ *v, &len, fn, "site", "dhcpbackend") : nullptr;
            setting = sv_2mortal(p ? newSVpvn(p, len) : newSVpvs(""));
        } else if (SvOK(site) && !SvROK(site)) {
            STRLEN len;
            const char* p = SvPV_nomg(site, len);
            setting = sv_2mortal(newSVpvn(p, len));
        } else {
            croak("%s: argument 'site' must be a hash reference (the site table) or the "
                  "dhcpbackend value, not %s", fn, describe(aTHX_ site));
        }
        facts = facts_text(aTHX_ ST(1), fn, "server_facts");
    } else {
        croak("%s: expects (\\%%site, \\%%server_facts) or ($inventory)", fn);
    }
    SV* err = nullptr;
    SV* result = guarded(aTHX_ fn, &err, [&]() -> SV* {
        xcatdhcp::BackendChoice choice;
        if (object) {
            choice = xcatdhcp::select_backend(*object);
        } else if (inventory_buf) {
            choice = xcatdhcp::select_backend(read_inventory(aTHX_ inventory_buf, inventory_facts));
        } else {
            choice = xcatdhcp::select_backend(sv_string(aTHX_ setting), read_facts(aTHX_ facts));
        }
        HV* hv = newHV();
        SV* ref = sv_2mortal(newRV_noinc((SV*)hv));
        store(aTHX_ hv, "backend", str_sv(aTHX_ xcatdhcp::to_string(choice.backend)));
        store(aTHX_ hv, "setting", str_sv(aTHX_ xcatdhcp::to_string(choice.setting)));
        store(aTHX_ hv, "reason", str_sv(aTHX_ choice.reason));
        store(aTHX_ hv, "fell_back", newSViv(choice.fell_back ? 1 : 0));
        return ref;
    });
    EXTEND(SP, 1);
    RETURN_OR_CROAK(result, err);

void
_parse_server_facts(text)
    SV* text
  PPCODE:
    const char* fn = "parse_server_facts";
    SV* facts = facts_text(aTHX_ text, fn, "text");
    SV* err = nullptr;
    SV* result = guarded(aTHX_ fn, &err, [&]() -> SV* {
        inv::Inventory facts_only;
        facts_only.server = read_facts(aTHX_ facts);
        return sv_2mortal(str_sv(aTHX_ inv::to_json(facts_only)));
    });
    EXTEND(SP, 1);
    RETURN_OR_CROAK(result, err);

void
_load_inventory(path, as_object)
    SV* path
    int as_object
  PPCODE:
    const char* fn = "load_inventory";
    STRLEN len;
    const char* p = string_arg(aTHX_ path, fn, "path", &len);
    if (std::memchr(p, '\0', len))
        croak("%s: argument 'path' contains a NUL byte", fn);
    SV* err = nullptr;
    SV* result = guarded(aTHX_ fn, &err, [&]() -> SV* {
        auto inventory = std::make_unique<inv::Inventory>(inv::load_file(std::string(p, len)));
        if (as_object) return wrap_object(aTHX_ inventory.release(), &inventory_vtbl, INVENTORY_CLASS);
        return inventory_parts(aTHX_ *inventory);
    });
    EXTEND(SP, 1);
    RETURN_OR_CROAK(result, err);

void
inventory_from_tables(site, networks, nodes, server_facts, osimages = &PL_sv_undef)
    SV* site
    SV* networks
    SV* nodes
    SV* server_facts
    SV* osimages
  PPCODE:
    const char* fn = "inventory_from_tables";
    SV* buf = buffer_new(aTHX);
    SvGETMAGIC(site);
    if (!SvOK(site)) croak("%s: argument 'site' must be a hash reference, not undef", fn);
    flatten_attributes(aTHX_ buf, site, fn, "site");
    SvGETMAGIC(networks);
    if (!SvOK(networks)) croak("%s: argument 'networks' must be a hash or array reference, not undef", fn);
    flatten_table(aTHX_ buf, networks, fn, "network", "netname");
    SvGETMAGIC(nodes);
    if (!SvOK(nodes)) croak("%s: argument 'nodes' must be a hash or array reference, not undef", fn);
    flatten_table(aTHX_ buf, nodes, fn, "node", "node");
    flatten_table(aTHX_ buf, osimages, fn, "osimage", "imagename");
    SV* facts = facts_text(aTHX_ server_facts, fn, "server_facts");
    SV* err = nullptr;
    SV* result = guarded(aTHX_ fn, &err, [&]() -> SV* {
        auto inventory = std::make_unique<inv::Inventory>(read_inventory(aTHX_ buf, facts));
        return wrap_object(aTHX_ inventory.release(), &inventory_vtbl, INVENTORY_CLASS);
    });
    EXTEND(SP, 1);
    RETURN_OR_CROAK(result, err);

void
inventory_from_hash(inventory)
    SV* inventory
  PPCODE:
    const char* fn = "inventory_from_hash";
    SV* buf = nullptr;
    SV* facts = nullptr;
    const inv::Inventory* object = inventory_arg(aTHX_ inventory, fn, &buf, &facts);
    SV* err = nullptr;
    SV* result = guarded(aTHX_ fn, &err, [&]() -> SV* {
        auto copy = object ? std::make_unique<inv::Inventory>(*object)
                           : std::make_unique<inv::Inventory>(read_inventory(aTHX_ buf, facts));
        return wrap_object(aTHX_ copy.release(), &inventory_vtbl, INVENTORY_CLASS);
    });
    EXTEND(SP, 1);
    RETURN_OR_CROAK(result, err);

void
_build_intent(inventory, options = &PL_sv_undef)
    SV* inventory
    SV* options
  PPCODE:
    const char* fn = "build_intent";
    SV* buf = nullptr;
    SV* facts = nullptr;
    const inv::Inventory* object = inventory_arg(aTHX_ inventory, fn, &buf, &facts);
    SV* opts = options_arg(aTHX_ options, fn);
    SV* err = nullptr;
    SV* result = guarded(aTHX_ fn, &err, [&]() -> SV* {
        auto build_options = read_options(aTHX_ opts);
        std::unique_ptr<inv::Inventory> converted;
        if (!object) {
            converted = std::make_unique<inv::Inventory>(read_inventory(aTHX_ buf, facts));
            object = converted.get();
        }
        auto built = intent::build(*object, build_options);
        HV* hv = newHV();
        SV* ref = sv_2mortal(newRV_noinc((SV*)hv));
        store(aTHX_ hv, "inventory_digest", str_sv(aTHX_ inv::digest(*object)));
        store(aTHX_ hv, "intent_json", str_sv(aTHX_ intent::to_json(built.intent)));
        store(aTHX_ hv, "diagnostics", keep(diagnostics_av(aTHX_ built.diagnostics)));
        store(aTHX_ hv, "has_errors", newSViv(built.has_errors() ? 1 : 0));
        auto held = std::make_unique<intent::Intent>(std::move(built.intent));
        store(aTHX_ hv, "handle",
              keep(wrap_object(aTHX_ held.release(), &intent_vtbl, INTENT_CLASS)));
        return ref;
    });
    EXTEND(SP, 1);
    RETURN_OR_CROAK(result, err);

MODULE = xCAT::DHCP::XS    PACKAGE = xCAT::DHCP::XS::Inventory

void
_parts(self)
    SV* self
  PPCODE:
    const char* fn = "xCAT::DHCP::XS::Inventory::to_hash";
    auto* object = static_cast<const inv::Inventory*>(unwrap_object(aTHX_ self, &inventory_vtbl));
    if (!object) croak("%s: not an " INVENTORY_CLASS " object", fn);
    SV* err = nullptr;
    SV* result = guarded(aTHX_ fn, &err, [&]() -> SV* { return inventory_parts(aTHX_ *object); });
    EXTEND(SP, 1);
    RETURN_OR_CROAK(result, err);

void
to_json(self)
    SV* self
  PPCODE:
    const char* fn = "xCAT::DHCP::XS::Inventory::to_json";
    auto* object = static_cast<const inv::Inventory*>(unwrap_object(aTHX_ self, &inventory_vtbl));
    if (!object) croak("%s: not an " INVENTORY_CLASS " object", fn);
    SV* err = nullptr;
    SV* result = guarded(aTHX_ fn, &err, [&]() -> SV* {
        return sv_2mortal(str_sv(aTHX_ inv::to_json(*object)));
    });
    EXTEND(SP, 1);
    RETURN_OR_CROAK(result, err);

int
node_count(self)
    SV* self
  CODE:
    auto* object = static_cast<const inv::Inventory*>(unwrap_object(aTHX_ self, &inventory_vtbl));
    if (!object) croak("xCAT::DHCP::XS::Inventory::node_count: not an " INVENTORY_CLASS " object");
    RETVAL = (int)object->nodes.size();
  OUTPUT:
    RETVAL

void
digest(self)
    SV* self
  PPCODE:
    const char* fn = "xCAT::DHCP::XS::Inventory::digest";
    auto* object = static_cast<const inv::Inventory*>(unwrap_object(aTHX_ self, &inventory_vtbl));
    if (!object) croak("%s: not an " INVENTORY_CLASS " object", fn);
    SV* err = nullptr;
    SV* result = guarded(aTHX_ fn, &err, [&]() -> SV* {
        return sv_2mortal(str_sv(aTHX_ inv::digest(*object)));
    });
    EXTEND(SP, 1);
    RETURN_OR_CROAK(result, err);

MODULE = xCAT::DHCP::XS    PACKAGE = xCAT::DHCP::XS::Intent

void
to_json(self)
    SV* self
  PPCODE:
    const char* fn = "xCAT::DHCP::XS::Intent::to_json";
    auto* object = static_cast<const intent::Intent*>(unwrap_object(aTHX_ self, &intent_vtbl));
    if (!object) croak("%s: not an " INTENT_CLASS " object", fn);
    SV* err = nullptr;
    SV* result = guarded(aTHX_ fn, &err, [&]() -> SV* {
        return sv_2mortal(str_sv(aTHX_ intent::to_json(*object)));
    });
    EXTEND(SP, 1);
    RETURN_OR_CROAK(result, err);

MODULE = xCAT::DHCP::XS    PACKAGE = xCAT::DHCP::XS


void
_render_isc(intent_sv, profile = &PL_sv_undef, secrets = &PL_sv_undef, options = &PL_sv_undef)
    SV* intent_sv
    SV* profile
    SV* secrets
    SV* options
  PPCODE:
    const char* fn = "render_isc";
    const intent::Intent* object = intent_arg(aTHX_ intent_sv, fn);
    SV* facts = nullptr;
    SV* profile_buf = profile_arg(aTHX_ profile, fn, &facts);
    SV* secrets_buf = flat_hash_arg(aTHX_ secrets, fn, "secrets", nullptr);
    SV* options_buf = flat_hash_arg(aTHX_ options, fn, "options", nullptr);
    SV* err = nullptr;
    SV* result = guarded(aTHX_ fn, &err, [&]() -> SV* {
        auto files = isc::render(*object, read_isc_profile(aTHX_ profile_buf, facts),
                                 read_secrets(aTHX_ secrets_buf), read_isc_options(aTHX_ options_buf));
        return files_hv(aTHX_ files);
    });
    if (!result) croak_sv(err);
    EXTEND(SP, 2);
    ST(0) = result;
    if (GIMME_V != G_LIST) XSRETURN(1);
    ST(1) = sv_2mortal(newRV_noinc((SV*)newAV()));  /* the ISC renderer reports no findings */
    XSRETURN(2);



void
_render_kea(intent_sv, profile = &PL_sv_undef, secrets = &PL_sv_undef, options = &PL_sv_undef)
    SV* intent_sv
    SV* profile
    SV* secrets
    SV* options
  PPCODE:
    const char* fn = "render_kea";
    const intent::Intent* object = intent_arg(aTHX_ intent_sv, fn);
    SV* facts = nullptr;
    SV* profile_buf = profile_arg(aTHX_ profile, fn, &facts);
    SV* secrets_buf = flat_hash_arg(aTHX_ secrets, fn, "secrets", nullptr);
    SV* options_buf = flat_hash_arg(aTHX_ options, fn, "options", nullptr);
    SV* err = nullptr;
    SV* diagnostics = nullptr;
    SV* result = guarded(aTHX_ fn, &err, [&]() -> SV* {
        std::vector<xcatdhcp::Diagnostic> findings;
        auto files = kea::render(*object, read_kea_profile(aTHX_ profile_buf, facts),
                                 read_secrets(aTHX_ secrets_buf), read_kea_options(aTHX_ options_buf),
                                 &findings);
        diagnostics = diagnostics_av(aTHX_ findings);
        return files_hv(aTHX_ files);
    });
    if (!result) croak_sv(err);
    EXTEND(SP, 2);
    ST(0) = result;
    if (GIMME_V != G_LIST) XSRETURN(1);
    ST(1) = diagnostics;
    XSRETURN(2);



void
_validate(backend, dir, options = &PL_sv_undef)
    SV* backend
    SV* dir
    SV* options
  PPCODE:
    const char* fn = "validate";
    STRLEN blen, dlen;
    const char* b = string_arg(aTHX_ backend, fn, "backend", &blen);
    const char* d = string_arg(aTHX_ dir, fn, "dir", &dlen);
    if (std::memchr(d, '\0', dlen)) croak("%s: argument 'dir' contains a NUL byte", fn);
    SV* options_buf = flat_hash_arg(aTHX_ options, fn, "options", nullptr);
    SV* err = nullptr;
    SV* result = guarded(aTHX_ fn, &err, [&]() -> SV* {
        auto validate_options = read_validate_options(aTHX_ options_buf, "options");
        xcatdhcp::apply::SystemRunner runner;
        auto report = xcatdhcp::apply::validate_directory(
            xcatdhcp::parse_backend(std::string_view(b, blen)), std::string(d, dlen), runner,
            validate_options);
        HV* hv = newHV();
        SV* ref = sv_2mortal(newRV_noinc((SV*)hv));
        store(aTHX_ hv, "ok", newSViv(report.ok ? 1 : 0));
        AV* files = newAV();
        store(aTHX_ hv, "files", newRV_noinc((SV*)files));
        for (const auto& verdict : report.files) {
            HV* f = newHV();
            av_push(files, newRV_noinc((SV*)f));
            store(aTHX_ f, "file", str_sv(aTHX_ verdict.file));
            AV* command = newAV();
            store(aTHX_ f, "command", newRV_noinc((SV*)command));
            for (const auto& word : verdict.command) av_push(command, str_sv(aTHX_ word));
            store(aTHX_ f, "ok", newSViv(verdict.ok ? 1 : 0));
            store(aTHX_ f, "exit_code", newSViv(verdict.exit_code));
            store(aTHX_ f, "output", str_sv(aTHX_ verdict.output));
        }
        AV* notes = newAV();
        store(aTHX_ hv, "notes", newRV_noinc((SV*)notes));
        for (const auto& note : report.notes) av_push(notes, str_sv(aTHX_ note));
        return ref;
    });
    EXTEND(SP, 1);
    RETURN_OR_CROAK(result, err);


void
parse_key_text(text)
    SV* text
  PPCODE:
    const char* fn = "parse_key_text";
    STRLEN len;
    const char* p = string_arg(aTHX_ text, fn, "text", &len);
    SV* err = nullptr;
    SV* result = guarded(aTHX_ fn, &err, [&]() -> SV* {
        auto key = xcatdhcp::render::parse_key_text(std::string_view(p, len));
        HV* hv = newHV();
        SV* ref = sv_2mortal(newRV_noinc((SV*)hv));
        store(aTHX_ hv, "name", str_sv(aTHX_ key.name));
        store(aTHX_ hv, "algorithm", str_sv(aTHX_ key.algorithm));
        store(aTHX_ hv, "secret", str_sv(aTHX_ key.secret));
        return ref;
    });
    EXTEND(SP, 1);
    RETURN_OR_CROAK(result, err);


void
_probe_server_facts(options = &PL_sv_undef)
    SV* options
  PPCODE:
    const char* fn = "probe_server_facts";
    SV* options_buf = flat_hash_arg(aTHX_ options, fn, "options", nullptr);
    SV* err = nullptr;
    SV* result = guarded(aTHX_ fn, &err, [&]() -> SV* {
        xcatdhcp::host::ProbeOptions probe_options;
        for (const auto& [key, value] : read_flat(aTHX_ options_buf)) {
            if (key == "root") probe_options.root = value;
            else if (key == "tftpdir") probe_options.tftpdir = value;
            else if (key == "query_versions") probe_options.query_versions = flag(value);
            else
                throw xcatdhcp::Error("unknown probe option (known: root, tftpdir, query_versions)",
                                      "options", key);
        }
        for (const std::string* path : {&probe_options.root, &probe_options.tftpdir})
            if (path->find('\0') != std::string::npos)
                throw xcatdhcp::Error("contains a NUL byte", "options", *path);
        xcatdhcp::apply::SystemRunner runner;
        inv::Inventory facts_only;
        facts_only.server = xcatdhcp::host::probe_server_facts(runner, probe_options);
        return sv_2mortal(str_sv(aTHX_ inv::to_json(facts_only)));
    });
    EXTEND(SP, 1);
    RETURN_OR_CROAK(result, err);



void
_apply(backend, files, settings = &PL_sv_undef, validate_options = &PL_sv_undef)
    SV* backend
    SV* files
    SV* settings
    SV* validate_options
  PPCODE:
    const char* fn = "apply";
    STRLEN blen;
    const char* b = string_arg(aTHX_ backend, fn, "backend", &blen);
    SvGETMAGIC(files);
    if (!SvOK(files)) croak("%s: argument 'files' must be a hash reference, not undef", fn);
    SV* files_buf = flat_hash_arg(aTHX_ files, fn, "files", nullptr);
    SV* settings_buf = flat_hash_arg(aTHX_ settings, fn, "settings", nullptr);
    SV* validate_buf = flat_hash_arg(aTHX_ validate_options, fn, "validate", nullptr);
    SV* err = nullptr;
    SV* result = guarded(aTHX_ fn, &err, [&]() -> SV* {
        namespace ap = xcatdhcp::apply;
        auto chosen = xcatdhcp::parse_backend(std::string_view(b, blen));
        xcatdhcp::render::Files rendered;
        for (auto& [name, content] : read_flat(aTHX_ files_buf)) rendered[name] = std::move(content);
        ap::SetupOptions options;
        std::string backup_dir;
        for (const auto& [key, value] : read_flat(aTHX_ settings_buf)) {
            if (value.find('\0') != std::string::npos) throw xcatdhcp::Error("contains a NUL byte", key, value);
            if (key == "root") options.root = value;
            else if (key == "services") options.services = ap::parse_service_mode(value, "services");
            else if (key == "netns") options.netns = value;
            else if (key == "keep_backups") options.keep_backups = number<int>(value, key);
            else if (key == "backup_dir") backup_dir = value;
            else
                throw xcatdhcp::Error("unknown apply setting (known: root, services, netns, keep_backups, "
                                      "backup_dir, validate, files, backend, inventory, profile, secrets)",
                                      "apply", key);
        }
        auto setup = ap::prepare(chosen, rendered, options);
        if (!backup_dir.empty()) setup.plan.backup_dir = backup_dir;
        setup.plan.validate = read_validate_options(aTHX_ validate_buf, "validate");
        ap::SystemRunner runner;
        auto applied = ap::apply(rendered, setup.plan, runner, *setup.services);
        HV* hv = newHV();
        SV* ref = sv_2mortal(newRV_noinc((SV*)hv));
        store(aTHX_ hv, "changed", newSViv(applied.changed ? 1 : 0));
        store(aTHX_ hv, "written", strings_av(aTHX_ applied.written));
        store(aTHX_ hv, "backup", str_sv(aTHX_ applied.backup));
        store(aTHX_ hv, "steps", strings_av(aTHX_ applied.steps));
        store(aTHX_ hv, "services_mode", str_sv(aTHX_ ap::to_string(setup.mode)));
        AV* services = newAV();
        store(aTHX_ hv, "services", newRV_noinc((SV*)services));
        for (const auto& unit : setup.plan.services) av_push(services, str_sv(aTHX_ unit.name));
        return ref;
    });
    EXTEND(SP, 1);
    RETURN_OR_CROAK(result, err);


void
_kea_command(endpoint, command, arguments = &PL_sv_undef)
    SV* endpoint
    SV* command
    SV* arguments
  PPCODE:
    const char* fn = "kea_command";
    SV* endpoint_buf = flat_hash_arg(aTHX_ endpoint, fn, "endpoint", nullptr);
    STRLEN clen;
    const char* c = string_arg(aTHX_ command, fn, "command", &clen);
    SV* args_json = json_arg(aTHX_ arguments, fn, "arguments");
    SV* err = nullptr;
    SV* result = guarded(aTHX_ fn, &err, [&]() -> SV* {
        xcatdhcp::control::KeaClient client(read_endpoint(aTHX_ endpoint_buf));
        auto reply = client.command(std::string_view(c, clen),
                                    args_json ? sv_string(aTHX_ args_json) : std::string());
        return sv_2mortal(str_sv(aTHX_ xcatdhcp::control::to_json(reply)));
    });
    EXTEND(SP, 1);
    RETURN_OR_CROAK(result, err);


void
_kea_leases(endpoint, filter = &PL_sv_undef)
    SV* endpoint
    SV* filter
  PPCODE:
    const char* fn = "kea_leases";
    SV* endpoint_buf = flat_hash_arg(aTHX_ endpoint, fn, "endpoint", nullptr);
    SV* filter_buf = flat_hash_arg(aTHX_ filter, fn, "filter", nullptr);
    SV* err = nullptr;
    SV* result = guarded(aTHX_ fn, &err, [&]() -> SV* {
        namespace ctl = xcatdhcp::control;
        ctl::LeaseFilter lease_filter;
        bool v6 = false;
        for (const auto& [key, value] : read_flat(aTHX_ filter_buf)) {
            if (key == "mac") lease_filter.mac = value;
            else if (key == "ip") lease_filter.ip = value;
            else if (key == "subnet") lease_filter.subnet_id = number<std::uint32_t>(value, "filter.subnet");
            else if (key == "family") {
                if (value != "4" && value != "6") throw xcatdhcp::Error("must be 4 or 6", "filter.family", value);
                v6 = value == "6";
            } else
                throw xcatdhcp::Error("unknown lease filter (known: mac, ip, subnet, family)", "filter", key);
        }
        ctl::KeaClient client(read_endpoint(aTHX_ endpoint_buf));
        // "empty" (nothing found) is no leases.
        if (v6) {
            auto r = client.leases6(lease_filter);
            ctl::require(r);
            return sv_2mortal(str_sv(aTHX_ ctl::to_json(*r.value)));
        }
        auto r = client.leases4(lease_filter);
        ctl::require(r);
        return sv_2mortal(str_sv(aTHX_ ctl::to_json(*r.value)));
    });
    EXTEND(SP, 1);
    RETURN_OR_CROAK(result, err);


void
_kea_stats(endpoint, name = &PL_sv_undef)
    SV* endpoint
    SV* name
  PPCODE:
    const char* fn = "kea_stats";
    SV* endpoint_buf = flat_hash_arg(aTHX_ endpoint, fn, "endpoint", nullptr);
    SV* name_sv = nullptr;
    SvGETMAGIC(name);
    if (SvOK(name)) {
        STRLEN nlen;
        const char* n = string_arg(aTHX_ name, fn, "name", &nlen);
        name_sv = sv_2mortal(newSVpvn(n, nlen));
    }
    SV* err = nullptr;
    SV* result = guarded(aTHX_ fn, &err, [&]() -> SV* {
        namespace ctl = xcatdhcp::control;
        ctl::KeaClient client(read_endpoint(aTHX_ endpoint_buf));
        std::vector<ctl::Statistic> statistics;
        if (name_sv) {
            std::string wanted = sv_string(aTHX_ name_sv);
            auto r = client.statistic_get(wanted);
            ctl::require(r);
            if (!r.value) throw xcatdhcp::Error("the server has no such statistic", "name", wanted);
            statistics.push_back(*r.value);
        } else {
            auto r = client.statistic_get_all();
            ctl::require(r);
            if (r.value) statistics = *r.value;
        }
        return sv_2mortal(str_sv(aTHX_ ctl::to_json(statistics)));
    });
    EXTEND(SP, 1);
    RETURN_OR_CROAK(result, err);


void
_kea_reservations(operation, endpoint, inventory, nodes, config, profile = &PL_sv_undef, secrets = &PL_sv_undef, options = &PL_sv_undef)
    SV* operation
    SV* endpoint
    SV* inventory
    SV* nodes
    SV* config
    SV* profile
    SV* secrets
    SV* options
  PPCODE:
    STRLEN olen;
    const char* op_p = string_arg(aTHX_ operation, "kea_reservations", "operation", &olen);
    std::string_view op(op_p, olen);
    const char* fn = op == "add" ? "kea_reservations_add"
                   : op == "del" ? "kea_reservations_del" : "kea_reservations_query";
    SV* endpoint_buf = flat_hash_arg(aTHX_ endpoint, fn, "endpoint", nullptr);
    SV* inventory_buf = nullptr;
    SV* inventory_facts = nullptr;
    const inv::Inventory* object = inventory_arg(aTHX_ inventory, fn, &inventory_buf, &inventory_facts);
    SV* nodes_buf = list_arg(aTHX_ nodes, fn, "nodes");
    SV* config_sv = nullptr;
    SvGETMAGIC(config);
    if (SvOK(config)) {
        STRLEN clen;
        const char* c = string_arg(aTHX_ config, fn, "config", &clen);
        if (std::memchr(c, '\0', clen)) croak("%s: argument 'config' contains a NUL byte", fn);
        config_sv = sv_2mortal(newSVpvn(c, clen));
    } else if (op != "query") {
        croak("%s: argument 'config' (the server's kea-dhcp4.conf) is required", fn);
    }
    SV* facts = nullptr;
    SvGETMAGIC(profile);
    SV* profile_buf = SvOK(profile) ? profile_arg(aTHX_ profile, fn, &facts) : nullptr;
    SV* secrets_buf = flat_hash_arg(aTHX_ secrets, fn, "secrets", nullptr);
    SV* options_buf = flat_hash_arg(aTHX_ options, fn, "options", nullptr);
    SV* err = nullptr;
    SV* result = guarded(aTHX_ fn, &err, [&]() -> SV* {
        namespace live = xcatdhcp::live;
        live::Options live_options;
        for (const auto& [key, value] : read_flat(aTHX_ options_buf)) {
            if (key == "config_set") live_options.force_config_set = flag(value);
            else if (key == "keep_leases") live_options.remove_conflicting_leases = !flag(value);
            else throw xcatdhcp::Error("unknown option (known: config_set, keep_leases)", "options", key);
        }
        std::vector<std::string> names = read_list(aTHX_ nodes_buf);
        if (names.empty()) throw xcatdhcp::Error("no node given", "nodes", "");
        std::unique_ptr<inv::Inventory> converted;
        if (!object) {
            converted = std::make_unique<inv::Inventory>(read_inventory(aTHX_ inventory_buf, inventory_facts));
            object = converted.get();
        }
        auto built = intent::build(*object);
        xcatdhcp::control::KeaClient client(read_endpoint(aTHX_ endpoint_buf));
        live::KeaReservations reservations(client, config_sv ? sv_string(aTHX_ config_sv) : std::string(),
                                           live_options);
        if (op == "query")
            return sv_2mortal(str_sv(aTHX_ live::to_json(reservations.query(built.intent, names))));
        live::Report report;
        if (op == "add") {
            auto kea_profile = profile_buf ? read_kea_profile(aTHX_ profile_buf, facts)
                                           : kea::KeaProfile::for_server(object->server);
            auto desired = live::desired_dhcp4(built.intent, kea_profile, read_secrets(aTHX_ secrets_buf),
                                               inv::digest(*object), names);
            report = reservations.add(built.intent, desired, names);
        } else {
            report = reservations.remove(built.intent, names);
        }
        return sv_2mortal(str_sv(aTHX_ live::to_json(report)));
    });
    EXTEND(SP, 1);
    RETURN_OR_CROAK(result, err);


void
_omapi_hosts(operation, session, inventory, nodes = &PL_sv_undef, options = &PL_sv_undef)
    SV* operation
    SV* session
    SV* inventory
    SV* nodes
    SV* options
  PPCODE:
    STRLEN olen;
    const char* op_p = string_arg(aTHX_ operation, "omapi", "operation", &olen);
    std::string_view op(op_p, olen);
    const char* fn = op == "add" ? "omapi_add" : "omapi_del";
    SV* session_buf = flat_hash_arg(aTHX_ session, fn, "session", nullptr);
    SV* inventory_buf = nullptr;
    SV* inventory_facts = nullptr;
    const inv::Inventory* object = inventory_arg(aTHX_ inventory, fn, &inventory_buf, &inventory_facts);
    SvGETMAGIC(nodes);
    SV* nodes_buf = SvOK(nodes) ? list_arg(aTHX_ nodes, fn, "nodes") : nullptr;
    SV* options_buf = flat_hash_arg(aTHX_ options, fn, "options", nullptr);
    SV* err = nullptr;
    SV* result = guarded(aTHX_ fn, &err, [&]() -> SV* {
        namespace omapi = xcatdhcp::control::omapi;
        std::unique_ptr<inv::Inventory> converted;
        if (!object) {
            converted = std::make_unique<inv::Inventory>(read_inventory(aTHX_ inventory_buf, inventory_facts));
            object = converted.get();
        }
        auto built = intent::build(*object);
        auto client_options = read_omapi_session(aTHX_ session_buf, &built.intent);
        std::string by_ip = "pools";
        for (const auto& [key, value] : read_flat(aTHX_ options_buf)) {
            if (key == "by_ip") by_ip = value;
            else throw xcatdhcp::Error("unknown option (known: by_ip)", "options", key);
        }
        auto batch = xcatdhcp::live::batch_options(by_ip, &built.intent, "options.by_ip");
        std::vector<std::string> wanted_list = nodes_buf ? read_list(aTHX_ nodes_buf) : std::vector<std::string>{};
        std::set<std::string> wanted(wanted_list.begin(), wanted_list.end()), seen;
        std::vector<xcatdhcp::render::isc::HostObject> hosts;
        for (auto& h : xcatdhcp::render::isc::host_objects(built.intent)) {
            if (h.family != client_options.family) continue;
            if (!wanted.empty() && !wanted.count(h.node)) continue;
            seen.insert(h.node);
            hosts.push_back(std::move(h));
        }
        for (const auto& n : wanted_list)
            if (!seen.count(n)) throw xcatdhcp::Error("no host object for this node in the inventory", "node", n, n);
        omapi::Client client(client_options);
        auto report = op == "add" ? client.add(hosts, batch) : client.remove(hosts, batch);
        HV* hv = newHV();
        SV* ref = sv_2mortal(newRV_noinc((SV*)hv));
        AV* list = newAV();
        store(aTHX_ hv, "hosts", newRV_noinc((SV*)list));
        for (const auto& h : report.hosts) {
            HV* one = newHV();
            av_push(list, newRV_noinc((SV*)one));
            store(aTHX_ one, "node", str_sv(aTHX_ h.node));
            store(aTHX_ one, "name", str_sv(aTHX_ h.name));
            store(aTHX_ one, "ok", newSViv(h.ok ? 1 : 0));
            store(aTHX_ one, "removed", newSVuv(h.removed));
            if (h.error) store(aTHX_ one, "error", str_sv(aTHX_ omapi::to_string(*h.error)));
            store(aTHX_ one, "message", str_sv(aTHX_ h.message));
        }
        store(aTHX_ hv, "succeeded", newSVuv(report.succeeded()));
        store(aTHX_ hv, "failed", newSVuv(report.failed()));
        store(aTHX_ hv, "requests", newSVuv(report.requests));
        if (report.aborted) store(aTHX_ hv, "aborted", str_sv(aTHX_ report.aborted->what()));
        return ref;
    });
    EXTEND(SP, 1);
    RETURN_OR_CROAK(result, err);


void
_isc_reservations(operation, session, inventory, nodes, options = &PL_sv_undef)
    SV* operation
    SV* session
    SV* inventory
    SV* nodes
    SV* options
  PPCODE:
    STRLEN olen;
    const char* op_p = string_arg(aTHX_ operation, "isc_reservations", "operation", &olen);
    std::string_view op(op_p, olen);
    const char* fn = op == "add" ? "isc_reservations_add"
                   : op == "del" ? "isc_reservations_del" : "isc_reservations_query";
    SV* session_buf = flat_hash_arg(aTHX_ session, fn, "session", nullptr);
    SV* inventory_buf = nullptr;
    SV* inventory_facts = nullptr;
    const inv::Inventory* object = inventory_arg(aTHX_ inventory, fn, &inventory_buf, &inventory_facts);
    SV* nodes_buf = list_arg(aTHX_ nodes, fn, "nodes");
    SV* options_buf = flat_hash_arg(aTHX_ options, fn, "options", nullptr);
    SV* err = nullptr;
    SV* result = guarded(aTHX_ fn, &err, [&]() -> SV* {
        namespace live = xcatdhcp::live;
        std::vector<std::string> names = read_list(aTHX_ nodes_buf);
        if (names.empty()) throw xcatdhcp::Error("no node given", "nodes", "");
        std::unique_ptr<inv::Inventory> converted;
        if (!object) {
            converted = std::make_unique<inv::Inventory>(read_inventory(aTHX_ inventory_buf, inventory_facts));
            object = converted.get();
        }
        auto built = intent::build(*object);
        std::string by_ip = "pools";
        live::IscOptions live_options;
        for (const auto& [key, value] : read_flat(aTHX_ options_buf)) {
            if (key == "by_ip") by_ip = value;
            else if (key == "leases") live_options.leases = flag(value);
            else throw xcatdhcp::Error("unknown option (known: by_ip, leases)", "options", key);
        }
        live_options.batch = live::batch_options(by_ip, &built.intent, "options.by_ip");
        xcatdhcp::control::omapi::Client client(read_omapi_session(aTHX_ session_buf, &built.intent));
        live::IscReservations reservations(client, live_options);
        if (op == "query") return sv_2mortal(str_sv(aTHX_ live::to_json(reservations.query(built.intent, names))));
        auto report = op == "add" ? reservations.add(built.intent, names) : reservations.remove(built.intent, names);
        return sv_2mortal(str_sv(aTHX_ live::to_json(report)));
    });
    EXTEND(SP, 1);
    RETURN_OR_CROAK(result, err);


void
_omapi_lookup(session, keys)
    SV* session
    SV* keys
  PPCODE:
    const char* fn = "omapi_lookup";
    SV* session_buf = flat_hash_arg(aTHX_ session, fn, "session", nullptr);
    /* keys: an array of names or of hashes {name, mac, hardware_type, ip, client_id};
     * flattened as 'O' "" attrs... per key, then 'E'. A plain name is {name => NAME}. */
    SvGETMAGIC(keys);
    if (!SvROK(keys) || SvOBJECT(SvRV(keys)) || SvTYPE(SvRV(keys)) != SVt_PVAV)
        croak("%s: argument 'keys' must be an array reference, not %s", fn, describe(aTHX_ keys));
    SV* keys_buf = buffer_new(aTHX);
    {
        AV* av = (AV*)SvRV(keys);
        SSize_t top = av_top_index(av);
        for (SSize_t i = 0; i <= top; ++i) {
            SV** item = av_fetch(av, i, 0);
            SV* key = item ? *item : &PL_sv_undef;
            SvGETMAGIC(key);
            buffer_tag(aTHX_ keys_buf, 'O');
            buffer_str(aTHX_ keys_buf, "", 0);
            if (SvROK(key) && !SvOBJECT(SvRV(key)) && SvTYPE(SvRV(key)) == SVt_PVHV) {
                flatten_attributes(aTHX_ keys_buf, key, fn, "key");
            } else {
                STRLEN len = 0;
                const char* name = value_bytes(aTHX_ key, &len, fn, "keys", "[]");
                if (!name) croak("%s: keys[%ld] must be a name or a hash reference, not undef", fn, (long)i);
                buffer_tag(aTHX_ keys_buf, 'P');
                buffer_str(aTHX_ keys_buf, "name", 4);
                buffer_str(aTHX_ keys_buf, name, len);
                buffer_tag(aTHX_ keys_buf, 'E');
            }
        }
        buffer_tag(aTHX_ keys_buf, 'E');
    }
    SV* err = nullptr;
    SV* result = guarded(aTHX_ fn, &err, [&]() -> SV* {
        namespace omapi = xcatdhcp::control::omapi;
        std::vector<omapi::HostKey> host_keys;
        Reader r(aTHX_ keys_buf);
        while (r.tag() == 'O') {
            r.str();
            omapi::HostKey key;
            for (const auto& [k, v] : read_attributes(r)) {
                if (k == "name") key.name = v;
                else if (k == "mac") key.mac = v;
                else if (k == "hardware_type") key.hardware_type = number<int>(v, "key.hardware_type");
                else if (k == "ip") key.ip = xcatdhcp::net::IpAddress::parse_or_throw(v, "key.ip");
                else if (k == "client_id") key.client_identifier = v;
                else throw xcatdhcp::Error("unknown key field (known: name, mac, hardware_type, ip, client_id)", "key", k);
            }
            if (key.empty()) throw xcatdhcp::Error("needs name, mac, ip or client_id", "key", "");
            host_keys.push_back(std::move(key));
        }
        omapi::Client client(read_omapi_session(aTHX_ session_buf, nullptr));
        auto results = client.lookup(host_keys);
        AV* av = newAV();
        SV* ref = sv_2mortal(newRV_noinc((SV*)av));
        for (std::size_t i = 0; i < results.size(); ++i) {
            HV* one = newHV();
            av_push(av, newRV_noinc((SV*)one));
            store(aTHX_ one, "key", str_sv(aTHX_ host_keys[i].describe()));
            if (const auto& h = results[i].host) {
                HV* host = newHV();
                store(aTHX_ one, "host", newRV_noinc((SV*)host));
                store(aTHX_ host, "name", str_sv(aTHX_ h->name));
                store(aTHX_ host, "hardware_type", newSViv(h->hardware_type));
                store(aTHX_ host, "mac", str_sv(aTHX_ h->mac));
                store(aTHX_ host, "client_id", str_sv(aTHX_ h->client_identifier));
                store(aTHX_ host, "ip", h->ip ? str_sv(aTHX_ h->ip->to_string()) : newSV(0));
            } else {
                store(aTHX_ one, "host", newSV(0));
            }
            if (results[i].error) store(aTHX_ one, "error", str_sv(aTHX_ results[i].error->what()));
        }
        return ref;
    });
    EXTEND(SP, 1);
    RETURN_OR_CROAK(result, err);
