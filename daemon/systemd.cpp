// systemd.cpp: see systemd.hpp.
#include "systemd.hpp"

#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include <cstdio>
#include <cstdlib>

namespace bounced::systemd {

void notify(const std::string& state) { ::sd_notify(0, state.c_str()); }

std::optional<std::chrono::microseconds> watchdog_interval() {
  std::uint64_t usec = 0;
  if (::sd_watchdog_enabled(0, &usec) > 0 && usec > 0) return std::chrono::microseconds(usec);
  return std::nullopt;
}

std::vector<int> listen_fds() {
  std::vector<int> fds;
  const int n = ::sd_listen_fds(1);
  for (int i = 0; i < n; ++i) fds.push_back(SD_LISTEN_FDS_START + i);
  return fds;
}

bool stderr_is_journal() {
  // JOURNAL_STREAM=DEV:INODE names the journal stream systemd connected to stderr.
  const char* js = std::getenv("JOURNAL_STREAM");
  if (!js) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(js, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st {};
  return ::fstat(2, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

}  // namespace bounced::systemd
