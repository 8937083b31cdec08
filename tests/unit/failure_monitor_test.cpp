// failure_monitor_test.cpp: domain groups (provider patterns, mx fallback, "other") and the
// transient-failure alert state machine, driven by an explicit clock.
#include "failure_monitor.hpp"

#include <gtest/gtest.h>

namespace bounced {
namespace {

TEST(DomainGroups, BuiltinProvidersAndOther) {
  DomainGroups g(default_domain_groups());
  EXPECT_EQ(g.name(g.classify("gmail.com")), "google");
  EXPECT_EQ(g.name(g.classify("GoogleMail.com")), "google");
  EXPECT_EQ(g.name(g.classify("hotmail.co.uk")), "microsoft");
  EXPECT_EQ(g.name(g.classify("outlook.fr")), "microsoft");
  EXPECT_EQ(g.name(g.classify("yahoo.co.jp")), "yahoo");
  EXPECT_EQ(g.name(g.classify("aol.com")), "yahoo");
  EXPECT_EQ(g.name(g.classify("icloud.com")), "apple");
  EXPECT_EQ(g.name(g.classify("example.org")), "other");
  EXPECT_EQ(g.name(g.classify("")), "other");
  // Lookalikes are not the provider.
  EXPECT_EQ(g.name(g.classify("notgmail.com")), "other");
  EXPECT_EQ(g.name(g.classify("gmail.com.evil.example")), "other");
  EXPECT_EQ(g.names().back(), "other");
  EXPECT_EQ(g.other(), g.names().size() - 1);
}

TEST(DomainGroups, HostedDomainJoinsItsProviderByRemoteMta) {
  DomainGroups g(default_domain_groups());
  EXPECT_EQ(g.name(g.classify("example.com", "aspmx.l.google.com")), "google");
  EXPECT_EQ(g.name(g.classify("example.com", "example-com.mail.protection.outlook.com.")), "microsoft");
  EXPECT_EQ(g.name(g.classify("example.com", "mx.example.com")), "other");
  // The recipient domain wins over the remote MTA.
  EXPECT_EQ(g.name(g.classify("yahoo.com", "aspmx.l.google.com")), "yahoo");
}

TEST(DomainGroups, ConfiguredList) {
  std::vector<DomainGroup> list = {{"corp", {"example.com"}, {}}, {"web", {"web.*"}, {"mx.web.test"}}};
  ASSERT_EQ(validate_domain_groups(list), "");
  DomainGroups g(list);
  EXPECT_EQ(g.names(), (std::vector<std::string>{"corp", "web", "other"}));
  EXPECT_EQ(g.name(g.classify("sub.example.com")), "corp");
  EXPECT_EQ(g.name(g.classify("web.de")), "web");
  EXPECT_EQ(g.name(g.classify("gmail.com")), "other");
  EXPECT_EQ(g.name(g.classify("x.test", "a.mx.web.test")), "web");
}

TEST(DomainGroups, Validation) {
  EXPECT_EQ(validate_domain_groups(default_domain_groups()), "");
  EXPECT_NE(validate_domain_groups({{"other", {"a.com"}, {}}}), "");
  EXPECT_NE(validate_domain_groups({{"Big", {"a.com"}, {}}}), "");
  EXPECT_NE(validate_domain_groups({{"a", {"a.com"}, {}}, {"a", {"b.com"}, {}}}), "");
  EXPECT_NE(validate_domain_groups({{"a", {}, {}}}), "");
  EXPECT_NE(validate_domain_groups({{"a", {"a..com"}, {}}}), "");
  EXPECT_NE(validate_domain_groups({{"a", {"a com"}, {}}}), "");
  EXPECT_NE(validate_domain_groups({{"a", {}, {"mx.*"}}}), "");
  std::vector<DomainGroup> many(kMaxDomainGroups + 1);
  for (std::size_t i = 0; i < many.size(); ++i) many[i] = {"g" + std::to_string(i), {"a.com"}, {}};
  EXPECT_NE(validate_domain_groups(many), "");
}

TEST(FailureMonitor, AddressDomain) {
  EXPECT_EQ(address_domain("a@b.example"), "b.example");
  EXPECT_EQ(address_domain("\"x@y\"@b.example"), "b.example");
  EXPECT_EQ(address_domain("nodomain"), "");
}

constexpr std::int64_t T0 = 1'700'000'400;  // a multiple of 600 s: bucket edges fall on whole minutes

FailureMonitorConfig config(std::int64_t window = 600, double threshold = 0.5, std::uint64_t min_volume = 10) {
  FailureMonitorConfig c;
  c.window_seconds = window;
  c.threshold = threshold;
  c.min_volume = min_volume;
  c.buckets = 10;
  return c;
}

TEST(FailureMonitor, FiresAtThresholdWithEnoughVolumeAndResolves) {
  FailureMonitor m(config(), 2);
  // 9 transient failures: share 100% but under the minimum volume.
  for (int i = 0; i < 9; ++i) m.observe(0, true, T0 + i);
  EXPECT_TRUE(m.evaluate(T0 + 10).empty());
  // The 10th reaches the volume: alert.
  m.observe(0, true, T0 + 10);
  auto t = m.evaluate(T0 + 11);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].kind, FailureAlert::Kind::alert);
  EXPECT_EQ(t[0].group, 0u);
  EXPECT_EQ(t[0].transient, 10u);
  EXPECT_EQ(t[0].total, 10u);
  EXPECT_DOUBLE_EQ(t[0].share, 1.0);
  EXPECT_EQ(t[0].time, T0 + 11);
  EXPECT_TRUE(m.alerting(0));
  EXPECT_FALSE(m.alerting(1));
  // No repeated alert while it stays high.
  m.observe(0, true, T0 + 20);
  EXPECT_TRUE(m.evaluate(T0 + 21).empty());
  // Permanent failures bring the share down: 11 transient of 22 is exactly 50%, still alerting.
  for (int i = 0; i < 11; ++i) m.observe(0, false, T0 + 30);
  EXPECT_TRUE(m.evaluate(T0 + 31).empty());
  m.observe(0, false, T0 + 32);  // 11 of 23: below 50%
  t = m.evaluate(T0 + 33);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].kind, FailureAlert::Kind::resolved);
  EXPECT_EQ(t[0].since, T0 + 11);
  EXPECT_EQ(t[0].transient, 11u);
  EXPECT_EQ(t[0].total, 23u);
  EXPECT_FALSE(m.alerting(0));
}

