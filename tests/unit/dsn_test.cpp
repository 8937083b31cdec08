// dsn_test.cpp: message/delivery-status parsing as real MTAs write it: folded lines, comments,
// address-type prefixes, several recipient groups, missing blank lines, CRLF / LF / CR.
#include <gtest/gtest.h>

#include "dsn.hpp"

using namespace bounced;

TEST(Dsn, StandardTwoGroups) {
  const auto r = parse_delivery_status(
      "Reporting-MTA: dns; mx1.example.jp\n"
      "Arrival-Date: Thu, 29 Apr 2010 23:34:45 +0900 (JST)\n"
      "\n"
      "Final-Recipient: rfc822; kijitora@example.jp\n"
      "Original-Recipient: rfc822;Kijitora@Example.JP\n"
      "Action: failed\n"
      "Status: 5.1.1\n"
      "Remote-MTA: dns; mx.example.jp\n"
      "Diagnostic-Code: smtp; 550 5.1.1 <kijitora@example.jp>... User Unknown\n"
      "\n"
      "Final-Recipient: RFC822; <neko@example.org>\n"
      "Action: delayed\n"
      "Status: 4.2.2\n");
  EXPECT_EQ(r.fields.reporting_mta, "mx1.example.jp");
  ASSERT_EQ(r.recipients.size(), 2u);
  EXPECT_EQ(r.recipients[0].final_recipient, "kijitora@example.jp");
  EXPECT_EQ(r.recipients[0].original_recipient, "Kijitora@Example.JP");
  EXPECT_EQ(r.recipients[0].status, "5.1.1");
  EXPECT_EQ(r.recipients[0].remote_mta, "mx.example.jp");
  EXPECT_EQ(r.recipients[0].diagnostic_type, "smtp");
  EXPECT_EQ(r.recipients[0].diagnostic_code, "550 5.1.1 <kijitora@example.jp>... User Unknown");
  EXPECT_EQ(r.recipients[1].final_recipient, "neko@example.org");
  EXPECT_EQ(r.recipients[1].action, "delayed");
}

TEST(Dsn, FoldedDiagnosticAndComments) {
  const auto r = parse_delivery_status(
      "Reporting-MTA: dns; mx1.example.jp (Postfix)\r\n\r\n"
      "Final-Recipient: rfc822; kijitora@example.jp\r\n"
      "Action: failed (bad address)\r\n"
      "Status: 5.1.1 (bad destination mailbox address)\r\n"
      "Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried to reach\r\n"
      "    does not exist. Please try double-checking\r\n"
      "\tthe recipient's email address\r\n");
  ASSERT_EQ(r.recipients.size(), 1u);
  EXPECT_EQ(r.fields.reporting_mta, "mx1.example.jp");
  EXPECT_EQ(r.recipients[0].action, "failed");
  EXPECT_EQ(r.recipients[0].status, "5.1.1");
  EXPECT_NE(r.recipients[0].diagnostic_code.find("does not exist. Please try double-checking the recipient"),
            std::string::npos);
}

TEST(Dsn, MissingBlankLinesBetweenGroups) {
  const auto r = parse_delivery_status(
      "Reporting-MTA: dns; mx1.example.jp\n"
      "Final-Recipient: rfc822; a@example.jp\n"
      "Action: failed\n"
      "Status: 5.1.1\n"
      "Final-Recipient: rfc822; b@example.jp\n"
      "Action: failed\n"
      "Status: 5.2.2\n");
  ASSERT_EQ(r.recipients.size(), 2u);
  EXPECT_EQ(r.recipients[0].final_recipient, "a@example.jp");
  EXPECT_EQ(r.recipients[0].status, "5.1.1");
  EXPECT_EQ(r.recipients[1].final_recipient, "b@example.jp");
  EXPECT_EQ(r.recipients[1].status, "5.2.2");
}

TEST(Dsn, CarriageReturnsOnly) {
  const auto r = parse_delivery_status(
      "Reporting-MTA: dns; mx.example.net\r\rFinal-Recipient: rfc822; c@example.net\rAction: failed\rStatus: 5.0.0\r");
  ASSERT_EQ(r.recipients.size(), 1u);
  EXPECT_EQ(r.recipients[0].final_recipient, "c@example.net");
  EXPECT_EQ(r.recipients[0].status, "5.0.0");
}

TEST(Dsn, MissingFieldsAndOddValues) {
  // No Final-Recipient: the Original-Recipient is still a recipient; no type prefix on addresses;
  // X-Actual-Recipient when nothing else names one; unknown fields ignored.
  const auto r = parse_delivery_status(
      "Reporting-MTA: mx.example.com\n\n"
      "Original-Recipient: <orig@example.com>\n"
      "Action: failed\n"
      "X-Unknown-Field: whatever\n"
      "\n"
      "X-Actual-Recipient: rfc822; actual@example.com\n"
      "Status: 5.1.1\n"
      "Diagnostic-Code: 550 no type given\n");
  ASSERT_EQ(r.recipients.size(), 2u);
  EXPECT_EQ(r.fields.reporting_mta, "mx.example.com");
  EXPECT_EQ(r.recipients[0].original_recipient, "orig@example.com");
  EXPECT_EQ(r.recipients[1].final_recipient, "actual@example.com");
  EXPECT_EQ(r.recipients[1].diagnostic_type, "");
  EXPECT_EQ(r.recipients[1].diagnostic_code, "550 no type given");
}

