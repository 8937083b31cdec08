// text_test.cpp: lib/text helpers.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "text.hpp"

using namespace bounced;

TEST(Text, FindAddress) {
  EXPECT_EQ(text::find_address("rfc822; <User@Example.COM>"), "User@Example.COM");
  EXPECT_EQ(text::find_address("<kijitora@example.jp>: host mx said"), "kijitora@example.jp");
  EXPECT_EQ(text::find_address("  neko@example.org."), "neko@example.org");
  EXPECT_EQ(text::find_address("no address here"), "");
}

TEST(Text, FindStatus) {
  EXPECT_EQ(text::find_status("550 5.1.1 <x@y>: Recipient address rejected"), "5.1.1");
  EXPECT_EQ(text::find_status("host 192.0.2.1 said: 451 4.7.26 spf"), "4.7.26");
  EXPECT_EQ(text::find_status("version 1.2.3 only"), "");
  EXPECT_EQ(text::find_status("5.1.1"), "5.1.1");
  EXPECT_EQ(text::find_status("5.1.10 x"), "5.1.10");
  EXPECT_EQ(text::find_status(".5.1.1 4.2.2"), "4.2.2");
  EXPECT_EQ(text::find_status("10.5.1.1 or 5.1.1.1 or 5.1.1.x"), "5.1.1");
  EXPECT_EQ(text::find_status("x5.2.2 (y)"), "5.2.2");
  EXPECT_EQ(text::find_status("5.1234.1 5.7."), "");
  EXPECT_EQ(text::find_status("...."), "");
  EXPECT_EQ(text::find_status(""), "");
}

TEST(Text, FindReplyCode) {
  EXPECT_EQ(text::find_reply_code("550 5.1.1 unknown"), "550");
  EXPECT_EQ(text::find_reply_code("said: 452-4.2.2 full"), "452");
  EXPECT_EQ(text::find_reply_code("5.1.1 unknown"), "");
}

TEST(Text, Lines) {
  auto l = text::lines("a\r\nb\nc\rd");
  ASSERT_EQ(l.size(), 4u);
  EXPECT_EQ(l[3], "d");
}

// The fast paths (SIMD candidate search, memchr line splitting, run copies) against plain
// byte-by-byte versions, over random texts from a small alphabet that makes near-misses common.
namespace {

char naive_lc(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
bool naive_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

std::size_t naive_ifind(std::string_view h, std::string_view n, std::size_t from) {
  if (n.empty()) return from <= h.size() ? from : std::string_view::npos;
  for (std::size_t i = from; i + n.size() <= h.size(); ++i) {
    std::size_t k = 0;
    while (k < n.size() && naive_lc(h[i + k]) == naive_lc(n[k])) ++k;
    if (k == n.size()) return i;
  }
  return std::string_view::npos;
}

std::vector<std::string_view> naive_lines(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i] == '\n' || s[i] == '\r') {
      out.push_back(s.substr(start, i - start));
      if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      start = i + 1;
    }
  if (start < s.size()) out.push_back(s.substr(start));
  return out;
}

std::string naive_fold(std::string_view s) {
  std::string out;
  bool pending = false;
  for (char c : s) {
    if (naive_space(c)) {
      pending = !out.empty();
      continue;
    }
    if (pending) out.push_back(' ');
    pending = false;
    out.push_back(c);
  }
  return out;
}

struct Rng {
  std::uint32_t state = 12345;
  std::uint32_t next() { return state = state * 1664525u + 1013904223u; }
};

std::string random_text(Rng& rng, std::size_t max_len) {
  static constexpr char kAlphabet[] = "aAbB@`{[ \t\r\n-5.\xc3\xa9";
  std::string s(rng.next() % (max_len + 1), ' ');
  for (auto& c : s) c = kAlphabet[(rng.next() >> 8) % (sizeof kAlphabet - 1)];
  return s;
}

}  // namespace

