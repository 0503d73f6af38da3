// Transports of the Kea control client: the UNIX control socket (plain AF_UNIX) and HTTP(S)
// through libcurl (Control Agent and the daemons' own sockets), plus endpoint and URL helpers.
#include "xcatdhcp/control/kea_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace xcatdhcp::control {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left < 0 ? 0 : static_cast<int>(left);
}

std::string errno_text(int error) { return std::strerror(error); }

bool is_ipv6_literal(std::string_view host) {
    std::string h(host);
    if (auto percent = h.find('%'); percent != std::string::npos) h.resize(percent);  // zone id
    in6_addr address{};
    return inet_pton(AF_INET6, h.c_str(), &address) == 1;
}

// Tracks whether the bytes seen so far hold one complete JSON value (object or array), so a
// reply can be taken as soon as it is whole, whether or not the server then closes.
class JsonCompleteness {
public:
    // Feeds more bytes; true once the top-level value has closed.
    bool feed(std::string_view bytes) {
        for (char c : bytes) {
            if (done_) return true;
            if (in_string_) {
                if (escaped_) escaped_ = false;
                else if (c == '\\') escaped_ = true;
                else if (c == '"') in_string_ = false;
                continue;
            }
            switch (c) {
            case '"': in_string_ = true; break;
            case '{':
            case '[': ++depth_; started_ = true; break;
            case '}':
            case ']':
                if (--depth_ <= 0 && started_) done_ = true;
                break;
            default: break;
            }
        }
        return done_;
    }

private:
    int depth_ = 0;
    bool started_ = false, in_string_ = false, escaped_ = false, done_ = false;
};

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

// ------------------------------------------------------------------ UNIX control socket

class UnixTransport : public KeaTransport {
public:
    explicit UnixTransport(const Endpoint& endpoint)
        : path_(endpoint.socket_path),
          connect_timeout_ms_(endpoint.connect_timeout_ms),
          timeout_ms_(endpoint.timeout_ms) {
        if (path_.empty()) throw Error("the UNIX control socket path is empty", "socket", path_);
        if (path_.size() >= sizeof(sockaddr_un::sun_path))
            throw Error("UNIX socket path is longer than the kernel allows (" +
                            std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes)",
                        "socket", path_);
    }

    RawReply exchange(const std::string& request) override {
        RawReply raw;
        auto start = Clock::now();
        auto deadline = start + std::chrono::milliseconds(timeout_ms_);
        auto connect_deadline = start + std::chrono::milliseconds(
                                            std::min(connect_timeout_ms_, timeout_ms_));
        Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
        if (fd.get() < 0) {
            raw.error = "cannot create a UNIX socket: " + errno_text(errno);
            return raw;
        }
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::memcpy(address.sun_path, path_.data(), path_.size());
        for (;;) {
            if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0)
                break;
            int error = errno;
            if (error == EINTR) continue;
            if (error == EAGAIN) {  // listen backlog full: the server is busy; retry briefly
                if (remaining_ms(connect_deadline) == 0) {
                    raw.error = "timed out connecting to " + path_ + " (server busy)";
                    return raw;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
                continue;
            }
            if (error == EINPROGRESS) {
                pollfd p{fd.get(), POLLOUT, 0};
                int n = ::poll(&p, 1, remaining_ms(connect_deadline));
                if (n <= 0) {
                    raw.error = "timed out connecting to " + path_;
                    return raw;
                }
                int so_error = 0;
                socklen_t len = sizeof so_error;
                ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &so_error, &len);
                if (so_error == 0) break;
                error = so_error;
            }
            raw.error = "cannot connect to " + path_ + ": " + errno_text(error) +
                        (error == ENOENT || error == ECONNREFUSED ? " (is the Kea server running?)"
                                                                 : "");
            return raw;
        }

        std::size_t sent = 0;
        while (sent < request.size()) {
            ssize_t n = ::send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
            if (n > 0) {
                sent += static_cast<std::size_t>(n);
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                pollfd p{fd.get(), POLLOUT, 0};
                if (::poll(&p, 1, remaining_ms(deadline)) <= 0) {
                    raw.error = "timed out sending the command to " + path_;
                    return raw;
                }
                continue;
            }
            raw.error = "cannot send the command to " + path_ + ": " + errno_text(errno);
            return raw;
        }

        JsonCompleteness complete;
        char buffer[65536];
        for (;;) {
            ssize_t n = ::recv(fd.get(), buffer, sizeof buffer, 0);
            if (n > 0) {
                raw.body.append(buffer, static_cast<std::size_t>(n));
                if (complete.feed(std::string_view(buffer, static_cast<std::size_t>(n)))) break;
                continue;
            }
            if (n == 0) break;  // the server closed: that is the end of the answer
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                pollfd p{fd.get(), POLLIN, 0};
                int ready = ::poll(&p, 1, remaining_ms(deadline));
                if (ready <= 0) {
                    raw.error = "timed out after " + std::to_string(timeout_ms_) +
                                " ms waiting for the answer from " + path_;
                    return raw;
                }
                continue;
            }
            raw.error = "cannot read the answer from " + path_ + ": " + errno_text(errno);
            return raw;
        }
        if (raw.body.empty()) raw.error = "the server closed the connection without answering";
        return raw;
    }

