// attribution_test.cpp: lib/attribution — the VERP envelope recipient wins over the DSN's
// recipient, list from VERP or List-Id, signed VERP sets `verified`, envelope recipient from the
// delivered message's own header.
#include <gtest/gtest.h>

#include "attribution.hpp"

using namespace bounced;

namespace {

MessageReport report_for(std::vector<std::string> recipients, std::string list_id = "") {
  MessageReport m;
  m.kind = MessageKind::bounce;
  for (auto& r : recipients) {
    RecipientResult x;
    x.recipient = std::move(r);
    m.recipients.push_back(std::move(x));
  }
  m.original.list_id = std::move(list_id);
  return m;
}

AttributionConfig signed_config() {
  AttributionConfig c;
  c.signing.secret = "attribution-test-secret-0123456789";
  return c;
}

}  // namespace

TEST(Attribution, VerpWinsOverForward) {
  const auto m = report_for({"forwarded@elsewhere.example"}, "News <news.example.org>");
  const auto a = attribute(m, "bounces+sub=example.org@lists.example.net", AttributionConfig{});
  ASSERT_EQ(a.recipients.size(), 1u);
  EXPECT_EQ(a.recipients[0].address, "sub@example.org");
  EXPECT_EQ(a.list, "news.example.org");  // no list in the VERP address: List-Id
  EXPECT_EQ(a.recipients[0].list, "news.example.org");
  EXPECT_FALSE(a.recipients[0].verified);
}

TEST(Attribution, ListFromVerpThenMappedListId) {
  AttributionConfig c;
  c.list_ids.emplace("news.example.org", "news");
  auto m = report_for({"x@example.org"}, "<News.Example.ORG>");
  EXPECT_EQ(attribute(m, "", c).list, "news");
  EXPECT_EQ(attribute(m, "offers-bounces+x=example.org@h.example", c).list, "offers");
  c.list_from_list_id = false;
  m.original.list_id = "<other.example.org>";
  EXPECT_EQ(attribute(m, "", c).list, "");
  EXPECT_EQ(attribute(m, "", c).recipients.at(0).address, "");  // DSN recipient stands
}

TEST(Attribution, SignedVerpVerifies) {
  const auto c = signed_config();
  const auto enc = verp_encode(c.scheme, c.signing, "sub@example.org", "news", "h.example");
  ASSERT_TRUE(enc.ok());
  const auto m = report_for({"alias@example.org"});
  auto a = attribute(m, enc.address, c);
  EXPECT_TRUE(a.recipients[0].verified);
  EXPECT_EQ(a.recipients[0].list, "news");
  // Forged: the attacker changes the subscriber but cannot make the tag.
  std::string forged = enc.address;
  forged.replace(forged.find("sub="), 4, "vip=");
  a = attribute(m, forged, c);
  EXPECT_EQ(a.recipients[0].address, "vip@example.org");
  EXPECT_FALSE(a.recipients[0].verified);
  EXPECT_EQ(a.verp.signature, VerpSignature::invalid);
}

TEST(Attribution, SeveralRecipientsOnlyMatchingOneIsVerp) {
  const auto m = report_for({"a@example.org", "Sub@Example.org"});
  const auto a = attribute(m, "bounces+sub=example.org@h.example", AttributionConfig{});
  EXPECT_EQ(a.recipients[0].address, "");
  EXPECT_EQ(a.recipients[1].address, "sub@example.org");
}

TEST(Attribution, NotVerpOrDisabled) {
  const auto m = report_for({"a@example.org"});
  EXPECT_EQ(attribute(m, "postmaster@h.example", AttributionConfig{}).recipients[0].address, "");
  AttributionConfig off;
  off.verp = false;
  EXPECT_EQ(attribute(m, "bounces+sub=example.org@h.example", off).recipients[0].address, "");
}

TEST(Attribution, ListIdIdentifier) {
  EXPECT_EQ(list_id_identifier("News list <News.Example.org>"), "news.example.org");
  EXPECT_EQ(list_id_identifier("news.example.org"), "news.example.org");
  EXPECT_EQ(list_id_identifier("broken <news"), "");
  EXPECT_EQ(list_id_identifier(""), "");
}

TEST(Attribution, EnvelopeRecipientFromHeader) {
  const AttributionConfig c;
  const std::string msg =
      "Return-Path: <>\r\n"
      "Delivered-To: bounces@lists.example.net\r\n"
      "X-Original-To: bounces+sub=example.org@lists.example.net\r\n"
      "Subject: Undelivered Mail\r\n\r\n"
      "Delivered-To: bounces+wrong=example.org@lists.example.net\r\n";
  EXPECT_EQ(envelope_recipient_from_header(msg, c), "bounces+sub=example.org@lists.example.net");
  const std::string plain = "Delivered-To: <bounces@lists.example.net>\n\nbody\n";
  EXPECT_EQ(envelope_recipient_from_header(plain, c), "bounces@lists.example.net");
  EXPECT_EQ(envelope_recipient_from_header("Subject: x\n\n", c), "");
}
