// scanner_postfix_test.cpp: the Postfix plain-text scanner on hand-written bounces in Postfix's wording.
#include "scanner_fixture.hpp"
#include "scanner_test_util.hpp"

using bounced::testing::run_scanner;

namespace {

constexpr const char* kBounce = R"(This is the mail system at host relay.example.net.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

For further assistance, please send mail to postmaster.

If you do so, please include this problem report. You can
delete your own text from the attached returned message.

                   The mail system

<alice@example.org>: host mx1.example.org[198.51.100.7] said: 550 5.1.1
    <alice@example.org>: Recipient address rejected: User unknown in virtual
    mailbox table (in reply to RCPT TO command)

<bob@example.com> (expanded from <team@example.net>): host
    mail.example.com[203.0.113.9] said: 552 5.2.2 Mailbox full (in reply to
    end of DATA command)

<carol@example.edu>: connect to mx.example.edu[192.0.2.1]:25: Connection timed
    out
)";

}  // namespace

TEST(ScannerPostfix, ReadsEveryRecipientBlock) {
  auto r = run_scanner("postfix", kBounce);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 3u);
  const auto& a = r->recipients[0];
  EXPECT_EQ(a.recipient, "alice@example.org");
  EXPECT_EQ(a.status, "5.1.1");
  EXPECT_EQ(a.reply_code, "550");
  EXPECT_EQ(a.smtp_command, "RCPT");
  EXPECT_EQ(a.remote_mta, "mx1.example.org");
  EXPECT_EQ(a.action, "failed");
  EXPECT_NE(a.diagnostic.find("User unknown in virtual mailbox table"), std::string::npos) << a.diagnostic;
  EXPECT_EQ(a.diagnostic.find('\n'), std::string::npos);

  const auto& b = r->recipients[1];
  EXPECT_EQ(b.recipient, "bob@example.com");
  EXPECT_EQ(b.status, "5.2.2");
  EXPECT_EQ(b.reply_code, "552");
  EXPECT_EQ(b.smtp_command, "DATA");
  EXPECT_EQ(b.remote_mta, "mail.example.com");
  EXPECT_EQ(b.diagnostic.rfind("host mail.example.com", 0), 0u);

  const auto& c = r->recipients[2];
  EXPECT_EQ(c.recipient, "carol@example.edu");
  EXPECT_EQ(c.reply_code, "");
  EXPECT_EQ(c.diagnostic, "connect to mx.example.edu[192.0.2.1]:25: Connection timed out");
}

TEST(ScannerPostfix, OlderWordingAndFoldedAlias) {
  auto r = run_scanner("postfix", R"(This is the Postfix program at host smtp.example.jp.

I'm sorry to have to inform you that the message returned
below could not be delivered to one or more destinations.

			The Postfix program

<dave@example.co.jp> (expanded from
    <staff@example.jp>): host mx.example.co.jp[192.0.2.22] said: 550
    <dave@example.co.jp>: User unknown (in reply to RCPT TO command)
)");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "dave@example.co.jp");
  EXPECT_EQ(r->recipients[0].reply_code, "550");
  EXPECT_EQ(r->recipients[0].diagnostic.rfind("host mx.example.co.jp", 0), 0u);
}

TEST(ScannerPostfix, DelayWarning) {
  auto r = run_scanner("postfix", R"(This is the mail system at host relay.example.net.

####################################################################
# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #
####################################################################

Your message could not be delivered for more than 4 hour(s).
It will be retried until it is 5 day(s) old.

                   The mail system

<erin@example.org>: host mx.example.org[198.51.100.3] said: 451 4.7.1 Try again
    later (in reply to MAIL FROM command)
)");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].action, "delayed");
  EXPECT_EQ(r->recipients[0].smtp_command, "MAIL");
  EXPECT_EQ(r->recipients[0].status, "4.7.1");
}

TEST(ScannerPostfix, SmtpServerTranscript) {
  auto r = run_scanner("postfix", R"(Transcript of session follows.

 Out: 220 mx.example.net ESMTP
 In:  EHLO client.example.org
 Out: 250-mx.example.net
 Out: 250 DSN
 In:  MAIL FROM:<sender@example.org>
 Out: 250 2.1.0 Ok
 In:  RCPT TO:<frank@example.net>
 Out: 250 2.1.5 Ok
 In:  DATA
 Out: 354 End data with <CR><LF>.<CR><LF>
 Out: 451 4.3.0 Error: queue file write error
 In:  QUIT
 Out: 221 2.0.0 Bye
)", "Postfix SMTP server: errors from client.example.org[192.0.2.5]");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "frank@example.net");
  EXPECT_EQ(r->recipients[0].reply_code, "451");
  EXPECT_EQ(r->recipients[0].status, "4.3.0");
  EXPECT_EQ(r->recipients[0].smtp_command, "DATA");
}

TEST(ScannerPostfix, IgnoresOtherMessages) {
  EXPECT_FALSE(run_scanner("postfix", "Hello,\n\n<x@example.org>: see you soon\n"));
}

// AOL's outbound Postfix: an MX lookup that keeps failing is a domain that does not accept mail.
TEST(ScannerPostfix, AolDnsFailuresAreFinal) {
  bounced::testing::ScanFixture f(
      {{"From", "MAILER-DAEMON@aol.com (Mail Delivery System)"}, {"X-AOL-IP", "192.0.2.10"}},
      "This is the mail system at host omr-m01.mx.aol.com.\n\n"
      "I'm sorry to have to inform you that your message could not\n"
      "be delivered to one or more recipients. It's attached below.\n\n"
      "                   The mail system\n\n"
      "<kay@broken-dns.example>: Name service error for name=broken-dns.example type=MX:\n"
      "    Malformed or unexpected name server reply\n");
  if (!f.headers_work()) GTEST_SKIP() << "MIME stage not landed";
  std::optional<bounced::ScanResult> r;
  for (const auto& s : bounced::scanner_registry())
    if (std::string_view(s.name) == "postfix") r = s.scan(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].reason, "notaccept");
  EXPECT_EQ(r->recipients[0].decided_by, "scanner:aol:type=mx: malformed or unexpected name server reply");
}

TEST(ScannerPostfix, TemplateUnderAnotherMailName) {
  auto r = run_scanner("postfix", R"(This is the Acme Mail program at host mail1.example.net.

I'm sorry to have to inform you that the message returned
below could not be delivered to one or more destinations.

			The Acme Mail program

<bo@example.net>: permission denied. Command output: Mail quota
    exceeded.
)");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "bo@example.net");
  EXPECT_NE(r->recipients[0].diagnostic.find("Mail quota exceeded"), std::string::npos);
}
