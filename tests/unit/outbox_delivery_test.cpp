// outbox_delivery_test.cpp: daemon/outbox_delivery against a real HTTP receiver started by the test
// (Boost.Beast on 127.0.0.1) and real programs: signed webhook events, retries with backoff while
// the receiver is down and across a store reopen (a daemon restart), HTTP errors, the listmonk
// payload, command actions (argv template, failure, timeout).
#include <utility>

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "outbox_delivery.hpp"

#include "temp_dir.hpp"

using namespace bounced;
namespace fs = std::filesystem;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr std::int64_t kT0 = 1'767'225'600;

struct TempDir : test::TempDir {
  TempDir() : test::TempDir("bounced-outbox") {}
};

struct Received {
  std::string target, body, event, signature, authorization;
};

// A one-thread HTTP/1.1 receiver: answers each request with the next status of `statuses` (the last
// one repeats), records what it got.
class Receiver {
 public:
  explicit Receiver(std::vector<unsigned> statuses, unsigned short port = 0)
      : statuses_(std::move(statuses)), acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), port}) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }
  ~Receiver() {
    stop_ = true;
    beast::error_code ec;
    // Wake the blocking accept with a connection of our own.
    asio::ip::tcp::socket s(ioc_);
    s.connect({asio::ip::make_address("127.0.0.1"), port_}, ec);
    thread_.join();
  }
  unsigned short port() const { return port_; }
  std::vector<Received> received() {
    std::lock_guard lock(mu_);
    return got_;
  }

 private:
  void serve() {
    while (!stop_) {
      asio::ip::tcp::socket socket(ioc_);
      beast::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stop_) return;
      beast::flat_buffer buffer;
      http::request<http::string_body> req;
      http::read(socket, buffer, req, ec);
      if (ec) continue;
      unsigned status;
      {
        std::lock_guard lock(mu_);
        got_.push_back({std::string(req.target()), req.body(), std::string(req["X-Bounced-Event"]),
                        std::string(req["X-Bounced-Signature"]), std::string(req[http::field::authorization])});
        status = statuses_[std::min(next_++, statuses_.size() - 1)];
      }
      http::response<http::string_body> res{static_cast<http::status>(status), 11};
      if (status != 204) res.body() = status < 300 ? "ok" : "try later";
      res.prepare_payload();
      http::write(socket, res, ec);
      socket.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    }
  }

  std::vector<unsigned> statuses_;
  std::size_t next_ = 0;
  asio::io_context ioc_;
  asio::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<Received> got_;
  std::thread thread_;
};

unsigned short free_port() {
  asio::io_context ioc;
  asio::ip::tcp::acceptor a(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

// A store holding one hard-bounce suppression queued for `target`.
std::unique_ptr<Store> store_with_event(const fs::path& path, const std::string& target) {
  auto store = open_sqlite_store(path);
  MessageReport report;
  report.kind = MessageKind::bounce;
  RecipientResult r;
  r.recipient = "dead@example.org";
  r.reason = "userunknown";
  r.hard_bounce = true;
  r.status = "5.1.1";
  r.status_class = "permanent";
  r.action = "failed";
  report.recipients.push_back(r);
  IncomingMessage m;
  m.content_hash = "h";
  m.source = "test";
  m.received_at = kT0;
  m.list = "news";
  m.report = &report;
  RecordOptions opt;
  opt.outbox_targets = {OutboxTarget{target, {}}};
  store->record(m, opt);
  return store;
}

ActionTarget webhook(unsigned short port, std::string secret = "hook-secret") {
  ActionTarget t;
  t.type = ActionTarget::Type::webhook;
  t.webhook.url = "http://127.0.0.1:" + std::to_string(port) + "/hooks/bounced";
  t.webhook.secret = std::move(secret);
  t.webhook.timeout = std::chrono::seconds(5);
  return t;
}

}  // namespace

TEST(OutboxDelivery, RetryDelayAndPayloadField) {
  EXPECT_EQ(retry_delay(0), 30);
  EXPECT_EQ(retry_delay(1), 60);
  EXPECT_EQ(retry_delay(5), 960);
  EXPECT_EQ(retry_delay(7), 3600);
  EXPECT_EQ(retry_delay(1000), 3600);
  const std::string p = R"({"event": "suppressed", "address": "a\"b@example.org", "list": "", "id": 3})";
  EXPECT_EQ(payload_field(p, "address"), "a\"b@example.org");
  EXPECT_EQ(payload_field(p, "list"), "");
  EXPECT_EQ(payload_field(p, "missing"), "");
}

