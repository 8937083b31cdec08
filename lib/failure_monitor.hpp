// failure_monitor.hpp: transient-failure monitoring per receiving-domain group, as pure logic.
// DomainGroups maps a recipient domain (or, failing that, the remote MTA's host name) to one of a
// fixed, configured list of provider groups ("google", "microsoft", ...) or "other", so metric
// labels and alerts never carry a raw domain. FailureMonitor keeps, per group, the recipient
// results of a sliding window in fixed time buckets and decides when the share of transient
// failures passes a threshold (alert) and when it falls back below it (resolved). No clock, no
// I/O: every call takes the time, so tests drive it deterministically.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bounced {

struct DomainGroup {
  std::string name;                  // label value: [a-z0-9_], at most 32 characters, not "other"
  std::vector<std::string> domains;  // "gmail.com" (and its subdomains) or "hotmail.*" (first label)
  std::vector<std::string> mx;       // remote MTA host suffixes: "google.com" matches "aspmx.l.google.com"
};

// The built-in list: the large mailbox providers (google, microsoft, yahoo, apple, ...).
std::vector<DomainGroup> default_domain_groups();

// "" when the list is usable, else what is wrong (bad or duplicate names, bad patterns, too many).
std::string validate_domain_groups(const std::vector<DomainGroup>& groups);
constexpr std::size_t kMaxDomainGroups = 64;

class DomainGroups {
 public:
  explicit DomainGroups(std::vector<DomainGroup> groups);
  // Index into names() of the group of `domain` (any case), else of the group whose mx suffix
  // matches `remote_mta`, else the index of "other" (the last name).
  std::size_t classify(std::string_view domain, std::string_view remote_mta = {}) const;
  std::string_view name(std::size_t index) const { return names_[index]; }
  // Every group name, then "other".
  const std::vector<std::string>& names() const { return names_; }
  std::size_t other() const { return names_.size() - 1; }

 private:
  std::vector<DomainGroup> groups_;
  std::vector<std::string> names_;
};

// The domain of an address ("" when none), as written.
std::string_view address_domain(std::string_view address);

struct FailureMonitorConfig {
  std::int64_t window_seconds = 3600;  // sliding window
  double threshold = 0.3;              // share of transient failures that raises the alert (0 < t <= 1)
  std::uint64_t min_volume = 20;       // results in the window below which no alert is raised
  std::size_t buckets = 60;            // window resolution (the window slides one bucket at a time)
};

// "" when usable, else what is wrong.
std::string validate(const FailureMonitorConfig& config);

struct FailureAlert {
  enum class Kind { alert, resolved } kind = Kind::alert;
  std::size_t group = 0;
  std::uint64_t transient = 0, total = 0;  // in the window at the transition
  double share = 0;
  std::int64_t time = 0;
  std::int64_t since = 0;                  // resolved: when the alert was raised
};
const char* to_string(FailureAlert::Kind kind);

class FailureMonitor {
 public:
  FailureMonitor(FailureMonitorConfig config, std::size_t groups);

  // One recipient result of `group` at `time` (unix seconds); transient: a 4.x.x failure.
  // Results older than the window are ignored; time may step back a little (clock adjustments).
  void observe(std::size_t group, bool transient, std::int64_t time);
  // Slides the window to `now` and returns the transitions since the last call, groups in order.
  // An alert is raised when the window holds at least min_volume results and the transient
  // share is at or above the threshold; it is resolved when the share falls below the threshold
  // (an empty window has share 0).
  std::vector<FailureAlert> evaluate(std::int64_t now);

  struct Window {
    std::uint64_t transient = 0, total = 0;
  };
  Window window(std::size_t group, std::int64_t now) const;
  bool alerting(std::size_t group) const { return groups_[group].alerting; }
  const FailureMonitorConfig& config() const { return config_; }

 private:
  struct Bucket {
    std::int64_t slot = -1;  // time / bucket_seconds; -1 unused
    std::uint64_t transient = 0, total = 0;
  };
  struct Group {
    std::vector<Bucket> buckets;
    bool alerting = false;
    std::int64_t since = 0;
  };
  std::int64_t slot_of(std::int64_t time) const;

  FailureMonitorConfig config_;
  std::int64_t bucket_seconds_ = 60;
  std::vector<Group> groups_;
};

}  // namespace bounced
