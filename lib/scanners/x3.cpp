// x3.cpp: the bounce Sisimai calls "X3" (an unnamed MTA): From "Mail Delivery System", Subject
// "Delivery status notification", a banner "This is an automatically generated Delivery Status
// Notification.", "Delivery to the following recipients failed permanently:" (or "... was aborted
// after N hour(s):") with "* user@example.com" lines, then "Technical details:" with
// "SMTP:RCPT host 192.0.2.8: 553 5.3.0 ..." or "Routing: ...".
#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {

std::optional<ScanResult> scan_x3(const ScanInput& in) {
  if (!text::istarts_with(in.from, "Mail Delivery System")) return std::nullopt;
  if (!text::istarts_with(in.subject, "Delivery status notification")) return std::nullopt;
  const auto split = scan::split_at_original(in, in.body_text, scan::kEmbeddedPartMarkers);
  const auto start =
      scan::find_line_starting(split.report, "This is an automatically generated Delivery Status Notification");
  if (start == scan::npos) return std::nullopt;

  ScanResult out;
  std::string details, command, host;
  scan::LineCursor cur(split.report.substr(start));
  std::string_view line;
  while (cur.next(line)) {
    const auto t = text::trim(line);
    if (t.size() > 2 && t.front() == '*' && (t[1] == ' ' || t[1] == '\t')) {
      if (std::string addr; scan::address_line(t.substr(2), addr) && !scan::add_recipient(out, std::move(addr))) break;
      continue;
    }
    if (text::istarts_with(t, "SMTP:")) {  // "SMTP:RCPT host 192.0.2.8: 553 5.3.0 ..."
      command = scan::command_word(t.substr(5));
      auto rest = t.substr(5);
      if (auto h = text::ifind(rest, " host "); h != scan::npos) {
        rest = rest.substr(h + 6);
        const auto colon = rest.find(": ");
        if (colon != scan::npos) {
          host = std::string(rest.substr(0, colon));
          rest = rest.substr(colon + 2);
        }
      }
      details = std::string(text::trim(rest));
    } else if (text::istarts_with(t, "Routing:")) {
      details = std::string(text::trim(t.substr(8)));
    } else if (text::istarts_with(t, "Diagnostic-Code: smtp;")) {
      details = std::string(text::trim(t.substr(22)));
    }
  }
  for (auto& r : out.recipients) {
    r.diagnostic = details;
    r.smtp_command = command;
    r.remote_mta = host;
  }
  scan::finish(out);
  return out;
}

}  // namespace bounced
