// scanner_amazon_test.cpp: Amazon SES (bounce mail and SNS JSON notifications) and Amazon WorkMail.
#include <gtest/gtest.h>

#include "scanner_fixture.hpp"

namespace bounced {
std::optional<ScanResult> scan_amazonses(const ScanInput&);
std::optional<ScanResult> scan_amazonworkmail(const ScanInput&);
}  // namespace bounced

using bounced::testing::ScanFixture;

TEST(ScannerAmazonSes, JsonBounceInSnsEnvelope) {
  const std::string message =
      R"({\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Transient\",\"bounceSubType\":\"MailboxFull\",)"
      R"(\"bouncedRecipients\":[{\"emailAddress\":\"full@rcpt.example\",\"action\":\"failed\",\"status\":\"5.2.2\",)"
      R"(\"diagnosticCode\":\"smtp; 552 5.2.2 Mailbox full\"}]},\"mail\":{\"messageId\":\"0100abc\",)"
      R"(\"headers\":[{\"name\":\"Subject\",\"value\":\"hi\"}]}})";
  const std::string body = "{\n  \"Type\" : \"Notification\",\n  \"Message\" : \"" + message +
                           "\"\n}\n\n--\nIf you wish to stop receiving notifications from this topic...\n";
  ScanFixture f({{"From", "AWS Notifications <no-reply@sns.amazonaws.com>"},
                 {"x-amz-sns-message-id", "1234-5678"}},
                body);
  if (!f.headers_work()) GTEST_SKIP() << "MIME stage not landed";
  auto r = bounced::scan_amazonses(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "full@rcpt.example");
  EXPECT_EQ(r->recipients[0].status, "5.2.2");
  EXPECT_EQ(r->recipients[0].reply_code, "552");
  EXPECT_EQ(r->recipients[0].diagnostic, "552 5.2.2 Mailbox full");
  EXPECT_EQ(r->recipients[0].reason, "mailboxfull");
  EXPECT_NE(r->original_text.find("Message-ID: 0100abc"), std::string::npos);
}

TEST(ScannerAmazonSes, JsonComplaintAndDelivery) {
  ScanFixture c({{"x-amz-sns-message-id", "1"}},
                R"({"notificationType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"c@rcpt.example"}],)"
                R"("complaintFeedbackType":"abuse"},"mail":{}})");
  if (!c.headers_work()) GTEST_SKIP() << "MIME stage not landed";
  auto r = bounced::scan_amazonses(*c.in);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, bounced::MessageKind::feedback);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].feedback_type, "abuse");

  ScanFixture d({{"x-amz-sns-message-id", "2"}},
                R"({"notificationType":"Delivery","delivery":{"recipients":["ok@rcpt.example"],)"
                R"("smtpResponse":"250 2.6.0 Message received"},"mail":{}})");
  r = bounced::scan_amazonses(*d.in);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, bounced::MessageKind::delivered);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].status, "2.6.0");
  EXPECT_EQ(r->recipients[0].reply_code, "250");
}

TEST(ScannerAmazonSes, MalformedJsonIsNotClaimed) {
  ScanFixture f({{"x-amz-sns-message-id", "1"}}, R"({"notificationType":"Bounce","bounce":{"bouncedRecipients":[)");
  EXPECT_FALSE(bounced::scan_amazonses(*f.in));
}

TEST(ScannerAmazonWorkMail, TechnicalReport) {
  ScanFixture f({{"From", "MAILER-DAEMON@us-west-2.amazonses.com"},
                 {"X-Mailer", "Amazon WorkMail"},
                 {"X-SES-Outgoing", "2019.01.01-192.0.2.1"}},
                "Your message wasn't delivered to late@rcpt.example.\n\n"
                "Technical report:\n\n"
                "Reporting-MTA: dsn; a1-2.smtp-out.us-west-2.amazonses.com\n\n"
                "Action: failed\n"
                "Final-Recipient: rfc822; late@rcpt.example\n"
                "Diagnostic-Code: smtp; 554 4.4.7 Message expired: unable to deliver in 840 minutes.\n"
                " <421 4.4.2 Connection timed out>\n"
                "Status: 4.4.7\n");
  if (!f.headers_work()) GTEST_SKIP() << "MIME stage not landed";
  auto r = bounced::scan_amazonworkmail(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "late@rcpt.example");
  EXPECT_EQ(r->recipients[0].status, "4.4.2");
  EXPECT_EQ(r->recipients[0].reply_code, "421");
  EXPECT_EQ(r->recipients[0].action, "failed");
}

TEST(ScannerAmazonSes, EventPublishingBounce) {
  ScanFixture f({{"From", "AWS Notifications <no-reply@sns.amazonaws.com>"}},
                R"({"eventType":"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"General",)"
                R"("bouncedRecipients":[{"emailAddress":"gone@rcpt.example","action":"failed","status":"5.1.1",)"
                R"("diagnosticCode":"smtp; 550 5.1.1 user unknown"}]},"mail":{"messageId":"0100xyz"}})");
  auto r = bounced::scan_amazonses(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "gone@rcpt.example");
  EXPECT_EQ(r->recipients[0].status, "5.1.1");
  EXPECT_EQ(r->recipients[0].reply_code, "550");
  EXPECT_TRUE(r->recipients[0].reason.empty());
}
