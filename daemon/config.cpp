// config.cpp: strict YAML loader for Config. Every map is checked for duplicate and unknown keys
// (yaml-cpp keeps duplicates silently, so we walk the keys ourselves); every value for its type
// and range. Errors carry file:line:column (yaml-cpp marks are 0-based; we print 1-based).
#include "config.hpp"

#include <arpa/inet.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "default_config.hpp"
#include "digest.hpp"

namespace bounced {

std::string_view embedded_config_text() { return kEmbeddedConfig; }

std::filesystem::path default_state_dir() {
  if (const char* sd = std::getenv("STATE_DIRECTORY"); sd && *sd == '/') {
    std::string_view v = sd;  // systemd may pass several, colon-separated: take the first
    return std::filesystem::path(std::string(v.substr(0, v.find(':'))));
  }
  if (::geteuid() == 0) return "/var/lib/bounced";
  if (const char* x = std::getenv("XDG_STATE_HOME"); x && *x == '/')
    return std::filesystem::path(x) / "bounced";
  if (const char* h = std::getenv("HOME"); h && *h == '/')
    return std::filesystem::path(h) / ".local/state/bounced";
  return std::filesystem::current_path() / "var";
}

std::optional<std::chrono::seconds> parse_duration(std::string_view t) {
  if (t.empty()) return std::nullopt;
  std::uint64_t mult = 1;
  switch (t.back()) {
    case 's': mult = 1; t.remove_suffix(1); break;
    case 'm': mult = 60; t.remove_suffix(1); break;
    case 'h': mult = 3600; t.remove_suffix(1); break;
    case 'd': mult = 86400; t.remove_suffix(1); break;
    default: break;
  }
  std::uint64_t n = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
  if (t.empty() || ec != std::errc() || p != t.data() + t.size()) return std::nullopt;
  if (n > 10ull * 365 * 86400 / mult) return std::nullopt;  // ten years is plenty
  return std::chrono::seconds(n * mult);
}

std::optional<std::size_t> parse_size(std::string_view t) {
  if (t.empty()) return std::nullopt;
  std::uint64_t mult = 1;
  switch (t.back()) {
    case 'K': case 'k': mult = 1ull << 10; t.remove_suffix(1); break;
    case 'M': mult = 1ull << 20; t.remove_suffix(1); break;
    case 'G': mult = 1ull << 30; t.remove_suffix(1); break;
    default: break;
  }
  std::uint64_t n = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
  if (t.empty() || ec != std::errc() || p != t.data() + t.size()) return std::nullopt;
  if (n > (1ull << 40) / mult) return std::nullopt;
  return static_cast<std::size_t>(n * mult);
}

std::optional<ListenAddress> parse_listen_address(std::string_view t, std::string& error) {
  ListenAddress a;
  a.text = std::string(t);
  if (t.rfind("unix:", 0) == 0) {
    a.kind = ListenAddress::Kind::unix_socket;
    a.path = std::string(t.substr(5));
    if (a.path.empty()) {
      error = "unix: needs a socket path";
      return std::nullopt;
    }
    return a;
  }
  std::string_view host, port;
  if (!t.empty() && t.front() == '[') {
    auto close = t.find(']');
    if (close == std::string_view::npos || close + 1 >= t.size() || t[close + 1] != ':') {
      error = "expected [IPV6]:PORT";
      return std::nullopt;
    }
    host = t.substr(1, close - 1);
    port = t.substr(close + 2);
  } else {
    auto colon = t.rfind(':');
    if (colon == std::string_view::npos || t.find(':') != colon) {
      error = "expected HOST:PORT, [IPV6]:PORT or unix:PATH";
      return std::nullopt;
    }
    host = t.substr(0, colon);
    port = t.substr(colon + 1);
  }
  unsigned p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (host.empty() || port.empty() || ec != std::errc() || end != port.data() + port.size() || p > 65535) {
    error = "bad host or port in '" + std::string(t) + "'";
    return std::nullopt;
  }
  a.host = std::string(host);
  a.port = static_cast<std::uint16_t>(p);
  return a;
}

namespace {

// Collects errors with positions while walking the document.
class Checker {
 public:
  Checker(std::string source, std::vector<std::string>& errors) : source_(std::move(source)), errors_(errors) {}

  void error(const YAML::Node& at, const std::string& message) {
    const auto m = at.Mark();
    errors_.push_back(source_ + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) + ": " +
                      message);
  }
  void error(const YAML::Mark& m, const std::string& message) {
    errors_.push_back(source_ + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) + ": " +
                      message);
  }
  bool ok() const { return errors_.empty(); }
  std::size_t errors() const { return errors_.size(); }

