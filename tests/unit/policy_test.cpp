// policy_test.cpp: lib/policy — reason sides, single-event decisions, and multi-day sequences
// (hard at once; soft N over D days; stale reset; success reset; lift; sender-side never
// suppresses; complaints; delay warnings; unverified events; per-list overrides).
#include <gtest/gtest.h>

#include <vector>

#include "policy.hpp"

using namespace bounced;

namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kT0 = 1'767'225'600;  // 2026-01-01T00:00:00Z

struct Ev {
  MessageKind kind;
  const char* reason;
  bool hard;
  const char* action;
  const char* status_class;
};

const Ev kHard{MessageKind::bounce, "userunknown", true, "failed", "permanent"};
const Ev kFull{MessageKind::bounce, "mailboxfull", false, "failed", "transient"};
const Ev kFullDelayed{MessageKind::bounce, "mailboxfull", false, "delayed", "transient"};
const Ev kBlocked{MessageKind::bounce, "blocked", false, "failed", "permanent"};
const Ev kComplaint{MessageKind::feedback, "feedback", false, "", ""};
const Ev kVacation{MessageKind::auto_reply, "vacation", false, "", ""};
const Ev kDelivered{MessageKind::delivered, "delivered", false, "delivered", "success"};
const Ev kNotBounce{MessageKind::not_bounce, "", false, "", ""};

PolicyEvent event(const Ev& e, std::int64_t t, bool verified = true) {
  PolicyEvent p;
  p.kind = e.kind;
  p.reason = e.reason;
  p.hard_bounce = e.hard;
  p.action = e.action;
  p.status_class = e.status_class;
  p.time = t;
  p.verified = verified;
  return p;
}

struct Step {
  double day;  // days after kT0 (fractions for same-day events)
  Ev ev;
  Verdict expected;
};

// Runs the steps through decide(), feeding each returned state into the next; returns the last state.
AddressState run(const Policy& p, const std::vector<Step>& steps, AddressState s = {}) {
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const auto& st = steps[i];
    SCOPED_TRACE("step " + std::to_string(i) + " day " + std::to_string(st.day) + " " + st.ev.reason);
    const auto d = decide(p, event(st.ev, kT0 + static_cast<std::int64_t>(st.day * kDay)), s);
    EXPECT_EQ(to_string(d.verdict), std::string(to_string(st.expected)));
    s = d.next;
  }
  return s;
}

}  // namespace

TEST(Policy, ReasonSides) {
  const char* sender[] = {"blocked",        "spamdetected",  "virusdetected", "policyviolation", "authfailure",
                          "badreputation",  "norelaying",    "requireptr",    "securityerror",   "rejected",
                          "notcompliantrfc", "toomanyconn",  "speeding",      "syntaxerror",     "contenterror",
                          "mesgtoobig",     "emailtoolarge", "failedstarttls", "ratelimited"};
  for (const char* r : sender) EXPECT_EQ(reason_side(r), ReasonSide::sender) << r;
  const char* recipient[] = {"userunknown", "hostunknown", "hasmoved", "notaccept", "mailboxfull", "exceedlimit",
                             "suspend",     "expired",     "filtered", "systemfull", "undefined",  "onhold",
                             "some-future-reason"};
  for (const char* r : recipient) EXPECT_EQ(reason_side(r), ReasonSide::recipient) << r;
  EXPECT_EQ(reason_side("feedback"), ReasonSide::complaint);
  EXPECT_EQ(reason_side("vacation"), ReasonSide::no_effect);
  EXPECT_EQ(reason_side("delivered"), ReasonSide::success);
}

