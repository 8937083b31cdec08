// dedup_log.cpp: see dedup_log.hpp.
#include "dedup_log.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <fstream>

namespace bounced {
namespace {

constexpr std::size_t kHashLineBytes = 2 + 32 + 1 + 10 + 1;  // "H " hex " " time "\n" (typical)

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string key_hex(const HashKey& k) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (auto b : k) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

bool parse_key(std::string_view hex, HashKey& k) {
  if (hex.size() != 32) return false;
  for (std::size_t i = 0; i < 16; ++i) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(hex.data() + 2 * i, hex.data() + 2 * i + 2, v, 16);
    if (ec != std::errc() || p != hex.data() + 2 * i + 2) return false;
    k[i] = static_cast<std::uint8_t>(v);
  }
  return true;
}

// The check of a batch's H lines: a torn write (a page of the batch that never reached the disk
// while its C line did) does not match.
std::uint64_t batch_sum(std::string_view text) { return torn_write_check(text); }

std::string checkpoint_line(const DedupLog::Checkpoints& cps, std::uint64_t sum, bool lazy) {
  std::string line = "C #";
  append_hex64(line, sum);
  if (lazy) line += " lazy";
  for (const auto& [id, cp] : cps) line += " " + id + "=" + cp;
  line += '\n';
  return line;
}

}  // namespace

DedupLog::DedupLog(const DedupConfig& config) : config_(config) {
  bool have_key = false;
  std::ifstream in(config_.path, std::ios::binary);
  if (in) {
    std::vector<std::pair<std::int64_t, MessageHash>> pending;  // since the last C line
    std::string pending_text;  // the lines since the last C line, for its checksum
    std::string line;
    std::size_t bad = 0;
    while (std::getline(in, line)) {
      std::string_view l = line;
      if (l.size() >= 2 && l[0] == 'K' && l[1] == ' ' && !have_key) {
        have_key = parse_key(l.substr(2), key_);
      } else if (l.size() >= 36 && l[0] == 'H' && l[1] == ' ') {
        pending_text.append(l).push_back('\n');
        auto h = MessageHash::from_hex(l.substr(2, 32));
        std::int64_t t = 0;
        auto rest = l.substr(35);
        auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), t);
        if (h && ec == std::errc()) pending.emplace_back(t, *h);
        else ++bad;
      } else if (!l.empty() && l[0] == 'C' && (l.size() == 1 || l[1] == ' ')) {
        Batch batch;
        batch.entries = std::move(pending);
        pending.clear();
        auto& cps = batch.checkpoints;
        std::string_view words = l.substr(1);
        while (!words.empty()) {
          while (!words.empty() && words.front() == ' ') words.remove_prefix(1);
          auto end = words.find(' ');
          auto w = words.substr(0, end);
          words = end == std::string_view::npos ? std::string_view() : words.substr(end);
          if (!w.empty() && w.front() == '#') {
            std::uint64_t sum = 0;
            auto [p, ec] = std::from_chars(w.data() + 1, w.data() + w.size(), sum, 16);
            batch.intact = ec == std::errc() && p == w.data() + w.size() && sum == batch_sum(pending_text);
            continue;
          }
          if (w == "lazy") {
            batch.lazy = true;
            continue;
          }
          auto eq = w.find('=');
          if (eq != std::string_view::npos) cps[std::string(w.substr(0, eq))] = std::string(w.substr(eq + 1));
        }
        pending_text.clear();
        loaded_.push_back(std::move(batch));
      } else if (!l.empty()) {
        pending_text.append(l).push_back('\n');  // a torn page: the batch's checksum will not match
        ++bad;
      }
    }
    if (bad) spdlog::warn("dedup log {}: ignored {} malformed lines", config_.path.string(), bad);
    if (!pending.empty())
      spdlog::info("dedup log {}: {} uncommitted entries from an interrupted batch dropped", config_.path.string(),
                   pending.size());
  } else if (errno != ENOENT) {
    throw_errno("open", config_.path);
  }
  if (!have_key) {
    if (!loaded_.empty()) spdlog::warn("dedup log {}: no key line; starting with an empty memory", config_.path.string());
    loaded_.clear();
    key_ = random_hash_key();
  }
  // The caller settles against its sinks, recovers them to last_checkpoints(), then compact()s.
}