private:
    std::string path_;
    int connect_timeout_ms_;
    int timeout_ms_;
};

// ------------------------------------------------------------------ HTTP(S) via libcurl

void curl_global() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t append_body(char* data, size_t size, size_t count, void* user) {
    static_cast<std::string*>(user)->append(data, size * count);
    return size * count;
}

std::string read_password_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot read the password file", "password-file", path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string text = buffer.str();
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' ||
                             text.back() == '\t'))
        text.pop_back();
    if (text.empty()) throw Error("the password file is empty", "password-file", path);
    return text;
}

class HttpTransport : public KeaTransport {
public:
    explicit HttpTransport(const Endpoint& endpoint) : url_(normalize_url(endpoint.url)) {
        if (!endpoint.password.empty() && !endpoint.password_file.empty())
            throw Error("give a password or a password file, not both", "password-file",
                        endpoint.password_file);
        if (!endpoint.password_file.empty()) password_ = read_password_file(endpoint.password_file);
        else password_ = endpoint.password;
        user_ = endpoint.user;
        if (user_.find(':') != std::string::npos)
            throw Error("a basic-auth user name may not contain ':'", "user", user_);
        if (user_.empty() && !password_.empty())
            throw Error("a password was given without a user", "user", "");
        curl_global();
        curl_ = curl_easy_init();
        if (!curl_) throw Error("libcurl could not create a handle", "url", url_);
        headers_ = curl_slist_append(headers_, "Content-Type: application/json");
        headers_ = curl_slist_append(headers_, "Expect:");  // no 100-continue round trip
        headers_ = curl_slist_append(headers_, "Accept: application/json");

        curl_easy_setopt(curl_, CURLOPT_URL, url_.c_str());
        curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
        curl_easy_setopt(curl_, CURLOPT_POST, 1L);
        curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error_buffer_);
        curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, append_body);
        curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(endpoint.connect_timeout_ms));
        curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, static_cast<long>(endpoint.timeout_ms));
        curl_easy_setopt(curl_, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(curl_, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
        curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
        if (!endpoint.use_proxy_env) curl_easy_setopt(curl_, CURLOPT_NOPROXY, "*");
        if (!user_.empty()) {
            curl_easy_setopt(curl_, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
            curl_easy_setopt(curl_, CURLOPT_USERNAME, user_.c_str());
            curl_easy_setopt(curl_, CURLOPT_PASSWORD, password_.c_str());
        }
        const TlsOptions& tls = endpoint.tls;
        if (!tls.ca_file.empty()) curl_easy_setopt(curl_, CURLOPT_CAINFO, tls.ca_file.c_str());
        if (!tls.ca_directory.empty()) curl_easy_setopt(curl_, CURLOPT_CAPATH, tls.ca_directory.c_str());
        if (!tls.cert_file.empty()) curl_easy_setopt(curl_, CURLOPT_SSLCERT, tls.cert_file.c_str());
        if (!tls.key_file.empty()) curl_easy_setopt(curl_, CURLOPT_SSLKEY, tls.key_file.c_str());
        curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYPEER, tls.verify ? 1L : 0L);
        curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYHOST, tls.verify ? 2L : 0L);
        tls_ = tls;
    }

    ~HttpTransport() override {
        if (curl_) curl_easy_cleanup(curl_);
        if (headers_) curl_slist_free_all(headers_);
        // Do not leave the password in freed memory.
        std::fill(password_.begin(), password_.end(), '\0');
    }

    HttpTransport(const HttpTransport&) = delete;
    HttpTransport& operator=(const HttpTransport&) = delete;

    RawReply exchange(const std::string& request) override {
        RawReply raw;
        error_buffer_[0] = '\0';
        curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, request.data());
        curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.size()));
        curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &raw.body);
        CURLcode code = curl_easy_perform(curl_);
        long status = 0;
        curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
        raw.http_status = static_cast<int>(status);
        if (code != CURLE_OK) {
            std::string detail = error_buffer_[0] ? error_buffer_ : curl_easy_strerror(code);
            raw.error = "HTTP request to " + url_ + " failed: " + detail;
            if (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE)
                raw.error += tls_.ca_file.empty() ? " (the server's certificate is not trusted: give its CA file)"
                                                  : " (check the CA file and the server name)";
            raw.body.clear();
        }
        return raw;
    }

