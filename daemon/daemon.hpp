// daemon.hpp: `bounced serve`: builds the commit queue, LMTP server and Maildir watchers from a
// Config and runs them on one io_context until SIGTERM/SIGINT. SIGHUP re-reads the config file,
// applies what can change live and reopens the sinks' files. Talks to systemd (READY, STOPPING,
// RELOADING, WATCHDOG, STATUS) when run by it.
#pragma once
#include <string>

#include "config.hpp"

namespace bounced {

struct ServeOptions {
  std::string config_path;  // "" = embedded default
  bool null_mode = false;   // --null-mode
};

int run_daemon(const ServeOptions& options);

}  // namespace bounced