TEST(OutboxDelivery, SignedWebhookDelivered) {
  TempDir dir;
  auto store = store_with_event(dir / "b.db", "hook");
  Receiver rx({200});
  std::map<std::string, ActionTarget, std::less<>> targets{{"hook", webhook(rx.port())}};
  const auto run = deliver_due(*store, targets, kT0 + 5);
  EXPECT_EQ(run.delivered, 1);
  EXPECT_EQ(run.retried, 0);
  const auto got = rx.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].target, "/hooks/bounced");
  EXPECT_EQ(got[0].event, "suppressed");
  EXPECT_NE(got[0].body.find("\"address\": \"dead@example.org\""), std::string::npos);
  EXPECT_EQ(got[0].signature, webhook_signature("hook-secret", kT0 + 5, got[0].body));
  EXPECT_EQ(got[0].signature.rfind("t=", 0), 0u);
  EXPECT_EQ(store->outbox_counts().pending, 0);
  EXPECT_EQ(deliver_due(*store, targets, kT0 + 10).delivered, 0);  // nothing twice
}

TEST(OutboxDelivery, ReceiverDownThenUpAcrossRestart) {
  TempDir dir;
  const auto path = dir / "b.db";
  const unsigned short port = free_port();
  {
    auto store = store_with_event(path, "hook");
    std::map<std::string, ActionTarget, std::less<>> targets{{"hook", webhook(port)}};
    auto run = deliver_due(*store, targets, kT0);
    EXPECT_EQ(run.retried, 1);
    auto due = store->outbox_due(kT0 + 3600, 10);
    ASSERT_EQ(due.size(), 1u);
    EXPECT_EQ(due[0].attempts, 1);
    EXPECT_EQ(due[0].next_attempt, kT0 + 30);
    EXPECT_FALSE(due[0].last_error.empty());
    EXPECT_TRUE(store->outbox_due(kT0 + 29, 10).empty());
    run = deliver_due(*store, targets, kT0 + 30);  // still down: backoff doubles
    EXPECT_EQ(run.retried, 1);
    EXPECT_EQ(store->outbox_due(kT0 + 3600, 10).at(0).next_attempt, kT0 + 90);
  }
  // "Restart": a new store object on the same file, and the receiver is up now.
  Receiver rx({200}, port);
  auto store = open_sqlite_store(path);
  std::map<std::string, ActionTarget, std::less<>> targets{{"hook", webhook(port)}};
  EXPECT_EQ(deliver_due(*store, targets, kT0 + 60).delivered, 0);  // not due yet
  EXPECT_EQ(deliver_due(*store, targets, kT0 + 90).delivered, 1);
  EXPECT_EQ(rx.received().size(), 1u);
  EXPECT_EQ(store->outbox_counts().pending, 0);
  EXPECT_EQ(store->outbox_counts().done, 1);
}

TEST(OutboxDelivery, HttpErrorsAreRetried) {
  TempDir dir;
  auto store = store_with_event(dir / "b.db", "hook");
  Receiver rx({503, 500, 204});
  std::map<std::string, ActionTarget, std::less<>> targets{{"hook", webhook(rx.port(), "")}};
  EXPECT_EQ(deliver_due(*store, targets, kT0).retried, 1);
  EXPECT_NE(store->outbox_due(kT0 + 3600, 1).at(0).last_error.find("HTTP 503"), std::string::npos);
  EXPECT_EQ(deliver_due(*store, targets, kT0 + 30).retried, 1);
  EXPECT_EQ(deliver_due(*store, targets, kT0 + 90).delivered, 1);
  const auto got = rx.received();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].signature, "");  // no secret, no signature
}

