// policy.cpp: see policy.hpp. The reason table is data; decide() is a straight walk through the
// event's kind, the reason's side, and the soft-bounce window.
#include "policy.hpp"

#include <array>
#include <utility>

namespace bounced {
namespace {

constexpr std::int64_t kSecondsPerDay = 86400;

struct ReasonEntry {
  std::string_view reason;
  ReasonSide side;
};

// Sisimai's reason vocabulary (4.x and 5.x names). Recipient-side: the mailbox, the address or
// the receiving host is the problem. Sender-side: our message, IP, reputation or configuration.
constexpr std::array kReasonSides = {
    ReasonEntry{"userunknown", ReasonSide::recipient},
    ReasonEntry{"hostunknown", ReasonSide::recipient},
    ReasonEntry{"hasmoved", ReasonSide::recipient},
    ReasonEntry{"notaccept", ReasonSide::recipient},
    ReasonEntry{"mailboxfull", ReasonSide::recipient},
    ReasonEntry{"exceedlimit", ReasonSide::recipient},
    ReasonEntry{"suspend", ReasonSide::recipient},
    ReasonEntry{"expired", ReasonSide::recipient},
    ReasonEntry{"filtered", ReasonSide::recipient},
    ReasonEntry{"mailererror", ReasonSide::recipient},
    ReasonEntry{"systemerror", ReasonSide::recipient},
    ReasonEntry{"systemfull", ReasonSide::recipient},
    ReasonEntry{"networkerror", ReasonSide::recipient},
    ReasonEntry{"onhold", ReasonSide::recipient},
    ReasonEntry{"suppressed", ReasonSide::recipient},
    ReasonEntry{"undefined", ReasonSide::recipient},
    ReasonEntry{"blocked", ReasonSide::sender},
    ReasonEntry{"spamdetected", ReasonSide::sender},
    ReasonEntry{"virusdetected", ReasonSide::sender},
    ReasonEntry{"policyviolation", ReasonSide::sender},
    ReasonEntry{"authfailure", ReasonSide::sender},
    ReasonEntry{"badreputation", ReasonSide::sender},
    ReasonEntry{"norelaying", ReasonSide::sender},
    ReasonEntry{"requireptr", ReasonSide::sender},
    ReasonEntry{"securityerror", ReasonSide::sender},
    ReasonEntry{"rejected", ReasonSide::sender},
    ReasonEntry{"notcompliantrfc", ReasonSide::sender},
    ReasonEntry{"toomanyconn", ReasonSide::sender},
    ReasonEntry{"speeding", ReasonSide::sender},
    ReasonEntry{"ratelimited", ReasonSide::sender},
    ReasonEntry{"syntaxerror", ReasonSide::sender},
    ReasonEntry{"contenterror", ReasonSide::sender},
    ReasonEntry{"mesgtoobig", ReasonSide::sender},
    ReasonEntry{"emailtoolarge", ReasonSide::sender},
    ReasonEntry{"failedstarttls", ReasonSide::sender},
    ReasonEntry{"feedback", ReasonSide::complaint},
    ReasonEntry{"vacation", ReasonSide::no_effect},
    ReasonEntry{"delivered", ReasonSide::success},
};

constexpr std::array<std::pair<SuppressionKind, std::string_view>, 4> kSuppressionKindNames = {{
    {SuppressionKind::hard, "hard"},
    {SuppressionKind::soft, "soft"},
    {SuppressionKind::complaint, "complaint"},
    {SuppressionKind::manual, "manual"},
}};

std::int64_t day_of(std::int64_t t) { return t >= 0 ? t / kSecondsPerDay : (t - kSecondsPerDay + 1) / kSecondsPerDay; }

void note_failure(AddressState& s, std::int64_t t) {
  if (s.first_bounce_at == 0 || t < s.first_bounce_at) s.first_bounce_at = t;
  if (t > s.last_bounce_at) s.last_bounce_at = t;
}

Decision suppress_or_already(Decision d, SuppressionKind kind, const AddressState& before) {
  d.kind = kind;
  if (before.suppressed) {
    d.verdict = Verdict::already_suppressed;
  } else {
    d.verdict = Verdict::suppress;
    d.next.suppressed = true;
  }
  return d;
}

}  // namespace

const char* to_string(ReasonSide side) {
  switch (side) {
    case ReasonSide::recipient: return "recipient";
    case ReasonSide::sender: return "sender";
    case ReasonSide::complaint: return "complaint";
    case ReasonSide::no_effect: return "no_effect";
    case ReasonSide::success: return "success";
  }
  return "?";
}

ReasonSide reason_side(std::string_view reason) {
  for (const auto& e : kReasonSides)
    if (e.reason == reason) return e.side;
  return ReasonSide::recipient;
}

std::vector<std::string_view> known_reasons() {
  std::vector<std::string_view> out;
  out.reserve(kReasonSides.size());
  for (const auto& e : kReasonSides) out.push_back(e.reason);
  return out;
}

const char* to_string(SuppressionKind kind) {
  for (const auto& [k, name] : kSuppressionKindNames)
    if (k == kind) return name.data();
  return "?";
}

std::optional<SuppressionKind> parse_suppression_kind(std::string_view s) {
  for (const auto& [k, name] : kSuppressionKindNames)
    if (name == s) return k;
  return std::nullopt;
}

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::no_effect: return "no_effect";
    case Verdict::ignored_sender_side: return "ignored_sender_side";
    case Verdict::ignored_delayed: return "ignored_delayed";
    case Verdict::ignored_unverified: return "ignored_unverified";
    case Verdict::ignored_complaint: return "ignored_complaint";
    case Verdict::counted_soft: return "counted_soft";
    case Verdict::already_counted_today: return "already_counted_today";
    case Verdict::suppress: return "suppress";
    case Verdict::already_suppressed: return "already_suppressed";
    case Verdict::reset: return "reset";
  }
  return "?";
}

