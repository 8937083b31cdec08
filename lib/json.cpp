// json.cpp: see json.hpp.
#include "json.hpp"

#include <cstdio>

#include "decode.hpp"

namespace bounced {

void append_json_string(std::string& out, std::string_view raw) {
  const std::string s = sanitize_utf8(raw);
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

std::string recipient_json(const MessageReport& m, const RecipientResult& r, std::string_view file) {
  std::string o;
  o.reserve(512);
  bool first = true;
  auto key = [&](std::string_view k) {
    if (!first) o += ", ";
    first = false;
    append_json_string(o, k);
    o += ": ";
  };
  auto str = [&](std::string_view k, std::string_view v) {
    key(k);
    append_json_string(o, v);
  };
  o.push_back('{');
  str("file", file);
  str("kind", to_string(m.kind));
  str("recipient", r.recipient);
  str("original_recipient", r.original_recipient);
  str("action", r.action);
  str("status", r.status);
  str("status_class", r.status_class);
  str("status_subject", r.status_subject);
  str("reply_code", r.reply_code);
  str("reason", r.reason);
  key("hard_bounce");
  o += r.hard_bounce ? "true" : "false";
  str("diagnostic_code", r.diagnostic_code);
  str("diagnostic_type", r.diagnostic_type);
  str("remote_mta", r.remote_mta);
  str("reporting_mta", m.fields.reporting_mta);
  str("smtp_command", r.smtp_command);
  str("last_attempt_date", r.last_attempt_date);
  if (!r.feedback_type.empty()) str("feedback_type", r.feedback_type);
  str("message_id", m.original.message_id);
  str("list_id", m.original.list_id);
  str("subject", m.original.subject);
  str("original_from", m.original.from);
  str("original_to", m.original.to);
  str("scanner", m.scanner);
  str("decided_by", r.decided_by);
  o.push_back('}');
  return o;
}

}  // namespace bounced
