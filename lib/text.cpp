// text.cpp: see text.hpp.
#include "text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace bounced::text {
namespace {
inline char lc(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

std::string lower(std::string_view s) {
  std::string out(s);
  lower_in_place(out);
  return out;
}

void lower_in_place(std::string& s) {
  char* p = s.data();
  const std::size_t n = s.size();
  std::size_t i = 0;
#if defined(__SSE2__)
  // Sixteen bytes at a time: shifted so that 'A'..'Z' are the 26 smallest signed bytes, a letter
  // gets its 0x20 bit set and every other byte stays as it is.
  const __m128i shift = _mm_set1_epi8(static_cast<char>(0x80 - 'A'));
  const __m128i bound = _mm_set1_epi8(static_cast<char>(0x80 + 26 - 0x100));
  const __m128i bit = _mm_set1_epi8(0x20);
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i upper = _mm_cmplt_epi8(_mm_add_epi8(v, shift), bound);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p + i), _mm_or_si128(v, _mm_and_si128(upper, bit)));
  }
#endif
  for (; i < n; ++i) p[i] = lc(p[i]);
}

bool iequals_n(const char* a, const char* b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (a[i] != b[i] && lc(a[i]) != lc(b[i])) return false;
  return true;
}

std::size_t ifind(std::string_view h, std::string_view n, std::size_t from) {
  if (n.empty()) return from <= h.size() ? from : std::string_view::npos;
  if (h.size() < n.size() || from > h.size() - n.size()) return std::string_view::npos;
  const std::size_t m = n.size();
  const std::size_t last = h.size() - m;  // last possible start
  const char* p = h.data();
  auto rest_matches = [&](std::size_t i) {
    for (std::size_t k = 1; k < m; ++k)
      if (lc(p[i + k]) != lc(n[k])) return false;
    return true;
  };
  std::size_t i = from;
#if defined(__SSE2__)
  // Sixteen start positions at a time: a candidate has the needle's first byte at i and its last
  // byte at i + m - 1 (a letter compared with its 0x20 bit set, which folds case and nothing else).
  const char first = lc(n[0]), final = lc(n[m - 1]);
  const auto fold_bit = [](char c) { return static_cast<char>(c >= 'a' && c <= 'z' ? 0x20 : 0); };
  const __m128i want_first = _mm_set1_epi8(first), want_final = _mm_set1_epi8(final);
  const __m128i fold_first = _mm_set1_epi8(fold_bit(first)), fold_final = _mm_set1_epi8(fold_bit(final));
  // Candidate starts among the sixteen at `start`, those below `skip_below` left out.
  auto block_hits = [&](std::size_t start, std::size_t skip_below) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + start));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + start + m - 1));
    const __m128i hits = _mm_and_si128(_mm_cmpeq_epi8(_mm_or_si128(a, fold_first), want_first),
                                       _mm_cmpeq_epi8(_mm_or_si128(b, fold_final), want_final));
    unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(hits));
    if (skip_below > start) mask &= ~0u << (skip_below - start);
    return mask;
  };
  for (; i + 15 <= last; i += 16) {
    for (unsigned mask = block_hits(i, i); mask != 0; mask &= mask - 1) {
      const std::size_t at = i + static_cast<std::size_t>(__builtin_ctz(mask));
      if (rest_matches(at)) return at;
    }
  }
  // The last few starts: one more block ending at `last` (overlapping the ones before), when the
  // haystack is long enough for it.
  if (i <= last && last >= 15) {
    const std::size_t start = last - 15;
    for (unsigned mask = block_hits(start, i); mask != 0; mask &= mask - 1) {
      const std::size_t at = start + static_cast<std::size_t>(__builtin_ctz(mask));
      if (rest_matches(at)) return at;
    }
    return std::string_view::npos;
  }
#endif
  for (; i <= last; ++i)
    if (lc(p[i]) == lc(n[0]) && rest_matches(i)) return i;
  return std::string_view::npos;
}

