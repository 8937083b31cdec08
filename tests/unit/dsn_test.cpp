// dsn_test.cpp: message/delivery-status parsing as real MTAs write it: folded lines, comments,
// address-type prefixes, several recipient groups, missing blank lines, CRLF / LF / CR.
#include <gtest/gtest.h>

#include "dsn.hpp"
#include "test_random.hpp"
#include "text.hpp"

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

// --- The reader before field names were looked up in a table (kept as the plain rule) ---
namespace dsn_reference {
using bounced::DsnRecipient;
using bounced::DsnReport;
namespace text = bounced::text;
namespace {

struct Field {
  std::string name;         // lowercase
  std::string_view line;    // the value as written on the field's own line (trimmed)
  std::string folded = {};  // with continuation lines, when there were any
  bool group_start;         // a blank line preceded it
  std::string_view value() const { return folded.empty() ? line : std::string_view(folded); }
  void append(std::string_view more) {
    if (folded.empty()) folded.assign(line);
    folded += ' ';
    folded += more;
  }
};

// Field names are short: lowercased in the string itself (no call, no second copy).
std::string lower_name(std::string_view name) {
  std::string out(name);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

std::vector<Field> unfold_fields(std::string_view body) {
  std::vector<Field> out;
  const auto lines = text::lines(body);
  out.reserve(lines.size());
  bool blank_before = false;
  for (auto line : lines) {
    const auto trimmed = text::trim(line);
    if (trimmed.empty()) {
      blank_before = true;
      continue;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !out.empty() && !blank_before) {
      out.back().append(trimmed);
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      // Not a field: a stray continuation without indentation (seen with some MTAs that wrap
      // Diagnostic-Code at 76 columns). Attach it to the previous field if there is one.
      if (!out.empty() && !blank_before) out.back().append(trimmed);
      blank_before = false;
      continue;
    }
    auto name = text::trim(line.substr(0, colon));
    if (name.find(' ') != std::string_view::npos) {
      if (!out.empty() && !blank_before) out.back().append(trimmed);
      blank_before = false;
      continue;
    }
    out.push_back({lower_name(name), text::trim(line.substr(colon + 1)), {}, blank_before});
    blank_before = false;
  }
  return out;
}

bool is_recipient_field(std::string_view n) {
  return n == "final-recipient" || n == "original-recipient" || n == "action" || n == "status" ||
         n == "remote-mta" || n == "diagnostic-code" || n == "last-attempt-date" ||
         n == "will-retry-until" || n == "final-log-id" || n == "x-actual-recipient" ||
         n == "x-display-name" || n == "x-powermta-bouncecategory";
}

std::string first_word(std::string_view v) {
  v = text::trim(v);
  std::size_t e = 0;
  while (e < v.size() && v[e] != ' ' && v[e] != '\t' && v[e] != '(' && v[e] != ';') ++e;
  return std::string(v.substr(0, e));
}

}  // namespace

std::string ref_remove_comments(std::string_view v) {
  // Nothing to remove without a '(' (and no quoted pair to unescape without a '\\').
  // (A loop: find_first_of asks memchr once per byte.)
  bool plain = true;
  for (const char c : v)
    if (c == '(' || c == '\\') {
      plain = false;
      break;
    }
  if (plain) return std::string(text::trim(v));
  std::string out;
  int depth = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c == '\\' && i + 1 < v.size()) {
      if (depth == 0) {
        out.push_back(c);
        out.push_back(v[i + 1]);
      }
      ++i;
      continue;
    }
    if (c == '"' && depth == 0) quoted = !quoted;
    if (!quoted && c == '(') {
      ++depth;
      continue;
    }
    if (!quoted && c == ')' && depth > 0) {
      --depth;
      continue;
    }
    if (depth == 0) out.push_back(c);
  }
  return std::string(text::trim(out));
}

std::string ref_strip_type_prefix(std::string_view value) {
  auto v = text::trim(value);
  const auto semi = v.find(';');
  if (semi != std::string_view::npos) {
    const auto type = text::trim(v.substr(0, semi));
    if (type.find(' ') == std::string_view::npos && type.find('@') == std::string_view::npos)
      v = text::trim(v.substr(semi + 1));
  }
  return std::string(v);
}

