// pipeline_kinds_test.cpp: end to end through parse_message(): which messages are bounces,
// complaints, auto-replies or delivery reports, and that ordinary mail gives no record at all
// (false positives are the worst error a bounce processor can make).
#include <gtest/gtest.h>

#include <string>

#include "mime.hpp"
#include "pipeline.hpp"

using namespace bounced;

namespace {

// The MIME stage may still be a placeholder in a partial build: these tests need real headers.
bool mime_available() {
  auto m = parse_mime("From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n");
  return m.root && m.root->header("from") != nullptr;
}

#define REQUIRE_MIME() \
  if (!mime_available()) GTEST_SKIP() << "MIME stage not available in this build"

MessageReport parse(const std::string& raw) {
  auto out = parse_message(raw);
  EXPECT_TRUE(out.ok()) << to_string(out.error);
  return out.report;
}

const char* kNewsletter =
    "From: Example News <news@example.com>\r\n"
    "To: reader@example.org\r\n"
    "Subject: This week: why mail gets undeliverable\r\n"
    "List-Id: <news.example.com>\r\n"
    "Auto-Submitted: auto-generated\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "Hello,\r\n"
    "when a mailbox is full or the user unknown, the message is undeliverable and you get a\r\n"
    "Delivery Status Notification. Status: 5.1.1 means the address does not exist.\r\n";

const char* kHumanQuotingBounce =
    "From: Alice <alice@example.com>\r\n"
    "To: support@example.org\r\n"
    "Subject: Re: my mail bounced?\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "I got this back, what does it mean?\r\n"
    "\r\n"
    "> Final-Recipient: rfc822; bob@example.net\r\n"
    "> Action: failed\r\n"
    "> Status: 5.1.1\r\n"
    "Final-Recipient: rfc822; carol@example.net\r\n"
    "Action: failed\r\n"
    "Status: 5.2.2\r\n";

const char* kVacation =
    "From: Kijitora <kijitora@example.net>\r\n"
    "To: neko@example.org\r\n"
    "Subject: Out of Office: meeting\r\n"
    "Auto-Submitted: auto-replied\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "I am out of the office until Monday.\r\n";

const char* kArf =
    "From: <abuse@example.net>\r\n"
    "To: <fbl@example.org>\r\n"
    "Subject: FW: Earn money\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/report; report-type=feedback-report; boundary=\"part1\"\r\n"
    "\r\n"
    "--part1\r\n"
    "Content-Type: text/plain; charset=\"US-ASCII\"\r\n"
    "\r\n"
    "This is an email abuse report for an email message received from IP 192.0.2.1.\r\n"
    "\r\n"
    "--part1\r\n"
    "Content-Type: message/feedback-report\r\n"
    "\r\n"
    "Feedback-Type: abuse\r\n"
    "User-Agent: SomeGenerator/1.0\r\n"
    "Version: 1\r\n"
    "Original-Rcpt-To: <user@example.com>\r\n"
    "Source-IP: 192.0.2.1\r\n"
    "\r\n"
    "--part1\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "From: <somespammer@example.net>\r\n"
    "To: <user@example.com>\r\n"
    "Subject: Earn money\r\n"
    "Message-ID: <8787KJKJ3K4J3K4J3K4J3.mail@example.net>\r\n"
    "\r\n"
    "Spam Spam Spam\r\n"
    "--part1--\r\n";

std::string dsn(const std::string& action, const std::string& status, const std::string& diag) {
  return "From: MAILER-DAEMON@mx.example.jp (Mail Delivery System)\r\n"
         "To: sender@example.org\r\n"
         "Subject: Undelivered Mail Returned to Sender\r\n"
         "Auto-Submitted: auto-replied\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n"
         "\r\n"
         "--B\r\n"
         "Content-Type: text/plain\r\n"
         "\r\n"
         "I'm sorry to have to inform you that your message could not be delivered.\r\n"
         "\r\n"
         "--B\r\n"
         "Content-Type: message/delivery-status\r\n"
         "\r\n"
         "Reporting-MTA: dns; mx.example.jp\r\n"
         "\r\n"
         "Final-Recipient: rfc822; kijitora@example.jp\r\n"
         "Action: " + action + "\r\n"
         "Status: " + status + "\r\n"
         "Diagnostic-Code: smtp; " + diag + "\r\n"
         "\r\n"
         "--B\r\n"
         "Content-Type: text/rfc822-headers\r\n"
         "\r\n"
         "From: sender@example.org\r\n"
         "To: kijitora@example.jp\r\n"
         "Subject: hello\r\n"
         "Message-ID: <abc@example.org>\r\n"
         "\r\n"
         "--B--\r\n";
}

}  // namespace

TEST(PipelineKinds, OrdinaryMailIsNotABounce) {
  REQUIRE_MIME();
  auto n = parse(kNewsletter);
  EXPECT_EQ(n.kind, MessageKind::not_bounce);
  EXPECT_TRUE(n.recipients.empty());
  auto h = parse(kHumanQuotingBounce);
  EXPECT_EQ(h.kind, MessageKind::not_bounce);
  EXPECT_TRUE(h.recipients.empty());
}