std::size_t find_exact(std::string_view h, std::string_view n, std::size_t from) {
  if (from > h.size()) return std::string_view::npos;
  if (n.empty()) return from;
  const void* at = ::memmem(h.data() + from, h.size() - from, n.data(), n.size());
  return at ? static_cast<std::size_t>(static_cast<const char*>(at) - h.data()) : std::string_view::npos;
}

bool contains_before(std::string_view s, std::string_view word, char next) {
  for (auto at = s.find(next, word.size()); at != std::string_view::npos; at = s.find(next, at + 1))
    if (s.substr(at - word.size(), word.size()) == word) return true;
  return false;
}

std::size_t find_either(std::string_view s, char a, char b, std::size_t from) {
  const char* p = s.data();
  const std::size_t n = s.size();
  std::size_t i = from;
#if defined(__SSE2__)
  const __m128i va = _mm_set1_epi8(a), vb = _mm_set1_epi8(b);
  for (; i + 16 <= n; i += 16) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const unsigned mask = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(block, va), _mm_cmpeq_epi8(block, vb))));
    if (mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(mask));
  }
#endif
  for (; i < n; ++i)
    if (p[i] == a || p[i] == b) return i;
  return n;
}

bool is_ascii(std::string_view s) {
  // Any high bit set means a non-ASCII byte: 64 bytes at a time (their high bits gathered in one
  // mask), then eight at a time.
  const char* p = s.data();
  std::size_t n = s.size();
#if defined(__SSE2__)
  for (; n >= 64; p += 64, n -= 64) {
    const auto* v = reinterpret_cast<const __m128i*>(p);
    const __m128i any = _mm_or_si128(_mm_or_si128(_mm_loadu_si128(v), _mm_loadu_si128(v + 1)),
                                     _mm_or_si128(_mm_loadu_si128(v + 2), _mm_loadu_si128(v + 3)));
    if (_mm_movemask_epi8(any) != 0) return false;
  }
#endif
  while (n >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    if (w & 0x8080808080808080ULL) return false;
    p += 8;
    n -= 8;
  }
  for (; n > 0; --n, ++p)
    if (static_cast<unsigned char>(*p) >= 0x80) return false;
  return true;
}

namespace {
// Length of the leading part of `s` that fold_space leaves as it is, minus any spaces it ends
// with: no white space other than single spaces between words, none at the start.
std::size_t folded_prefix(std::string_view s) {
  const char* p = s.data();
  const std::size_t n = s.size();
  if (n == 0 || is_space(p[0])) return 0;
  std::size_t i = 0;
#if defined(__SSE2__)
  // Sixteen bytes at a time: a byte in '\t'..'\r', or a space followed by a space, ends the run.
  const __m128i tab_less = _mm_set1_epi8('\t' - 1), cr_more = _mm_set1_epi8('\r' + 1);
  const __m128i space = _mm_set1_epi8(' ');
  for (; i + 17 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 1));
    const __m128i control = _mm_and_si128(_mm_cmpgt_epi8(v, tab_less), _mm_cmplt_epi8(v, cr_more));
    const __m128i doubled = _mm_and_si128(_mm_cmpeq_epi8(v, space), _mm_cmpeq_epi8(next, space));
    if (const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(control, doubled))); mask != 0) {
      i += static_cast<std::size_t>(__builtin_ctz(mask));
      break;
    }
  }
#endif
  while (i < n && !(is_space(p[i]) && (p[i] != ' ' || i + 1 == n || is_space(p[i + 1])))) ++i;
  while (i > 0 && p[i - 1] == ' ') --i;
  return i;
}
}  // namespace

std::string fold_space(std::string_view s) {
  const std::size_t clean = folded_prefix(s);
  if (clean == s.size()) return std::string(s);
  std::string out;
  out.reserve(s.size());
  out.append(s.data(), clean);  // ends with a word (or is empty)
  const char* p = s.data();
  const std::size_t n = s.size();
  std::size_t i = clean;
  while (i < n) {
    while (i < n && is_space(p[i])) ++i;
    if (i == n) break;
    std::size_t j = i;
    while (j < n && !is_space(p[j])) ++j;
    if (!out.empty()) out.push_back(' ');
    out.append(p + i, j - i);
    i = j;
  }
  return out;
}

