// commit_queue_test.cpp: group commit on real files in a temporary directory: records reach the
// JSONL once per message, duplicates are recognised across restarts, a crash's uncommitted tail
// is cut, whole messages the lazily synced dedup log lost are remembered from the JSONL, a torn
// dedup batch does not count, quarantined messages are stored, a broken sink fails the batch and
// recovers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "commit_queue.hpp"
#include "temp_dir.hpp"
#include "jsonl_sink.hpp"

namespace bounced {
namespace {

namespace fs = std::filesystem;

struct TempDir : test::TempDir {
  TempDir() : test::TempDir("bounced-commit") {}
};

Config test_config(const fs::path& dir) {
  std::vector<std::string> errors;
  auto cfg = load_config("state_dir: " + dir.string() + "\nmaildirs: []\nsinks:\n  - type: jsonl\n    path: out.jsonl\n",
                         "t.yaml", errors);
  EXPECT_TRUE(cfg);
  return *cfg;
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::size_t lines(const fs::path& p) {
  const auto s = read(p);
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

CommitRequest bounce(const CommitQueue& q, std::string_view content, int recipients) {
  auto rec = std::make_shared<MessageRecord>();
  rec->hash = siphash128(q.hash_key(), content);
  rec->source = "test";
  rec->parsed = true;
  rec->report.kind = MessageKind::bounce;
  for (int i = 0; i < recipients; ++i) {
    RecipientResult r;
    r.recipient = "user" + std::to_string(i) + "@example.org";
    r.status = "5.1.1";
    rec->report.recipients.push_back(r);
  }
  CommitRequest req;
  req.record = rec;
  return req;
}

CommitResult commit(CommitQueue& q, CommitRequest req) {
  std::promise<CommitResult> p;
  auto f = p.get_future();
  req.done = [&p](const CommitResult& r) { p.set_value(r); };
  q.submit(std::move(req));
  return f.get();
}

TEST(CommitQueue, RecordsOnceAndRemembersAcrossRestarts) {
  TempDir t;
  const auto cfg = test_config(t.path());
  {
    CommitQueue q(cfg);
    q.start();
    auto r1 = commit(q, bounce(q, "message one", 2));
    EXPECT_TRUE(r1.ok);
    EXPECT_FALSE(r1.duplicate);
    auto r2 = commit(q, bounce(q, "message one", 2));
    EXPECT_TRUE(r2.ok);
    EXPECT_TRUE(r2.duplicate);
    EXPECT_EQ(lines(t.path() / "out.jsonl"), 2u);
  }
  CommitQueue q(cfg);
  q.start();
  EXPECT_TRUE(commit(q, bounce(q, "message one", 2)).duplicate);
  EXPECT_FALSE(commit(q, bounce(q, "message two", 1)).duplicate);
  EXPECT_EQ(lines(t.path() / "out.jsonl"), 3u);
}

TEST(CommitQueue, CrashTailIsCutAtRestart) {
  TempDir t;
  const auto cfg = test_config(t.path());
  {
    CommitQueue q(cfg);
    q.start();
    EXPECT_TRUE(commit(q, bounce(q, "kept", 1)).ok);
  }
  // A crash after the JSONL fsync but before the dedup log's: records and H lines without C.
  {
    std::ofstream(t.path() / "out.jsonl", std::ios::app) << "{\"recipient\":\"lost@x\"}\n";
    std::ofstream(t.path() / "seen.log", std::ios::app) << "H 0123456789abcdef0123456789abcdef 1700000000\n";
  }
  CommitQueue q(cfg);
  EXPECT_EQ(lines(t.path() / "out.jsonl"), 1u);
  EXPECT_EQ(read(t.path() / "out.jsonl").find("lost@x"), std::string::npos);
  EXPECT_EQ(read(t.path() / "seen.log").find("0123456789abcdef0123456789abcdef"), std::string::npos);
}

TEST(CommitQueue, BatchTheJsonlLostIsForgotten) {
  // The two files are fsync'd in parallel: a crash may keep the dedup log's batch and lose the
  // JSONL's. That batch must not count, or its messages would be acknowledged but never recorded.
  TempDir t;
  const auto cfg = test_config(t.path());
  {
    CommitQueue q(cfg);
    q.start();
    EXPECT_TRUE(commit(q, bounce(q, "first", 1)).ok);
    EXPECT_TRUE(commit(q, bounce(q, "second", 1)).ok);
  }
  const auto s = read(t.path() / "out.jsonl");
  std::filesystem::resize_file(t.path() / "out.jsonl", s.find('\n') + 1);  // "second" never reached the disk
  CommitQueue q(cfg);
  q.start();
  EXPECT_TRUE(commit(q, bounce(q, "first", 1)).duplicate);
  EXPECT_FALSE(commit(q, bounce(q, "second", 1)).duplicate);
  EXPECT_EQ(lines(t.path() / "out.jsonl"), 2u);
}

TEST(CommitQueue, RecordsNameTheirMessageAndPlace) {
  TempDir t;
  const auto cfg = test_config(t.path());
  CommitQueue q(cfg);
  q.start();
  auto req = bounce(q, "two recipients", 2);
  const auto hash = req.record->hash;
  EXPECT_TRUE(commit(q, std::move(req)).ok);
  std::istringstream in(read(t.path() / "out.jsonl"));
  std::string line;
  unsigned expected_index = 1;
  while (std::getline(in, line)) {
    const auto tail = parse_jsonl_tail_line(line);
    ASSERT_TRUE(tail) << line;
    EXPECT_EQ(tail->hash, hash);
    EXPECT_EQ(tail->index, expected_index++);
    EXPECT_EQ(tail->count, 2u);
  }
  EXPECT_EQ(expected_index, 3u);
}

TEST(CommitQueue, JsonlTailLineIsReadStrictly) {
  auto with_check = [](std::string line) {
    std::string out = line + ", \"line_check\": \"";
    append_hex64(out, torn_write_check(line));
    return out + "\"}";
  };
  const std::string h(32, 'a');
  const std::string head = "{\"recipient\": \"a@b\", \"message_hash\": \"" + h + "\", \"recipient_index\": ";
  const std::string good = with_check(head + "2, \"recipient_count\": 3");
  ASSERT_TRUE(parse_jsonl_tail_line(good));
  EXPECT_EQ(parse_jsonl_tail_line(good)->index, 2u);
  EXPECT_EQ(parse_jsonl_tail_line(good)->count, 3u);
  EXPECT_FALSE(parse_jsonl_tail_line(good.substr(0, good.size() - 1)));                 // cut short
  EXPECT_FALSE(parse_jsonl_tail_line("{\"recipient\": \"a@b\"}"));                        // older record
  std::string nul = good;
  nul[3] = '\0';
  EXPECT_FALSE(parse_jsonl_tail_line(nul));                                              // a lost page
  std::string stale = good;
  stale[5] = 'q';
  EXPECT_FALSE(parse_jsonl_tail_line(stale));                                            // older bytes
  EXPECT_FALSE(parse_jsonl_tail_line(with_check(head + "4, \"recipient_count\": 3")));  // index > count
  EXPECT_FALSE(parse_jsonl_tail_line(with_check(head + "0, \"recipient_count\": 3")));
  EXPECT_FALSE(parse_jsonl_tail_line(std::string(200, '\0')));
}

TEST(CommitQueue, MessagesTheLazyDedupLogLostAreRememberedFromTheJsonl) {
  // With a JSONL sink only, the dedup log is written after the JSONL's fsync and fsync'd now and
  // then: a crash may lose its last batches while the JSONL holds them (acknowledged). They must
  // count as recorded; a message whose lines are incomplete must be cut and processed again.
  TempDir t;
  const auto cfg = test_config(t.path());
  std::string early_log;
  {
    CommitQueue q(cfg);
    q.start();
    EXPECT_TRUE(commit(q, bounce(q, "one", 2)).ok);
    early_log = read(t.path() / "seen.log");
    EXPECT_NE(early_log.find(" lazy"), std::string::npos);
    EXPECT_TRUE(commit(q, bounce(q, "two", 1)).ok);
    EXPECT_TRUE(commit(q, bounce(q, "three", 3)).ok);
  }
  std::ofstream(t.path() / "seen.log", std::ios::trunc) << early_log;  // the later batches never reached the disk
  const auto recorded = read(t.path() / "out.jsonl");
  EXPECT_EQ(lines(t.path() / "out.jsonl"), 6u);
  // A half-written batch: the first of "four"'s two lines, then a page of zeros.
  std::string four_line = recorded.substr(0, recorded.find('\n'));
  {
    std::ofstream out(t.path() / "out.jsonl", std::ios::app);
    const auto at = four_line.find("\"message_hash\": \"") + 17;
    four_line.replace(at, 32, std::string(32, 'f'));
    out << four_line << "\n" << std::string(100, '\0');
  }
  CommitQueue q(cfg);
  q.start();
  EXPECT_EQ(read(t.path() / "out.jsonl"), recorded);  // the incomplete message and the zeros are cut
  EXPECT_TRUE(commit(q, bounce(q, "one", 2)).duplicate);
  EXPECT_TRUE(commit(q, bounce(q, "two", 1)).duplicate);
  EXPECT_TRUE(commit(q, bounce(q, "three", 3)).duplicate);
  EXPECT_FALSE(commit(q, bounce(q, "four", 2)).duplicate);
  EXPECT_EQ(lines(t.path() / "out.jsonl"), 8u);
}

TEST(CommitQueue, TornDedupBatchDoesNotCount) {
  // A C line whose H lines do not match its checksum (a page of the batch lost): the batch and
  // everything after it are recovered from the JSONL instead.
  TempDir t;
  const auto cfg = test_config(t.path());
  MessageHash first{};
  {
    CommitQueue q(cfg);
    q.start();
    auto req = bounce(q, "first", 1);
    first = req.record->hash;
    EXPECT_TRUE(commit(q, std::move(req)).ok);
    EXPECT_TRUE(commit(q, bounce(q, "second", 1)).ok);
  }
  auto log = read(t.path() / "seen.log");
  const auto at = log.rfind("H ");
  log[at + 2] = log[at + 2] == '0' ? '1' : '0';  // the last H line now names another message
  std::ofstream(t.path() / "seen.log", std::ios::trunc) << log;
  CommitQueue q(cfg);
  q.start();
  EXPECT_TRUE(commit(q, bounce(q, "first", 1)).duplicate);
  EXPECT_TRUE(commit(q, bounce(q, "second", 1)).duplicate);
  EXPECT_EQ(lines(t.path() / "out.jsonl"), 2u);
  EXPECT_NE(read(t.path() / "seen.log").find(first.hex()), std::string::npos);
}

TEST(CommitQueue, QuarantineStoresTheRawMessage) {
  TempDir t;
  const auto cfg = test_config(t.path());
  CommitQueue q(cfg);
  q.start();
  auto req = bounce(q, "\x01garbage", 0);
  req.record->parsed = false;
  req.quarantine_raw = std::make_shared<const std::string>("\x01garbage");
  const auto hash = req.record->hash;
  EXPECT_TRUE(commit(q, std::move(req)).ok);
  EXPECT_EQ(read(t.path() / "quarantine" / "new" / (hash.hex() + ".eml")), "\x01garbage");
}

TEST(CommitQueue, BrokenSinkFailsThenRecovers) {
  TempDir t;
  const auto cfg = test_config(t.path());
  CommitQueue q(cfg);
  q.start();
  EXPECT_TRUE(commit(q, bounce(q, "before", 1)).ok);
  // The file is replaced by a directory: the reopen fails, batches fail.
  fs::rename(t.path() / "out.jsonl", t.path() / "saved.jsonl");
  fs::create_directory(t.path() / "out.jsonl");
  q.reopen();
  auto failed = commit(q, bounce(q, "during", 1));
  EXPECT_FALSE(failed.ok);
  fs::remove(t.path() / "out.jsonl");
  fs::rename(t.path() / "saved.jsonl", t.path() / "out.jsonl");
  q.reopen();
  EXPECT_TRUE(commit(q, bounce(q, "during", 1)).ok);
  EXPECT_TRUE(commit(q, bounce(q, "during", 1)).duplicate);
  EXPECT_EQ(lines(t.path() / "out.jsonl"), 2u);
}

}  // namespace
}  // namespace bounced
