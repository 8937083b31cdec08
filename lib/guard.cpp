// guard.cpp: placeholder (replaced by the guard implementation).
#include "guard.hpp"

namespace bounced {
const char* to_string(GuardError e) {
  switch (e) {
    case GuardError::none: return "none";
    case GuardError::empty: return "empty input";
    case GuardError::too_large: return "message too large";
    case GuardError::header_line_too_long: return "header line too long";
    case GuardError::header_too_large: return "header too large";
    case GuardError::too_deep: return "MIME nesting too deep";
    case GuardError::too_many_parts: return "too many MIME parts";
    case GuardError::binary: return "binary data, not a mail message";
    case GuardError::no_header: return "no header fields";
  }
  return "unknown";
}
GuardError check_message(std::string_view raw) { return raw.empty() ? GuardError::empty : GuardError::none; }
std::string_view strip_mbox_from_line(std::string_view raw) { return raw; }
std::vector<std::string_view> split_mbox(std::string_view raw) { return {raw}; }
}  // namespace bounced
