// scanner_appliances_test.cpp: plain-text bounce formats of mail providers and appliances (Zoho,
// IMail, GMX, 1&1, m-FILTER, Notes, Domino, InterScan, MailFoundry, fml, Verizon, Apache James,
// MailMarshal). Each sample is written here in the product's wording.
#include <gtest/gtest.h>

#include "scanner_fixture.hpp"

namespace bounced {
std::optional<ScanResult> scan_zoho(const ScanInput&);
std::optional<ScanResult> scan_imailserver(const ScanInput&);
std::optional<ScanResult> scan_gmx(const ScanInput&);
std::optional<ScanResult> scan_einsundeins(const ScanInput&);
std::optional<ScanResult> scan_mfilter(const ScanInput&);
std::optional<ScanResult> scan_notes(const ScanInput&);
std::optional<ScanResult> scan_domino(const ScanInput&);
std::optional<ScanResult> scan_interscanmss(const ScanInput&);
std::optional<ScanResult> scan_mailfoundry(const ScanInput&);
std::optional<ScanResult> scan_fml(const ScanInput&);
std::optional<ScanResult> scan_verizon(const ScanInput&);
std::optional<ScanResult> scan_apachejames(const ScanInput&);
std::optional<ScanResult> scan_mailmarshalsmtp(const ScanInput&);
}  // namespace bounced

using bounced::testing::ScanFixture;

namespace {

TEST(ScannerZoho, PermanentAndDelay) {
  ScanFixture f({{"From", "mailer-daemon@mail.zoho.com"}, {"Subject", "Undelivered Mail Returned to Sender"}},
                "This message was created automatically by mail delivery software.\n"
                "A message that you sent could not be delivered to one or more of its recipients.\n\n"
                "alpha@rcpt.example Invalid Address, ERROR_CODE :550, ERROR_CODE :5.1.1 <alpha@rcpt.example>... "
                "User unknown\n"
                "[Status: Error, Address: <beta@rcpt.example>, ResponseCode 421, , Host not reachable.]\n\n"
                "Received:from mail.zoho.com by mx.zohomail.com\nSubject: hi\n");
  auto r = bounced::scan_zoho(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 2u);
  EXPECT_EQ(r->recipients[0].recipient, "alpha@rcpt.example");
  EXPECT_EQ(r->recipients[0].reply_code, "550");
  EXPECT_EQ(r->recipients[0].status, "5.1.1");
  EXPECT_EQ(r->recipients[1].recipient, "beta@rcpt.example");
  EXPECT_EQ(r->recipients[1].reply_code, "421");
  EXPECT_EQ(r->recipients[1].reason, "expired");
}

TEST(ScannerIMail, ErrorTextThenAddress) {
  ScanFixture f({{"From", "postmaster@imail.example"}, {"Subject", "Undeliverable Mail"}},
                "User mailbox exceeds allowed size: full@rcpt.example\n\n\n"
                "Original message follows.\n\nSubject: hello\n");
  if (!f.headers_work()) GTEST_SKIP() << "MIME stage not landed";
  auto r = bounced::scan_imailserver(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "full@rcpt.example");
  EXPECT_EQ(r->recipients[0].reason, "mailboxfull");
  EXPECT_NE(r->original_text.find("Subject: hello"), std::string::npos);
}

TEST(ScannerIMail, RemoteResponse) {
  ScanFixture f({{"Subject", "Undeliverable Mail"}, {"X-Mailer", "<SMTP32 v8.22>"}},
                "undeliverable to spam@rcpt.example\n\n"
                "Body of message generated response:\n550 Message refused: spam detected\n\n"
                "Original message follows.\n\nSubject: x\n");
  if (!f.headers_work()) GTEST_SKIP() << "MIME stage not landed";
  auto r = bounced::scan_imailserver(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].reply_code, "550");
  EXPECT_EQ(r->recipients[0].diagnostic, "550 Message refused: spam detected");
}

