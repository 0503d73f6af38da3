// Native OMAPI client for ISC dhcpd: per-host add, update, delete and lookup without omshell.
//
// A Client is a session with dhcpd's OMAPI port: one authenticated TCP connection for single
// operations (one round trip each; two for remove, three for update), and for batches up to
// ClientOptions::connections of them, kept busy in parallel, with every host's outcome reported.
// Protocol notes, the error model and measured figures are in docs/omapi.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xcatdhcp/control/omapi_wire.hpp"
#include "xcatdhcp/error.hpp"
#include "xcatdhcp/net/address.hpp"
#include "xcatdhcp/net/range.hpp"
#include "xcatdhcp/render/isc.hpp"

namespace xcatdhcp::control::omapi {

// ---------------------------------------------------------------- errors
enum class ErrorKind {
    not_found,         // no object matches the key
    already_exists,    // create: an object with that name exists; update: dhcpd will not
                       // change that attribute of an existing host
    conflict,          // the key's parts match different objects
    authentication,    // dhcpd does not know the key, or the signature does not match
    connection,        // cannot connect, or the connection was closed or reset
    timeout,           // connect or a reply took longer than allowed
    protocol,          // dhcpd's bytes are not valid OMAPI (or not signed when they must be)
    rejected,          // dhcpd refused the request (bad statements, unknown attribute, ...)
    invalid_argument,  // the request cannot be sent (bad MAC text, wrong address family, ...)
    unsupported,       // algorithm the client cannot use
};

std::string_view to_string(ErrorKind kind);  // "not found", "already exists", ...

// Every OMAPI failure. what() is one line, e.g.
//   "OMAPI authentication failed for key xcat_key: dhcpd rejected the message signature ..."
class OmapiError : public xcatdhcp::Error {
public:
    OmapiError(ErrorKind kind, std::string message, std::uint32_t server_result = 0);

    ErrorKind kind() const { return kind_; }
    // The ISC result code dhcpd returned (0 when the error did not come from dhcpd).
    std::uint32_t server_result() const { return server_result_; }

private:
    ErrorKind kind_;
    std::uint32_t server_result_;
};

// ---------------------------------------------------------------- session
struct ClientOptions {
    std::string server = "127.0.0.1";  // address or host name
    std::uint16_t port = 0;            // 0: 7911 for family v4, 7912 for v6
    net::Family family = net::Family::v4;  // which HostObjects this server takes

    // Authentication: dhcpd's omapi-key. An empty key_name connects unauthenticated (only for
    // a dhcpd without omapi-key).
    std::string key_name;
    std::string algorithm = "hmac-md5";  // any spelling parse_algorithm() accepts
    std::string secret;                  // base64, as in the key statement

    std::chrono::milliseconds connect_timeout{5000};
    // Longest wait for progress (a reply, or room to send) before OmapiError(timeout).
    std::chrono::milliseconds io_timeout{10000};
    // Batches spread their requests over up to this many connections (each one authenticated,
    // opened on first use); dhcpd serves them in turn, so its work queue never runs dry.
    std::size_t connections = 8;
    // Requests sent at once per connection (a burst; the next one goes when all its replies are
    // in). 1 = one request at a time. ISC dhcpd (every 4.x release) aborts when a signed message
    // header crosses the end of one of its 4047-byte connection buffers, so a burst is also cut
    // where its requests or replies could reach that point (docs/omapi.md, "dhcpd buffer bug").
    std::size_t window = 32;
    // Reply sizes of lookups depend on the object found: this many bytes are assumed for a name
    // or client identifier the key does not give (DHCP cannot carry a client identifier longer
    // than 255 bytes; xCAT's names are DNS names, at most 253). 0: a lookup whose reply size is
    // not known ends its burst (slower, and safe whatever objects dhcpd holds).
    std::size_t assumed_field_bytes = 255;
    // After authenticating, send one signed request so a wrong secret is reported by the
    // constructor rather than by the first operation.
    bool verify_key = true;
    Limits limits;
};

// ---------------------------------------------------------------- host objects
// How an existing host object is found. Every part that is set must match the same object
// (otherwise dhcpd answers "not found" or "conflict", see docs/omapi.md). Lookup by ip goes through dhcpd's lease for that
// address (see docs/omapi.md): a fixed address outside every pool usually finds nothing.
struct HostKey {
    std::string name;
    std::string mac;          // colon or dash separated hex; "" = not part of the key
    int hardware_type = 1;    // with mac: 1 Ethernet, 32 InfiniBand, 37 HFI
    std::optional<net::IpAddress> ip;
    std::string client_identifier;  // colon-separated hex bytes, or text sent as is

