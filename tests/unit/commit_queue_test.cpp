// commit_queue_test.cpp: group commit on real files in a temporary directory: records reach the
// JSONL once per message, duplicates are recognised across restarts, a crash's uncommitted tail
// is cut, quarantined messages are stored, a broken sink fails the batch and recovers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "commit_queue.hpp"

namespace bounced {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/bounced-commit-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
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
  const auto cfg = test_config(t.path);
  {
    CommitQueue q(cfg);
    q.start();
    auto r1 = commit(q, bounce(q, "message one", 2));
    EXPECT_TRUE(r1.ok);
    EXPECT_FALSE(r1.duplicate);
    auto r2 = commit(q, bounce(q, "message one", 2));
    EXPECT_TRUE(r2.ok);
    EXPECT_TRUE(r2.duplicate);
    EXPECT_EQ(lines(t.path / "out.jsonl"), 2u);
  }
  CommitQueue q(cfg);
  q.start();
  EXPECT_TRUE(commit(q, bounce(q, "message one", 2)).duplicate);
  EXPECT_FALSE(commit(q, bounce(q, "message two", 1)).duplicate);
  EXPECT_EQ(lines(t.path / "out.jsonl"), 3u);
}

TEST(CommitQueue, CrashTailIsCutAtRestart) {
  TempDir t;
  const auto cfg = test_config(t.path);
  {
    CommitQueue q(cfg);
    q.start();
    EXPECT_TRUE(commit(q, bounce(q, "kept", 1)).ok);
  }
  // A crash after the JSONL fsync but before the dedup log's: records and H lines without C.
  {
    std::ofstream(t.path / "out.jsonl", std::ios::app) << "{\"recipient\":\"lost@x\"}\n";
    std::ofstream(t.path / "seen.log", std::ios::app) << "H 0123456789abcdef0123456789abcdef 1700000000\n";
  }
  CommitQueue q(cfg);
  EXPECT_EQ(lines(t.path / "out.jsonl"), 1u);
  EXPECT_EQ(read(t.path / "out.jsonl").find("lost@x"), std::string::npos);
  EXPECT_EQ(read(t.path / "seen.log").find("0123456789abcdef0123456789abcdef"), std::string::npos);
}

TEST(CommitQueue, BatchTheJsonlLostIsForgotten) {
  // The two files are fsync'd in parallel: a crash may keep the dedup log's batch and lose the
  // JSONL's. That batch must not count, or its messages would be acknowledged but never recorded.
  TempDir t;
  const auto cfg = test_config(t.path);
  {
    CommitQueue q(cfg);
    q.start();
    EXPECT_TRUE(commit(q, bounce(q, "first", 1)).ok);
    EXPECT_TRUE(commit(q, bounce(q, "second", 1)).ok);
  }
  const auto s = read(t.path / "out.jsonl");
  std::filesystem::resize_file(t.path / "out.jsonl", s.find('\n') + 1);  // "second" never reached the disk
  CommitQueue q(cfg);
  q.start();
  EXPECT_TRUE(commit(q, bounce(q, "first", 1)).duplicate);
  EXPECT_FALSE(commit(q, bounce(q, "second", 1)).duplicate);
  EXPECT_EQ(lines(t.path / "out.jsonl"), 2u);
}

TEST(CommitQueue, QuarantineStoresTheRawMessage) {
  TempDir t;
  const auto cfg = test_config(t.path);
  CommitQueue q(cfg);
  q.start();
  auto req = bounce(q, "\x01garbage", 0);
  req.record->parsed = false;
  req.quarantine_raw = std::make_shared<const std::string>("\x01garbage");
  const auto hash = req.record->hash;
  EXPECT_TRUE(commit(q, std::move(req)).ok);
  EXPECT_EQ(read(t.path / "quarantine" / "new" / (hash.hex() + ".eml")), "\x01garbage");
}

TEST(CommitQueue, BrokenSinkFailsThenRecovers) {
  TempDir t;
  const auto cfg = test_config(t.path);
  CommitQueue q(cfg);
  q.start();
  EXPECT_TRUE(commit(q, bounce(q, "before", 1)).ok);
  // The file is replaced by a directory: the reopen fails, batches fail.
  fs::rename(t.path / "out.jsonl", t.path / "saved.jsonl");
  fs::create_directory(t.path / "out.jsonl");
  q.reopen();
  auto failed = commit(q, bounce(q, "during", 1));
  EXPECT_FALSE(failed.ok);
  fs::remove(t.path / "out.jsonl");
  fs::rename(t.path / "saved.jsonl", t.path / "out.jsonl");
  q.reopen();
  EXPECT_TRUE(commit(q, bounce(q, "during", 1)).ok);
  EXPECT_TRUE(commit(q, bounce(q, "during", 1)).duplicate);
  EXPECT_EQ(lines(t.path / "out.jsonl"), 2u);
}

}  // namespace
}  // namespace bounced
