// outlook.cpp: Outlook.com / Hotmail (MSN) delivery status notifications: From postmaster@hotmail.com
// or outlook.com, Subject "Delivery Status Notification (Failure)", text part "This is an
// automatically generated Delivery Status Notification." and a delivery-status part whose
// Diagnostic-Code is the Hotmail servers' reply. Those replies come from the RCPT stage, so
// "mailbox unavailable" means the mailbox does not exist. Recognised by at least two of: the
// subject, Hotmail's X-Message-Delivery / X-Message-Info headers, a Received hop through
// *.hotmail.com, a hotmail.com / outlook.com sender.
#include "common.hpp"
#include "text.hpp"

namespace bounced {
namespace {

constexpr std::string_view kName = "outlook";
constexpr std::string_view kStartMarker = "this is an automatically generated delivery status notification";

constexpr scan::FixedReason kFixedReasons[] = {
    {"requested action not taken: mailbox unavailable", "userunknown"},
    {"the mail could not be delivered to the recipient because the domain is not reachable", "hostunknown"},
};

}  // namespace

std::optional<ScanResult> scan_outlook(const ScanInput& in) {
  if (!in.delivery_status) return std::nullopt;
  int signs = 0;
  if (text::icontains(in.subject, "delivery status notification")) ++signs;
  if (in.header("x-message-delivery")) ++signs;
  if (in.header("x-message-info")) ++signs;
  if (scan::any_header_has(in, "received", ".hotmail.com")) ++signs;
  if (text::icontains(in.from, "@hotmail.com") || text::icontains(in.from, "@outlook.com")) ++signs;
  if (signs < 2) return std::nullopt;
  if (!scan::find_marker(in, kStartMarker)) return std::nullopt;
  ScanResult result = scan::dsn_recipients(in.delivery_status->text());
  for (auto& r : result.recipients) scan::apply_fixed(r, kFixedReasons, kName);
  scan::finish(result);
  return result;
}

}  // namespace bounced
