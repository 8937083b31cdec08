// cmd_parse.cpp: `bounced parse [--format jsonl|json|text] [--verbose] [PATH|-]...`
// Reads files, mbox files or directories (walked in sorted order) and prints one record per
// recipient. Unparseable files get one line on stderr; the run goes on; exit 1 if any failed.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "commands.hpp"
#include "json.hpp"
#include "pipeline.hpp"
#include "read_file.hpp"

namespace bounced::cli {
namespace {

enum class Format { jsonl, json, text };

struct Options {
  Format format = Format::jsonl;
  bool verbose = false;
  std::vector<std::string> paths;
};

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: bounced parse [--format jsonl|json|text] [--verbose] [PATH|-]...\n"
               "  PATH   a message file, an mbox file or a directory (walked in sorted order);\n"
               "         '-' or nothing reads one message from standard input\n"
               "  --format jsonl  one JSON object per recipient (default)\n"
               "  --format json   one JSON array of all records\n"
               "  --format text   a short human-readable line per recipient\n"
               "  --verbose       say on stderr which files are not bounces\n");
}

struct Printer {
  Format format;
  bool first = true;
  void record(const MessageReport& m, const RecipientResult& r, std::string_view file) {
    if (format == Format::text) {
      std::printf("%s: %s %s %s %s%s (%s)\n", std::string(file).c_str(), r.recipient.c_str(),
                  r.status.empty() ? "-" : r.status.c_str(), r.reason.c_str(),
                  r.hard_bounce ? "hard" : "soft", r.reply_code.empty() ? "" : (" " + r.reply_code).c_str(),
                  r.decided_by.c_str());
      return;
    }
    std::string line = recipient_json(m, r, file);
    if (format == Format::json) {
      std::fputs(first ? "[\n" : ",\n", stdout);
      first = false;
      std::fwrite(line.data(), 1, line.size(), stdout);
    } else {
      line.push_back('\n');
      std::fwrite(line.data(), 1, line.size(), stdout);
    }
  }
  void finish() {
    if (format == Format::json) std::fputs(first ? "[]\n" : "\n]\n", stdout);
  }
};

bool parse_one(const std::string& display, std::string_view contents, Printer& out, bool verbose) {
  bool ok = true;
  const auto outcomes = parse_file(contents);
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const auto& o = outcomes[i];
    if (!o.ok()) {
      std::fprintf(stderr, "bounced: %s: %s%s\n", display.c_str(),
                   outcomes.size() > 1 ? ("message " + std::to_string(i + 1) + ": ").c_str() : "",
                   to_string(o.error));
      ok = false;
      continue;
    }
    if (o.report.recipients.empty()) {
      if (verbose) std::fprintf(stderr, "bounced: %s: not a bounce\n", display.c_str());
      continue;
    }
    for (const auto& r : o.report.recipients) out.record(o.report, r, display);
  }
  return ok;
}

}  // namespace

int cmd_parse(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      print_usage(stdout);
      return 0;
    } else if (a == "--verbose" || a == "-v") {
      opt.verbose = true;
    } else if (a == "--format" || a.rfind("--format=", 0) == 0) {
      std::string_view f;
      if (a == "--format") {
        if (i + 1 >= argc) {
          print_usage(stderr);
          return 2;
        }
        f = argv[++i];
      } else {
        f = a.substr(9);
      }
      if (f == "jsonl") opt.format = Format::jsonl;
      else if (f == "json") opt.format = Format::json;
      else if (f == "text") opt.format = Format::text;
      else {
        std::fprintf(stderr, "bounced parse: unknown format '%s'\n", std::string(f).c_str());
        return 2;
      }
    } else if (a.size() > 1 && a[0] == '-' && a != "-") {
      std::fprintf(stderr, "bounced parse: unknown option '%s'\n", argv[i]);
      print_usage(stderr);
      return 2;
    } else {
      opt.paths.emplace_back(a);
    }
  }
  if (opt.paths.empty()) opt.paths.emplace_back("-");

  Printer out{opt.format};
  bool all_ok = true;
  std::string buffer;
  for (const auto& path : opt.paths) {
    std::vector<std::string> files;
    if (path == "-") {
      files.push_back("-");
    } else {
      std::error_code ec;
      if (std::filesystem::is_directory(path, ec)) {
        for (auto it = std::filesystem::recursive_directory_iterator(path, ec);
             !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
          if (it->is_regular_file(ec)) files.push_back(it->path().string());
        std::sort(files.begin(), files.end());
      } else {
        files.push_back(path);
      }
    }
    for (const auto& f : files) {
      std::string error;
      if (!read_whole_file(f, buffer, error)) {
        std::fprintf(stderr, "bounced: %s: %s\n", f.c_str(), error.c_str());
        all_ok = false;
        continue;
      }
      if (!parse_one(f == "-" ? "<stdin>" : f, buffer, out, opt.verbose)) all_ok = false;
    }
  }
  out.finish();
  std::fflush(stdout);
  return all_ok ? 0 : 1;
}

}  // namespace bounced::cli
