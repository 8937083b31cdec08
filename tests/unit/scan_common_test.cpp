// scan_common_test.cpp: lib/scanners/common helpers (the marker search's vector fast path against
// a plain position-by-position search).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scanners/common.hpp"
#include "test_random.hpp"

using namespace bounced;

namespace {

char lc(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

scan::MarkerHit naive_find_marker(std::string_view text, const std::vector<std::string_view>& markers, std::size_t from) {
  scan::MarkerHit hit;
  for (std::size_t pos = from; pos < text.size(); ++pos)
    for (std::size_t i = 0; i < markers.size(); ++i) {
      const auto m = markers[i];
      if (m.empty() || m.size() > text.size() - pos) continue;
      std::size_t k = 0;
      while (k < m.size() && lc(text[pos + k]) == lc(m[k])) ++k;
      if (k == m.size()) {
        hit.pos = pos;
        hit.index = i;
        hit.end = pos + m.size();
        return hit;
      }
    }
  return hit;
}

}  // namespace

TEST(ScanCommon, FindMarkerAgreesWithPlainSearch) {
  static constexpr std::string_view kPool[] = {"ab", "Ba", "a-b", "--", "b@", "x", "AAB", "ba b", "@a", "- ", "b\nA"};
  test::TestRandom random(99);
  auto next = [&](std::uint32_t bound) { return random.next(bound); };
  static constexpr char kAlphabet[] = "aAbB@- \nx";
  for (int round = 0; round < 20000; ++round) {
    std::string text(next(70), ' ');
    for (auto& c : text) c = kAlphabet[next(sizeof kAlphabet - 1)];
    std::vector<std::string_view> markers;
    const std::uint32_t count = 1 + next(5);
    for (std::uint32_t i = 0; i < count; ++i) markers.push_back(kPool[next(std::size(kPool))]);
    const std::size_t from = next(static_cast<std::uint32_t>(text.size() + 2));
    const auto got = scan::find_marker(text, markers, from);
    const auto want = naive_find_marker(text, markers, from);
    ASSERT_EQ(got.pos, want.pos) << text;
    if (want.pos != scan::npos) {
      ASSERT_EQ(got.index, want.index) << text;
      ASSERT_EQ(got.end, want.end) << text;
    }
  }
}

TEST(ScanCommon, AnyHeaderHasLooksAtEachValueOnItsOwn) {
  MimePart root;
  root.headers = {{"Received", "from mx.Example.ORG by relay"}, {"Subject", "x"}, {"RECEIVED", "from b.bigfoot.com by c"}};
  ScanInput in{root, {}, {}, {}, nullptr, nullptr};
  EXPECT_TRUE(scan::any_header_has(in, "received", "example.org by"));
  EXPECT_TRUE(scan::any_header_has(in, "Received", ".BIGFOOT.com "));
  EXPECT_FALSE(scan::any_header_has(in, "received", "relay from"));  // not across two fields
  EXPECT_FALSE(scan::any_header_has(in, "received", "zz"));
  EXPECT_TRUE(scan::any_header_has(in, "subject", "x"));  // another name asked afterwards
  EXPECT_FALSE(scan::any_header_has(in, "x-mailer", "a"));
}

TEST(ScanCommon, FindMarkerInBodySkipsOnlyAbsentSharedBeginnings) {
  // Markers sharing a long beginning: the body-wide search skips them when that beginning is
  // absent, and must otherwise find the same earliest marker as a plain search.
  static constexpr std::string_view kPool[] = {
      "----- the following addresses had permanent errors", "----- the following addresses had transient errors",
      "----- the following addresses", "the following", "addresses had", "permanent"};
  static constexpr std::string_view kPieces[] = {"----- the following addresses had ", "permanent errors", "transient errors",
                                                 "The Following ", "x ", "\n", "-----", "addresses had "};
  test::TestRandom random(7);
  auto next = [&](std::uint32_t bound) { return random.next(bound); };
  MimePart root;
  for (int round = 0; round < 5000; ++round) {
    std::string text;
    for (std::uint32_t k = next(8); k > 0; --k) text += kPieces[next(std::size(kPieces))];
    std::vector<std::string_view> markers;
    for (std::uint32_t i = 1 + next(4); i > 0; --i) markers.push_back(kPool[next(std::size(kPool))]);
    ScanInput in{root, {}, {}, text, nullptr, nullptr};
    const auto got = scan::find_marker(in, markers);
    const auto want = naive_find_marker(text, markers, 0);
    ASSERT_EQ(got.pos, want.pos) << text;
    if (want.pos != scan::npos) {
      ASSERT_EQ(got.index, want.index) << text;
    }
  }
}

TEST(ScanCommon, FindSmtpCommandEarliestAnchorWins) {
  EXPECT_EQ(scan::find_smtp_command("host said: 550 user unknown (in reply to RCPT TO command)"), "RCPT");
  EXPECT_EQ(scan::find_smtp_command("refused After End Of Data: 554 spam"), "DATA");
  EXPECT_EQ(scan::find_smtp_command("after initial connection: 421 busy"), "CONN");
  EXPECT_EQ(scan::find_smtp_command("said after MAIL FROM, later in reply to end of data"), "MAIL");
  EXPECT_EQ(scan::find_smtp_command("remote did not like our final DATA"), "DATA");
  EXPECT_EQ(scan::find_smtp_command("did not like our RCPT TO: 550"), "RCPT");
  EXPECT_EQ(scan::find_smtp_command("hereafter nothing; while sending DATA"), "DATA");  // "hereafter" is no anchor
  EXPECT_EQ(scan::find_smtp_command("no anchor at all"), "");
  EXPECT_EQ(scan::find_smtp_command(""), "");
}

TEST(ScanCommon, SplitReportAgreesWithTwoSplits) {
  static constexpr std::string_view kPool[] = {"ab", "ba", "a-b", "--", "b@", "aab", "ba b", "@a", "b\na"};  // lowercase, as tables are
  test::TestRandom random(7);
  auto next = [&](std::uint32_t bound) { return random.next(bound); };
  static constexpr char kAlphabet[] = "aAbB@- \nx";
  for (int round = 0; round < 20000; ++round) {
    std::string text(next(70), ' ');
    for (auto& c : text) c = kAlphabet[next(sizeof kAlphabet - 1)];
    std::vector<std::string_view> end_markers, original_markers;
    for (std::uint32_t i = 0, n = 1 + next(5); i < n; ++i) end_markers.push_back(kPool[next(std::size(kPool))]);
    // Half the rounds take the original markers from the end markers (the nested, one-pass case).
    const bool nested = next(2) == 0;
    for (std::uint32_t i = 0, n = 1 + next(3); i < n; ++i)
      original_markers.push_back(nested ? end_markers[next(static_cast<std::uint32_t>(end_markers.size()))]
                                        : kPool[next(std::size(kPool))]);
    // The text as a piece of the notification (searched through its lowercased copy), and as
    // text from elsewhere (an unquoted copy).
    const MimePart root;
    const ScanInput in{root, {}, {}, "x\n" + text, nullptr, nullptr};
    const std::string elsewhere = text;
    for (const std::string_view piece : {std::string_view(in.body_text).substr(2), std::string_view(elsewhere)}) {
      const auto got = scan::split_report(in, piece, end_markers, original_markers);
      const auto report = scan::split_at_original(piece, end_markers).report;
      const auto original = scan::split_at_original(piece, original_markers).original;
      const auto through_input = scan::split_at_original(in, piece, original_markers).original;
      ASSERT_EQ(through_input.size(), original.size()) << text;
      if (!original.empty()) {
        ASSERT_EQ(through_input.data(), original.data()) << text;
      }
      ASSERT_EQ(got.report.data(), report.data()) << text;
      ASSERT_EQ(got.report.size(), report.size()) << text;
      ASSERT_EQ(got.original.size(), original.size()) << text;
      if (!original.empty()) {
        ASSERT_EQ(got.original.data(), original.data()) << text;
      }
    }
  }
}

TEST(ScanCommon, FindMarkerInBodyOnePassAgreesWithPlainSearch) {
  // Sets of three or more markers take one skipping pass over the text: over a small alphabet
  // (many windows that cannot skip, many near misses) it must find what a plain search finds.
  test::TestRandom random(11);
  auto next = [&](std::uint32_t bound) { return random.next(bound); };
  static constexpr char kAlphabet[] = "ab-\n\xc3";
  auto random_text = [&](std::size_t n) { return random.text(n, {kAlphabet, sizeof kAlphabet - 1}); };
  MimePart root;
  for (int round = 0; round < 5000; ++round) {
    std::vector<std::string> owned;
    for (std::uint32_t i = 3 + next(5); i > 0; --i) owned.push_back(random_text(next(3) == 0 ? 1 + next(8) : 6 + next(25)));
    std::vector<std::string_view> markers(owned.begin(), owned.end());
    std::string text = random_text(next(2) == 0 ? next(300) : next(4000));  // (longer texts: longer windows)
    if (next(2) == 0) text.insert(next(static_cast<std::uint32_t>(text.size() + 1)), owned[next(static_cast<std::uint32_t>(owned.size()))]);
    ScanInput in{root, {}, {}, text, nullptr, nullptr};
    const auto got = scan::find_marker(in, markers);
    const auto want = naive_find_marker(text, markers, 0);
    ASSERT_EQ(got.pos, want.pos) << text;
    if (want.pos != scan::npos) {
      ASSERT_EQ(got.index, want.index) << text;
      ASSERT_EQ(got.end, want.end) << text;
    }
  }
}

TEST(ScanCommon, MatchFixedGivesTheFirstListedPhraseFound) {
  // Tables of three or more phrases are matched in one pass over the text: the entry reported is
  // still the first listed whose phrase occurs anywhere, wherever it stands.
  test::TestRandom random(13);
  auto next = [&](std::uint32_t bound) { return random.next(bound); };
  static constexpr char kAlphabet[] = "ab- ";
  auto random_text = [&](std::size_t n) { return random.text(n, {kAlphabet, sizeof kAlphabet - 1}); };
  for (int round = 0; round < 5000; ++round) {
    std::vector<std::string> phrases;
    for (std::uint32_t i = 1 + next(8); i > 0; --i) phrases.push_back(random_text(next(4) == 0 ? 1 + next(6) : 6 + next(20)));
    std::vector<scan::FixedReason> table;
    for (const auto& p : phrases) table.push_back({p, "reason"});
    std::string text = random_text(next(2) == 0 ? next(200) : next(3000));
    for (std::uint32_t k = next(3); k > 0; --k)
      text.insert(next(static_cast<std::uint32_t>(text.size() + 1)), phrases[next(static_cast<std::uint32_t>(phrases.size()))]);
    const scan::FixedReason* want = nullptr;
    for (const auto& e : table)
      if (!want && text.find(e.phrase) != std::string::npos) want = &e;
    ASSERT_EQ(scan::match_fixed(text, table), want) << text;
  }
}

// ScanInput::header rules absent names out by a set of hashed names: random headers asked about
// random names (any case, present or not, empty) give what the plain walk through the header gives.
TEST(ScanCommon, HeaderLookupMatchesThePlainWalk) {
  static constexpr std::string_view kNames[] = {"Subject", "From", "To", "X-SES-Outgoing", "X-AWS-Outgoing",
                                                "X-Mailer", "Received", "X-AMZ-SNS-Message-Id", "Content-Type",
                                                "X-Gmail-Original-Message-ID", "a", "", "X-Mailer2", "Auto-Submitted"};
  test::TestRandom rng(4711);
  auto random_case = [&](std::string_view name) {
    std::string s(name);
    for (auto& c : s)
      if (rng.next(2) == 0) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : (c >= 'A' && c <= 'Z' ? c + 32 : c));
    return s;
  };
  for (int round = 0; round < 2000; ++round) {
    MimePart root;
    const auto fields = rng.next(12);
    for (std::uint32_t i = 0; i < fields; ++i)
      root.add_header(random_case(kNames[rng.next(std::size(kNames))]), "v" + std::to_string(i));
    ScanInput in{root, {}, {}, {}, nullptr, nullptr};
    for (int q = 0; q < 8; ++q) {
      const std::string name = rng.next(5) == 0 ? test::TestRandom(rng.next(1000)).text(rng.next(20), "aAbB-xX")
                                                : random_case(kNames[rng.next(std::size(kNames))]);
      ASSERT_EQ(in.header(name), root.header(name)) << name;
    }
  }
}