TEST(FailureMonitor, ShareBelowThresholdNeverFires) {
  FailureMonitor m(config(600, 0.3, 10), 1);
  for (int i = 0; i < 100; ++i) m.observe(0, i % 4 == 0, T0 + i);  // 25%
  EXPECT_TRUE(m.evaluate(T0 + 100).empty());
  EXPECT_EQ(m.window(0, T0 + 100).total, 100u);
  EXPECT_EQ(m.window(0, T0 + 100).transient, 25u);
}

TEST(FailureMonitor, WindowSlidesAndQuietGroupResolves) {
  FailureMonitor m(config(600, 0.5, 5), 1);
  for (int i = 0; i < 5; ++i) m.observe(0, true, T0);
  ASSERT_EQ(m.evaluate(T0).size(), 1u);
  // Still inside the window (buckets of 60 s; the window is 10 of them).
  EXPECT_TRUE(m.evaluate(T0 + 599).empty());
  EXPECT_EQ(m.window(0, T0 + 599).total, 5u);
  // The bucket has left the window: empty window, share 0, resolved.
  EXPECT_EQ(m.window(0, T0 + 600).total, 0u);
  auto t = m.evaluate(T0 + 600);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].kind, FailureAlert::Kind::resolved);
  EXPECT_EQ(t[0].total, 0u);
  // And it can fire again later.
  for (int i = 0; i < 5; ++i) m.observe(0, true, T0 + 3600);
  t = m.evaluate(T0 + 3600);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].kind, FailureAlert::Kind::alert);
}

TEST(FailureMonitor, OldAndReusedBuckets) {
  FailureMonitor m(config(600, 0.5, 1), 1);
  m.observe(0, true, T0 + 600);  // bucket slot reused for a newer minute
  m.observe(0, true, T0);        // older than what that bucket holds now: ignored
  EXPECT_EQ(m.window(0, T0 + 600).total, 1u);
  m.observe(0, false, T0 + 1200);  // same bucket again, a newer slot: the old count is dropped
  EXPECT_EQ(m.window(0, T0 + 1200).total, 1u);
  EXPECT_EQ(m.window(0, T0 + 1200).transient, 0u);
  // Out-of-range groups and negative times are ignored, not a crash.
  m.observe(7, true, T0);
  m.observe(0, true, -5);
  EXPECT_EQ(m.window(7, T0).total, 0u);
}

TEST(FailureMonitor, GroupsAreIndependentAndOrdered) {
  FailureMonitor m(config(600, 0.5, 2), 3);
  m.observe(2, true, T0);
  m.observe(2, true, T0);
  m.observe(0, true, T0);
  m.observe(0, true, T0);
  m.observe(1, false, T0);
  m.observe(1, false, T0);
  auto t = m.evaluate(T0);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].group, 0u);
  EXPECT_EQ(t[1].group, 2u);
}

TEST(FailureMonitor, ConfigValidation) {
  EXPECT_EQ(validate(FailureMonitorConfig{}), "");
  auto c = config();
  c.threshold = 0;
  EXPECT_NE(validate(c), "");
  c = config();
  c.threshold = 1.5;
  EXPECT_NE(validate(c), "");
  c = config();
  c.window_seconds = 10;
  EXPECT_NE(validate(c), "");
  c = config();
  c.min_volume = 0;
  EXPECT_NE(validate(c), "");
}

TEST(FailureMonitor, WindowShorterThanBucketCount) {
  FailureMonitorConfig c = config(60, 0.5, 1);
  c.buckets = 600;  // more buckets than seconds: one-second buckets
  FailureMonitor m(c, 1);
  m.observe(0, true, T0);
  EXPECT_EQ(m.window(0, T0 + 59).total, 1u);
  EXPECT_EQ(m.window(0, T0 + 60).total, 0u);
}

}  // namespace
}  // namespace bounced