  // Checks `node` is a map whose keys are unique scalars from `allowed`. Returns false if not a map.
  bool check_map(const YAML::Node& node, const std::string& what, std::initializer_list<std::string_view> allowed) {
    if (!node.IsMap()) {
      error(node, what + " must be a mapping");
      return false;
    }
    std::set<std::string> seen;
    for (const auto& kv : node) {
      if (!kv.first.IsScalar()) {
        error(kv.first, "keys in " + what + " must be plain names");
        continue;
      }
      const std::string key = kv.first.Scalar();
      if (!seen.insert(key).second) error(kv.first, "duplicate key '" + key + "' in " + what);
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string list;
        for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        error(kv.first, "unknown key '" + key + "' in " + what + " (known: " + list + ")");
      }
    }
    return true;
  }

  std::optional<std::string> scalar(const YAML::Node& n, const std::string& key) {
    if (!n.IsScalar()) {
      error(n, "'" + key + "' must be a single value");
      return std::nullopt;
    }
    return n.Scalar();
  }
  void string(const YAML::Node& map, const char* key, std::string& out) {
    if (auto n = map[key]) {
      if (auto s = scalar(n, key)) out = *s;
    }
  }
  void path(const YAML::Node& map, const char* key, std::filesystem::path& out) {
    if (auto n = map[key]) {
      if (auto s = scalar(n, key)) {
        if (s->empty()) error(n, "'" + std::string(key) + "' must not be empty");
        else out = *s;
      }
    }
  }
  void boolean(const YAML::Node& map, const char* key, bool& out) {
    if (auto n = map[key]) {
      if (auto s = scalar(n, key)) {
        if (*s == "true") out = true;
        else if (*s == "false") out = false;
        else error(n, "'" + std::string(key) + "' must be true or false, not '" + *s + "'");
      }
    }
  }
  void count(const YAML::Node& map, const char* key, std::size_t& out, std::size_t lo, std::size_t hi) {
    if (auto n = map[key]) {
      if (auto s = scalar(n, key)) {
        std::size_t v = 0;
        auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
        if (s->empty() || ec != std::errc() || p != s->data() + s->size())
          error(n, "'" + std::string(key) + "' must be a whole number, not '" + *s + "'");
        else if (v < lo || v > hi)
          error(n, "'" + std::string(key) + "' must be between " + std::to_string(lo) + " and " + std::to_string(hi));
        else out = v;
      }
    }
  }
  void size(const YAML::Node& map, const char* key, std::size_t& out, std::size_t lo, std::size_t hi) {
    if (auto n = map[key]) {
      if (auto s = scalar(n, key)) {
        auto v = parse_size(*s);
        if (!v) error(n, "'" + std::string(key) + "' must be a size such as 65536, 64K or 32M, not '" + *s + "'");
        else if (*v < lo || *v > hi)
          error(n, "'" + std::string(key) + "' must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                       " bytes");
        else out = *v;
      }
    }
  }
  void duration(const YAML::Node& map, const char* key, std::chrono::seconds& out, std::chrono::seconds lo) {
    if (auto n = map[key]) {
      if (auto s = scalar(n, key)) {
        auto v = parse_duration(*s);
        if (!v) error(n, "'" + std::string(key) + "' must be a duration such as 30s, 5m, 2h or 7d, not '" + *s + "'");
        else if (*v < lo) error(n, "'" + std::string(key) + "' must be at least " + std::to_string(lo.count()) + "s");
        else out = *v;
      }
    }
  }

 private:
  std::string source_;
  std::vector<std::string>& errors_;
};

constexpr std::string_view kLogLevels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};

void load_lmtp(Checker& c, const YAML::Node& n, LmtpConfig& l) {
  if (!c.check_map(n, "lmtp",
                   {"listen", "hostname", "max_connections", "max_message_size", "max_recipients", "max_line_length",
                    "max_data_line", "max_errors", "idle_timeout", "command_timeout", "commit_timeout",
                    "unix_socket_mode"}))
    return;
  if (auto ls = n["listen"]) {
    if (!ls.IsSequence()) {
      c.error(ls, "'listen' must be a list of addresses");
    } else {
      l.listen.clear();
      for (const auto& item : ls) {
        auto s = c.scalar(item, "listen");
        if (!s) continue;
        std::string err;
        if (auto a = parse_listen_address(*s, err)) l.listen.push_back(*a);
        else c.error(item, err);
      }
    }
  }
  c.string(n, "hostname", l.hostname);
  c.count(n, "max_connections", l.max_connections, 1, 100000);
  c.size(n, "max_message_size", l.max_message_size, 1024, 32u << 20);
  c.count(n, "max_recipients", l.max_recipients, 1, 100000);
  c.size(n, "max_line_length", l.max_line_length, 512, 1u << 20);
  c.size(n, "max_data_line", l.max_data_line, 1000, 32u << 20);
  c.count(n, "max_errors", l.max_errors, 1, 1000);
  c.duration(n, "idle_timeout", l.idle_timeout, std::chrono::seconds(1));
  c.duration(n, "command_timeout", l.command_timeout, std::chrono::seconds(1));
  c.duration(n, "commit_timeout", l.commit_timeout, std::chrono::seconds(1));
  if (auto m = n["unix_socket_mode"]) {
    if (auto s = c.scalar(m, "unix_socket_mode")) {
      unsigned v = 0;
      auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v, 8);
      if (s->empty() || ec != std::errc() || p != s->data() + s->size() || v > 0777)
        c.error(m, "'unix_socket_mode' must be an octal mode such as \"0660\", not '" + *s + "'");
      else l.unix_socket_mode = v;
    }
  }
}