TEST(Text, FastPathsAgreeWithPlainVersions) {
  Rng rng;
  for (int round = 0; round < 20000; ++round) {
    const std::string h = random_text(rng, 80);
    const std::string n = random_text(rng, 4);
    const std::size_t from = h.empty() ? 0 : rng.next() % (h.size() + 2);
    ASSERT_EQ(text::ifind(h, n, from), naive_ifind(h, n, from)) << "haystack '" << h << "' needle '" << n << "'";
    ASSERT_EQ(text::lines(h), naive_lines(h)) << h;
    const std::size_t start = h.empty() ? 0 : rng.next() % h.size();
    const std::size_t brk = h.find_first_of("\r\n", start);
    ASSERT_EQ(text::find_line_break(h, start), brk == std::string::npos ? h.size() : brk) << h;
    ASSERT_EQ(text::fold_space(h), naive_fold(h)) << h;
    std::string folded = h;  // (folded within its own buffer)
    text::fold_space_in_place(folded);
    ASSERT_EQ(folded, naive_fold(h)) << h;
    std::string lowered = h;
    for (auto& c : lowered) c = naive_lc(c);
    ASSERT_EQ(text::lower(h), lowered);
    std::string in_place = h;
    text::lower_in_place(in_place);
    ASSERT_EQ(in_place, lowered);
    ASSERT_EQ(text::is_ascii(h), h.find_first_of("\xc3\xa9") == std::string::npos);
    std::string normalized;
    for (std::size_t i = 0; i < h.size(); ++i) {
      if (h[i] != '\r') {
        normalized.push_back(h[i]);
        continue;
      }
      normalized.push_back('\n');
      if (i + 1 < h.size() && h[i + 1] == '\n') ++i;
    }
    ASSERT_EQ(text::normalize_newlines(h), normalized);
  }
}

TEST(Text, IfindLongHaystacks) {
  std::string h(1000, 'x');
  h.replace(997, 3, "ABC");
  EXPECT_EQ(text::ifind(h, "abc"), 997u);
  EXPECT_EQ(text::ifind(h, "xabc"), 996u);
  EXPECT_EQ(text::ifind(h, "abcx"), std::string::npos);
  EXPECT_EQ(text::ifind(h, "x", 999), std::string::npos);
  EXPECT_EQ(text::ifind(h, "c", 999), 999u);
}

TEST(Text, FoldSpaceAndLowerLongCleanRuns) {
  // Mostly letters and single spaces, so the sixteen-byte fast paths run long before meeting the
  // one tab, double space or line break (if any) placed somewhere in the text.
  Rng rng;
  static constexpr char kWords[] = "abcdeXYZ 5.";
  static constexpr const char* kBreaks[] = {"\t", "  ", "\r\n", "\n", " ", "\v", "   "};
  for (int round = 0; round < 5000; ++round) {
    std::string h(rng.next() % 100, 'a');
    for (auto& c : h) c = kWords[(rng.next() >> 8) % (sizeof kWords - 1)];
    if (rng.next() % 4 != 0 && !h.empty()) h.insert(rng.next() % h.size(), kBreaks[rng.next() % 7]);
    ASSERT_EQ(text::fold_space(h), naive_fold(h)) << "'" << h << "'";
    std::string folded = h;
    text::fold_space_in_place(folded);
    ASSERT_EQ(folded, naive_fold(h)) << "'" << h << "'";
    std::string lowered = h;
    for (auto& c : lowered) c = naive_lc(c);
    ASSERT_EQ(text::lower(h), lowered);
  }
}

TEST(Text, IsAsciiFindsOneHighByteAnywhere) {
  // Lengths across the 64-byte and 8-byte steps, one 8-bit byte at every position (or none).
  for (std::size_t n = 0; n <= 200; ++n) {
    const std::string clean(n, 'a');
    ASSERT_TRUE(text::is_ascii(clean)) << n;
    for (std::size_t at = 0; at < n; ++at) {
      std::string s = clean;
      s[at] = static_cast<char>(0x80 | (at & 0x7f));
      ASSERT_FALSE(text::is_ascii(s)) << n << " " << at;
    }
  }
}

// iequals / istarts_with against the byte rule, on pairs that differ by case, by one byte, or by
// bytes next to 'A'..'Z' and in the high half ('@', '[', '`', '{', 0xc1, 0xda: 'A' and 'Z' with
// the high bit set).
TEST(Text, IequalsAgreesWithTheByteRule) {
  Rng rng;
  static constexpr char kBytes[] = "aAzZmM@[`{09 -\xc1\xda\xe1\xfa\x80\xff";
  auto byte_rule = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (naive_lc(a[i]) != naive_lc(b[i])) return false;
    return true;
  };
  for (int round = 0; round < 50000; ++round) {
    std::string a(rng.next() % 40, 'a');
    for (auto& c : a) c = kBytes[(rng.next() >> 8) % (sizeof kBytes - 1)];
    std::string b = a;
    for (auto& c : b)  // the same text in another case, mostly
      if (rng.next() % 2) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    if (!b.empty() && rng.next() % 3 == 0) b[rng.next() % b.size()] = kBytes[(rng.next() >> 8) % (sizeof kBytes - 1)];
    ASSERT_EQ(text::iequals(a, b), byte_rule(a, b)) << "'" << a << "' '" << b << "'";
    ASSERT_EQ(text::istarts_with(a, b.substr(0, b.size() / 2)), byte_rule(a.substr(0, b.size() / 2), b.substr(0, b.size() / 2)));
  }
}

