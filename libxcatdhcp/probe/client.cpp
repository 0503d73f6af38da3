// The DHCPv4 and DHCPv6 client exchanges, independent of sockets.
#include "xcatdhcp/probe/client.hpp"

#include "probe/bytes.hpp"
#include "xcatdhcp/error.hpp"

#include <algorithm>
#include <cstdio>
#include <random>

namespace xcatdhcp::probe {

namespace {

using Clock = std::chrono::steady_clock;

std::uint32_t random_u32() {
    std::random_device device;
    return (static_cast<std::uint32_t>(device()) << 1) ^ static_cast<std::uint32_t>(device());
}

std::string hex32(std::uint32_t v, int digits = 8) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%0*x", digits, v);
    return buf;
}

// One exchange phase: `send` now and again every `retransmit`, and between sends hand
// `take_reply` the time until which it may wait for a reply; it returns true when a reply ended
// the phase. Returns when it did, or when `timeout` has passed.
template <class Send, class TakeReply>
void retransmit_until(std::chrono::milliseconds timeout, std::chrono::milliseconds retransmit, Send send,
                      TakeReply take_reply) {
    const auto deadline = Clock::now() + timeout;
    auto next_send = Clock::now();
    for (;;) {
        auto now = Clock::now();
        if (now >= deadline) return;
        if (now >= next_send) {
            send();
            next_send = now + retransmit;
        }
        if (take_reply(std::min(deadline, next_send))) return;
    }
}

std::string seconds_text(std::chrono::milliseconds ms) {
    if (ms.count() % 1000 == 0) return std::to_string(ms.count() / 1000) + " s";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms.count()) / 1000.0);
    return buf;
}

Bytes text_bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

Bytes u16_bytes(std::uint16_t v) { return {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)}; }

Bytes ip_bytes(const net::IpAddress& a) {
    std::uint32_t v = a.v4_value();
    return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8),
            static_cast<std::uint8_t>(v)};
}

void check_option_text(const std::optional<std::string>& value, const char* what) {
    if (value && value->empty()) throw Error(std::string(what) + " must not be empty", what, "");
    if (value && value->size() > 255 * 4)
        throw Error(std::string(what) + " is too long for a DHCP packet", what, value->substr(0, 40) + "...");
}

// Options common to DISCOVER and REQUEST, in the order PXE clients send them.
void add_client_options(Dhcp4Packet& p, const Dhcp4ProbeOptions& o) {
    check_option_text(o.user_class, "user-class");
    check_option_text(o.vendor_class, "vendor-class");
    check_option_text(o.hostname, "hostname");
    p.set(opt4::max_message_size, u16_bytes(1472));
    if (o.client_id) {
        if (o.client_id->size() < 2)
            throw Error("a client identifier needs a type byte and at least one more byte", "client-id",
                        to_hex(*o.client_id));
        p.set(opt4::client_identifier, *o.client_id);
    }
    if (o.hostname) p.set(opt4::host_name, text_bytes(*o.hostname));
    if (o.arch) p.set(opt4::client_arch, u16_bytes(*o.arch));
    if (o.vendor_class) p.set(opt4::vendor_class, text_bytes(*o.vendor_class));
    if (o.user_class) p.set(opt4::user_class, text_bytes(*o.user_class));
    p.set(opt4::parameter_request_list,
          o.parameter_request_list.empty() ? default_parameter_request_list() : o.parameter_request_list);
    for (const auto& extra : o.extra_options) {
        if (extra.code == opt4::message_type)
            throw Error("option 53 (message type) is set by the client itself", "option", "53");
        p.set(extra.code, extra.data);
    }
}

Dhcp4Packet base_request(const Dhcp4ProbeOptions& o, const net::Mac& mac, std::uint32_t xid,
                         Dhcp4MessageType type) {
    Dhcp4Packet p;
    p.op = 1;
    p.xid = xid;
    p.flags = o.broadcast ? dhcp4_broadcast_flag : 0;
    p.set_client_hardware_address(mac);
    p.set(opt4::message_type, {static_cast<std::uint8_t>(type)});
    return p;
}

