// outbox_delivery.cpp: see outbox_delivery.hpp. HTTP with Boost.Beast over Asio C++20 coroutines,
// each delivery in its own io_context bounded by run_for(timeout); commands with posix_spawn.
#include <utility>  // before asio's awaitable header (Boost 1.74 with g++ 12)

#include "outbox_delivery.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <exception>
#include <thread>

#include "digest.hpp"
#include "json.hpp"

extern char** environ;

namespace bounced {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

constexpr std::size_t kMaxResponseBody = 64 * 1024;

struct Url {
  bool tls = false;
  std::string host, port, target;
};

bool parse_url(std::string_view u, Url& out, std::string& error) {
  if (u.rfind("http://", 0) == 0) {
    u.remove_prefix(7);
  } else if (u.rfind("https://", 0) == 0) {
    out.tls = true;
    u.remove_prefix(8);
  } else {
    error = "webhook URL must start with http:// or https://";
    return false;
  }
  const auto slash = u.find('/');
  std::string_view authority = u.substr(0, slash);
  out.target = slash == std::string_view::npos ? "/" : std::string(u.substr(slash));
  if (authority.find('@') != std::string_view::npos) {
    error = "credentials in the webhook URL are not supported (use basic_auth)";
    return false;
  }
  std::string_view host = authority, port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      error = "bad IPv6 literal in webhook URL";
      return false;
    }
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') port = authority.substr(close + 2);
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) {
    error = "webhook URL has no host";
    return false;
  }
  out.host = std::string(host);
  out.port = port.empty() ? (out.tls ? "443" : "80") : std::string(port);
  return true;
}

std::string base64(std::string_view s) {
  std::string out(beast::detail::base64::encoded_size(s.size()), '\0');
  out.resize(beast::detail::base64::encode(out.data(), s.data(), s.size()));
  return out;
}

// listmonk's generic bounce webhook body: {"email", "source", "type": hard|soft|complaint, "meta"}.
std::string listmonk_body(const OutboxItem& item) {
  const std::string kind = payload_field(item.payload, "kind");
  std::string o = "{\"email\": ";
  append_json_string(o, payload_field(item.payload, "address"));
  // listmonk identifies campaigns and subscribers by UUID (X-Listmonk-Campaign / -Subscriber).
  auto is_uuid = [](std::string_view v) {
    if (v.size() != 36) return false;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash ? v[i] != '-' : !std::isxdigit(static_cast<unsigned char>(v[i]))) return false;
    }
    return true;
  };
  if (const auto list = payload_field(item.payload, "list"); is_uuid(list)) {
    o += ", \"campaign_uuid\": ";
    append_json_string(o, list);
  }
  if (const auto ref = payload_field(item.payload, "subscriber_ref"); is_uuid(ref)) {
    o += ", \"subscriber_uuid\": ";
    append_json_string(o, ref);
  }
  o += ", \"source\": \"bounced\", \"type\": ";
  append_json_string(o, kind == "complaint" ? "complaint" : kind == "soft" ? "soft" : "hard");
  o += ", \"meta\": ";
  o += item.payload;
  o += "}";
  return o;
}

template <class Stream>
asio::awaitable<void> exchange(Stream& stream, http::request<http::string_body>& req, unsigned& status,
                               std::string& body) {
  co_await http::async_write(stream, req, asio::use_awaitable);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBody);
  co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
  status = parser.get().result_int();
  body = parser.get().body().substr(0, 200);
}

asio::awaitable<void> post(const Url& url, http::request<http::string_body> req, std::chrono::seconds timeout,
                           unsigned& status, std::string& body) {
  auto ex = co_await asio::this_coro::executor;
  tcp::resolver resolver(ex);
  const auto endpoints = co_await resolver.async_resolve(url.host, url.port, asio::use_awaitable);
  if (!url.tls) {
    beast::tcp_stream stream(ex);
    stream.expires_after(timeout);
    co_await stream.async_connect(endpoints, asio::use_awaitable);
    co_await exchange(stream, req, status, body);
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    co_return;
  }
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_default_verify_paths();
  ctx.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(ex, ctx);
  if (!SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str()))
    throw std::runtime_error("cannot set TLS server name");
  stream.set_verify_callback(asio::ssl::host_name_verification(url.host));
  beast::get_lowest_layer(stream).expires_after(timeout);
  co_await beast::get_lowest_layer(stream).async_connect(endpoints, asio::use_awaitable);
  co_await stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
  co_await exchange(stream, req, status, body);
}

std::string substitute(std::string_view tmpl, const OutboxItem& item) {
  std::string out;
  for (std::size_t i = 0; i < tmpl.size();) {
    if (tmpl[i] == '{') {
      const auto close = tmpl.find('}', i);
      if (close != std::string_view::npos) {
        const std::string_view key = tmpl.substr(i + 1, close - i - 1);
        if (key == "address" || key == "list" || key == "kind" || key == "reason" || key == "event") {
          out += key == "event" ? item.event : payload_field(item.payload, key);
          i = close + 1;
          continue;
        }
      }
    }
    out += tmpl[i++];
  }
  return out;
}

}  // namespace

