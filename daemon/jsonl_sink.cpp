// jsonl_sink.cpp: see jsonl_sink.hpp.
#include "jsonl_sink.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <optional>
#include <system_error>

#include "attribution.hpp"
#include "json.hpp"

namespace bounced {

JsonlSink::JsonlSink(std::filesystem::path path, bool fsync) : path_(std::move(path)), fsync_(fsync) { open(); }

std::string JsonlSink::id() const {
  // The path, with characters that would break the dedup log's "KEY=VALUE" words escaped.
  std::string out = "jsonl:";
  for (unsigned char c : path_.string()) {
    if (c <= ' ' || c == '%' || c == '=' || c >= 0x7f) {
      static constexpr char hex[] = "0123456789ABCDEF";
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

void JsonlSink::open() {
  fd_.reset();
  UniqueFd fd(::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
  if (!fd) throw_errno("open", path_);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw_errno("stat", path_);
  if (!S_ISREG(st.st_mode))
    throw std::system_error(EINVAL, std::generic_category(), "not a regular file: " + path_.string());
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  committed_ = static_cast<unsigned long long>(st.st_size);
  fd_ = std::move(fd);
  broken_ = false;
}

namespace {
// "DEV:INODE:OFFSET"
bool parse_checkpoint(std::string_view cp, unsigned long long (&v)[3]) {
  for (int i = 0; i < 3; ++i) {
    auto end = i < 2 ? cp.find(':') : cp.size();
    if (end == std::string_view::npos) return false;
    auto [p, ec] = std::from_chars(cp.data(), cp.data() + end, v[i]);
    if (ec != std::errc() || p != cp.data() + end) return false;
    cp.remove_prefix(std::min(cp.size(), end + 1));
  }
  return true;
}
}  // namespace

bool JsonlSink::has_reached(std::string_view cp) const {
  unsigned long long v[3] = {};
  if (!parse_checkpoint(cp, v)) return true;
  if (v[0] != dev_ || v[1] != ino_) return true;  // another file (rotated): nothing to judge by
  return committed_ >= v[2];
}

void JsonlSink::recover(std::string_view cp) {
  unsigned long long v[3] = {};
  if (!parse_checkpoint(cp, v)) return;
  if (v[0] != dev_ || v[1] != ino_) {
    if (!(v[0] == 0 && v[1] == 0))
      spdlog::info("jsonl {}: a different file than at the last commit (rotated?); nothing to recover", path_.string());
    return;
  }
  if (committed_ > v[2]) {
    spdlog::warn("jsonl {}: dropping {} bytes written after the last commit (their messages were not acknowledged "
                 "and will be processed again)", path_.string(), committed_ - v[2]);
    if (::ftruncate(fd_.get(), static_cast<off_t>(v[2])) != 0) throw_errno("truncate", path_);
    fsync_fd(fd_.get(), path_, false);
    committed_ = v[2];
  }
}

std::optional<JsonlTailLine> parse_jsonl_tail_line(std::string_view line) {
  static constexpr std::string_view kHash = ", \"message_hash\": \"";
  static constexpr std::string_view kIndex = "\", \"recipient_index\": ";
  static constexpr std::string_view kCount = ", \"recipient_count\": ";
  static constexpr std::string_view kCheck = ", \"line_check\": \"";
  if (line.size() < 2 || line.front() != '{' || line.back() != '}') return std::nullopt;
  const auto at = line.rfind(kHash);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = line.substr(at + kHash.size());
  rest.remove_suffix(1);  // '}'
  if (rest.size() < 32) return std::nullopt;
  auto hash = MessageHash::from_hex(rest.substr(0, 32));
  rest.remove_prefix(32);
  if (!hash || !rest.starts_with(kIndex)) return std::nullopt;
  rest.remove_prefix(kIndex.size());
  JsonlTailLine out{*hash, 0, 0};
  auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), out.index);
  if (ec != std::errc()) return std::nullopt;
  rest.remove_prefix(static_cast<std::size_t>(p - rest.data()));
  if (!rest.starts_with(kCount)) return std::nullopt;
  rest.remove_prefix(kCount.size());
  auto [q, ec2] = std::from_chars(rest.data(), rest.data() + rest.size(), out.count);
  if (ec2 != std::errc()) return std::nullopt;
  rest.remove_prefix(static_cast<std::size_t>(q - rest.data()));
  if (!rest.starts_with(kCheck) || rest.size() != kCheck.size() + 17 || rest.back() != '"') return std::nullopt;
  std::uint64_t check = 0;
  const char* digits = rest.data() + kCheck.size();
  auto [c, ec3] = std::from_chars(digits, digits + 16, check, 16);
  if (ec3 != std::errc() || c != digits + 16) return std::nullopt;
  if (check != torn_write_check(line.substr(0, static_cast<std::size_t>(rest.data() - line.data()))))
    return std::nullopt;
  if (out.index == 0 || out.index > out.count) return std::nullopt;
  return out;
}

std::vector<MessageHash> JsonlSink::recover_messages(std::string_view cp) {
  unsigned long long v[3] = {};
  if (!parse_checkpoint(cp, v)) return {};  // no batch known yet: nothing to judge by
  if (v[0] != dev_ || v[1] != ino_) {
    recover(cp);  // says why nothing is recovered
    return {};
  }
  if (committed_ <= v[2]) return {};
  // Read the tail after the checkpoint line by line; keep whole messages, stop at the first line
  // that is not one of ours in sequence (a torn or half-written batch).
  UniqueFd in(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in) throw_errno("open", path_);
  std::vector<MessageHash> kept;
  unsigned long long good_end = v[2], offset = v[2];
  std::string buf;
  std::size_t used = 0;  // bytes of buf already taken as lines
  std::optional<JsonlTailLine> open_message;  // its last line seen so far
  constexpr std::size_t kChunk = 1 << 20, kMaxLine = 64u << 20;
  bool stop = false;
  while (!stop && offset < committed_) {
    buf.erase(0, used);
    used = 0;
    const std::size_t want = static_cast<std::size_t>(std::min<unsigned long long>(kChunk, committed_ - offset));
    const std::size_t old = buf.size();
    buf.resize(old + want);
    const ssize_t n = ::pread(in.get(), buf.data() + old, want, static_cast<off_t>(offset));
    if (n < 0) throw_errno("read", path_);
    if (n == 0) break;
    buf.resize(old + static_cast<std::size_t>(n));
    offset += static_cast<unsigned long long>(n);
    std::size_t nl;
    while ((nl = buf.find('\n', used)) != std::string::npos) {
      const std::string_view line(buf.data() + used, nl - used);
      const unsigned long long line_end = offset - buf.size() + nl + 1;
      used = nl + 1;
      const auto t = parse_jsonl_tail_line(line);
      const bool next = t && (open_message ? t->hash == open_message->hash && t->count == open_message->count &&
                                                 t->index == open_message->index + 1
                                           : t->index == 1);
      if (!next) {
        stop = true;
        break;
      }
      open_message = t;
      if (t->index == t->count) {
        kept.push_back(t->hash);
        good_end = line_end;
        open_message.reset();
      }
    }
    if (!stop && buf.size() - used > kMaxLine) break;  // no line is that long: garbage
  }
  if (!kept.empty())
    spdlog::info("jsonl {}: {} messages written after the dedup log's last batch are kept and remembered",
                 path_.string(), kept.size());
  if (good_end < committed_) {
    spdlog::warn("jsonl {}: dropping {} bytes after the last complete message (an interrupted batch; its "
                 "messages were not acknowledged and will be processed again)", path_.string(), committed_ - good_end);
    if (::ftruncate(fd_.get(), static_cast<off_t>(good_end)) != 0) throw_errno("truncate", path_);
  }
  fsync_fd(fd_.get(), path_, false);  // what is kept is acknowledged from now on: make sure it stays
  committed_ = good_end;
  return kept;
}

std::string JsonlSink::checkpoint() const {
  const auto end = committed_ + pending_.size();
  return std::to_string(dev_) + ":" + std::to_string(ino_) + ":" + std::to_string(end);
}

void JsonlSink::stage(const MessageRecord& r) {
  if (!r.parsed) return;
  // Who each result is about: the envelope recipient decoded as VERP (default scheme) wins over the
  // DSN's recipient, which may be an alias or a forward.
  const MessageAttribution who = attribute(r.report, r.envelope_recipient, AttributionConfig{});
  for (std::size_t i = 0; i < r.report.recipients.size(); ++i) {
    const auto& rcpt = r.report.recipients[i];
    std::string line = recipient_json(r.report, rcpt, r.source);
    line.pop_back();  // '}': the envelope and attribution fields follow
    const RecipientAttribution* a = i < who.recipients.size() ? &who.recipients[i] : nullptr;
    line += ", \"envelope_recipient\": ";
    append_json_string(line, r.envelope_recipient);
    line += ", \"subscriber\": ";
    append_json_string(line, a && !a->address.empty() ? a->address : rcpt.recipient);
    line += ", \"list\": ";
    append_json_string(line, a && !a->list.empty() ? a->list : who.list);
    // Last, in this fixed form: what recovery reads back (tail_line()).
    line += ", \"message_hash\": \"";
    line += r.hash.hex();
    line += "\", \"recipient_index\": ";
    line += std::to_string(i + 1);
    line += ", \"recipient_count\": ";
    line += std::to_string(r.report.recipients.size());
    // A check of everything before it: a line merged from a torn page with a later one's end
    // (older bytes where the page should be) is told from a whole one.
    const std::uint64_t check = torn_write_check(line);
    line += ", \"line_check\": \"";
    append_hex64(line, check);
    line += "\"}\n";
    pending_ += line;
  }
}

void JsonlSink::ensure_usable() {
  if (!fd_ || broken_) {
    const bool was_open = static_cast<bool>(fd_);
    const auto old_dev = dev_, old_ino = ino_, old_committed = committed_;
    open();
    // Same file as before a failure: cut what the failed batch may have left behind.
    if (was_open && dev_ == old_dev && ino_ == old_ino && committed_ > old_committed) {
      if (::ftruncate(fd_.get(), static_cast<off_t>(old_committed)) != 0) {
        broken_ = true;
        throw_errno("truncate", path_);
      }
      committed_ = old_committed;
    }
  }
}

void JsonlSink::flush() {
  flush_write();
  flush_sync();
}

void JsonlSink::flush_write() {
  try {
    ensure_usable();
    if (pending_.empty()) return;
    write_all(fd_.get(), pending_, path_);
    if (fsync_) start_writeback(fd_.get());
  } catch (...) {
    broken_ = true;
    throw;
  }
}

void JsonlSink::flush_sync() {
  try {
    if (fsync_ && !pending_.empty()) fsync_fd(fd_.get(), path_, true);
  } catch (...) {
    broken_ = true;
    throw;
  }
}

void JsonlSink::committed() {
  committed_ += pending_.size();
  pending_.clear();
}

void JsonlSink::rollback() {
  pending_.clear();
  if (fd_ && !broken_) {
    struct stat st {};
    if (::fstat(fd_.get(), &st) == 0 && static_cast<unsigned long long>(st.st_size) != committed_ &&
        ::ftruncate(fd_.get(), static_cast<off_t>(committed_)) != 0)
      broken_ = true;
  } else if (fd_) {
    if (::ftruncate(fd_.get(), static_cast<off_t>(committed_)) == 0) broken_ = false;
  }
}

void JsonlSink::reopen() {
  // Called between batches: a renamed (rotated) file is left to its new name, a new one is created.
  open();  // on failure fd_ stays closed and every batch retries (and fails with 451) until it works
}

}  // namespace bounced
