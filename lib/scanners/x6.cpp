// x6.cpp: the bounce Sisimai calls "X6" (an unnamed gateway): From mailer-daemon, Subject "There was
// an error sending your mail", "We had trouble delivering your message. Full details follow:", then
// "N error(s):" and one line per failure, e.g. "SMTP Server <mx.example.org> rejected recipient
// <user@example.org> (Error following RCPT command). It responded as follows: [550 5.1.1 User
// unknown]" or "The following recipients returned permanent errors: user@example.org. Reason: SMTP
// Server <192.0.2.1> refused to accept your message (DATA), with the following error message:
// [554 ...]". The original's headers are attached.
#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {

std::optional<ScanResult> scan_x6(const ScanInput& in) {
  if (!text::istarts_with(in.subject, "There was an error sending your mail")) return std::nullopt;
  const auto split = scan::split_at_original(in, in.body_text, std::initializer_list<std::string_view>{
                                                               "the attachment contains the original mail headers"});
  ScanResult out;
  bool started = false;
  scan::LineCursor cur(split.report);
  std::string_view line;
  while (cur.next(line)) {
    const auto t = text::trim(line);
    if (!started) {  // "1 error(s):"
      const auto e = t.find(" error(s):");
      started = e != scan::npos && e > 0 && t.substr(0, e).find_first_not_of("0123456789") == scan::npos;
      continue;
    }
    if (t.empty()) continue;
    std::string addr;
    // "... recipient <user@example.org> ..." or "... errors: user@example.org. ..."
    for (auto lt = t.find('<'); lt != scan::npos && addr.empty(); lt = t.find('<', lt + 1)) {
      const auto gt = t.find('>', lt);
      if (gt != scan::npos && text::is_address(t.substr(lt + 1, gt - lt - 1))) addr = std::string(t.substr(lt + 1, gt - lt - 1));
    }
    if (addr.empty())
      if (auto p = text::ifind(t, "errors:"); p != scan::npos) addr = text::find_address(t.substr(p + 7, 330));
    if (addr.empty()) continue;
    auto* r = scan::add_recipient(out, std::move(addr));
    if (!r) break;
    r->diagnostic = std::string(t);
    // "SMTP Server <host>" names the remote MTA; "(DATA)" / "(Error following RCPT command)" the command.
    if (auto p = text::ifind(t, "smtp server <"); p != scan::npos) {
      const auto gt = t.find('>', p);
      if (gt != scan::npos) r->remote_mta = std::string(t.substr(p + 13, gt - p - 13));
    }
    for (auto open = t.find('('); open != scan::npos && r->smtp_command.empty(); open = t.find('(', open + 1)) {
      auto inner = t.substr(open + 1, t.find(')', open) - open - 1);
      if (text::istarts_with(inner, "Error following ")) inner.remove_prefix(16);
      r->smtp_command = scan::command_word(inner);
    }
    // The remote reply is quoted in the last "[...]".
    if (const auto lb = t.rfind('['); lb != scan::npos) {
      r->reply_code = scan::leading_reply_code(t.substr(lb + 1));
      r->status = text::find_status(t.substr(lb + 1));
    }
  }
  out.original_text = std::string(scan::header_block(split.original));
  scan::finish(out);
  return out;
}

}  // namespace bounced
