// pipeline_merge_test.cpp: how parse_message() merges a message/delivery-status part with what an
// MTA scanner read from the human-readable part of the same notification.
#include <gtest/gtest.h>

#include <string>

#include "mime.hpp"
#include "pipeline.hpp"

using namespace bounced;

namespace {

MessageReport parse(const std::string& raw) {
  auto out = parse_message(raw);
  EXPECT_TRUE(out.ok()) << to_string(out.error);
  return out.report;
}

// OpenSMTPD's multipart report: its own message in the text part, a placeholder Status in the DSN.
std::string opensmtpd_report(const std::string& line, const std::string& action, const std::string& status) {
  return "From: Mailer Daemon <MAILER-DAEMON@mx.example.com>\r\n"
         "To: sender@example.com\r\n"
         "Subject: Delivery status notification: " + action + "\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: multipart/mixed;boundary=\"1234567890/mx.example.com\"\r\n"
         "\r\n"
         "This is a MIME-encapsulated message.\r\n"
         "\r\n"
         "--1234567890/mx.example.com\r\n"
         "Content-Description: Notification\r\n"
         "Content-Type: text/plain; charset=us-ascii\r\n"
         "\r\n"
         "Hi!\r\n"
         "\r\n"
         "This is the MAILER-DAEMON, please DO NOT REPLY to this email.\r\n"
         "\r\n"
         "An error has occurred while attempting to deliver a message for\r\n"
         "the following list of recipients:\r\n"
         "\r\n" + line + "\r\n"
         "\r\n"
         "--1234567890/mx.example.com\r\n"
         "Content-Description: Delivery Report\r\n"
         "Content-Type: message/delivery-status\r\n"
         "\r\n"
         "Reporting-MTA: dns; mx.example.com\r\n"
         "\r\n"
         "Final-Recipient: rfc822; rcpt@example.net\r\n"
         "Action: " + action + "\r\n"
         "Status: " + status + "\r\n"
         "\r\n"
         "--1234567890/mx.example.com--\r\n";
}

}  // namespace

TEST(PipelineMerge, ScannerVerdictBeatsPlaceholderStatus) {
  auto r = parse(opensmtpd_report("rcpt@example.net: Envelope expired", "delayed", "4.4.7"));
  ASSERT_EQ(r.recipients.size(), 1u);
  EXPECT_EQ(r.recipients[0].reason, "expired");
  EXPECT_EQ(r.recipients[0].status, "5.0.947");

  r = parse(opensmtpd_report("rcpt@example.net: No MX found for domain", "delayed", "4.0.0"));
  ASSERT_EQ(r.recipients.size(), 1u);
  EXPECT_EQ(r.recipients[0].reason, "notaccept");
  EXPECT_EQ(r.recipients[0].status, "5.0.932");
  EXPECT_TRUE(r.recipients[0].hard_bounce);
}

TEST(PipelineMerge, RemoteReplyKeepsTheDsnStatus) {
  auto r = parse(opensmtpd_report("rcpt@example.net: 550 5.2.2 Mailbox full", "failed", "5.2.2"));
  ASSERT_EQ(r.recipients.size(), 1u);
  EXPECT_EQ(r.recipients[0].status, "5.2.2");
  EXPECT_EQ(r.recipients[0].reason, "mailboxfull");
}