TEST(Policy, SingleEventsOnFreshState) {
  struct Case {
    Ev ev;
    Verdict verdict;
    SuppressionKind kind;
  };
  const Case cases[] = {
      {kHard, Verdict::suppress, SuppressionKind::hard},
      {{MessageKind::bounce, "hostunknown", true, "failed", "permanent"}, Verdict::suppress, SuppressionKind::hard},
      {kFull, Verdict::counted_soft, SuppressionKind::hard},
      {{MessageKind::bounce, "userunknown", false, "failed", "transient"}, Verdict::counted_soft,
       SuppressionKind::hard},
      {kFullDelayed, Verdict::ignored_delayed, SuppressionKind::hard},
      {kBlocked, Verdict::ignored_sender_side, SuppressionKind::hard},
      {{MessageKind::bounce, "spamdetected", false, "failed", "permanent"}, Verdict::ignored_sender_side,
       SuppressionKind::hard},
      {kComplaint, Verdict::suppress, SuppressionKind::complaint},
      {kVacation, Verdict::no_effect, SuppressionKind::hard},
      {{MessageKind::bounce, "vacation", false, "", ""}, Verdict::no_effect, SuppressionKind::hard},
      {kDelivered, Verdict::reset, SuppressionKind::hard},
      {{MessageKind::bounce, "delivered", false, "delivered", "success"}, Verdict::reset, SuppressionKind::hard},
      {kNotBounce, Verdict::no_effect, SuppressionKind::hard},
  };
  const Policy p;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.ev.reason);
    const auto d = decide(p, event(c.ev, kT0), AddressState{});
    EXPECT_EQ(to_string(d.verdict), std::string(to_string(c.verdict)));
    if (d.verdict == Verdict::suppress) {
      EXPECT_EQ(d.kind, c.kind);
      EXPECT_TRUE(d.next.suppressed);
    } else {
      EXPECT_FALSE(d.next.suppressed);
    }
  }
}

TEST(Policy, HardBounceCountsAndState) {
  const auto d = decide(Policy{}, event(kHard, kT0 + 5), AddressState{});
  EXPECT_EQ(d.next.hard_count, 1);
  EXPECT_EQ(d.next.first_bounce_at, kT0 + 5);
  EXPECT_EQ(d.next.last_bounce_at, kT0 + 5);
  // A second hard bounce is recorded but does not create a second suppression.
  const auto d2 = decide(Policy{}, event(kHard, kT0 + 10), d.next);
  EXPECT_EQ(d2.verdict, Verdict::already_suppressed);
  EXPECT_EQ(d2.next.hard_count, 2);
  EXPECT_EQ(d2.next.first_bounce_at, kT0 + 5);
  EXPECT_EQ(d2.next.last_bounce_at, kT0 + 10);
}

TEST(Policy, SoftThresholdNeedsCountAndSpan) {
  // Five bounce days over >= 7 days: days 0, 2, 4, 6 count; day 7 makes five days spanning 7.
  const auto s = run(Policy{}, {
                                   {0, kFull, Verdict::counted_soft},
                                   {0.5, kFull, Verdict::already_counted_today},
                                   {2, kFull, Verdict::counted_soft},
                                   {4, kFull, Verdict::counted_soft},
                                   {6, kFull, Verdict::counted_soft},
                                   {7, kFull, Verdict::suppress},
                                   {8, kFull, Verdict::already_suppressed},
                               });
  EXPECT_TRUE(s.suppressed);
  EXPECT_EQ(s.soft_count, 7);
  EXPECT_EQ(s.window_days, 6);
}

TEST(Policy, SoftThresholdReachedBeforeSpanWaits) {
  // Five days in a row (span 4 days) is not enough; the suppression comes when the span reaches 7.
  run(Policy{}, {
                    {0, kFull, Verdict::counted_soft},
                    {1, kFull, Verdict::counted_soft},
                    {2, kFull, Verdict::counted_soft},
                    {3, kFull, Verdict::counted_soft},
                    {4, kFull, Verdict::counted_soft},
                    {5, kFull, Verdict::counted_soft},
                    {6.9, kFull, Verdict::counted_soft},
                    {7.0, kFull, Verdict::suppress},
                });
}

TEST(Policy, AtMostOneCountedPerUtcDay) {
  const auto s = run(Policy{}, {
                                   {0.1, kFull, Verdict::counted_soft},
                                   {0.2, kFull, Verdict::already_counted_today},
                                   {0.99, kFull, Verdict::already_counted_today},
                                   {1.0, kFull, Verdict::counted_soft},
                                   {0.5, kFull, Verdict::already_counted_today},  // out of order, earlier day
                               });
  EXPECT_EQ(s.window_days, 2);
  EXPECT_EQ(s.soft_count, 5);
}