void load_maildirs(Checker& c, const YAML::Node& n, std::vector<MaildirConfig>& out) {
  if (!n.IsSequence()) {
    c.error(n, "'maildirs' must be a list (use [] for none)");
    return;
  }
  out.clear();
  for (const auto& item : n) {
    if (!c.check_map(item, "a maildirs entry", {"path", "after", "folder"})) continue;
    MaildirConfig m;
    if (!item["path"]) c.error(item, "a maildirs entry needs 'path'");
    c.path(item, "path", m.path);
    std::string after = "seen";
    c.string(item, "after", after);
    if (after == "seen") m.after = MaildirConfig::After::mark_seen;
    else if (after == "move") m.after = MaildirConfig::After::move;
    else if (after == "delete") m.after = MaildirConfig::After::remove;
    else c.error(item["after"], "'after' must be seen, move or delete, not '" + after + "'");
    c.path(item, "folder", m.folder);
    if (m.after == MaildirConfig::After::move && m.folder.empty())
      c.error(item, "'after: move' needs 'folder' (the Maildir to move processed mail into)");
    if (m.after != MaildirConfig::After::move && item["folder"])
      c.error(item["folder"], "'folder' is only used with 'after: move'");
    out.push_back(std::move(m));
  }
}

void load_sinks(Checker& c, const YAML::Node& n, std::vector<SinkConfig>& out) {
  if (!n.IsSequence()) {
    c.error(n, "'sinks' must be a list");
    return;
  }
  out.clear();
  for (const auto& item : n) {
    if (!item.IsMap() || !item["type"]) {
      c.error(item, "a sinks entry must be a mapping with 'type' (jsonl, log or sqlite)");
      continue;
    }
    SinkConfig s;
    s.line = item.Mark().line + 1;
    c.string(item, "type", s.type);
    if (s.type == "jsonl") {
      if (!c.check_map(item, "a jsonl sink", {"type", "path", "fsync"})) continue;
      s.path = "bounces.jsonl";
      c.path(item, "path", s.path);
      c.boolean(item, "fsync", s.fsync);
    } else if (s.type == "log") {
      if (!c.check_map(item, "a log sink", {"type"})) continue;
    } else if (s.type == "sqlite") {  // the list-hygiene store (docs/list-hygiene.md)
      if (!c.check_map(item, "a sqlite sink", {"type", "path", "fsync"})) continue;
      s.path = "bounced.db";
      c.path(item, "path", s.path);
      c.boolean(item, "fsync", s.fsync);
    } else {
      c.error(item["type"], "unknown sink type '" + s.type + "' (known: jsonl, log, sqlite)");
      continue;
    }
    out.push_back(std::move(s));
  }
  for (std::size_t i = 0; i < out.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (out[i].type == out[j].type && !out[i].path.empty() && out[i].path == out[j].path)
        c.error(n, "two " + out[i].type + " sinks write the same file '" + out[i].path.string() + "'");
}

void load_dedup(Checker& c, const YAML::Node& n, DedupConfig& d) {
  if (!c.check_map(n, "dedup", {"path", "horizon", "max_entries"})) return;
  c.path(n, "path", d.path);
  c.duration(n, "horizon", d.horizon, std::chrono::seconds(60));
  c.count(n, "max_entries", d.max_entries, 1000, 100000000);
}

// A list of plain strings (for domain group patterns).
void string_list(Checker& c, const YAML::Node& map, const char* key, std::vector<std::string>& out) {
  const auto n = map[key];
  if (!n) return;
  if (!n.IsSequence()) {
    c.error(n, "'" + std::string(key) + "' must be a list");
    return;
  }
  out.clear();
  for (const auto& item : n)
    if (auto s = c.scalar(item, key)) out.push_back(*s);
}

// "30%" or a plain share such as 0.3.
std::optional<double> parse_share(std::string_view t) {
  double scale = 1;
  if (!t.empty() && t.back() == '%') {
    scale = 100;
    t.remove_suffix(1);
  }
  double v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || p != t.data() + t.size()) return std::nullopt;
  return v / scale;
}

