// Native OMAPI client: socket with timeouts, startup, authenticator, pipelined requests,
// host operations and batches.
#include "xcatdhcp/control/omapi.hpp"

#include <cerrno>
#include <cstring>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <map>
#include <unordered_map>

#include "xcatdhcp/net/mac.hpp"

namespace xcatdhcp::control::omapi {

// ---------------------------------------------------------------- errors
std::string_view to_string(ErrorKind kind) {
    switch (kind) {
    case ErrorKind::not_found: return "not found";
    case ErrorKind::already_exists: return "already exists";
    case ErrorKind::conflict: return "conflict";
    case ErrorKind::authentication: return "authentication failed";
    case ErrorKind::connection: return "connection failed";
    case ErrorKind::timeout: return "timeout";
    case ErrorKind::protocol: return "protocol error";
    case ErrorKind::rejected: return "rejected";
    case ErrorKind::invalid_argument: return "invalid argument";
    case ErrorKind::unsupported: return "unsupported";
    }
    return "error";
}

OmapiError::OmapiError(ErrorKind kind, std::string message, std::uint32_t server_result)
    : xcatdhcp::Error(std::move(message)), kind_(kind), server_result_(server_result) {}

namespace {

bool fatal(ErrorKind kind) {
    return kind == ErrorKind::connection || kind == ErrorKind::timeout || kind == ErrorKind::authentication ||
           kind == ErrorKind::protocol;
}

ErrorKind kind_for_result(std::uint32_t code) {
    switch (code) {
    case result::exists: return ErrorKind::already_exists;
    case result::notfound: return ErrorKind::not_found;
    case result::keyconflict: return ErrorKind::conflict;
    case result::invalidkey:
    case result::key_unknown:
    case result::nokeys: return ErrorKind::authentication;
    default: return ErrorKind::rejected;
    }
}

std::string hex_colon(std::string_view bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i) out += ':';
        auto c = static_cast<unsigned char>(bytes[i]);
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

// "01:02:ab" (':' or '-' separated, one or two hex digits per octet) to bytes.
std::optional<std::string> parse_hex_octets(std::string_view text) {
    if (text.empty()) return std::nullopt;
    std::string out;
    std::size_t i = 0;
    char sep = 0;
    auto hexval = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    while (i < text.size()) {
        int hi = hexval(text[i]);
        if (hi < 0) return std::nullopt;
        int v = hi;
        ++i;
        if (i < text.size() && hexval(text[i]) >= 0) {
            v = hi * 16 + hexval(text[i]);
            ++i;
        }
        out.push_back(static_cast<char>(v));
        if (i == text.size()) break;
        char c = text[i];
        if (c != ':' && c != '-') return std::nullopt;
        if (sep && c != sep) return std::nullopt;
        sep = c;
        ++i;
        if (i == text.size()) return std::nullopt;
    }
    return out;
}

std::string mac_bytes(std::string_view mac, std::string_view what) {
    auto parsed = net::Mac::try_parse(mac);
    if (!parsed)
        throw OmapiError(ErrorKind::invalid_argument, std::string(what) + ": not a MAC address: " + quote(mac));
    return std::string(reinterpret_cast<const char*>(parsed->data()), parsed->size());
}

std::string identifier_bytes(std::string_view id) {
    if (auto bytes = parse_hex_octets(id); bytes && id.find_first_of(":-") != std::string_view::npos)
        return *bytes;
    return std::string(id);
}

std::string address_bytes(const net::IpAddress& ip) {
    const auto& b = ip.bytes();
    return std::string(reinterpret_cast<const char*>(b.data()), ip.is_v4() ? 4 : 16);
}

Values key_values(const HostKey& key) {
    Values v;
    if (!key.name.empty()) v.push_back(bytes_value("name", key.name));
    if (!key.mac.empty()) {
        v.push_back(bytes_value("hardware-address", mac_bytes(key.mac, "hardware-address")));
        v.push_back(u32_value("hardware-type", static_cast<std::uint32_t>(key.hardware_type)));
    }
    if (key.ip) v.push_back(bytes_value("ip-address", address_bytes(*key.ip)));
    if (!key.client_identifier.empty())
        v.push_back(bytes_value("dhcp-client-identifier", identifier_bytes(key.client_identifier)));
    return v;
}

std::string errno_text(int e) { return std::strerror(e); }

// ---------------------------------------------------------------- socket
class Socket {
public:
    Socket() = default;
    ~Socket() { close(); }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;

    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    int fd() const { return fd_; }
    bool open() const { return fd_ >= 0; }

    void connect(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout) {
        const std::string where = host + " port " + std::to_string(port);
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* list = nullptr;
        std::string service = std::to_string(port);
        int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &list);
        if (rc != 0)
            throw OmapiError(ErrorKind::connection,
                             "cannot resolve OMAPI server " + quote(host) + ": " + ::gai_strerror(rc));
        std::string last = "no address";
        ErrorKind last_kind = ErrorKind::connection;
        for (addrinfo* ai = list; ai; ai = ai->ai_next) {
            int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
            if (fd < 0) {
                last = errno_text(errno);
                continue;
            }
            int r = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
            if (r != 0 && errno != EINPROGRESS) {
                last = errno_text(errno);
                ::close(fd);
                continue;
            }
            if (r != 0) {
                pollfd p{fd, POLLOUT, 0};
                int n;
                do n = ::poll(&p, 1, static_cast<int>(timeout.count()));
                while (n < 0 && errno == EINTR);
                if (n == 0) {
                    last = "no answer within " + std::to_string(timeout.count()) + " ms";
                    last_kind = ErrorKind::timeout;
                    ::close(fd);
                    continue;
                }
                int err = 0;
                socklen_t len = sizeof err;
                if (n < 0) err = errno;
                else if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
                if (err != 0) {
                    last = errno_text(err);
                    last_kind = ErrorKind::connection;
                    ::close(fd);
                    continue;
                }
            }
            int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            fd_ = fd;
            ::freeaddrinfo(list);
            return;
        }
        ::freeaddrinfo(list);
        throw OmapiError(last_kind, "cannot connect to dhcpd's OMAPI port at " + where + ": " + last);
    }

private:
    int fd_ = -1;
};

}  // namespace

