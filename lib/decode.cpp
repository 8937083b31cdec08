// decode.cpp: base64, quoted-printable, RFC 2047 encoded words and charset conversion to UTF-8.
// All total and linear: bad input degrades (skipped or kept literally, U+FFFD), never throws.
#include "decode.hpp"

#include <iconv.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>

#include "text.hpp"

namespace bounced {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// base64 alphabet value, or -1.
constexpr std::array<std::int8_t, 256> make_base64_table() {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
  return t;
}
constexpr auto kBase64 = make_base64_table();

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_ascii(std::string_view s) { return text::is_ascii(s); }

// Length of the valid UTF-8 sequence at s[i], or 0 if invalid (overlongs, surrogates and code
// points above U+10FFFF are invalid).
[[gnu::always_inline]] inline std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  const std::size_t left = s.size() - i;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return left >= 2 && (b(i + 1) & 0xC0) == 0x80 ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (left < 3 || (b(i + 1) & 0xC0) != 0x80 || (b(i + 2) & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && b(i + 1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(i + 1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (left < 4 || (b(i + 1) & 0xC0) != 0x80 || (b(i + 2) & 0xC0) != 0x80 || (b(i + 3) & 0xC0) != 0x80)
      return 0;
    if (c == 0xF0 && b(i + 1) < 0x90) return 0;  // overlong
    if (c == 0xF4 && b(i + 1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

// The end of the run of 7-bit bytes at s[i] (eight bytes at a time, then one at a time).
std::size_t skip_ascii(std::string_view s, std::size_t i) {
  const char* p = s.data();
  const std::size_t n = s.size();
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (w & 0x8080808080808080ull) break;
  }
  while (i < n && static_cast<unsigned char>(p[i]) < 0x80) ++i;
  return i;
}

bool is_valid_utf8(std::string_view s) {
  if (text::is_ascii(s)) return true;
  std::size_t i = 0;
  while ((i = skip_ascii(s, i)) < s.size()) {
    const std::size_t len = utf8_sequence_length(s, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

// 7-bit bytes as they are, each 8-bit byte as U+FFFD.
std::string ascii_or_replacement(std::string_view bytes) {
  if (text::is_ascii(bytes)) return std::string(bytes);
  std::string out;
  out.reserve(bytes.size() + 32);
  for (char c : bytes) {
    if (static_cast<unsigned char>(c) < 0x80)
      out.push_back(c);
    else
      out += kReplacement;
  }
  return out;
}

// Charset labels, lowercase, mapped to the iconv name that decodes them best (supersets where
// senders commonly mislabel: Windows code pages for their ISO/JIS counterparts).
constexpr std::pair<std::string_view, std::string_view> kCharsetAliases[] = {
    {"shift_jis", "CP932"},      {"shift-jis", "CP932"},      {"sjis", "CP932"},
    {"x-sjis", "CP932"},         {"ms_kanji", "CP932"},       {"csshiftjis", "CP932"},
    {"windows-31j", "CP932"},    {"cp932", "CP932"},          {"x-ms-cp932", "CP932"},
    {"iso-2022-jp", "ISO-2022-JP-2"}, {"csiso2022jp", "ISO-2022-JP-2"}, {"iso-2022-jp-2", "ISO-2022-JP-2"},
    {"iso-2022-jp-3", "ISO-2022-JP-3"},
    {"euc-jp", "EUC-JP-MS"},     {"eucjp", "EUC-JP-MS"},      {"x-euc-jp", "EUC-JP-MS"},
    {"cseucpkdfmtjapanese", "EUC-JP-MS"},
    {"gb2312", "GB18030"},       {"gbk", "GB18030"},          {"x-gbk", "GB18030"},
    {"cp936", "GB18030"},        {"gb18030", "GB18030"},      {"euc-cn", "GB18030"},
    {"csgb2312", "GB18030"},     {"x-euc-cn", "GB18030"},     {"chinese", "GB18030"},
    {"big5", "BIG5-HKSCS"},      {"big5-hkscs", "BIG5-HKSCS"}, {"x-big5", "BIG5-HKSCS"},
    {"cn-big5", "BIG5-HKSCS"},   {"cp950", "CP950"},
    {"euc-kr", "CP949"},         {"ks_c_5601-1987", "CP949"}, {"ks_c_5601", "CP949"},
    {"cp949", "CP949"},          {"x-windows-949", "CP949"},  {"ksc5601", "CP949"},
    {"iso-2022-kr", "ISO-2022-KR"},
    // Latin-1 and ASCII labels are decoded as windows-1252 (its superset), as browsers do.
    {"iso-8859-1", "WINDOWS-1252"}, {"iso8859-1", "WINDOWS-1252"}, {"iso_8859-1", "WINDOWS-1252"},
    {"latin1", "WINDOWS-1252"},  {"l1", "WINDOWS-1252"},      {"cp819", "WINDOWS-1252"},
    {"us-ascii", "WINDOWS-1252"}, {"ascii", "WINDOWS-1252"},  {"ansi_x3.4-1968", "WINDOWS-1252"},
    {"iso-8859-9", "WINDOWS-1254"}, {"latin5", "WINDOWS-1254"},
    {"koi8-r", "KOI8-R"},        {"koi8r", "KOI8-R"},         {"koi8-u", "KOI8-U"},
    {"utf-7", "UTF-7"},          {"unicode-1-1-utf-7", "UTF-7"},
    {"tis-620", "CP874"},        {"windows-874", "CP874"},
};

// Labels that mean UTF-8 (or say nothing useful): validated, not converted.
constexpr std::string_view kUtf8Labels[] = {"utf-8", "utf8", "x-unknown", "unknown-8bit", "x-user-defined",
                                            "default", "unknown", "8bit", "binary"};

std::string normalize_charset(std::string_view charset) {
  std::size_t b = 0, e = charset.size();
  while (b < e && (charset[b] == ' ' || charset[b] == '\t' || charset[b] == '"' || charset[b] == '\''))
    ++b;
  while (e > b && (charset[e - 1] == ' ' || charset[e - 1] == '\t' || charset[e - 1] == '"' ||
                   charset[e - 1] == '\''))
    --e;
  std::string out;
  out.reserve(e - b);
  for (std::size_t i = b; i < e; ++i) out.push_back(ascii_lower(charset[i]));
  return out;
}

// Single-byte charsets decoded from a table instead of iconv (glibc loads a gconv module for each
// descriptor, and unloads it again when no descriptor uses it). Each 8-bit byte's code point, or
// kNoChar where iconv rejects the byte (it becomes U+FFFD, as in convert()). Checked byte for byte
// against iconv by a unit test (decode_test).
constexpr char32_t kNoChar = 0xFFFFFFFF;
using HighHalf = std::array<char32_t, 128>;  // bytes 0x80..0xFF

constexpr HighHalf make_windows_1252() {
  HighHalf t{};
  constexpr char32_t c1[32] = {0x20AC, kNoChar, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                               0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, kNoChar, 0x017D, kNoChar,
                               kNoChar, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                               0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, kNoChar, 0x017E, 0x0178};
  for (std::size_t i = 0; i < 128; ++i) t[i] = i < 32 ? c1[i] : static_cast<char32_t>(0x80 + i);
  return t;
}

constexpr HighHalf make_iso_8859_15() {
  HighHalf t{};
  for (std::size_t i = 0; i < 128; ++i) t[i] = static_cast<char32_t>(0x80 + i);
  // Latin-1 but for eight positions (the euro sign and seven letters).
  constexpr std::pair<unsigned char, char32_t> changed[] = {{0xA4, 0x20AC}, {0xA6, 0x0160}, {0xA8, 0x0161},
                                                            {0xB4, 0x017D}, {0xB8, 0x017E}, {0xBC, 0x0152},
                                                            {0xBD, 0x0153}, {0xBE, 0x0178}};
  for (const auto& [byte, cp] : changed) t[byte - 0x80] = cp;
  return t;
}

constexpr HighHalf kWindows1252 = make_windows_1252();
constexpr HighHalf kIso885915 = make_iso_8859_15();

// Names (iconv_name in to_utf8: after kCharsetAliases) decoded from a table.
constexpr std::pair<std::string_view, const HighHalf*> kTableCharsets[] = {
    {"WINDOWS-1252", &kWindows1252}, {"windows-1252", &kWindows1252}, {"cp1252", &kWindows1252},
    {"iso-8859-15", &kIso885915},    {"iso8859-15", &kIso885915},     {"iso_8859-15", &kIso885915},
    {"latin-9", &kIso885915},        {"latin9", &kIso885915},
};

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    const char b[2] = {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
    out.append(b, 2);
  } else {
    const char b[3] = {static_cast<char>(0xE0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
                       static_cast<char>(0x80 | (cp & 0x3F))};
    out.append(b, 3);
  }
}

std::string decode_single_byte(std::string_view bytes, const HighHalf& high) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 2 + 16);
  std::size_t i = 0;
  while (i < bytes.size()) {
    const std::size_t run_end = skip_ascii(bytes, i);
    out.append(bytes.substr(i, run_end - i));
    for (i = run_end; i < bytes.size() && static_cast<unsigned char>(bytes[i]) >= 0x80; ++i) {
      const char32_t cp = high[static_cast<unsigned char>(bytes[i]) - 0x80];
      if (cp == kNoChar)
        out += kReplacement;
      else
        append_utf8(out, cp);
    }
  }
  return out;
}

// UTF-7 text of only directly encoded characters (no '+' shift) is its own UTF-8: tab, LF, CR and
// ' '..'}' except '+' and '\' (what glibc's decoder passes through; checked against it by a test).
bool is_utf7_direct(std::string_view bytes) {
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (!((c >= 0x20 && c <= 0x7D && c != '+' && c != '\\') || c == '\t' || c == '\n' || c == '\r')) return false;
  }
  return true;
}

// Converts with an open iconv descriptor; invalid or truncated input bytes become U+FFFD.
std::string convert(iconv_t cd, std::string_view bytes) {
  std::string out(bytes.size() * 2 + 16, '\0');
  std::size_t used = 0;
  char* in = const_cast<char*>(bytes.data());  // iconv's signature; it does not write the input
  std::size_t in_left = bytes.size();
  bool flushed = false;
  while (!flushed) {
    char* out_ptr = out.data() + used;
    std::size_t out_left = out.size() - used;
    // With no input left, one more call writes the final shift sequence (stateful encodings).
    const bool flush_call = in_left == 0;
    const std::size_t rc = !flush_call ? iconv(cd, &in, &in_left, &out_ptr, &out_left)
                                       : iconv(cd, nullptr, nullptr, &out_ptr, &out_left);
    const int err = errno;
    used = out.size() - out_left;
    if (rc != static_cast<std::size_t>(-1)) {
      flushed = flush_call;
      continue;
    }
    if (err == E2BIG) {
      out.resize(out.size() * 2);
      continue;
    }
    if (flush_call) break;  // flush failed: nothing more to write
    // EILSEQ (invalid byte) or EINVAL (truncated sequence at the end): replace one byte, go on.
    if (out.size() - used < kReplacement.size()) out.resize(out.size() * 2);
    out.replace(used, kReplacement.size(), kReplacement);
    used += kReplacement.size();
    ++in;
    --in_left;
  }
  out.resize(used);
  return out;
}

void append_decoded_word(std::string& bytes, std::string_view text, char encoding) {
  if (encoding == 'b') {
    bytes += decode_base64(text);
    return;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '_') {
      bytes.push_back(' ');
    } else if (c == '=' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      bytes.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      bytes.push_back(c);
    }
  }
}

struct EncodedWord {
  std::size_t end = 0;  // one past "?="
  std::string_view charset, text;
  char encoding = 0;  // 'b' or 'q'
};

// Forward-only search positions, so that a value full of "=?" is still read in linear time.
struct WordSearch {
  std::size_t close = 0;  // first "?=" at or after the last position asked for (npos: none)
  std::size_t space = 0;  // first white space at or after the last position asked for
  bool close_valid = false, space_valid = false;
};

bool is_word_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Parses "=?charset?X?text?=" at value[pos]. Encoded words hold no white space.
bool parse_encoded_word(std::string_view value, std::size_t pos, EncodedWord& w, WordSearch& search) {
  constexpr std::size_t kMaxCharset = 64;
  if (value.compare(pos, 2, "=?") != 0) return false;
  std::size_t i = pos + 2;
  const std::size_t cs_begin = i;
  while (i < value.size() && i - cs_begin <= kMaxCharset && value[i] != '?' && !is_word_space(value[i])) ++i;
  if (i >= value.size() || value[i] != '?' || i == cs_begin) return false;
  std::string_view charset = value.substr(cs_begin, i - cs_begin);
  if (const auto star = charset.find('*'); star != std::string_view::npos) charset = charset.substr(0, star);  // RFC 2231 language
  if (i + 2 >= value.size() || value[i + 2] != '?') return false;
  const char enc = ascii_lower(value[i + 1]);
  if (enc != 'b' && enc != 'q') return false;
  const std::size_t text_begin = i + 3;
  if (!search.close_valid || (search.close != std::string_view::npos && search.close < text_begin)) {
    search.close = value.find("?=", text_begin);
    search.close_valid = true;
  }
  if (!search.space_valid || (search.space != std::string_view::npos && search.space < text_begin)) {
    search.space = text_begin;
    while (search.space < value.size() && !is_word_space(value[search.space])) ++search.space;
    if (search.space == value.size()) search.space = std::string_view::npos;
    search.space_valid = true;
  }
  if (search.close == std::string_view::npos || search.close > search.space) return false;
  w.charset = charset;
  w.encoding = enc;
  w.text = value.substr(text_begin, search.close - text_begin);
  w.end = search.close + 2;
  return true;
}

// iconv_open to UTF-8 from `name`, else from `fallback` (when not null); nullptr when iconv knows
// neither.
iconv_t open_converter(const char* name, const char* fallback) {
  iconv_t cd = iconv_open("UTF-8", name);
  if (cd == reinterpret_cast<iconv_t>(-1) && fallback) cd = iconv_open("UTF-8", fallback);
  return cd == reinterpret_cast<iconv_t>(-1) ? nullptr : cd;
}

// CharsetConverters::preload opens these besides the alias targets.
constexpr const char* kPreloadCharsets[] = {
    "iso-8859-2",   "iso-8859-3",   "iso-8859-4",   "iso-8859-5",   "iso-8859-6",   "iso-8859-7",
    "iso-8859-8",   "iso-8859-10",  "iso-8859-13",  "iso-8859-16",  "windows-1250", "windows-1251",
    "windows-1253", "windows-1255", "windows-1256", "windows-1257", "windows-1258", "euc-tw"};

}  // namespace

std::string decode_base64(std::string_view in) {
  std::string out(in.size() / 4 * 3 + 3, '\0');
  char* o = out.data();
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const std::size_t n = in.size();
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t i = 0;
  while (i < n) {
    // Four alphabet characters on a quantum boundary: three bytes at once (the loop below would
    // give the same three).
    if (bits == 0 && i + 4 <= n) {
      const int a = kBase64[p[i]], b = kBase64[p[i + 1]], c = kBase64[p[i + 2]], d = kBase64[p[i + 3]];
      if ((a | b | c | d) >= 0) {
        const auto v = static_cast<std::uint32_t>(a << 18 | b << 12 | c << 6 | d);
        o[0] = static_cast<char>(v >> 16);
        o[1] = static_cast<char>((v >> 8) & 0xFF);
        o[2] = static_cast<char>(v & 0xFF);
        o += 3;
        i += 4;
        continue;
      }
    }
    const unsigned char ch = p[i++];
    const int v = kBase64[ch];
    if (v < 0) {
      // Padding ends a quantum; a later encoded run (concatenated parts) starts afresh.
      if (ch == '=') {
        acc = 0;
        bits = 0;
      }
      continue;
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *o++ = static_cast<char>((acc >> bits) & 0xFF);
      acc &= (1u << bits) - 1;
    }
  }
  out.resize(static_cast<std::size_t>(o - out.data()));
  return out;
}

std::string decode_quoted_printable(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  const std::size_t n = in.size();
  std::size_t i = 0;
  while (i < n) {
    // Copy the run up to the next '=' in one go.
    const std::size_t eq = in.find('=', i);
    if (eq == std::string_view::npos) {
      out.append(in.substr(i));
      break;
    }
    out.append(in.substr(i, eq - i));
    i = eq;
    if (i + 2 < n && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2])));
      i += 3;
      continue;
    }
    // Soft line break: '=' then optional trailing blanks then a newline (or the end of input).
    std::size_t j = i + 1;
    while (j < n && (in[j] == ' ' || in[j] == '\t')) ++j;
    if (j == n) break;
    if (in[j] == '\r' || in[j] == '\n') {
      if (in[j] == '\r' && j + 1 < n && in[j + 1] == '\n') ++j;
      i = j + 1;
      continue;
    }
    out.push_back('=');  // malformed escape: kept literally
    ++i;
  }
  return out;
}

