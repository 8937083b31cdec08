// scanner_dragonfly_test.cpp: the DragonFly Mail Agent (dma) scanner on hand-written reports in dma's
// wording.
#include "scanner_test_util.hpp"

using bounced::testing::run_scanner;

TEST(ScannerDragonfly, RemoteRejection) {
  auto r = run_scanner("dragonfly", R"(This is the DragonFly Mail Agent v0.13 at host.example.com.

There was an error delivering your mail to <alice@example.org>.

mx.example.org [198.51.100.7] did not like our RCPT TO:
550 5.1.1 <alice@example.org>: Recipient address rejected: User unknown

Message headers follow.

Message-Id: <65a1b2.e0720@host.example.com>
Subject: Hello
)");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  const auto& a = r->recipients[0];
  EXPECT_EQ(a.recipient, "alice@example.org");
  EXPECT_EQ(a.remote_mta, "mx.example.org");
  EXPECT_EQ(a.smtp_command, "RCPT");
  EXPECT_EQ(a.reply_code, "550");
  EXPECT_EQ(a.status, "5.1.1");
  EXPECT_EQ(a.reason, "");
  EXPECT_NE(r->original_text.find("Message-Id: <65a1b2.e0720@host.example.com>"), std::string::npos);
}

TEST(ScannerDragonfly, FinalDataAndOwnMessages) {
  auto r = run_scanner("dragonfly", R"(This is the DragonFly Mail Agent v0.13 at host.example.com.

There was an error delivering your mail to <bob@example.net>.

mx.example.net [203.0.113.2] did not like our final DATA:
554 5.7.9 Message not accepted for policy reasons
)");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].smtp_command, "DATA");
  EXPECT_EQ(r->recipients[0].reply_code, "554");

  r = run_scanner("dragonfly", R"(This is the DragonFly Mail Agent v0.13 at host.example.com.

There was an error delivering your mail to <carol@nowhere.example>.

DNS lookup failure: host nowhere.example not found

Original message follows.
)");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].reason, "hostunknown");
  EXPECT_EQ(r->recipients[0].reply_code, "");

  r = run_scanner("dragonfly", R"(This is the DragonFly Mail Agent v0.13 at host.example.com.

There was an error delivering your mail to <dave@example.org>.

Could not deliver for the last 432000 seconds. Giving up.
)");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->recipients[0].reason, "expired");
}

TEST(ScannerDragonfly, IgnoresOtherMessages) {
  EXPECT_FALSE(run_scanner("dragonfly", "There was an error delivering your mail to <a@example.org>.\n"));
}
