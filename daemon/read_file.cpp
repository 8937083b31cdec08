// read_file.cpp: see read_file.hpp.
#include "read_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
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

namespace {

// Directories nested deeper than this under a PATH argument are not entered (a bound on recursion).
constexpr int kMaxDirectoryDepth = 256;

// Appends the regular files under `dir` to `files`, recursively, with readdir(3)'s d_type so that
// most entries need no stat(2) (a directory of a few hundred bounces is listed in well under a
// millisecond). Like std::filesystem's recursive_directory_iterator with its default options:
// a symbolic link counts as the file it points to, but a link to a directory is not followed;
// entries that cannot be read are skipped.
void collect_regular_files(const std::string& dir, std::vector<std::string>& files, int depth) {
  if (depth > kMaxDirectoryDepth) return;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (const dirent* entry = ::readdir(d)) {
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    std::string path = dir;
    if (path.back() != '/') path += '/';
    path += name;
    unsigned char type = entry->d_type;
    struct stat st {};
    if (type == DT_UNKNOWN) {  // some file systems do not fill d_type
      if (::lstat(path.c_str(), &st) != 0) continue;
      type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISLNK(st.st_mode) ? DT_LNK : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
    }
    if (type == DT_LNK && ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) type = DT_REG;
    if (type == DT_REG) files.push_back(std::move(path));
    else if (type == DT_DIR) collect_regular_files(path, files, depth + 1);
  }
  ::closedir(d);
}

}  // namespace

std::vector<std::string> expand_input_paths(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const auto& path : paths) {
    struct stat st {};
    if (path == "-" || path.empty() || ::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      files.push_back(path);
      continue;
    }
    const std::size_t first = files.size();
    collect_regular_files(path, files, 0);
    std::sort(files.begin() + static_cast<std::ptrdiff_t>(first), files.end());
  }
  return files;
}

}  // namespace bounced