// ---------------------------------------------------------------- HostKey, Host
HostKey HostKey::by_name(std::string name) {
    HostKey k;
    k.name = std::move(name);
    return k;
}
HostKey HostKey::by_mac(std::string mac, int hardware_type) {
    HostKey k;
    k.mac = std::move(mac);
    k.hardware_type = hardware_type;
    return k;
}
HostKey HostKey::by_ip(const net::IpAddress& ip) {
    HostKey k;
    k.ip = ip;
    return k;
}
HostKey HostKey::by_client_identifier(std::string id) {
    HostKey k;
    k.client_identifier = std::move(id);
    return k;
}

bool HostKey::empty() const { return name.empty() && mac.empty() && !ip && client_identifier.empty(); }

std::string HostKey::describe() const {
    std::string out;
    auto add = [&](const std::string& s) { out += (out.empty() ? "" : ", ") + s; };
    if (!name.empty()) add("name " + quote(name));
    if (!mac.empty()) add("hardware-address " + mac + " (type " + std::to_string(hardware_type) + ")");
    if (ip) add("ip-address " + ip->to_string());
    if (!client_identifier.empty()) add("dhcp-client-identifier " + client_identifier);
    return out.empty() ? "no key" : out;
}

Values host_values(const render::isc::HostObject& host) {
    Values v;
    v.push_back(bytes_value("name", host.name));
    const bool by_duid = host.family == net::Family::v6 && !host.client_identifier.empty();
    if (!by_duid && !host.mac.empty()) {
        v.push_back(bytes_value("hardware-address", mac_bytes(host.mac, "host " + host.name)));
        v.push_back(u32_value("hardware-type", static_cast<std::uint32_t>(host.hardware_type)));
    }
    if (!host.client_identifier.empty())
        v.push_back(bytes_value("dhcp-client-identifier", identifier_bytes(host.client_identifier)));
    if (host.ip && !host.deny) v.push_back(bytes_value("ip-address", address_bytes(*host.ip)));
    if (!host.statements.empty()) v.push_back(bytes_value("statements", host.statements));
    return v;
}

std::optional<Host> host_from_values(const Values& values, std::uint32_t handle) {
    Host h;
    h.handle = handle;
    bool any = false;
    if (const auto* v = find(values, "name")) {
        h.name = *v;
        any = true;
    }
    if (const auto* v = find(values, "hardware-address")) {
        h.mac = hex_colon(*v);
        any = true;
    }
    if (auto t = find_u32(values, "hardware-type")) h.hardware_type = static_cast<int>(*t & 0xff);
    if (const auto* v = find(values, "dhcp-client-identifier")) {
        h.client_identifier = hex_colon(*v);
        any = true;
    }
    if (const auto* v = find(values, "ip-address")) {
        if (v->size() == 4) {
            std::uint32_t a = 0;
            for (char c : *v) a = (a << 8) | static_cast<unsigned char>(c);
            h.ip = net::IpAddress::v4(a);
        } else if (v->size() == 16) {
            std::array<std::uint8_t, 16> b{};
            std::copy(v->begin(), v->end(), b.begin());
            h.ip = net::IpAddress::v6(b);
        }
        any = true;
    }
    if (!any) return std::nullopt;
    h.values = values;
    return h;
}

// ---------------------------------------------------------------- LeaseKey, Lease
LeaseKey LeaseKey::by_ip(const net::IpAddress& ip) {
    LeaseKey k;
    k.ip = ip;
    return k;
}
LeaseKey LeaseKey::by_mac(std::string mac, int hardware_type) {
    LeaseKey k;
    k.mac = std::move(mac);
    k.hardware_type = hardware_type;
    return k;
}
LeaseKey LeaseKey::by_client_identifier(std::string id) {
    LeaseKey k;
    k.client_identifier = std::move(id);
    return k;
}

bool LeaseKey::empty() const { return !ip && mac.empty() && client_identifier.empty(); }

std::string LeaseKey::describe() const {
    std::string out;
    auto add = [&](const std::string& s) { out += (out.empty() ? "" : ", ") + s; };
    if (ip) add("ip-address " + ip->to_string());
    if (!mac.empty()) add("hardware-address " + mac + " (type " + std::to_string(hardware_type) + ")");
    if (!client_identifier.empty()) add("dhcp-client-identifier " + client_identifier);
    return out.empty() ? "no key" : out;
}

std::string lease_state_name(int state) {
    static const char* names[] = {"", "free", "active", "expired", "released", "abandoned",
                                  "reset", "backup", "reserved", "bootp"};
    if (state >= 1 && state <= 9) return names[state];
    return "state " + std::to_string(state);
}

