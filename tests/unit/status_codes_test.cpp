// status_codes_test.cpp: the enhanced-status registry and reply-code tables (lookups, subjects,
// unknown codes, validity).
#include "status_codes.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

using namespace bounced;

TEST(StatusCodes, FindsRfc3463Codes) {
  const auto* e = find_enhanced_status("5.1.1");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->code, "X.1.1");
  EXPECT_EQ(e->title_en, "Bad destination mailbox address");
  EXPECT_EQ(e->title_zh, "收件地址信箱錯誤");
  EXPECT_EQ(e->reference, "RFC 3463");
  EXPECT_FALSE(e->description.empty());
  ASSERT_NE(find_enhanced_status("4.2.2"), nullptr);
  EXPECT_EQ(find_enhanced_status("4.2.2")->title_en, "Mailbox full");
  ASSERT_NE(find_enhanced_status("X.4.7"), nullptr);
  EXPECT_EQ(find_enhanced_status("X.4.7")->title_en, "Delivery time expired");
}

TEST(StatusCodes, SeedSlipsAreFixed) {
  // X.1.5 is a success detail: the address is valid.
  const auto* valid = find_enhanced_status("2.1.5");
  ASSERT_NE(valid, nullptr);
  EXPECT_EQ(valid->title_en, "Destination address valid");
  EXPECT_EQ(valid->title_zh, "收件地址有效");
  EXPECT_EQ(find_enhanced_status("5.1.8")->title_zh, "寄件者系統錯誤");
}

TEST(StatusCodes, FindsLaterRegistrations) {
  struct Case {
    const char* status;
    const char* title;
    const char* reference;
  };
  const Case cases[] = {
      {"5.1.9", "Message relayed to non-compliant mailer", "RFC 3886"},
      {"5.1.10", "Recipient address has null MX", "RFC 7505"},
      {"2.3.6", "Requested priority was changed", "RFC 6710"},
      {"5.5.6", "Authentication Exchange line is too long", "RFC 4954"},
      {"5.6.6", "Message content not available", "RFC 4468"},
      {"5.6.7", "Non-ASCII addresses not permitted for that sender/recipient", "RFC 6531"},
      {"5.7.8", "Authentication credentials invalid", "RFC 4954"},
      {"5.7.10", "Encryption Needed", "RFC 5248"},
      {"5.7.13", "User Account Disabled", "RFC 5248"},
      {"4.7.15", "Priority Level is too low", "RFC 6710"},
      {"5.7.17", "Mailbox owner has changed", "RFC 7293"},
      {"5.7.23", "SPF validation failed", "RFC 7372"},
      {"5.7.25", "Reverse DNS validation failed", "RFC 7372"},
      {"5.7.26", "Multiple authentication checks failed", "RFC 7372"},
      {"5.7.27", "Sender address has null MX", "RFC 7505"},
      {"4.7.28", "Mail flood detected", "IANA registry"},
      {"5.7.29", "ARC validation failure", "RFC 8617"},
      {"5.7.30", "REQUIRETLS support required", "RFC 8689"},
  };
  for (const auto& c : cases) {
    const auto* e = find_enhanced_status(c.status);
    ASSERT_NE(e, nullptr) << c.status;
    EXPECT_EQ(e->title_en, c.title) << c.status;
    EXPECT_EQ(e->reference, c.reference) << c.status;
  }
}

TEST(StatusCodes, EveryRegistryEntryIsFoundAndComplete) {
  std::set<std::string_view> seen;
  for (const auto& e : enhanced_status_table()) {
    EXPECT_TRUE(seen.insert(e.code).second) << e.code;
    const std::string as_permanent = "5" + std::string(e.code.substr(1));
    EXPECT_EQ(find_enhanced_status(as_permanent), &e) << e.code;
    EXPECT_FALSE(e.title_en.empty()) << e.code;
    EXPECT_FALSE(e.title_zh.empty()) << e.code;
    EXPECT_FALSE(e.description.empty()) << e.code;
    EXPECT_FALSE(e.reference.empty()) << e.code;
  }
  EXPECT_GE(enhanced_status_table().size(), 80u);
}

TEST(StatusCodes, UnknownCodes) {
  EXPECT_EQ(find_enhanced_status("5.1.99"), nullptr);
  EXPECT_EQ(find_enhanced_status("5.8.0"), nullptr);
  EXPECT_EQ(find_enhanced_status("5.7.31"), nullptr);
  EXPECT_EQ(find_enhanced_status("5.0.910"), nullptr);  // Sisimai's pseudo codes are not registered
  EXPECT_EQ(find_enhanced_status("3.1.1"), nullptr);
  EXPECT_EQ(find_enhanced_status(""), nullptr);
  EXPECT_EQ(find_enhanced_status("5.1"), nullptr);
  EXPECT_EQ(find_enhanced_status("5.1.1 "), nullptr);
  EXPECT_EQ(find_enhanced_status("550"), nullptr);
}

