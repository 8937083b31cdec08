// lmtp_load.cpp: LMTP load generator. Replays real bounce files over N concurrent connections
// with pipelining (MAIL, RCPT... and DATA in one write; then the message, its final "." and the
// next MAIL, RCPT... DATA in one write; --no-pipeline sends that next batch only after the
// replies) and reports messages/s, latency from the end of DATA to the last per-recipient reply
// (p50/p99), reply codes, the server's peak RSS (VmHWM of --pid), and the CPU time the server and
// this generator spent per message during the run (user + system, from /proc and getrusage): the
// figure that holds when other work on the machine makes the throughput noisy.
// Each message gets an "X-Bench-Id" header so the server's dedup sees distinct messages.
//
//   lmtp_load (--tcp HOST:PORT | --unix PATH) --dir DIR [--connections 16] [--messages 20000]
//             [--rcpts 1] [--pid SERVER_PID] [--max-files 5000] [--no-pipeline]
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string tcp, unix_path, dir;
  int connections = 16;
  long messages = 20000;
  int rcpts = 1;
  long pid = 0;
  std::size_t max_files = 5000;
  bool pipeline = true;  // the next MAIL/RCPT/DATA in the same write as the final "."
};

struct Shared {
  std::vector<std::string> bodies;  // CRLF, dot-stuffed, without the final "."
  long next = 0;                    // next message number to send
  long total = 0;
  std::vector<double> latencies_ms;
  long ok = 0, temp_fail = 0, perm_fail = 0, conn_errors = 0;
  std::string first_error;
};

std::string prepare(const std::string& raw) {
  std::string out;
  out.reserve(raw.size() + raw.size() / 40 + 8);
  bool line_start = true;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (line_start && c == '.') out += '.';
    if (c == '\n' && (i == 0 || raw[i - 1] != '\r')) out += '\r';
    out += c;
    line_start = c == '\n';
  }
  if (!line_start) out += "\r\n";
  return out;
}

awaitable<std::string> read_line(asio::generic::stream_protocol::socket& s, std::string& buf) {
  const std::size_t n = co_await asio::async_read_until(s, asio::dynamic_buffer(buf), "\r\n", use_awaitable);
  std::string line = buf.substr(0, n - 2);
  buf.erase(0, n);
  co_return line;
}

// The last line of one (possibly multi-line) reply.
awaitable<std::string> read_reply(asio::generic::stream_protocol::socket& s, std::string& buf) {
  for (;;) {
    std::string line = co_await read_line(s, buf);
    if (line.size() < 4 || line[3] != '-') co_return line;
  }
}