TEST(ScannerGmx, RemoteError) {
  ScanFixture f({{"From", "MAILER-DAEMON@mail.gmx.com"}, {"X-GMX-Antispam", "0"}},
                "This message was created automatically by mail delivery software.\n\n"
                "A message that you sent could not be delivered to one or more of\n"
                "its recipients. This is a permanent error. The following address\nfailed:\n\n"
                "\"nobody@rcpt.example\":\n"
                "SMTP error from remote server after RCPT command:\n"
                "host: mx.rcpt.example\n"
                "550 5.1.1 <nobody@rcpt.example>... User unknown\n\n"
                "--- The header of the original message is following. ---\n\nSubject: x\n");
  if (!f.headers_work()) GTEST_SKIP() << "MIME stage not landed";
  auto r = bounced::scan_gmx(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "nobody@rcpt.example");
  EXPECT_EQ(r->recipients[0].smtp_command, "RCPT");
  EXPECT_EQ(r->recipients[0].remote_mta, "mx.rcpt.example");
  EXPECT_EQ(r->recipients[0].status, "5.1.1");
  EXPECT_EQ(r->recipients[0].reply_code, "550");
}

TEST(ScannerEinsUndEins, OneLineError) {
  ScanFixture f({{"From", "\"Mail Delivery System\" <mailer-daemon@kundenserver.de>"},
                 {"Subject", "Mail delivery failed: returning message to sender"}},
                "This message was created automatically by mail delivery software.\n\n"
                "A message that you sent could not be delivered to one or more of\n"
                "its recipients. This is a permanent error. The following address(es)\nfailed:\n\n"
                "who@rcpt.example:\n"
                "SMTP error from remote server for TEXT command, host: mx.rcpt.example (192.0.2.9) reason: "
                "550 5.7.1 Message rejected as spam\n\n"
                "--- The header of the original message is following. ---\n\nSubject: x\n");
  auto r = bounced::scan_einsundeins(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "who@rcpt.example");
  EXPECT_EQ(r->recipients[0].smtp_command, "DATA");
  EXPECT_EQ(r->recipients[0].remote_mta, "mx.rcpt.example");
  EXPECT_EQ(r->recipients[0].diagnostic, "550 5.7.1 Message rejected as spam");
  EXPECT_EQ(r->recipients[0].reply_code, "550");
}

TEST(ScannerMFilter, Sections) {
  ScanFixture f({{"X-Mailer", "m-FILTER"}, {"Subject", "failure notice"}},
                "このメールは「m-FILTER」が自動的に生成して送信しています。\n"
                "以下のメールアドレスへの送信に失敗しました。\n"
                "gone@rcpt.example\n\n\n"
                "-------server message\n550 5.1.1 <gone@rcpt.example>... User unknown\n\n"
                "-------SMTP command\nRCPT\n\n-------original message\n\nbody\n");
  if (!f.headers_work()) GTEST_SKIP() << "MIME stage not landed";
  auto r = bounced::scan_mfilter(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "gone@rcpt.example");
  EXPECT_EQ(r->recipients[0].smtp_command, "RCPT");
  EXPECT_EQ(r->recipients[0].reply_code, "550");
  EXPECT_EQ(r->recipients[0].status, "5.1.1");
}

TEST(ScannerNotes, JapaneseReason) {
  ScanFixture f({{"Subject", "Undeliverable message"}},
                "------- Failure Reasons  --------\n\n"
                "ディレクトリのリストにありません\n"
                "taro@notes.example\n\n"
                "------- Returned Message --------\n\nhello\n");
  auto r = bounced::scan_notes(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "taro@notes.example");
  EXPECT_EQ(r->recipients[0].reason, "userunknown");
}

TEST(ScannerDomino, NotListed) {
  ScanFixture f({{"Subject", "DELIVERY FAILURE: User Jane Roe (jane@domino.example) not listed in Domino Directory"}},
                "Your message\n\n  Subject: Quarterly numbers\n\nwas not delivered to:\n\n  jane@domino.example\n\n"
                "because:\n\n  User Jane Roe (jane@domino.example) not listed in Domino Directory\n\n");
  auto r = bounced::scan_domino(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "jane@domino.example");
  EXPECT_EQ(r->recipients[0].reason, "userunknown");
  EXPECT_EQ(r->original_text, "Subject: Quarterly numbers\n");
}

