// scanner_unnamed_test.cpp: the formats Sisimai numbers X1..X6 (Mail2000, classic Yahoo! Mail, an
// unnamed DSN banner, qmail derivatives, a Trend Micro wrapper, an unnamed gateway), plus Courier,
// Messaging Server, Facebook and Bigfoot. Samples written here in each format's wording.
#include <gtest/gtest.h>

#include "scanner_fixture.hpp"

namespace bounced {
std::optional<ScanResult> scan_x1(const ScanInput&);
std::optional<ScanResult> scan_x2(const ScanInput&);
std::optional<ScanResult> scan_x3(const ScanInput&);
std::optional<ScanResult> scan_x4(const ScanInput&);
std::optional<ScanResult> scan_x6(const ScanInput&);
std::optional<ScanResult> scan_courier(const ScanInput&);
std::optional<ScanResult> scan_messagingserver(const ScanInput&);
std::optional<ScanResult> scan_facebook(const ScanInput&);
}  // namespace bounced

using bounced::testing::ScanFixture;

TEST(ScannerX1, AddressWithBracketedReason) {
  ScanFixture f({{"From", "\"Mail Deliver System\" <MAILER-DAEMON@m2k.example>"}, {"Subject", "Returned Mail: User unknown"}},
                "The original message was received at Mon, 1 Jun 2020 10:00:00 +0800\nfrom me@sender.example\n\n"
                "---The following addresses had delivery errors---\n\nwho@rcpt.example [User unknown]\n");
  auto r = bounced::scan_x1(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "who@rcpt.example");
  EXPECT_EQ(r->recipients[0].diagnostic, "User unknown");
}

TEST(ScannerX2, YahooClassic) {
  ScanFixture f({{"From", "MAILER-DAEMON@mail.example"}, {"Subject", "failure delivery"}},
                "Message from mail.example.\nUnable to deliver message to the following address(es).\n\n"
                "<late@rcpt.example>:\nunable to connect to remote server [192.0.2.1:25]: Operation timed out\n"
                "I'm not going to try again; this message has been in the queue too long.\n\n"
                "--- Original message follows.\n\nSubject: x\n");
  auto r = bounced::scan_x2(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "late@rcpt.example");
  EXPECT_EQ(r->recipients[0].reason, "expired");
  EXPECT_NE(r->original_text.find("Subject: x"), std::string::npos);
}

TEST(ScannerX3, TechnicalDetails) {
  ScanFixture f({{"From", "Mail Delivery System <mds@gw.example>"}, {"Subject", "Delivery status notification"}},
                "=====================\n      This is an automatically generated Delivery Status Notification.\n\n"
                "Delivery to the following recipients failed permanently:\n\n   * who@rcpt.example\n\n"
                "=====================\n    Technical details:\n\n"
                "SMTP:RCPT host 192.0.2.8: 553 5.3.0 <who@rcpt.example>... No such user here\n");
  auto r = bounced::scan_x3(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "who@rcpt.example");
  EXPECT_EQ(r->recipients[0].smtp_command, "RCPT");
  EXPECT_EQ(r->recipients[0].remote_mta, "192.0.2.8");
  EXPECT_EQ(r->recipients[0].reply_code, "553");
  EXPECT_EQ(r->recipients[0].status, "5.3.0");
}

TEST(ScannerX4, RewrittenQmailGreeting) {
  ScanFixture f({{"From", "MAILER-DAEMON@isp.example"}, {"Subject", "failure notice"}},
                "Your mail message to the following address(es) could not be delivered. This\n"
                "is a permanent error.\n\n"
                "<who@rcpt.example>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n"
                "--- Below this line is a copy of the message.\n\nSubject: x\n");
  auto r = bounced::scan_x4(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].reason, "userunknown");
  EXPECT_EQ(r->recipients[0].status, "5.1.1");

  ScanFixture q({{"Subject", "failure notice"}},
                "Hi. This is the qmail-send program at mx.example.\n\n<who@rcpt.example>:\nnope\n");
  EXPECT_FALSE(bounced::scan_x4(*q.in) && !bounced::scan_x4(*q.in)->recipients.empty());
}