namespace {

std::optional<net::IpAddress> address_of(const std::string& v) {
    if (v.size() == 4) {
        std::uint32_t a = 0;
        for (char c : v) a = (a << 8) | static_cast<unsigned char>(c);
        return net::IpAddress::v4(a);
    }
    if (v.size() == 16) {
        std::array<std::uint8_t, 16> b{};
        std::copy(v.begin(), v.end(), b.begin());
        return net::IpAddress::v6(b);
    }
    return std::nullopt;
}

// dhcpd sends times as big-endian integers of its TIME size (4 or 8 bytes).
std::optional<std::int64_t> time_of(const Values& values, std::string_view name) {
    const std::string* v = find(values, name);
    if (!v || (v->size() != 4 && v->size() != 8)) return std::nullopt;
    std::uint64_t t = 0;
    for (char c : *v) t = (t << 8) | static_cast<unsigned char>(c);
    if (v->size() == 4) return static_cast<std::int64_t>(static_cast<std::int32_t>(static_cast<std::uint32_t>(t)));
    return static_cast<std::int64_t>(t);
}

Values lease_key_values(const LeaseKey& key) {
    Values v;
    if (key.ip) v.push_back(bytes_value("ip-address", address_bytes(*key.ip)));
    if (!key.mac.empty()) {
        v.push_back(bytes_value("hardware-address", mac_bytes(key.mac, "hardware-address")));
        v.push_back(u32_value("hardware-type", static_cast<std::uint32_t>(key.hardware_type)));
    }
    if (!key.client_identifier.empty())
        v.push_back(bytes_value("dhcp-client-identifier", identifier_bytes(key.client_identifier)));
    return v;
}

}  // namespace

std::optional<Lease> lease_from_values(const Values& values, std::uint32_t handle) {
    const std::string* ip = find(values, "ip-address");
    if (!ip) return std::nullopt;
    Lease l;
    l.handle = handle;
    l.ip = address_of(*ip);
    if (!l.ip) return std::nullopt;
    if (auto s = find_u32(values, "state")) l.state = static_cast<int>(*s);
    if (auto t = find_u32(values, "hardware-type")) l.hardware_type = static_cast<int>(*t & 0xff);
    if (const auto* v = find(values, "hardware-address")) l.mac = hex_colon(*v);
    if (const auto* v = find(values, "dhcp-client-identifier")) l.client_identifier = hex_colon(*v);
    if (const auto* v = find(values, "client-hostname")) l.client_hostname = *v;
    if (auto h = find_u32(values, "host")) l.host_handle = *h;
    l.ends = time_of(values, "ends");
    l.cltt = time_of(values, "cltt");
    l.values = values;
    return l;
}

std::size_t BatchReport::succeeded() const {
    return static_cast<std::size_t>(std::count_if(hosts.begin(), hosts.end(), [](const auto& h) { return h.ok; }));
}
std::size_t BatchReport::failed() const { return hosts.size() - succeeded(); }

// ---------------------------------------------------------------- session
// What came back for one request.
struct Answer {
    Message message;
    bool ok = false;            // update, or status success
    ErrorKind kind = ErrorKind::rejected;
    std::uint32_t code = 0;     // status result
    std::string text;           // status message
};

namespace {

// One authenticated connection to dhcpd.
struct Connection {
    Socket socket;
    std::uint32_t auth_handle = 0;
    bool authenticated = false;  // signing active
    std::uint32_t next_id = 1;
    std::string in;              // received bytes not yet decoded (from in_pos)
    std::size_t in_pos = 0;
    std::string out;             // encoded bytes not yet sent (from out_pos)
    std::size_t out_pos = 0;
    std::unordered_map<std::uint32_t, std::size_t> waiting;  // request id -> index in the exchange

    bool pending_output() const { return out_pos < out.size(); }
};

}  // namespace

struct Client::Impl {
    ClientOptions options;
    std::optional<Signer> signer;
    std::optional<Algorithm> algorithm;
    std::uint16_t port = 0;
    std::vector<std::unique_ptr<Connection>> connections;
    SessionStats stats;

    std::string key_label() const { return options.key_name.empty() ? "(none)" : options.key_name; }
    std::string server_label() const { return options.server + " port " + std::to_string(port); }

    bool is_open() const { return !connections.empty() && connections.front()->socket.open(); }

    void close() {
        for (auto& c : connections) c->socket.close();
        connections.clear();
    }

    [[noreturn]] void fail(ErrorKind kind, const std::string& message, std::uint32_t code = 0) {
        close();
        throw OmapiError(kind, message, code);
    }

    void require_open() {
        if (!is_open()) throw OmapiError(ErrorKind::connection, "the OMAPI connection is closed");
    }

