// jsonl_sink_test.cpp: the JSONL sink's crash recovery on real files. Random batches are written,
// then the file's tail is damaged the ways a crash damages it (cut at any byte, a page of zeros,
// a page of stale bytes, which may join the start of one record to the end of a later one);
// recover_messages() must keep exactly the messages whose records
// all come before the damage, return their hashes in order, and cut the file after the last one.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "jsonl_sink.hpp"
#include "temp_dir.hpp"

namespace bounced {
namespace {

namespace fs = std::filesystem;

struct TempDir : test::TempDir {
  TempDir() : test::TempDir("bounced-jsonl") {}
};

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

MessageRecord record(std::mt19937& rng, int n) {
  MessageRecord r;
  r.hash.hi = (std::uint64_t{rng()} << 32) | rng();
  r.hash.lo = (std::uint64_t{rng()} << 32) | rng();
  r.source = "test";
  r.parsed = true;
  r.report.kind = MessageKind::bounce;
  const int recipients = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < recipients; ++i) {
    RecipientResult rr;
    rr.recipient = "user" + std::to_string(n) + "-" + std::to_string(i) + "@example.org";
    rr.status = "5.1.1";
    // Text that looks like our own fields must not confuse the reader.
    rr.diagnostic_code = std::string(rng() % 300, 'x') + "\", \"message_hash\": \"" + std::string(32, '0') + "\"}";
    r.report.recipients.push_back(rr);
  }
  return r;
}

std::string checkpoint_at(const fs::path& p, unsigned long long offset) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0);
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" + std::to_string(offset);
}

TEST(JsonlSink, RecoveryKeepsExactlyTheWholeMessagesBeforeTheDamage) {
  std::mt19937 rng(20261129);
  for (int round = 0; round < 300; ++round) {
    TempDir t;
    const fs::path file = t.path() / "out.jsonl";
    std::vector<MessageHash> hashes;
    {
      JsonlSink sink(file, false);
      for (int b = 0; b < 4; ++b) {
        sink.prepare();
        const int messages = 1 + static_cast<int>(rng() % 5);
        for (int m = 0; m < messages; ++m) {
          const auto r = record(rng, static_cast<int>(hashes.size()));
          sink.stage(r);
          hashes.push_back(r.hash);
        }
        sink.flush();
        sink.committed();
      }
    }
    // Where each message's records end, read back from the records (one line per recipient).
    const std::string whole = read(file);
    std::vector<std::size_t> ends;
    {
      std::size_t at = 0;
      while (at < whole.size()) {
        const auto nl = whole.find('\n', at);
        const auto tail = parse_jsonl_tail_line(std::string_view(whole).substr(at, nl - at));
        ASSERT_TRUE(tail);
        if (tail->index == tail->count) ends.push_back(nl + 1);
        at = nl + 1;
      }
    }
    ASSERT_EQ(ends.size(), hashes.size());
    // The damage: the file cut at any byte, or one page (4 KiB, where the disk tears) that never
    // reached the disk reading as zeros or as stale bytes, with later pages kept.
    std::size_t from = rng() % (whole.size() + 1);
    std::string damaged = whole.substr(0, from);
    if (round % 3 != 0) {
      from -= from % 4096;
      damaged = whole;
      const std::size_t len = std::min<std::size_t>(4096, whole.size() - from);
      damaged.replace(from, len, std::string(len, round % 3 == 1 ? '\0' : 'q'));
    }
    std::ofstream(file, std::ios::binary | std::ios::trunc) << damaged;

    std::size_t kept = 0;
    while (kept < ends.size() && ends[kept] <= from) ++kept;
    const bool intact_anyway = damaged == whole;  // cut at the very end
    JsonlSink sink(file, false);
    const auto got = sink.recover_messages(checkpoint_at(file, 0));
    if (intact_anyway) {
      EXPECT_EQ(got, hashes);
      continue;
    }
    ASSERT_EQ(got.size(), kept) << "round " << round << " from " << from << " size " << whole.size() << " ends "
                                << (kept < ends.size() ? ends[kept] : 0) << " " << (kept ? ends[kept - 1] : 0);
    for (std::size_t i = 0; i < kept; ++i) EXPECT_EQ(got[i], hashes[i]);
    EXPECT_EQ(read(file), whole.substr(0, kept ? ends[kept - 1] : 0)) << "round " << round;
  }
}

TEST(JsonlSink, RecoveryStartsAtTheCheckpointAndIgnoresAnotherFile) {
  TempDir t;
  const fs::path file = t.path() / "out.jsonl";
  std::mt19937 rng(7);
  const auto first = record(rng, 0), second = record(rng, 1);
  std::size_t after_first = 0, whole = 0;
  {
    JsonlSink sink(file, false);
    sink.stage(first);
    sink.flush();
    sink.committed();
    after_first = read(file).size();
    sink.stage(second);
    sink.flush();
    sink.committed();
    whole = read(file).size();
  }
  JsonlSink sink(file, false);
  EXPECT_EQ(sink.recover_messages(checkpoint_at(file, after_first)), std::vector<MessageHash>{second.hash});
  EXPECT_TRUE(sink.recover_messages("1:2:0").empty());  // not this file: nothing to judge by
  EXPECT_TRUE(sink.recover_messages("").empty());       // no batch known yet
  EXPECT_EQ(read(file).size(), whole);  // nothing cut
}

}  // namespace
}  // namespace bounced
