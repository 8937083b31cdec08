// temp_dir.hpp: a fresh directory under the system temp dir for one test, removed with everything
// in it when the test ends. Shared by the unit tests that need real files (SQLite store, outbox,
// commit queue, JSONL sink).
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace bounced::test {

class TempDir {
 public:
  // `prefix` names the directory (e.g. "bounced-store"), so a leftover says which test made it.
  explicit TempDir(const char* prefix) {
    std::string templ = (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
    if (!mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::filesystem::path operator/(const char* name) const { return path_ / name; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace bounced::test