    void flush(Connection& c) {
        while (c.out_pos < c.out.size()) {
            ssize_t n = ::send(c.socket.fd(), c.out.data() + c.out_pos, c.out.size() - c.out_pos, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) break;
                fail(ErrorKind::connection, "sending to dhcpd at " + server_label() + " failed: " + errno_text(errno));
            }
            c.out_pos += static_cast<std::size_t>(n);
            stats.bytes_sent += static_cast<std::size_t>(n);
        }
        if (c.out_pos == c.out.size()) {
            c.out.clear();
            c.out_pos = 0;
        }
    }

    // Reads what is there (at most 256 KiB a call, so a peer that never stops sending cannot
    // keep the client from decoding and checking the limits). Throws when the peer closed.
    void read(Connection& c, const char* what) {
        char buf[65536];
#ifdef TCP_QUICKACK
        // dhcpd does not disable Nagle: when it answers one burst in two writes, the second
        // waits for our ACK. Acknowledge at once instead of after the delayed-ACK timer.
        int one = 1;
        ::setsockopt(c.socket.fd(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
#endif
        for (int chunk = 0; chunk < 4; ++chunk) {
            ssize_t n = ::recv(c.socket.fd(), buf, sizeof buf, 0);
            if (n < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) return;
                closed(errno_text(errno), what);
            }
            if (n == 0) closed("connection closed", what);
            if (c.in_pos > 0 && c.in_pos == c.in.size()) {
                c.in.clear();
                c.in_pos = 0;
            } else if (c.in_pos > 65536 && c.in_pos * 2 > c.in.size()) {
                c.in.erase(0, c.in_pos);
                c.in_pos = 0;
            }
            c.in.append(buf, static_cast<std::size_t>(n));
            stats.bytes_received += static_cast<std::size_t>(n);
            if (static_cast<std::size_t>(n) < sizeof buf) return;
        }
    }

    [[noreturn]] void closed(const std::string& why, const char* what) {
        if (std::string_view(what) == "verifying the key")
            fail(ErrorKind::authentication,
                 "OMAPI authentication failed for key " + key_label() + ": dhcpd closed the connection (" + why +
                     ") after the first signed message; the secret or algorithm does not match dhcpd's key");
        fail(ErrorKind::connection, "dhcpd at " + server_label() + " closed the OMAPI connection (" + why +
                                        ") while " + what);
    }

    // One decoded message from the connection's input, or nullopt when more bytes are needed.
    std::optional<std::pair<Message, std::string_view>> next_message(Connection& c) {
        std::string_view pending = std::string_view(c.in).substr(c.in_pos);
        Decoded d = decode(pending, options.limits);
        if (d.status == DecodeStatus::incomplete) return std::nullopt;
        if (d.status == DecodeStatus::malformed)
            fail(ErrorKind::protocol, "malformed OMAPI message from dhcpd at " + server_label() + ": " + d.error);
        std::string_view raw = pending.substr(0, d.size);
        c.in_pos += d.size;
        ++stats.replies;
        return std::make_pair(std::move(d.message), raw);
    }

    // Checks a reply's signature and turns it into an Answer. Fatal problems throw.
    Answer check(const Connection& c, Message m, std::string_view raw) {
        Answer a;
        const bool is_status = m.op == Op::status;
        std::uint32_t code = is_status ? find_u32(m.message_values, "result").value_or(result::unexpected) : 0;
        if (c.authenticated) {
            if (m.authid == c.auth_handle && !m.signature.empty()) {
                if (!verify(raw, m, *signer))
                    fail(ErrorKind::authentication, "OMAPI authentication failed for key " + key_label() +
                                                        ": the signature of dhcpd's reply does not verify");
            } else if (m.authid == 0 && m.signature.empty()) {
                // dhcpd answers unsigned only when it could not check our signature.
                if (!is_status || code == result::success)
                    fail(ErrorKind::protocol, "unsigned OMAPI reply from dhcpd at " + server_label() +
                                                  " on an authenticated connection");
            } else {
                fail(ErrorKind::protocol, "OMAPI reply signed by an unknown authenticator (" +
                                              std::to_string(m.authid) + ")");
            }
        }
        if (m.op == Op::update) {
            a.ok = true;
        } else if (is_status) {
            a.code = code;
            if (const auto* t = find(m.message_values, "message")) a.text = *t;
            a.ok = code == result::success;
            a.kind = kind_for_result(code);
            if (a.kind == ErrorKind::authentication) {
                std::string why = code == result::invalidkey
                                      ? "dhcpd rejected the message signature; the secret does not match dhcpd's key"
                                  : code == result::key_unknown ? "dhcpd does not know the authenticator"
                                                                : "dhcpd requires a signed message";
                fail(ErrorKind::authentication, "OMAPI authentication failed for key " + key_label() + ": " + why +
                                                    (a.text.empty() ? "" : " (" + a.text + ")"),
                     code);
            }
        } else {
            fail(ErrorKind::protocol, "unexpected OMAPI " + std::string(to_string(m.op)) + " message from dhcpd");
        }
        a.message = std::move(m);
        return a;
    }

    void queue(Connection& c, Message& m, std::size_t index) { append(c, prepare(c, m), m, index); }

    std::string prepare(Connection& c, Message& m) {
        m.id = c.next_id++;
        if (c.next_id == 0) c.next_id = 1;
        if (c.authenticated) m.authid = c.auth_handle;
        return encode(m, c.authenticated ? &*signer : nullptr);
    }

    void append(Connection& c, const std::string& bytes, const Message& m, std::size_t index) {
        c.out += bytes;
        c.waiting.emplace(m.id, index);
        ++stats.requests;
    }

    // Queues the next burst on an idle connection: requests while every request and every reply
    // of the burst starts within dhcpd_burst_limit bytes of the burst's start (see
    // dhcpd_burst_limit); a request whose reply size is unknown ends the burst.
    void queue_burst(Connection& c, std::vector<Message>& requests, std::size_t& sent, std::size_t window) {
        std::size_t request_offset = 0, reply_offset = 0, count = 0;
        while (sent < requests.size() && count < window) {
            if (count > 0 && (request_offset > dhcpd_burst_limit || reply_offset > dhcpd_burst_limit)) break;
            Message& m = requests[sent];
            std::string bytes = prepare(c, m);
            append(c, bytes, m, sent);
            ++sent;
            ++count;
            request_offset += bytes.size();
            auto bound = reply_size_bound(m, options.assumed_field_bytes);
            if (!bound) break;
            reply_offset += *bound;
        }
    }

    // Sends the requests over `conns`, at most options.window in flight on each, and returns
    // the answers in request order.
    // `answers` gets one slot per request, filled as replies arrive: when a fatal error is thrown
    // half-way, the answers received until then are there.
    void exchange_on(const std::vector<Connection*>& conns, std::vector<Message> requests, const char* what,
                     std::vector<std::optional<Answer>>& answers) {
        const std::size_t n = requests.size();
        answers.assign(n, std::nullopt);
        const std::size_t window = std::max<std::size_t>(1, options.window);
        std::size_t sent = 0, received = 0;
        std::vector<pollfd> fds(conns.size());
        for (auto* c : conns) c->waiting.clear();
        while (received < n) {
            for (auto* c : conns) {
                if (window == 1) {
                    if (sent < n && c->waiting.empty()) {
                        queue(*c, requests[sent], sent);
                        ++sent;
                    }
                } else if (c->waiting.empty()) {
                    queue_burst(*c, requests, sent, window);
                }
                flush(*c);
            }
            bool progressed = false;
            for (auto* c : conns) {
                while (auto msg = next_message(*c)) {
                    auto it = c->waiting.find(msg->first.rid);
                    if (it == c->waiting.end()) {
                        if (msg->first.rid == 0) continue;  // unsolicited: dhcpd sends none
                        fail(ErrorKind::protocol, "OMAPI reply for a request not sent (rid " +
                                                      std::to_string(msg->first.rid) + ")");
                    }
                    std::size_t index = it->second;
                    c->waiting.erase(it);
                    answers[index] = check(*c, std::move(msg->first), msg->second);
                    ++received;
                    progressed = true;
                }
            }
            if (received == n) break;
            if (progressed && sent < n) continue;
            for (std::size_t i = 0; i < conns.size(); ++i)
                fds[i] = pollfd{conns[i]->socket.fd(),
                                static_cast<short>(POLLIN | (conns[i]->pending_output() ? POLLOUT : 0)), 0};
            int k;
            do k = ::poll(fds.data(), fds.size(), static_cast<int>(options.io_timeout.count()));
            while (k < 0 && errno == EINTR);
            if (k < 0) fail(ErrorKind::connection, std::string("poll failed: ") + errno_text(errno));
            if (k == 0)
                fail(ErrorKind::timeout, "no answer from dhcpd at " + server_label() + " within " +
                                             std::to_string(options.io_timeout.count()) + " ms while " + what);
            for (std::size_t i = 0; i < conns.size(); ++i) {
                if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) read(*conns[i], what);
                if (fds[i].revents & POLLOUT) flush(*conns[i]);
            }
        }
    }

    std::vector<Answer> exchange_on(const std::vector<Connection*>& conns, std::vector<Message> requests,
                                    const char* what) {
        std::vector<std::optional<Answer>> slots;
        exchange_on(conns, std::move(requests), what, slots);
        std::vector<Answer> answers;
        answers.reserve(slots.size());
        for (auto& a : slots) answers.push_back(std::move(*a));
        return answers;
    }

    // Spreads a batch over up to options.connections connections (opening them on first use).
    void exchange(std::vector<Message> requests, const char* what, std::vector<std::optional<Answer>>& answers) {
        answers.clear();
        require_open();
        if (requests.empty()) return;
        // A connection costs three round trips to open; use more only for larger batches.
        std::size_t wanted = std::clamp<std::size_t>(requests.size() / 16, 1, std::max<std::size_t>(1, options.connections));
        while (connections.size() < wanted) open_connection();
        std::vector<Connection*> conns;
        for (std::size_t i = 0; i < wanted; ++i) conns.push_back(connections[i].get());
        exchange_on(conns, std::move(requests), what, answers);
    }

    std::vector<Answer> exchange(std::vector<Message> requests, const char* what) {
        std::vector<std::optional<Answer>> slots;
        exchange(std::move(requests), what, slots);
        std::vector<Answer> answers;
        answers.reserve(slots.size());
        for (auto& a : slots) answers.push_back(std::move(*a));
        return answers;
    }

    Answer exchange_one(Message m, const char* what) {
        require_open();
        std::vector<Message> one;
        one.push_back(std::move(m));
        return std::move(exchange_on({connections.front().get()}, std::move(one), what).front());
    }

    Answer exchange_one(Connection& c, Message m, const char* what) {
        std::vector<Message> one;
        one.push_back(std::move(m));
        return std::move(exchange_on({&c}, std::move(one), what).front());
    }

    // ------------------------------------------------------------ connect
    void start() {
        port = options.port ? options.port : (options.family == net::Family::v6 ? default_port6 : default_port);
        if (!options.key_name.empty()) {
            algorithm = parse_algorithm(options.algorithm);
            if (!algorithm)
                throw OmapiError(ErrorKind::unsupported,
                                 "OMAPI key algorithm " + quote(options.algorithm) +
                                     " is not supported by dhcpd (use hmac-md5, hmac-sha1, hmac-sha224, "
                                     "hmac-sha256, hmac-sha384 or hmac-sha512)");
            auto secret = decode_base64(options.secret);
            if (!secret || options.secret.empty())
                throw OmapiError(ErrorKind::invalid_argument,
                                 "the OMAPI secret of key " + options.key_name + " is not base64");
            signer.emplace(*algorithm, *secret);
        }
        open_connection();
    }

    void open_connection() {
        auto owned = std::make_unique<Connection>();
        Connection& c = *owned;
        c.socket.connect(options.server, port, options.connect_timeout);
        connections.push_back(std::move(owned));

        // Startup: both sides send version and header size.
        c.out += encode_startup();
        flush(c);
        while (c.pending_output() || c.in.size() - c.in_pos < 8) {
            pollfd p{c.socket.fd(), static_cast<short>(POLLIN | (c.pending_output() ? POLLOUT : 0)), 0};
            int k;
            do k = ::poll(&p, 1, static_cast<int>(options.io_timeout.count()));
            while (k < 0 && errno == EINTR);
            if (k <= 0)
                fail(k == 0 ? ErrorKind::timeout : ErrorKind::connection,
                     "no OMAPI startup from " + server_label() + " within " +
                         std::to_string(options.io_timeout.count()) + " ms (is this dhcpd's omapi-port?)");
            if (p.revents & (POLLIN | POLLHUP | POLLERR)) read(c, "exchanging the startup");
            if (p.revents & POLLOUT) flush(c);
        }
        auto startup = *decode_startup(std::string_view(c.in).substr(c.in_pos));
        c.in_pos += 8;
        if (startup.version != protocol_version)
            fail(ErrorKind::protocol, "the server at " + server_label() + " speaks OMAPI version " +
                                          std::to_string(startup.version) + ", not " +
                                          std::to_string(protocol_version));
        if (startup.header_size != header_size)
            fail(ErrorKind::protocol, "the server at " + server_label() + " uses an OMAPI header of " +
                                          std::to_string(startup.header_size) + " bytes, not " +
                                          std::to_string(header_size));
        if (!signer) return;

        // Open the authenticator: unsigned, answered with its handle.
        Message open;
        open.op = Op::open;
        open.message_values = {bytes_value("type", "authenticator")};
        open.object_values = {bytes_value("name", options.key_name), bytes_value("algorithm", wire_name(*algorithm))};
        Answer a = exchange_one(c, std::move(open), "opening the authenticator");
        if (!a.ok || a.message.op != Op::update || a.message.handle == 0) {
            std::string why = a.code == result::notfound
                                  ? "dhcpd has no key named " + quote(options.key_name) + " with algorithm " +
                                        std::string(to_string(*algorithm))
                                  : "dhcpd refused the authenticator: " + result_text(a.code);
            fail(ErrorKind::authentication, "OMAPI authentication failed for key " + key_label() + ": " + why +
                                                (a.text.empty() ? "" : " (" + a.text + ")"),
                 a.code);
        }
        c.auth_handle = a.message.handle;
        c.authenticated = true;
        if (!options.verify_key) return;
        // One signed request: dhcpd answers a wrong secret with an unsigned "invalid key" status.
        Message probe;
        probe.op = Op::refresh;
        probe.handle = c.auth_handle;
        Answer p = exchange_one(c, std::move(probe), "verifying the key");
        if (!p.ok)
            fail(ErrorKind::authentication, "OMAPI authentication failed for key " + key_label() +
                                                ": dhcpd refused a signed request: " + result_text(p.code) +
                                                (p.text.empty() ? "" : " (" + p.text + ")"),
                 p.code);
    }
};

