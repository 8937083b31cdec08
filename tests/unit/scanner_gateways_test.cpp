// scanner_gateways_test.cpp: mail gateways and providers that relay the next hop's reply in a
// delivery-status report of their own (McAfee, MessageLabs / Symantec Email Security.cloud,
// Outlook.com / Hotmail, Office 365, Amazon SES receiving, amavisd-new). Samples written here in each product's
// wording.
#include <gtest/gtest.h>

#include "scanner_fixture.hpp"

namespace bounced {
std::optional<ScanResult> scan_mcafee(const ScanInput&);
std::optional<ScanResult> scan_messagelabs(const ScanInput&);
std::optional<ScanResult> scan_outlook(const ScanInput&);
std::optional<ScanResult> scan_exchange(const ScanInput&);
std::optional<ScanResult> scan_amazonses(const ScanInput&);
std::optional<ScanResult> scan_amavis(const ScanInput&);
}  // namespace bounced

using bounced::testing::ScanFixture;

namespace {

TEST(ScannerMcAfee, DeliveryProblems) {
  ScanFixture f({{"From", "<MAILER-DAEMON@gw.example.net>"},
                 {"Subject", "Delivery Status"},
                 {"X-NAI-Header", "Modified by McAfee Email Gateway (7.6)"}},
                "    --- The following addresses had delivery problems ---\n\n"
                "<ann@example.org>   (550 Unknown user ann@example.org)\n"
                "<bea@example.org>   (User (bea@example.org) unknown.  )\n"
                "<cy@example.org>   (452 4.2.2 Mailbox over quota)\n",
                "Original-Recipient: <ann@example.org>\nAction: failed\n"
                "Diagnostic-Code: smtp; 550 Unknown user ann@example.org\nRemote-MTA: 192.0.2.25\n");
  if (!f.headers_work()) GTEST_SKIP() << "MIME stage not landed";
  auto r = bounced::scan_mcafee(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 3u);
  EXPECT_EQ(r->recipients[0].recipient, "ann@example.org");
  EXPECT_EQ(r->recipients[0].reason, "userunknown");
  EXPECT_EQ(r->recipients[1].reason, "userunknown");
  EXPECT_EQ(r->recipients[2].reason, "");  // left to the classifier (mailbox full)
  ScanFixture other({{"From", "MAILER-DAEMON@mx.example.net"}, {"Subject", "Delivery Status"}},
                    "    --- The following addresses had delivery problems ---\n<a@example.org>   (x)\n");
  EXPECT_FALSE(bounced::scan_mcafee(*other.in));
}

TEST(ScannerMessageLabs, UnableToDeliver) {
  ScanFixture f({{"From", "Mail Delivery System <MAILER-DAEMON@messagelabs.com>"},
                 {"Subject", "Mail Delivery Failure"},
                 {"X-Msg-Ref", "server-3.tower-21.messagelabs.com!1500000000!1234567!1"}},
                "This is the mail delivery agent at Symantec Email Security.cloud.\n\n"
                "I was unable to deliver your message to the following addresses:\n\n"
                "dee@example.com\n\nReason: 542 dee@example.com Rejected\n\n"
                "The message subject was: Hello\n");
  if (!f.headers_work()) GTEST_SKIP() << "MIME stage not landed";
  auto r = bounced::scan_messagelabs(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "dee@example.com");
  EXPECT_EQ(r->recipients[0].reason, "userunknown");
  EXPECT_EQ(r->recipients[0].decided_by, "scanner:messagelabs:542 rejected");

  ScanFixture g({{"From", "Mail Delivery System <MAILER-DAEMON@messagelabs.com>"},
                 {"Subject", "Mail Delivery Failure"}},
                "This is the mail delivery agent at messagelabs.com.\n\n"
                "I was unable to deliver your message to the following addresses:\n\n"
                "eve@example.com\n\nReason: 550 eve@example.com... No such user\n");
  auto s = bounced::scan_messagelabs(*g.in);
  ASSERT_TRUE(s);
  ASSERT_EQ(s->recipients.size(), 1u);
  EXPECT_EQ(s->recipients[0].reason, "userunknown");
}

TEST(ScannerOutlook, HotmailDsn) {
  ScanFixture f({{"From", "postmaster@hotmail.com"}, {"Subject", "Delivery Status Notification (Failure)"}},
                "This is an automatically generated Delivery Status Notification.\n\n"
                "Delivery to the following recipients failed.\n\n       fox@hotmail.example\n",
                "Reporting-MTA: dns;BLU004-MC1F12.hotmail.com\n\n"
                "Final-Recipient: rfc822;fox@hotmail.example\nAction: failed\nStatus: 5.5.0\n"
                "Diagnostic-Code: smtp;550 Requested action not taken: mailbox unavailable (123:456:-789)\n");
  if (!f.headers_work()) GTEST_SKIP() << "MIME stage not landed";
  auto r = bounced::scan_outlook(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "fox@hotmail.example");
  EXPECT_EQ(r->recipients[0].reason, "userunknown");
  // One sign alone (the subject) is not enough.
  ScanFixture g({{"From", "postmaster@mx.example.org"}, {"Subject", "Delivery Status Notification (Failure)"}},
                "This is an automatically generated Delivery Status Notification.\n",
                "Final-Recipient: rfc822;fox@example.org\nAction: failed\nStatus: 5.5.0\n");
  EXPECT_FALSE(bounced::scan_outlook(*g.in));
}

TEST(ScannerExchange, Office365RelayedRecipientRefusal) {
  ScanFixture f({{"From", "postmaster@example.onmicrosoft.com"}, {"Subject", "Undeliverable: Hello"}},
                "Delivery has failed to these recipients or groups:\n\n"
                "gil@example.ne.jp<mailto:gil@example.ne.jp>\n"
                "A problem occurred while delivering this message to this email address.\n\n"
                "Diagnostic information for administrators:\n\n"
                "Generating server: TY1PR01MB0000.apcprd01.prod.exchangelabs.com\n\n"
                "gil@example.ne.jp\nmx.example.ne.jp\n"
                "Remote Server returned '550 5.1.351 Remote server returned unknown recipient or mailbox "
                "unavailable -> 550 Unknown user gil@example.ne.jp'\n\n"
                "Original message headers:\n\nSubject: Hello\n");
  if (!f.headers_work()) GTEST_SKIP() << "MIME stage not landed";
  auto r = bounced::scan_exchange(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].smtp_command, "RCPT");
}

