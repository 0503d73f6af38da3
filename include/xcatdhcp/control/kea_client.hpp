// The Kea control client: one client, three transports, typed results.
//
//   * UNIX control socket of a Kea daemon (every version): send the JSON, read the answer.
//   * Control Agent over HTTP/HTTPS (Kea <= 3.1.7): POST / with "service": ["dhcp4"];
//     replies come wrapped in a list.
//   * The daemons' own HTTP/HTTPS control sockets (Kea 2.7.2+, the only REST way from 3.1.8):
//     basic auth (user + password or password file) and TLS (CA file, client cert/key).
//
// Every command answers a Reply whose Outcome says what happened in the caller's terms:
// "empty" (result 3, or a not-found text on 0/1 as the ARM and old host_cmds do) is not an
// error, "unsupported" (result 2) means a hook library is not loaded, errors carry Kea's text,
// and transport or decoding failures are outcomes too: nothing here throws for what the server
// says or for a network failure. Only misuse (an empty socket path, an unreadable password file,
// arguments that are not a JSON object) throws xcatdhcp::Error.
//
// A KeaClient is not thread-safe; use one per thread. Over HTTP it keeps the connection alive
// between commands; over UNIX each command is one connection (Kea closes it after answering).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "xcatdhcp/error.hpp"

namespace xcatdhcp::control {

// ------------------------------------------------------------------ where to send commands

enum class Transport {
    unix_socket,    // the daemon's UNIX control socket
    control_agent,  // kea-ctrl-agent (<= 3.1.7): "service" is added, replies are lists
    http,           // the daemon's own http/https control socket (2.7.2+)
};
std::string_view to_string(Transport transport);

struct TlsOptions {
    std::string ca_file;       // trust anchor (PEM file); empty: the system store
    std::string ca_directory;  // trust anchor directory (hashed), alternative to ca_file
    std::string cert_file;     // client certificate, when the server requires one
    std::string key_file;      // its private key
    bool verify = true;        // verify the server's certificate and name (keep it on)
};

struct Endpoint {
    Transport transport = Transport::unix_socket;
    std::string socket_path;  // unix_socket
    std::string url;          // control_agent / http: "http://127.0.0.1:8004/", "https://[fd00::1]:8004/"
    // Sent as "service": [service] when not empty. Required by the Control Agent ("dhcp4",
    // "dhcp6", "d2"); optional for a daemon (3.2+ checks that it names the daemon itself).
    std::string service;
    std::string user;           // basic auth; empty: no Authorization header
    std::string password;       // basic auth password, or...
    std::string password_file;  // ...a file holding it (read when the client is made; trailing
                                // whitespace and newlines are dropped, as Kea does)
    TlsOptions tls;
    int connect_timeout_ms = 5000;
    int timeout_ms = 60000;       // the whole exchange (config-set of 50k hosts takes ~2 s)
    bool use_proxy_env = false;   // honour http_proxy & co.; off: always connect directly

    static Endpoint unix_socket(std::string path);
    static Endpoint control_agent(std::string url, std::string service = "dhcp4");
    static Endpoint http(std::string url);