// Sendmail's Diagnostic-Code holds only the first line of a multi-line reply ("550-5.7.1 ..."): the
// transcript's whole reply replaces it, and its later lines decide the reason.
TEST(PipelineMerge, WholeMultiLineReplyReplacesItsFirstLine) {
  const std::string raw =
      "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.jp>\r\n"
      "To: <sender@example.jp>\r\n"
      "Subject: Returned mail: see transcript for details\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B1\"\r\n"
      "\r\n"
      "--B1\r\n"
      "Content-Type: text/plain\r\n"
      "\r\n"
      "   ----- The following addresses had permanent fatal errors -----\r\n"
      "<mo@gmail.example>\r\n"
      "    (reason: 550-5.7.1 This message does not have authentication information or fails to pass)\r\n"
      "\r\n"
      "   ----- Transcript of session follows -----\r\n"
      "... while talking to gmail-smtp-in.l.google.com.:\r\n"
      ">>> DATA\r\n"
      "<<< 550-5.7.1 This message does not have authentication information or fails to pass\r\n"
      "<<< 550-5.7.1 authentication checks (SPF or DKIM). To best protect our users from spam, the\r\n"
      "<<< 550 5.7.1 message has been blocked. b2si1.1 - gsmtp\r\n"
      "554 5.0.0 Service unavailable\r\n"
      "\r\n"
      "--B1\r\n"
      "Content-Type: message/delivery-status\r\n"
      "\r\n"
      "Reporting-MTA: dns; mx.example.jp\r\n"
      "\r\n"
      "Final-Recipient: RFC822; mo@gmail.example\r\n"
      "Action: failed\r\n"
      "Status: 5.7.1\r\n"
      "Remote-MTA: DNS; gmail-smtp-in.l.google.com\r\n"
      "Diagnostic-Code: SMTP; 550-5.7.1 This message does not have authentication information or fails to pass\r\n"
      "\r\n"
      "--B1--\r\n";
  auto r = parse(raw);
  ASSERT_EQ(r.recipients.size(), 1u);
  EXPECT_NE(r.recipients[0].diagnostic_code.find("authentication checks (SPF or DKIM)"), std::string::npos);
  EXPECT_EQ(r.recipients[0].reason, "authfailure");
}

// A Final-Recipient that lost its local part ("@mx.example.org"): the address the text names.
TEST(PipelineMerge, UnusableFinalRecipientYieldsToScannedAddress) {
  const std::string raw =
      "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.jp>\r\n"
      "To: <sender@example.jp>\r\n"
      "Subject: Returned mail: see transcript for details\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B2\"\r\n"
      "\r\n"
      "--B2\r\n"
      "Content-Type: text/plain\r\n"
      "\r\n"
      "   ----- The following addresses had permanent fatal errors -----\r\n"
      "<nao@example.org>\r\n"
      "    (reason: 550 Host unknown)\r\n"
      "\r\n"
      "--B2\r\n"
      "Content-Type: message/delivery-status\r\n"
      "\r\n"
      "Reporting-MTA: dns; mx.example.jp\r\n"
      "\r\n"
      "Final-Recipient: RFC822; @mx.example.org\r\n"
      "Action: failed\r\n"
      "Status: 5.1.2\r\n"
      "\r\n"
      "--B2--\r\n";
  auto r = parse(raw);
  ASSERT_EQ(r.recipients.size(), 1u);
  EXPECT_EQ(r.recipients[0].recipient, "nao@example.org");
  EXPECT_EQ(r.recipients[0].reason, "hostunknown");
}

// A local delivery agent's line in the transcript says why; Sendmail's own words do not.
TEST(PipelineMerge, LocalDeliveryAgentMessageDecides) {
  const std::string raw =
      "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>\r\n"
      "To: <sender@example.jp>\r\n"
      "Subject: Returned mail: Service unavailable\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B3\"\r\n"
      "\r\n"
      "--B3\r\n"
      "Content-Type: text/plain\r\n"
      "\r\n"
      "   ----- The following addresses had permanent fatal errors -----\r\n"
      "<pat@example.net>\r\n"
      "\r\n"
      "   ----- Transcript of session follows -----\r\n"
      "mail.local: unknown user: pat\r\n"
      "554 <pat@example.net>... Service unavailable\r\n"
      "\r\n"
      "--B3\r\n"
      "Content-Type: message/delivery-status\r\n"
      "\r\n"
      "Reporting-MTA: dns; mx.example.net\r\n"
      "\r\n"
      "Final-Recipient: RFC822; <pat@example.net>\r\n"
      "Action: failed\r\n"
      "Status: 5.5.0\r\n"
      "\r\n"
      "--B3--\r\n";
  auto r = parse(raw);
  ASSERT_EQ(r.recipients.size(), 1u);
  EXPECT_EQ(r.recipients[0].reason, "userunknown");
  EXPECT_EQ(r.recipients[0].decided_by, "mda:mail.local:: unknown user:");
  EXPECT_NE(r.recipients[0].diagnostic_code.find("mail.local: unknown user: pat"), std::string::npos);
}
