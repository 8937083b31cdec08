// logging.cpp: see logging.hpp.
#include "logging.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <mutex>

#include "systemd.hpp"

namespace bounced {
namespace {

// Under systemd, stderr is a journal stream: a line that starts with "<N>" is stored with syslog
// priority N (sd-daemon(3), the SD_ERR-style prefixes), so `journalctl -p warning` works without
// linking libsystemd's sd_journal_send into every subcommand.
class JournalStreamSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    std::fprintf(stderr, "<%d>%.*s", syslog_priority(msg.level), static_cast<int>(line.size()), line.data());
  }
  void flush_() override { std::fflush(stderr); }

 private:
  static int syslog_priority(spdlog::level::level_enum level) {
    switch (level) {
      case spdlog::level::critical: return 2;  // LOG_CRIT
      case spdlog::level::err: return 3;       // LOG_ERR
      case spdlog::level::warn: return 4;      // LOG_WARNING
      case spdlog::level::info: return 6;      // LOG_INFO
      default: return 7;                       // LOG_DEBUG (debug, trace)
    }
  }
};

}  // namespace

void setup_logging(const std::string& level) {
  std::shared_ptr<spdlog::logger> logger;
  if (systemd::stderr_is_journal()) {
    logger = std::make_shared<spdlog::logger>("bounced", std::make_shared<JournalStreamSink>());
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
