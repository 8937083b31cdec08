// amazonworkmail.cpp: Amazon WorkMail bounces. WorkMail writes RFC 3464 fields as plain text after
// "Technical report:" (no message/delivery-status part), and wraps the last remote reply in
// "<421 4.4.2 Connection timed out>" at the end of its own Diagnostic-Code.
#include "dsn.hpp"
#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {
namespace {
bool is_workmail(const ScanInput& in) {
  const auto* mailer = in.header("x-mailer");
  if (!mailer) mailer = in.header("x-original-mailer");
  return mailer && text::icontains(*mailer, "amazon workmail");
}
}  // namespace

// Shared with amazonses.cpp: RFC 3464 fields written as text after a start line.
std::optional<ScanResult> scan_text_dsn(std::string_view report, std::string_view start_marker) {
  const auto start = scan::find_line_starting(report, start_marker);
  if (start == std::string_view::npos) return std::nullopt;
  auto dsn = parse_delivery_status(report.substr(start + start_marker.size()));
  ScanResult out;
  for (const auto& d : dsn.recipients) {
    ScannedRecipient r;
    r.recipient = d.final_recipient.empty() ? d.original_recipient : d.final_recipient;
    if (r.recipient.empty()) continue;
    r.action = d.action;
    r.status = d.status;
    r.diagnostic = text::fold_space(d.diagnostic_code);
    r.remote_mta = d.remote_mta;
    if (out.recipients.size() >= scan::kMaxRecipients) break;
    out.recipients.push_back(std::move(r));
  }
  return out;
}

std::optional<ScanResult> scan_amazonworkmail(const ScanInput& in) {
  if (!is_workmail(in)) return std::nullopt;
  const auto split = scan::split_at_original(in.body_text, scan::kOriginalPartMarkers);
  auto out = scan_text_dsn(split.report, "Technical report:");
  if (!out) return std::nullopt;
  for (auto& r : out->recipients) {
    // "<421 4.4.2 Connection timed out>": the remote server's own reply beats WorkMail's summary.
    const auto lt = r.diagnostic.rfind('<');
    if (lt != std::string::npos && r.diagnostic.back() == '>') {
      std::string_view inner = std::string_view(r.diagnostic).substr(lt + 1);
      if (auto code = text::find_reply_code(inner); !code.empty() && inner.substr(0, 3) == code) {
        r.reply_code = code;
        if (auto st = text::find_status(inner); !st.empty()) r.status = st;
      }
    }
    r.smtp_command = scan::find_smtp_command(r.diagnostic);
  }
  scan::finish(*out);
  return out;
}

}  // namespace bounced
