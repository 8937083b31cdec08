// x5.cpp: the bounce Sisimai calls "X5": a Trend Micro InterScan (IMSS) notification sent to its
// "NotificationRecipients" mailbox that wraps the real delivery-status notification (a sendmail DSN)
// as a message/rfc822 attachment. The recipients are read from the wrapped DSN.
#include "mime.hpp"
#include "notification.hpp"
#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {

std::optional<ScanResult> scan_x5(const ScanInput& in) {
  if (in.delivery_status || !in.original) return std::nullopt;
  if (!scan::header_has(in, "to", "notificationrecipients")) return std::nullopt;
  if (!text::icontains(in.from, "Mail Delivery Subsystem") && !text::icontains(in.subject, "Mail Delivery Subsystem"))
    return std::nullopt;
  auto nested = parse_mime(in.original->body);
  if (nested.error != GuardError::none || !nested.root) return std::nullopt;
  const ScanInput inner = make_scan_input(*nested.root);
  if (!inner.delivery_status) return std::nullopt;
  ScanResult out = scan::dsn_recipients(inner.delivery_status->text());
  for (auto& r : out.recipients) r.smtp_command = scan::find_smtp_command(r.diagnostic);
  if (inner.original) out.original_text = std::string(scan::header_block(inner.original->body));
  scan::finish(out);
  return out;
}

}  // namespace bounced
