// read_file.cpp: see read_file.hpp.
#include "read_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace bounced {

bool read_whole_file(const std::string& path, std::string& out, std::string& error) {
  out.clear();
  std::FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (!f) {
    error = std::strerror(errno);
    return false;
  }
  char chunk[65536];
  std::size_t n;
  bool ok = true;
  while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (out.size() + n > kMaxInputFileBytes) {
      error = "file larger than " + std::to_string(kMaxInputFileBytes) + " bytes";
      ok = false;
      break;
    }
    out.append(chunk, n);
  }
  if (ok && std::ferror(f)) {
    error = std::strerror(errno);
    ok = false;
  }
  if (f != stdin) std::fclose(f);
  return ok;
}

}  // namespace bounced
