// sqlite_sink.hpp: the `sqlite` sink. Records every parsed message of a commit batch in the store
// (store.hpp) in one transaction — VERP attribution and the suppression policy applied — so the
// LMTP 250 also promises the suppression state. Idempotent on the message hash, so a batch that is
// retried after another sink failed records nothing twice.
#pragma once
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "attribution.hpp"
#include "policy.hpp"
#include "sink.hpp"
#include "store.hpp"

namespace bounced {

struct SqliteSinkOptions {
  std::filesystem::path path;
  bool fsync = true;                     // synchronous=FULL
  AttributionConfig attribution;         // VERP scheme / signing, List-Id mapping
  PolicySet policy;
  std::vector<std::string> outbox_targets;
};

class SqliteSink final : public Sink {
 public:
  explicit SqliteSink(SqliteSinkOptions options);
  std::string id() const override;
  bool durable() const override { return true; }
  void stage(const MessageRecord& record) override { staged_.push_back(&record); }
  void flush() override;
  void committed() override { staged_.clear(); }
  void rollback() override { staged_.clear(); }
  Store& store() { return *store_; }

 private:
  SqliteSinkOptions options_;
  std::unique_ptr<Store> store_;
  std::vector<const MessageRecord*> staged_;
};

// The envelope recipient to decode: the first candidate that is VERP under `config`, else the first.
std::string pick_envelope_recipient(const std::vector<std::string>& candidates, const AttributionConfig& config);

}  // namespace bounced