    // For messages: "unix:/run/kea/kea4.sock", "http://127.0.0.1:8004/ (user admin)"; never
    // the password.
    std::string describe() const;
};

// "http://[fd00::1]:8004/" from parts: IPv6 literals are bracketed (an already bracketed host is
// kept), IPv4 addresses and names are not. Throws Error for an empty host or a port of 0.
std::string make_url(std::string_view scheme, std::string_view host, unsigned port,
                     std::string_view path = "/");

// A URL as given by a user: "127.0.0.1:8004" gets "http://", a missing path gets "/", the
// scheme must be http or https. An unbracketed IPv6 host ("http://fd00::1:8004/", the form the
// Perl peer builds) is ambiguous (fd00::1:8004 is itself an address) and is rejected with a
// message showing the bracketed form. Throws Error naming the URL.
std::string normalize_url(std::string_view url);

// Where commands go, as a user says it (the CLI's --socket/--url/... options, the Perl
// binding's endpoint hash): exactly one of `socket` and `url`; `service` makes the URL a
// Control Agent's; a password (or password file) needs a user; `timeout_seconds` is 1-3600.
// Every field is optional text; "" means not given.
struct EndpointSettings {
    std::string socket;
    std::string url;            // normalize_url() applies: "127.0.0.1:8004" is accepted
    std::string service;
    std::string user;
    std::string password;
    std::string password_file;
    std::string ca_file;
    std::string cert_file;
    std::string key_file;
    bool insecure = false;      // do not verify the server's certificate
    std::string timeout_seconds;
};

// The endpoint for `settings`; throws Error naming the setting that is wrong.
Endpoint make_endpoint(const EndpointSettings& settings);

// ------------------------------------------------------------------ what came back

enum class Outcome {
    ok,            // result 0
    empty,         // result 3, or a not-found answer: nothing found or affected (not an error)
    error,         // result 1 (Kea's text says why), or any other code a hook invents
    unsupported,   // result 2: command not supported (the hook library is not loaded)
    conflict,      // result 4: conflicts with the server's state
    partial,       // result 5: failed and partly applied; no rollback possible
    unauthorized,  // HTTP 401: missing or wrong credentials
    forbidden,     // HTTP 403: the credentials may not run this command
    transport,     // no answer: connect/read/write failed, timed out, TLS or HTTP failure
    malformed,     // an answer that is not a Kea reply (not JSON, no result, ...)
};
std::string_view to_string(Outcome outcome);

struct Reply {
    std::string command;               // the command this answers
    Outcome outcome = Outcome::transport;
    int result = -1;                   // Kea's result code, or 401/403; -1 when there was none
    int http_status = 0;               // 0 over UNIX
    std::string text;                  // Kea's text, or what went wrong on the way
    std::string arguments;             // "arguments" as compact JSON text; "" when absent

    bool ok() const { return outcome == Outcome::ok; }
    bool is_empty() const { return outcome == Outcome::empty; }
    // Neither ok nor empty.
    bool failed() const { return !ok() && !is_empty(); }
    // One line for humans: "reservation-add: error (result 1): Host already exists."
    std::string describe() const;
};

// Which leases to list: all (nothing set), one MAC's, one address's or one subnet's (xcatdhcp
// leases --mac / --ip / --subnet; the Perl kea_leases filter).
struct LeaseFilter {
    std::string mac;
    std::string ip;
    std::optional<std::uint32_t> subnet_id;
};

template <class T>
struct Result : Reply {
    std::optional<T> value;  // set when the outcome is ok and the arguments decoded
};

// The library's exception for a failed reply, for callers that prefer throwing.
class KeaError : public Error {
public:
    explicit KeaError(const Reply& reply);
    Outcome outcome() const { return outcome_; }
    int result() const { return result_; }

private:
    Outcome outcome_;
    int result_;
};

// Throws KeaError when the reply failed; `allow_empty` false also throws for "empty".
const Reply& require(const Reply& reply, bool allow_empty = true);

// ------------------------------------------------------------------ typed values

// Where host_cmds reads or writes reservations. server_default sends no key: Kea then reads
// memory + databases and writes to databases only (which fails without a hosts database).
// Use memory for config-file reservations (and config-write to keep them).
enum class OperationTarget { server_default, memory, database, all };
std::string_view to_string(OperationTarget target);

// A host reservation (DHCPv4 or DHCPv6: the fields of the other family stay empty).
struct Reservation {
    std::uint32_t subnet_id = 0;           // 0: global
    // Exactly one identifier: hw_address, client_id, duid, circuit_id or flex_id.
    std::string hw_address;
    std::string client_id;
    std::string duid;
    std::string circuit_id;
    std::string flex_id;
    std::string ip_address;                // DHCPv4
    std::vector<std::string> ip_addresses; // DHCPv6
    std::vector<std::string> prefixes;     // DHCPv6
    std::string hostname;
    std::string next_server;               // DHCPv4 fixed fields
    std::string server_hostname;
    std::string boot_file_name;
    std::vector<std::string> client_classes;
    std::string option_data;               // JSON array text; "" for none
    std::string user_context;              // JSON object text; "" for none