EthernetAddress ethernet_of(const net::Mac& mac) {
    if (mac.size() != 6)
        throw Error("the packet socket sends Ethernet frames: the MAC must have 6 octets", "mac", mac.to_string());
    EthernetAddress e{};
    std::copy(mac.data(), mac.data() + 6, e.begin());
    return e;
}

bool reply_is_ours(std::span<const std::uint8_t> payload, std::uint32_t xid) {
    return payload.size() >= 8 && payload[0] == 2 && detail::get32(payload, 4) == xid;
}

std::int64_t ms_since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

std::uint16_t secs_since(Clock::time_point start) {
    auto s = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - start).count();
    return static_cast<std::uint16_t>(std::min<long long>(s, 0xffff));
}

std::string server_of(const Dhcp4Reply& r) {
    if (const auto* id = r.packet.find(opt4::server_identifier); id && id->data.size() == 4)
        return net::IpAddress::v4(detail::get32(id->data, 0)).to_string();
    return r.source.to_string();
}

}  // namespace

std::vector<std::uint8_t> default_parameter_request_list() {
    return {1, 3, 6, 12, 15, 17, 26, 28, 42, 43, 51, 54, 58, 59, 60, 66, 67, 114,
            119, 121, 150, 175, 203, 209, 210, 239, 252};
}

Dhcp4Packet build_discover(const Dhcp4ProbeOptions& o, const net::Mac& mac, std::uint32_t xid) {
    auto p = base_request(o, mac, xid, Dhcp4MessageType::discover);
    add_client_options(p, o);
    return p;
}

Dhcp4Packet build_request(const Dhcp4ProbeOptions& o, const net::Mac& mac, std::uint32_t xid,
                          const Dhcp4Reply& offer) {
    auto p = base_request(o, mac, xid, Dhcp4MessageType::request);
    p.set(opt4::requested_address, ip_bytes(offer.packet.yiaddr));
    p.set(opt4::server_identifier, ip_bytes(net::IpAddress::parse(server_of(offer)).value()));
    add_client_options(p, o);
    return p;
}

