// x1.cpp: the bounce Sisimai calls "X1": Softnext Mail2000's (its relays stamp "with Mail2000 ESMTP
// Server") From "\"Mail Deliver System\" <MAILER-DAEMON@...>", Subject "Returned Mail: <reason>".
// After "The original message was received at <date>" and "---The following addresses had delivery
// errors---", one line per address: "user@example.com [User unknown]".
#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {

std::optional<ScanResult> scan_x1(const ScanInput& in) {
  if (!text::istarts_with(in.subject, "Returned Mail: ")) return std::nullopt;
  if (!text::icontains(in.from, "\"Mail Deliver System\"")) return std::nullopt;
  const auto start = scan::find_line_starting(in.body_text, "The original message was received at");
  if (start == scan::npos) return std::nullopt;

  ScanResult out;
  scan::LineCursor cur(std::string_view(in.body_text).substr(start));
  std::string_view line;
  while (cur.next(line)) {
    const auto t = text::trim(line);
    // "user@example.com [User unknown]"
    if (t.size() < 5 || t.back() != ']') continue;
    const auto open = t.find(" [");
    if (open == scan::npos || !text::is_address(t.substr(0, open))) continue;
    auto* r = scan::add_recipient(out, std::string(t.substr(0, open)));
    if (!r) break;
    r->diagnostic = std::string(t.substr(open + 2, t.size() - open - 3));
  }
  scan::finish(out);
  return out;
}

}  // namespace bounced
