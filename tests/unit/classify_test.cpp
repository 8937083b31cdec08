// classify_test.cpp: the classify stage end to end for one recipient.
#include <gtest/gtest.h>

#include "classify.hpp"

using namespace bounced;

namespace {
RecipientResult run(std::string diag, std::string status = {}, std::string command = {},
                    std::string action = "failed", MessageKind kind = MessageKind::bounce) {
  RecipientResult r;
  r.recipient = "kijitora@example.jp";
  r.diagnostic_code = std::move(diag);
  r.status = std::move(status);
  r.smtp_command = std::move(command);
  r.action = std::move(action);
  r.diagnostic_type = "smtp";
  ClassifyContext ctx;
  ctx.kind = kind;
  classify_recipient(r, ctx);
  return r;
}
}  // namespace

TEST(Classify, PostfixUserUnknown) {
  auto r = run("host mx.example.jp[192.0.2.153] said: 550 5.1.1 <kijitora@example.jp>: Recipient address "
               "rejected: User unknown in local recipient table (in reply to RCPT TO command)",
               "5.1.1", "RCPT");
  EXPECT_EQ(r.reason, "userunknown");
  EXPECT_EQ(r.reply_code, "550");
  EXPECT_TRUE(r.hard_bounce);
  EXPECT_EQ(r.status_class, "permanent");
}

TEST(Classify, StatusFromTextWhenFieldIsVague) {
  auto r = run("550 5.2.2 <kijitora@example.jp>... Mailbox Full", "5.0.0", "RCPT");
  EXPECT_EQ(r.status, "5.2.2");
  EXPECT_EQ(r.reason, "mailboxfull");
  EXPECT_FALSE(r.hard_bounce);
}

TEST(Classify, PseudoStatusWhenNoneStated) {
  auto r = run("Sorry, no mailbox here by that name. (#5.1.1)", "", "RCPT");
  EXPECT_EQ(r.status, "5.1.1");
  auto q = run("The user does not exist here: no such user", "", "RCPT");
  EXPECT_EQ(q.reason, "userunknown");
  EXPECT_EQ(q.status, "5.0.911");
  auto t = run("Connection timed out", "", "", "delayed");
  EXPECT_EQ(t.reason, "expired");
  EXPECT_EQ(t.action, "delayed");
  EXPECT_EQ(t.status, "5.0.947");
}

TEST(Classify, ReplyCodeMustMatchStatusClass) {
  auto r = run("421 try again later; final answer 550 5.7.1 access denied", "5.7.1", "MAIL");
  EXPECT_EQ(r.reply_code, "550");
}

TEST(Classify, MultiLineReplyPrefixesDoNotBreakPhrases) {
  auto r = run("550-5.7.1 This message does not have authentication information or fails to pass 550-5.7.1 "
               "authentication checks. To best protect our users from spam, the message has been blocked.",
               "5.7.1", "DATA");
  EXPECT_EQ(r.reply_code, "550");
}

TEST(Classify, FeedbackAndVacationAreNotBounces) {
  auto f = run("", "", "", "", MessageKind::feedback);
  EXPECT_EQ(f.reason, "feedback");
  EXPECT_EQ(f.decided_by, "arf");
  EXPECT_FALSE(f.hard_bounce);
  EXPECT_EQ(f.status, "");
  auto v = run("I am out of the office", "", "", "", MessageKind::auto_reply);
  EXPECT_EQ(v.reason, "vacation");
  EXPECT_FALSE(v.hard_bounce);
}

TEST(Classify, Delivered) {
  auto r = run("250 2.1.5 OK", "2.1.5", "", "delivered", MessageKind::delivered);
  EXPECT_EQ(r.reason, "delivered");
  EXPECT_EQ(r.status_class, "success");
}

TEST(Classify, HardBounceNotAccept) {
  EXPECT_TRUE(is_hard_bounce("notaccept", "5.3.2"));
  EXPECT_FALSE(is_hard_bounce("notaccept", "4.3.2"));
  EXPECT_TRUE(is_hard_bounce("notaccept", ""));
  EXPECT_FALSE(is_hard_bounce("mailboxfull", "5.2.2"));
  EXPECT_TRUE(is_hard_bounce("hasmoved", "5.1.6"));
}

TEST(Classify, Deterministic) {
  auto a = run("550 5.7.1 Message rejected as spam by Content Filtering.", "5.7.1", "DATA");
  auto b = run("550 5.7.1 Message rejected as spam by Content Filtering.", "5.7.1", "DATA");
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.decided_by, b.decided_by);
  EXPECT_EQ(a.reason, "spamdetected");
}

TEST(Classify, ReplyCodeThatDoesNotExistIsDropped) {
  RecipientResult r;
  r.recipient = "dee@example.com";
  r.diagnostic_code = "542 dee@example.com Rejected";
  r.reply_code = "542";  // as a scanner read it from the start of the text
  r.status = "5.0.0";
  r.action = "failed";
  classify_recipient(r, ClassifyContext{});
  EXPECT_EQ(r.reply_code, "");
}
