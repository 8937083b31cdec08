// messagelabs.cpp: Symantec Email Security.cloud, formerly MessageLabs (From
// "MAILER-DAEMON@messagelabs.com", header X-Msg-Ref naming a *.messagelabs.com server, Subject
// "Mail Delivery Failure"). The text part says "I was unable to deliver your message to the following
// addresses:", then the address and "Reason: <the next hop's reply>"; a delivery-status part repeats
// it. The service names no SMTP command; the replies below are its relays' refusals of the recipient
// (542 "<addr> Rejected" is what the service returns for an address its customer does not accept).
#include "common.hpp"
#include "text.hpp"

namespace bounced {
namespace {

constexpr std::string_view kName = "messagelabs";
constexpr std::string_view kStartMarker = "i was unable to deliver your message to the following addresses";

constexpr scan::FixedReason kFixedReasons[] = {
    {"no such user", "userunknown"},
    {"please turn on smtp authentication in your mail client", "securityerror"},
};

}  // namespace

std::optional<ScanResult> scan_messagelabs(const ScanInput& in) {
  if (!text::icontains(in.from, "@messagelabs.com") && !scan::header_has(in, "x-msg-ref", ".messagelabs.com"))
    return std::nullopt;
  const auto start = scan::find_marker(in, kStartMarker);
  if (!start) return std::nullopt;
  const std::string_view body = in.body_text;
  const auto report = scan::split_at_original(in, body.substr(start.end), scan::kEmbeddedPartMarkers).report;

  ScanResult result;
  ScannedRecipient* current = nullptr;
  for (auto line : text::lines(report)) {
    const auto t = text::trim(line);
    std::string address;
    if (scan::address_line(t, address)) {
      current = scan::add_recipient(result, std::move(address));
      if (!current) break;
      current->action = "failed";
      continue;
    }
    if (current && text::istarts_with(t, "reason:") && current->diagnostic.empty())
      current->diagnostic = std::string(text::trim(t.substr(7)));
  }
  if (result.recipients.empty() && in.delivery_status) result = scan::dsn_recipients(in.delivery_status->text());
  for (auto& r : result.recipients) {
    if (scan::apply_fixed(r, kFixedReasons, kName)) continue;
    const std::string lower = text::lower(r.diagnostic);
    if (lower.starts_with("542 ") && lower.find(" rejected") != std::string::npos) {
      r.reason = "userunknown";
      r.decided_by = "scanner:messagelabs:542 rejected";
    }
  }
  scan::finish(result);
  return result;
}

}  // namespace bounced
