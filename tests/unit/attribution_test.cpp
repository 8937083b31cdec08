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

TEST(Attribution, EachEnvelopeRecipientSeparately) {
  // One bounce delivered to three VERP addresses in one LMTP transaction (plus a repeat and a
  // plain address): one entry per distinct subscriber, all about the single DSN result.
  const auto m = report_for({"alias@forward.example"});
  const auto a = attribute_each(m,
                                {"bounces+a=example.org@h.example", "news-bounces+b=example.org@h.example",
                                 "bounces+A=example.org@h.example", "postmaster@h.example",
                                 "bounces+c=example.net@h.example"},
                                AttributionConfig{});
  ASSERT_EQ(a.recipients.size(), 3u);
  EXPECT_EQ(a.recipients[0].address, "a@example.org");
  EXPECT_EQ(a.recipients[1].address, "b@example.org");
  EXPECT_EQ(a.recipients[1].list, "news");
  EXPECT_EQ(a.recipients[2].address, "c@example.net");
  for (const auto& r : a.recipients) EXPECT_EQ(r.result, 0u);

  // Several results: each goes to its own subscriber; an unmatched one keeps the DSN's recipient.
  const auto m2 = report_for({"a@example.org", "b@example.org", "other@example.com"});
  const auto b = attribute_each(m2, {"bounces+b=example.org@h.example", "bounces+a=example.org@h.example"},
                                AttributionConfig{});
  ASSERT_EQ(b.recipients.size(), 3u);
  EXPECT_EQ(b.recipients[0].result, 0u);
  EXPECT_EQ(b.recipients[0].address, "a@example.org");
  EXPECT_EQ(b.recipients[1].result, 1u);
  EXPECT_EQ(b.recipients[1].address, "b@example.org");
  EXPECT_EQ(b.recipients[2].result, 2u);
  EXPECT_EQ(b.recipients[2].address, "");

  // One RCPT, or none VERP: the same as attribute(), positions explicit.
  const auto c = attribute_each(m, {"postmaster@h.example", "bounces+z=example.org@h.example"}, AttributionConfig{});
  ASSERT_EQ(c.recipients.size(), 1u);
  EXPECT_EQ(c.recipients[0].address, "z@example.org");
  EXPECT_EQ(c.recipients[0].result, 0u);
  const auto d = attribute_each(m, {}, AttributionConfig{});
  ASSERT_EQ(d.recipients.size(), 1u);
  EXPECT_EQ(d.recipients[0].address, "");
}

TEST(Attribution, ConfiguredHeaders) {
  auto m = report_for({"alias@forward.example"}, "News <news.example.org>");
  m.original.x_fields = {{"X-Listmonk-Subscriber", "5a4b7c2e-1111-4222-8333-944445555666"},
                         {"x-listmonk-campaign", "0e1d2c3b-aaaa-4bbb-8ccc-ddddeeeeffff"}};
  AttributionConfig cfg;
  cfg.subscriber_header = "X-Listmonk-Subscriber";
  cfg.list_header = "X-Listmonk-Campaign";
  auto a = attribute(m, "", cfg);
  EXPECT_EQ(a.list, "0e1d2c3b-aaaa-4bbb-8ccc-ddddeeeeffff");  // the header wins over List-Id
  ASSERT_EQ(a.recipients.size(), 1u);
  EXPECT_EQ(a.recipients[0].address, "");  // a UUID is not an address: a reference
  EXPECT_EQ(a.recipients[0].subscriber_ref, "5a4b7c2e-1111-4222-8333-944445555666");

  m.original.x_fields[0].second = "Real Person <real@example.org>";
  a = attribute(m, "", cfg);
  EXPECT_EQ(a.recipients[0].address, "real@example.org");
  a = attribute(m, "bounces+verp=example.org@h.example", cfg);  // VERP still wins
  EXPECT_EQ(a.recipients[0].address, "verp@example.org");
  cfg.list_header.clear();
  EXPECT_EQ(attribute(m, "", cfg).list, "news.example.org");
}