    static HostKey by_name(std::string name);
    static HostKey by_mac(std::string mac, int hardware_type = 1);
    static HostKey by_ip(const net::IpAddress& ip);
    static HostKey by_client_identifier(std::string id);

    std::string describe() const;  // "name 'cn01'", "hardware-address 42:00:..:01 (type 1)"
    bool empty() const;
};

// A host object as dhcpd returns it. dhcpd never returns the statements.
struct Host {
    std::uint32_t handle = 0;   // dhcpd's handle for the object on this connection
    std::string name;
    int hardware_type = 0;      // 0 when the object has no hardware address
    std::string mac;            // lowercase colon-separated, "" when none
    std::string client_identifier;  // lowercase colon-separated hex, "" when none
    std::optional<net::IpAddress> ip;
    Values values;              // everything dhcpd sent, raw

    bool operator==(const Host&) const = default;
};

// Changes dhcpd can make to an existing host in place. dhcpd 4.4 replaces ip-address and
// hardware-type; it refuses to change name, hardware-address, client identifier and (once
// set) statements ("already exists"): use Client::add (remove, then create) for those.
struct HostChanges {
    std::optional<net::IpAddress> ip;
    std::optional<int> hardware_type;
    std::optional<std::string> statements;
};

// The OMAPI attributes a create sends for `host` (name, hardware-address, hardware-type,
// dhcp-client-identifier, ip-address, statements), in that order. Throws OmapiError
// (invalid_argument) for a MAC that is not hex octets.
Values host_values(const render::isc::HostObject& host);
// Host from the object values of an update message; nullopt when it holds no host attributes.
std::optional<Host> host_from_values(const Values& values, std::uint32_t handle = 0);

// ---------------------------------------------------------------- batches
struct BatchOptions {
    // add: the objects removed before each create (xCAT's sequence); remove: the objects removed.
    bool by_name = true;      // the object with the host's name
    bool by_mac = true;       // the object with the host's hardware address and type (and, on
                              // add, one holding the host's client identifier: "key conflict")
    bool by_ip = true;        // the object found through the lease of the host's address
    // dhcpd's dynamic pools, when known. dhcpd finds a host by address only through the lease of
    // that address, and only pool addresses have leases: with pools given, the lookup by
    // address is made only for addresses inside one (xCAT never gives a host a pool address, so
    // it saves a request per host). nullopt: for every address, as xCAT does.
    std::optional<std::vector<net::AddressRange>> pools;
};

struct HostOutcome {
    std::string node;
    std::string name;
    bool ok = false;
    std::optional<ErrorKind> error;  // set when !ok
    std::string message;             // why it failed; "" on success
    std::size_t removed = 0;         // objects removed for this host (old ones, on add)

    bool operator==(const HostOutcome&) const = default;
};

struct BatchReport {
    std::vector<HostOutcome> hosts;  // input order, one per HostObject
    std::size_t requests = 0;        // OMAPI requests sent
    // A failure that ended the session (connection, timeout, authentication, protocol): the
    // hosts not done by then failed with it, and the Client is closed.
    std::optional<OmapiError> aborted;

    std::size_t succeeded() const;
    std::size_t failed() const;
};

struct LookupResult {
    std::optional<Host> host;          // nullopt: not found, or error
    std::optional<OmapiError> error;   // set for anything but found / not found
};

// ---------------------------------------------------------------- lease objects
// How a lease is found. dhcpd 4.4 looks leases up by ip-address, by dhcp-client-identifier and
// by hardware-address (+ type); a key that matches several leases (a client that held more than
// one address) is refused, so by_mac finds a lease only while the MAC has exactly one.
// Leases exist only for addresses of dynamic pools: a fixed-address host gets none.
struct LeaseKey {
    std::optional<net::IpAddress> ip;
    std::string mac;          // colon or dash separated hex; "" = not part of the key
    int hardware_type = 1;
    std::string client_identifier;

