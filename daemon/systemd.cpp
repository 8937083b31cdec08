// systemd.cpp: see systemd.hpp. libsystemd is loaded with dlopen(3) the first time it is needed, and
// only when systemd has asked for it (NOTIFY_SOCKET, WATCHDOG_USEC or LISTEN_FDS is set): linked in,
// it and the six libraries it pulls in (gcrypt, lz4, zstd, lzma, cap, gpg-error) would be mapped and
// relocated at every start of every subcommand, about a millisecond that `bounced parse` and
// `bounced explain` never use.
#include "systemd.hpp"

#include <dlfcn.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include <cstdio>
#include <cstdlib>

namespace bounced::systemd {
namespace {

// The three entry points we call, resolved from libsystemd.so.0 (the soname is the library's ABI
// promise: these signatures have not changed since it was introduced).
struct Libsystemd {
  decltype(&::sd_notify) notify = nullptr;
  decltype(&::sd_watchdog_enabled) watchdog_enabled = nullptr;
  decltype(&::sd_listen_fds) listen_fds = nullptr;
};

Libsystemd load() {
  Libsystemd lib;
  void* handle = ::dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    std::fprintf(stderr, "bounced: systemd asked for notification but libsystemd.so.0 cannot be loaded: %s\n",
                 ::dlerror());
    return lib;
  }
  lib.notify = reinterpret_cast<decltype(lib.notify)>(::dlsym(handle, "sd_notify"));
  lib.watchdog_enabled = reinterpret_cast<decltype(lib.watchdog_enabled)>(::dlsym(handle, "sd_watchdog_enabled"));
  lib.listen_fds = reinterpret_cast<decltype(lib.listen_fds)>(::dlsym(handle, "sd_listen_fds"));
  return lib;  // the handle stays open for the life of the process
}

// The loaded library when `variable` says systemd is talking to us, else nullptr (each call would
// be a no-op then: libsystemd itself checks the same variables).
const Libsystemd* libsystemd_for(const char* variable) {
  if (!std::getenv(variable)) return nullptr;
  static const Libsystemd lib = load();
  return &lib;
}

}  // namespace

void notify(const std::string& state) {
  if (const auto* lib = libsystemd_for("NOTIFY_SOCKET"); lib && lib->notify) lib->notify(0, state.c_str());
}

std::optional<std::chrono::microseconds> watchdog_interval() {
  std::uint64_t usec = 0;
  if (const auto* lib = libsystemd_for("WATCHDOG_USEC"); lib && lib->watchdog_enabled &&
                                                         lib->watchdog_enabled(0, &usec) > 0 && usec > 0)
    return std::chrono::microseconds(usec);
  return std::nullopt;
}

std::vector<int> listen_fds() {
  std::vector<int> fds;
  const auto* lib = libsystemd_for("LISTEN_FDS");
  if (!lib || !lib->listen_fds) return fds;
  const int n = lib->listen_fds(1);
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
