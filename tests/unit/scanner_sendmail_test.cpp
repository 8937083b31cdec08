// scanner_sendmail_test.cpp: the Sendmail scanner on hand-written reports in Sendmail's wording (V8 and
// the older transcript-only form).
#include "scanner_test_util.hpp"

using bounced::testing::run_scanner;

TEST(ScannerSendmail, FatalErrorsAndTranscript) {
  auto r = run_scanner("sendmail", R"(The original message was received at Mon, 1 Jan 2024 10:00:00 +0900
from client.example.com [192.0.2.10]

   ----- The following addresses had permanent fatal errors -----
<alice@example.org>
    (reason: 550 5.1.1 <alice@example.org>... User unknown)
"|/usr/local/bin/filter"
    (reason: 255)
    (expanded from: <bob@example.org>)

   ----- Transcript of session follows -----
... while talking to mx.example.org.:
>>> RCPT To:<alice@example.org>
<<< 550 5.1.1 <alice@example.org>... User unknown
550 5.1.1 <alice@example.org>... User unknown
filter: cannot open database
554 5.3.0 unknown mailer error 255
)");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 2u);
  const auto& a = r->recipients[0];
  EXPECT_EQ(a.recipient, "alice@example.org");
  EXPECT_EQ(a.status, "5.1.1");
  EXPECT_EQ(a.reply_code, "550");
  EXPECT_EQ(a.smtp_command, "RCPT");
  EXPECT_EQ(a.remote_mta, "mx.example.org");
  EXPECT_EQ(a.action, "failed");
  EXPECT_EQ(a.diagnostic, "550 5.1.1 <alice@example.org>... User unknown");
  const auto& b = r->recipients[1];
  EXPECT_EQ(b.recipient, "bob@example.org");
  EXPECT_NE(b.diagnostic.find("unknown mailer error 255"), std::string::npos);
  EXPECT_EQ(b.reason, "mailererror");
  EXPECT_EQ(b.reply_code, "554");  // from the mailer's error line, not the exit code "255"
  EXPECT_EQ(b.status, "5.3.0");
}

TEST(ScannerSendmail, OldTranscriptOnly) {
  auto r = run_scanner("sendmail", R"(   ----- Transcript of session follows -----
While talking to mail.example.edu:
>>> RCPT To:<carol@example.edu>
<<< 550 Requested mailbox not found
550 <carol@example.edu>... User unknown
554 <dave@example.net>... 550 Host unknown (Authoritative answer from name server)

   ----- Unsent message follows -----
Received: by mail.example.com; Mon, 1 Jan 1996 10:00:00 +0900
From: sender@example.com
To: carol@example.edu, dave@example.net
Subject: Hello

Hi
)");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 2u);
  EXPECT_EQ(r->recipients[0].recipient, "carol@example.edu");
  EXPECT_EQ(r->recipients[0].reply_code, "550");
  EXPECT_EQ(r->recipients[0].smtp_command, "RCPT");
  EXPECT_EQ(r->recipients[0].remote_mta, "mail.example.edu");
  EXPECT_EQ(r->recipients[1].recipient, "dave@example.net");
  EXPECT_EQ(r->recipients[1].reply_code, "554");
  EXPECT_NE(r->original_text.find("Subject: Hello"), std::string::npos);
}

TEST(ScannerSendmail, HostLevelErrorUsesOriginalRecipients) {
  auto r = run_scanner("sendmail", R"(   ----- Transcript of session follows -----
421 example.com (smtp)... Deferred: Connection timed out during user open with example.com

   ----- Unsent message follows -----
From: sender@example.org
To: erin@example.com
Subject: Hi
)");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "erin@example.com");
  EXPECT_EQ(r->recipients[0].reply_code, "421");
}

TEST(ScannerSendmail, WarningIsDelayed) {
  auto r = run_scanner("sendmail", R"(    **********************************************
    **      THIS IS A WARNING MESSAGE ONLY      **
    **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **
    **********************************************

The original message was received at Mon, 1 Jan 2024 10:00:00 +0900

   ----- The following addresses had transient non-fatal errors -----
<frank@example.org>

   ----- Transcript of session follows -----
<frank@example.org>... Deferred: Connection refused by mx.example.org.
Warning: message still undelivered after 4 hours
)");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].action, "delayed");
  EXPECT_NE(r->recipients[0].diagnostic.find("Connection refused"), std::string::npos);
}

TEST(ScannerSendmail, IgnoresOtherMessages) {
  EXPECT_FALSE(run_scanner("sendmail", "550 <a@example.org>... User unknown\n"));
}

// Sendmail quotes only the first line of a multi-line reply in "(reason: ...)"; the transcript has
// all of it, and the decisive words may be on a later line.
TEST(ScannerSendmail, MultiLineReplyReadWhole) {
  auto r = run_scanner("sendmail", R"(The original message was received at Mon, 1 Jan 2024 10:00:00 +0900
from client.example.com [192.0.2.10]

   ----- The following addresses had permanent fatal errors -----
lee@gmail.example
    (reason: 550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's)

   ----- Transcript of session follows -----
... while talking to gmail-smtp-in.l.google.com.:
>>> DATA
<<< 550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's
<<< 550-5.7.26 DMARC policy. Please contact the administrator of example.com domain
<<< 550 5.7.26 if this was a legitimate mail. a1si123456pl.9 - gsmtp
554 5.0.0 Service unavailable
)");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  const auto& d = r->recipients[0].diagnostic;
  EXPECT_NE(d.find("DMARC policy"), std::string::npos) << d;
  EXPECT_EQ(d.rfind("550-5.7.26 Unauthenticated", 0), 0u) << d;
}

// A reply with no command before it is the server's greeting: refused at connection.
TEST(ScannerSendmail, ReplyBeforeAnyCommandIsTheGreeting) {
  auto r = run_scanner("sendmail", R"(   ----- The following addresses had permanent fatal errors -----
<ola@example.org>
    (reason: 554 IP=192.0.2.1 - Connection refused, your address is listed (BL))

   ----- Transcript of session follows -----
... while talking to mx1.example.org.:
<<< 554 IP=192.0.2.1 - Connection refused, your address is listed (BL)
554 5.0.0 Service unavailable
)");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].smtp_command, "CONN");
  EXPECT_EQ(r->recipients[0].remote_mta, "mx1.example.org");
}
