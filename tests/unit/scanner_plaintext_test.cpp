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

TEST(ScannerPlaintext, ListsAfterAHeading) {
  // MDaemon: the list is quoted with "> ".
  ScanFixture a({{"From", "MDaemon@mail.example.com"}, {"Subject", "Permanent Delivery Failure"}},
                "The attached message had PERMANENT fatal delivery errors!\n\n"
                "YOUR MESSAGE WAS NOT DELIVERED!\n\n"
                "The following addresses did NOT receive a copy of your message:\n\n"
                "> pia@example.com\n\n--- Session Transcript ---\n 550 5.1.1 No such user\n");
  auto r = bounced::scan_plaintext(*a.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "pia@example.com");
  // A qmail-like deliver program: prose between the heading and the addresses.
  ScanFixture b({{"From", "MAILER-DAEMON@mx.example.cn"}, {"Subject", "failure notice"}},
                "Hi. This is the deliver program at mx.example.cn.\n"
                "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
                "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
                "quinn@example.com\nNo such user\n\nPlease contact admin@example.cn for help.\n");
  auto s = bounced::scan_plaintext(*b.in);
  ASSERT_TRUE(s);
  ASSERT_EQ(s->recipients.size(), 1u);
  EXPECT_EQ(s->recipients[0].recipient, "quinn@example.com");
  // Name and address, and a "-- " list.
  ScanFixture c({{"From", "<admin@example.com>"}, {"Subject", "Non-Delivery: Hello"}},
                "--- Non-Delivery Report ---\nThe email below could not be delivered to the following user:\n\n"
                "\"Rae Example\" <rae@example.com>\n\nOld message:\n");
  auto t = bounced::scan_plaintext(*c.in);
  ASSERT_TRUE(t);
  ASSERT_EQ(t->recipients.size(), 1u);
  EXPECT_EQ(t->recipients[0].recipient, "rae@example.com");
  ScanFixture d({{"From", "mailer-daemon@example.com"}, {"Subject", "[Postmaster] Email Delivery Failure"}},
                "This is a delivery failure notification message indicating that\n"
                "an email list-bounces@example.net addressed to email address :\n-- sam@example.com\n\n"
                "could not be delivered. The problem appears to be :\n-- Recipient server unavailable or busy\n");
  auto u = bounced::scan_plaintext(*d.in);
  ASSERT_TRUE(u);
  ASSERT_EQ(u->recipients.size(), 1u);
  EXPECT_EQ(u->recipients[0].recipient, "sam@example.com");
}

TEST(ScannerPlaintext, MoreLeadIns) {
  ScanFixture a({{"From", "\"Delivery Subsystem\" <POSTMASTER@example.org>"}, {"Subject", "Message Delivery Failure"}},
                "MailEnable: Message could not be delivered to some recipients.\n"
                "The following recipient(s) could not be reached:\n\n"
                "\tRecipient: [SMTP:tom@example.com]\n"
                "\tReason: Remote SMTP Server Returned: 550 Requested action not taken: mailbox unavailable\n");
  auto r = bounced::scan_plaintext(*a.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "tom@example.com");
  ScanFixture b({{"From", "postmaster@mail.example.it"}, {"Subject", "Delivery failure"}},
                "Your message has encountered delivery problems\nto local user uma.\n"
                "(Originally addressed to uma@example.it)\n\nUser not known\n");
  auto s = bounced::scan_plaintext(*b.in);
  ASSERT_TRUE(s);
  ASSERT_EQ(s->recipients.size(), 1u);
  EXPECT_EQ(s->recipients[0].recipient, "uma@example.it");
  ScanFixture c({{"From", "MDaemon@mx.example.net"}, {"Subject", "Warning: vic@example.net - User unknown!"}},
                "vic@example.net - no such user here.\n\nThere is no user by that name at this server.\n");
  auto t = bounced::scan_plaintext(*c.in);
  ASSERT_TRUE(t);
  ASSERT_EQ(t->recipients.size(), 1u);
  EXPECT_EQ(t->recipients[0].recipient, "vic@example.net");
}

TEST(ScannerPlaintext, DelayWarningIsDelayed) {
  ScanFixture a({{"From", "MAILER-DAEMON@mx.example.com (Mail Delivery System)"},
                 {"Subject", "Warning: message has not yet been delivered"}},
                "This is an automated message created by mail delivery software.\n\nYour message to:\n\n"
                "\tzed@example.com\n\nhas not yet been delivered because the recipient server did not respond.\n"
                "This is just a warning, you do not need to take any action.\n");
  auto r = bounced::scan_plaintext(*a.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "zed@example.com");
  EXPECT_EQ(r->recipients[0].action, "delayed");
  // Two blanks where one is meant.
  ScanFixture b({{"From", "\"Postmaster\" <postmaster@example.org>"}, {"Subject", "Undeliverable Mail"}},
                "undeliverable  to abe@example.com\n\nOriginal message follows.\n");
  auto s = bounced::scan_plaintext(*b.in);
  ASSERT_TRUE(s);
  ASSERT_EQ(s->recipients.size(), 1u);
  EXPECT_EQ(s->recipients[0].recipient, "abe@example.com");
  EXPECT_EQ(s->recipients[0].action, "failed");
}

TEST(ScannerPlaintext, NoAddressNamedUsesTheQuotedTo) {
  ScanFixture a({{"From", "MAILER-DAEMON@mail.example.com"}},
                "I'm afraid I wasn't able to deliver the following message.\n"
                "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
                "Subject: Hello\nTo: cal@example.com\n\n---Below this line is a copy of the message.\n");
  auto r = bounced::scan_plaintext(*a.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "cal@example.com");
  // The To: of the returned copy is not the failed recipient (for list mail it is the list).
  ScanFixture b({{"From", "MAILER-DAEMON@mail.example.com"}, {"Subject", "failure notice"}},
                "Your message could not be delivered. This is a permanent error.\n\n"
                "--- Below this line is a copy of the message.\n\n"
                "From: sender@example.org\nTo: list@lists.example.com\nSubject: hi\n\nbody\n");
  EXPECT_FALSE(bounced::scan_plaintext(*b.in));
}

TEST(ScannerPlaintext, GroupWiseListWithReasons) {
  ScanFixture a({{"From", "Mailer-Daemon@gw.example.net"}, {"Subject", "Message status - undeliverable"}},
                "The message that you sent was undeliverable to the following:\n\n"
                "\tgus@example.net (user not found)\n\n");
  auto r = bounced::scan_plaintext(*a.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "gus@example.net");
  EXPECT_EQ(r->recipients[0].reason, "userunknown");
  EXPECT_EQ(r->recipients[0].decided_by, "scanner:plaintext:user not found");
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
  // A person's mail listing addresses after a phrase that is no heading.
  ScanFixture d({{"From", "Bob <bob@example.com>"}, {"Subject", "Re: returned mail"}},
                "Hi, here are the new addresses:\n\nwin@example.org\nxia@example.org\n");
  EXPECT_FALSE(bounced::scan_plaintext(*d.in));
}

}  // namespace