TEST(Policy, StaleWindowStartsOver) {
  Policy p;
  p.soft_threshold = 3;
  p.soft_min_span_days = 0;
  p.soft_stale_days = 10;
  run(p, {
             {0, kFull, Verdict::counted_soft},
             {5, kFull, Verdict::counted_soft},
             {16, kFull, Verdict::counted_soft},  // 11 days after the last: window restarts at 1
             {20, kFull, Verdict::counted_soft},
             {30, kFull, Verdict::suppress},      // exactly 10 days: not stale yet
         });
  const auto d = decide(p, event(kFull, kT0 + 16 * kDay), [&] {
    AddressState s;
    s.window_days = 2;
    s.window_first_at = kT0;
    s.window_last_at = kT0 + 5 * kDay;
    return s;
  }());
  EXPECT_TRUE(d.stale_reset);
  EXPECT_EQ(d.next.window_days, 1);
  EXPECT_EQ(d.next.window_first_at, kT0 + 16 * kDay);
}

TEST(Policy, SuccessResetsTheWindow) {
  Policy p;
  p.soft_threshold = 3;
  p.soft_min_span_days = 0;
  const auto s = run(p, {
                            {0, kFull, Verdict::counted_soft},
                            {1, kFull, Verdict::counted_soft},
                            {1.5, kDelivered, Verdict::reset},
                            {2, kFull, Verdict::counted_soft},
                            {3, kFull, Verdict::counted_soft},
                            {4, kFull, Verdict::suppress},
                            {5, kDelivered, Verdict::reset},  // a success does not lift
                        });
  EXPECT_TRUE(s.suppressed);
  EXPECT_EQ(s.last_success_at, kT0 + 5 * kDay);
}

TEST(Policy, LiftClearsSuppressionAndWindow) {
  Policy p;
  p.soft_threshold = 2;
  p.soft_min_span_days = 1;
  auto s = run(p, {
                      {0, kFull, Verdict::counted_soft},
                      {1, kFull, Verdict::suppress},
                  });
  s = after_lift(s);
  EXPECT_FALSE(s.suppressed);
  EXPECT_EQ(s.window_days, 0);
  EXPECT_EQ(s.soft_count, 2);  // history is kept
  run(p,
      {
          {2, kFull, Verdict::counted_soft},
          {3, kFull, Verdict::suppress},
      },
      s);
  run(Policy{}, {{4, kHard, Verdict::suppress}}, after_lift(run(Policy{}, {{0, kHard, Verdict::suppress}})));
}

TEST(Policy, SenderSideNeverSuppresses) {
  Policy p;
  p.soft_threshold = 1;
  p.soft_min_span_days = 0;
  std::vector<Step> steps;
  const char* reasons[] = {"blocked", "spamdetected", "virusdetected", "policyviolation", "authfailure",
                           "badreputation", "norelaying", "requireptr", "securityerror", "rejected",
                           "notcompliantrfc", "toomanyconn", "speeding", "syntaxerror", "contenterror"};
  double day = 0;
  for (const char* r : reasons) {
    steps.push_back({day, {MessageKind::bounce, r, false, "failed", "permanent"}, Verdict::ignored_sender_side});
    // Even if a classifier flagged it hard, a sender-side reason is not the subscriber's fault.
    steps.push_back({day + 0.5, {MessageKind::bounce, r, true, "failed", "permanent"}, Verdict::ignored_sender_side});
    day += 1;
  }
  const auto s = run(p, steps);
  EXPECT_FALSE(s.suppressed);
  EXPECT_EQ(s.sender_side_count, 30);
  EXPECT_EQ(s.window_days, 0);
  EXPECT_EQ(s.first_bounce_at, kT0);
}