void DedupLog::settle(const std::function<bool(const Checkpoints&)>& reached) {
  // Nothing after a torn batch counts: the sinks are recovered to the last intact one before it.
  std::size_t keep = 0;
  while (keep < loaded_.size() && loaded_[keep].intact) ++keep;
  if (keep < loaded_.size())
    spdlog::warn("dedup log {}: batch {} of {} is torn (checksum mismatch); it and later ones are recovered from "
                 "the sinks", config_.path.string(), keep + 1, loaded_.size());
  while (keep > 0 && !reached(loaded_[keep - 1].checkpoints)) --keep;
  if (keep < loaded_.size()) {
    std::size_t dropped = 0;
    for (std::size_t i = keep; i < loaded_.size(); ++i) dropped += loaded_[i].entries.size();
    spdlog::info("dedup log {}: {} entries of the last batch(es) are not counted (torn, or not matched by the "
                 "sinks); the sinks are recovered to the batch before", config_.path.string(), dropped);
  }
  checkpoints_.clear();
  tail_is_lazy_ = keep > 0 && loaded_[keep - 1].lazy;
  for (std::size_t i = 0; i < keep; ++i) {
    for (auto& e : loaded_[i].entries)
      if (set_.insert(e.second).second) order_.push_back(e);
    checkpoints_ = loaded_[i].checkpoints;
  }
  loaded_.clear();
  loaded_.shrink_to_fit();
  std::sort(order_.begin(), order_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  expire(unix_now());
}

void DedupLog::expire(std::int64_t now) {
  const std::int64_t oldest = now - config_.horizon.count();
  while (!order_.empty() && (order_.front().first < oldest || order_.size() > config_.max_entries)) {
    set_.erase(order_.front().second);
    order_.pop_front();
  }
  live_bytes_ = order_.size() * kHashLineBytes + 200;
}

void DedupLog::compact(const Checkpoints& checkpoints) {
  std::string out = "K " + key_hex(key_) + "\n";
  out.reserve(order_.size() * kHashLineBytes + 256);
  const std::size_t entries_from = out.size();
  for (const auto& [t, h] : order_) {
    out += "H ";
    out += h.hex();
    out += ' ';
    out += std::to_string(t);
    out += '\n';
  }
  out += checkpoint_line(checkpoints, batch_sum(std::string_view(out).substr(entries_from)), lazy_);
  fd_.reset();
  write_file_atomic(config_.path, out, 0640);
  checkpoints_ = checkpoints;
  open_for_append();
}

void DedupLog::open_for_append() {
  UniqueFd fd(::open(config_.path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
  if (!fd) throw_errno("open", config_.path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw_errno("stat", config_.path);
  size_ = static_cast<unsigned long long>(st.st_size);
  synced_size_ = size_;  // written by write_file_atomic (fsync'd), or loaded at start
  fd_ = std::move(fd);
}

void DedupLog::remember(const std::vector<MessageHash>& hashes) {
  const std::int64_t now = unix_now();
  for (const auto& h : hashes)
    if (set_.insert(h).second) order_.emplace_back(now, h);
  expire(now);
}

void DedupLog::sync() {
  if (!fd_ || synced_size_ == size_) return;
  fsync_fd(fd_.get(), config_.path, true);
  synced_size_ = size_;
}

void DedupLog::append(const std::vector<MessageHash>& hashes, const Checkpoints& checkpoints) {
  append_write(hashes, checkpoints);
  try {
    append_sync();
  } catch (...) {
    undo();
    throw;
  }
}

void DedupLog::append_sync() {
  fsync_fd(fd_.get(), config_.path, true);
  synced_size_ = size_;
}

void DedupLog::append_write(const std::vector<MessageHash>& hashes, const Checkpoints& checkpoints) {
  const std::int64_t now = unix_now();
  std::string out;
  out.reserve(hashes.size() * kHashLineBytes + 128);
  const std::string t = std::to_string(now);
  for (const auto& h : hashes) {
    out += "H ";
    out += h.hex();
    out += ' ';
    out += t;
    out += '\n';
  }
  out += checkpoint_line(checkpoints, batch_sum(out), lazy_);
  if (!fd_) compact(checkpoints_);  // after a failed append: rewrite from memory, no partial lines
  size_before_append_ = size_;
  try {
    write_all(fd_.get(), out, config_.path);
    if (!lazy_) start_writeback(fd_.get());
  } catch (...) {
    // Cut a partial append so that the next C line cannot commit half-written entries.
    if (::ftruncate(fd_.get(), static_cast<off_t>(size_)) != 0) fd_.reset();
    throw;
  }
  size_before_append_ = size_;
  size_ += out.size();
  appended_ = hashes;
  appended_time_ = now;
  pending_checkpoints_ = checkpoints;
}

void DedupLog::confirm() {
  checkpoints_ = pending_checkpoints_;
  for (const auto& h : appended_)
    if (set_.insert(h).second) order_.emplace_back(appended_time_, h);
  appended_.clear();
  expire(appended_time_);
  if (size_ > 2 * live_bytes_ + (1u << 20)) {
    try {
      compact(checkpoints_);
    } catch (const std::exception& e) {
      spdlog::warn("dedup log {}: compaction failed: {}", config_.path.string(), e.what());
      fd_.reset();  // the next append rewrites the file from memory first
    }
  }
}

void DedupLog::undo() {
  appended_.clear();
  // The batch failed in a sink: its C line must not count. If it cannot be cut, rewrite the file
  // from memory before the next append.
  if (fd_ && (::ftruncate(fd_.get(), static_cast<off_t>(size_before_append_)) != 0 ||
              ::fdatasync(fd_.get()) != 0))
    fd_.reset();
  size_ = size_before_append_;
  synced_size_ = std::min(synced_size_, size_);
}

}  // namespace bounced