namespace {

Message open_host(Values object, bool create) {
    Message m;
    m.op = Op::open;
    m.message_values.push_back(bytes_value("type", "host"));
    if (create) {
        m.message_values.push_back(bool_value("create", true));
        m.message_values.push_back(bool_value("exclusive", true));
    }
    m.object_values = std::move(object);
    return m;
}

Message delete_handle(std::uint32_t handle) {
    Message m;
    m.op = Op::remove;
    m.handle = handle;
    return m;
}

std::string answer_text(const Answer& a) {
    std::string out = result_text(a.code);
    if (!a.text.empty() && a.text != out) out += " (dhcpd: " + a.text + ")";
    return out;
}

Host host_of(const Answer& a) {
    if (auto h = host_from_values(a.message.object_values, a.message.handle)) return *h;
    Host h;
    h.handle = a.message.handle;
    h.values = a.message.object_values;
    return h;
}

OmapiError answer_error(const Answer& a, const std::string& what) {
    return OmapiError(a.kind, what + ": " + answer_text(a), a.code);
}

}  // namespace

// ---------------------------------------------------------------- Client
Client::Client(const ClientOptions& options) : impl_(std::make_unique<Impl>()) {
    impl_->options = options;
    impl_->start();
}

Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

bool Client::is_open() const { return impl_ && impl_->is_open(); }
void Client::close() {
    if (impl_) impl_->close();
}
const ClientOptions& Client::options() const { return impl_->options; }
const SessionStats& Client::stats() const { return impl_->stats; }