std::string decode_encoded_words(std::string_view value, CharsetConverters* converters) {
  if (value.find("=?") == std::string_view::npos) return sanitize_utf8(value);
  std::string out;
  out.reserve(value.size());
  std::string pending_bytes;       // decoded bytes of adjacent words in one charset, not yet converted
  std::string pending_charset;
  std::size_t plain_begin = 0;     // start of text not yet copied
  bool last_was_word = false;
  WordSearch search;
  auto flush_words = [&]() {
    if (!pending_bytes.empty() || !pending_charset.empty()) out += to_utf8(pending_bytes, pending_charset, converters);
    pending_bytes.clear();
    pending_charset.clear();
  };
  std::size_t i = 0;
  while (i < value.size()) {
    const std::size_t next = value.find("=?", i);
    if (next == std::string_view::npos) break;
    EncodedWord w;
    if (!parse_encoded_word(value, next, w, search)) {
      i = next + 2;
      continue;
    }
    std::string_view between = value.substr(plain_begin, next - plain_begin);
    bool only_space = true;
    for (char c : between)
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') only_space = false;
    const std::string charset = normalize_charset(w.charset);
    if (!(last_was_word && only_space)) {
      flush_words();
      out += sanitize_utf8(between);
    } else if (charset != pending_charset) {
      flush_words();
    }
    pending_charset = charset;
    append_decoded_word(pending_bytes, w.text, w.encoding);
    last_was_word = true;
    plain_begin = i = w.end;
  }
  flush_words();
  out += sanitize_utf8(value.substr(plain_begin));
  return out;
}