    static LeaseKey by_ip(const net::IpAddress& ip);
    static LeaseKey by_mac(std::string mac, int hardware_type = 1);
    static LeaseKey by_client_identifier(std::string id);

    std::string describe() const;
    bool empty() const;
};

// A lease object as dhcpd returns it (attributes in dhcpd(8), "THE LEASE OBJECT").
struct Lease {
    std::uint32_t handle = 0;
    std::optional<net::IpAddress> ip;
    int state = 0;                  // 1 free, 2 active, 3 expired, 4 released, 5 abandoned,
                                    // 6 reset, 7 backup, 8 reserved, 9 bootp
    int hardware_type = 0;
    std::string mac;                // lowercase colon-separated, "" when none
    std::string client_identifier;  // lowercase colon-separated hex, "" when none
    std::string client_hostname;    // what the client sent in option 12
    std::optional<std::int64_t> ends;  // epoch seconds (dhcpd's "ends"); nullopt when not sent
    std::optional<std::int64_t> cltt;  // client's last transaction time
    std::uint32_t host_handle = 0;  // the host object the lease belongs to, 0 when none
    Values values;                  // everything dhcpd sent, raw

    bool operator==(const Lease&) const = default;
};

// "free", "active", ... for Lease::state; "state N" otherwise.
std::string lease_state_name(int state);
// Lease from the object values of an update message; nullopt when it has no ip-address.
std::optional<Lease> lease_from_values(const Values& values, std::uint32_t handle = 0);

struct LeaseLookupResult {
    std::optional<Lease> lease;        // nullopt: not found, or error
    std::optional<OmapiError> error;   // set for anything but found / not found
};

struct SessionStats {
    std::size_t requests = 0;      // messages sent
    std::size_t replies = 0;       // messages received
    std::size_t bytes_sent = 0;
    std::size_t bytes_received = 0;
};

class Client {
public:
    // Connects, exchanges the startup, opens the authenticator (and, with verify_key, checks it).
    // Throws OmapiError: connection, timeout, authentication, protocol, unsupported.
    explicit Client(const ClientOptions& options);
    ~Client();
    Client(Client&&) noexcept;
    Client& operator=(Client&&) noexcept;
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // nullopt when nothing matches. Throws OmapiError for everything else.
    std::optional<Host> lookup(const HostKey& key);
    // Creates the object (exclusive: an existing object with that name is "already exists").
    Host create(const render::isc::HostObject& host);
    // Finds the object by `key` and applies `changes`; returns the object as dhcpd then has it.
    Host update(const HostKey& key, const HostChanges& changes);
    // Removes the object `key` finds; false when nothing matches.
    bool remove(const HostKey& key);

    // Pipelined. add: per host, removes the objects BatchOptions names, then creates it; hosts
    // that share a name, hardware address or IP with an earlier one in the list are done after
    // it, so the list has the same effect as one host after another (the last one wins).
    BatchReport add(const std::vector<render::isc::HostObject>& hosts, const BatchOptions& options = {});
    // Pipelined: removes the objects found by name, hardware address and address. A host with
    // nothing to remove succeeds with removed == 0.
    BatchReport remove(const std::vector<render::isc::HostObject>& hosts, const BatchOptions& options = {});
    // Pipelined lookups, one result per key.
    std::vector<LookupResult> lookup(const std::vector<HostKey>& keys);

    // Lease objects. nullopt when nothing matches; a key matching several leases is an
    // OmapiError (conflict or rejected, as dhcpd answers). Pipelined for the batch form.
    std::optional<Lease> lookup_lease(const LeaseKey& key);
    std::vector<LeaseLookupResult> lookup_leases(const std::vector<LeaseKey>& keys);

    bool is_open() const;
    void close();
    const ClientOptions& options() const;
    const SessionStats& stats() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace xcatdhcp::control::omapi
