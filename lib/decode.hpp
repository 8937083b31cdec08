// decode.hpp: transfer and header decodings we do ourselves (mimetic's base64 decoder reads out of
// bounds), and charset conversion to UTF-8. All functions are total: bad input degrades, never throws.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace bounced {

// Open iconv descriptors owned by the caller (lib/ keeps no state of its own), for one thread at a
// time. Passed to to_utf8 (and what calls it), a descriptor is reused for each charset instead of
// opened and closed per conversion (reset to its initial state before each use). And while a
// descriptor is open glibc keeps its gconv module loaded: otherwise each iconv_open of a charset no
// descriptor uses loads the module again (dlopen) and a later iconv_close may unload it. A server
// keeps one object with preload() for its life (its descriptors are never used, so any thread
// benefits), and may give each worker thread its own for reuse.
class CharsetConverters {
 public:
  CharsetConverters() = default;
  ~CharsetConverters();
  CharsetConverters(const CharsetConverters&) = delete;
  CharsetConverters& operator=(const CharsetConverters&) = delete;

  // Opens the converters for the charsets mail commonly uses (the targets of to_utf8's aliases
  // and the ISO-8859 and Windows code pages iconv decodes).
  void preload();

  // A descriptor converting `iconv_name` (or, failing that, `fallback`) to UTF-8, in its initial
  // state; nullptr when iconv knows neither. Cached under `label` (at most kMaxEntries labels of
  // at most kMaxLabelBytes; past that, `opened` is set and the caller closes the descriptor).
  void* acquire(std::string_view label, const char* iconv_name, const char* fallback, bool& opened);

  static constexpr std::size_t kMaxEntries = 64;
  static constexpr std::size_t kMaxLabelBytes = 64;

 private:
  struct Entry {
    std::string label;
    void* cd;  // iconv_t; nullptr: iconv knows the charset by neither name
  };
  std::vector<Entry> entries_;
};

// RFC 2045 base64; skips characters outside the alphabet, stops at '=' padding.
std::string decode_base64(std::string_view in);
// RFC 2045 quoted-printable; soft line breaks removed; malformed escapes kept literally.
std::string decode_quoted_printable(std::string_view in);
// RFC 2047 encoded words (=?charset?B|Q?...?=) in a header value, converted to UTF-8;
// white space between adjacent encoded words is dropped.
std::string decode_encoded_words(std::string_view value, CharsetConverters* converters = nullptr);
// Converts bytes in `charset` to UTF-8 (iconv). Unknown charsets and invalid sequences never fail:
// invalid bytes become U+FFFD. ASCII/UTF-8 input is validated and passed through.
std::string to_utf8(std::string_view bytes, std::string_view charset, CharsetConverters* converters = nullptr);
// Replaces invalid UTF-8 sequences with U+FFFD.
std::string sanitize_utf8(std::string_view bytes);

}  // namespace bounced