bool numeric_host(const std::string& h) {
  unsigned char buf[16];
  return h == "localhost" || h == "*" || ::inet_pton(AF_INET, h.c_str(), buf) == 1 ||
         ::inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

void load_metrics(Checker& c, const YAML::Node& n, MetricsConfig& m) {
  if (!c.check_map(n, "metrics", {"listen", "max_connections", "read_timeout", "domain_groups", "transient_alerts"}))
    return;
  if (auto l = n["listen"]) {
    if (auto s = c.scalar(l, "listen")) {
      if (s->empty() || *s == "false") {
        m.listen.reset();
      } else {
        std::string err;
        auto a = parse_listen_address(*s, err);
        if (!a) c.error(l, err);
        else if (a->kind != ListenAddress::Kind::tcp)
          c.error(l, "the metrics endpoint listens on TCP only (HOST:PORT), not '" + *s + "'");
        else if (!numeric_host(a->host))
          c.error(l, "metrics 'listen' host must be a numeric IP address, localhost or *, not '" + a->host + "'");
        else m.listen = *a;
      }
    }
  }
  c.count(n, "max_connections", m.max_connections, 1, 1000);
  c.duration(n, "read_timeout", m.read_timeout, std::chrono::seconds(1));
  if (auto g = n["domain_groups"]) {
    if (!g.IsSequence()) {
      c.error(g, "'domain_groups' must be a list of {name, domains, mx} (omit it for the built-in list)");
    } else {
      std::vector<DomainGroup> groups;
      bool ok = true;
      for (const auto& item : g) {
        if (!c.check_map(item, "a domain_groups entry", {"name", "domains", "mx"})) {
          ok = false;
          continue;
        }
        DomainGroup d;
        if (!item["name"]) c.error(item, "a domain_groups entry needs 'name'");
        c.string(item, "name", d.name);
        string_list(c, item, "domains", d.domains);
        string_list(c, item, "mx", d.mx);
        if (auto why = validate_domain_groups({d}); !why.empty()) {
          c.error(item, why);
          ok = false;
        }
        groups.push_back(std::move(d));
      }
      if (ok) {
        if (auto why = validate_domain_groups(groups); !why.empty()) c.error(g, why);
      }
      m.domain_groups = std::move(groups);
    }
  }
  if (auto a = n["transient_alerts"]) {
    if (!c.check_map(a, "transient_alerts", {"enabled", "window", "threshold", "min_volume"})) return;
    c.boolean(a, "enabled", m.alerts);
    std::chrono::seconds window(m.alert.window_seconds);
    c.duration(a, "window", window, std::chrono::seconds(60));
    if (window > std::chrono::hours(24 * 7)) c.error(a["window"], "'window' must be at most 7d");
    m.alert.window_seconds = window.count();
    if (auto t = a["threshold"]) {
      if (auto s = c.scalar(t, "threshold")) {
        auto v = parse_share(*s);
        if (!v || !(*v > 0 && *v <= 1))
          c.error(t, "'threshold' must be a share such as 0.3 or 30% (above 0, at most 1), not '" + *s + "'");
        else m.alert.threshold = *v;
      }
    }
    std::size_t min_volume = m.alert.min_volume;
    c.count(a, "min_volume", min_volume, 1, 100000000);
    m.alert.min_volume = min_volume;
  }
}

// Reads a secret from a file: at most 4 KiB, trailing newlines removed, not empty.
bool read_secret_file(const std::filesystem::path& path, std::string& out, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read " + path.string() + ": " + std::strerror(errno);
    return false;
  }
  std::string data(4097, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<std::size_t>(in.gcount()));
  while (!data.empty() && (data.back() == '\n' || data.back() == '\r')) data.pop_back();
  if (data.empty() || data.size() > 4096) {
    error = path.string() + " must hold a secret of 1 to 4096 bytes";
    return false;
  }
  out = std::move(data);
  return true;
}

void load_policy_override(Checker& c, const YAML::Node& n, const std::string& what, PolicyOverride& o) {
  if (auto h = n["hard"]) {
    if (auto s = c.scalar(h, "hard")) {
      if (*s == "suppress") o.hard = HardBounceAction::suppress;
      else if (*s == "count_as_soft") o.hard = HardBounceAction::count_as_soft;
      else c.error(h, "'hard' must be suppress or count_as_soft, not '" + *s + "'");
    }
  }
  auto number = [&](const char* key, std::optional<int>& out, std::size_t lo, std::size_t hi) {
    if (!n[key]) return;
    std::size_t v = 0;
    const auto before = c.errors();
    c.count(n, key, v, lo, hi);
    if (c.errors() == before) out = static_cast<int>(v);
  };
  number("soft_threshold", o.soft_threshold, 1, 1000);
  number("soft_min_span_days", o.soft_min_span_days, 0, 3650);
  number("soft_stale_days", o.soft_stale_days, 1, 3650);
  auto flag = [&](const char* key, std::optional<bool>& out) {
    if (!n[key]) return;
    bool v = false;
    const auto before = c.errors();
    c.boolean(n, key, v);
    if (c.errors() == before) out = v;
  };
  flag("count_delayed", o.count_delayed);
  flag("require_verified", o.require_verified);
  if (auto h = n["complaints"]) {
    if (auto s = c.scalar(h, "complaints")) {
      if (*s == "suppress") o.complaints = ComplaintAction::suppress;
      else if (*s == "ignore") o.complaints = ComplaintAction::ignore;
      else c.error(h, "'complaints' must be suppress or ignore, not '" + *s + "'");
    }
  }
  (void)what;
}