awaitable<void> run_connection(int id, const Options& opt, Shared& sh, asio::generic::stream_protocol::endpoint ep) {
  asio::generic::stream_protocol::socket s(co_await asio::this_coro::executor);
  try {
    co_await s.async_connect(ep, use_awaitable);
    if (ep.protocol().family() != AF_UNIX) {
      const int one = 1;
      ::setsockopt(s.native_handle(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    std::string buf;
    co_await read_reply(s, buf);
    co_await asio::async_write(s, asio::buffer(std::string("LHLO bench.invalid\r\n")), use_awaitable);
    co_await read_reply(s, buf);
    std::string envelope = "MAIL FROM:<>\r\n";
    for (int r = 0; r < opt.rcpts; ++r) envelope += "RCPT TO:<rcpt" + std::to_string(r) + "@bench.invalid>\r\n";
    envelope += "DATA\r\n";
    auto read_envelope_replies = [&]() -> awaitable<void> {
      for (int r = 0; r < opt.rcpts + 1; ++r) co_await read_reply(s, buf);
      const std::string reply = co_await read_reply(s, buf);
      if (reply.rfind("354", 0) != 0) throw std::runtime_error("DATA refused: " + reply);
    };
    long n = sh.next < sh.total ? sh.next++ : -1;
    if (n >= 0) {
      co_await asio::async_write(s, asio::buffer(envelope), use_awaitable);
      co_await read_envelope_replies();
    }
    while (n >= 0) {
      const std::string& body = sh.bodies[static_cast<std::size_t>(n) % sh.bodies.size()];
      const std::string header = "X-Bench-Id: " + std::to_string(id) + "-" + std::to_string(n) + "-" +
                                 std::to_string(Clock::now().time_since_epoch().count()) + "\r\n";
      static const std::string dot = ".\r\n";
      // Pipelining (RFC 2920): the next transaction's MAIL, RCPT and DATA follow the final "." in
      // the same write, as Postfix's LMTP client does when it has more mail for the connection.
      const long next = opt.pipeline && sh.next < sh.total ? sh.next++ : -1;
      const std::array<asio::const_buffer, 4> parts{asio::buffer(header), asio::buffer(body), asio::buffer(dot),
                                                    next >= 0 ? asio::buffer(envelope) : asio::const_buffer()};
      co_await asio::async_write(s, parts, use_awaitable);
      const auto t0 = Clock::now();
      for (int r = 0; r < opt.rcpts; ++r) {
        const std::string rr = co_await read_reply(s, buf);
        if (rr.empty()) continue;
        if (rr[0] == '2') ++sh.ok;
        else if (rr[0] == '4') ++sh.temp_fail;
        else ++sh.perm_fail;
        if (rr[0] != '2' && sh.first_error.empty()) sh.first_error = rr;
      }
      sh.latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      if (next >= 0) {
        co_await read_envelope_replies();
      } else if (!opt.pipeline && sh.next < sh.total) {
        n = sh.next++;
        co_await asio::async_write(s, asio::buffer(envelope), use_awaitable);
        co_await read_envelope_replies();
        continue;
      }
      n = next;
    }
    co_await asio::async_write(s, asio::buffer(std::string("QUIT\r\n")), use_awaitable);
    co_await read_reply(s, buf);
  } catch (const std::exception& e) {
    ++sh.conn_errors;
    if (sh.first_error.empty()) sh.first_error = e.what();
  }
}

long status_kib(long pid, const char* field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::strlen(field) + 1);
  return -1;
}

// User + system CPU seconds of a process so far (/proc/PID/stat fields 14 and 15), -1 if unknown.
double process_cpu_seconds(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(in, stat);
  const auto paren = stat.rfind(')');  // the command name may hold spaces
  if (paren == std::string::npos) return -1;
  std::istringstream fields(stat.substr(paren + 2));
  std::string f;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::atol(f.c_str());
    if (i == 15) stime = std::atol(f.c_str());
  }
  return double(utime + stime) / double(sysconf(_SC_CLK_TCK));
}

double own_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

void usage() {
  std::fprintf(stderr,
               "usage: lmtp_load (--tcp HOST:PORT | --unix PATH) --dir DIR [--connections N] [--messages M]\n"
               "                 [--rcpts K] [--pid SERVER_PID] [--max-files F] [--no-pipeline]\n");
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        usage();
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--tcp") opt.tcp = next();
    else if (a == "--unix") opt.unix_path = next();
    else if (a == "--dir") opt.dir = next();
    else if (a == "--connections") opt.connections = std::atoi(next().c_str());
    else if (a == "--messages") opt.messages = std::atol(next().c_str());
    else if (a == "--rcpts") opt.rcpts = std::atoi(next().c_str());
    else if (a == "--pid") opt.pid = std::atol(next().c_str());
    else if (a == "--max-files") opt.max_files = static_cast<std::size_t>(std::atol(next().c_str()));
    else if (a == "--no-pipeline") opt.pipeline = false;
    else {
      usage();
      return 2;
    }
  }
  if ((opt.tcp.empty() == opt.unix_path.empty()) || opt.dir.empty() || opt.connections < 1 || opt.rcpts < 1) {
    usage();
    return 2;
  }
  Shared sh;
  sh.total = opt.messages;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(opt.dir))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  if (files.size() > opt.max_files) files.resize(opt.max_files);
  std::size_t bytes = 0;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    sh.bodies.push_back(prepare(ss.str()));
    bytes += sh.bodies.back().size();
  }
  if (sh.bodies.empty()) {
    std::fprintf(stderr, "lmtp_load: no files under %s\n", opt.dir.c_str());
    return 2;
  }
  asio::generic::stream_protocol::endpoint ep;
  if (!opt.tcp.empty()) {
    const auto colon = opt.tcp.rfind(':');
    ep = asio::ip::tcp::endpoint(asio::ip::make_address(opt.tcp.substr(0, colon)),
                                 static_cast<unsigned short>(std::atoi(opt.tcp.c_str() + colon + 1)));
  } else {
    ep = asio::local::stream_protocol::endpoint(opt.unix_path);
  }
  asio::io_context io(1);
  for (int c = 0; c < opt.connections; ++c) asio::co_spawn(io, run_connection(c, opt, sh, ep), asio::detached);
  const double server_cpu0 = opt.pid ? process_cpu_seconds(opt.pid) : -1, own_cpu0 = own_cpu_seconds();
  const auto start = Clock::now();
  io.run();
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  const double server_cpu = opt.pid && server_cpu0 >= 0 ? process_cpu_seconds(opt.pid) - server_cpu0 : -1;
  const double own_cpu = own_cpu_seconds() - own_cpu0;
  std::sort(sh.latencies_ms.begin(), sh.latencies_ms.end());
  auto pct = [&](double p) {
    if (sh.latencies_ms.empty()) return 0.0;
    return sh.latencies_ms[std::min(sh.latencies_ms.size() - 1, static_cast<std::size_t>(p * sh.latencies_ms.size()))];
  };
  const long done = static_cast<long>(sh.latencies_ms.size());
  std::printf("{\"connections\": %d, \"messages\": %ld, \"rcpts\": %d, \"seconds\": %.3f, \"msgs_per_s\": %.0f, "
              "\"p50_ms\": %.3f, \"p99_ms\": %.3f, \"max_ms\": %.3f, \"ok\": %ld, \"temp_fail\": %ld, \"perm_fail\": %ld, "
              "\"conn_errors\": %ld, \"files\": %zu, \"avg_bytes\": %zu, \"server_vmhwm_kib\": %ld, "
              "\"server_vmrss_kib\": %ld, \"server_cpu_us_per_msg\": %.1f, \"load_cpu_us_per_msg\": %.1f}\n",
              opt.connections, done, opt.rcpts, secs, done / secs, pct(0.50), pct(0.99),
              sh.latencies_ms.empty() ? 0.0 : sh.latencies_ms.back(), sh.ok, sh.temp_fail, sh.perm_fail, sh.conn_errors,
              sh.bodies.size(), bytes / sh.bodies.size(), opt.pid ? status_kib(opt.pid, "VmHWM:") : -1L,
              opt.pid ? status_kib(opt.pid, "VmRSS:") : -1L, server_cpu >= 0 && done ? server_cpu * 1e6 / double(done) : -1.0,
              done ? own_cpu * 1e6 / double(done) : -1.0);
  if (!sh.first_error.empty()) std::fprintf(stderr, "lmtp_load: first error: %s\n", sh.first_error.c_str());
  return sh.conn_errors || sh.temp_fail || sh.perm_fail ? 1 : 0;
}