TEST(ScannerX6, BracketedReply) {
  ScanFixture f({{"From", "mailer-daemon"}, {"Subject", "There was an error sending your mail"}},
                "We had trouble delivering your message. Full details follow:\n\nSubject: 'hi'\n\n1 error(s):\n\n"
                "SMTP Server <mx.rcpt.example> rejected recipient <who@rcpt.example> (Error following RCPT command). "
                "It responded as follows: [550 5.1.1 User unknown]\n\n"
                "The attachment contains the original mail headers.\n");
  auto r = bounced::scan_x6(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "who@rcpt.example");
  EXPECT_EQ(r->recipients[0].remote_mta, "mx.rcpt.example");
  EXPECT_EQ(r->recipients[0].smtp_command, "RCPT");
  EXPECT_EQ(r->recipients[0].reply_code, "550");
  EXPECT_EQ(r->recipients[0].status, "5.1.1");
}

TEST(ScannerCourier, SessionAndVerdict) {
  ScanFixture f({{"From", "Courier mail server at mx.example <@>"}, {"Subject", "NOTICE: mail delivery status."}},
                "---------------------------------------------------------------------------\n"
                "                           UNDELIVERABLE MAIL\n\n"
                "Your message to the following recipients cannot be delivered:\n\n"
                "<a@rcpt.example>:\n    mx.rcpt.example [192.0.2.45]:\n>>> RCPT TO:<a@rcpt.example>\n"
                "<<< 550 5.1.1 Unknown user\n\n"
                "<b@nodomain.example>:\n<<< No such domain.\n\n"
                "---------------------------------------------------------------------------\n");
  auto r = bounced::scan_courier(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 2u);
  EXPECT_EQ(r->recipients[0].smtp_command, "RCPT");
  EXPECT_EQ(r->recipients[0].remote_mta, "mx.rcpt.example");
  EXPECT_EQ(r->recipients[0].reply_code, "550");
  EXPECT_EQ(r->recipients[1].recipient, "b@nodomain.example");
  EXPECT_EQ(r->recipients[1].reason, "hostunknown");
}

TEST(ScannerMessagingServer, RecipientGroups) {
  ScanFixture f({{"Subject", "Delivery Notification: Delivery has failed"}},
                "This report relates to a message you sent with the following header fields:\n\n"
                "  Message-id: <1@sender.example>\n  Subject: hello\n\n"
                "Your message cannot be delivered to the following recipients:\n\n"
                "  Recipient address: @relay.example:who@server\n"
                "  Original address: who@rcpt.example\n"
                "  Reason: Remote SMTP server has rejected address\n"
                "  Diagnostic code: smtp;550 5.1.1 User unknown\n"
                "  Remote system: dns;mx.rcpt.example (TCP|192.0.2.1|25)\n");
  auto r = bounced::scan_messagingserver(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "who@rcpt.example");
  EXPECT_EQ(r->recipients[0].diagnostic, "550 5.1.1 User unknown");
  EXPECT_EQ(r->recipients[0].remote_mta, "mx.rcpt.example");
  EXPECT_EQ(r->recipients[0].reply_code, "550");
  EXPECT_NE(r->original_text.find("Message-id: <1@sender.example>"), std::string::npos);
}

TEST(ScannerFacebook, ResponseCode) {
  ScanFixture f({{"From", "Facebook <mailer-daemon@mx.facebook.com>"},
                 {"Subject", "Sorry, your message could not be delivered"}},
                "This message was created automatically by Facebook.\n",
                "Reporting-MTA: dns; mx.facebook.com\n\n"
                "Final-Recipient: rfc822; someone@facebook.com\nAction: failed\nStatus: 5.1.1\n"
                "Diagnostic-Code: smtp; 550 5.1.1 RCP-P2 http://postmaster.facebook.com/response_codes Refused\n");
  auto r = bounced::scan_facebook(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].reason, "filtered");
  EXPECT_EQ(r->recipients[0].decided_by, "scanner:facebook:RCP-P2");
}
