// policy.hpp: the suppression policy. Given one recipient result and the current state of that
// address (for one list), decide what happens: suppress now, count a soft bounce, reset on
// success, or ignore (the failure was the sender's fault, a delay warning, an auto-reply, or an
// unverified bounce while only verified ones may change state). Pure: no I/O, no clock — the
// event carries its time; the caller stores the returned state.
//
// Defaults (see docs/list-hygiene.md):
//   hard bounce (userunknown, hostunknown, hasmoved, notaccept 5xx) -> suppress at once
//   other recipient-side failures -> suppress after 5 counted bounce days spanning >= 7 days,
//     at most one counted per UTC day; the count starts over after 30 days without one
//   sender-side reasons (blocked, spamdetected, policyviolation, ...) -> never counted
//   ARF complaint -> suppress (kind "complaint"); vacation / auto-reply -> no effect
//   success (delivered DSN) -> the soft-bounce count starts over (a suppression stays until lifted)
//   delay warnings (Action: delayed) -> not counted
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "record.hpp"

namespace bounced {

// Whose fault a reason is, as far as the subscriber is concerned.
enum class ReasonSide {
  recipient,  // the address or its mailbox/host: counts against the subscriber
  sender,     // our message, our IP, our reputation, our configuration: never counts
  complaint,  // ARF feedback: the subscriber complained
  no_effect,  // vacation and other auto-replies
  success,    // delivered
};
const char* to_string(ReasonSide side);
// Side of a Sisimai reason; an unknown reason counts as recipient-side (like "undefined").
ReasonSide reason_side(std::string_view reason);
// Every reason of the vocabulary above, in table order (fixed label values for metrics).
std::vector<std::string_view> known_reasons();

enum class SuppressionKind { hard, soft, complaint, manual };
const char* to_string(SuppressionKind kind);
std::optional<SuppressionKind> parse_suppression_kind(std::string_view s);

enum class HardBounceAction { suppress, count_as_soft };
enum class ComplaintAction { suppress, ignore };

struct Policy {
  HardBounceAction hard = HardBounceAction::suppress;
  int soft_threshold = 5;       // counted bounce days before a soft suppression (>= 1)
  int soft_min_span_days = 7;   // first to last counted bounce must span at least this (>= 0)
  int soft_stale_days = 30;     // a window with no counted bounce for this long starts over (>= 1)
  bool count_delayed = false;   // count delay warnings (Action: delayed) as soft bounces
  ComplaintAction complaints = ComplaintAction::suppress;
  bool require_verified = false;  // only verified (signed-VERP) events may change state
};

// "" when usable, else what is wrong.
std::string validate(const Policy& policy);

// Per-list overrides: unset fields inherit the defaults.
struct PolicyOverride {
  std::optional<HardBounceAction> hard;
  std::optional<int> soft_threshold, soft_min_span_days, soft_stale_days;
  std::optional<bool> count_delayed;
  std::optional<ComplaintAction> complaints;
  std::optional<bool> require_verified;
};

// Sets the fields `o` sets; the others keep `p`'s values.
void apply_override(Policy& p, const PolicyOverride& o);

struct PolicySet {
  Policy defaults;
  std::map<std::string, PolicyOverride, std::less<>> lists;  // by list name
  Policy for_list(std::string_view list) const;
};

// One recipient result as the policy sees it.
struct PolicyEvent {
  MessageKind kind = MessageKind::bounce;
  std::string_view reason;
  bool hard_bounce = false;
  std::string_view status_class;  // success | transient | permanent | ""
  std::string_view action;        // failed | delayed | delivered | relayed | expanded | ""
  std::int64_t time = 0;          // unix seconds
  bool verified = true;           // false when forged-bounce protection is not satisfied
};

// What the store keeps per (address, list).
struct AddressState {
  std::int64_t hard_count = 0;         // hard bounces seen
  std::int64_t soft_count = 0;         // recipient-side soft bounces seen (counted or not)
  std::int64_t sender_side_count = 0;  // sender-side failures seen
  std::int64_t complaint_count = 0;
  std::int64_t delayed_count = 0;      // delay warnings seen
  std::int64_t first_bounce_at = 0;    // any failure, 0 = never
  std::int64_t last_bounce_at = 0;
  std::int64_t last_success_at = 0;
  int window_days = 0;                 // soft bounce days counted in the current window
  std::int64_t window_first_at = 0;    // first counted bounce of the window, 0 = none
  std::int64_t window_last_at = 0;     // last counted bounce of the window, 0 = none
  bool suppressed = false;             // an active suppression exists
  bool operator==(const AddressState&) const = default;
};

enum class Verdict {
  no_effect,            // auto-reply, not a bounce
  ignored_sender_side,  // sender-side reason: recorded, never counted
  ignored_delayed,      // delay warning
  ignored_unverified,   // policy requires verified events and this one is not
  ignored_complaint,    // complaints configured to be ignored
  counted_soft,         // counted one bounce day
  already_counted_today,
  suppress,             // a new suppression of kind Decision::kind
  already_suppressed,   // would suppress, but an active suppression exists
  reset,                // success: the soft window starts over
};
const char* to_string(Verdict v);

struct Decision {
  Verdict verdict = Verdict::no_effect;
  SuppressionKind kind = SuppressionKind::hard;  // meaningful for suppress / already_suppressed
  bool stale_reset = false;                      // the old window had gone stale and was cleared
  AddressState next;                             // state to store
  bool creates_suppression() const { return verdict == Verdict::suppress; }
};

Decision decide(const Policy& policy, const PolicyEvent& event, const AddressState& state);

// State after an operator lift: no active suppression, the soft window starts over.
AddressState after_lift(const AddressState& state);

}  // namespace bounced