std::string validate(const Policy& p) {
  if (p.soft_threshold < 1 || p.soft_threshold > 1000) return "soft_threshold must be between 1 and 1000";
  if (p.soft_min_span_days < 0 || p.soft_min_span_days > 3650)
    return "soft_min_span_days must be between 0 and 3650";
  if (p.soft_stale_days < 1 || p.soft_stale_days > 3650) return "soft_stale_days must be between 1 and 3650";
  return "";
}

void apply_override(Policy& p, const PolicyOverride& o) {
  if (o.hard) p.hard = *o.hard;
  if (o.soft_threshold) p.soft_threshold = *o.soft_threshold;
  if (o.soft_min_span_days) p.soft_min_span_days = *o.soft_min_span_days;
  if (o.soft_stale_days) p.soft_stale_days = *o.soft_stale_days;
  if (o.count_delayed) p.count_delayed = *o.count_delayed;
  if (o.complaints) p.complaints = *o.complaints;
  if (o.require_verified) p.require_verified = *o.require_verified;
}

Policy PolicySet::for_list(std::string_view list) const {
  Policy p = defaults;
  if (const auto it = lists.find(list); it != lists.end()) apply_override(p, it->second);
  return p;
}

AddressState after_lift(const AddressState& state) {
  AddressState s = state;
  s.suppressed = false;
  s.window_days = 0;
  s.window_first_at = 0;
  s.window_last_at = 0;
  return s;
}

Decision decide(const Policy& policy, const PolicyEvent& event, const AddressState& state) {
  Decision d;
  d.next = state;
  AddressState& s = d.next;
  const std::int64_t t = event.time;

  // What the event is, before which reason it carries.
  ReasonSide side = reason_side(event.reason);
  switch (event.kind) {
    case MessageKind::not_bounce:
    case MessageKind::auto_reply: return d;  // no_effect
    case MessageKind::feedback: side = ReasonSide::complaint; break;
    case MessageKind::delivered: side = ReasonSide::success; break;
    case MessageKind::bounce: break;
  }
  if (side == ReasonSide::no_effect) return d;
  if (side == ReasonSide::recipient || side == ReasonSide::sender) {
    if (event.status_class == "success" || event.action == "delivered" || event.action == "relayed" ||
        event.action == "expanded")
      side = ReasonSide::success;
  }
  if (!event.verified && policy.require_verified) {
    d.verdict = Verdict::ignored_unverified;
    d.next = state;
    return d;
  }

  switch (side) {
    case ReasonSide::no_effect: return d;
    case ReasonSide::success:
      if (t > s.last_success_at) s.last_success_at = t;
      if (t >= s.window_last_at) {
        s.window_days = 0;
        s.window_first_at = 0;
        s.window_last_at = 0;
      }
      d.verdict = Verdict::reset;
      return d;
    case ReasonSide::complaint:
      ++s.complaint_count;
      if (policy.complaints == ComplaintAction::ignore) {
        d.verdict = Verdict::ignored_complaint;
        return d;
      }
      return suppress_or_already(d, SuppressionKind::complaint, state);
    case ReasonSide::sender:
      if (event.action == "delayed") {
        ++s.delayed_count;
        d.verdict = Verdict::ignored_delayed;
        return d;
      }
      ++s.sender_side_count;
      note_failure(s, t);
      d.verdict = Verdict::ignored_sender_side;
      return d;
    case ReasonSide::recipient: break;
  }

  // Recipient-side failure.
  if (event.action == "delayed") {
    ++s.delayed_count;
    if (!policy.count_delayed) {
      d.verdict = Verdict::ignored_delayed;
      return d;
    }
  }
  note_failure(s, t);
  if (event.hard_bounce && policy.hard == HardBounceAction::suppress) {
    ++s.hard_count;
    return suppress_or_already(d, SuppressionKind::hard, state);
  }
  if (event.hard_bounce) ++s.hard_count;
  else ++s.soft_count;

  if (s.window_days > 0 && t - s.window_last_at > std::int64_t{policy.soft_stale_days} * kSecondsPerDay) {
    s.window_days = 0;
    s.window_first_at = 0;
    s.window_last_at = 0;
    d.stale_reset = true;
  }
  if (s.window_days > 0 && day_of(t) <= day_of(s.window_last_at)) {
    d.verdict = Verdict::already_counted_today;
    return d;
  }
  ++s.window_days;
  if (s.window_first_at == 0) s.window_first_at = t;
  s.window_last_at = t;
  if (s.window_days >= policy.soft_threshold &&
      t - s.window_first_at >= std::int64_t{policy.soft_min_span_days} * kSecondsPerDay)
    return suppress_or_already(d, SuppressionKind::soft, state);
  d.verdict = Verdict::counted_soft;
  return d;
}

}  // namespace bounced