TEST(OutboxDelivery, ListmonkPayload) {
  TempDir dir;
  auto store = store_with_event(dir / "b.db", "listmonk");
  Receiver rx({200});
  ActionTarget t = webhook(rx.port(), "");
  t.webhook.url = "http://127.0.0.1:" + std::to_string(rx.port()) + "/webhooks/bounce";
  t.webhook.listmonk = true;
  t.webhook.basic_auth = "api:token";
  std::map<std::string, ActionTarget, std::less<>> targets{{"listmonk", t}};
  EXPECT_EQ(deliver_due(*store, targets, kT0).delivered, 1);
  const auto got = rx.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].target, "/webhooks/bounce");
  EXPECT_EQ(got[0].body.rfind(R"({"email": "dead@example.org", "source": "bounced", "type": "hard", "meta": {)", 0),
            0u)
      << got[0].body;
  EXPECT_EQ(got[0].authorization, "Basic YXBpOnRva2Vu");
  // A lift is not sent to listmonk but leaves the outbox.
  RecordOptions lift_options;
  lift_options.outbox_targets = {OutboxTarget{"listmonk", {}}};
  store->lift("dead@example.org", std::nullopt, "ops", kT0 + 1, lift_options);
  EXPECT_EQ(deliver_due(*store, targets, kT0 + 2).delivered, 1);
  EXPECT_EQ(rx.received().size(), 1u);
}

TEST(OutboxDelivery, UnknownTargetAndBadUrl) {
  TempDir dir;
  auto store = store_with_event(dir / "b.db", "gone");
  std::map<std::string, ActionTarget, std::less<>> targets;
  EXPECT_EQ(deliver_due(*store, targets, kT0).unknown_target, 1);
  EXPECT_EQ(store->outbox_counts().pending, 1);
  ActionTarget bad;
  bad.webhook.url = "ftp://example.org/";
  targets.emplace("gone", bad);
  EXPECT_EQ(deliver_due(*store, targets, kT0 + 3600).retried, 1);
  EXPECT_NE(store->outbox_due(kT0 + 99999, 1).at(0).last_error.find("http://"), std::string::npos);
}

TEST(OutboxDelivery, CommandAction) {
  TempDir dir;
  auto store = store_with_event(dir / "b.db", "cmd");
  const auto out = dir / "out.txt";
  ActionTarget t;
  t.type = ActionTarget::Type::command;
  // No shell is involved in running the action: sh here is just the program the test chose,
  // and the substituted values arrive as separate arguments.
  t.command.argv = {"sh", "-c", "printf '%s|%s|%s|%s' \"$1\" \"$2\" \"$3\" \"$4\" > \"$5\"", "sh", "{address}", "{list}",
                    "{kind}", "{event}", out.string()};
  std::map<std::string, ActionTarget, std::less<>> targets{{"cmd", t}};
  EXPECT_EQ(deliver_due(*store, targets, kT0).delivered, 1);
  std::ifstream in(out);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "dead@example.org|news|hard|suppressed");

  OutboxItem item;
  item.event = "suppressed";
  CommandTarget fail{{"false"}, std::chrono::seconds(5)};
  EXPECT_NE(run_command(fail, item).error.find("exited with status 1"), std::string::npos);
  CommandTarget missing{{"/nonexistent/program"}, std::chrono::seconds(5)};
  EXPECT_FALSE(run_command(missing, item).ok);
  CommandTarget slow{{"sleep", "10"}, std::chrono::seconds(1)};
  const auto start = std::chrono::steady_clock::now();
  const auto r = run_command(slow, item);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("timed out"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}
