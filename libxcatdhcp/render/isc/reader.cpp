// A reader for the dhcpd.conf subset the renderer writes, and a comparison with the intent.
#include <algorithm>
#include <memory>
#include <map>
#include <set>

#include "render/isc/internal.hpp"
#include "xcatdhcp/boot/evaluate.hpp"
#include "xcatdhcp/error.hpp"

namespace xcatdhcp::render::isc {

namespace {

// ---------------------------------------------------------------- tokens
struct Token {
    enum Kind { word, string, punct, comment, end } kind = end;
    std::string text;  // strings decoded; comments without '#'
    int line = 0;
    bool own_line = false;  // comment alone on its line
};

[[noreturn]] void fail(const std::string& message, const std::string& text, int line) {
    throw Error("dhcpd.conf line " + std::to_string(line) + ": " + message, "dhcpd.conf", text);
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::vector<Token> tokenize(std::string_view in) {
    std::vector<Token> out;
    int line = 1;
    bool line_has_token = false;
    std::size_t i = 0;
    auto special = [](char c) {
        return c == '{' || c == '}' || c == ';' || c == ',' || c == '(' || c == ')' || c == '=' || c == '"' ||
               c == '#';
    };
    while (i < in.size()) {
        char c = in[i];
        if (c == '\n') {
            ++line;
            line_has_token = false;
            ++i;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r') {
            ++i;
            continue;
        }
        Token t;
        t.line = line;
        if (c == '#') {
            std::size_t end = in.find('\n', i);
            if (end == std::string_view::npos) end = in.size();
            t.kind = Token::comment;
            t.text = std::string(in.substr(i + 1, end - i - 1));
            t.own_line = !line_has_token;
            i = end;
        } else if (c == '"') {
            t.kind = Token::string;
            ++i;
            bool closed = false;
            while (i < in.size()) {
                char d = in[i++];
                if (d == '"') {
                    closed = true;
                    break;
                }
                if (d == '\n') fail("line break inside a string", t.text, line);
                if (d != '\\') {
                    t.text += d;
                    continue;
                }
                if (i >= in.size()) break;
                char e = in[i++];
                switch (e) {
                    case 'n': t.text += '\n'; break;
                    case 'r': t.text += '\r'; break;
                    case 't': t.text += '\t'; break;
                    case 'b': t.text += '\b'; break;
                    case 'x': {
                        int hi = i < in.size() ? hex_value(in[i]) : -1;
                        int lo = i + 1 < in.size() ? hex_value(in[i + 1]) : -1;
                        if (hi < 0 || lo < 0) fail("bad \\x escape", t.text, line);
                        t.text += static_cast<char>(hi * 16 + lo);
                        i += 2;
                        break;
                    }
                    default:
                        if (e >= '0' && e <= '3') fail("octal escapes are not written by the renderer", t.text, line);
                        t.text += e;
                }
            }
            if (!closed) fail("unterminated string", t.text, line);
        } else if (special(c)) {
            t.kind = Token::punct;
            t.text = std::string(1, c);
            ++i;
        } else {
            t.kind = Token::word;
            std::size_t start = i;
            while (i < in.size() && !special(in[i]) && in[i] != ' ' && in[i] != '\t' && in[i] != '\n' &&
                   in[i] != '\r')
                ++i;
            t.text = std::string(in.substr(start, i - start));
        }
        if (t.kind != Token::comment) line_has_token = true;
        out.push_back(std::move(t));
    }
    Token e;
    e.line = line;
    out.push_back(e);
    return out;
}

// ---------------------------------------------------------------- statements
struct Node {
    std::vector<Token> words;
    bool block = false;
    std::vector<Node> children;
    std::string marker;  // comment on the line of the closing brace
    int line = 0;

    std::string head(std::size_t i) const { return i < words.size() ? words[i].text : ""; }
    bool is(std::size_t i, std::string_view text) const {
        return i < words.size() && words[i].kind != Token::string && words[i].text == text;
    }
};

class StatementParser {
public:
    StatementParser(std::vector<Token> tokens, std::vector<std::string>& comments)
        : t_(std::move(tokens)), comments_(comments) {}

    std::vector<Node> parse_all() {
        auto nodes = parse_list(false);
        if (t_[i_].kind != Token::end) fail("unexpected '}'", t_[i_].text, t_[i_].line);
        return nodes;
    }

private:
    std::vector<Token> t_;
    std::size_t i_ = 0;
    std::vector<std::string>& comments_;

    std::vector<Node> parse_list(bool in_block) {
        std::vector<Node> nodes;
        Node current;
        for (;;) {
            Token& tok = t_[i_];
            if (tok.kind == Token::end) {
                if (in_block) fail("missing '}'", "", tok.line);
                if (!current.words.empty()) fail("missing ';'", current.head(0), current.line);
                return nodes;
            }
            if (tok.kind == Token::comment) {
                comments_.push_back(tok.text);
                ++i_;
                continue;
            }
            if (tok.kind == Token::punct && tok.text == "}") {
                if (!in_block) return nodes;
                if (!current.words.empty()) fail("missing ';'", current.head(0), current.line);
                return nodes;
            }
            if (tok.kind == Token::punct && tok.text == ";") {
                ++i_;
                if (!current.words.empty()) nodes.push_back(std::move(current));
                current = Node{};
                continue;
            }
            if (tok.kind == Token::punct && tok.text == "{") {
                ++i_;
                current.block = true;
                current.children = parse_list(true);
                Token& close = t_[i_];
                if (!(close.kind == Token::punct && close.text == "}")) fail("missing '}'", "", close.line);
                ++i_;
                if (t_[i_].kind == Token::comment && !t_[i_].own_line && t_[i_].line == close.line) {
                    current.marker = t_[i_].text;
                    ++i_;
                }
                if (current.words.empty()) fail("block without a statement", "{", close.line);
                nodes.push_back(std::move(current));
                current = Node{};
                continue;
            }
            if (current.words.empty()) current.line = tok.line;
            current.words.push_back(tok);
            ++i_;
        }
    }
};

// Value text: strings unquoted, list items joined with ", ".
std::string value_text(const Node& n, std::size_t from) {
    std::string out;
    bool after_comma = true;
    for (std::size_t i = from; i < n.words.size(); ++i) {
        const Token& t = n.words[i];
        if (t.kind == Token::punct && t.text == ",") {
            out += ", ";
            after_comma = true;
            continue;
        }
        if (!after_comma) out += " ";
        out += t.text;
        after_comma = false;
    }
    return out;
}

std::string trim_marker(const std::string& m) {
    std::size_t a = m.find_first_not_of(' ');
    std::size_t b = m.find_last_not_of(' ');
    return a == std::string::npos ? "" : m.substr(a, b - a + 1);
}

// ---------------------------------------------------------------- conditions
struct Expr {
    enum Kind { equal, exists, not_, and_, or_ } kind = equal;
    // equal: left is "option NAME" or "substring NAME START LENGTH"; right is the literal
    std::string option;
    bool substring = false;
    std::size_t start = 0, length = 0;
    std::string value;
    bool value_is_string = false;
    bool not_equal = false;  // `!=`
    std::vector<std::unique_ptr<Expr>> parts;
};

class ExprParser {
public:
    ExprParser(const std::vector<Token>& tokens, std::size_t from, int line)
        : t_(tokens), i_(from), line_(line) {}

    std::unique_ptr<Expr> parse() {
        auto e = parse_or();
        if (i_ != t_.size()) bad("trailing text in condition");
        return e;
    }

private:
    const std::vector<Token>& t_;
    std::size_t i_;
    int line_;

    [[noreturn]] void bad(const std::string& what) const {
        std::string text;
        for (const auto& t : t_) text += t.text + " ";
        fail(what, text, line_);
    }
    bool peek(std::string_view text) const {
        return i_ < t_.size() && t_[i_].kind != Token::string && t_[i_].text == text;
    }
    const Token& next() {
        if (i_ >= t_.size()) bad("condition ends early");
        return t_[i_++];
    }
    void expect(std::string_view text) {
        if (!peek(text)) bad("expected '" + std::string(text) + "'");
        ++i_;
    }
    std::unique_ptr<Expr> parse_or() {
        auto first = parse_and();
        if (!peek("or")) return first;
        auto e = std::make_unique<Expr>();
        e->kind = Expr::or_;
        e->parts.push_back(std::move(first));
        while (peek("or")) {
            ++i_;
            e->parts.push_back(parse_and());
        }
        return e;
    }
    std::unique_ptr<Expr> parse_and() {
        auto first = parse_unary();
        if (!peek("and")) return first;
        auto e = std::make_unique<Expr>();
        e->kind = Expr::and_;
        e->parts.push_back(std::move(first));
        while (peek("and")) {
            ++i_;
            e->parts.push_back(parse_unary());
        }
        return e;
    }
    std::unique_ptr<Expr> parse_unary() {
        if (peek("not")) {
            ++i_;
            auto e = std::make_unique<Expr>();
            e->kind = Expr::not_;
            e->parts.push_back(parse_unary());
            return e;
        }
        if (peek("(")) {
            ++i_;
            auto e = parse_or();
            expect(")");
            return e;
        }
        if (peek("exists")) {
            ++i_;
            auto e = std::make_unique<Expr>();
            e->kind = Expr::exists;
            e->option = next().text;
            return e;
        }
        auto e = std::make_unique<Expr>();
        e->kind = Expr::equal;
        if (peek("option")) {
            ++i_;
            e->option = next().text;
        } else if (peek("substring")) {
            ++i_;
            expect("(");
            expect("option");
            e->option = next().text;
            e->substring = true;
            expect(",");
            e->start = number(next().text);
            expect(",");
            e->length = number(next().text);
            expect(")");
        } else {
            bad("unknown expression");
        }
        if (peek("!")) {
            ++i_;
            e->not_equal = true;
        }
        expect("=");
        const Token& v = next();
        e->value = v.text;
        e->value_is_string = v.kind == Token::string;
        return e;
    }
    std::size_t number(const std::string& text) const {
        if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) bad("expected a number");
        return static_cast<std::size_t>(std::stoul(text));
    }
};

std::optional<std::uint16_t> parse_arch(const std::string& text) {
    if (text.size() != 5 || text[2] != ':') return std::nullopt;
    int v = 0;
    for (char c : text) {
        if (c == ':') continue;
        int h = hex_value(c);
        if (h < 0) return std::nullopt;
        v = v * 16 + h;
    }
    return static_cast<std::uint16_t>(v);
}

bool is_option_equal(const Expr& e, std::string_view option) {
    return e.kind == Expr::equal && !e.substring && !e.not_equal && e.option == option;
}

// `option X = v` or an `or` list of them: the values, or nullopt.
std::optional<std::vector<std::string>> equal_list(const Expr& e, std::string_view option) {
    if (is_option_equal(e, option)) return std::vector<std::string>{e.value};
    if (e.kind != Expr::or_) return std::nullopt;
    std::vector<std::string> values;
    for (const auto& p : e.parts) {
        if (!is_option_equal(*p, option)) return std::nullopt;
        values.push_back(p->value);
    }
    return values;
}

void flatten_and(const Expr& e, std::vector<const Expr*>& out) {
    if (e.kind == Expr::and_)
        for (const auto& p : e.parts) flatten_and(*p, out);
    else
        out.push_back(&e);
}

ParsedRule read_condition(const Node& n, std::size_t from) {
    ParsedRule rule;
    for (std::size_t i = from; i < n.words.size(); ++i)
        rule.condition += (i > from ? " " : "") +
                          (n.words[i].kind == Token::string ? syntax::quote(n.words[i].text, "condition")
                                                            : n.words[i].text);
    auto expr = ExprParser(n.words, from, n.line).parse();
    std::vector<const Expr*> terms;
    flatten_and(*expr, terms);
    auto unsupported = [&] { fail("condition outside the rendered subset", rule.condition, n.line); };
    bool second = false, first = false;
    for (const Expr* t : terms) {
        if (auto archs = equal_list(*t, "client-architecture")) {
            for (const auto& a : *archs) {
                auto v = parse_arch(a);
                if (!v) unsupported();
                rule.match.architectures.push_back(*v);
            }
        } else if (auto classes = equal_list(*t, "user-class-identifier")) {
            second = true;
            rule.user_classes.insert(rule.user_classes.end(), classes->begin(), classes->end());
        } else if (t->kind == Expr::equal && t->not_equal && !t->substring && t->option == "user-class-identifier" &&
                   t->value_is_string) {
            first = true;
            rule.user_classes.push_back(t->value);
        } else if (t->kind == Expr::not_ && t->parts.front()->kind == Expr::exists &&
                   t->parts.front()->option == "client-architecture") {
            rule.match.no_architecture = true;
        } else if (t->kind == Expr::not_) {
            auto negated = equal_list(*t->parts.front(), "user-class-identifier");
            if (!negated) unsupported();
            first = true;
            rule.user_classes.insert(rule.user_classes.end(), negated->begin(), negated->end());
        } else if (t->kind == Expr::equal && t->substring && !t->not_equal && t->option == "vendor-class-identifier" &&
                   t->start == 0 && t->value_is_string && t->length == t->value.size()) {
            rule.match.vendor_class_prefix = t->value;
        } else {
            unsupported();
        }
    }
    if (first && second) unsupported();
    if (first) rule.match.stage = boot::Stage::first;
    if (second) rule.match.stage = boot::Stage::second;
    return rule;
}

void read_action(const std::vector<Node>& body, boot::Action& action) {
    for (const auto& s : body) {
        if (s.block) fail("nested block in a boot branch", s.head(0), s.line);
        if (s.is(0, "filename") && s.words.size() == 2) {
            action.filename = s.words[1].text;
        } else if (s.is(0, "always-broadcast") && s.is(1, "on")) {
            action.always_broadcast = true;
        } else if (s.is(0, "option") && s.words.size() == 3) {
            auto code = syntax::option_code(s.head(1));
            if (!code) fail("option not sent by the boot policy", s.head(1), s.line);
            action.options.push_back({*code, s.words[2].text});
        } else {
            fail("statement outside the rendered subset in a boot branch", s.head(0), s.line);
        }
    }
}

// Consumes an if/elsif/else chain starting at nodes[i]; returns the index after it.
std::size_t read_chain(const std::vector<Node>& nodes, std::size_t i, std::vector<ParsedRule>& rules) {
    bool first = true;
    while (i < nodes.size()) {
        const Node& n = nodes[i];
        if (first ? !n.is(0, "if") : !(n.is(0, "elsif") || n.is(0, "else"))) break;
        if (!n.block) fail("condition without a block", n.head(0), n.line);
        ParsedRule rule;
        if (!n.is(0, "else")) rule = read_condition(n, 1);
        else if (n.words.size() != 1) fail("'else if' is not written by the renderer", n.head(1), n.line);
        read_action(n.children, rule.action);
        rules.push_back(std::move(rule));
        first = false;
        ++i;
        if (n.is(0, "else")) break;
    }
    return i;
}

// A chain whose first rule is unconditional is written as bare statements: read them back as
// one unconditional rule.
bool read_bare_action(const Node& c, std::vector<ParsedRule>& rules) {
    const bool filename = c.is(0, "filename") && c.words.size() == 2;
    const bool broadcast = c.is(0, "always-broadcast") && c.is(1, "on");
    if (!filename && !broadcast) return false;
    if (rules.empty() || !rules.back().condition.empty() || rules.back().match != boot::Match{})
        rules.push_back(ParsedRule{});
    if (filename) rules.back().action.filename = c.words[1].text;
    else rules.back().action.always_broadcast = true;
    return true;
}

ParsedZone read_zone(const Node& n) {
    ParsedZone z;
    z.name = value_text(n, 1);
    for (const auto& c : n.children) {
        if (c.is(0, "primary") || c.is(0, "primary6")) z.primary = value_text(c, 1);
        else if (c.is(0, "key")) z.key = value_text(c, 1);
        else fail("zone statement outside the rendered subset", c.head(0), c.line);
    }
    return z;
}

ParsedSubnet read_subnet(const Node& n, const std::string& shared) {
    ParsedSubnet s;
    s.shared_network = shared;
    s.end_marker = trim_marker(n.marker);
    try {
        if (n.is(0, "subnet") && n.words.size() == 4 && n.is(2, "netmask"))
            s.prefix = net::Prefix::from_net_and_mask(n.head(1), n.head(3)).to_string();
        else if (n.is(0, "subnet6") && n.words.size() == 2)
            s.prefix = net::Prefix::parse_or_throw(n.head(1), "subnet6").to_string();
        else
            fail("malformed subnet declaration", n.head(0), n.line);
    } catch (const Error& e) {
        fail(e.message(), e.value(), n.line);
    }
    for (std::size_t i = 0; i < n.children.size();) {
        const Node& c = n.children[i];
        if (c.is(0, "if")) {
            i = read_chain(n.children, i, s.boot_rules);
            continue;
        }
        if (read_bare_action(c, s.boot_rules)) {
            // done
        } else if (c.is(0, "zone") && c.block) {
            s.zones.push_back(read_zone(c));
        } else if (c.block) {
            fail("block outside the rendered subset in a subnet", c.head(0), c.line);
        } else if (c.is(0, "option")) {
            s.options[c.head(1)] = value_text(c, 2);
        } else if (c.is(0, "range") || c.is(0, "range6")) {
            ParsedRange r;
            std::size_t k = 1;
            if (c.is(1, "dynamic-bootp")) {
                r.dynamic_bootp = true;
                k = 2;
            }
            r.first = c.head(k);
            r.last = c.head(k + 1);
            if (c.words.size() > k + 2 || r.first.empty()) fail("malformed range", c.head(0), c.line);
            s.ranges.push_back(r);
        } else {
            s.parameters[c.head(0)] = value_text(c, 1);
        }
        ++i;
    }
    return s;
}

ParsedHost read_host(const Node& n) {
    ParsedHost h;
    h.name = value_text(n, 1);
    for (std::size_t i = 0; i < n.children.size();) {
        const Node& c = n.children[i];
        if (c.is(0, "if")) {
            i = read_chain(n.children, i, h.boot_rules);
            continue;
        }
        if (c.block) fail("block outside the rendered subset in a host", c.head(0), c.line);
        if (read_bare_action(c, h.boot_rules)) {
            // done
        } else if (c.is(0, "hardware")) {
            h.hardware_type = c.head(1);
            h.hardware_address = c.head(2);
        } else if (c.is(0, "fixed-address") || c.is(0, "fixed-address6")) {
            h.fixed_address = value_text(c, 1);
        } else if (c.is(0, "host-identifier") && c.is(1, "option") && c.is(2, "dhcp6.client-id")) {
            h.client_identifier = c.head(3);
        } else if (c.is(0, "option") && c.is(1, "dhcp-client-identifier")) {
            h.client_identifier = c.head(2);
        } else if (c.is(0, "deny") && c.is(1, "booting")) {
            h.deny_booting = true;
        } else if (c.is(0, "option") || c.is(0, "send")) {
            h.options[c.head(1)] = value_text(c, 2);
        } else {
            h.parameters[c.head(0)] = value_text(c, 1);
        }
        ++i;
    }
    return h;
}

}  // namespace

const ParsedSubnet* ParsedConfig::subnet(std::string_view prefix) const {
    for (const auto& s : subnets)
        if (s.prefix == prefix) return &s;
    return nullptr;
}

const ParsedHost* ParsedConfig::host(std::string_view name) const {
    for (const auto& h : hosts)
        if (h.name == name) return &h;
    return nullptr;
}

ParsedConfig parse_dhcpd_conf(std::string_view text) {
    ParsedConfig config;
    config.first_line = std::string(text.substr(0, text.find('\n')));
    auto nodes = StatementParser(tokenize(text), config.comments).parse_all();
    for (const auto& n : nodes) {
        if (n.is(0, "option") && n.is(1, "space") && !n.block) {
            config.option_spaces.push_back(n.head(2));
        } else if (n.is(0, "option") && n.is(2, "code") && !n.block) {
            config.option_declarations[n.head(1)] = value_text(n, 3);
        } else if (n.is(0, "option") && !n.block) {
            config.options[n.head(1)] = value_text(n, 2);
        } else if (n.is(0, "key") && n.block) {
            ParsedKey key;
            key.name = value_text(n, 1);
            for (const auto& c : n.children) {
                if (c.is(0, "algorithm")) key.algorithm = value_text(c, 1);
                else if (c.is(0, "secret")) key.secret = value_text(c, 1);
            }
            config.keys.push_back(key);
        } else if (n.is(0, "class") && n.block) {
            config.classes.push_back(value_text(n, 1));
        } else if (n.is(0, "shared-network") && n.block) {
            ParsedSharedNetwork net;
            net.name = value_text(n, 1);
            net.end_marker = trim_marker(n.marker);
            for (const auto& c : n.children) {
                if (!(c.is(0, "subnet") || c.is(0, "subnet6")) || !c.block)
                    fail("only subnets are written inside a shared-network", c.head(0), c.line);
                config.subnets.push_back(read_subnet(c, net.name));
                net.subnets.push_back(config.subnets.back().prefix);
            }
            config.shared_networks.push_back(net);
        } else if ((n.is(0, "subnet") || n.is(0, "subnet6")) && n.block) {
            config.subnets.push_back(read_subnet(n, ""));
        } else if (n.is(0, "host") && n.block) {
            config.hosts.push_back(read_host(n));
        } else if (n.block) {
            fail("block outside the rendered subset", n.head(0), n.line);
        } else {
            config.parameters[n.head(0)] = value_text(n, 1);
        }
    }
    return config;
}

// ---------------------------------------------------------------- comparison
namespace {

struct Differences {
    std::vector<std::string> list;
    template <typename A, typename B>
    void expect(const std::string& where, const std::string& what, const A& expected, const B& actual) {
        if (expected == actual) return;
        list.push_back(where + ": " + what + " is '" + std::string(actual) + "', the intent says '" +
                       std::string(expected) + "'");
    }
    void add(std::string s) { list.push_back(std::move(s)); }
};

std::string get(const std::map<std::string, std::string>& m, const std::string& key) {
    auto it = m.find(key);
    return it == m.end() ? "<absent>" : it->second;
}

std::string addresses(const std::vector<net::IpAddress>& list) {
    if (list.empty()) return "<absent>";
    std::string out;
    for (const auto& a : list) out += (out.empty() ? "" : ", ") + a.to_string();
    return out;
}

std::string strings(const std::vector<std::string>& list) {
    if (list.empty()) return "<absent>";
    std::string out;
    for (const auto& s : list) out += (out.empty() ? "" : ", ") + s;
    return out;
}

std::string describe(const boot::Answer& a) {
    std::string out = "filename=" + (a.filename ? "'" + *a.filename + "'" : std::string("none"));
    if (a.always_broadcast) out += " broadcast";
    auto options = a.options;
    std::sort(options.begin(), options.end(),
              [](const boot::Option& x, const boot::Option& y) { return x.code < y.code; });
    for (const auto& o : options) out += " option" + std::to_string(o.code) + "='" + o.value + "'";
    return out;
}

std::vector<boot::Rule> as_rules(const std::vector<ParsedRule>& parsed) {
    std::vector<boot::Rule> rules;
    for (const auto& p : parsed) rules.push_back({"", p.match, p.action});
    return rules;
}

// Client packets that tell the rules apart: every architecture the rules name and some they do
// not, every user class, every vendor prefix with and without a suffix.
std::vector<boot::ClientPacket> packets(const std::vector<const std::vector<boot::Rule>*>& rule_sets,
                                        const std::vector<std::string>& classes) {
    std::set<std::optional<std::uint16_t>> archs = {std::nullopt, 0x0000, 0x0002, 0x0006, 0x0007, 0x0009,
                                                    0x000b,       0x000c, 0x000e, 0x0010, 0x0013, 0x00ff};
    std::set<std::string> users = {"", "other"};
    std::set<std::string> vendors = {"", "PXEClient:Arch:00000:UNDI:002001", "unknown"};
    for (const auto* rules : rule_sets)
        for (const auto& r : *rules) {
            for (auto a : r.match.architectures) archs.insert(a);
            if (!r.match.vendor_class_prefix.empty()) {
                vendors.insert(r.match.vendor_class_prefix);
                vendors.insert(r.match.vendor_class_prefix + ":x");
            }
        }
    for (const auto& c : classes) users.insert(c);
    std::vector<boot::ClientPacket> out;
    for (const auto& a : archs)
        for (const auto& u : users)
            for (const auto& v : vendors) out.push_back({a, u, v});
    return out;
}

std::string packet_text(const boot::ClientPacket& p) {
    return "arch " + (p.architecture ? syntax::architecture(*p.architecture) : std::string("none")) +
           ", user class '" + p.user_class + "', vendor class '" + p.vendor_class + "'";
}

void compare_rules(Differences& d, const std::string& where, const std::vector<ParsedRule>& parsed,
                   const std::vector<boot::Rule>* subnet_rules, const boot::BootPlan* plan,
                   const boot::BootPlan* parsed_plan, const intent::Intent& intent) {
    const auto& classes = intent.second_stage_user_classes;
    // A first-stage test must exclude every second-stage class; a second-stage test may name one.
    for (const auto& p : parsed) {
        bool ok = true;
        if (p.match.stage == boot::Stage::first) {
            std::set<std::string> tested(p.user_classes.begin(), p.user_classes.end());
            ok = tested == std::set<std::string>(classes.begin(), classes.end());
        } else if (p.match.stage == boot::Stage::second) {
            for (const auto& c : p.user_classes)
                ok = ok && std::find(classes.begin(), classes.end(), c) != classes.end();
        }
        if (!ok)
            d.add(where + ": condition '" + p.condition + "' tests user classes " + strings(p.user_classes) +
                  ", the intent's second stage is " + strings(classes));
    }
    const std::vector<boot::Rule> parsed_rules = as_rules(parsed);
    std::vector<const std::vector<boot::Rule>*> sets = {&parsed_rules};
    if (subnet_rules) sets.push_back(subnet_rules);
    if (plan) sets.push_back(&plan->rules);
    const std::vector<boot::Rule> none;
    for (const auto& packet : packets(sets, classes)) {
        boot::Answer expected, actual;
        if (plan) {
            expected = boot::evaluate(plan, none, packet, classes);
            actual = boot::evaluate(parsed_plan, none, packet, classes);
        } else {
            expected = boot::evaluate(nullptr, *subnet_rules, packet, classes);
            actual = boot::evaluate(nullptr, parsed_rules, packet, classes);
        }
        std::string e = describe(expected), a = describe(actual);
        if (e != a) {
            d.add(where + ": for " + packet_text(packet) + " the file answers " + a + ", the intent " + e);
            return;  // one example is enough
        }
    }
}

void compare_subnet(Differences& d, const ParsedSubnet& p, const intent::Subnet& s, const intent::Intent& intent,
                    const IscProfile& profile) {
    const std::vector<std::string> no_search;
    const std::vector<std::string>& search = profile.domain_search ? s.options.domain_search : no_search;
    const std::string where = "subnet " + s.prefix.to_string();
    const bool v4 = s.family() == net::Family::v4;
    d.expect(where, "shared-network", s.shared_network, p.shared_network);
    d.expect(where, "end marker",
             v4 ? s.prefix.network().to_string() + "/" + s.prefix.mask().to_string() + " subnet_end"
                : s.prefix.to_string() + " subnet_end",
             p.end_marker);
    d.expect(where, "authoritative", std::string(""), get(p.parameters, "authoritative"));
    for (const char* lease : {"max-lease-time", "min-lease-time", "default-lease-time"})
        d.expect(where, lease, std::to_string(s.lease_time), get(p.parameters, lease));
    const auto& o = s.options;
    if (v4) {
        d.expect(where, "routers", addresses(o.routers), get(p.options, "routers"));
        d.expect(where, "next-server", o.next_server ? o.next_server->to_string() : "<absent>",
                 get(p.parameters, "next-server"));
        d.expect(where, "log-servers", addresses(o.log_servers), get(p.options, "log-servers"));
        d.expect(where, "ntp-servers", addresses(o.ntp_servers), get(p.options, "ntp-servers"));
        d.expect(where, "domain-name-servers", addresses(o.dns_servers), get(p.options, "domain-name-servers"));
        d.expect(where, "domain-name",
                 o.dns_servers.empty() || o.domain_name.empty() ? "<absent>" : o.domain_name,
                 get(p.options, "domain-name"));
        d.expect(where, "interface-mtu", o.mtu ? std::to_string(*o.mtu) : "<absent>", get(p.options, "interface-mtu"));
        d.expect(where, "domain-search", strings(search), get(p.options, "domain-search"));
        d.expect(where, "cumulus-provision-url", o.cumulus_provision_url.empty() ? "<absent>" : o.cumulus_provision_url,
                 get(p.options, "cumulus-provision-url"));
    } else {
        d.expect(where, "dhcp6.name-servers", addresses(o.dns_servers), get(p.options, "dhcp6.name-servers"));
        d.expect(where, "dhcp6.domain-search", strings(search), get(p.options, "dhcp6.domain-search"));
    }
    d.expect(where, "ddns-domainname", s.ddns_domain.empty() ? "<absent>" : s.ddns_domain,
             get(p.parameters, "ddns-domainname"));
    std::vector<ParsedZone> zones;
    for (const auto& z : s.ddns_zones)
        zones.push_back({z.name, z.server ? z.server->to_string() : "", intent.ddns.key.name});
    if (zones != p.zones) d.add(where + ": DDNS zones differ from the intent");
    std::vector<ParsedRange> ranges;
    for (const auto& pool : s.pools) {
        if (!v4 && pool.cidr_length)
            ranges.push_back({pool.first.to_string() + "/" + std::to_string(*pool.cidr_length), "", false});
        else
            ranges.push_back({pool.first.to_string(), pool.last.to_string(), v4});
    }
    if (ranges != p.ranges) d.add(where + ": pools differ from the intent");
    if (v4) compare_rules(d, where, p.boot_rules, &s.boot_rules, nullptr, nullptr, intent);
    else if (!p.boot_rules.empty()) d.add(where + ": boot rules in a DHCPv6 subnet");
}

void compare_host(Differences& d, const ParsedHost& p, const HostObject& h, const intent::Reservation* r,
                  const intent::Intent& intent, const IscProfile& profile) {
    const std::string where = "host " + h.name;
    const bool v4 = h.family == net::Family::v4;
    d.expect(where, "fixed address", h.ip ? h.ip->to_string() : "", p.fixed_address);
    if (!v4 && !h.client_identifier.empty()) {
        d.expect(where, "client identifier", h.client_identifier, p.client_identifier);
    } else {
        const bool has_hardware = h.hardware_type == 1 || (h.hardware_type == 32 && profile.dhcpd_version >= Version{4, 3, 0});
        d.expect(where, "hardware address", has_hardware ? h.mac : "", p.hardware_address);
        if (v4 && h.hardware_type != 1) d.expect(where, "client identifier", h.mac, p.client_identifier);
    }
    d.expect(where, "deny booting", h.deny ? "yes" : "no", p.deny_booting ? "yes" : "no");
    if (!r || h.deny) return;
    d.expect(where, "ddns-hostname", r->hostname, get(p.parameters, "ddns-hostname"));
    if (!v4) return;
    d.expect(where, "host-name", r->hostname, get(p.options, "host-name"));
    d.expect(where, "next-server", r->next_server ? r->next_server->to_string() : "<absent>",
             get(p.parameters, "next-server"));
    boot::BootPlan parsed_plan;
    parsed_plan.rules = as_rules(p.boot_rules);
    for (const auto& [name, value] : p.options)
        if (auto code = syntax::option_code(name)) parsed_plan.options.push_back({*code, value});
    compare_rules(d, where, p.boot_rules, nullptr, &r->boot, &parsed_plan, intent);
}

}  // namespace

std::vector<std::string> compare_with_intent(const ParsedConfig& parsed, const intent::Intent& intent,
                                             net::Family family, const IscProfile& profile) {
    Differences d;
    if (parsed.first_line.rfind("#xCAT", 0) != 0) d.add("the first line does not start with #xCAT");
    d.expect("header", "omapi-key", intent.omapi_key.name, get(parsed.parameters, "omapi-key"));
    d.expect("header", "omapi-port",
             std::to_string(family == net::Family::v4 ? profile.omapi_port : profile.omapi_port6),
             get(parsed.parameters, "omapi-port"));
    bool key_found = false;
    for (const auto& k : parsed.keys)
        if (k.name == intent.omapi_key.name) {
            key_found = true;
            d.expect("key " + k.name, "algorithm", intent.omapi_key.algorithm, k.algorithm);
        }
    if (!key_found) d.add("header: no key block named " + intent.omapi_key.name);
    if (family == net::Family::v4) {
        d.expect("header", "client-architecture declaration", std::string("93 = unsigned integer 16"),
                 get(parsed.option_declarations, "client-architecture"));
        d.expect("header", "user-class-identifier declaration", std::string("77 = string"),
                 get(parsed.option_declarations, "user-class-identifier"));
        d.expect("header", "time zone", intent.timezone.empty() ? "<absent>" : intent.timezone,
                 get(parsed.options, "tcode"));
    }

    std::set<std::string> expected;
    for (const auto& s : intent.subnets) {
        if (s.family() != family) continue;
        expected.insert(s.prefix.to_string());
        const ParsedSubnet* p = parsed.subnet(s.prefix.to_string());
        if (!p) {
            d.add("subnet " + s.prefix.to_string() + " is missing from the file");
            continue;
        }
        compare_subnet(d, *p, s, intent, profile);
    }
    for (const auto& p : parsed.subnets)
        if (!expected.count(p.prefix)) d.add("subnet " + p.prefix + " is in the file but not in the intent");
    for (const auto& n : parsed.shared_networks) {
        d.expect("shared-network " + n.name, "end marker", n.name + " nic_end", n.end_marker);
        if (n.subnets.empty()) d.add("shared-network " + n.name + " is empty");
    }

    std::set<std::string> host_names;
    if (profile.static_hosts) {
        std::vector<const intent::Reservation*> reservations;
        for (const auto& s : intent.subnets)
            for (const auto& r : s.reservations) reservations.push_back(&r);
        for (const auto& r : intent.unplaced) reservations.push_back(&r);
        const auto objects = host_objects(intent);  // same order as `reservations`
        std::map<std::string, const ParsedHost*> by_name;
        for (const auto& h : parsed.hosts) by_name.emplace(h.name, &h);
        for (std::size_t i = 0; i < objects.size(); ++i) {
            const HostObject& h = objects[i];
            if (h.family != family) continue;
            host_names.insert(h.name);
            auto found = by_name.find(h.name);
            const ParsedHost* p = found == by_name.end() ? nullptr : found->second;
            if (!p) {
                d.add("host " + h.name + " is missing from the file");
                continue;
            }
            compare_host(d, *p, h, i < reservations.size() ? reservations[i] : nullptr, intent, profile);
        }
    }
    for (const auto& p : parsed.hosts)
        if (!host_names.count(p.name)) d.add("host " + p.name + " is in the file but not expected");
    return d.list;
}

}  // namespace xcatdhcp::render::isc