TEST(StatusCodes, EverySubjectHasNames) {
  const char* en[] = {"other or undefined",  "addressing",           "mailbox",
                      "mail system",         "network and routing",  "mail delivery protocol",
                      "message content or media", "security or policy"};
  for (int s = 0; s < 8; ++s) {
    const std::string status = "5." + std::to_string(s) + ".0";
    EXPECT_EQ(status_subject_name(status), en[s]) << status;
    EXPECT_FALSE(status_subject_name_zh(status).empty()) << status;
    // Every subject has its X.s.0 catch-all registered.
    EXPECT_NE(find_enhanced_status(status), nullptr) << status;
  }
  EXPECT_EQ(status_subject_name_zh("5.2.2"), "收件者信箱問題");
  EXPECT_EQ(status_subject_name("5.8.1"), "");
  EXPECT_EQ(status_subject_name(""), "");
  EXPECT_EQ(status_subject_name("garbage"), "");
}

TEST(StatusCodes, ClassNames) {
  EXPECT_EQ(status_class_name("2.0.0"), "success");
  EXPECT_EQ(status_class_name("4.2.2"), "transient");
  EXPECT_EQ(status_class_name("5.1.1"), "permanent");
  EXPECT_EQ(status_class_name("3.1.1"), "");
  EXPECT_EQ(status_class_name(""), "");
  EXPECT_EQ(status_class_name_zh("5.1.1"), "永久性失敗");
  EXPECT_EQ(status_class_name_zh("4.1.1"), "暫時性失敗");
  EXPECT_EQ(status_class_name_zh("2.1.5"), "成功");
}

TEST(StatusCodes, Validity) {
  EXPECT_TRUE(is_valid_status("5.1.1"));
  EXPECT_TRUE(is_valid_status("4.7.26"));
  EXPECT_TRUE(is_valid_status("2.0.0"));
  EXPECT_TRUE(is_valid_status("5.999.999"));
  EXPECT_TRUE(is_valid_status("5.0.910"));
  EXPECT_FALSE(is_valid_status("3.1.1"));
  EXPECT_FALSE(is_valid_status("6.1.1"));
  EXPECT_FALSE(is_valid_status("X.1.1"));
  EXPECT_FALSE(is_valid_status("5.1000.1"));
  EXPECT_FALSE(is_valid_status("5.1.1000"));
  EXPECT_FALSE(is_valid_status("5.01.1"));
  EXPECT_FALSE(is_valid_status("5.1."));
  EXPECT_FALSE(is_valid_status("5..1"));
  EXPECT_FALSE(is_valid_status("5.1.1."));
  EXPECT_FALSE(is_valid_status(" 5.1.1"));
  EXPECT_FALSE(is_valid_status("5.1.1a"));
  EXPECT_FALSE(is_valid_status("5-1-1"));
  EXPECT_FALSE(is_valid_status(""));
}

TEST(ReplyCodes, StandardCodes) {
  const int codes[] = {211, 214, 220, 221, 250, 251, 252, 354, 421, 450, 451, 452, 455, 500, 501, 502,
                       503, 504, 550, 551, 552, 553, 554, 555, 521, 556, 530, 534, 535, 538, 454};
  for (int c : codes) {
    const auto* r = find_reply_code(c);
    ASSERT_NE(r, nullptr) << c;
    EXPECT_EQ(r->code, c);
    EXPECT_FALSE(r->text_en.empty()) << c;
    EXPECT_FALSE(r->text_zh.empty()) << c;
    EXPECT_FALSE(r->reference.empty()) << c;
  }
  EXPECT_EQ(find_reply_code(550)->text_en, "Requested action not taken: mailbox unavailable");
  EXPECT_EQ(find_reply_code(452)->text_zh, "要求動作無法執行:系統空間不足");
  EXPECT_EQ(find_reply_code(535)->implied_status, "5.7.8");
  EXPECT_EQ(find_reply_code(556)->implied_status, "5.1.10");
  EXPECT_EQ(find_reply_code(550)->implied_status, "");
  for (const auto& r : reply_code_table())
    if (!r.implied_status.empty()) {
      EXPECT_TRUE(is_valid_status(r.implied_status)) << r.code;
      EXPECT_EQ(r.implied_status[0], '0' + r.code / 100) << r.code;
      EXPECT_NE(find_enhanced_status(r.implied_status), nullptr) << r.code;
    }
}

TEST(ReplyCodes, UnknownCodes) {
  EXPECT_EQ(find_reply_code(544), nullptr);
  EXPECT_EQ(find_reply_code(533), nullptr);
  EXPECT_EQ(find_reply_code(0), nullptr);
  EXPECT_EQ(find_reply_code(-1), nullptr);
  EXPECT_EQ(find_reply_code(999), nullptr);
}
