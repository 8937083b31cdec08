// failure_monitor.cpp: see failure_monitor.hpp. The provider list is data; matching is a walk over
// it (a few dozen patterns, per recipient result).
#include "failure_monitor.hpp"

#include <algorithm>
#include <cmath>

#include "text.hpp"

namespace bounced {
namespace {

constexpr std::string_view kOther = "other";

// `host` is `suffix` or ends with "." + suffix (case-insensitive).
bool host_within(std::string_view host, std::string_view suffix) {
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);  // a DNS root dot
  if (host.size() == suffix.size()) return text::iequals(host, suffix);
  if (host.size() < suffix.size() + 1) return false;
  return host[host.size() - suffix.size() - 1] == '.' && text::iequals(host.substr(host.size() - suffix.size()), suffix);
}

// "gmail.com": the domain or a subdomain of it; "hotmail.*": any domain whose first label is hotmail.
bool domain_matches(std::string_view domain, std::string_view pattern) {
  if (pattern.size() > 2 && pattern.substr(pattern.size() - 2) == ".*") {
    const std::string_view first = pattern.substr(0, pattern.size() - 1);  // "hotmail."
    return domain.size() > first.size() && text::iequals(domain.substr(0, first.size()), first);
  }
  return host_within(domain, pattern);
}

bool valid_group_name(std::string_view n) {
  if (n.empty() || n.size() > 32 || n == kOther) return false;
  return std::all_of(n.begin(), n.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

// A domain name or suffix: letters, digits, '-', '.'; no empty labels; optionally "label.*".
bool valid_pattern(std::string_view p, bool allow_wildcard) {
  if (allow_wildcard && p.size() > 2 && p.substr(p.size() - 2) == ".*") p.remove_suffix(2);
  if (p.empty() || p.size() > 253 || p.front() == '.' || p.back() == '.') return false;
  char prev = 0;
  for (char c : p) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    if (!ok || (c == '.' && prev == '.')) return false;
    prev = c;
  }
  return true;
}

struct BuiltinGroup {
  std::string_view name, domains, mx;  // patterns separated by spaces
};

// The large mailbox providers. mx: the hosts their (and their hosted customers') mail goes to, as
// DSNs name them in Remote-MTA, so a company domain hosted by a provider joins that provider.
const BuiltinGroup kBuiltinGroups[] = {
    {"google", "gmail.com googlemail.com google.com", "google.com googlemail.com"},
    {"microsoft",
     "outlook.* hotmail.* live.* msn.com windowslive.com passport.com",
     "outlook.com hotmail.com office365.us"},
    {"yahoo",
     "yahoo.* ymail.com rocketmail.com aol.* aim.com verizon.net att.net sbcglobal.net",
     "yahoodns.net aol.com"},
    {"apple", "icloud.com me.com mac.com", "icloud.com apple.com"},
    {"gmx_webde", "gmx.* web.de mail.com", "gmx.net web.de mail.com"},
    {"orange", "orange.fr wanadoo.fr orange.com", "orange.fr"},
    {"comcast", "comcast.net xfinity.com", "comcast.net"},
    {"yandex", "yandex.* ya.ru", "yandex.net yandex.ru"},
    {"mailru", "mail.ru bk.ru inbox.ru list.ru internet.ru", "mail.ru"},
    {"proton", "proton.me protonmail.com protonmail.ch pm.me", "protonmail.ch"},
    {"zoho", "zoho.com zohomail.com zoho.eu", "zoho.com zoho.eu"},
    {"tencent", "qq.com foxmail.com", "qq.com"},
    {"netease", "163.com 126.com yeah.net", "163.com netease.com"},
};

void split_words(std::string_view text, std::vector<std::string>& out) {
  while (!text.empty()) {
    const auto space = text.find(' ');
    if (space != 0) out.emplace_back(text.substr(0, space));
    if (space == std::string_view::npos) break;
    text.remove_prefix(space + 1);
  }
}

}  // namespace

std::vector<DomainGroup> default_domain_groups() {
  std::vector<DomainGroup> out;
  for (const auto& g : kBuiltinGroups) {
    DomainGroup d;
    d.name = std::string(g.name);
    split_words(g.domains, d.domains);
    split_words(g.mx, d.mx);
    out.push_back(std::move(d));
  }
  return out;
}

std::string validate_domain_groups(const std::vector<DomainGroup>& groups) {
  if (groups.size() > kMaxDomainGroups) return "at most " + std::to_string(kMaxDomainGroups) + " domain groups";
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const auto& g = groups[i];
    if (!valid_group_name(g.name))
      return "group name '" + g.name + "' must be 1-32 characters of a-z, 0-9 and _, and not 'other'";
    for (std::size_t j = 0; j < i; ++j)
      if (groups[j].name == g.name) return "group '" + g.name + "' is listed twice";
    if (g.domains.empty() && g.mx.empty()) return "group '" + g.name + "' needs domains or mx";
    if (g.domains.size() + g.mx.size() > 256) return "group '" + g.name + "' has more than 256 patterns";
    for (const auto& d : g.domains)
      if (!valid_pattern(d, true)) return "group '" + g.name + "': '" + d + "' is not a domain (or NAME.*)";
    for (const auto& m : g.mx)
      if (!valid_pattern(m, false)) return "group '" + g.name + "': mx '" + m + "' is not a host name suffix";
  }
  return {};
}

