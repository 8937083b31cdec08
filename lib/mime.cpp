// mime.cpp: placeholder (replaced by the mimetic-based parser).
#include "mime.hpp"

namespace bounced {
const std::string* MimePart::header(std::string_view) const { return nullptr; }
std::vector<const std::string*> MimePart::headers_named(std::string_view) const { return {}; }
std::string MimePart::text() const { return body; }
MimeResult parse_mime(std::string_view raw) {
  MimeResult r;
  r.root = std::make_unique<MimePart>();
  r.root->media_type = "text/plain";
  r.root->body = std::string(raw);
  return r;
}
std::vector<HeaderField> parse_header_block(std::string_view) { return {}; }
}  // namespace bounced
