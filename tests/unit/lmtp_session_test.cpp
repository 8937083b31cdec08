// lmtp_session_test.cpp: the LMTP state machine without sockets: pipelining, per-recipient
// replies, dot-stuffing, limits and error states.
#include <gtest/gtest.h>

#include "lmtp_session.hpp"

namespace bounced {
namespace {

struct Driver {
  LmtpSession s;
  std::string pending;  // unconsumed input
  explicit Driver(LmtpLimits l = {}) : s(l, "test.example") {}
  // Feeds `in`; completes any message with `outcome`; returns all replies.
  std::string feed(std::string_view in, LmtpSession::Outcome outcome = LmtpSession::Outcome::stored,
                   std::vector<std::string>* messages = nullptr) {
    pending.append(in);
    std::string out;
    for (;;) {
      std::string_view v = pending;
      auto a = s.feed(v, out);
      pending.erase(0, pending.size() - v.size());
      if (a == LmtpSession::Action::message_ready) {
        if (messages) messages->push_back(s.message());
        s.complete_message(outcome, "id", out);
        continue;
      }
      return out;
    }
  }
};

TEST(LmtpSession, PipelinedTransactionRepliesPerRecipientInOrder) {
  Driver d;
  EXPECT_EQ(d.feed("LHLO client\r\n"),
            "250-test.example\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n"
            "250 SIZE 33554432\r\n");
  std::vector<std::string> messages;
  const std::string out = d.feed(
      "MAIL FROM:<>\r\nRCPT TO:<a@x>\r\nRCPT TO:<b@x>\r\nRCPT TO:<a@x>\r\nDATA\r\nSubject: t\r\n\r\n..dot\r\nbody\r\n.\r\n",
      LmtpSession::Outcome::stored, &messages);
  EXPECT_EQ(out,
            "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n"
            "250 2.0.0 <a@x> id Message accepted\r\n250 2.0.0 <b@x> id Message accepted\r\n"
            "250 2.0.0 <a@x> id Message accepted\r\n");
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0], "Subject: t\r\n\r\n.dot\r\nbody\r\n");
  EXPECT_EQ(d.s.state(), LmtpSession::State::ready);
}

// The message buffer keeps a typical message's room between transactions (no allocation per
// message) and gives back anything larger.
TEST(LmtpSession, MessageRoomKeptUpToTypicalSizeOnly) {
  Driver d;
  d.feed("LHLO client\r\n");
  std::vector<std::string> messages;
  d.feed("MAIL FROM:<>\r\nRCPT TO:<a@example.org>\r\nDATA\r\nSubject: small\r\n\r\nbody\r\n.\r\n",
         LmtpSession::Outcome::stored, &messages);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_TRUE(d.s.message().empty());
  EXPECT_GE(d.s.message().capacity(), 4096u);
  EXPECT_LE(d.s.message().capacity(), 16384u);
  std::string big = "MAIL FROM:<>\r\nRCPT TO:<a@example.org>\r\nDATA\r\nSubject: big\r\n\r\n";
  for (int i = 0; i < 3000; ++i) big += "0123456789012345678901234567890123456789\r\n";
  big += ".\r\n";
  d.feed(big, LmtpSession::Outcome::stored, &messages);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_GT(messages[1].size(), 100000u);
  EXPECT_TRUE(d.s.message().empty());
  EXPECT_LE(d.s.message().capacity(), 16384u);
}

TEST(LmtpSession, BodySplitAtEveryByte) {
  const std::string body = "MAIL FROM:<>\r\nRCPT TO:<a@x>\r\nDATA\r\nA\r\n.\r\n..\r\n.x\r\n.\r\nQUIT\r\n";
  Driver d;
  d.feed("LHLO c\r\n");
  std::string out;
  std::vector<std::string> messages;
  for (char c : body) out += d.feed(std::string_view(&c, 1), LmtpSession::Outcome::stored, &messages);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0], "A\r\n");
  EXPECT_NE(out.find("500 5.5.1 Command unrecognized"), std::string::npos);  // "..", ".x" after the end
  EXPECT_EQ(d.s.state(), LmtpSession::State::quit);
}

TEST(LmtpSession, FailureGives451PerRecipient) {
  Driver d;
  d.feed("LHLO c\r\n");
  const auto out = d.feed("MAIL FROM:<>\r\nRCPT TO:<a@x>\r\nRCPT TO:<b@x>\r\nDATA\r\nx\r\n.\r\n",
                          LmtpSession::Outcome::failed);
  EXPECT_NE(out.find("451 4.3.0 <a@x>"), std::string::npos);
  EXPECT_NE(out.find("451 4.3.0 <b@x>"), std::string::npos);
}

TEST(LmtpSession, SequenceErrors) {
  Driver d;
  EXPECT_EQ(d.feed("MAIL FROM:<>\r\n"), "503 5.5.1 Send LHLO first\r\n");
  EXPECT_EQ(d.feed("HELO x\r\n"), "500 5.5.1 This is an LMTP server: use LHLO\r\n");
  d.feed("LHLO c\r\n");
  EXPECT_EQ(d.feed("RCPT TO:<a@x>\r\n"), "503 5.5.1 Need MAIL command\r\n");
  EXPECT_EQ(d.feed("DATA\r\n"), "503 5.5.1 Need MAIL command\r\n");
  d.feed("MAIL FROM:<>\r\n");
  EXPECT_EQ(d.feed("DATA\r\n"), "503 5.5.1 No valid recipients\r\n");
  EXPECT_EQ(d.feed("RSET\r\n"), "250 2.0.0 Ok\r\n");
  EXPECT_EQ(d.feed("RCPT TO:<a@x>\r\n"), "503 5.5.1 Need MAIL command\r\n");
  EXPECT_EQ(d.feed("VRFY a\r\n"), "252 2.5.2 Cannot VRFY user, but will accept message\r\n");
  EXPECT_EQ(d.feed("NOOP\r\n"), "250 2.0.0 Ok\r\n");
  EXPECT_EQ(d.feed("MAIL FROM:<> BOGUS=1\r\n"), "555 5.5.4 Unsupported MAIL parameter\r\n");
}

