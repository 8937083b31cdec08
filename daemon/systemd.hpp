// systemd.hpp: the small part of libsystemd the daemon uses: readiness/status notification,
// the watchdog interval, sockets passed by socket activation, and whether stderr is the journal.
// All are no-ops (or empty) when not run by systemd.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace bounced::systemd {

void notify(const std::string& state);  // "READY=1", "STOPPING=1", "WATCHDOG=1", "STATUS=..."
std::optional<std::chrono::microseconds> watchdog_interval();
std::vector<int> listen_fds();  // LISTEN_FDS sockets (consumed: the variables are unset)
bool stderr_is_journal();

}  // namespace bounced::systemd
