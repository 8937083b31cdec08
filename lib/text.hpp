// text.hpp: small string helpers shared by every stage (ASCII-only case folding: bounce texts are
// matched on their ASCII keywords; non-ASCII bytes pass through untouched).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace bounced::text {

std::string lower(std::string_view s);
void lower_in_place(std::string& s);  // same, without a copy
// White space (space, tab, CR, LF, FF, VT) removed from both ends. Inline: called for nearly
// every line and field.
inline std::string_view trim(std::string_view s) {
  // (Tab, LF, VT, FF and CR are the bytes 9 to 13: one subtraction and one comparison.)
  auto space = [](char c) { return c == ' ' || static_cast<unsigned char>(c - '\t') <= '\r' - '\t'; };
  std::size_t b = 0, e = s.size();
  while (b < e && space(s[b])) ++b;
  while (e > b && space(s[e - 1])) --e;
  return s.substr(b, e - b);
}
// ASCII case-insensitive equality of n bytes.
bool iequals_n(const char* a, const char* b, std::size_t n);
// ASCII letters lowered, every other byte as it is.
constexpr char lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
// Inline so the usual answers, different lengths or different first bytes, cost no call.
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return lower_ascii(a[0]) == lower_ascii(b[0]) && iequals_n(a.data() + 1, b.data() + 1, a.size() - 1);
}
inline bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}
// Case-insensitive search; returns npos when absent. `needle` should be lowercase for speed.
std::size_t ifind(std::string_view haystack, std::string_view needle, std::size_t from = 0);
inline bool icontains(std::string_view haystack, std::string_view needle) {
  return ifind(haystack, needle) != std::string_view::npos;
}
// Case-sensitive search with glibc's memmem (std::string_view::find calls memchr and memcmp at
// every occurrence of the needle's first byte); npos when absent.
std::size_t find_exact(std::string_view haystack, std::string_view needle, std::size_t from = 0);
// Does `s` hold `word` followed by the byte `next` (s.find(word + next) != npos)? Searched by
// `next` (memchr), for a `next` rarer in the text than the word's first byte.
bool contains_before(std::string_view s, std::string_view word, char next);
// Offset of the first byte equal to `a` or `b` in s at or after `from`, or s.size() (sixteen
// bytes at a time).
std::size_t find_either(std::string_view s, char a, char b, std::size_t from = 0);
// Offset of the first CR or LF in s at or after `from`, or s.size().
inline std::size_t find_line_break(std::string_view s, std::size_t from = 0) { return find_either(s, '\n', '\r', from); }
// True when no byte is above 0x7f.
bool is_ascii(std::string_view s);
// Collapses runs of white space (including CR/LF) into one space and trims.
std::string fold_space(std::string_view s);
void fold_space_in_place(std::string& s);  // same, without a copy when there is nothing to fold
// Splits into lines on LF, CRLF or CR; line ends removed.
std::vector<std::string_view> lines(std::string_view s);
// Normalises CRLF and lone CR to LF.
std::string normalize_newlines(std::string_view s);
void normalize_newlines_in_place(std::string& s);  // same, without a copy when there is no CR

// An e-mail address in `s`: the first <...> that holds an '@', else the first token with an '@'
// (quotes, brackets, trailing punctuation removed). Lowercases nothing. "" if none.
std::string find_address(std::string_view s);
// True if `s` looks like local@domain (no spaces, one '@' not at either end, a dot or bracket in
// the domain, or "localhost"-style single label).
bool is_address(std::string_view s);

// First RFC 3463 enhanced status code ("5.1.1", "4.7.26") in `s` whose class is 2, 4 or 5, with
// word boundaries (not part of an IP address or version number). "" if none.
std::string find_status(std::string_view s);
// First SMTP reply code at the start of `s` or after "said:" / ";" / "(" ... : a 3-digit number with
// first digit 2, 4 or 5 followed by space, '-' or end, not part of a longer number or a dotted code.
std::string find_reply_code(std::string_view s);

}  // namespace bounced::text