std::string to_utf8(std::string_view bytes, std::string_view charset, CharsetConverters* converters) {
  const std::string cs = normalize_charset(charset);
  // Pure ASCII needs no conversion, except in the 7-bit stateful encodings.
  const bool stateful = cs.find("2022") != std::string::npos || cs.find("utf-7") != std::string::npos ||
                        cs == "hz-gb-2312";
  if (!stateful && is_ascii(bytes)) return std::string(bytes);
  // ISO-2022-JP text that never escapes (no ESC, SO or SI) stays in ASCII: iconv would pass its
  // 7-bit bytes through and reject each 8-bit byte (U+FFFD), one call per byte.
  if (cs.starts_with("iso-2022-jp") || cs == "csiso2022jp") {
    const bool escapes = bytes.find('\x1b') != std::string_view::npos || bytes.find('\x0e') != std::string_view::npos ||
                         bytes.find('\x0f') != std::string_view::npos;
    if (!escapes) return ascii_or_replacement(bytes);
  }
  if (cs.empty()) return sanitize_utf8(bytes);
  for (std::string_view label : kUtf8Labels)
    if (cs == label) return sanitize_utf8(bytes);
  // 8-bit bytes under an ASCII label: mislabelled, most often UTF-8.
  if ((cs == "us-ascii" || cs == "ascii") && is_valid_utf8(bytes)) return std::string(bytes);
  std::string iconv_name;
  for (const auto& [label, name] : kCharsetAliases)
    if (cs == label) {
      iconv_name = std::string(name);
      break;
    }
  if (iconv_name.empty()) iconv_name = cs;
  for (const auto& [name, table] : kTableCharsets)
    if (iconv_name == name) return decode_single_byte(bytes, *table);
  if (iconv_name == "UTF-7" && is_utf7_direct(bytes)) return std::string(bytes);
  if (converters) {
    bool opened = false;
    iconv_t cd = converters->acquire(cs, iconv_name.c_str(), iconv_name != cs ? cs.c_str() : nullptr, opened);
    if (!cd) return sanitize_utf8(bytes);  // unknown charset
    std::string out = convert(cd, bytes);
    if (opened) iconv_close(cd);
    return out;
  }
  iconv_t cd = open_converter(iconv_name.c_str(), iconv_name != cs ? cs.c_str() : nullptr);
  if (!cd) return sanitize_utf8(bytes);  // unknown charset
  std::string out = convert(cd, bytes);
  iconv_close(cd);
  return out;
}