TEST(PipelineKinds, VacationIsMarked) {
  REQUIRE_MIME();
  auto r = parse(kVacation);
  EXPECT_EQ(r.kind, MessageKind::auto_reply);
  ASSERT_EQ(r.recipients.size(), 1u);
  EXPECT_EQ(r.recipients[0].recipient, "kijitora@example.net");
  EXPECT_EQ(r.recipients[0].reason, "vacation");
  EXPECT_FALSE(r.recipients[0].hard_bounce);
}

TEST(PipelineKinds, ArfIsFeedback) {
  REQUIRE_MIME();
  auto r = parse(kArf);
  EXPECT_EQ(r.kind, MessageKind::feedback);
  EXPECT_EQ(r.scanner, "arf");
  ASSERT_EQ(r.recipients.size(), 1u);
  EXPECT_EQ(r.recipients[0].recipient, "user@example.com");
  EXPECT_EQ(r.recipients[0].reason, "feedback");
  EXPECT_EQ(r.recipients[0].feedback_type, "abuse");
  EXPECT_EQ(r.recipients[0].decided_by.substr(0, 3), "arf");
  EXPECT_FALSE(r.recipients[0].hard_bounce);
}

TEST(PipelineKinds, BounceWithAutoSubmittedIsStillABounce) {
  REQUIRE_MIME();
  auto r = parse(dsn("failed", "5.1.1",
                     "550 5.1.1 <kijitora@example.jp>: Recipient address rejected: User unknown in local "
                     "recipient table"));
  EXPECT_EQ(r.kind, MessageKind::bounce);
  ASSERT_EQ(r.recipients.size(), 1u);
  EXPECT_EQ(r.recipients[0].reason, "userunknown");
  EXPECT_TRUE(r.recipients[0].hard_bounce);
  EXPECT_EQ(r.original.message_id, "<abc@example.org>");
}

TEST(PipelineKinds, SuccessDsnIsDelivered) {
  REQUIRE_MIME();
  auto r = parse(dsn("delivered", "2.0.0", "250 2.0.0 OK"));
  EXPECT_EQ(r.kind, MessageKind::delivered);
  ASSERT_EQ(r.recipients.size(), 1u);
  EXPECT_EQ(r.recipients[0].reason, "delivered");
  EXPECT_FALSE(r.recipients[0].hard_bounce);
}

TEST(PipelineKinds, SameInputSameOutput) {
  REQUIRE_MIME();
  const auto raw = dsn("failed", "5.2.2", "552 5.2.2 Mailbox full");
  auto a = parse(raw), b = parse(raw);
  ASSERT_EQ(a.recipients.size(), b.recipients.size());
  EXPECT_EQ(a.recipients[0].reason, b.recipients[0].reason);
  EXPECT_EQ(a.recipients[0].decided_by, b.recipients[0].decided_by);
  EXPECT_EQ(a.recipients[0].status, b.recipients[0].status);
}

TEST(PipelineKinds, DeliveryStatusPastedInTheText) {
  REQUIRE_MIME();
  // A notification whose multipart is broken: the DSN fields sit in the text.
  auto r = parse(
      "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>\r\n"
      "To: sender@example.org\r\n"
      "Subject: Returned mail: User unknown\r\n"
      "Content-Type: text/plain\r\n"
      "\r\n"
      "Reporting-MTA: dns; mx.example.org\r\n"
      "\r\n"
      "Final-Recipient: rfc822;kijitora@example.com\r\n"
      "Action: failed\r\n"
      "Status: 5.0.0\r\n"
      "Diagnostic-Code: smtp; 550 user unknown\r\n");
  EXPECT_EQ(r.kind, MessageKind::bounce);
  ASSERT_EQ(r.recipients.size(), 1u);
  EXPECT_EQ(r.recipients[0].recipient, "kijitora@example.com");
  EXPECT_EQ(r.fields.reporting_mta, "mx.example.org");
}

TEST(PipelineKinds, SourceRoutedFinalRecipientYieldsToOriginal) {
  REQUIRE_MIME();
  std::string raw = dsn("failed", "5.0.0", "550 5.7.1 550 User Unknown");
  const std::string from = "Final-Recipient: rfc822; kijitora@example.jp\r\n";
  raw.replace(raw.find(from), from.size(),
              "Original-Recipient: rfc822;kijitora@example.net\r\nFinal-Recipient: rfc822;@smtp.example.net:kijitora@server\r\n");
  auto r = parse(raw);
  ASSERT_EQ(r.recipients.size(), 1u);
  EXPECT_EQ(r.recipients[0].recipient, "kijitora@example.net");
}