    bool operator==(const Reservation&) const = default;
};

// Selects one host for reservation-get / reservation-del: by address, or by identifier.
struct HostSelector {
    std::uint32_t subnet_id = 0;
    std::string ip_address;        // or:
    std::string identifier_type;   // "hw-address", "client-id", "duid", "circuit-id", "flex-id"
    std::string identifier;

    static HostSelector by_address(std::uint32_t subnet_id, std::string ip);
    static HostSelector by_hw_address(std::uint32_t subnet_id, std::string mac);
    // The selector of a reservation: its hw-address (or other identifier), else its address.
    static HostSelector of(const Reservation& reservation);
};

struct ReservationPageRequest {
    std::optional<std::uint32_t> subnet_id;
    std::uint32_t limit = 1000;
    std::optional<std::uint64_t> source_index;  // copy from the previous page's next
    std::optional<std::uint64_t> from;
};

struct ReservationPage {
    std::vector<Reservation> hosts;
    bool more = false;                  // a next page exists (next_* are valid)
    std::uint64_t next_from = 0;
    std::uint64_t next_source_index = 0;
};

struct Lease4 {
    std::string ip_address;
    std::string hw_address;
    std::string client_id;
    std::uint32_t subnet_id = 0;
    std::uint64_t valid_lifetime = 0;
    std::int64_t cltt = 0;             // client last transmission time (epoch seconds)
    std::string hostname;
    bool fqdn_fwd = false;
    bool fqdn_rev = false;
    int state = 0;                     // 0 default, 1 declined, 2 expired-reclaimed, ...
    std::string user_context;          // JSON object text; "" when absent

    bool operator==(const Lease4&) const = default;
};

struct Lease6 {
    std::string ip_address;
    std::string type = "IA_NA";        // IA_NA, IA_TA or IA_PD
    unsigned prefix_length = 128;
    std::string duid;
    std::uint32_t iaid = 0;
    std::string hw_address;
    std::uint32_t subnet_id = 0;
    std::uint64_t preferred_lifetime = 0;
    std::uint64_t valid_lifetime = 0;
    std::int64_t cltt = 0;
    std::string hostname;
    bool fqdn_fwd = false;
    bool fqdn_rev = false;
    int state = 0;
    std::string user_context;

