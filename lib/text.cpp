// text.cpp: see text.hpp.
#include "text.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace bounced::text {
namespace {
inline char lc(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = lc(c);
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lc(a[i]) != lc(b[i])) return false;
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::size_t ifind(std::string_view h, std::string_view n, std::size_t from) {
  if (n.empty()) return from <= h.size() ? from : std::string_view::npos;
  if (h.size() < n.size() || from > h.size() - n.size()) return std::string_view::npos;
  const char first = lc(n[0]);
  const char first_up = (first >= 'a' && first <= 'z') ? static_cast<char>(first - 32) : first;
  for (std::size_t i = from; i + n.size() <= h.size(); ++i) {
    // Jump to the next candidate first character with memchr-speed scans of both cases.
    const char c = h[i];
    if (c != first && c != first_up) continue;
    std::size_t k = 1;
    while (k < n.size() && lc(h[i + k]) == lc(n[k])) ++k;
    if (k == n.size()) return i;
  }
  return std::string_view::npos;
}

std::string fold_space(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending = false;
  for (char c : s) {
    if (is_space(c)) {
      pending = !out.empty();
      continue;
    }
    if (pending) out.push_back(' ');
    pending = false;
    out.push_back(c);
  }
  return out;
}

std::vector<std::string_view> lines(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' || s[i] == '\r') {
      out.push_back(s.substr(start, i - start));
      if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      start = i + 1;
    }
  }
  if (start < s.size()) out.push_back(s.substr(start));
  return out;
}

std::string normalize_newlines(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool is_address(std::string_view s) {
  if (s.size() < 3 || s.size() > 320) return false;
  const auto at = s.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= s.size()) return false;
  for (char c : s)
    if (is_space(c) || c == '<' || c == '>' || c == ',' || c == '(' || c == ')' || c == ';') return false;
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
    auto token_char = [](char c) {
      return !(is_space(c) || c == '<' || c == '>' || c == ',' || c == ';' || c == '(' || c == ')' ||
               c == '"' || c == '\'' || c == '[' || c == ']' || c == ':' || c == '`');
    };
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
  for (std::size_t i = 0; i + 5 <= s.size(); ++i) {
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
