// arf_test.cpp: complaint reports (RFC 5965 ARF, Microsoft JMRP, Apple unsubscribe) are reported
// as feedback, with the complained-about recipient and the feedback type; ordinary mail is not.
#include <gtest/gtest.h>

#include <memory>

#include "feedback.hpp"

using namespace bounced;

namespace {

// A hand-built MIME tree: no parser involved.
struct Message {
  std::unique_ptr<MimePart> root = std::make_unique<MimePart>();
  MimePart* report = nullptr;
  MimePart* original = nullptr;
  std::string text;

  Message(std::vector<HeaderField> headers, std::string media_type) {
    root->headers = std::move(headers);
    root->media_type = std::move(media_type);
  }
  MimePart* add(std::string media_type, std::string body) {
    auto p = std::make_unique<MimePart>();
    p->media_type = std::move(media_type);
    p->body = std::move(body);
    root->children.push_back(std::move(p));
    return root->children.back().get();
  }
  ScanInput input() const {
    ScanInput in{*root, {}, {}, text, nullptr, original};
    return in;
  }
};

Message arf(std::string report_body, std::string original_headers) {
  Message m({{"From", "Abuse Desk <fbl@mail.example.net>"},
             {"Subject", "FW: Earn money"},
             {"Content-Type", "multipart/report; report-type=feedback-report; boundary=\"b\""}},
            "multipart/report");
  m.text = "This is an email abuse report for an email message received from IP 192.0.2.1 on Thu, 8 Mar 2005\n";
  m.add("text/plain", m.text);
  m.report = m.add("message/feedback-report", std::move(report_body));
  m.original = m.add("message/rfc822", std::move(original_headers));
  return m;
}

}  // namespace

TEST(Arf, OriginalRcptToGivesEachRecipient) {
  auto m = arf(
      "Feedback-Type: abuse\nUser-Agent: SomeGenerator/1.0\nVersion: 1\n"
      "Original-Mail-From: <somespammer@example.net>\nOriginal-Rcpt-To: <user@example.com>\n"
      "Original-Rcpt-To: other@example.org\nArrival-Date: Thu, 8 Mar 2005 14:00:00 EDT\n"
      "Source-IP: 192.0.2.1\nReported-Domain: example.net\n",
      "From: <somespammer@example.net>\nTo: <undisclosed@example.com>\nSubject: Earn money\n\nbody\n");
  auto r = scan_feedback_report(m.input());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, MessageKind::feedback);
  ASSERT_EQ(r->recipients.size(), 2u);
  EXPECT_EQ(r->recipients[0].recipient, "user@example.com");
  EXPECT_EQ(r->recipients[1].recipient, "other@example.org");
  EXPECT_EQ(r->recipients[0].feedback_type, "abuse");
  EXPECT_EQ(r->recipients[0].remote_mta, "192.0.2.1");
  EXPECT_NE(r->recipients[0].diagnostic.find("abuse report"), std::string::npos);
}

TEST(Arf, RedactedAddressFallsBackToOriginalTo) {
  auto m = arf("Feedback-Type: opt-out\nVersion: 1\nRedacted-Address: redacted@\n",
               "From: news@example.net\nTo: reader@example.jp\nSubject: news\n\nbody\n");
  auto r = scan_feedback_report(m.input());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "reader@example.jp");
  EXPECT_EQ(r->recipients[0].feedback_type, "opt-out");
}

TEST(Arf, NoRecipientAnywhereGivesPlaceholder) {
  auto m = arf("Feedback-Type: auth-failure\nVersion: 1\n", "From: news@example.net\nSubject: x\n\nbody\n");
  auto r = scan_feedback_report(m.input());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, kUndisclosedRecipient);
  EXPECT_EQ(r->recipients[0].feedback_type, "auth-failure");
}

TEST(Arf, MicrosoftJmrp) {
  Message m({{"From", "staff@hotmail.com"},
             {"Subject", "complaint about message from 192.0.2.222"},
             {"Content-Type", "multipart/mixed; boundary=\"F\""}},
            "multipart/mixed");
  m.original = m.add("message/rfc822",
                     "X-HmXmrOriginalRecipient: <kijitora@example.com>\nFrom: Neko <sironeko@example.com>\n"
                     "To: list@example.com\nSubject: Nyaan\n\nbody\n");
  auto r = scan_feedback_report(m.input());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "kijitora@example.com");
  EXPECT_EQ(r->recipients[0].feedback_type, "abuse");
}

TEST(Arf, AppleUnsubscribeIsOptOut) {
  Message m({{"From", "reader@icloud.com"}, {"Subject", "unsubscribe"}, {"Auto-Submitted", "auto-replied"},
             {"X-Apple-Unsubscribe", "true"}},
            "text/plain");
  m.text = "Apple Mail sent this email to unsubscribe from the message \"news\".";
  auto r = scan_feedback_report(m.input());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].recipient, "reader@icloud.com");
  EXPECT_EQ(r->recipients[0].feedback_type, "opt-out");
}

TEST(Arf, OrdinaryMailIsNotAComplaint) {
  Message m({{"From", "friend@example.com"}, {"Subject", "complaint about the weather"},
             {"Content-Type", "multipart/mixed; boundary=x"}},
            "multipart/mixed");
  m.add("text/plain", "I want to report that it rains.");
  EXPECT_FALSE(scan_feedback_report(m.input()));
  // A forwarded report inside message/rfc822 is not a report to us either.
  Message f({{"From", "friend@example.com"}, {"Subject", "Fwd: report"}}, "multipart/mixed");
  f.original = f.add("message/rfc822", "Content-Type: multipart/report; report-type=feedback-report\n\n...");
  EXPECT_FALSE(scan_feedback_report(f.input()));
}
