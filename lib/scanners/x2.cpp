// x2.cpp: the bounce Sisimai calls "X2": classic Yahoo! Mail (and the ISPs it hosted) before its
// qmail-style "Sorry, we were unable to deliver" format: From MAILER-DAEMON@..., Subject "Delivery
// failure" / "failure delivery" / "failed delivery"; "Message from <domain>." / "Unable to deliver
// message to the following address(es)." / "<user@...>:" + reason, original after "--- Original
// message follows.".
#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {
namespace {
constexpr std::string_view kSubjects[] = {"delivery failure", "failure delivery", "failed delivery"};
constexpr std::string_view kOriginalMarkers[] = {"--- original message follows."};
// The queue-runner's own give-up text.
constexpr scan::FixedReason kReasons[] = {
    {"this message has been in the queue too long", "expired"},
};
}  // namespace

std::optional<ScanResult> scan_x2(const ScanInput& in) {
  if (!text::icontains(in.from, "mailer-daemon@")) return std::nullopt;
  bool subject = false;
  for (auto s : kSubjects) subject = subject || text::istarts_with(in.subject, s);
  if (!subject) return std::nullopt;
  const auto split = scan::split_at_original(in, in.body_text, kOriginalMarkers);
  const auto start = scan::find_line_starting(split.report, "Unable to deliver message to the following address");
  if (start == scan::npos) return std::nullopt;

  ScanResult out;
  scan::LineCursor cur(split.report.substr(start));
  std::string_view line;
  cur.next(line);
  while (cur.next(line)) {
    const auto t = text::trim(line);
    if (t.empty()) continue;
    std::string addr;
    std::string_view rest;
    if (scan::address_block_open(t, addr, rest)) {
      auto* r = scan::add_recipient(out, std::move(addr));
      if (!r) break;
      scan::append_diagnostic(r->diagnostic, rest);
      continue;
    }
    if (!out.recipients.empty()) scan::append_diagnostic(out.recipients.back().diagnostic, t);
  }
  for (auto& r : out.recipients)
    if (scan::apply_fixed(r, kReasons, "x2") && r.reason == "expired") r.action = "delayed";
  out.original_text = std::string(scan::header_block(split.original));
  scan::finish(out);
  return out;
}

}  // namespace bounced
