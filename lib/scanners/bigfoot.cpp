// bigfoot.cpp: Bigfoot's forwarding service (From ...@bigfoot.com, LiteMail relays): a sendmail-style
// DSN whose transcript (">>> RCPT TO:<...>", "<<< 553 ...") names the SMTP command that failed.
#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {

std::optional<ScanResult> scan_bigfoot(const ScanInput& in) {
  if (!in.delivery_status) return std::nullopt;
  if (!text::icontains(in.from, "@bigfoot.com>") && !scan::any_header_has(in, "received", ".bigfoot.com "))
    return std::nullopt;
  ScanResult out = scan::dsn_recipients(in.delivery_status->text());
  // The last command in the transcript is the one the remote server refused.
  std::string command, reply;
  scan::LineCursor cur(in.body_text);
  std::string_view line;
  while (cur.next(line)) {
    if (line.substr(0, 4) == ">>> ") command = scan::command_word(line.substr(4));
    else if (line.substr(0, 4) == "<<< " && reply.empty()) reply = std::string(text::trim(line.substr(4)));
  }
  if (command.empty() && !reply.empty()) command = "EHLO";  // a reply without a command: the greeting
  for (auto& r : out.recipients) {
    r.smtp_command = command;
    if (r.diagnostic.empty()) r.diagnostic = reply;
  }
  scan::finish(out);
  return out;
}

}  // namespace bounced