void fold_space_in_place(std::string& s) {
  const std::size_t clean = folded_prefix(s);
  if (clean == s.size()) return;
  // Folding only shortens: the words are moved down within the string's own buffer, as
  // fold_space would append them to a new one.
  char* p = s.data();
  const std::size_t n = s.size();
  std::size_t out = clean, i = clean;
  while (i < n) {
    while (i < n && is_space(p[i])) ++i;
    if (i == n) break;
    std::size_t j = i;
    while (j < n && !is_space(p[j])) ++j;
    if (out != 0) p[out++] = ' ';
    std::memmove(p + out, p + i, j - i);
    out += j - i;
    i = j;
  }
  s.resize(out);
}

std::vector<std::string_view> lines(std::string_view s) {
  std::vector<std::string_view> out;
  out.reserve(s.size() / 32 + 1);
  const char* p = s.data();
  const std::size_t n = s.size();
  std::size_t start = 0;
  std::size_t next_cr = 0;  // the first CR at or after `start` (n: none); found again once passed
  bool cr_known = false;
  while (start < n) {
    if (!cr_known || next_cr < start) {
      const void* cr = std::memchr(p + start, '\r', n - start);
      next_cr = cr ? static_cast<std::size_t>(static_cast<const char*>(cr) - p) : n;
      cr_known = true;
    }
    const void* lf = std::memchr(p + start, '\n', std::min(next_cr, n) - start);
    const std::size_t i = lf ? static_cast<std::size_t>(static_cast<const char*>(lf) - p) : next_cr;
    if (i >= n) {
      out.push_back(s.substr(start));
      break;
    }
    out.push_back(s.substr(start, i - start));
    start = i + 1;
    if (p[i] == '\r' && start < n && p[start] == '\n') ++start;
  }
  return out;
}

std::string normalize_newlines(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    // Copy up to the next CR in one go.
    const void* cr = std::memchr(s.data() + i, '\r', s.size() - i);
    const std::size_t at = cr ? static_cast<std::size_t>(static_cast<const char*>(cr) - s.data()) : s.size();
    out.append(s.data() + i, at - i);
    if (at == s.size()) break;
    out.push_back('\n');
    i = at + 1;
    if (i < s.size() && s[i] == '\n') ++i;
  }
  return out;
}

void normalize_newlines_in_place(std::string& s) {
  if (s.find('\r') == std::string::npos) return;
  s = normalize_newlines(s);
}

namespace {
// Bytes an address never holds: white space and the delimiters around or between addresses.
struct AddressStops {
  bool stop[256] = {};
  constexpr AddressStops() {
    for (const unsigned char c : {' ', '\t', '\r', '\n', '\f', '\v', '<', '>', ',', '(', ')', ';'}) stop[c] = true;
  }
};
constexpr AddressStops kAddressStops;

// Bytes that end the token around an '@' in find_address: white space and the punctuation that
// encloses or separates addresses.
struct TokenStops {
  bool stop[256] = {};
  constexpr TokenStops() {
    for (const unsigned char c : {' ', '\t', '\r', '\n', '\f', '\v', '<', '>', ',', ';', '(', ')', '"', '\'', '[',
                                  ']', ':', '`'})
      stop[c] = true;
  }
};
constexpr TokenStops kTokenStops;
}  // namespace

bool is_address(std::string_view s) {
  if (s.size() < 3 || s.size() > 320) return false;
  // One pass: no stop byte anywhere, and where the last '@' is.
  std::size_t at = std::string_view::npos;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (kAddressStops.stop[static_cast<unsigned char>(c)]) return false;
    if (c == '@') at = i;
  }
  if (at == std::string_view::npos || at == 0 || at + 1 >= s.size()) return false;
  const auto domain = s.substr(at + 1);
  if (domain.front() == '.' || domain.back() == '.') return false;
  return true;
}

