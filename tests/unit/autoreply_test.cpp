// autoreply_test.cpp: RFC 3834 automatic replies are reported as vacation (the replier is the
// recipient); bounces that also say Auto-Submitted, and ordinary mail, are not.
#include <gtest/gtest.h>

#include <memory>

#include "feedback.hpp"

using namespace bounced;

namespace {
std::optional<ScanResult> scan(std::vector<HeaderField> headers, std::string body = "I am out of the office.") {
  MimePart root;
  root.headers = std::move(headers);
  root.media_type = "text/plain";
  ScanInput in{root, {}, {}, std::move(body), nullptr, nullptr};
  for (const auto& h : root.headers) {
    if (h.name == "Subject") in.subject = h.value;
    if (h.name == "From") in.from = h.value;
  }
  return scan_auto_reply(in);
}
}  // namespace

TEST(AutoReply, AutoSubmittedHeader) {
  auto r = scan({{"From", "kijitora@example.net"}, {"To", "neko@example.org"}, {"Subject", "Away until May 5"},
                 {"Auto-Submitted", "auto-replied (vacation)"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, MessageKind::auto_reply);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "kijitora@example.net");
  EXPECT_EQ(r->recipients[0].reason, "vacation");
  EXPECT_NE(r->recipients[0].diagnostic.find("out of the office"), std::string::npos);
}

TEST(AutoReply, SubjectsAndVendorHeaders) {
  EXPECT_TRUE(scan({{"From", "\"Neko\" <neko@example.org>"}, {"Subject", "Automatic reply: Nyaan"}}));
  EXPECT_TRUE(scan({{"From", "neko@example.org"}, {"Subject", "自動応答: ご連絡"}}));
  EXPECT_TRUE(scan({{"From", "neko@example.org"}, {"Subject", "Nyaan"}, {"X-Apple-Action", "VACATION"}}));
  EXPECT_TRUE(scan({{"From", "neko@example.org"}, {"Subject", "Re: x"}, {"Precedence", "auto_reply"}}));
  EXPECT_TRUE(scan({{"From", "neko@example.org"}, {"Subject", "x"}, {"X-Auto-Response-Suppress", "OOF"}}));
  EXPECT_TRUE(scan({{"From", "neko@example.org"}, {"Subject", "x"}, {"X-Autoreply", "yes"}}));
}

TEST(AutoReply, BouncesAreNeverVacation) {
  EXPECT_FALSE(scan({{"From", "MAILER-DAEMON@mx.example.jp (Mail Delivery System)"},
                     {"Subject", "Undelivered Mail Returned to Sender"},
                     {"Auto-Submitted", "auto-replied"}}));
  EXPECT_FALSE(scan({{"From", "postmaster@example.jp"}, {"Subject", "Delivery Status Notification (Failure)"},
                     {"Auto-Submitted", "auto-replied"}}));
  EXPECT_FALSE(scan({{"From", "mail@example.jp"}, {"Subject", "Mail delivery failed: returning message to sender"},
                     {"Auto-Submitted", "auto-replied"}}));
  EXPECT_FALSE(scan({{"From", "root@example.jp"}, {"Subject", "Out of office: cron"},
                     {"Auto-Submitted", "auto-generated"}}));
}

TEST(AutoReply, OrdinaryMailIsNot) {
  EXPECT_FALSE(scan({{"From", "friend@example.com"}, {"Subject", "lunch?"}}));
  // auto-generated alone (newsletters, notifications) is not an auto-reply.
  EXPECT_FALSE(scan({{"From", "news@example.com"}, {"Subject", "Weekly digest"}, {"Auto-Submitted", "auto-generated"}}));
  EXPECT_FALSE(scan({{"From", "friend@example.com"}, {"Subject", "Re: Auto: parts order"}}));
}