TEST(Policy, ComplaintsConfigurable) {
  run(Policy{}, {{0, kComplaint, Verdict::suppress}, {1, kComplaint, Verdict::already_suppressed}});
  Policy p;
  p.complaints = ComplaintAction::ignore;
  const auto s = run(p, {{0, kComplaint, Verdict::ignored_complaint}});
  EXPECT_EQ(s.complaint_count, 1);
  EXPECT_FALSE(s.suppressed);
  // A complaint on an address already suppressed for bouncing adds no suppression.
  run(Policy{}, {{0, kHard, Verdict::suppress}, {1, kComplaint, Verdict::already_suppressed}});
}

TEST(Policy, DelayWarnings) {
  const auto s = run(Policy{}, {{0, kFullDelayed, Verdict::ignored_delayed},
                                {1, {MessageKind::bounce, "blocked", false, "delayed", "transient"},
                                 Verdict::ignored_delayed}});
  EXPECT_EQ(s.delayed_count, 2);
  EXPECT_EQ(s.window_days, 0);
  Policy p;
  p.count_delayed = true;
  run(p, {{0, kFullDelayed, Verdict::counted_soft}});
}

TEST(Policy, HardAsSoftOption) {
  Policy p;
  p.hard = HardBounceAction::count_as_soft;
  p.soft_threshold = 2;
  p.soft_min_span_days = 0;
  const auto s = run(p, {{0, kHard, Verdict::counted_soft}, {1, kHard, Verdict::suppress}});
  EXPECT_EQ(s.hard_count, 2);
}

TEST(Policy, UnverifiedEvents) {
  Policy p;
  p.require_verified = true;
  const AddressState fresh;
  for (const Ev& e : {kHard, kFull, kComplaint, kDelivered}) {
    SCOPED_TRACE(e.reason);
    const auto d = decide(p, event(e, kT0, false), fresh);
    EXPECT_EQ(d.verdict, Verdict::ignored_unverified);
    EXPECT_EQ(d.next, fresh);
    EXPECT_EQ(decide(p, event(e, kT0, true), fresh).verdict == Verdict::ignored_unverified, false);
  }
  // Without the switch, unverified events act like any other.
  EXPECT_EQ(decide(Policy{}, event(kHard, kT0, false), fresh).verdict, Verdict::suppress);
  // Auto-replies stay no-effect whatever the switch says.
  EXPECT_EQ(decide(p, event(kVacation, kT0, false), fresh).verdict, Verdict::no_effect);
}

TEST(Policy, PerListOverrides) {
  PolicySet set;
  set.defaults.soft_threshold = 4;
  PolicyOverride strict;
  strict.soft_threshold = 1;
  strict.soft_min_span_days = 0;
  strict.complaints = ComplaintAction::ignore;
  set.lists.emplace("announce", strict);
  PolicyOverride verified;
  verified.require_verified = true;
  set.lists.emplace("secure", verified);

  const Policy a = set.for_list("announce");
  EXPECT_EQ(a.soft_threshold, 1);
  EXPECT_EQ(a.soft_min_span_days, 0);
  EXPECT_EQ(a.soft_stale_days, 30);  // inherited
  EXPECT_EQ(a.complaints, ComplaintAction::ignore);
  const Policy d = set.for_list("other");
  EXPECT_EQ(d.soft_threshold, 4);
  EXPECT_EQ(d.soft_min_span_days, 7);
  EXPECT_TRUE(set.for_list("secure").require_verified);
  EXPECT_EQ(set.for_list("").soft_threshold, 4);
  run(a, {{0, kFull, Verdict::suppress}});
  run(d, {{0, kFull, Verdict::counted_soft}});
}

TEST(Policy, Validation) {
  EXPECT_EQ(validate(Policy{}), "");
  Policy p;
  p.soft_threshold = 0;
  EXPECT_NE(validate(p), "");
  p = Policy{};
  p.soft_min_span_days = -1;
  EXPECT_NE(validate(p), "");
  p = Policy{};
  p.soft_stale_days = 0;
  EXPECT_NE(validate(p), "");
}

TEST(Policy, SuppressionKindNames) {
  for (auto k : {SuppressionKind::hard, SuppressionKind::soft, SuppressionKind::complaint, SuppressionKind::manual})
    EXPECT_EQ(parse_suppression_kind(to_string(k)), k);
  EXPECT_FALSE(parse_suppression_kind("bogus"));
}
