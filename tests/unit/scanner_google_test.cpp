// scanner_google_test.cpp: Gmail's plain-text bounce and Google Groups' refusal.
#include <gtest/gtest.h>

#include "scanner_fixture.hpp"

namespace bounced {
std::optional<ScanResult> scan_gmail(const ScanInput&);
std::optional<ScanResult> scan_googlegroups(const ScanInput&);
}  // namespace bounced

using bounced::testing::ScanFixture;

namespace {

const char* kGmailFailure =
    "Delivery to the following recipient failed permanently:\n"
    "\n"
    "     nobody@mx-test.example\n"
    "\n"
    "Technical details of permanent failure:\n"
    "Google tried to deliver your message, but it was rejected by the server for the recipient domain\n"
    "mx-test.example by mx1.mx-test.example. [203.0.113.7].\n"
    "\n"
    "The error that the other server returned was:\n"
    "550 5.1.1 <nobody@mx-test.example>... No such user here\n"
    "\n"
    "----- Original message -----\n"
    "\n"
    "Message-ID: <abc123@mail.gmail.com>\n"
    "Subject: hello\n"
    "\n"
    "body\n";

TEST(ScannerGmail, PermanentFailure) {
  ScanFixture f({{"From", "Mail Delivery Subsystem <mailer-daemon@googlemail.com>"},
                 {"Subject", "Delivery Status Notification (Failure)"}},
                kGmailFailure);
  auto r = bounced::scan_gmail(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  const auto& x = r->recipients[0];
  EXPECT_EQ(x.recipient, "nobody@mx-test.example");
  EXPECT_EQ(x.status, "5.1.1");
  EXPECT_EQ(x.reply_code, "550");
  EXPECT_EQ(x.remote_mta, "mx1.mx-test.example");
  EXPECT_NE(x.diagnostic.find("No such user here"), std::string::npos);
  EXPECT_EQ(x.diagnostic.find('\n'), std::string::npos);
  EXPECT_NE(r->original_text.find("Message-ID: <abc123@mail.gmail.com>"), std::string::npos);
}

TEST(ScannerGmail, StateCodeDecidesWhenStatusIsGeneric) {
  ScanFixture f({{"From", "Mail Delivery Subsystem <mailer-daemon@googlemail.com>"},
                 {"Subject", "Delivery Status Notification (Failure)"}},
                "Delivery to the following recipient failed permanently:\n\n"
                "     someone@tls-test.example\n\n"
                "Technical details of permanent failure:\n"
                "Google tried to deliver your message, but it was rejected by the recipient domain. "
                "The error that the other server returned was: 554 554 5.7.0 Message rejected (state 18).\n");
  auto r = bounced::scan_gmail(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].reply_code, "554");
  EXPECT_EQ(r->recipients[0].status, "5.7.0");
  EXPECT_EQ(r->recipients[0].smtp_command, "DATA");
  EXPECT_EQ(r->recipients[0].reason, "filtered");
}

TEST(ScannerGmail, DelayIsExpired) {
  ScanFixture f({{"From", "Mail Delivery Subsystem <mailer-daemon@googlemail.com>"},
                 {"Subject", "Delivery Status Notification (Delay)"}},
                "THIS IS A WARNING MESSAGE ONLY.\n\n"
                "Delivery to the following recipient has been delayed:\n\n"
                "     late@slow.example\n\n"
                "Message will be retried for 2 more day(s)\n");
  auto r = bounced::scan_gmail(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].reason, "expired");
  EXPECT_EQ(r->recipients[0].action, "delayed");
}

TEST(ScannerGmail, IgnoresOtherMail) {
  ScanFixture f({{"From", "someone@example.com"}, {"Subject", "Delivery Status Notification"}}, kGmailFailure);
  EXPECT_FALSE(bounced::scan_gmail(*f.in));
}

TEST(ScannerGoogleGroups, RecipientFromHeader) {
  ScanFixture f({{"From", "Mail Delivery Subsystem <mailer-daemon@googlemail.com>"},
                 {"Subject", "Delivery Status Notification (Failure)"},
                 {"X-Failed-Recipients", "cats-club@googlegroups.com"},
                 {"X-Google-Smtp-Source", "AGHT+IF0example"}},
                "Hello sender@example.org,\n\n"
                "We're writing to let you know that the group you tried to contact (cats-club) may not "
                "exist, or you may not have permission to post messages to the group.\n\n"
                " * You might have spelled or formatted the group name incorrectly.\n"
                " * The owner of the group might have removed this group.\n\n"
                "If you have questions, visit the Help Center at https://groups.google.com/support/.\n\n"
                "----- Original message -----\n\nSubject: hi\n");
  if (!f.headers_work()) GTEST_SKIP() << "MIME stage not landed";
  auto r = bounced::scan_googlegroups(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "cats-club@googlegroups.com");
  EXPECT_EQ(r->recipients[0].reason, "rejected");
  EXPECT_NE(r->recipients[0].diagnostic.find("may not have permission"), std::string::npos);
}

}  // namespace

namespace {

TEST(ScannerGmail, CurrentFormatFillsDsnGaps) {
  ScanFixture f({{"From", "Mail Delivery Subsystem <mailer-daemon@googlemail.com>"},
                 {"Subject", "Delivery Status Notification (Failure)"}},
                "\n** Address not found **\n\n"
                "Your message wasn't delivered to nobody@rcpt.example because the address couldn't be found. "
                "Check for typos or unnecessary spaces and try again.\n",
                "Reporting-MTA: dns; googlemail.com\n\nFinal-Recipient: rfc822; nobody@rcpt.example\n"
                "Action: failed\nStatus: 5.0.0\n");
  auto r = bounced::scan_gmail(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "nobody@rcpt.example");
  EXPECT_EQ(r->recipients[0].reason, "userunknown");
  EXPECT_NE(r->recipients[0].diagnostic.find("couldn't be found"), std::string::npos);
}

TEST(ScannerGmail, CurrentFormatRecipientsFromHeader) {
  ScanFixture f({{"From", "Mail Delivery Subsystem <mailer-daemon@googlemail.com>"},
                 {"Subject", "Delivery Status Notification (Failure)"},
                 {"X-Failed-Recipients", "someone@rcpt.example"}},
                "\n** Message not delivered **\n\nThere was a problem delivering your message.\n\n"
                "The response was:\n\n550 5.7.1 Relaying denied\n\n");
  if (!f.headers_work()) GTEST_SKIP() << "MIME stage not landed";
  auto r = bounced::scan_gmail(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "someone@rcpt.example");
  EXPECT_EQ(r->recipients[0].diagnostic, "550 5.7.1 Relaying denied");
  EXPECT_EQ(r->recipients[0].reply_code, "550");
  EXPECT_TRUE(r->recipients[0].reason.empty());
}

TEST(ScannerGoogleGroups, LeavesGmailAddressNotFoundAlone) {
  ScanFixture f({{"From", "Mail Delivery Subsystem <mailer-daemon@googlemail.com>"},
                 {"X-Failed-Recipients", "gone-group@googlegroups.com"},
                 {"X-Google-Smtp-Source", "x"}},
                "** Address not found **\n\nYour message wasn't delivered to gone-group@googlegroups.com because "
                "the address couldn't be found.\n");
  EXPECT_FALSE(bounced::scan_googlegroups(*f.in));
}

}  // namespace
