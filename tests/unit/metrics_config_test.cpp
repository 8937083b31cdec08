// metrics_config_test.cpp: the `metrics:` section of the daemon's config (endpoint, domain groups,
// transient-failure alerts): defaults, the embedded file, and errors with file:line:column.
#include <gtest/gtest.h>

#include "config.hpp"

namespace bounced {
namespace {

std::string first_error(std::string_view yaml) {
  std::vector<std::string> errors;
  auto cfg = load_config(yaml, "t.yaml", errors);
  EXPECT_FALSE(cfg.has_value());
  return errors.empty() ? "" : errors.front();
}

std::optional<Config> load_ok(std::string_view yaml) {
  std::vector<std::string> errors;
  auto cfg = load_config(yaml, "t.yaml", errors);
  EXPECT_TRUE(cfg) << (errors.empty() ? "" : errors[0]);
  return cfg;
}

TEST(MetricsConfig, EmbeddedDefaultListensOnLoopback) {
  std::vector<std::string> errors;
  auto cfg = load_config(embedded_config_text(), "<embedded>", errors);
  ASSERT_TRUE(cfg) << (errors.empty() ? "" : errors[0]);
  ASSERT_TRUE(cfg->metrics.listen);
  EXPECT_EQ(cfg->metrics.listen->host, "127.0.0.1");
  EXPECT_EQ(cfg->metrics.listen->port, 9425);
  EXPECT_TRUE(cfg->metrics.alerts);
  EXPECT_FALSE(cfg->metrics.domain_groups.empty());
}

TEST(MetricsConfig, AbsentMeansNoEndpointButAlertsWithDefaults) {
  auto cfg = load_ok("state_dir: /tmp/x\n");
  ASSERT_TRUE(cfg);
  EXPECT_FALSE(cfg->metrics.listen);
  EXPECT_TRUE(cfg->metrics.alerts);
  EXPECT_EQ(cfg->metrics.alert.window_seconds, 3600);
  EXPECT_EQ(cfg->metrics.domain_groups.size(), default_domain_groups().size());
}

TEST(MetricsConfig, Values) {
  auto cfg = load_ok(
      "state_dir: /tmp/x\n"
      "metrics:\n"
      "  listen: '[::1]:9500'\n"
      "  max_connections: 4\n"
      "  read_timeout: 3s\n"
      "  domain_groups:\n"
      "    - name: corp\n"
      "      domains: [example.com, example.net]\n"
      "    - name: hosted\n"
      "      mx: [mx.example.org]\n"
      "  transient_alerts:\n"
      "    enabled: true\n"
      "    window: 15m\n"
      "    threshold: 25%\n"
      "    min_volume: 50\n");
  ASSERT_TRUE(cfg);
  ASSERT_TRUE(cfg->metrics.listen);
  EXPECT_EQ(cfg->metrics.listen->host, "::1");
  EXPECT_EQ(cfg->metrics.listen->port, 9500);
  EXPECT_EQ(cfg->metrics.max_connections, 4u);
  EXPECT_EQ(cfg->metrics.read_timeout.count(), 3);
  ASSERT_EQ(cfg->metrics.domain_groups.size(), 2u);
  EXPECT_EQ(cfg->metrics.domain_groups[0].domains[1], "example.net");
  EXPECT_EQ(cfg->metrics.domain_groups[1].mx[0], "mx.example.org");
  EXPECT_EQ(cfg->metrics.alert.window_seconds, 900);
  EXPECT_DOUBLE_EQ(cfg->metrics.alert.threshold, 0.25);
  EXPECT_EQ(cfg->metrics.alert.min_volume, 50u);
  cfg = load_ok("metrics:\n  transient_alerts:\n    threshold: 0.4\n");
  EXPECT_DOUBLE_EQ(cfg->metrics.alert.threshold, 0.4);
}

TEST(MetricsConfig, DisabledEndpoint) {
  EXPECT_FALSE(load_ok("metrics:\n  listen: ''\n")->metrics.listen);
  EXPECT_FALSE(load_ok("metrics:\n  listen: false\n")->metrics.listen);
  EXPECT_FALSE(load_ok("metrics:\n  transient_alerts:\n    enabled: false\n")->metrics.alerts);
}

TEST(MetricsConfig, ErrorsCarryPositions) {
  EXPECT_EQ(first_error("metrics:\n  listen: unix:m.sock\n"),
            "t.yaml:2:11: the metrics endpoint listens on TCP only (HOST:PORT), not 'unix:m.sock'");
  EXPECT_EQ(first_error("metrics:\n  listen: example.com:9425\n"),
            "t.yaml:2:11: metrics 'listen' host must be a numeric IP address, localhost or *, not 'example.com'");
  EXPECT_EQ(first_error("metrics:\n  listen: 127.0.0.1:99999\n"), "t.yaml:2:11: bad host or port in '127.0.0.1:99999'");
  EXPECT_EQ(first_error("metrics:\n  port: 1\n").substr(0, 40), "t.yaml:2:3: unknown key 'port' in metric");
  EXPECT_EQ(first_error("metrics:\n  transient_alerts:\n    threshold: 150%\n"),
            "t.yaml:3:16: 'threshold' must be a share such as 0.3 or 30% (above 0, at most 1), not '150%'");
  EXPECT_EQ(first_error("metrics:\n  transient_alerts:\n    threshold: 0\n").substr(0, 13), "t.yaml:3:16: ");
  EXPECT_EQ(first_error("metrics:\n  transient_alerts:\n    window: 10s\n"), "t.yaml:3:13: 'window' must be at least 60s");
  EXPECT_EQ(first_error("metrics:\n  transient_alerts:\n    window: 30d\n"), "t.yaml:3:13: 'window' must be at most 7d");
  EXPECT_EQ(first_error("metrics:\n  transient_alerts:\n    min_volume: 0\n"),
            "t.yaml:3:17: 'min_volume' must be between 1 and 100000000");
  EXPECT_EQ(first_error("metrics:\n  domain_groups:\n    - name: other\n      domains: [a.com]\n"),
            "t.yaml:3:7: group name 'other' must be 1-32 characters of a-z, 0-9 and _, and not 'other'");
  EXPECT_EQ(first_error("metrics:\n  domain_groups:\n    - name: a\n      domains: [a.com]\n    - name: a\n"
                        "      domains: [b.com]\n"),
            "t.yaml:3:5: group 'a' is listed twice");
  EXPECT_EQ(first_error("metrics:\n  domain_groups:\n    - name: a\n      domains: [bad domain]\n"),
            "t.yaml:3:7: group 'a': 'bad domain' is not a domain (or NAME.*)");
  EXPECT_EQ(first_error("metrics:\n  domain_groups: gmail\n"),
            "t.yaml:2:18: 'domain_groups' must be a list of {name, domains, mx} (omit it for the built-in list)");
}

}  // namespace
}  // namespace bounced
