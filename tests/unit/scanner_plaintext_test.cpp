// scanner_plaintext_test.cpp: the last-resort scanner for short plain-text notices (smail, Exchange
// 5.5, one-line "mailbox is full" notices), and the mail it must leave alone.
#include <gtest/gtest.h>

#include "scanner_fixture.hpp"

namespace bounced {
std::optional<ScanResult> scan_plaintext(const ScanInput&);
}  // namespace bounced

using bounced::testing::ScanFixture;

namespace {

TEST(ScannerPlaintext, SmailFailedAddresses) {
  ScanFixture f({{"From", "<MAILER-DAEMON@relay.example.net>"}, {"Subject", "mail failed, returning to sender"}},
                "|------------------------- Message log follows: -------------------------|\n"
                " no valid recipients were found for this message\n"
                "|------------------------- Failed addresses follow: ---------------------|\n"
                " ann@nowhere.example.com ... unknown host\n"
                "|------------------------- Message text follows: ------------------------|\n"
                "Received: from client.example.org\n"
                "To: bob@example.org\n");
  auto r = bounced::scan_plaintext(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "ann@nowhere.example.com");
  EXPECT_NE(r->recipients[0].diagnostic.find("unknown host"), std::string::npos);
}

TEST(ScannerPlaintext, LeadInPhrases) {
  ScanFixture f({{"From", "MAILER-DAEMON@mx.example.com"}, {"Subject", "Returned mail: Hello"}},
                "User's mailbox is full: <cy@example.jp>\nUnable to deliver mail.\n");
  auto r = bounced::scan_plaintext(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "cy@example.jp");

  ScanFixture g({{"From", "Postmaster <postmaster@example.net>"}, {"Subject", "Undeliverable: Hello"}},
                "Your Message\n\n  To:      <dee@example.net>\n  Subject: Hello\n\n"
                "Did not reach the following recipient: dee@example.net\n");
  auto s = bounced::scan_plaintext(*g.in);
  ASSERT_TRUE(s);
  ASSERT_EQ(s->recipients.size(), 1u);
  EXPECT_EQ(s->recipients[0].recipient, "dee@example.net");
}

TEST(ScannerPlaintext, LeavesOrdinaryMailAlone) {
  // Not presented as a notice.
  ScanFixture a({{"From", "Alice <alice@example.com>"}, {"Subject", "Lunch"}},
                "My mailbox is full: alice@example.com, please use the other one.\n");
  EXPECT_FALSE(bounced::scan_plaintext(*a.in));
  // A person quoting a notice.
  ScanFixture b({{"From", "Alice <alice@example.com>"}, {"Subject", "Re: Undeliverable: Hello"}},
                "What does this mean?\n\n> Did not reach the following recipient: bob@example.net\n");
  EXPECT_FALSE(bounced::scan_plaintext(*b.in));
  // A notice without a failed-address line.
  ScanFixture c({{"From", "postmaster@example.net"}, {"Subject", "Mail delivery report"}},
                "Your mail to the list was delivered. Contact admin@example.net for help.\n");
  EXPECT_FALSE(bounced::scan_plaintext(*c.in));
}

}  // namespace
