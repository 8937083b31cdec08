// scanner_japan_test.cpp: Japanese carriers and ISPs: au/EZweb, KDDI au one net, BIGLOBE, and the
// Activehunter filter. Samples written here in each format's wording (UTF-8 after MIME decoding).
#include <gtest/gtest.h>

#include "scanner_fixture.hpp"

namespace bounced {
std::optional<ScanResult> scan_ezweb(const ScanInput&);
std::optional<ScanResult> scan_kddi(const ScanInput&);
std::optional<ScanResult> scan_biglobe(const ScanInput&);
std::optional<ScanResult> scan_activehunter(const ScanInput&);
}  // namespace bounced

using bounced::testing::ScanFixture;

TEST(ScannerEzweb, RcptRefusalIsUnknownUser) {
  ScanFixture f({{"From", "Postmaster@ezweb.ne.jp"},
                 {"Subject", "Mail System Error - Returned Mail"},
                 {"Message-ID", "<20200101000000.ABC@mta01.ezweb.ne.jp>"}},
                "次のあて先へのメッセージはエラーのため送信できませんでした。\n"
                "Each of the following recipients was rejected by a remote\nmail server.\n"
                "    Recipient: <nobody@ezweb.ne.jp>\n"
                "    >>> RCPT TO:<nobody@ezweb.ne.jp>\n"
                "    <<< 550 <nobody@ezweb.ne.jp>: User unknown\n");
  auto r = bounced::scan_ezweb(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "nobody@ezweb.ne.jp");
  EXPECT_EQ(r->recipients[0].smtp_command, "RCPT");
  EXPECT_EQ(r->recipients[0].reply_code, "550");
  EXPECT_EQ(r->recipients[0].diagnostic, "550 <nobody@ezweb.ne.jp>: User unknown");
  EXPECT_EQ(r->recipients[0].reason, "userunknown");
}

TEST(ScannerEzweb, FixedNoticeDecides) {
  ScanFixture f({{"From", "Postmaster@au.com"}, {"Subject", "Mail System Error - Returned Mail"}},
                "The user(s) account is disabled.\n\n<closed@au.com>\n");
  auto r = bounced::scan_ezweb(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "closed@au.com");
  EXPECT_EQ(r->recipients[0].reason, "suspend");
  EXPECT_EQ(r->recipients[0].diagnostic, "The user(s) account is disabled.");
}

TEST(ScannerKddi, MailboxFull) {
  ScanFixture f({{"From", "no-reply@abc.dion.ne.jp"}, {"Subject", "メールエラー通知"}},
                "Your mail sent on: Mon, 01 Jun 2020 10:00:00 +0900\n"
                "     Could not be delivered to: <taro@abc.dion.ne.jp>\n"
                "     As their mailbox is full.\n");
  auto r = bounced::scan_kddi(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "taro@abc.dion.ne.jp");
  EXPECT_EQ(r->recipients[0].reason, "mailboxfull");
  EXPECT_EQ(r->recipients[0].diagnostic, "As their mailbox is full.");
}

TEST(ScannerBiglobe, NonDeliveredInformation) {
  ScanFixture f({{"From", "postmaster@biglobe.ne.jp"}, {"Subject", "Returned mail: Service unavailable"}},
                "   ----- The following addresses had delivery problems -----\n"
                "hanako@mail.biglobe.example\n\n"
                "   ----- Non-delivered information -----\n"
                "The number of messages in recipient's mailbox exceeded the local limit.\n");
  auto r = bounced::scan_biglobe(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "hanako@mail.biglobe.example");
  EXPECT_EQ(r->recipients[0].reason, "mailboxfull");
}

TEST(ScannerActivehunter, Transcript) {
  ScanFixture f({{"From", "MAILER-DAEMON@ah.example"}, {"Subject", "FAILURE NOTICE : hello"}, {"X-AHMAILID", "1"}},
                "The original message was received at Mon, 1 Jun 2020 10:00:00 +0900\n\n"
                "  ----- The following addresses had permanent fatal errors -----\n\n"
                ">>> gone@rcpt.example <gone@rcpt.example>\n\n"
                "  ----- Transcript of session follows -----\n"
                "550 sorry, no mailbox here by that name (#5.1.1)\n");
  if (!f.headers_work()) GTEST_SKIP() << "MIME stage not landed";
  auto r = bounced::scan_activehunter(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "gone@rcpt.example");
  EXPECT_EQ(r->recipients[0].reply_code, "550");
  EXPECT_EQ(r->recipients[0].status, "5.1.1");
}
