// file_util.hpp: small POSIX file helpers for durable writes (write all, fsync a directory,
// create directories, write a file atomically). All throw std::system_error naming the path.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace bounced {

// An owned file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  ~UniqueFd() { reset(); }
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

[[noreturn]] void throw_errno(const std::string& what, const std::filesystem::path& path);

void write_all(int fd, std::string_view data, const std::filesystem::path& path);
void fsync_fd(int fd, const std::filesystem::path& path, bool data_only);
// Starts writing the file's dirty pages out without waiting (sync_file_range WRITE): a later
// fsync_fd() then only waits for what is already under way. A hint: errors are ignored.
void start_writeback(int fd);
void fsync_dir(const std::filesystem::path& dir);
// A 64-bit check of `text` that tells text written whole from a torn write (a page that never
// reached the disk, read back as zeros or as older bytes). Not a defence against anyone: what it
// checks is written by us. Eight bytes per step, so it costs little on a hot path.
std::uint64_t torn_write_check(std::string_view text);
// Appends `value` as 16 lowercase hex digits.
void append_hex64(std::string& out, std::uint64_t value);
void make_dirs(const std::filesystem::path& dir, unsigned mode = 0750);
// Writes `data` to dir/.tmp-NAME, fsyncs, renames over `path`, fsyncs the directory.
void write_file_atomic(const std::filesystem::path& path, std::string_view data, unsigned mode = 0640);
// Ensures PATH/{tmp,new,cur} exist.
void make_maildir(const std::filesystem::path& path);

}  // namespace bounced
