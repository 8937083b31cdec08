// cmd_parse.cpp: `bounced parse [--format jsonl|json|text] [--verbose] [--jobs N] [PATH|-]...`
// Reads files, mbox files or directories (walked in sorted order) and prints one record per
// recipient. Unparseable files get one line on stderr; the run goes on; exit 1 if any failed.
//
// Files are parsed on a small pool of worker threads (lib/ holds no mutable state, so each
// message is parsed independently); the output of each file is written in input order, so it is
// byte for byte what a single thread prints. At most a fixed window of files is in flight.
#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "commands.hpp"
#include "json.hpp"
#include "pipeline.hpp"
#include "read_file.hpp"

namespace bounced::cli {
namespace {

enum class Format { jsonl, json, text };

constexpr unsigned kMaxJobs = 64;
constexpr unsigned kDefaultJobsCap = 16;
constexpr std::size_t kFilesInFlightPerJob = 16;
constexpr std::size_t kFlushBytes = 256 * 1024;

struct Options {
  Format format = Format::jsonl;
  bool verbose = false;
  unsigned jobs = 0;  // 0: one per core
  std::vector<std::string> paths;
};

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: bounced parse [--format jsonl|json|text] [--verbose] [--jobs N] [PATH|-]...\n"
               "  PATH   a message file, an mbox file or a directory (walked in sorted order);\n"
               "         '-' or nothing reads one message from standard input\n"
               "  --format jsonl  one JSON object per recipient (default)\n"
               "  --format json   one JSON array of all records\n"
               "  --format text   a short human-readable line per recipient\n"
               "  --verbose       say on stderr which files are not bounces\n"
               "  --jobs N, -j N  parse N files at a time (default: one per CPU core, at most %u);\n"
               "                  the output is the same, in the same order, whatever N\n",
               kDefaultJobsCap);
}

// What one file gives: its records, rendered, and its lines for stderr.
struct FileOutput {
  std::string records;  // jsonl/text: complete lines; json: objects joined by ",\n"
  std::string errors;
  bool ok = true;
};

void append_text_record(std::string& out, const RecipientResult& r, std::string_view file) {
  out.append(file).append(": ").append(r.recipient).push_back(' ');
  out.append(r.status.empty() ? "-" : r.status).push_back(' ');
  out.append(r.reason).push_back(' ');
  out.append(r.hard_bounce ? "hard" : "soft");
  if (!r.reply_code.empty()) out.append(" ").append(r.reply_code);
  out.append(" (").append(r.decided_by).append(")\n");
}

FileOutput parse_one(const std::string& path, Format format, bool verbose, std::string& buffer) {
  FileOutput out;
  const std::string display = path == "-" ? "<stdin>" : path;
  std::string error;
  if (!read_whole_file(path, buffer, error)) {
    out.errors = "bounced: " + path + ": " + error + "\n";
    out.ok = false;
    return out;
  }
  std::vector<ParseOutcome> outcomes;
  try {
    outcomes = parse_file(buffer);
  } catch (const std::exception& e) {  // out of memory: this file fails, the run goes on
    out.errors = "bounced: " + display + ": " + e.what() + "\n";
    out.ok = false;
    return out;
  }
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const auto& o = outcomes[i];
    if (!o.ok()) {
      out.errors += "bounced: " + display + ": ";
      if (outcomes.size() > 1) out.errors += "message " + std::to_string(i + 1) + ": ";
      out.errors += to_string(o.error);
      out.errors += '\n';
      out.ok = false;
      continue;
    }
    if (o.report.recipients.empty()) {
      if (verbose) out.errors += "bounced: " + display + ": not a bounce\n";
      continue;
    }
    for (const auto& r : o.report.recipients) {
      switch (format) {
        case Format::text: append_text_record(out.records, r, display); break;
        case Format::jsonl:
          append_recipient_json(out.records, o.report, r, display);
          out.records += '\n';
          break;
        case Format::json:
          if (!out.records.empty()) out.records += ",\n";
          append_recipient_json(out.records, o.report, r, display);
          break;
      }
    }
  }
  return out;
}

// Writes the files' outputs in order: records to stdout in large blocks, errors to stderr.
class Writer {
 public:
  explicit Writer(Format format) : format_(format) {}
  void write(const FileOutput& f) {
    if (!f.ok) all_ok_ = false;
    if (!f.errors.empty()) {
      flush();  // keep stdout and stderr in step when both go to one place
      std::fputs(f.errors.c_str(), stderr);
    }
    if (f.records.empty()) return;
    if (format_ == Format::json) {
      buffer_ += first_ ? "[\n" : ",\n";
      first_ = false;
    }
    buffer_ += f.records;
    if (buffer_.size() >= kFlushBytes) flush();
  }
  bool finish() {
    if (format_ == Format::json) buffer_ += first_ ? "[]\n" : "\n]\n";
    flush();
    std::fflush(stdout);
    return all_ok_;
  }