private:
    std::string url_;
    std::string user_;
    std::string password_;
    TlsOptions tls_;
    CURL* curl_ = nullptr;
    curl_slist* headers_ = nullptr;
    char error_buffer_[CURL_ERROR_SIZE] = {};
};

}  // namespace

// ------------------------------------------------------------------ public helpers

std::string_view to_string(Transport transport) {
    switch (transport) {
    case Transport::unix_socket: return "unix";
    case Transport::control_agent: return "control-agent";
    case Transport::http: return "http";
    }
    return "unix";
}

Endpoint Endpoint::unix_socket(std::string path) {
    Endpoint e;
    e.transport = Transport::unix_socket;
    e.socket_path = std::move(path);
    return e;
}

Endpoint Endpoint::control_agent(std::string url, std::string service) {
    Endpoint e;
    e.transport = Transport::control_agent;
    e.url = std::move(url);
    e.service = std::move(service);
    return e;
}

Endpoint Endpoint::http(std::string url) {
    Endpoint e;
    e.transport = Transport::http;
    e.url = std::move(url);
    return e;
}

std::string Endpoint::describe() const {
    if (transport == Transport::unix_socket) return "unix:" + socket_path;
    std::string text = url;
    if (transport == Transport::control_agent) text += " (control agent, service " + service + ")";
    if (!user.empty()) text += " (user " + user + ")";
    return text;
}

std::string make_url(std::string_view scheme, std::string_view host, unsigned port,
                     std::string_view path) {
    if (host.empty()) throw Error("a URL needs a host", "host", std::string(host));
    if (port == 0 || port > 65535) throw Error("not a TCP port", "port", std::to_string(port));
    if (scheme != "http" && scheme != "https")
        throw Error("the scheme must be http or https", "scheme", std::string(scheme));
    std::string h(host);
    if (h.front() != '[' && is_ipv6_literal(h)) {
        // RFC 6874: a zone id's '%' is written %25 inside the brackets.
        if (auto percent = h.find('%'); percent != std::string::npos) h.replace(percent, 1, "%25");
        h = "[" + h + "]";
    }
    std::string p(path.empty() ? "/" : path);
    if (p.front() != '/') p.insert(p.begin(), '/');
    return std::string(scheme) + "://" + h + ":" + std::to_string(port) + p;
}