DsnReport ref_parse_delivery_status(std::string_view body) {
  DsnReport report;
  const auto fields = unfold_fields(body);
  DsnRecipient current;
  bool in_recipient = false;
  bool have_recipient_data = false;
  bool verdict_after_original = false;  // Action/Status seen after the current Original-Recipient

  // Bounded like every other stage: a message is at most 32 MiB, but a hostile one could still
  // hold hundreds of thousands of tiny groups.
  constexpr std::size_t kMaxRecipients = 10000;
  auto flush = [&] {
    if (have_recipient_data && report.recipients.size() < kMaxRecipients)
      report.recipients.push_back(std::move(current));
    current = DsnRecipient{};
    have_recipient_data = false;
  };

  for (const auto& f : fields) {
    const std::string_view n = f.name;  // compared as a view: lengths first, no memcmp call
    const bool rf = is_recipient_field(n);
    if (rf) {
      const bool starts_new =
          (f.group_start && in_recipient) ||
          ((n == "final-recipient" && !current.final_recipient.empty()) ||
           (n == "original-recipient" && !current.original_recipient.empty()) ||
           // Original-Recipient, then its Action/Status, then a Final-Recipient: a new group
           // whose blank line is missing. (Action/Status before both addresses is one group.)
           (n == "final-recipient" && !current.original_recipient.empty() && verdict_after_original));
      if (starts_new) flush();
      if (starts_new || n == "original-recipient") verdict_after_original = false;
      if ((n == "action" || n == "status") && !current.original_recipient.empty())
        verdict_after_original = true;
      in_recipient = true;
    } else if (f.group_start && in_recipient) {
      flush();
      in_recipient = false;
    }
    const std::string_view v = f.value();
    if (n == "reporting-mta") {
      report.fields.reporting_mta = ref_strip_type_prefix(ref_remove_comments(v));
    } else if (n == "arrival-date") {
      report.fields.arrival_date = v;
    } else if (n == "received-from-mta") {
      report.fields.received_from_mta = ref_strip_type_prefix(ref_remove_comments(v));
    } else if (n == "original-envelope-id") {
      report.fields.original_envelope_id = v;
    } else if (n == "final-recipient" || n == "x-actual-recipient") {
      auto addr = text::find_address(ref_strip_type_prefix(v));
      if (addr.empty()) addr = ref_strip_type_prefix(ref_remove_comments(v));
      if (n == "final-recipient" || current.final_recipient.empty()) current.final_recipient = addr;
      have_recipient_data = true;
    } else if (n == "original-recipient") {
      auto addr = text::find_address(ref_strip_type_prefix(v));
      if (addr.empty()) addr = ref_strip_type_prefix(ref_remove_comments(v));
      current.original_recipient = addr;
      have_recipient_data = true;
    } else if (n == "action") {
      current.action = text::lower(first_word(ref_remove_comments(v)));
      have_recipient_data = true;
    } else if (n == "status") {
      auto s = text::find_status(ref_remove_comments(v));
      current.status = s.empty() ? first_word(ref_remove_comments(v)) : s;
      have_recipient_data = true;
    } else if (n == "remote-mta") {
      current.remote_mta = ref_strip_type_prefix(ref_remove_comments(v));
    } else if (n == "diagnostic-code") {
      const auto semi = v.find(';');
      if (semi != std::string::npos && v.substr(0, semi).find(' ') == std::string::npos) {
        current.diagnostic_type = text::lower(text::trim(std::string_view(v).substr(0, semi)));
        current.diagnostic_code = std::string(text::trim(std::string_view(v).substr(semi + 1)));
      } else {
        current.diagnostic_code = v;
      }
    } else if (n == "last-attempt-date") {
      current.last_attempt_date = v;
    } else if (n == "will-retry-until") {
      current.will_retry_until = v;
    } else if (n == "final-log-id") {
      current.final_log_id = v;
    } else if (n == "x-powermta-bouncecategory") {
      current.bounce_category = text::lower(first_word(v));
    }
  }
  flush();
  return report;
}

}  // namespace dsn_reference

