// ezweb.cpp: au by KDDI's EZweb / au.com mobile mail bounce (From Postmaster@ezweb.ne.jp or
// Postmaster@au.com, Subject "Mail System Error - Returned Mail"). A Japanese preamble, then
// EZweb's fixed English texts ("The user(s) account is disabled.", "Your message was not delivered
// within ...", "Each of the following recipients was rejected by a remote mail server.") and the
// addresses as "<user@...>", "<user@...>: reply" or "Recipient: <user@...>" followed by the
// session (">>> RCPT TO:<...>" / "<<< 550 ...").
#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {
namespace {

constexpr std::string_view kOriginalMarkers[] = {"--------------------------------------------------",
                                                 "content-type: message/rfc822"};
// EZweb's fixed texts: each names the reason by itself.
constexpr scan::FixedReason kReasons[] = {
    {"the user(s) account is temporarily over quota", "mailboxfull"},
    {"the user(s) account is disabled.", "suspend"},
    {"the user(s) account is temporarily limited.", "suspend"},
    {"your message was not delivered within ", "expired"},
};

bool is_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

}  // namespace

std::optional<ScanResult> scan_ezweb(const ScanInput& in) {
  int match = 0;
  match += text::icontains(in.from, "postmaster@ezweb.ne.jp") || text::icontains(in.from, "postmaster@au.com");
  match += text::trim(in.subject) == "Mail System Error - Returned Mail";
  if (const auto* mid = in.header("message-id"))
    match += text::icontains(*mid, ".ezweb.ne.jp>") || text::icontains(*mid, ".au.com>");
  if (match < 2) return std::nullopt;
  const auto split = scan::split_at_original(in, in.body_text, kOriginalMarkers);

  ScanResult out;
  std::string notice;  // EZweb's own text, shared by the addresses that follow
  scan::LineCursor cur(split.report);
  std::string_view line;
  while (cur.next(line)) {
    auto t = text::trim(line);
    if (t.empty() || !is_ascii(t)) continue;
    std::string_view rest;
    std::string addr;
    if (text::istarts_with(t, "Recipient:")) {
      addr = text::find_address(t.substr(10));
    } else if (t.front() == '<') {
      if (!scan::address_block_open(t, addr, rest)) scan::address_line(t, addr);
    }
    if (!addr.empty()) {
      auto* r = scan::add_recipient(out, std::move(addr));
      if (!r) break;
      scan::append_diagnostic(r->diagnostic, rest);
      continue;
    }
    if (t.substr(0, 3) == ">>>") {
      if (!out.recipients.empty()) out.recipients.back().smtp_command = scan::command_word(t.substr(3));
      continue;
    }
    if (t.substr(0, 3) == "<<<") {
      if (!out.recipients.empty()) scan::append_diagnostic(out.recipients.back().diagnostic, t.substr(3));
      continue;
    }
    scan::append_diagnostic(notice, t);
  }
  const bool spam_filtered = [&] {
    const auto* sign = in.header("x-spasign");
    return sign && text::iequals(text::trim(*sign), "NG");
  }();
  for (auto& r : out.recipients) {
    if (r.smtp_command.empty()) r.smtp_command = scan::find_smtp_command(r.diagnostic);
    if (r.diagnostic.empty()) r.diagnostic = notice;
    if (spam_filtered) {
      r.reason = "filtered";  // EZweb's own spam / domain filter refused it
      r.decided_by = "scanner:ezweb:x-spasign";
    } else if (const auto* hit = scan::match_fixed(text::lower(notice), kReasons)) {
      r.reason = std::string(hit->reason);
      r.decided_by = "scanner:ezweb:" + std::string(hit->phrase);
      if (r.reason == "expired") r.action = "delayed";
    } else if (r.smtp_command == "RCPT") {
      r.reason = "userunknown";  // EZweb reports a bare RCPT refusal only for unknown mailboxes
      r.decided_by = "scanner:ezweb:rcpt";
    }
  }
  out.original_text = std::string(scan::header_block(split.original));
  scan::finish(out);
  return out;
}

}  // namespace bounced