    bool operator==(const Lease6&) const = default;
};

struct StatisticSample {
    std::string value;       // the value as Kea gave it: "12", "0.5", "00:00:01"
    std::string timestamp;   // "2026-11-22 11:35:25.815704"
    // The value as an integer when it is one.
    std::optional<std::int64_t> integer() const;
};

struct Statistic {
    std::string name;
    std::vector<StatisticSample> samples;  // newest first
};

struct SubnetSummary {
    std::uint32_t id = 0;
    std::string prefix;               // "10.0.0.0/8"
    std::string shared_network_name;  // 2.7.8+, "" otherwise
};

struct VersionInfo {
    std::string version;   // "2.2.0", "3.0.4"
    std::string extended;  // the build details
    int major = 0, minor = 0, patch = 0;
    bool at_least(int major, int minor, int patch = 0) const;
};

struct StatusInfo {
    std::int64_t pid = 0;
    std::int64_t uptime = 0;   // seconds
    std::int64_t reload = 0;   // seconds since the last (re)configuration
    bool multi_threading = false;
    std::string dhcp_state;    // JSON text (2.6.2+), "" when absent
};

// Which hook libraries are loaded, from list-commands.
struct Capabilities {
    std::set<std::string> commands;
    bool has(std::string_view command) const { return commands.count(std::string(command)) > 0; }
    bool host_cmds() const { return has("reservation-add"); }
    bool lease_cmds() const { return has("lease4-get") || has("lease6-get"); }
    bool subnet_cmds() const { return has("subnet4-list") || has("subnet6-list"); }
    bool stat_cmds() const { return has("stat-lease4-get") || has("stat-lease6-get"); }
    bool high_availability() const { return has("ha-heartbeat"); }
};

struct ConfigDocument {
    std::string config;  // {"Dhcp4": {...}} as JSON text: what config-set and config-test take
    std::string hash;    // SHA-256 of the running config (2.4+), "" before
};

struct ConfigWritten {
    std::string filename;
    std::uint64_t size = 0;
};

// ------------------------------------------------------------------ batches

struct BatchOptions {
    // After a transport failure (the server went away) the rest are not attempted and are
    // reported with Outcome::transport and text "not attempted".
    bool stop_on_transport_error = true;
    // Connections used at once (1-64). Kea runs control commands one after the other, but with
    // several connections in flight the next command is already queued while one is processed,
    // which hides round trips on a busy machine. Items are then applied in no fixed order: keep
    // one item per host (a duplicate within one batch may win either way). Clients made with
    // their own transport (tests) always use 1.
    std::size_t connections = 1;
    // Called after each item with its index and reply (progress, logging). May be empty. With
    // several connections it is called from their threads, one call at a time.
    std::function<void(std::size_t, const Reply&)> on_item;
};

struct BatchItem {
    Reply reply;
    double milliseconds = 0;  // round trip of this item
};

struct BatchReport {
    std::vector<BatchItem> items;  // one per input, in input order
    std::size_t ok = 0, empty = 0, failed = 0;
    double seconds = 0;            // wall time of the whole batch
    bool all_ok() const { return ok == items.size(); }
};

// ------------------------------------------------------------------ transports

// What a transport got back: the body, or a transport-level failure in `error`.
struct RawReply {
    int http_status = 0;  // 0 over UNIX
    std::string body;
    std::string error;    // non-empty: no usable answer (connect refused, timeout, ...)
};

// One exchange of a request for a reply. Implementations: UNIX socket, HTTP(S) (libcurl).
// Tests substitute their own.
class KeaTransport {
public:
    virtual ~KeaTransport() = default;
    virtual RawReply exchange(const std::string& request) = 0;
};

// The transport for an endpoint. Throws Error for an unusable endpoint (no path, bad URL,
// unreadable password file, a UNIX path longer than the kernel allows).
std::unique_ptr<KeaTransport> make_transport(const Endpoint& endpoint);

// ------------------------------------------------------------------ encoding and decoding

// {"command": NAME, "service": [SERVICE], "arguments": ARGS}: service only when not empty,
// arguments only when not empty. ARGS must be a JSON object (Error otherwise); the command name
// may hold only letters, digits, '-' and '_'.
std::string encode_request(std::string_view command, std::string_view arguments_json = {},
                           std::string_view service = {});

// Decodes what a transport got, for `command`: a bare map, a list-wrapped map (CA and daemon
// HTTP), an HTTP 401/403 map or body. Never throws.
Reply decode_reply(std::string_view command, const RawReply& raw);

// JSON text of the typed values, in Kea's own key names (the CLI prints these).
std::string to_json(const Reservation& reservation);
std::string to_json(const Lease4& lease);
std::string to_json(const Lease6& lease);
std::string to_json(const std::vector<Lease4>& leases);
std::string to_json(const std::vector<Lease6>& leases);
std::string to_json(const std::vector<Statistic>& statistics);
std::string to_json(const Reply& reply);  // {"command","outcome","result","text","arguments"}

// Parses Kea's JSON for these values; throws Error naming the field on a bad shape.
Reservation parse_reservation(std::string_view json_text);
Lease4 parse_lease4(std::string_view json_text);
Lease6 parse_lease6(std::string_view json_text);

// Re-indents JSON text for humans (2 spaces). Returns the text unchanged when it is not JSON.
std::string pretty_json(std::string_view json_text);

// ------------------------------------------------------------------ the client

class KeaClient {
public:
    explicit KeaClient(const Endpoint& endpoint);
    // With a transport of the caller's (tests); `endpoint` only supplies the service name.
    KeaClient(std::unique_ptr<KeaTransport> transport, const Endpoint& endpoint = {});
    ~KeaClient();
    KeaClient(KeaClient&&) noexcept;
    KeaClient& operator=(KeaClient&&) noexcept;

    const Endpoint& endpoint() const;