std::optional<Host> Client::lookup(const HostKey& key) {
    if (key.empty()) throw OmapiError(ErrorKind::invalid_argument, "lookup needs a name, address or identifier");
    Answer a = impl_->exchange_one(open_host(key_values(key), false), "looking up a host");
    if (a.ok) return host_of(a);
    if (a.kind == ErrorKind::not_found) return std::nullopt;
    throw answer_error(a, "lookup of host by " + key.describe());
}

Host Client::create(const render::isc::HostObject& host) {
    if (host.family != impl_->options.family)
        throw OmapiError(ErrorKind::invalid_argument, "host " + quote(host.name) + " is an IPv" +
                                                          std::to_string(static_cast<int>(host.family)) +
                                                          " object; this connection serves the other family");
    Answer a = impl_->exchange_one(open_host(host_values(host), true), "creating a host");
    if (!a.ok) throw answer_error(a, "create of host " + quote(host.name));
    return host_of(a);
}

Host Client::update(const HostKey& key, const HostChanges& changes) {
    if (!changes.ip && !changes.hardware_type && !changes.statements)
        throw OmapiError(ErrorKind::invalid_argument, "update of host by " + key.describe() + ": nothing to change");
    auto found = lookup(key);
    if (!found) throw OmapiError(ErrorKind::not_found, "update of host by " + key.describe() + ": not found",
                                 result::notfound);
    Message m;
    m.op = Op::update;
    m.handle = found->handle;
    if (changes.ip) m.object_values.push_back(bytes_value("ip-address", address_bytes(*changes.ip)));
    if (changes.hardware_type)
        m.object_values.push_back(u32_value("hardware-type", static_cast<std::uint32_t>(*changes.hardware_type)));
    if (changes.statements) m.object_values.push_back(bytes_value("statements", *changes.statements));
    Answer a = impl_->exchange_one(std::move(m), "updating a host");
    if (!a.ok) throw answer_error(a, "update of host " + quote(found->name));
    Message refresh;
    refresh.op = Op::refresh;
    refresh.handle = found->handle;
    Answer r = impl_->exchange_one(std::move(refresh), "reading a host back");
    if (!r.ok) throw answer_error(r, "reading back host " + quote(found->name));
    return host_of(r);
}

bool Client::remove(const HostKey& key) {
    auto found = lookup(key);
    if (!found) return false;
    Answer a = impl_->exchange_one(delete_handle(found->handle), "removing a host");
    if (!a.ok) throw answer_error(a, "removal of host " + quote(found->name));
    return true;
}

