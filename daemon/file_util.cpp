// file_util.cpp: see file_util.hpp.
#include "file_util.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace bounced {

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

void throw_errno(const std::string& what, const std::filesystem::path& path) {
  throw std::system_error(errno, std::generic_category(), what + " " + path.string());
}

void write_all(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("write", path);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void fsync_fd(int fd, const std::filesystem::path& path, bool data_only) {
  if ((data_only ? ::fdatasync(fd) : ::fsync(fd)) != 0) throw_errno("fsync", path);
}

void start_writeback(int fd) { (void)::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE); }

std::uint64_t torn_write_check(std::string_view text) {
  std::uint64_t h = 0x9e3779b97f4a7c15ull ^ text.size();
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    h = (h ^ word) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, text.data() + i, text.size() - i);
  h = (h ^ tail) * 0xc4ceb9fe1a85ec53ull;
  return h ^ (h >> 29);
}

void append_hex64(std::string& out, std::uint64_t value) {
  static constexpr char digits[] = "0123456789abcdef";
  for (int shift = 60; shift >= 0; shift -= 4) out += digits[(value >> shift) & 15];
}

void fsync_dir(const std::filesystem::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) throw_errno("open directory", dir);
  fsync_fd(fd.get(), dir, false);
}

void make_dirs(const std::filesystem::path& dir, unsigned mode) {
  std::filesystem::path so_far;
  for (const auto& part : dir) {
    so_far /= part;
    if (::mkdir(so_far.c_str(), mode) != 0 && errno != EEXIST) throw_errno("mkdir", so_far);
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) throw_errno("stat", dir);
  if (!S_ISDIR(st.st_mode)) throw std::system_error(ENOTDIR, std::generic_category(), "not a directory: " + dir.string());
}

void write_file_atomic(const std::filesystem::path& path, std::string_view data, unsigned mode) {
  const auto dir = path.parent_path();
  const auto tmp = dir / (".tmp-" + path.filename().string());
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd) throw_errno("create", tmp);
  write_all(fd.get(), data, tmp);
  fsync_fd(fd.get(), tmp, false);
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) throw_errno("rename", tmp);
  fsync_dir(dir);
}

void make_maildir(const std::filesystem::path& path) {
  for (const char* sub : {"tmp", "new", "cur"}) make_dirs(path / sub);
}

}  // namespace bounced
