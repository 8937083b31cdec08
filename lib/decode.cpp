// decode.cpp: placeholder (replaced by the decoders).
#include "decode.hpp"

namespace bounced {
std::string decode_base64(std::string_view in) { return std::string(in); }
std::string decode_quoted_printable(std::string_view in) { return std::string(in); }
std::string decode_encoded_words(std::string_view v) { return std::string(v); }
std::string to_utf8(std::string_view b, std::string_view) { return std::string(b); }
std::string sanitize_utf8(std::string_view b) { return std::string(b); }
}  // namespace bounced