void load_policy(Checker& c, const YAML::Node& n, PolicySet& set) {
  if (!c.check_map(n, "hygiene.policy", {"hard", "soft_threshold", "soft_min_span_days", "soft_stale_days",
                                         "count_delayed", "complaints", "require_verified", "lists"}))
    return;
  PolicyOverride d;
  load_policy_override(c, n, "hygiene.policy", d);
  apply_override(set.defaults, d);
  if (auto lists = n["lists"]) {
    if (!lists.IsMap()) {
      c.error(lists, "'lists' must map list names to policy settings");
      return;
    }
    for (const auto& kv : lists) {
      const std::string name = kv.first.IsScalar() ? kv.first.Scalar() : "";
      if (!is_valid_list_name(name)) {
        c.error(kv.first, "list name '" + name + "' must be letters, digits, '.', '_' and '-' (at most 64)");
        continue;
      }
      if (set.lists.count(name)) {
        c.error(kv.first, "duplicate list '" + name + "' in hygiene.policy.lists");
        continue;
      }
      const std::string what = "hygiene.policy.lists." + name;
      if (!c.check_map(kv.second, what,
                       {"hard", "soft_threshold", "soft_min_span_days", "soft_stale_days", "count_delayed",
                        "complaints", "require_verified"}))
        continue;
      PolicyOverride o;
      load_policy_override(c, kv.second, what, o);
      Policy effective = set.defaults;
      apply_override(effective, o);
      if (const auto e = validate(effective); !e.empty()) c.error(kv.second, what + ": " + e);
      set.lists.emplace(name, o);
    }
  }
  if (const auto e = validate(set.defaults); !e.empty()) c.error(n, "hygiene.policy: " + e);
}

void load_verp(Checker& c, const YAML::Node& n, HygieneConfig& h) {
  if (!c.check_map(n, "hygiene.verp", {"enabled", "prefix", "separator", "equals", "list_placement", "list_joiner",
                                       "hosts", "secret_file", "tag_length", "tag_encoding"}))
    return;
  auto& a = h.attribution;
  c.boolean(n, "enabled", a.verp);
  c.string(n, "prefix", a.scheme.prefix);
  auto one_char = [&](const char* key, char& out) {
    std::string v(1, out);
    c.string(n, key, v);
    if (v.size() != 1) c.error(n[key], "'" + std::string(key) + "' must be one character");
    else out = v[0];
  };
  one_char("separator", a.scheme.separator);
  one_char("equals", a.scheme.equals);
  one_char("list_joiner", a.scheme.list_joiner);
  if (auto p = n["list_placement"]) {
    if (auto s = c.scalar(p, "list_placement")) {
      if (*s == "before_prefix") a.scheme.list_placement = VerpListPlacement::before_prefix;
      else if (*s == "field") a.scheme.list_placement = VerpListPlacement::field;
      else c.error(p, "'list_placement' must be before_prefix or field, not '" + *s + "'");
    }
  }
  if (auto hosts = n["hosts"]) {
    if (!hosts.IsSequence()) c.error(hosts, "'hosts' must be a list of host names");
    else
      for (const auto& item : hosts)
        if (auto s = c.scalar(item, "hosts")) a.scheme.hosts.push_back(*s);
  }
  c.path(n, "secret_file", h.verp_secret_file);
  c.count(n, "tag_length", a.signing.tag_length, 4, 64);
  if (auto e = n["tag_encoding"]) {
    if (auto s = c.scalar(e, "tag_encoding")) {
      if (*s == "base32") a.signing.encoding = VerpTagEncoding::base32;
      else if (*s == "hex") a.signing.encoding = VerpTagEncoding::hex;
      else c.error(e, "'tag_encoding' must be base32 or hex, not '" + *s + "'");
    }
  }
  if (const auto e = validate(a.scheme); !e.empty()) c.error(n, "hygiene.verp: " + e);
}

