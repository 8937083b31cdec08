// status_codes.cpp: placeholder (replaced by the IANA / RFC 5321 tables).
#include "status_codes.hpp"

namespace bounced {
const EnhancedStatusInfo* find_enhanced_status(std::string_view) { return nullptr; }
std::string_view status_class_name(std::string_view s) {
  if (s.empty()) return "";
  return s[0] == '2' ? "success" : s[0] == '4' ? "transient" : s[0] == '5' ? "permanent" : "";
}
std::string_view status_subject_name(std::string_view) { return ""; }
std::string_view status_subject_name_zh(std::string_view) { return ""; }
const ReplyCodeInfo* find_reply_code(int) { return nullptr; }
bool is_valid_status(std::string_view s) { return s.size() >= 5; }
}  // namespace bounced
