// scanner_yahoo_test.cpp: Yahoo! Mail's plain-text bounce.
#include <gtest/gtest.h>

#include "scanner_fixture.hpp"

namespace bounced {
std::optional<ScanResult> scan_yahoo(const ScanInput&);
}

using bounced::testing::ScanFixture;

TEST(ScannerYahoo, RemoteHostSaid) {
  ScanFixture f({{"From", "MAILER-DAEMON@yahoo.com"}, {"Subject", "Failure Notice"}},
                "Sorry, we were unable to deliver your message to the following address.\n\n"
                "<gone@rcpt.example>:\n"
                "Remote host said: 550 5.1.1 <gone@rcpt.example>... User unknown [RCPT_TO]\n\n"
                "<full@rcpt.example>:\n"
                "Remote host said:\n"
                "552 5.2.2 Mailbox over quota\n"
                " [RCPT_TO]\n\n"
                "--- Below this line is a copy of the message.\n\n"
                "Message-ID: <1@yahoo.example>\n");
  auto r = bounced::scan_yahoo(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 2u);
  EXPECT_EQ(r->recipients[0].recipient, "gone@rcpt.example");
  EXPECT_EQ(r->recipients[0].status, "5.1.1");
  EXPECT_EQ(r->recipients[0].reply_code, "550");
  EXPECT_EQ(r->recipients[0].smtp_command, "RCPT");
  EXPECT_EQ(r->recipients[0].diagnostic, "550 5.1.1 <gone@rcpt.example>... User unknown");
  EXPECT_EQ(r->recipients[1].recipient, "full@rcpt.example");
  EXPECT_EQ(r->recipients[1].reply_code, "552");
  EXPECT_EQ(r->recipients[1].diagnostic, "552 5.2.2 Mailbox over quota");
  EXPECT_NE(r->original_text.find("Message-ID"), std::string::npos);
}

TEST(ScannerYahoo, ColonAfterReplyCode) {
  ScanFixture f({{"From", "MAILER-DAEMON@yahoo.com"}},
                "Sorry, we were unable to deliver your message to the following address.\n\n"
                "<x@rcpt.example>:\n501: 5.1.8 Sender address rejected\n");
  auto r = bounced::scan_yahoo(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].reply_code, "501");
  EXPECT_EQ(r->recipients[0].status, "5.1.8");
}

TEST(ScannerYahoo, IgnoresOtherMail) {
  ScanFixture f({{"From", "a@b.example"}}, "Hello there\n");
  EXPECT_FALSE(bounced::scan_yahoo(*f.in));
}