std::string normalize_url(std::string_view url) {
    std::string text(url);
    if (text.empty()) throw Error("the URL is empty", "url", text);
    std::string scheme = "http";
    std::string rest = text;
    if (auto sep = text.find("://"); sep != std::string::npos) {
        scheme = text.substr(0, sep);
        for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        rest = text.substr(sep + 3);
    }
    if (scheme != "http" && scheme != "https")
        throw Error("the URL scheme must be http or https", "url", text);
    std::string authority = rest.substr(0, rest.find('/'));
    std::string path = authority.size() < rest.size() ? rest.substr(authority.size()) : "/";
    if (authority.find('@') != std::string::npos)
        throw Error("put credentials in --user/--password-file, not in the URL", "url", text);
    std::string host, port;
    if (!authority.empty() && authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string::npos) throw Error("unclosed '[' in the URL host", "url", text);
        host = authority.substr(0, close + 1);
        std::string tail = authority.substr(close + 1);
        if (!tail.empty()) {
            if (tail.front() != ':') throw Error("unexpected text after the bracketed host", "url", text);
            port = tail.substr(1);
        }
    } else {
        auto colons = std::count(authority.begin(), authority.end(), ':');
        if (colons > 1)
            throw Error("an IPv6 address in a URL must be in brackets, e.g. " + scheme +
                            "://[fd00::1]:8004/",
                        "url", text);
        auto colon = authority.find(':');
        host = authority.substr(0, colon);
        if (colon != std::string::npos) port = authority.substr(colon + 1);
    }
    if (host.empty() || host == "[]") throw Error("the URL has no host", "url", text);
    if (!port.empty()) {
        bool digits = port.size() <= 5 && std::all_of(port.begin(), port.end(), [](char c) {
            return c >= '0' && c <= '9';
        });
        if (!digits || std::stoul(port) == 0 || std::stoul(port) > 65535)
            throw Error("not a TCP port in the URL", "url", text);
    }
    return scheme + "://" + host + (port.empty() ? "" : ":" + port) + path;
}

Endpoint make_endpoint(const EndpointSettings& settings) {
    if (settings.socket.empty() == settings.url.empty())
        throw Error(settings.socket.empty() ? "give either a control socket path or a URL"
                                            : "give either a control socket path or a URL, not both",
                    "endpoint", settings.url);
    Endpoint endpoint;
    if (!settings.socket.empty()) {
        endpoint = Endpoint::unix_socket(settings.socket);
    } else {
        endpoint = settings.service.empty() ? Endpoint::http(normalize_url(settings.url))
                                            : Endpoint::control_agent(normalize_url(settings.url), settings.service);
        endpoint.user = settings.user;
        endpoint.password = settings.password;
        endpoint.password_file = settings.password_file;
        if ((!endpoint.password_file.empty() || !endpoint.password.empty()) && endpoint.user.empty())
            throw Error("a password needs a user", "user", "");
        endpoint.tls.ca_file = settings.ca_file;
        endpoint.tls.cert_file = settings.cert_file;
        endpoint.tls.key_file = settings.key_file;
        endpoint.tls.verify = !settings.insecure;
    }
    if (!settings.timeout_seconds.empty()) {
        const std::string& text = settings.timeout_seconds;
        int seconds = 0;
        bool digits = text.size() <= 4 && std::all_of(text.begin(), text.end(), [](char c) {
            return c >= '0' && c <= '9';
        });
        if (digits) seconds = std::stoi(text);
        if (seconds <= 0 || seconds > 3600) throw Error("not a timeout in seconds (1-3600)", "timeout", text);
        endpoint.timeout_ms = seconds * 1000;
    }
    return endpoint;
}

std::unique_ptr<KeaTransport> make_transport(const Endpoint& endpoint) {
    if (endpoint.transport == Transport::unix_socket) return std::make_unique<UnixTransport>(endpoint);
    if (endpoint.transport == Transport::control_agent && endpoint.service.empty())
        throw Error("the Control Agent needs a service (dhcp4, dhcp6 or d2)", "service", "");
    return std::make_unique<HttpTransport>(endpoint);
}

}  // namespace xcatdhcp::control