Dhcp4ProbeResult probe_dhcp4(const Dhcp4ProbeOptions& o, Dhcp4Transport& transport, const net::Mac& default_mac) {
    const net::Mac mac = o.mac.value_or(default_mac);
    Dhcp4ProbeResult result;
    result.interface = o.interface;
    result.chaddr = mac.to_string();
    result.xid = o.xid.value_or(random_u32());
    result.discover = build_discover(o, mac, result.xid);
    const auto start = Clock::now();

    // One phase: send `packet` (again every retransmit interval) until a reply that `accept`
    // takes ends the phase or the timeout passes.
    auto phase = [&](Dhcp4Packet packet, const Send4& to, auto accept) {
        auto send = [&] {
            packet.secs = secs_since(start);
            transport.send(encode(packet), to);
        };
        retransmit_until(o.timeout, o.retransmit, send, [&](Clock::time_point until) {
            auto received = transport.receive(until);
            if (!received || !reply_is_ours(received->payload, result.xid)) return false;
            Dhcp4Reply reply;
            try {
                reply.packet = parse_dhcp4(received->payload);
            } catch (const Error& e) {
                result.ignored.push_back(std::string("from ") + received->source.to_string() + ": " + e.what());
                return false;
            }
            if (reply.packet.client_hardware_address() != mac.to_string()) return false;
            reply.source = received->source;
            reply.source_mac = to_string(received->source_mac);
            reply.elapsed_ms = ms_since(start);
            return bool(accept(std::move(reply)));
        });
    };

    phase(result.discover, Send4{}, [&](Dhcp4Reply reply) {
        if (reply.packet.message_type() != Dhcp4MessageType::offer) return false;
        for (const auto& seen : result.offers)  // the same server answering a retransmission
            if (seen.source == reply.source && seen.packet.yiaddr == reply.packet.yiaddr &&
                seen.packet.options == reply.packet.options)
                return false;
        result.offers.push_back(std::move(reply));
        return !o.all_offers;
    });
    if (result.offers.empty()) {
        result.status = "no-offer";
        result.message = "no DHCPOFFER on " + o.interface + " within " + seconds_text(o.timeout) + " (chaddr " +
                         result.chaddr + ", xid " + hex32(result.xid) +
                         "): no DHCP server answered this client. Check that a server listens on this link, "
                         "and that it has a reservation for this MAC or a dynamic pool it owns";
        if (!result.ignored.empty()) result.message += "; " + std::to_string(result.ignored.size()) +
                                                       " undecodable replies were ignored";
        return result;
    }
    const Dhcp4Reply& offer = result.offers.front();
    if (!o.request) {
        result.status = "offer";
        result.message = offer.packet.yiaddr.to_string() + " offered by " + server_of(offer) +
                         (result.offers.size() > 1 ? " (" + std::to_string(result.offers.size()) + " offers)" : "");
        return result;
    }

    result.request = build_request(o, mac, result.xid, offer);
    const std::string server = server_of(offer);
    phase(*result.request, Send4{}, [&](Dhcp4Reply reply) {
        auto type = reply.packet.message_type();
        if (type != Dhcp4MessageType::ack && type != Dhcp4MessageType::nak) return false;
        if (server_of(reply) != server) return false;  // another server's answer to our broadcast
        result.ack = std::move(reply);
        return true;
    });
    if (!result.ack) {
        result.status = "no-ack";
        result.message = offer.packet.yiaddr.to_string() + " was offered by " + server +
                         ", but no DHCPACK or DHCPNAK came within " + seconds_text(o.timeout) +
                         " of the DHCPREQUEST";
        return result;
    }
    if (result.ack->packet.message_type() == Dhcp4MessageType::nak) {
        result.status = "nak";
        std::string why;
        if (const auto* m = result.ack->packet.find(56)) why = ": " + std::string(m->data.begin(), m->data.end());
        result.message = "DHCPNAK from " + server + " for " + offer.packet.yiaddr.to_string() + why;
        return result;
    }
    result.status = "ack";
    result.message = result.ack->packet.yiaddr.to_string() + " acknowledged by " + server;
    if (o.release) {
        auto release = base_request(o, mac, result.xid, Dhcp4MessageType::release);
        release.flags = 0;
        release.ciaddr = result.ack->packet.yiaddr;
        release.set(opt4::server_identifier, ip_bytes(net::IpAddress::parse(server).value()));
        if (o.client_id) release.set(opt4::client_identifier, *o.client_id);
        Send4 to;
        to.source = result.ack->packet.yiaddr;
        to.destination = net::IpAddress::parse(server).value();
        to.destination_mac = ethernet_of(net::Mac::parse(result.ack->source_mac));
        transport.send(encode(release), to);
        result.released = true;
        result.message += ", then released";
    }
    return result;
}

Dhcp4ProbeResult probe_dhcp4(const Dhcp4ProbeOptions& o) {
    const net::Mac mac = o.mac ? *o.mac : interface_mac(o.interface);
    auto transport = open_packet_transport(o.interface, mac);
    return probe_dhcp4(o, *transport, mac);
}

// ---------------------------------------------------------------- DHCPv6

