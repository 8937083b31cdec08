// mailfoundry.cpp: MailFoundry appliance (Subject "Message delivery has failed", a "(MAILFOUNDRY)"
// Received line): "Unable to deliver message to: <user@example.com>", then "Delivery failed for the
// following reason:" and the remote server's reply ("Server mx.example.org[192.0.2.1] failed with:
// 550 ..." / "mx.example.org[192.0.2.1] responded with failure: 552 ...").
#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {

std::optional<ScanResult> scan_mailfoundry(const ScanInput& in) {
  if (text::trim(in.subject) != "Message delivery has failed") return std::nullopt;
  if (!scan::any_header_has(in, "received", "(mailfoundry)") &&
      text::ifind(in.body_text, "unable to deliver message to: <") == scan::npos)
    return std::nullopt;
  const auto split = scan::split_at_original(in, in.body_text, scan::kEmbeddedPartMarkers);

  ScanResult out;
  bool in_reason = false;
  scan::LineCursor cur(split.report);
  std::string_view line;
  while (cur.next(line)) {
    auto t = text::trim(line);
    if (t.empty()) continue;
    if (text::istarts_with(t, "Unable to deliver message to:")) {
      in_reason = false;
      if (auto addr = text::find_address(t.substr(29)); !addr.empty() && !scan::add_recipient(out, std::move(addr)))
        break;
      continue;
    }
    if (text::istarts_with(t, "Delivery failed for the following reason:")) {
      in_reason = true;
      continue;
    }
    if (!in_reason || out.recipients.empty() || t.front() == '-') continue;
    if (text::istarts_with(t, "This has been a permanent failure")) {
      in_reason = false;
      continue;
    }
    auto& r = out.recipients.back();
    // "host[ip] failed with:" / "host[ip] responded with failure:" -> the remote MTA
    if (r.remote_mta.empty()) {
      auto words = t;
      if (text::istarts_with(words, "Server ")) words.remove_prefix(7);
      const auto bracket = words.find('[');
      if (bracket != scan::npos && bracket > 0 && words.substr(0, bracket).find(' ') == scan::npos)
        r.remote_mta = std::string(words.substr(0, bracket));
    }
    scan::append_diagnostic(r.diagnostic, t);
  }
  for (auto& r : out.recipients) {
    // The reply code follows "failed with:" / "responded with failure:".
    for (std::string_view lead : {"failed with:", "with failure:"})
      if (auto p = text::ifind(r.diagnostic, lead); p != scan::npos && r.reply_code.empty())
        r.reply_code = scan::leading_reply_code(std::string_view(r.diagnostic).substr(p + lead.size()));
  }
  out.original_text = std::string(scan::header_block(split.original));
  scan::finish(out);
  return out;
}

}  // namespace bounced
