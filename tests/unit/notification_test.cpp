// notification_test.cpp: make_scan_input, the notification's text as the scanners read it.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "decode.hpp"
#include "notification.hpp"
#include "test_random.hpp"
#include "text.hpp"

using namespace bounced;

namespace {

// html_to_text as it was written before its runs of plain text were found sixteen bytes at a
// time (kept as the plain rule).
std::string plain_html_to_text(std::string_view html) {
  std::string out;
  out.reserve(html.size());
  bool in_tag = false;
  const std::size_t n = html.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (in_tag) {  // skip to the tag's end
      const std::size_t gt = html.find('>', i);
      if (gt == std::string_view::npos) break;
      in_tag = false;
      i = gt;
      continue;
    }
    // Text up to the next '<' or '&' is copied as it is.
    std::size_t run = i;
    while (run < n && html[run] != '<' && html[run] != '&') ++run;
    out.append(html.substr(i, run - i));
    if (run == n) break;
    i = run;
    const char c = html[i];
    if (c == '<') {
      in_tag = true;
      // Block-level breaks become new lines so line-based scanners still work.
      const char next = i + 1 < n ? static_cast<char>(html[i + 1] | 0x20) : '\0';  // every tag below: <b <p </ <d
      if ((next == 'b' || next == 'p' || next == '/' || next == 'd') &&
          (text::istarts_with(html.substr(i), "<br") || text::istarts_with(html.substr(i), "<p") ||
           text::istarts_with(html.substr(i), "</p") || text::istarts_with(html.substr(i), "<div") ||
           text::istarts_with(html.substr(i), "</tr") || text::istarts_with(html.substr(i), "</td")))
        out.push_back('\n');
      continue;
    }
    if (c == '&') {
      static constexpr std::pair<std::string_view, char> kEntities[] = {
          {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&nbsp;", ' '}, {"&#39;", '\''}};
      bool done = false;
      for (const auto& [name, ch] : kEntities)
        if (text::istarts_with(html.substr(i), name)) {
          out.push_back(ch);
          i += name.size() - 1;
          done = true;
          break;
        }
      if (done) continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

TEST(Notification, HtmlOnlyMessageGivesItsTextWithoutTags) {
  MimePart root;
  root.media_type = "text/html";
  root.body = "<html><body><p>Delivery has failed to:<br>bob@example.org</p>&lt;x&gt; &amp; done</body></html>";
  const ScanInput in = make_scan_input(root);
  EXPECT_EQ(in.body_text, "\nDelivery has failed to:\nbob@example.org\n<x> & done");
}

// Random HTML (tags, entities, unterminated tags, long runs of text across the sixteen-byte
// blocks) read through make_scan_input gives what the plain byte-by-byte reader gives.
TEST(Notification, HtmlTextMatchesThePlainReader) {
  static constexpr std::string_view kPieces[] = {"<br>", "<P class=x>", "</p>", "<div>", "</TR>", "</td>", "<b>",
                                                 "&lt;", "&gt;", "&amp;", "&quot;", "&nbsp;", "&#39;", "&", "<",
                                                 ">", "&unknown;", "</span", "\r\n", "\n"};
  test::TestRandom rng(1234);
  for (int round = 0; round < 3000; ++round) {
    std::string html;
    const auto pieces = rng.next(16);
    for (std::uint32_t i = 0; i < pieces; ++i) {
      if (rng.next(2) == 0)
        html += kPieces[rng.next(std::size(kPieces))];
      else
        html += rng.text(rng.next(40), "abcdefghij XYZ.:;0123");
    }
    MimePart root;
    root.media_type = "text/html";
    root.body = html;
    const ScanInput in = make_scan_input(root);
    std::string want = plain_html_to_text(html);
    text::normalize_newlines_in_place(want);
    ASSERT_EQ(in.body_text, want) << html;
  }
}

// header_text copies plain ASCII without an encoded word as it is; the plain rule is
// decode_encoded_words on every value.
TEST(Notification, HeaderTextAgreesWithDecodeEncodedWords) {
  static constexpr std::string_view kPieces[] = {
      "plain", " ", "\t", "=?", "?=", "=?UTF-8?B?w6k=?=", "=?iso-8859-1?Q?caf=E9?=", "=?utf-8?q?a_b?=", "\xc3\xa9",
      "\xff", "\x80", "<id@example.org>", "a=b", "?", "=", "=?bogus", "\r\n", std::string_view("\0", 1), "\x7f"};
  bounced::test::TestRandom rng(6060);
  std::string reused = "left over from before";
  for (int round = 0; round < 20000; ++round) {
    std::string v;
    for (std::uint32_t i = 0, n = rng.next(6); i < n; ++i) v += kPieces[rng.next(std::size(kPieces))];
    const std::string want = decode_encoded_words(v);
    ASSERT_EQ(header_text(v), want) << v;
    assign_header_text(reused, v);
    ASSERT_EQ(reused, want) << v;
  }
}