namespace {

Bytes u32_bytes(std::uint32_t v) {
    Bytes out;
    detail::put32(out, v);
    return out;
}

Bytes length_prefixed(const std::string& s) {
    Bytes out(2 + s.size());
    out[0] = static_cast<std::uint8_t>(s.size() >> 8);
    out[1] = static_cast<std::uint8_t>(s.size());
    std::copy(s.begin(), s.end(), out.begin() + 2);
    return out;
}

Dhcp6Reply decode_reply6(Dhcp6Packet packet, const net::IpAddress& source, std::int64_t elapsed) {
    Dhcp6Reply r;
    r.source = source;
    r.elapsed_ms = elapsed;
    for (const auto& o : packet.options) {
        if (o.code == opt6::ia_na) r.ia_na.push_back(parse_ia_na(o.data));
        else if (o.code == opt6::status_code) r.status = parse_status(o.data);
    }
    r.packet = std::move(packet);
    return r;
}

// The first address with a non-zero valid lifetime, if any.
const Dhcp6IaAddress* first_address(const Dhcp6Reply& r) {
    for (const auto& ia : r.ia_na)
        for (const auto& a : ia.addresses)
            if (a.valid_lifetime > 0 && (!a.status || a.status->code == 0)) return &a;
    return nullptr;
}

std::string why_no_address(const Dhcp6Reply& r) {
    for (const auto& ia : r.ia_na)
        if (ia.status && ia.status->code != 0)
            return dhcp6_status_name(ia.status->code) + (ia.status->message.empty() ? "" : ": " + ia.status->message);
    if (r.status && r.status->code != 0)
        return dhcp6_status_name(r.status->code) + (r.status->message.empty() ? "" : ": " + r.status->message);
    return "no IA_NA address in the answer";
}

}  // namespace

Dhcp6Packet build_solicit(const Dhcp6ProbeOptions& o, const Bytes& duid, std::uint32_t transaction_id) {
    Dhcp6Packet p;
    p.msg_type = static_cast<std::uint8_t>(Dhcp6MessageType::solicit);
    p.transaction_id = transaction_id & 0xffffff;
    if (duid.size() < 3 || duid.size() > 130)
        throw Error("a DUID has 3 to 130 bytes", "duid", to_hex(duid));
    p.options.push_back({opt6::client_id, duid});
    p.options.push_back({opt6::elapsed_time, {0, 0}});
    p.options.push_back({opt6::ia_na, encode_ia_na(o.iaid, 0, 0)});
    Bytes oro;
    for (auto code : o.oro.empty() ? std::vector<std::uint16_t>{23, 24, 59, 60} : o.oro) detail::put16(oro, code);
    p.options.push_back({opt6::oro, oro});
    if (o.arch) p.options.push_back({opt6::client_arch, u16_bytes(*o.arch)});
    if (o.user_class) {
        check_option_text(o.user_class, "user-class");
        p.options.push_back({opt6::user_class, length_prefixed(*o.user_class)});
    }
    if (o.vendor_class) {
        check_option_text(o.vendor_class, "vendor-class");
        Bytes v = u32_bytes(o.vendor_enterprise);
        auto s = length_prefixed(*o.vendor_class);
        v.insert(v.end(), s.begin(), s.end());
        p.options.push_back({opt6::vendor_class, v});
    }
    for (const auto& extra : o.extra_options) p.set(extra.code, extra.data);
    return p;
}

