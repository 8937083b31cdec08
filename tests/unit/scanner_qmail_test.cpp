// scanner_qmail_test.cpp: the qmail scanner on hand-written bounces in qmail-send's wording.
#include "scanner_test_util.hpp"

using bounced::testing::run_scanner;

TEST(ScannerQmail, RemoteAndLocalFailures) {
  auto r = run_scanner("qmail", R"(Hi. This is the qmail-send program at mail.example.com.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<alice@example.org>:
198.51.100.7 does not like recipient.
Remote host said: 550 5.1.1 <alice@example.org>: Recipient address rejected: User unknown
Giving up on 198.51.100.7.

<bob@example.com>:
Sorry, no mailbox here by that name. (#5.1.1)

<carol@example.net>:
Connected to 203.0.113.5 but sender was rejected.
Remote host said: 553 5.7.1 Sender address rejected: not permitted

--- Below this line is a copy of the message.

Return-Path: <sender@example.com>
Message-ID: <20240101000000.123.qmail@mail.example.com>
From: sender@example.com
Subject: Hello

Body
)");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 3u);
  const auto& a = r->recipients[0];
  EXPECT_EQ(a.recipient, "alice@example.org");
  EXPECT_EQ(a.reply_code, "550");
  EXPECT_EQ(a.status, "5.1.1");
  EXPECT_EQ(a.smtp_command, "RCPT");
  EXPECT_EQ(a.remote_mta, "198.51.100.7");
  EXPECT_EQ(a.reason, "");  // the remote host's words are for classification
  EXPECT_EQ(a.action, "failed");

  const auto& b = r->recipients[1];
  EXPECT_EQ(b.recipient, "bob@example.com");
  EXPECT_EQ(b.reason, "userunknown");
  EXPECT_EQ(b.decided_by, "scanner:qmail:sorry, no mailbox here by that name");
  EXPECT_EQ(b.status, "5.1.1");
  EXPECT_EQ(b.reply_code, "");

  const auto& c = r->recipients[2];
  EXPECT_EQ(c.smtp_command, "MAIL");
  EXPECT_EQ(c.reply_code, "553");
  EXPECT_EQ(c.remote_mta, "203.0.113.5");
  EXPECT_NE(r->original_text.find("Message-ID: <20240101000000.123.qmail@mail.example.com>"), std::string::npos);
}

TEST(ScannerQmail, ConnectionFailureAndQueueTimeout) {
  auto r = run_scanner("qmail", R"(Hi. This is the qmail-send program at mail.example.com.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<dave@example.org>:
Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)
I'm not going to try again; this message has been in the queue too long.

<erin@example.org>:
Sorry, I couldn't find any host named example.invalid. (#5.1.2)

--- Enclosed is a copy of the message.
)");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 2u);
  EXPECT_EQ(r->recipients[0].reason, "networkerror");
  EXPECT_EQ(r->recipients[0].status, "4.4.1");
  EXPECT_EQ(r->recipients[1].reason, "hostunknown");
  EXPECT_EQ(r->recipients[1].status, "5.1.2");
}

TEST(ScannerQmail, IgnoresOtherMessages) {
  EXPECT_FALSE(run_scanner("qmail", "<a@example.org>:\nSorry, no mailbox here by that name.\n"));
}