void load_attribution(Checker& c, const YAML::Node& n, AttributionConfig& a) {
  if (!c.check_map(n, "hygiene.attribution", {"list_ids", "list_from_list_id", "subscriber_header", "list_header"}))
    return;
  c.boolean(n, "list_from_list_id", a.list_from_list_id);
  if (auto ids = n["list_ids"]) {
    if (!ids.IsMap()) {
      c.error(ids, "'list_ids' must map List-Id identifiers to list names");
    } else {
      for (const auto& kv : ids) {
        auto id = c.scalar(kv.first, "list_ids");
        auto list = c.scalar(kv.second, "list_ids");
        if (!id || !list) continue;
        if (!is_valid_list_name(*list)) {
          c.error(kv.second, "list name '" + *list + "' must be letters, digits, '.', '_' and '-' (at most 64)");
          continue;
        }
        std::string key = *id;
        for (char& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (!a.list_ids.emplace(key, *list).second) c.error(kv.first, "duplicate List-Id '" + *id + "'");
      }
    }
  }
  auto header = [&](const char* key, std::string& out) {
    c.string(n, key, out);
    if (!out.empty() && (out.size() > 76 || out.find_first_of(" \t:") != std::string::npos))
      c.error(n[key], "'" + std::string(key) + "' must be a header field name such as X-Listmonk-Subscriber");
  };
  header("subscriber_header", a.subscriber_header);
  header("list_header", a.list_header);
}

constexpr std::string_view kEvents[] = {"suppressed", "lifted", "alert", "resolved"};

void load_actions(Checker& c, const YAML::Node& n, std::vector<ActionConfig>& out) {
  if (!n.IsSequence()) {
    c.error(n, "'actions' must be a list (use [] for none)");
    return;
  }
  for (const auto& item : n) {
    if (!item.IsMap() || !item["type"]) {
      c.error(item, "an actions entry must be a mapping with 'type' (webhook or command)");
      continue;
    }
    ActionConfig a;
    a.line = item.Mark().line + 1;
    std::string type;
    c.string(item, "type", type);
    if (type == "webhook") {
      if (!c.check_map(item, "a webhook action",
                       {"type", "name", "url", "secret", "secret_file", "listmonk", "basic_auth_file", "timeout",
                        "events"}))
        continue;
      a.target.type = ActionTarget::Type::webhook;
      auto& w = a.target.webhook;
      if (!item["url"]) c.error(item, "a webhook action needs 'url'");
      c.string(item, "url", w.url);
      if (item["url"] && w.url.rfind("http://", 0) != 0 && w.url.rfind("https://", 0) != 0)
        c.error(item["url"], "'url' must start with http:// or https://");
      c.string(item, "secret", w.secret);
      if (item["secret"] && item["secret_file"]) c.error(item["secret_file"], "give 'secret' or 'secret_file', not both");
      std::filesystem::path secret_file, auth_file;
      c.path(item, "secret_file", secret_file);
      c.path(item, "basic_auth_file", auth_file);
      // Files are read once paths are resolved (load_config); remembered here.
      a.secret_file = secret_file;
      a.basic_auth_file = auth_file;
      c.boolean(item, "listmonk", w.listmonk);
      c.duration(item, "timeout", w.timeout, std::chrono::seconds(1));
      a.events = w.listmonk ? std::vector<std::string>{"suppressed"}
                            : std::vector<std::string>(std::begin(kEvents), std::end(kEvents));
    } else if (type == "command") {
      if (!c.check_map(item, "a command action", {"type", "name", "argv", "timeout", "events"})) continue;
      a.target.type = ActionTarget::Type::command;
      auto& cmd = a.target.command;
      const auto argv = item["argv"];
      if (!argv || !argv.IsSequence() || argv.size() == 0) {
        c.error(argv ? argv : item, "a command action needs 'argv': a non-empty list (program first; no shell)");
      } else {
        for (const auto& arg : argv)
          if (auto s = c.scalar(arg, "argv")) cmd.argv.push_back(*s);
        if (!cmd.argv.empty() && cmd.argv[0].empty()) c.error(argv, "'argv' must start with a program");
      }
      c.duration(item, "timeout", cmd.timeout, std::chrono::seconds(1));
      a.events = {"suppressed"};
    } else {
      c.error(item["type"], "unknown action type '" + type + "' (known: webhook, command)");
      continue;
    }
    a.name = type;
    c.string(item, "name", a.name);
    if (a.name.empty() || a.name.size() > 64 || a.name.find_first_of(" \t\n") != std::string::npos)
      c.error(item["name"] ? item["name"] : item, "an action 'name' must be 1 to 64 characters without spaces");
    if (auto ev = item["events"]) {
      if (!ev.IsSequence()) {
        c.error(ev, "'events' must be a list of suppressed, lifted, alert, resolved");
      } else {
        a.events.clear();
        for (const auto& e : ev) {
          auto s = c.scalar(e, "events");
          if (!s) continue;
          if (std::find(std::begin(kEvents), std::end(kEvents), *s) == std::end(kEvents))
            c.error(e, "unknown event '" + *s + "' (known: suppressed, lifted, alert, resolved)");
          else if (std::find(a.events.begin(), a.events.end(), *s) == a.events.end())
            a.events.push_back(*s);
        }
      }
    }
    for (const auto& other : out)
      if (other.name == a.name)
        c.error(item, "two actions are named '" + a.name + "' (give each a distinct 'name')");
    out.push_back(std::move(a));
  }
}

void load_outbox(Checker& c, const YAML::Node& n, OutboxConfig& o) {
  if (!c.check_map(n, "hygiene.outbox", {"poll", "retry_first", "retry_max", "batch"})) return;
  c.duration(n, "poll", o.poll, std::chrono::seconds(1));
  c.duration(n, "retry_first", o.retry_first, std::chrono::seconds(1));
  c.duration(n, "retry_max", o.retry_max, std::chrono::seconds(1));
  c.count(n, "batch", o.batch, 1, 10000);
  if (o.retry_max < o.retry_first) c.error(n, "hygiene.outbox: 'retry_max' must not be less than 'retry_first'");
}

void load_hygiene(Checker& c, const YAML::Node& n, HygieneConfig& h) {
  if (!c.check_map(n, "hygiene", {"policy", "verp", "attribution", "actions", "outbox"})) return;
  if (auto p = n["policy"]) load_policy(c, p, h.policy);
  if (auto v = n["verp"]) load_verp(c, v, h);
  if (auto a = n["attribution"]) load_attribution(c, a, h.attribution);
  if (auto a = n["actions"]) load_actions(c, a, h.actions);
  if (auto o = n["outbox"]) load_outbox(c, o, h.outbox);
}

std::filesystem::path resolve(const std::filesystem::path& base, const std::filesystem::path& p) {
  return p.is_absolute() ? p.lexically_normal() : (base / p).lexically_normal();
}

}  // namespace