// A DSN mixing delivered and failed recipients: only the failures are reported, in their order,
// each with its own diagnostic and the PowerMTA category that goes with it (recipients and what
// goes with them are compacted together).
TEST(PipelineKinds, MixedDsnKeepsOnlyTheFailuresInOrder) {
  REQUIRE_MIME();
  const std::string raw =
      "From: MAILER-DAEMON@mx.example.jp (Mail Delivery System)\r\n"
      "To: sender@example.org\r\n"
      "Subject: Delivery Status Notification\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n"
      "\r\n"
      "--B\r\n"
      "Content-Type: text/plain\r\n"
      "\r\n"
      "Some recipients could not be reached.\r\n"
      "\r\n"
      "--B\r\n"
      "Content-Type: message/delivery-status\r\n"
      "\r\n"
      "Reporting-MTA: dns; mx.example.jp\r\n"
      "\r\n"
      "Final-Recipient: rfc822; ok1@example.jp\r\n"
      "Action: delivered\r\n"
      "Status: 2.0.0\r\n"
      "\r\n"
      "Final-Recipient: rfc822; full@example.jp\r\n"
      "Action: failed\r\n"
      "Status: 5.2.2\r\n"
      "Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\r\n"
      "\r\n"
      "Final-Recipient: rfc822; ok2@example.jp\r\n"
      "Action: delivered\r\n"
      "Status: 2.0.0\r\n"
      "\r\n"
      "Final-Recipient: rfc822; gone@example.jp\r\n"
      "Action: failed\r\n"
      "Status: 5.0.0\r\n"
      "X-PowerMTA-BounceCategory: bad-mailbox\r\n"
      "Diagnostic-Code: smtp; 550 rejected\r\n"
      "\r\n"
      "--B--\r\n";
  auto r = parse(raw);
  EXPECT_EQ(r.kind, MessageKind::bounce);
  ASSERT_EQ(r.recipients.size(), 2u);
  EXPECT_EQ(r.recipients[0].recipient, "full@example.jp");
  EXPECT_EQ(r.recipients[0].reason, "mailboxfull");
  EXPECT_EQ(r.recipients[1].recipient, "gone@example.jp");
  EXPECT_EQ(r.recipients[1].reason, "userunknown");
  EXPECT_EQ(r.recipients[1].decided_by, "dsn:x-powermta-bouncecategory:bad-mailbox");
}

// The returned original's fields are picked by name length, then compared: names of the same
// length that are not wanted ("Subjekt", "Fromm"...), any case, the first of repeated fields, and
// X- fields (at most 16) as written.
TEST(PipelineKinds, OriginalHeaderFieldsByNameInAnyCase) {
  REQUIRE_MIME();
  std::string original =
      "Subjekt: not this\r\n"
      "LIST-ID: <news.example.org>\r\n"
      "Dato: not this\r\n"
      "FROM: Sender <sender@example.org>\r\n"
      "tO: kijitora@example.jp\r\n"
      "sUBJECT: =?UTF-8?B?aGVsbG8=?=\r\n"
      "Subject: second\r\n"
      "Message-Id:  <abc@example.org> \r\n"
      "Message-Ix: not this\r\n"
      "dATE: Thu, 29 Apr 2010 23:34:45 +0900\r\n";
  for (int i = 0; i < 20; ++i) original += "X-Field-" + std::to_string(i) + ": v" + std::to_string(i) + "\r\n";
  std::string raw = dsn("failed", "5.1.1", "550 5.1.1 User unknown");
  const auto at = raw.find("From: sender@example.org\r\n");
  ASSERT_NE(at, std::string::npos);
  raw.replace(at, raw.find("\r\n\r\n--B--") + 2 - at, original);
  auto r = parse(raw);
  EXPECT_EQ(r.original.subject, "hello");
  EXPECT_EQ(r.original.from, "Sender <sender@example.org>");
  EXPECT_EQ(r.original.to, "kijitora@example.jp");
  EXPECT_EQ(r.original.list_id, "<news.example.org>");
  EXPECT_EQ(r.original.message_id, "<abc@example.org>");
  EXPECT_EQ(r.original.date, "Thu, 29 Apr 2010 23:34:45 +0900");
  ASSERT_EQ(r.original.x_fields.size(), 16u);
  EXPECT_EQ(r.original.x_fields[0].first, "X-Field-0");
  EXPECT_EQ(r.original.x_fields[15].second, "v15");
}

// The pasted block is looked for only when the text holds "Final-Recipient:" or
// "Original-Recipient:" (any case): an Original-Recipient alone, after other "recipient:" words,
// is enough; "Recipient:" alone is not.
TEST(PipelineKinds, DeliveryStatusPastedWithOnlyAnOriginalRecipient) {
  REQUIRE_MIME();
  auto message = [](const std::string& field) {
    return "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>\r\n"
           "To: sender@example.org\r\n"
           "Subject: Returned mail: User unknown\r\n"
           "Content-Type: text/plain\r\n"
           "\r\n"
           "The recipient: could not be reached. Bad-recipient: none.\r\n"
           "\r\n" +
           field +
           ": rfc822;kijitora@example.com\r\n"
           "Action: failed\r\n"
           "Status: 5.1.1\r\n";
  };
  auto r = parse(message("ORIGINAL-RECIPIENT"));
  EXPECT_EQ(r.kind, MessageKind::bounce);
  ASSERT_EQ(r.recipients.size(), 1u);
  EXPECT_EQ(r.recipients[0].recipient, "kijitora@example.com");
  EXPECT_EQ(r.scanner, "rfc3464");
  EXPECT_NE(parse(message("Recipient")).scanner, "rfc3464");
}