// finish() keeps the distinct recipients in place; the plain rule builds a new list: random lists
// with empty and repeated addresses (any case) give the same recipients, order and merged fields.
TEST(ScanCommon, FinishMatchesThePlainMerge) {
  auto plain = [](std::vector<ScannedRecipient> in) {
    std::vector<ScannedRecipient> unique;
    for (auto& r : in) {
      if (r.recipient.empty()) continue;
      text::fold_space_in_place(r.diagnostic);
      if (r.status.empty()) r.status = text::find_status(r.diagnostic);
      if (r.reply_code.empty()) r.reply_code = scan::leading_reply_code(r.diagnostic);
      auto same = std::find_if(unique.begin(), unique.end(),
                               [&](const ScannedRecipient& u) { return text::iequals(u.recipient, r.recipient); });
      if (same == unique.end()) {
        unique.push_back(std::move(r));
        continue;
      }
      auto fill = [](std::string& to, std::string& from) {
        if (to.empty()) to = std::move(from);
      };
      fill(same->diagnostic, r.diagnostic);
      fill(same->status, r.status);
      fill(same->reply_code, r.reply_code);
      fill(same->action, r.action);
      fill(same->remote_mta, r.remote_mta);
      fill(same->smtp_command, r.smtp_command);
      if (same->reason.empty()) {
        same->reason = std::move(r.reason);
        same->decided_by = std::move(r.decided_by);
      }
    }
    return unique;
  };
  static constexpr std::string_view kAddresses[] = {"", "a@example.org", "A@Example.ORG", "b@example.org",
                                                    "c@example.org"};
  static constexpr std::string_view kDiagnostics[] = {"", "550 5.1.1 user  unknown", "said: 452 4.2.2 full",
                                                      "long diagnostic text that is not in the short buffer"};
  static constexpr std::string_view kFields[] = {"", "x", "failed", "RCPT", "mx.example.org", "userunknown"};
  test::TestRandom rng(99);
  for (int round = 0; round < 5000; ++round) {
    ScanResult result;
    const auto n = rng.next(7);
    for (std::uint32_t i = 0; i < n; ++i) {
      ScannedRecipient r;
      r.recipient = kAddresses[rng.next(std::size(kAddresses))];
      r.diagnostic = kDiagnostics[rng.next(std::size(kDiagnostics))];
      r.status = rng.next(3) == 0 ? "5.2.2" : "";
      r.action = kFields[rng.next(std::size(kFields))];
      r.remote_mta = kFields[rng.next(std::size(kFields))];
      r.smtp_command = kFields[rng.next(std::size(kFields))];
      r.reason = kFields[rng.next(std::size(kFields))];
      r.decided_by = r.reason.empty() ? "" : "scanner:x:" + r.reason;
      result.recipients.push_back(std::move(r));
    }
    const auto want = plain(result.recipients);
    scan::finish(result);
    ASSERT_EQ(result.recipients.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      const auto& g = result.recipients[i];
      const auto& w = want[i];
      ASSERT_EQ(g.recipient, w.recipient);
      ASSERT_EQ(g.diagnostic, w.diagnostic);
      ASSERT_EQ(g.status, w.status);
      ASSERT_EQ(g.reply_code, w.reply_code);
      ASSERT_EQ(g.action, w.action);
      ASSERT_EQ(g.remote_mta, w.remote_mta);
      ASSERT_EQ(g.smtp_command, w.smtp_command);
      ASSERT_EQ(g.reason, w.reason);
      ASSERT_EQ(g.decided_by, w.decided_by);
    }
  }
}