std::string find_address(std::string_view s) {
  // 1. <local@domain>
  for (std::size_t lt = s.find('<'); lt != std::string_view::npos; lt = s.find('<', lt + 1)) {
    const auto gt = s.find('>', lt + 1);
    if (gt == std::string_view::npos) break;
    auto inner = trim(s.substr(lt + 1, gt - lt - 1));
    if (!inner.empty() && (inner.front() == '"' || inner.front() == '\'')) inner.remove_prefix(1);
    if (!inner.empty() && (inner.back() == '"' || inner.back() == '\'')) inner.remove_suffix(1);
    if (inner.size() > 7 && istarts_with(inner, "mailto:")) inner.remove_prefix(7);
    if (is_address(inner)) return std::string(inner);
  }
  // 2. a bare token with '@'
  for (std::size_t at = s.find('@'); at != std::string_view::npos; at = s.find('@', at + 1)) {
    std::size_t b = at, e = at + 1;
    auto token_char = [](char c) { return !kTokenStops.stop[static_cast<unsigned char>(c)]; };
    while (b > 0 && token_char(s[b - 1])) --b;
    while (e < s.size() && token_char(s[e])) ++e;
    auto token = s.substr(b, e - b);
    while (!token.empty() && (token.back() == '.' || token.back() == '\\')) token.remove_suffix(1);
    if (token.size() > 7 && istarts_with(token, "mailto:")) token.remove_prefix(7);
    if (is_address(token)) return std::string(token);
  }
  return {};
}

std::string find_status(std::string_view s) {
  // Every code has a '.' right after its first digit: only the bytes before dots are candidates,
  // found with memchr in increasing order.
  for (std::size_t dot = s.find('.', 1); dot != std::string_view::npos; dot = s.find('.', dot + 1)) {
    const std::size_t i = dot - 1;
    if (i + 5 > s.size()) break;
    const char c = s[i];
    if (c != '2' && c != '4' && c != '5') continue;
    if (i > 0 && (is_digit(s[i - 1]) || s[i - 1] == '.')) continue;
    if (s[i + 1] != '.') continue;
    std::size_t j = i + 2, d1 = 0;
    while (j < s.size() && is_digit(s[j]) && d1 < 4) ++j, ++d1;
    if (d1 == 0 || d1 > 3 || j >= s.size() || s[j] != '.') continue;
    std::size_t k = j + 1, d2 = 0;
    while (k < s.size() && is_digit(s[k]) && d2 < 4) ++k, ++d2;
    if (d2 == 0 || d2 > 3) continue;
    if (k < s.size() && (is_digit(s[k]) || (s[k] == '.' && k + 1 < s.size() && is_digit(s[k + 1]))))
      continue;  // IP address or longer dotted number
    return std::string(s.substr(i, k - i));
  }
  return {};
}

std::string find_reply_code(std::string_view s) {
  for (std::size_t i = 0; i + 3 <= s.size(); ++i) {
    const char c = s[i];
    if (c != '2' && c != '4' && c != '5') continue;
    if (i > 0 && (is_digit(s[i - 1]) || s[i - 1] == '.' || s[i - 1] == '-' || s[i - 1] == ':' ||
                  std::isalpha(static_cast<unsigned char>(s[i - 1]))))
      continue;
    if (!is_digit(s[i + 1]) || !is_digit(s[i + 2])) continue;
    const std::size_t e = i + 3;
    if (e < s.size() && s[e] != ' ' && s[e] != '-' && s[e] != '\t' && s[e] != '\n' && s[e] != '\r' &&
        s[e] != ')' && s[e] != ']' && s[e] != ',' && s[e] != '"')
      continue;
    const int second = s[i + 1] - '0';
    if (second > 5) continue;  // reply codes have 0-5 as second digit
    return std::string(s.substr(i, 3));
  }
  return {};
}

}  // namespace bounced::text