std::int64_t retry_delay(int attempts, std::int64_t first, std::int64_t max) {
  if (first < 1) first = 1;
  if (max < first) max = first;
  if (attempts < 0) attempts = 0;
  std::int64_t d = first;
  for (int i = 0; i < attempts && d < max; ++i) d *= 2;
  return std::min(d, max);
}

std::string webhook_signature(std::string_view secret, std::int64_t now, std::string_view body) {
  std::string signed_text = std::to_string(now);
  signed_text += '.';
  signed_text += body;
  return "t=" + std::to_string(now) + ",v1=" + digest::to_hex(digest::hmac_sha256(secret, signed_text));
}

std::string payload_field(std::string_view p, std::string_view key) {
  const std::string needle = "\"" + std::string(key) + "\": \"";
  const auto at = p.find(needle);
  if (at == std::string_view::npos) return "";
  std::string out;
  for (std::size_t i = at + needle.size(); i < p.size(); ++i) {
    const char c = p[i];
    if (c == '"') return out;
    if (c != '\\' || i + 1 >= p.size()) {
      out += c;
      continue;
    }
    const char e = p[++i];
    switch (e) {
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u':  // our writer only escapes control characters this way; drop them
        i += 4;
        break;
      default: out += e;
    }
  }
  return "";
}

DeliveryResult deliver_webhook(const WebhookTarget& target, const OutboxItem& item, std::int64_t now) {
  Url url;
  std::string error;
  if (!parse_url(target.url, url, error)) return {false, error};
  http::request<http::string_body> req{http::verb::post, url.target, 11};
  req.set(http::field::host, url.host);
  req.set(http::field::user_agent, "bounced/" BOUNCED_VERSION);
  req.set(http::field::content_type, "application/json");
  req.body() = target.listmonk ? listmonk_body(item) : item.payload;
  req.set("X-Bounced-Event", item.event);
  req.set("X-Bounced-Delivery", std::to_string(item.id));
  if (!target.secret.empty()) req.set("X-Bounced-Signature", webhook_signature(target.secret, now, req.body()));
  if (!target.basic_auth.empty()) req.set(http::field::authorization, "Basic " + base64(target.basic_auth));
  req.prepare_payload();

  asio::io_context ioc;
  unsigned status = 0;
  std::string body;
  std::exception_ptr failure;
  bool finished = false;
  asio::co_spawn(ioc, post(url, std::move(req), target.timeout, status, body), [&](std::exception_ptr e) {
    failure = e;
    finished = true;
  });
  ioc.run_for(target.timeout + std::chrono::seconds(1));
  if (!finished) return {false, "timed out after " + std::to_string(target.timeout.count()) + " s"};
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      return {false, e.what()};
    }
  }
  if (status >= 200 && status < 300) return {true, ""};
  return {false, "HTTP " + std::to_string(status) + (body.empty() ? "" : ": " + body)};
}

DeliveryResult run_command(const CommandTarget& target, const OutboxItem& item) {
  if (target.argv.empty()) return {false, "empty command"};
  std::vector<std::string> args;
  args.reserve(target.argv.size());
  for (const auto& a : target.argv) args.push_back(substitute(a, item));
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);  // own process group: a timeout kills it all
  posix_spawnattr_setpgroup(&attr, 0);
  const int rc = posix_spawnp(&pid, argv[0], nullptr, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return {false, std::string("cannot run ") + args[0] + ": " + std::strerror(rc)};
  const auto deadline = std::chrono::steady_clock::now() + target.timeout;
  int status = 0;
  for (auto wait = std::chrono::milliseconds(1);; wait = std::min(wait * 2, std::chrono::milliseconds(100))) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0) return {false, std::string("waitpid: ") + std::strerror(errno)};
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      return {false, args[0] + " timed out after " + std::to_string(target.timeout.count()) + " s"};
    }
    std::this_thread::sleep_for(wait);
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {true, ""};
  if (WIFEXITED(status)) return {false, args[0] + " exited with status " + std::to_string(WEXITSTATUS(status))};
  return {false, args[0] + " killed by signal " + std::to_string(WIFSIGNALED(status) ? WTERMSIG(status) : 0)};
}

OutboxRun deliver_due(Store& store, const std::map<std::string, ActionTarget, std::less<>>& targets,
                      std::int64_t now, std::size_t limit, RetryPolicy retry) {
  OutboxRun run;
  for (const auto& item : store.outbox_due(now, limit)) {
    const auto it = targets.find(item.target);
    if (it == targets.end()) {
      store.outbox_retry(item.id, now + retry_delay(item.attempts, retry.first, retry.max), "no such action target: " + item.target);
      ++run.unknown_target;
      continue;
    }
    const ActionTarget& t = it->second;
    DeliveryResult r;
    if (t.type == ActionTarget::Type::webhook) {
      // listmonk has no notion of a lifted suppression: nothing to send.
      if (t.webhook.listmonk && item.event != "suppressed") r = {true, ""};
      else r = deliver_webhook(t.webhook, item, now);
    } else {
      r = run_command(t.command, item);
    }
    if (r.ok) {
      store.outbox_done(item.id, now);
      ++run.delivered;
    } else {
      store.outbox_retry(item.id, now + retry_delay(item.attempts, retry.first, retry.max), r.error);
      ++run.retried;
    }
  }
  return run;
}

}  // namespace bounced
