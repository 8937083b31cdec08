// amazonworkmail.cpp: Amazon WorkMail bounces. WorkMail writes RFC 3464 fields as plain text after
// "Technical report:" (no message/delivery-status part), and wraps the last remote reply in
// "<421 4.4.2 Connection timed out>" at the end of its own Diagnostic-Code.
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

std::optional<ScanResult> scan_amazonworkmail(const ScanInput& in) {
  if (!is_workmail(in)) return std::nullopt;
  const auto split = scan::split_at_original(in, in.body_text, scan::kOriginalPartMarkers);
  constexpr std::string_view kStart = "Technical report:";
  const auto start = scan::find_line_starting(split.report, kStart);
  if (start == scan::npos) return std::nullopt;
  std::optional<ScanResult> out = scan::dsn_recipients(split.report.substr(start + kStart.size()));
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