TEST(Dsn, VendorExtensionFields) {
  const auto r = parse_delivery_status(
      "Reporting-MTA: dns; pmta.example.net\n\n"
      "Final-Recipient: rfc822; x@example.jp\nAction: failed\nStatus: 5.0.0 (undefined status)\n"
      "X-PowerMTA-BounceCategory: bad-mailbox\n");
  ASSERT_EQ(r.recipients.size(), 1u);
  EXPECT_EQ(r.recipients[0].bounce_category, "bad-mailbox");
  EXPECT_EQ(r.recipients[0].status, "5.0.0");
}

TEST(Dsn, EmptyAndGarbageInput) {
  EXPECT_TRUE(parse_delivery_status("").recipients.empty());
  EXPECT_TRUE(parse_delivery_status("\n\n\n").recipients.empty());
  EXPECT_TRUE(parse_delivery_status("this is not a delivery status\nat all\n").recipients.empty());
  // Very long lines and many groups stay bounded and do not crash.
  std::string big;
  for (int i = 0; i < 2000; ++i) big += "Final-Recipient: rfc822; u" + std::to_string(i) + "@example.jp\nStatus: 5.1.1\n\n";
  const auto r = parse_delivery_status(big);
  EXPECT_LE(r.recipients.size(), 2000u);
  EXPECT_GE(r.recipients.size(), 1u);
}

TEST(Dsn, StripAndComments) {
  EXPECT_EQ(strip_type_prefix("rfc822; <User@Example.COM>"), "<User@Example.COM>");
  EXPECT_EQ(strip_type_prefix("dns; mx.example.com"), "mx.example.com");
  EXPECT_EQ(strip_type_prefix("mx.example.com"), "mx.example.com");
  EXPECT_EQ(remove_comments("5.1.1 (bad (nested) address)"), "5.1.1");
  EXPECT_EQ(remove_comments("\"a (not a comment)\" b"), "\"a (not a comment)\" b");
}

TEST(Dsn, ActionAndStatusBeforeTheAddresses) {
  // PMDF / Sun Messaging Server order: Action and Status first, then the recipients.
  const auto r = parse_delivery_status(
      "Reporting-MTA: dns; mailbox0.example.org\n\n"
      "Action: failed\nStatus: 5.0.0 (Remote SMTP server has rejected address)\n"
      "Original-recipient: rfc822;a@example.org\nFinal-recipient: rfc822;a@example.org\n"
      "Diagnostic-code: smtp; 550 5.7.1 550 User Unknown: a@example.org\n\n"
      "Action: failed\nStatus: 5.0.0\n"
      "Original-recipient: rfc822;b@example.org\nFinal-recipient: rfc822;b@example.org\n");
  ASSERT_EQ(r.recipients.size(), 2u);
  EXPECT_EQ(r.recipients[0].final_recipient, "a@example.org");
  EXPECT_EQ(r.recipients[0].original_recipient, "a@example.org");
  EXPECT_EQ(r.recipients[0].action, "failed");
  EXPECT_EQ(r.recipients[1].final_recipient, "b@example.org");
}

TEST(Dsn, OriginalThenVerdictThenNextFinalWithoutBlankLine) {
  const auto r = parse_delivery_status(
      "Original-Recipient: rfc822;a@example.org\nAction: failed\nStatus: 5.1.1\n"
      "Final-Recipient: rfc822;b@example.org\nAction: failed\nStatus: 5.2.2\n");
  ASSERT_EQ(r.recipients.size(), 2u);
  EXPECT_EQ(r.recipients[0].original_recipient, "a@example.org");
  EXPECT_EQ(r.recipients[1].final_recipient, "b@example.org");
  EXPECT_EQ(r.recipients[1].status, "5.2.2");
}

TEST(Dsn, ContinuationLinesAndPlainValues) {
  const auto r = parse_delivery_status(
      "Final-Recipient: rfc822; a@example.org\n"
      "Diagnostic-Code: smtp; 550 no\n"
      "    such\n"
      "\tuser\n"
      "Status: 5.1.1\n");
  ASSERT_EQ(r.recipients.size(), 1u);
  EXPECT_EQ(r.recipients[0].diagnostic_code, "550 no such user");
  EXPECT_EQ(r.recipients[0].diagnostic_type, "smtp");
  // Without '(' or '\\' the value is only trimmed.
  EXPECT_EQ(remove_comments("  5.1.1 \"quoted\" text\t"), "5.1.1 \"quoted\" text");
  EXPECT_EQ(remove_comments("a\\(b"), "a\\(b");
}
