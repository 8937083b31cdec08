// scanner_exchange_test.cpp: the Exchange scanner on hand-written reports in Exchange 2003 and
// Exchange 2007+/Office 365 wording.
#include "scanner_test_util.hpp"

using bounced::testing::run_scanner;

TEST(ScannerExchange, Exchange2007WithAdminSection) {
  auto r = run_scanner("exchange", R"(Delivery has failed to these recipients or groups:

Alice Example<mailto:alice@example.org>
The email address you entered couldn't be found. Please check the recipient's email address and try to resend the message.

bob@example.net<mailto:bob@example.net>
Your message can't be delivered because delivery to this address is restricted.

Diagnostic information for administrators:

Generating server: EX01.corp.example.com

alice@example.org
mx.example.org
Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'

bob@example.net
#550 5.7.1 RESOLVER.RST.AuthRequired; authentication required ##

Original message headers:

Message-ID: <abc123@corp.example.com>
Subject: Quarterly report
)");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 2u);
  const auto& a = r->recipients[0];
  EXPECT_EQ(a.recipient, "alice@example.org");
  EXPECT_EQ(a.diagnostic, "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found");
  EXPECT_EQ(a.reply_code, "550");
  EXPECT_EQ(a.status, "5.1.1");
  EXPECT_EQ(a.remote_mta, "mx.example.org");
  EXPECT_EQ(a.action, "failed");
  const auto& b = r->recipients[1];
  EXPECT_EQ(b.recipient, "bob@example.net");
  EXPECT_EQ(b.reply_code, "550");
  EXPECT_EQ(b.status, "5.7.1");
  EXPECT_EQ(b.diagnostic, "550 5.7.1 RESOLVER.RST.AuthRequired; authentication required");
}

TEST(ScannerExchange, Exchange2003WithMsexchCode) {
  auto r = run_scanner("exchange", R"(Your message

  To:      carol@example.com
  Subject: Lunch
  Sent:    Thu, 1 Feb 2007 10:00:00 -0000

did not reach the following recipient(s):

carol@example.com on Thu, 1 Feb 2007 10:00:05 -0000
    The recipient name is not recognized
    MSEXCH:IMS:CORP:EXAMPLE:MAIL01 0 (000C05A6) Unknown Recipient
)");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "carol@example.com");
  EXPECT_EQ(r->recipients[0].reason, "userunknown");
  EXPECT_EQ(r->recipients[0].decided_by, "scanner:exchange:(000c05a6)");
  EXPECT_NE(r->recipients[0].diagnostic.find("The recipient name is not recognized"), std::string::npos);
}

TEST(ScannerExchange, Exchange2003HashCodes) {
  auto r = run_scanner("exchange", R"(Your message did not reach some or all of the intended recipients.

      Subject:	Lunch
      Sent:	2/1/2007 10:00 AM

The following recipient(s) could not be reached:

      dave@example.org on 2/1/2007 10:00 AM
            The e-mail account does not exist at the organization this message was sent to.
            <mail.example.org #5.1.1>
)");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "dave@example.org");
  EXPECT_EQ(r->recipients[0].status, "5.1.1");
  EXPECT_EQ(r->recipients[0].reason, "");
}

TEST(ScannerExchange, IgnoresOtherMessages) {
  EXPECT_FALSE(run_scanner("exchange", "Hello\n\nalice@example.org\n"));
}
