// logging.hpp: spdlog set-up for the daemon: the journal (with priorities) when stderr is connected
// to it under systemd, else stderr with timestamps.
#pragma once
#include <string>

namespace bounced {

void setup_logging(const std::string& level);
void set_log_level(const std::string& level);

}  // namespace bounced