DomainGroups::DomainGroups(std::vector<DomainGroup> groups) : groups_(std::move(groups)) {
  for (const auto& g : groups_) names_.push_back(g.name);
  names_.emplace_back(kOther);
}

std::size_t DomainGroups::classify(std::string_view domain, std::string_view remote_mta) const {
  if (!domain.empty()) {
    for (std::size_t i = 0; i < groups_.size(); ++i)
      for (const auto& p : groups_[i].domains)
        if (domain_matches(domain, p)) return i;
  }
  if (!remote_mta.empty()) {
    for (std::size_t i = 0; i < groups_.size(); ++i)
      for (const auto& p : groups_[i].mx)
        if (host_within(remote_mta, p)) return i;
  }
  return other();
}

std::string_view address_domain(std::string_view address) {
  const auto at = address.rfind('@');
  if (at == std::string_view::npos) return {};
  auto d = address.substr(at + 1);
  if (!d.empty() && d.back() == '>') d.remove_suffix(1);
  return d;
}

std::string validate(const FailureMonitorConfig& c) {
  if (c.window_seconds < 60 || c.window_seconds > 7 * 86400) return "window must be between 1m and 7d";
  if (!(c.threshold > 0 && c.threshold <= 1)) return "threshold must be a share above 0 and at most 1 (or 1%-100%)";
  if (c.min_volume < 1 || c.min_volume > 100000000) return "min_volume must be between 1 and 100000000";
  if (c.buckets < 1 || c.buckets > 3600) return "buckets must be between 1 and 3600";
  return {};
}

const char* to_string(FailureAlert::Kind kind) { return kind == FailureAlert::Kind::alert ? "alert" : "resolved"; }

FailureMonitor::FailureMonitor(FailureMonitorConfig config, std::size_t groups) : config_(config) {
  const std::int64_t w = std::max<std::int64_t>(1, config_.window_seconds);
  const std::int64_t n = std::max<std::int64_t>(1, static_cast<std::int64_t>(config_.buckets));
  bucket_seconds_ = (w + n - 1) / n;
  const std::size_t count = static_cast<std::size_t>((w + bucket_seconds_ - 1) / bucket_seconds_);
  groups_.resize(groups);
  for (auto& g : groups_) g.buckets.resize(count);
}

std::int64_t FailureMonitor::slot_of(std::int64_t time) const {
  return time >= 0 ? time / bucket_seconds_ : -((-time + bucket_seconds_ - 1) / bucket_seconds_);
}

void FailureMonitor::observe(std::size_t group, bool transient, std::int64_t time) {
  if (group >= groups_.size() || time < 0) return;
  auto& buckets = groups_[group].buckets;
  const std::int64_t slot = slot_of(time);
  auto& b = buckets[static_cast<std::size_t>(slot % static_cast<std::int64_t>(buckets.size()))];
  if (b.slot > slot) return;  // older than the window this bucket already moved on to
  if (b.slot != slot) b = Bucket{slot, 0, 0};
  ++b.total;
  if (transient) ++b.transient;
}

FailureMonitor::Window FailureMonitor::window(std::size_t group, std::int64_t now) const {
  Window w;
  if (group >= groups_.size()) return w;
  const auto& buckets = groups_[group].buckets;
  const std::int64_t oldest = slot_of(now) - static_cast<std::int64_t>(buckets.size());  // exclusive
  for (const auto& b : buckets) {
    if (b.slot > oldest) {  // includes slots ahead of `now` (the clock stepped back)
      w.total += b.total;
      w.transient += b.transient;
    }
  }
  return w;
}

std::vector<FailureAlert> FailureMonitor::evaluate(std::int64_t now) {
  std::vector<FailureAlert> out;
  for (std::size_t i = 0; i < groups_.size(); ++i) {
    auto& g = groups_[i];
    const Window w = window(i, now);
    const double share = w.total == 0 ? 0.0 : static_cast<double>(w.transient) / static_cast<double>(w.total);
    if (!g.alerting && w.total >= config_.min_volume && share >= config_.threshold) {
      g.alerting = true;
      g.since = now;
      out.push_back({FailureAlert::Kind::alert, i, w.transient, w.total, share, now, now});
    } else if (g.alerting && share < config_.threshold) {
      g.alerting = false;
      out.push_back({FailureAlert::Kind::resolved, i, w.transient, w.total, share, now, g.since});
    }
  }
  return out;
}

}  // namespace bounced
