// scanner_opensmtpd_test.cpp: the OpenSMTPD scanner on hand-written reports in smtpd's wording.
#include "scanner_test_util.hpp"

using bounced::testing::run_scanner;

TEST(ScannerOpenSmtpd, ErrorReport) {
  auto r = run_scanner("opensmtpd", R"(    Hi!

    This is the MAILER-DAEMON, please DO NOT REPLY to this email.

    An error has occurred while attempting to deliver a message for
    the following list of recipients:

alice@example.org: 550 5.1.1 <alice@example.org>: Recipient address rejected: User unknown
bob@example.invalid: Domain does not exist

    Below is a copy of the original message:

Message-ID: <1a2b3c@client.example.com>
Subject: Hello
)");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 2u);
  EXPECT_EQ(r->recipients[0].recipient, "alice@example.org");
  EXPECT_EQ(r->recipients[0].reply_code, "550");
  EXPECT_EQ(r->recipients[0].status, "5.1.1");
  EXPECT_EQ(r->recipients[0].reason, "");
  EXPECT_EQ(r->recipients[0].action, "failed");
  EXPECT_EQ(r->recipients[1].recipient, "bob@example.invalid");
  EXPECT_EQ(r->recipients[1].reason, "hostunknown");
  EXPECT_EQ(r->recipients[1].decided_by, "scanner:opensmtpd:domain does not exist");
  EXPECT_NE(r->original_text.find("Message-ID: <1a2b3c@client.example.com>"), std::string::npos);
}

TEST(ScannerOpenSmtpd, DelayNotice) {
  auto r = run_scanner("opensmtpd", R"(    Hi!

    This is the MAILER-DAEMON, please DO NOT REPLY to this e-mail.

    A message is delayed for more than 4 hours for the following
    list of recipients:

carol@example.net: Network error on destination MXs

    Please note that this is only a temporary failure report.
)");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].action, "delayed");
  EXPECT_EQ(r->recipients[0].reason, "networkerror");
  // smtpd's own message is the verdict: the permanent pseudo code of its reason.
  EXPECT_EQ(r->recipients[0].status, "5.0.944");
}

TEST(ScannerOpenSmtpd, IgnoresOtherMessages) {
  EXPECT_FALSE(run_scanner("opensmtpd", "a@example.org: Domain does not exist\n"));
}