Dhcp6ProbeResult probe_dhcp6(const Dhcp6ProbeOptions& o, Dhcp6Transport& transport, const Bytes& duid) {
    Dhcp6ProbeResult result;
    result.interface = o.interface;
    result.duid = duid;
    result.transaction_id = o.transaction_id.value_or(random_u32()) & 0xffffff;
    result.solicit = build_solicit(o, duid, result.transaction_id);
    const auto start = Clock::now();

    auto phase = [&](Dhcp6Packet packet, auto accept) {
        auto send = [&] {
            auto centiseconds = std::min<std::int64_t>(ms_since(start) / 10, 0xffff);
            packet.set(opt6::elapsed_time, u16_bytes(static_cast<std::uint16_t>(centiseconds)));
            transport.send(encode(packet));
        };
        retransmit_until(o.timeout, o.retransmit, send, [&](Clock::time_point until) {
            auto received = transport.receive(until);
            if (!received || received->payload.size() < 4) return false;
            const auto& b = received->payload;
            std::uint32_t tid = (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
            if (tid != result.transaction_id) return false;
            Dhcp6Reply reply;
            try {
                reply = decode_reply6(parse_dhcp6(b), received->source, ms_since(start));
            } catch (const Error& e) {
                result.ignored.push_back("from " + received->source.to_string() + ": " + e.what());
                return false;
            }
            const auto* client = reply.packet.find(opt6::client_id);
            if (!client || client->data != duid) return false;  // not for this client
            return bool(accept(std::move(reply)));
        });
    };

    phase(result.solicit, [&](Dhcp6Reply reply) {
        if (reply.packet.message_type() != Dhcp6MessageType::advertise) return false;
        if (!reply.packet.find(opt6::server_id)) {
            result.ignored.push_back("ADVERTISE from " + reply.source.to_string() + " without a server id");
            return false;
        }
        for (const auto& seen : result.advertises)
            if (seen.source == reply.source && seen.packet.options == reply.packet.options) return false;
        result.advertises.push_back(std::move(reply));
        return !o.all_offers;
    });
    if (result.advertises.empty()) {
        result.status = "no-advertise";
        result.message = "no ADVERTISE on " + o.interface + " within " + seconds_text(o.timeout) + " (DUID " +
                         to_hex(duid) + ", transaction " + hex32(result.transaction_id, 6) +
                         "): no DHCPv6 server answered this client. Check that a server listens on this link "
                         "and has a reservation for this DUID or an address pool";
        return result;
    }
    // Prefer an ADVERTISE that carries an address.
    const Dhcp6Reply* chosen = &result.advertises.front();
    for (const auto& a : result.advertises)
        if (first_address(a)) {
            chosen = &a;
            break;
        }
    const auto* address = first_address(*chosen);
    if (!address) {
        result.status = "no-address";
        result.message = "ADVERTISE from " + chosen->source.to_string() + " without an address: " + why_no_address(*chosen);
        return result;
    }
    if (!o.request) {
        result.status = "advertise";
        result.message = address->address.to_string() + " advertised by " + chosen->source.to_string();
        return result;
    }
    Dhcp6Packet request;
    request.msg_type = static_cast<std::uint8_t>(Dhcp6MessageType::request);
    request.transaction_id = result.transaction_id;
    for (const auto& option : result.solicit.options)
        if (option.code != opt6::ia_na) request.options.push_back(option);
    request.options.insert(request.options.begin() + 1, *chosen->packet.find(opt6::server_id));
    for (const auto& option : chosen->packet.options)
        if (option.code == opt6::ia_na) request.options.push_back(option);
    result.request = request;
    const Bytes server_id = chosen->packet.find(opt6::server_id)->data;
    phase(request, [&](Dhcp6Reply reply) {
        if (reply.packet.message_type() != Dhcp6MessageType::reply) return false;
        const auto* id = reply.packet.find(opt6::server_id);
        if (!id || id->data != server_id) return false;
        result.reply = std::move(reply);
        return true;
    });
    if (!result.reply) {
        result.status = "no-reply";
        result.message = address->address.to_string() + " was advertised by " + chosen->source.to_string() +
                         ", but no REPLY came within " + seconds_text(o.timeout) + " of the REQUEST";
        return result;
    }
    if (const auto* granted = first_address(*result.reply)) {
        result.status = "reply";
        result.message = granted->address.to_string() + " assigned by " + result.reply->source.to_string();
    } else {
        result.status = "no-address";
        result.message = "REPLY from " + result.reply->source.to_string() + " without an address: " +
                         why_no_address(*result.reply);
    }
    return result;
}

Dhcp6ProbeResult probe_dhcp6(const Dhcp6ProbeOptions& o) {
    Bytes duid;
    if (o.duid) duid = *o.duid;
    else duid = duid_ll(o.mac ? *o.mac : interface_mac(o.interface));
    auto transport = open_udp6_transport(o.interface);
    return probe_dhcp6(o, *transport, duid);
}

}  // namespace xcatdhcp::probe