TEST(ScannerInterScan, Transcript) {
  ScanFixture f({{"From", "\"InterScan MSS\" <postmaster@gw.example>"}, {"Subject", "Mail could not be delivered"}},
                "...\n\nSent <<< RCPT TO:<x@rcpt.example>\nReceived >>> 550 5.1.1 <x@rcpt.example>... User unknown\n\n"
                "...\n");
  auto r = bounced::scan_interscanmss(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "x@rcpt.example");
  EXPECT_EQ(r->recipients[0].smtp_command, "RCPT");
  EXPECT_EQ(r->recipients[0].reply_code, "550");
  EXPECT_EQ(r->recipients[0].status, "5.1.1");
}

TEST(ScannerMailFoundry, FailedWith) {
  ScanFixture f({{"Subject", "Message delivery has failed"}},
                "Unable to deliver message to: <y@rcpt.example>\n"
                "Delivery failed for the following reason:\n"
                "Server mx.rcpt.example[192.0.2.5] failed with: 550 <y@rcpt.example> No such user here\n\n"
                "This has been a permanent failure.  No further delivery attempts will be made.\n");
  auto r = bounced::scan_mailfoundry(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "y@rcpt.example");
  EXPECT_EQ(r->recipients[0].remote_mta, "mx.rcpt.example");
  EXPECT_EQ(r->recipients[0].reply_code, "550");
}

TEST(ScannerFml, NotMember) {
  ScanFixture f({{"From", "cats-admin@list.example"},
                 {"Subject", "You bob@sender.example are not member (cats ML)"},
                 {"Message-ID", "<202001010000.FMLAAA0001.cats@list.example>"},
                 {"X-MLServer", "fml [fml 4.0.3 release]"}},
                "You are not a member of this mailing list <cats@list.example>.\n\nPlease send \"guide\".\n");
  if (!f.headers_work()) GTEST_SKIP() << "MIME stage not landed";
  auto r = bounced::scan_fml(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "cats@list.example");
  EXPECT_EQ(r->recipients[0].reason, "rejected");
}

TEST(ScannerVerizon, VtextJames) {
  const char* body =
      "Error: Invalid user address\n\nError message below:\n"
      "550 - Requested action not taken: no such user here\n\n"
      "Message details:\n  Subject: Hi\n  Sent date: Wed Apr 29 23:34:45 GMT 2015\n"
      "  MAIL FROM: me@sender.example\n  RCPT TO: 5551234567@vtext.com\n  Size (in bytes): 100\n";
  ScanFixture f({{"From", "post_master@vtext.com"}, {"Subject", "Re:Hi"}}, body);
  auto r = bounced::scan_verizon(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "5551234567@vtext.com");
  EXPECT_EQ(r->recipients[0].reply_code, "550");
  EXPECT_EQ(r->recipients[0].reason, "userunknown");

  ScanFixture j({{"From", "postmaster@james.example"}, {"Subject", "[BOUNCE]"}}, body);
  r = bounced::scan_apachejames(*j.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].diagnostic, "550 - Requested action not taken: no such user here");
  EXPECT_TRUE(r->recipients[0].reason.empty());
}

TEST(ScannerMailMarshal, Sections) {
  ScanFixture f({{"Subject", "Undeliverable Mail: \"Invoice\""}},
                "Your message:\n   From:    me@sender.example\n   Subject: Invoice\n\n"
                "Could not be delivered because of\n\n550 5.1.1 User unknown\n\n"
                "The following recipients were affected: \n    who@rcpt.example\n\n"
                "Additional Information\n======================\nRemote-MTA:   <203.0.113.2>\n");
  auto r = bounced::scan_mailmarshalsmtp(*f.in);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "who@rcpt.example");
  EXPECT_EQ(r->recipients[0].status, "5.1.1");
  EXPECT_EQ(r->recipients[0].reply_code, "550");
  EXPECT_EQ(r->recipients[0].remote_mta, "203.0.113.2");
}

}  // namespace