std::optional<Config> load_config(std::string_view text, const std::string& source, std::vector<std::string>& errors) {
  errors.clear();
  Checker c(source, errors);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    c.error(e.mark, e.msg);
    return std::nullopt;
  }
  Config cfg;
  cfg.source = source;
  cfg.lmtp.listen.clear();
  std::string state_dir = "auto";
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);  // an empty file takes every default
  if (!c.check_map(root, "the top level",
                   {"state_dir", "log_level", "null_mode", "shutdown_timeout", "workers", "lmtp", "maildirs",
                    "quarantine", "sinks", "dedup", "metrics", "hygiene"}))
    return std::nullopt;
  c.string(root, "state_dir", state_dir);
  if (state_dir.empty()) c.error(root["state_dir"], "'state_dir' must not be empty (use auto)");
  c.string(root, "log_level", cfg.log_level);
  if (std::find(std::begin(kLogLevels), std::end(kLogLevels), cfg.log_level) == std::end(kLogLevels))
    c.error(root["log_level"], "'log_level' must be one of trace, debug, info, warn, error, critical, off");
  c.boolean(root, "null_mode", cfg.null_mode);
  c.duration(root, "shutdown_timeout", cfg.shutdown_timeout, std::chrono::seconds(0));
  if (auto n = root["workers"]) {
    if (auto s = c.scalar(n, "workers"); s && *s != "auto") {
      std::size_t v = 0;
      auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
      if (s->empty() || ec != std::errc() || p != s->data() + s->size() || v < 1 || v > 64)
        c.error(n, "'workers' must be auto or a whole number from 1 to 64, not '" + *s + "'");
      else cfg.workers = v;
    }
  }
  if (auto n = root["lmtp"]) load_lmtp(c, n, cfg.lmtp);
  if (auto n = root["maildirs"]) load_maildirs(c, n, cfg.maildirs);
  cfg.quarantine = "quarantine";
  c.path(root, "quarantine", cfg.quarantine);
  if (auto n = root["sinks"]) load_sinks(c, n, cfg.sinks);
  else cfg.sinks = {SinkConfig{"jsonl", "bounces.jsonl", true, 0}, SinkConfig{"log", {}, true, 0}};
  cfg.dedup.path = "seen.log";
  if (auto n = root["dedup"]) load_dedup(c, n, cfg.dedup);
  if (auto n = root["metrics"]) load_metrics(c, n, cfg.metrics);
  if (auto n = root["hygiene"]) load_hygiene(c, n, cfg.hygiene);
  if (!c.ok()) return std::nullopt;

  // Paths: state_dir is absolute (relative = against the working directory); the rest against it.
  cfg.state_dir = state_dir == "auto" ? default_state_dir() : std::filesystem::absolute(state_dir).lexically_normal();
  const auto& base = cfg.state_dir;
  for (auto& l : cfg.lmtp.listen)
    if (l.kind == ListenAddress::Kind::unix_socket) l.path = resolve(base, l.path);
  for (auto& m : cfg.maildirs) {
    m.path = resolve(base, m.path);
    if (!m.folder.empty()) m.folder = resolve(base, m.folder);
  }
  cfg.quarantine = resolve(base, cfg.quarantine);
  for (auto& s : cfg.sinks)
    if (!s.path.empty()) s.path = resolve(base, s.path);
  cfg.dedup.path = resolve(base, cfg.dedup.path);
  // Secrets live in files (never in the config): read them now that paths are resolved.
  auto secret = [&](const YAML::Node& at, std::filesystem::path& file, std::string& out) {
    if (file.empty()) return;
    file = resolve(base, file);
    std::string error;
    if (!read_secret_file(file, out, error)) c.error(at, error);
  };
  if (!cfg.hygiene.verp_secret_file.empty()) {
    secret(root["hygiene"]["verp"]["secret_file"], cfg.hygiene.verp_secret_file, cfg.hygiene.attribution.signing.secret);
    if (const auto e = validate(cfg.hygiene.attribution.signing); !e.empty())
      c.error(root["hygiene"]["verp"]["secret_file"], "hygiene.verp: " + e);
  }
  for (std::size_t i = 0; i < cfg.hygiene.actions.size(); ++i) {
    auto& a = cfg.hygiene.actions[i];
    const auto node = root["hygiene"]["actions"][i];
    secret(node["secret_file"], a.secret_file, a.target.webhook.secret);
    secret(node["basic_auth_file"], a.basic_auth_file, a.target.webhook.basic_auth);
  }
  if (!cfg.hygiene.actions.empty() && cfg.store_path().empty())
    c.error(root["hygiene"]["actions"], "actions are delivered from the store's outbox: add a 'type: sqlite' sink");
  if (cfg.hygiene.policy.defaults.require_verified && !cfg.hygiene.attribution.signing.enabled())
    c.error(root["hygiene"]["policy"]["require_verified"],
            "'require_verified' needs signed VERP (hygiene.verp.secret_file)");
  for (const auto& l : cfg.lmtp.listen)
    if (l.kind == ListenAddress::Kind::unix_socket && l.path.string().size() >= 108)
      c.error(root["lmtp"]["listen"], "unix socket path too long (max 107 bytes): " + l.path.string());
  for (std::size_t i = 0; i < cfg.maildirs.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (cfg.maildirs[i].path == cfg.maildirs[j].path)
        c.error(root["maildirs"], "Maildir '" + cfg.maildirs[i].path.string() + "' is listed twice");
  for (const auto& m : cfg.maildirs)
    if (m.path == cfg.quarantine) c.error(root["maildirs"], "a watched Maildir cannot be the quarantine");
  if (!c.ok()) return std::nullopt;
  return cfg;
}

