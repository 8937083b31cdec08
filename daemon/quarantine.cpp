// quarantine.cpp: see quarantine.hpp.
#include "quarantine.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "file_util.hpp"

namespace bounced {

Quarantine::Quarantine(std::filesystem::path maildir) : dir_(std::move(maildir)) { make_maildir(dir_); }

std::filesystem::path Quarantine::store(const MessageHash& hash, std::string_view raw) {
  const auto tmp = dir_ / "tmp" / (hash.hex() + "." + std::to_string(::getpid()));
  const auto final_path = path_for(hash);
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
  if (!fd) throw_errno("create", tmp);
  try {
    write_all(fd.get(), raw, tmp);
    fsync_fd(fd.get(), tmp, true);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  fd.reset();
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw_errno("rename", tmp);
  }
  return final_path;
}

void Quarantine::sync_dir() { fsync_dir(dir_ / "new"); }

}  // namespace bounced
