// cmd_explain.cpp: `bounced explain [--format text|json] "<server reply>"` (or "-" for stdin).
// Classifies one bare SMTP server reply the way `bounced parse` classifies a bounce, and prints
// the code's meaning (English and Traditional Chinese) and what the sender can do.
#include <cstdio>
#include <string>
#include <string_view>

#include "commands.hpp"
#include "explain.hpp"

namespace bounced::cli {
namespace {

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: bounced explain [--format text|json] \"<server reply>\"\n"
               "       bounced explain [--format text|json] -     (reply read from standard input)\n"
               "  Explains an SMTP server reply such as \"550 5.7.1 relaying not permitted\":\n"
               "  reply code, enhanced status, class and subject, bounce reason (Sisimai's\n"
               "  vocabulary), hard or soft, the meaning in English and Traditional Chinese,\n"
               "  and advice for the sender. Multi-line replies (\"550-...\" lines) are accepted.\n"
               "  Several words without quotes are joined with spaces.\n"
               "  --format text   a short readable block (default)\n"
               "  --format json   one JSON object\n"
               "exit status: 0 explained, 1 the reply could not be explained, 2 usage error\n");
}

// Reads at most `limit` + 1 bytes so an oversized input is reported, not truncated silently.
std::string read_stdin(std::size_t limit) {
  std::string data;
  char buf[4096];
  while (data.size() <= limit) {
    const std::size_t n = std::fread(buf, 1, sizeof buf, stdin);
    if (n == 0) break;
    data.append(buf, n);
  }
  return data;
}

}  // namespace

int cmd_explain(int argc, char** argv) {
  bool json = false;
  bool from_stdin = false;
  std::string reply;
  bool have_reply = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      print_usage(stdout);
      return 0;
    }
    if (arg == "--format" || arg.starts_with("--format=")) {
      std::string_view value;
      if (arg == "--format") {
        if (i + 1 >= argc) {
          std::fprintf(stderr, "bounced explain: --format needs a value (text or json)\n");
          return 2;
        }
        value = argv[++i];
      } else {
        value = arg.substr(9);
      }
      if (value == "json") {
        json = true;
      } else if (value == "text") {
        json = false;
      } else {
        std::fprintf(stderr, "bounced explain: unknown format '%.*s' (text or json)\n",
                     static_cast<int>(value.size()), value.data());
        return 2;
      }
      continue;
    }
    if (arg == "-") {
      from_stdin = true;
      continue;
    }
    if (arg == "--") {
      for (++i; i < argc; ++i) {
        if (have_reply) reply.push_back(' ');
        reply.append(argv[i]);
        have_reply = true;
      }
      break;
    }
    if (arg.size() > 1 && arg[0] == '-' && arg[1] == '-') {
      std::fprintf(stderr, "bounced explain: unknown option '%s'\n", argv[i]);
      print_usage(stderr);
      return 2;
    }
    if (have_reply) reply.push_back(' ');
    reply.append(arg);
    have_reply = true;
  }
  if (from_stdin && have_reply) {
    std::fprintf(stderr, "bounced explain: give the reply as an argument or '-', not both\n");
    return 2;
  }
  if (from_stdin) {
    reply = read_stdin(kMaxExplainReplyBytes);
    have_reply = true;
  }
  if (!have_reply) {
    print_usage(stderr);
    return 2;
  }

  const Explanation e = explain_reply(reply);
  if (json) {
    std::string out = explanation_json(e);
    out.push_back('\n');
    std::fwrite(out.data(), 1, out.size(), stdout);
  } else if (e.ok) {
    const std::string out = explanation_text(e);
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  if (!e.ok) {
    std::fprintf(stderr, "bounced explain: %s\n", e.error.c_str());
    return 1;
  }
  return 0;
}

}  // namespace bounced::cli
