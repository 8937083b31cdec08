// outbox_delivery.hpp: delivers the store's outbox (suppressed / lifted events) to action targets:
// `webhook` (HTTP(S) POST of the JSON event with an HMAC-SHA256 signature header, or a
// listmonk-compatible bounce payload) and `command` (a program run with an argv template, no
// shell, with a timeout). A failed delivery is retried with exponential backoff; the outbox lives
// in the store, so a restart or a receiver that is down for hours loses nothing.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "store.hpp"

namespace bounced {

struct WebhookTarget {
  std::string url;               // http://host[:port]/path or https://...
  std::string secret;            // HMAC key for X-Bounced-Signature ("" = unsigned)
  bool listmonk = false;         // listmonk's POST /webhooks/bounce payload instead of bounced's event
  std::string basic_auth;        // "user:token" for listmonk's API user ("" = none)
  std::chrono::seconds timeout{10};
};

struct CommandTarget {
  // argv template; {address}, {list}, {kind}, {reason}, {event} are replaced in each argument.
  std::vector<std::string> argv;
  std::chrono::seconds timeout{30};
};

struct ActionTarget {
  enum class Type { webhook, command } type = Type::webhook;
  WebhookTarget webhook;
  CommandTarget command;
};

struct DeliveryResult {
  bool ok = false;
  std::string error;  // why it failed (for the outbox's last_error and the log)
};

// One POST. 2xx is success; anything else (including a timeout) is an error to retry.
DeliveryResult deliver_webhook(const WebhookTarget& target, const OutboxItem& item, std::int64_t now);
// One run. Exit status 0 is success.
DeliveryResult run_command(const CommandTarget& target, const OutboxItem& item);

// Seconds to wait before attempt number `attempts + 1`: `first` doubling up to `max` (default 30 s
// doubling up to 1 h).
std::int64_t retry_delay(int attempts, std::int64_t first = 30, std::int64_t max = 3600);

// The signature header value: "t=<now>,v1=<hex HMAC-SHA256(secret, "<now>." + body)>".
std::string webhook_signature(std::string_view secret, std::int64_t now, std::string_view body);

// A string field of the flat JSON objects the store writes as payloads ("" when absent).
std::string payload_field(std::string_view payload, std::string_view key);

struct OutboxRun {
  int delivered = 0, retried = 0, unknown_target = 0;
};

// Delivers every due item (at most `limit`) to its target from `targets` (by name), recording the
// outcome in the store. Items whose target is not configured are retried later (a reload may add it).
struct RetryPolicy {
  std::int64_t first = 30, max = 3600;  // seconds
};

OutboxRun deliver_due(Store& store, const std::map<std::string, ActionTarget, std::less<>>& targets,
                      std::int64_t now, std::size_t limit = 100, RetryPolicy retry = {});

}  // namespace bounced