    // Any command. `arguments_json` is a JSON object or empty.
    Reply command(std::string_view name, std::string_view arguments_json = {});

    // Core (every daemon).
    Result<VersionInfo> version_get();
    Result<StatusInfo> status_get();
    Result<Capabilities> list_commands();
    Result<ConfigDocument> config_get();
    // `config_json` is a whole document, {"Dhcp4": {...}} (comments allowed, as Kea allows).
    Reply config_test(std::string_view config_json);
    Reply config_set(std::string_view config_json);
    Result<ConfigWritten> config_write(std::string_view filename = {});  // "": the -c file
    Reply config_reload();

    // host_cmds (reservations); open source from Kea 3.0.
    Reply reservation_add(const Reservation& reservation,
                          OperationTarget target = OperationTarget::memory);
    Result<Reservation> reservation_get(const HostSelector& selector,
                                        OperationTarget target = OperationTarget::server_default);
    Reply reservation_del(const HostSelector& selector,
                          OperationTarget target = OperationTarget::memory);
    Result<std::vector<Reservation>> reservation_get_all(
        std::uint32_t subnet_id, OperationTarget target = OperationTarget::server_default);
    Result<ReservationPage> reservation_get_page(const ReservationPageRequest& request);
    // Every reservation (of one subnet, or all), walking reservation-get-page: unlike
    // reservation-get-all it never stops DHCP service for one long reply. Empty when none.
    Result<std::vector<Reservation>> reservation_list(std::optional<std::uint32_t> subnet_id = {},
                                                      std::uint32_t page_size = 1000);
    Result<std::vector<Reservation>> reservation_get_by_hostname(
        std::string_view hostname, std::optional<std::uint32_t> subnet_id = {});
    Result<std::vector<Reservation>> reservation_get_by_address(
        std::string_view ip_address, std::optional<std::uint32_t> subnet_id = {});

    // lease_cmds.
    Result<Lease4> lease4_get(std::string_view ip_address);
    Result<Lease4> lease4_get(std::string_view identifier_type, std::string_view identifier,
                              std::uint32_t subnet_id);
    Result<std::vector<Lease4>> lease4_get_by_hw_address(std::string_view mac);
    Result<std::vector<Lease4>> lease4_get_all(const std::vector<std::uint32_t>& subnet_ids = {});
    Reply lease4_del(std::string_view ip_address);
    Result<Lease6> lease6_get(std::string_view ip_address, std::string_view type = "IA_NA");
    Result<Lease6> lease6_get_by_duid(std::string_view duid, std::uint32_t iaid,
                                      std::uint32_t subnet_id, std::string_view type = "IA_NA");
    Result<std::vector<Lease6>> lease6_get_by_hw_address(std::string_view mac);  // 3.1.1+
    Result<std::vector<Lease6>> lease6_get_all(const std::vector<std::uint32_t>& subnet_ids = {});
    Reply lease6_del(std::string_view ip_address, std::string_view type = "IA_NA");
    // The leases `filter` names, through the command that fits it (lease4-get for an address,
    // lease4-get-by-hw-address, lease4-get-all for one subnet or all). A missing lease is an
    // empty list. Throws Error when the filter names more than one of MAC, address and subnet.
    Result<std::vector<Lease4>> leases4(const LeaseFilter& filter);
    Result<std::vector<Lease6>> leases6(const LeaseFilter& filter);

    // Statistics (core) and subnet_cmds.
    Result<Statistic> statistic_get(std::string_view name);  // unknown name: empty
    Result<std::vector<Statistic>> statistic_get_all();      // sorted by name
    Result<std::vector<SubnetSummary>> subnet4_list();
    Result<std::vector<SubnetSummary>> subnet6_list();

    // Batches on this client's transport, one command per item, each outcome reported.
    BatchReport reservation_add_batch(const std::vector<Reservation>& reservations,
                                      OperationTarget target = OperationTarget::memory,
                                      const BatchOptions& options = {});
    BatchReport reservation_del_batch(const std::vector<HostSelector>& selectors,
                                      OperationTarget target = OperationTarget::memory,
                                      const BatchOptions& options = {});

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace xcatdhcp::control
