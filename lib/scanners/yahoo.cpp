// yahoo.cpp: Yahoo! Mail's plain-text bounce: "Sorry, we were unable to deliver your message to the
// following address.", then "<user@example.com>:" and "Remote host said: ... [RCPT_TO]", and the
// original after "--- Below this line is a copy of the message.".
#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {

std::optional<ScanResult> scan_yahoo(const ScanInput& in) {
  constexpr std::string_view kStart = "Sorry, we were unable to deliver your message";
  // Yahoo's own header, else the greeting near the top of the text (never a scan of the whole body).
  if (!in.header("x-ymailisg") &&
      text::find_exact(in.body_lower().substr(0, 2048), "sorry, we were unable to deliver your message") == scan::npos)
    return std::nullopt;
  static constexpr std::string_view kOriginalMarkers[] = {"--- below this line is a copy of the message"};
  const auto split = scan::split_at_original(in, in.body_text, kOriginalMarkers);
  const auto start = scan::find_line_starting(split.report, kStart);
  if (start == std::string_view::npos) return std::nullopt;

  ScanResult out;
  scan::LineCursor cur(split.report.substr(start));
  std::string_view line;
  cur.next(line);  // the start line itself
  while (cur.next(line)) {
    auto t = text::trim(line);
    if (t.empty()) continue;
    if (t.front() == '<' && t.back() == ':') {
      if (std::string addr; scan::address_line(t, addr)) {
        if (!scan::add_recipient(out, std::move(addr))) break;
        continue;
      }
    }
    if (out.recipients.empty()) continue;
    auto& r = out.recipients.back();
    if (text::istarts_with(t, "Remote host said:")) t = text::trim(t.substr(17));
    // "[RCPT_TO]" / "[MAIL_FROM]" names the command and is not part of the server's words.
    if (t.size() > 2 && t.back() == ']') {
      auto open = t.rfind('[');
      auto tag = t.substr(open == std::string_view::npos ? 0 : open + 1);
      if (auto cmd = scan::command_word(tag); !cmd.empty()) {
        r.smtp_command = cmd;
        t = text::trim(t.substr(0, open));
      }
    }
    scan::append_diagnostic(r.diagnostic, t);
  }
  for (auto& r : out.recipients) {
    if (r.smtp_command.empty() && r.diagnostic.find('<') != std::string::npos) r.smtp_command = "RCPT";
  }
  out.original_text = std::string(scan::header_block(split.original));
  scan::finish(out);
  return out;
}

}  // namespace bounced