TEST(Text, TrimAgreesWithTheCharacterRule) {
  Rng rng;
  static constexpr char kBytes[] = " \t\r\n\f\v\x08\x0e\x1f!a\xa0\x85";
  for (int round = 0; round < 20000; ++round) {
    std::string s(rng.next() % 12, ' ');
    for (auto& c : s) c = kBytes[(rng.next() >> 8) % (sizeof kBytes - 1)];
    std::size_t b = 0, e = s.size();
    while (b < e && naive_space(s[b])) ++b;
    while (e > b && naive_space(s[e - 1])) --e;
    ASSERT_EQ(text::trim(s), std::string_view(s).substr(b, e - b)) << "'" << s << "'";
  }
}

namespace {
// The address rules as first written (rfind, then a walk for stop bytes; the token around '@'
// bounded by a chain of comparisons): the plain versions of is_address and find_address.
bool plain_is_address(std::string_view s) {
  if (s.size() < 3 || s.size() > 320) return false;
  const auto at = s.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= s.size()) return false;
  for (char c : s)
    if (naive_space(c) || c == '<' || c == '>' || c == ',' || c == '(' || c == ')' || c == ';') return false;
  const auto domain = s.substr(at + 1);
  return domain.front() != '.' && domain.back() != '.';
}
std::string plain_find_address(std::string_view s) {
  for (std::size_t lt = s.find('<'); lt != std::string_view::npos; lt = s.find('<', lt + 1)) {
    const auto gt = s.find('>', lt + 1);
    if (gt == std::string_view::npos) break;
    auto inner = text::trim(s.substr(lt + 1, gt - lt - 1));
    if (!inner.empty() && (inner.front() == '"' || inner.front() == '\'')) inner.remove_prefix(1);
    if (!inner.empty() && (inner.back() == '"' || inner.back() == '\'')) inner.remove_suffix(1);
    if (inner.size() > 7 && text::istarts_with(inner, "mailto:")) inner.remove_prefix(7);
    if (plain_is_address(inner)) return std::string(inner);
  }
  for (std::size_t at = s.find('@'); at != std::string_view::npos; at = s.find('@', at + 1)) {
    std::size_t b = at, e = at + 1;
    auto token_char = [](char c) {
      return !(naive_space(c) || c == '<' || c == '>' || c == ',' || c == ';' || c == '(' || c == ')' || c == '"' ||
               c == '\'' || c == '[' || c == ']' || c == ':' || c == '`');
    };
    while (b > 0 && token_char(s[b - 1])) --b;
    while (e < s.size() && token_char(s[e])) ++e;
    auto token = s.substr(b, e - b);
    while (!token.empty() && (token.back() == '.' || token.back() == '\\')) token.remove_suffix(1);
    if (token.size() > 7 && text::istarts_with(token, "mailto:")) token.remove_prefix(7);
    if (plain_is_address(token)) return std::string(token);
  }
  return {};
}
}  // namespace

TEST(Text, AddressesAgreeWithThePlainRules) {
  Rng rng;
  static constexpr const char* kPieces[] = {"user", "@", "example.org", ".", "<", ">", " ", "\t", "\"", "'",
                                            "mailto:", ",", ";", "(", ")", "[", "]", ":", "`", "\\", "a@b",
                                            "x.y@z.example", "\xc3\xa9", "\x0b", "@@", "\r\n"};
  for (int round = 0; round < 30000; ++round) {
    std::string s;
    for (std::uint32_t i = 0, n = rng.next() % 10; i < n; ++i) s += kPieces[(rng.next() >> 8) % std::size(kPieces)];
    ASSERT_EQ(text::is_address(s), plain_is_address(s)) << "'" << s << "'";
    ASSERT_EQ(text::find_address(s), plain_find_address(s)) << "'" << s << "'";
  }
}

TEST(Text, ContainsBeforeAgreesWithFind) {
  Rng rng;
  static constexpr const char* kPieces[] = {"550", "55", "0", "-", "5", " ", "550-", "-550", "x", "--", "450"};
  static constexpr const char* kWords[] = {"550", "", "5", "50-", "450"};
  for (int round = 0; round < 30000; ++round) {
    std::string s;
    for (std::uint32_t i = 0, n = rng.next() % 8; i < n; ++i) s += kPieces[(rng.next() >> 8) % std::size(kPieces)];
    const std::string word = kWords[(rng.next() >> 8) % std::size(kWords)];
    const char next = rng.next() % 4 ? '-' : ' ';
    ASSERT_EQ(text::contains_before(s, word, next), s.find(word + next) != std::string::npos)
        << "'" << s << "' '" << word << "'";
  }
}
