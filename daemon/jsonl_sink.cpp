// jsonl_sink.cpp: see jsonl_sink.hpp.
#include "jsonl_sink.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
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
    line += "}\n";
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