std::vector<LookupResult> Client::lookup(const std::vector<HostKey>& keys) {
    std::vector<LookupResult> results(keys.size());
    std::vector<Message> requests;
    std::vector<std::size_t> index;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        try {
            if (keys[i].empty())
                throw OmapiError(ErrorKind::invalid_argument, "lookup needs a name, address or identifier");
            requests.push_back(open_host(key_values(keys[i]), false));
            index.push_back(i);
        } catch (const OmapiError& e) {
            results[i].error = e;
        }
    }
    auto answers = impl_->exchange(std::move(requests), "looking up hosts");
    for (std::size_t k = 0; k < answers.size(); ++k) {
        auto& a = answers[k];
        auto& r = results[index[k]];
        if (a.ok) r.host = host_of(a);
        else if (a.kind != ErrorKind::not_found) r.error = answer_error(a, "lookup of host by " + keys[index[k]].describe());
    }
    return results;
}

namespace {
Message open_lease(const LeaseKey& key) {
    Message m;
    m.op = Op::open;
    m.message_values.push_back(bytes_value("type", "lease"));
    m.object_values = lease_key_values(key);
    return m;
}
}  // namespace

std::optional<Lease> Client::lookup_lease(const LeaseKey& key) {
    auto results = lookup_leases({key});
    if (results.front().error) throw *results.front().error;
    return results.front().lease;
}

std::vector<LeaseLookupResult> Client::lookup_leases(const std::vector<LeaseKey>& keys) {
    std::vector<LeaseLookupResult> results(keys.size());
    std::vector<Message> requests;
    std::vector<std::size_t> index;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        try {
            if (keys[i].empty())
                throw OmapiError(ErrorKind::invalid_argument, "lease lookup needs an address, MAC or identifier");
            requests.push_back(open_lease(keys[i]));
            index.push_back(i);
        } catch (const OmapiError& e) {
            results[i].error = e;
        }
    }
    auto answers = impl_->exchange(std::move(requests), "looking up leases");
    for (std::size_t k = 0; k < answers.size(); ++k) {
        auto& a = answers[k];
        auto& r = results[index[k]];
        if (a.ok) {
            r.lease = lease_from_values(a.message.object_values, a.message.handle);
            if (!r.lease)
                r.error = OmapiError(ErrorKind::protocol, "lease lookup by " + keys[index[k]].describe() +
                                                              ": dhcpd's answer has no ip-address");
        } else if (a.kind != ErrorKind::not_found) {
            r.error = answer_error(a, "lease lookup by " + keys[index[k]].describe());
        }
    }
    return results;
}

namespace {

// The removal keys of a host, as BatchOptions selects them.
std::vector<HostKey> removal_keys(const render::isc::HostObject& h, const BatchOptions& o) {
    std::vector<HostKey> keys;
    if (o.by_name && !h.name.empty()) keys.push_back(HostKey::by_name(h.name));
    if (o.by_ip && h.ip && !h.deny) {
        bool leasable = !o.pools || std::any_of(o.pools->begin(), o.pools->end(),
                                                [&](const net::AddressRange& r) { return r.contains(*h.ip); });
        if (leasable) keys.push_back(HostKey::by_ip(*h.ip));
    }
    if (o.by_mac) {
        if (h.family == net::Family::v6 && !h.client_identifier.empty())
            keys.push_back(HostKey::by_client_identifier(h.client_identifier));
        else if (!h.mac.empty())
            keys.push_back(HostKey::by_mac(h.mac, h.hardware_type));
    }
    return keys;
}

// Identity strings of the keys, for finding hosts of one list that touch the same objects.
std::vector<std::string> identities(const render::isc::HostObject& h) {
    std::vector<std::string> ids{"n:" + h.name};
    if (h.ip) ids.push_back("i:" + h.ip->to_string());
    if (!h.mac.empty()) ids.push_back("m:" + std::to_string(h.hardware_type) + ":" + h.mac);
    if (!h.client_identifier.empty()) ids.push_back("c:" + h.client_identifier);
    return ids;
}

void set_failed(HostOutcome& o, ErrorKind kind, std::string message) {
    o.ok = false;
    o.error = kind;
    o.message = std::move(message);
}

}  // namespace

// The phases of a batch: look up the objects to remove, delete them, then create (add only).
struct BatchRun {
    Client::Impl& impl;
    const std::vector<render::isc::HostObject>& hosts;
    const BatchOptions& options;
    BatchReport report;
    std::vector<bool> finished;

    BatchRun(Client::Impl& i, const std::vector<render::isc::HostObject>& h, const BatchOptions& o)
        : impl(i), hosts(h), options(o), finished(h.size(), false) {
        report.hosts.resize(hosts.size());
        for (std::size_t k = 0; k < hosts.size(); ++k) {
            report.hosts[k].node = hosts[k].node;
            report.hosts[k].name = hosts[k].name;
        }
    }

    void fail(std::size_t k, ErrorKind kind, std::string message) {
        set_failed(report.hosts[k], kind, std::move(message));
        finished[k] = true;
    }

    // Runs the requests and hands each answer that arrived to `apply(index, answer)`, also when
    // the session fails half-way (then the error is rethrown after).
    template <class Apply>
    void exchange(std::vector<Message> requests, const char* what, Apply apply) {
        report.requests += requests.size();
        std::vector<std::optional<Answer>> answers;
        auto deliver = [&] {
            for (std::size_t i = 0; i < answers.size(); ++i)
                if (answers[i]) apply(i, *answers[i]);
        };
        try {
            impl.exchange(std::move(requests), what, answers);
        } catch (...) {
            deliver();
            throw;
        }
        deliver();
    }

