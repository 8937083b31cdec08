// kddi.cpp: KDDI au one net (dion.ne.jp) bounce: "Your mail sent on: <date>" (or "Your mail attempted
// to be delivered on: <date>"), then indented "Could not be delivered to: <user@...>" and the reason
// ("As their mailbox is full.", "As the remote domain doesnt exist.", "Due to the following SMTP relay
// error").
#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {
namespace {
constexpr scan::FixedReason kReasons[] = {
    {"as their mailbox is full", "mailboxfull"},
    {"due to the following smtp relay error", "norelaying"},
    {"as the remote domain doesnt exist", "hostunknown"},
};
}  // namespace

std::optional<ScanResult> scan_kddi(const ScanInput& in) {
  const bool match = (text::icontains(in.from, "no-reply@") && text::icontains(in.from, ".dion.ne.jp")) ||
                     scan::header_has(in, "reply-to", "no-reply@app.auone-net.jp");
  if (!match) return std::nullopt;
  const auto split = scan::split_at_original(in, in.body_text, scan::kOriginalPartMarkers);
  auto start = scan::find_line_starting(split.report, "Your mail sent on");
  if (start == scan::npos) start = scan::find_line_starting(split.report, "Your mail attempted to be delivered on");
  if (start == scan::npos) return std::nullopt;

  ScanResult out;
  scan::LineCursor cur(split.report.substr(start));
  std::string_view line;
  cur.next(line);
  while (cur.next(line)) {
    const auto t = text::trim(line);
    if (t.empty()) continue;
    if (text::istarts_with(t, "Could not be delivered to:")) {
      if (auto addr = text::find_address(t.substr(26)); !addr.empty() && !scan::add_recipient(out, std::move(addr)))
        break;
      continue;
    }
    if (!out.recipients.empty() && (line.front() == ' ' || line.front() == '\t'))
      scan::append_diagnostic(out.recipients.back().diagnostic, t);
  }
  for (auto& r : out.recipients) {
    if (scan::header_has(in, "x-spasign", "ng")) {
      r.reason = "filtered";
      r.decided_by = "scanner:kddi:x-spasign";
    } else {
      scan::apply_fixed(r, kReasons, "kddi");
    }
  }
  out.original_text = std::string(scan::header_block(split.original));
  scan::finish(out);
  return out;
}

}  // namespace bounced
