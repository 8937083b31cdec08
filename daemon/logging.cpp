// logging.cpp: see logging.hpp.
#include "logging.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/systemd_sink.h>
#include <spdlog/spdlog.h>

#include "systemd.hpp"

namespace bounced {

void setup_logging(const std::string& level) {
  std::shared_ptr<spdlog::logger> logger;
  if (systemd::stderr_is_journal()) {
    logger = std::make_shared<spdlog::logger>("bounced", std::make_shared<spdlog::sinks::systemd_sink_mt>());
    logger->set_pattern("%v");
  } else {
    logger = std::make_shared<spdlog::logger>("bounced", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e bounced[%P] %l: %v");
  }
  spdlog::set_default_logger(logger);
  set_log_level(level);
}

void set_log_level(const std::string& level) {
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::flush_on(spdlog::level::trace);
}

}  // namespace bounced