 private:
  void flush() {
    if (!buffer_.empty()) std::fwrite(buffer_.data(), 1, buffer_.size(), stdout);
    buffer_.clear();
  }
  Format format_;
  bool first_ = true;
  bool all_ok_ = true;
  std::string buffer_;
};

// Parses `files` on `jobs` threads (the caller's among them), handing each result to `writer` in
// input order. No thread only waits: each takes the next file, parses it, stores the output in the
// ring, and then, if no other thread is writing, writes every output that is next in order. So on a
// two-core machine two threads parse, and a thread sleeps only when it is a whole window ahead.
void parse_in_parallel(const std::vector<std::string>& files, const Options& opt, unsigned jobs, Writer& writer) {
  const std::size_t window = jobs * kFilesInFlightPerJob;
  std::vector<std::optional<FileOutput>> done(window);  // ring: file i's output in slot i % window
  std::mutex mutex;
  std::condition_variable can_take;
  std::size_t next_take = 0, next_write = 0;
  bool writing = false;

  auto work = [&]() {
    std::string buffer;
    for (;;) {
      std::size_t i;
      {
        std::unique_lock lock(mutex);
        can_take.wait(lock, [&] { return next_take >= files.size() || next_take < next_write + window; });
        if (next_take >= files.size()) return;
        i = next_take++;
      }
      FileOutput out = parse_one(files[i], opt.format, opt.verbose, buffer);
      std::unique_lock lock(mutex);
      done[i % window] = std::move(out);
      if (writing) continue;  // the writing thread will reach this slot
      writing = true;
      while (next_write < files.size() && done[next_write % window].has_value()) {
        FileOutput ready = std::move(*done[next_write % window]);
        done[next_write % window].reset();
        ++next_write;
        lock.unlock();
        writer.write(ready);
        can_take.notify_all();
        lock.lock();
      }
      writing = false;
    }
  };
  std::vector<std::thread> helpers;
  helpers.reserve(jobs - 1);
  for (unsigned k = 1; k < jobs; ++k) helpers.emplace_back(work);
  work();
  for (auto& t : helpers) t.join();
}

unsigned default_jobs() {
  const unsigned cores = std::thread::hardware_concurrency();
  return std::clamp(cores, 1u, kDefaultJobsCap);
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
    } else if (a == "--jobs" || a.rfind("--jobs=", 0) == 0 || a.rfind("-j", 0) == 0) {
      std::string_view n;
      if (a.rfind("--jobs=", 0) == 0) {
        n = a.substr(7);
      } else if (a.size() > 2 && a[1] == 'j') {  // -jN
        n = a.substr(2);
      } else if (i + 1 < argc) {
        n = argv[++i];
      }
      unsigned jobs = 0;
      bool valid = !n.empty() && n.size() <= 3;
      for (char c : n) {
        if (c < '0' || c > '9') valid = false;
        jobs = jobs * 10 + static_cast<unsigned>(c - '0');
      }
      if (!valid || jobs < 1 || jobs > kMaxJobs) {
        std::fprintf(stderr, "bounced parse: --jobs takes a number from 1 to %u\n", kMaxJobs);
        return 2;
      }
      opt.jobs = jobs;
    } else if (a.size() > 1 && a[0] == '-' && a != "-") {
      std::fprintf(stderr, "bounced parse: unknown option '%s'\n", argv[i]);
      print_usage(stderr);
      return 2;
    } else {
      opt.paths.emplace_back(a);
    }
  }
  if (opt.paths.empty()) opt.paths.emplace_back("-");

  const std::vector<std::string> files = expand_input_paths(opt.paths);
  const unsigned jobs = static_cast<unsigned>(
      std::min<std::size_t>(opt.jobs ? opt.jobs : default_jobs(), std::max<std::size_t>(files.size(), 1)));
  Writer writer(opt.format);
  if (jobs <= 1) {
    std::string buffer;
    for (const auto& f : files) writer.write(parse_one(f, opt.format, opt.verbose, buffer));
  } else {
    parse_in_parallel(files, opt, jobs, writer);
  }
  return writer.finish() ? 0 : 1;
}

}  // namespace bounced::cli