TEST(LmtpSession, SizeLimits) {
  LmtpLimits l;
  l.max_message_size = 1024;
  Driver d(l);
  d.feed("LHLO c\r\n");
  EXPECT_EQ(d.feed("MAIL FROM:<> SIZE=2048\r\n"), "552 5.3.4 Message size exceeds fixed limit\r\n");
  d.feed("MAIL FROM:<> SIZE=100\r\nRCPT TO:<a@x>\r\nRCPT TO:<b@x>\r\nDATA\r\n");
  std::vector<std::string> messages;
  const auto out = d.feed(std::string(40, 'x') + "\r\n" + std::string(2000, 'y') + "\r\n.\r\n",
                          LmtpSession::Outcome::stored, &messages);
  EXPECT_TRUE(messages.empty());
  EXPECT_EQ(out, "552 5.3.4 Message too big for system <a@x>\r\n552 5.3.4 Message too big for system <b@x>\r\n");
  EXPECT_EQ(d.feed("NOOP\r\n"), "250 2.0.0 Ok\r\n");  // the session goes on
}

TEST(LmtpSession, RecipientLimit) {
  LmtpLimits l;
  l.max_recipients = 2;
  Driver d(l);
  d.feed("LHLO c\r\nMAIL FROM:<>\r\n");
  EXPECT_EQ(d.feed("RCPT TO:<a@x>\r\nRCPT TO:<b@x>\r\nRCPT TO:<c@x>\r\n"),
            "250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n452 4.5.3 Too many recipients\r\n");
}

TEST(LmtpSession, LongCommandLineThenAbuseCloses) {
  LmtpLimits l;
  l.max_line_length = 512;
  l.max_errors = 3;
  Driver d(l);
  d.feed("LHLO c\r\n");
  EXPECT_EQ(d.feed(std::string(600, 'A')), "");  // no end yet: discarding
  EXPECT_EQ(d.s.state(), LmtpSession::State::line_too_long);
  EXPECT_EQ(d.feed("AAAA\r\nNOOP\r\n"), "500 5.5.2 Line too long\r\n250 2.0.0 Ok\r\n");
  EXPECT_EQ(d.s.state(), LmtpSession::State::ready);
  // An endless line is cut off.
  std::string out;
  for (int i = 0; i < 100 && d.s.state() != LmtpSession::State::quit; ++i) out += d.feed(std::string(4096, 'B'));
  EXPECT_EQ(d.s.state(), LmtpSession::State::quit);
  EXPECT_NE(out.find("421 4.7.0"), std::string::npos);
}

TEST(LmtpSession, TooManyErrorsCloses) {
  LmtpLimits l;
  l.max_errors = 2;
  Driver d(l);
  EXPECT_EQ(d.feed("FOO\r\nBAR\r\nNOOP\r\n"),
            "500 5.5.1 Command unrecognized\r\n500 5.5.1 Command unrecognized\r\n"
            "421 4.7.0 Too many errors, closing connection\r\n");
  EXPECT_EQ(d.s.state(), LmtpSession::State::quit);
}

TEST(LmtpSession, LongDataLine) {
  LmtpLimits l;
  l.max_data_line = 1000;
  Driver d(l);
  d.feed("LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@x>\r\nDATA\r\n");
  EXPECT_EQ(d.feed(std::string(1500, 'z') + "\r\n.\r\n"), "500 5.5.2 Line too long in message text <a@x>\r\n");
}

// Lines are checked one by one but copied in runs: the same message whatever the chunking, and a
// long line or the size limit inside a run is still found.
TEST(LmtpSession, BodyInAnyChunkingAndLimitsInsideARun) {
  const std::string text = "From: a\r\n\r\n..one\r\ntwo\nthree\r\n...\r\n..\r\n\r\nlast\r\n";
  for (std::size_t chunk : {1u, 2u, 3u, 7u, 1000u}) {
    Driver d;
    d.feed("LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@x>\r\nDATA\r\n");
    std::vector<std::string> messages;
    const std::string in = text + ".\r\n";
    for (std::size_t i = 0; i < in.size(); i += chunk)
      d.feed(std::string_view(in).substr(i, chunk), LmtpSession::Outcome::stored, &messages);
    ASSERT_EQ(messages.size(), 1u) << chunk;
    EXPECT_EQ(messages[0], "From: a\r\n\r\n.one\r\ntwo\nthree\r\n..\r\n.\r\n\r\nlast\r\n") << chunk;
  }
  LmtpLimits l;
  l.max_data_line = 1000;
  l.max_message_size = 4096;
  Driver longline(l);
  longline.feed("LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@x>\r\nDATA\r\n");
  EXPECT_EQ(longline.feed("a\r\nb\r\n" + std::string(1200, 'z') + "\r\nc\r\n.\r\n"),
            "500 5.5.2 Line too long in message text <a@x>\r\n");
  Driver big(l);
  big.feed("LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@x>\r\nDATA\r\n");
  std::string lines;
  for (int i = 0; i < 10; ++i) lines += std::string(500, 'y') + "\r\n";
  EXPECT_EQ(big.feed(lines + ".\r\n"), "552 5.3.4 Message too big for system <a@x>\r\n");
}

}  // namespace
}  // namespace bounced
