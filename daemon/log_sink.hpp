// log_sink.hpp: one log line per bounced recipient (and one per quarantined message), emitted once
// the batch is committed. Not durable: it never delays or fails an LMTP reply.
#pragma once
#include <vector>

#include "sink.hpp"

namespace bounced {

class LogSink final : public Sink {
 public:
  std::string id() const override { return "log"; }
  bool durable() const override { return false; }
  void stage(const MessageRecord& record) override { staged_.push_back(&record); }
  void flush() override {}
  void committed() override;
  void rollback() override { staged_.clear(); }

 private:
  std::vector<const MessageRecord*> staged_;  // valid until committed()/rollback() (the batch owns them)
};

}  // namespace bounced
