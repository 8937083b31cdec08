// jsonl_sink.hpp: appends one JSON line per bounced recipient (the record `bounced parse` prints,
// plus the envelope, the subscriber, and `message_hash`, `recipient_index`, `recipient_count`,
// `line_check`) to a file, fsync'd per batch. Its checkpoint is "DEV:INODE:OFFSET" of the end of a
// batch. Because each line names its message and its place among that message's lines, and
// carries a check of itself (a torn write does not pass), recovery after a crash keeps
// every complete message written after the dedup log's last batch (their hashes are remembered
// again) and cuts the rest: a record is never written twice for one message, nor half of one.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "file_util.hpp"
#include "sink.hpp"

namespace bounced {

// The fields recovery reads back from the end of one line (without its newline); nullopt when the
// line is not a whole record written by this sink.
struct JsonlTailLine {
  MessageHash hash;
  unsigned index, count;  // 1-based place among the message's lines, and their number
};
std::optional<JsonlTailLine> parse_jsonl_tail_line(std::string_view line);

class JsonlSink final : public Sink {
 public:
  JsonlSink(std::filesystem::path path, bool fsync);
  std::string id() const override;
  bool durable() const override { return true; }
  bool has_reached(std::string_view checkpoint) const override;
  void recover(std::string_view checkpoint) override;
  bool recovers_message_hashes() const override { return true; }
  std::vector<MessageHash> recover_messages(std::string_view checkpoint) override;
  void prepare() override { ensure_usable(); }
  std::string checkpoint() const override;
  void stage(const MessageRecord& record) override;
  void flush() override;
  bool can_split_flush() const override { return true; }
  void flush_write() override;
  void flush_sync() override;
  void committed() override;
  void rollback() override;
  void reopen() override;

 private:
  void open();            // opens (creates) the file; committed_ = its size
  void ensure_usable();   // reopens after a failure or a reopen request

  std::filesystem::path path_;
  bool fsync_;
  UniqueFd fd_;
  unsigned long long dev_ = 0, ino_ = 0;
  unsigned long long committed_ = 0;  // file size after the last committed batch
  std::string pending_;               // staged lines
  bool broken_ = false;               // a write or rollback failed: reopen before the next batch
};

}  // namespace bounced