TEST(ScannerAmazonSes, ReceivingRuleBounce) {
  ScanFixture f({{"From", "postmaster@rcpt.example"}, {"Subject", "Delivery Status Notification (Failure)"},
                 {"X-SES-Outgoing", "2019.04.29-54.240.27.7"}},
                "This message could not be delivered.\n",
                "Reporting-MTA: dns; inbound-smtp.eu-west-1.amazonaws.com\n\n"
                "Action: failed\nFinal-Recipient: rfc822; hana@rcpt.example\n"
                "Diagnostic-Code: smtp; 550 5.1.1 Mailbox does not exist\nStatus: 5.1.1\n\n"
                "Action: failed\nFinal-Recipient: rfc822; ivo@rcpt.example\n"
                "Diagnostic-Code: smtp; 500 5.6.1 Message content rejected\nStatus: 5.6.1\n");
  if (!f.headers_work()) GTEST_SKIP() << "MIME stage not landed";
  auto r = bounced::scan_amazonses(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 2u);
  EXPECT_EQ(r->recipients[0].reason, "filtered");
  EXPECT_EQ(r->recipients[1].reason, "contenterror");
}

TEST(ScannerAmavis, OwnVerdictsDecide) {
  ScanFixture f({{"From", "\"Content-filter at mx.example.com\" <postmaster@mx.example.com>"},
                 {"Subject", "Undeliverable mail, MTA-BLOCKED"}},
                "The message WAS NOT relayed to:\n\n",
                "Reporting-MTA: dns; mx.example.com\n\n"
                "Final-Recipient: rfc822;kay@example.com\nAction: failed\nStatus: 5.7.0\n"
                "Diagnostic-Code: smtp; 554 5.7.0 Reject, id=31337-04 - SPAM\n\n"
                "Final-Recipient: rfc822;lou@example.com\nAction: failed\nStatus: 5.7.0\n"
                "Diagnostic-Code: smtp; 554 5.7.0 Reject, id=31337-04 - INFECTED: Eicar-Test-Signature\n\n"
                "Final-Recipient: rfc822;max@example.com\nAction: failed\nStatus: 5.1.1\n"
                "Diagnostic-Code: smtp; 550 5.1.1 <max@example.com>: Recipient address rejected: User unknown\n");
  if (!f.headers_work()) GTEST_SKIP() << "MIME stage not landed";
  auto r = bounced::scan_amavis(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 3u);
  EXPECT_EQ(r->recipients[0].reason, "spamdetected");
  EXPECT_EQ(r->recipients[1].reason, "virusdetected");
  EXPECT_EQ(r->recipients[2].reason, "");  // the next hop's refusal: left to the classifier
  ScanFixture g({{"From", "MAILER-DAEMON@mx.example.com"}}, "The message WAS NOT relayed to:\n");
  EXPECT_FALSE(bounced::scan_amavis(*g.in));
}

}  // namespace