std::vector<OutboxTarget> HygieneConfig::outbox_targets() const {
  std::vector<OutboxTarget> out;
  for (const auto& a : actions) out.push_back(OutboxTarget{a.name, a.events});
  return out;
}

std::string HygieneConfig::summary() const {
  auto policy_text = [](const Policy& p) {
    return std::to_string(int(p.hard)) + "," + std::to_string(p.soft_threshold) + "," +
           std::to_string(p.soft_min_span_days) + "," + std::to_string(p.soft_stale_days) + "," +
           std::to_string(p.count_delayed) + "," + std::to_string(int(p.complaints)) + "," +
           std::to_string(p.require_verified);
  };
  std::string s = policy_text(policy.defaults);
  for (const auto& [name, o] : policy.lists) {
    Policy p = policy.defaults;
    apply_override(p, o);
    s += "|" + name + ":" + policy_text(p);
  }
  const auto& a = attribution;
  s += "|verp:" + std::to_string(a.verp) + a.scheme.prefix + a.scheme.separator + a.scheme.equals +
       std::to_string(int(a.scheme.list_placement)) + a.scheme.list_joiner + std::to_string(a.signing.tag_length) +
       std::to_string(int(a.signing.encoding)) + verp_secret_file.string() + "#" +
       digest::sha256_hex(a.signing.secret);
  for (const auto& h : a.scheme.hosts) s += "," + h;
  for (const auto& [id, list] : a.list_ids) s += "|" + id + "=" + list;
  s += "|" + std::to_string(a.list_from_list_id) + a.subscriber_header + "|" + a.list_header;
  for (const auto& x : actions) {
    const auto& w = x.target.webhook;
    s += "|" + x.name + ":" + std::to_string(int(x.target.type)) + w.url + std::to_string(w.listmonk) +
         std::to_string(w.timeout.count()) + digest::sha256_hex(w.secret + "\n" + w.basic_auth) +
         std::to_string(x.target.command.timeout.count());
    for (const auto& arg : x.target.command.argv) s += " " + arg;
    for (const auto& e : x.events) s += "," + e;
  }
  s += "|" + std::to_string(outbox.poll.count()) + "," + std::to_string(outbox.retry_first.count()) + "," +
       std::to_string(outbox.retry_max.count()) + "," + std::to_string(outbox.batch);
  return s;
}

std::filesystem::path Config::store_path() const {
  for (const auto& s : sinks)
    if (s.type == "sqlite") return s.path;
  return {};
}

std::optional<Config> load_config_file(const std::string& path, std::vector<std::string>& errors) {
  if (path.empty()) return load_config(embedded_config_text(), "<embedded>", errors);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    errors = {path + ": cannot open: " + std::strerror(errno)};
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (ss.str().size() > (1u << 20)) {
    errors = {path + ": larger than 1 MiB; not a bounced config"};
    return std::nullopt;
  }
  return load_config(ss.str(), path, errors);
}

}  // namespace bounced