// Random delivery-status blocks (known fields in any case, unknown ones, folded and stray
// continuation lines, comments, quoted pairs, blank lines, LF / CRLF / CR) read by the table-driven
// reader and by the plain rule give the same report.
TEST(Dsn, RandomBlocksMatchThePlainReader) {
  static constexpr std::string_view kNames[] = {
      "Reporting-MTA", "Arrival-Date", "Received-From-MTA", "Original-Envelope-Id", "Final-Recipient",
      "X-Actual-Recipient", "Original-Recipient", "Action", "Status", "Remote-MTA", "Diagnostic-Code",
      "Last-Attempt-Date", "Will-Retry-Until", "Final-Log-ID", "X-Display-Name", "X-PowerMTA-BounceCategory",
      "X-Other", "Final-Recipient-X", "Reporting MTA", "Stat", "Content-Type",
      // Names one byte away from known ones: a byte next to a letter's cases ('@', '`', '[', '{'),
      // a letter with its high bit set, '_' or a control byte for '-', a digit for a letter.
      "Fin@l-Recipient", "Final_Recipient", "Final-Recipien\xd4", "Fina1-Recipient", "Act`on", "Statu{",
      "Diagnostic\x0d""Code", "Remote\x0dMTA", "X-PowerMTA-BounceCategor[", "Last-Attempt-Dat\xc5",
      "Original-Envelope-I\xc4", "Will-Retry-Unti\x0c"};
  static constexpr std::string_view kValues[] = {
      "rfc822; <Kijitora@Example.JP>", "rfc822;user@example.org", "dns; mx.example.jp (comment (nested))",
      "failed", "Delayed (retrying)", "5.1.1", "5.1.1 (bad address)", "4.4.7", "smtp; 550 5.1.1 User unknown",
      "X-Postfix; host said: 552 full", "x-unix; mail.local: unknown user", "\"a (not a comment)\" b",
      "a\\(b", "bad-mailbox", "Thu, 29 Apr 2010 23:34:45 +0900", "@relay:user@host.example", "", "  ",
      "local; /var/mail/user", "smtp 550 no semicolon; after"};
  static constexpr std::string_view kStray[] = {" continued text", "\tmore (x)", "no colon here",
                                                ": starts with colon", "two words: value", ""};
  static constexpr std::string_view kEnds[] = {"\n", "\r\n", "\r"};
  bounced::test::TestRandom rng(20261129);
  for (int round = 0; round < 3000; ++round) {
    std::string body;
    const auto lines = 1 + rng.next(24);
    for (std::uint32_t i = 0; i < lines; ++i) {
      const auto kind = rng.next(10);
      if (kind < 6) {
        std::string name(kNames[rng.next(std::size(kNames))]);
        for (auto& c : name)
          if (rng.next(3) == 0) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : (c >= 'A' && c <= 'Z' ? c + 32 : c));
        body += name;
        body += rng.next(4) == 0 ? ":" : ": ";
        body += kValues[rng.next(std::size(kValues))];
      } else if (kind < 9) {
        body += kStray[rng.next(std::size(kStray))];
      }  // else: a blank line
      body += kEnds[rng.next(std::size(kEnds))];
    }
    if (rng.next(4) == 0 && !body.empty()) body.pop_back();
    const DsnReport got = parse_delivery_status(body);
    const DsnReport want = dsn_reference::ref_parse_delivery_status(body);
    ASSERT_EQ(got.fields.reporting_mta, want.fields.reporting_mta) << body;
    ASSERT_EQ(got.fields.arrival_date, want.fields.arrival_date) << body;
    ASSERT_EQ(got.fields.received_from_mta, want.fields.received_from_mta) << body;
    ASSERT_EQ(got.fields.original_envelope_id, want.fields.original_envelope_id) << body;
    ASSERT_EQ(got.recipients.size(), want.recipients.size()) << body;
    for (std::size_t k = 0; k < got.recipients.size(); ++k) {
      const auto& g = got.recipients[k];
      const auto& w = want.recipients[k];
      ASSERT_EQ(g.final_recipient, w.final_recipient) << body;
      ASSERT_EQ(g.original_recipient, w.original_recipient) << body;
      ASSERT_EQ(g.action, w.action) << body;
      ASSERT_EQ(g.status, w.status) << body;
      ASSERT_EQ(g.remote_mta, w.remote_mta) << body;
      ASSERT_EQ(g.diagnostic_type, w.diagnostic_type) << body;
      ASSERT_EQ(g.diagnostic_code, w.diagnostic_code) << body;
      ASSERT_EQ(g.last_attempt_date, w.last_attempt_date) << body;
      ASSERT_EQ(g.will_retry_until, w.will_retry_until) << body;
      ASSERT_EQ(g.final_log_id, w.final_log_id) << body;
      ASSERT_EQ(g.bounce_category, w.bounce_category) << body;
    }
  }
}