    // Looks up and deletes the objects `keys_of(host)` finds for the hosts of `group`; hosts that
    // fail are marked finished.
    template <class Keys>
    void remove_existing(const std::vector<std::size_t>& group, Keys keys_of) {
        std::vector<Message> requests;
        std::vector<std::pair<std::size_t, HostKey>> owners;
        for (std::size_t k : group) {
            try {
                for (auto& key : keys_of(hosts[k])) {
                    requests.push_back(open_host(key_values(key), false));
                    owners.emplace_back(k, std::move(key));
                }
            } catch (const OmapiError& e) {
                fail(k, e.kind(), e.message());
            }
        }
        // handle -> hosts that found it (an old object can match several hosts' keys)
        std::map<std::uint32_t, std::vector<std::size_t>> handles;
        exchange(std::move(requests), "looking up hosts to remove", [&](std::size_t i, const Answer& a) {
            std::size_t k = owners[i].first;
            if (finished[k]) return;
            if (a.ok && a.message.handle != 0) {
                auto& list = handles[a.message.handle];
                if (std::find(list.begin(), list.end(), k) == list.end()) list.push_back(k);
            } else if (!a.ok && a.kind != ErrorKind::not_found) {
                fail(k, a.kind, "lookup by " + owners[i].second.describe() + " failed: " + answer_text(a));
            }
        });
        std::vector<Message> deletes;
        std::vector<std::uint32_t> order;
        for (const auto& [handle, list] : handles) {
            deletes.push_back(delete_handle(handle));
            order.push_back(handle);
        }
        exchange(std::move(deletes), "removing hosts", [&](std::size_t i, const Answer& a) {
            for (std::size_t k : handles[order[i]]) {
                if (a.ok) ++report.hosts[k].removed;
                else if (!finished[k]) fail(k, a.kind, "removal of an old object failed: " + answer_text(a));
            }
        });
    }

    // Creates the hosts of `group`. With `conflicts`, hosts dhcpd answers with "key conflict"
    // are listed there instead of failing.
    void create(const std::vector<std::size_t>& group, std::vector<std::size_t>* conflicts) {
        std::vector<Message> requests;
        std::vector<std::size_t> owners;
        for (std::size_t k : group) {
            if (finished[k]) continue;
            try {
                requests.push_back(open_host(host_values(hosts[k]), true));
                owners.push_back(k);
            } catch (const OmapiError& e) {
                fail(k, e.kind(), e.message());
            }
        }
        exchange(std::move(requests), "creating hosts", [&](std::size_t i, const Answer& a) {
            std::size_t k = owners[i];
            if (a.ok) {
                report.hosts[k].ok = true;
                finished[k] = true;
            } else if (conflicts && a.kind == ErrorKind::conflict && !hosts[k].client_identifier.empty()) {
                conflicts->push_back(k);
            } else {
                fail(k, a.kind, "create failed: " + answer_text(a));
            }
        });
    }

    // dhcpd checks a new object's client identifier first: when another object holds it (and
    // the other keys do not all point to that object), the create is a "key conflict". xCAT's
    // client identifier is the MAC, so that object is stale (another hardware type, say): it is
    // removed and the create tried once more.
    void create_resolving_conflicts(const std::vector<std::size_t>& group) {
        std::vector<std::size_t> conflicts;
        create(group, options.by_mac ? &conflicts : nullptr);
        if (conflicts.empty()) return;
        remove_existing(conflicts, [](const render::isc::HostObject& h) {
            return std::vector<HostKey>{HostKey::by_client_identifier(h.client_identifier)};
        });
        create(conflicts, nullptr);
    }

    // Hosts in groups ("waves"): a host that shares a name, address or identifier with an
    // earlier host of the list goes into a later wave than that host.
    std::vector<std::vector<std::size_t>> waves() {
        std::vector<std::vector<std::size_t>> out;
        std::unordered_map<std::string, std::size_t> last_wave;
        for (std::size_t k = 0; k < hosts.size(); ++k) {
            if (finished[k]) continue;
            std::size_t wave = 0;
            auto ids = identities(hosts[k]);
            for (const auto& id : ids)
                if (auto it = last_wave.find(id); it != last_wave.end()) wave = std::max(wave, it->second + 1);
            for (const auto& id : ids) last_wave[id] = wave;
            if (out.size() <= wave) out.resize(wave + 1);
            out[wave].push_back(k);
        }
        return out;
    }

    void check_family() {
        for (std::size_t k = 0; k < hosts.size(); ++k) {
            if (hosts[k].family != impl.options.family)
                fail(k, ErrorKind::invalid_argument,
                     "IPv" + std::to_string(static_cast<int>(hosts[k].family)) + " host object; this connection is "
                     "for IPv" + std::to_string(static_cast<int>(impl.options.family)) + " (port " +
                         std::to_string(impl.port) + ")");
        }
    }

    BatchReport run(bool add) {
        try {
            impl.require_open();
            check_family();
            if (add) {
                for (const auto& wave : waves()) {
                    remove_existing(wave, [this](const render::isc::HostObject& h) { return removal_keys(h, options); });
                    create_resolving_conflicts(wave);
                }
            } else {
                std::vector<std::size_t> all;
                for (std::size_t k = 0; k < hosts.size(); ++k)
                    if (!finished[k]) all.push_back(k);
                remove_existing(all, [this](const render::isc::HostObject& h) { return removal_keys(h, options); });
                for (std::size_t k : all)
                    if (!finished[k]) {
                        report.hosts[k].ok = true;
                        finished[k] = true;
                    }
            }
        } catch (const OmapiError& e) {
            if (!fatal(e.kind())) throw;
            impl.close();
            report.aborted = e;
            for (std::size_t k = 0; k < hosts.size(); ++k)
                if (!finished[k]) fail(k, e.kind(), e.message());
        }
        return std::move(report);
    }
};

BatchReport Client::add(const std::vector<render::isc::HostObject>& hosts, const BatchOptions& options) {
    return BatchRun(*impl_, hosts, options).run(true);
}

BatchReport Client::remove(const std::vector<render::isc::HostObject>& hosts, const BatchOptions& options) {
    return BatchRun(*impl_, hosts, options).run(false);
}

}  // namespace xcatdhcp::control::omapi