CharsetConverters::~CharsetConverters() {
  for (const auto& e : entries_)
    if (e.cd) iconv_close(e.cd);
}

void CharsetConverters::preload() {
  for (const auto& [label, name] : kCharsetAliases) {
    bool opened = false;
    void* cd = acquire(name, std::string(name).c_str(), nullptr, opened);
    if (opened) iconv_close(cd);
  }
  for (const char* name : kPreloadCharsets) {
    bool opened = false;
    void* cd = acquire(name, name, nullptr, opened);
    if (opened) iconv_close(cd);
  }
}

void* CharsetConverters::acquire(std::string_view label, const char* iconv_name, const char* fallback, bool& opened) {
  opened = false;
  for (const auto& e : entries_)
    if (e.label == label) {
      if (e.cd) iconv(e.cd, nullptr, nullptr, nullptr, nullptr);  // back to the initial state
      return e.cd;
    }
  iconv_t cd = open_converter(iconv_name, fallback);
  if (entries_.size() >= kMaxEntries || label.size() > kMaxLabelBytes) {
    opened = cd != nullptr;
    return cd;
  }
  entries_.push_back(Entry{std::string(label), cd});
  return cd;
}

std::string sanitize_utf8(std::string_view bytes) {
  if (is_valid_utf8(bytes)) return std::string(bytes);
  std::string out;
  out.reserve(bytes.size() + 16);
  std::size_t i = 0, valid_from = 0;  // bytes[valid_from, i) are valid and not yet copied
  while ((i = skip_ascii(bytes, i)) < bytes.size()) {
    const std::size_t len = utf8_sequence_length(bytes, i);
    if (len != 0) {
      i += len;
      continue;
    }
    out.append(bytes.substr(valid_from, i - valid_from)).append(kReplacement);
    valid_from = ++i;
  }
  out.append(bytes.substr(valid_from));
  return out;
}

}  // namespace bounced
