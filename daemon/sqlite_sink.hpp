// sqlite_sink.hpp: the `sqlite` sink. Records every parsed message of a commit batch in the store
// (store.hpp) in one transaction — VERP attribution and the suppression policy applied — so the
// LMTP 250 also promises the suppression state. Idempotent on the message hash, so a batch that is
// retried after another sink failed records nothing twice.
#pragma once
#include <filesystem>
#include <functional>
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
  std::vector<OutboxTarget> outbox_targets;
  std::function<void()> on_outbox;  // called after a committed batch queued outbox rows
};

class SqliteSink final : public Sink {
 public:
  explicit SqliteSink(SqliteSinkOptions options);
  std::string id() const override;
  bool durable() const override { return true; }
  bool needs_content_sha256() const override { return true; }
  void stage(const MessageRecord& record) override { staged_.push_back(&record); }
  // Batches are numbered; the number is stored in the same transaction as the batch, so after a
  // crash the dedup log only keeps a batch the store holds too (nothing to cut: the store is
  // idempotent on the message identity, a batch it holds alone is simply redelivered).
  bool has_reached(std::string_view checkpoint) const override;
  std::string checkpoint() const override;
  void flush() override;
  void committed() override;
  void rollback() override { staged_.clear(); }
  Store& store() { return *store_; }

 private:
  SqliteSinkOptions options_;
  std::unique_ptr<Store> store_;
  std::vector<const MessageRecord*> staged_;
  std::int64_t batches_ = 0;  // the last batch number the store holds
  bool queued_ = false;       // the flushed batch queued outbox rows
};

}  // namespace bounced
