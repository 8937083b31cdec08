// read_file.cpp: see read_file.hpp.
#include "read_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace bounced {
namespace {

constexpr std::size_t kChunk = 64 * 1024;

std::string too_large() { return "file larger than " + std::to_string(kMaxInputFileBytes) + " bytes"; }

// Appends everything left on `fd` to `out`. `expected`: the size it should come to (a regular
// file's), so that the whole file is read with one call; 0 when unknown.
bool read_rest(int fd, std::string& out, std::size_t expected, std::string& error) {
  for (;;) {
    const std::size_t have = out.size();
    if (have > kMaxInputFileBytes) {
      out.clear();
      error = too_large();
      return false;
    }
    // One byte more than expected, so that the end is seen; then in chunks.
    const std::size_t want = expected > 0 && have <= expected ? expected + 1 - have : kChunk;
    out.resize(have + std::min(want, kMaxInputFileBytes + 1 - have));
    const ssize_t n = ::read(fd, out.data() + have, out.size() - have);
    if (n < 0) {
      out.resize(have);
      if (errno == EINTR) continue;
      error = std::strerror(errno);
      return false;
    }
    out.resize(have + static_cast<std::size_t>(n));
    if (n == 0) return true;
    // A regular file that gave exactly the size fstat reported, in a read that asked for one byte
    // more, is at its end: no second call just to see 0.
    if (expected > 0 && out.size() == expected && expected <= kMaxInputFileBytes &&
        static_cast<std::size_t>(n) < want)
      return true;
  }
}

}  // namespace

bool read_whole_file(const std::string& path, std::string& out, std::string& error) {
  out.clear();
  if (path == "-") return read_rest(STDIN_FILENO, out, 0, error);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = std::strerror(errno);
    return false;
  }
  // A regular file is read in one call into a buffer of its size (then up to the end, whatever
  // it really holds: it may have grown).
  struct stat st {};
  std::size_t expected = 0;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
    expected = std::min(static_cast<std::size_t>(st.st_size), kMaxInputFileBytes + 1);
  const bool ok = read_rest(fd, out, expected, error);
  ::close(fd);
  return ok;
}

std::vector<std::string> expand_input_paths(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const auto& path : paths) {
    std::error_code ec;
    if (path == "-" || !std::filesystem::is_directory(path, ec)) {
      files.push_back(path);
      continue;
    }
    const std::size_t first = files.size();
    for (auto it = std::filesystem::recursive_directory_iterator(path, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
      if (it->is_regular_file(ec)) files.push_back(it->path().string());
    std::sort(files.begin() + static_cast<std::ptrdiff_t>(first), files.end());
  }
  return files;
}

}  // namespace bounced
