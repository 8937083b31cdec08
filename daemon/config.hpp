// config.hpp: the daemon's configuration (one YAML file, or the embedded config/bounced.yaml) and its
// strict loader. Unknown keys, duplicate keys, wrong types and bad values are errors that name
// file:line:column. Relative paths resolve against state_dir once loading succeeds.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "failure_monitor.hpp"
#include "attribution.hpp"
#include "outbox_delivery.hpp"
#include "policy.hpp"

namespace bounced {

// One LMTP listener: "HOST:PORT" / "[V6]:PORT" (TCP) or "unix:PATH".
struct ListenAddress {
  enum class Kind { tcp, unix_socket } kind = Kind::tcp;
  std::string host;            // tcp
  std::uint16_t port = 0;      // tcp
  std::filesystem::path path;  // unix_socket (absolute after loading)
  std::string text;            // as written, for messages
};

struct LmtpConfig {
  std::vector<ListenAddress> listen;
  std::string hostname;                      // greeting/LHLO name; "" = gethostname()
  std::size_t max_connections = 512;
  std::size_t max_message_size = 32u << 20;  // bytes; advertised with SIZE
  std::size_t max_recipients = 1000;         // per transaction
  std::size_t max_line_length = 2048;        // command line, CRLF included
  std::size_t max_data_line = 65536;         // one line of message text, CRLF included
  std::size_t max_errors = 10;               // bad commands before 421 and close
  std::chrono::seconds idle_timeout{300};    // waiting for a command outside a transaction
  std::chrono::seconds command_timeout{300}; // each read inside a transaction (commands and DATA)
  std::chrono::seconds commit_timeout{60};   // waiting for the results to be durable, then 451
  unsigned unix_socket_mode = 0660;
};

struct MaildirConfig {
  enum class After { mark_seen, move, remove };  // cur/ with :2,S | another Maildir | unlink
  std::filesystem::path path;
  After after = After::mark_seen;
  std::filesystem::path folder;  // when after == move
};

struct SinkConfig {
  std::string type;              // "jsonl" | "log" | "sqlite"
  std::filesystem::path path;    // jsonl, sqlite
  bool fsync = true;             // jsonl
  int line = 0;                  // where it was declared (1-based), for messages
};

struct DedupConfig {
  std::filesystem::path path;               // the append-only log of processed message hashes
  std::chrono::seconds horizon{86400};      // how long a message is remembered
  std::size_t max_entries = 200000;         // and at most this many (oldest forgotten first)
};

// The /metrics endpoint and the transient-failure alerts (docs/metrics.md).
struct MetricsConfig {
  std::optional<ListenAddress> listen;        // TCP only; nullopt = no HTTP endpoint
  std::size_t max_connections = 16;           // more are closed at once
  std::chrono::seconds read_timeout{10};      // per request (and per idle keep-alive wait)
  std::vector<DomainGroup> domain_groups = default_domain_groups();
  bool alerts = true;                         // transient-failure alerts
  FailureMonitorConfig alert;                 // window, threshold, min_volume
};

// One `hygiene.actions` entry: where suppression / lift / alert events are delivered from the outbox.
struct ActionConfig {
  std::string name;                 // the outbox rows' target
  ActionTarget target;              // webhook or command (outbox_delivery.hpp)
  std::vector<std::string> events;  // which events it receives
  std::filesystem::path secret_file, basic_auth_file;  // webhook: where the secrets were read from
  int line = 0;
};

struct OutboxConfig {
  std::chrono::seconds poll{5};            // look for due rows this often (also woken on new rows)
  std::chrono::seconds retry_first{30};    // first retry delay; doubles on each failure
  std::chrono::seconds retry_max{3600};    // up to this
  std::size_t batch = 100;                 // rows per round
};

// List hygiene in `bounced serve` (docs/list-hygiene.md): used by the sqlite sink and the outbox worker.
struct HygieneConfig {
  PolicySet policy;
  AttributionConfig attribution;     // VERP scheme and signing secret (read from verp_secret_file)
  std::filesystem::path verp_secret_file;
  std::vector<ActionConfig> actions;
  OutboxConfig outbox;
  std::vector<OutboxTarget> outbox_targets() const;  // name + events of every action
  std::string summary() const;  // every setting as text, to tell a reload that changed them
  // Not from YAML: set by the daemon, called (on the commit thread) after a batch queued outbox rows.
  std::function<void()> outbox_wakeup;
};

struct Config {
  std::string source;                  // file name, or "<embedded>"
  std::filesystem::path state_dir;     // absolute
  std::string log_level = "info";      // trace|debug|info|warn|error|critical|off
  bool null_mode = false;              // reply 250 without parsing or writing (benchmark ceiling)
  std::chrono::seconds shutdown_timeout{10};
  std::size_t workers = 0;             // threads hashing and parsing messages; 0 = auto (one per core)
  LmtpConfig lmtp;
  std::vector<MaildirConfig> maildirs;
  std::filesystem::path quarantine;    // a Maildir for messages that cannot be parsed
  std::vector<SinkConfig> sinks;
  DedupConfig dedup;
  MetricsConfig metrics;
  HygieneConfig hygiene;
  // The first sqlite sink's database ("" = none): the store the hygiene commands and the outbox use.
  std::filesystem::path store_path() const;
};

// The compiled-in config/bounced.yaml.
std::string_view embedded_config_text();

// Parses `text` (named `source` in messages). On failure returns nullopt and fills `errors` with
// "source:line:column: message" lines. `state_dir_override`, when set, replaces the state_dir key.
std::optional<Config> load_config(std::string_view text, const std::string& source,
                                  std::vector<std::string>& errors);

// Reads and parses a file ("" = the embedded default).
std::optional<Config> load_config_file(const std::string& path, std::vector<std::string>& errors);

// "auto" state_dir: $STATE_DIRECTORY (systemd StateDirectory=), else /var/lib/bounced for root,
// else $XDG_STATE_HOME/bounced, else ~/.local/state/bounced.
std::filesystem::path default_state_dir();

// "30s", "5m", "2h", "7d" or a bare number of seconds.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);
// "1048576", "64K", "32M", "1G" (powers of 1024).
std::optional<std::size_t> parse_size(std::string_view text);
// "127.0.0.1:2424", "[::1]:2424", "unix:lmtp.sock".
std::optional<ListenAddress> parse_listen_address(std::string_view text, std::string& error);

}  // namespace bounced
