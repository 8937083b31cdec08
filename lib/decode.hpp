// decode.hpp: transfer and header decodings we do ourselves (mimetic's base64 decoder reads out of
// bounds), and charset conversion to UTF-8. All functions are total: bad input degrades, never throws.
#pragma once
#include <string>
#include <string_view>

namespace bounced {

// RFC 2045 base64; skips characters outside the alphabet, stops at '=' padding.
std::string decode_base64(std::string_view in);
// RFC 2045 quoted-printable; soft line breaks removed; malformed escapes kept literally.
std::string decode_quoted_printable(std::string_view in);
// RFC 2047 encoded words (=?charset?B|Q?...?=) in a header value, converted to UTF-8;
// white space between adjacent encoded words is dropped.
std::string decode_encoded_words(std::string_view value);
// Converts bytes in `charset` to UTF-8 (iconv). Unknown charsets and invalid sequences never fail:
// invalid bytes become U+FFFD. ASCII/UTF-8 input is validated and passed through.
std::string to_utf8(std::string_view bytes, std::string_view charset);
// Replaces invalid UTF-8 sequences with U+FFFD.
std::string sanitize_utf8(std::string_view bytes);

}  // namespace bounced
