// jsonl_sink.hpp: appends one JSON line per bounced recipient (the record `bounced parse` prints)
// to a file, fsync'd per batch. Its checkpoint is "DEV:INODE:OFFSET" of the end of a batch;
// recovery truncates a tail written after the last batch the dedup log committed (a crash between
// the two fsyncs), so a record is never written twice for one message.
#pragma once
#include <filesystem>
#include <string>

#include "file_util.hpp"
#include "sink.hpp"

namespace bounced {

class JsonlSink final : public Sink {
 public:
  JsonlSink(std::filesystem::path path, bool fsync);
  std::string id() const override;
  bool durable() const override { return true; }
  bool has_reached(std::string_view checkpoint) const override;
  void recover(std::string_view checkpoint) override;
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
