// opensmtpd.cpp: OpenSMTPD's bounce and delay notice ("Hi!\n\nThis is the MAILER-DAEMON, please DO NOT
// REPLY to this e-mail." then "An error has occurred while attempting to deliver a message for the
// following list of recipients:" or "A message is delayed for more than N hours for the following list
// of recipients:"), one "addr: error" line per recipient. The error is either the remote server's reply
// ("550 5.1.1 ...") or one of smtpd's own fixed messages, which decide the reason.
#include "common.hpp"
#include "reason_rules.hpp"
#include "text.hpp"

namespace bounced {
namespace {

constexpr std::string_view kName = "opensmtpd";

constexpr std::string_view kStartMarkers[] = {
    "this is the mailer-daemon, please do not reply to this e-mail",
    "this is the mailer-daemon, please do not reply to this email",
};
constexpr std::string_view kListMarker = "list of recipients:";
constexpr std::string_view kDelayMarker = "a message is delayed for more than";
constexpr std::string_view kEndMarkers[] = {
    "below is a copy of the original message",
    "content-type: message/rfc822",
    "content-type: text/rfc822-headers",
    "content-type: message/delivery-status",
};
constexpr std::string_view kOriginalMarkers[] = {
    "below is a copy of the original message",
    "content-type: message/rfc822",
    "content-type: text/rfc822-headers",
};

// smtpd's own error texts (mta.c, mta_session.c, queue) and their meaning.
constexpr scan::FixedReason kFixedReasons[] = {
    {"envelope expired", "expired"},
    {"invalid domain name", "hostunknown"},
    {"domain does not exist", "hostunknown"},
    {"no mx found for domain", "notaccept"},
    {"no mx found for destination", "notaccept"},
    {"destination seem to reject all mails", "notaccept"},
    {"address family mismatch on destination mxs", "networkerror"},
    {"all routes to destination blocked", "networkerror"},
    {"bad dns lookup error code", "networkerror"},
    {"could not retrieve source address", "networkerror"},
    {"loop detected", "networkerror"},
    {"network error on destination mxs", "networkerror"},
    {"no valid route to remote mx", "networkerror"},
    {"no valid route to destination", "networkerror"},
    {"temporary failure in mx lookup", "networkerror"},
    {"could not retrieve credentials", "securityerror"},
};

}  // namespace

std::optional<ScanResult> scan_opensmtpd(const ScanInput& in) {
  const std::string_view body = in.body_text;
  const auto start = scan::find_marker(in, kStartMarkers);
  if (!start) return std::nullopt;
  const auto rest = body.substr(start.pos);
  const auto list = text::ifind(rest, kListMarker);
  if (list == scan::npos) return std::nullopt;
  const bool delayed = text::icontains(rest.substr(0, list), kDelayMarker);
  const auto report = scan::split_at_original(rest.substr(list + kListMarker.size()), kEndMarkers).report;
  const auto original = scan::split_at_original(rest, kOriginalMarkers).original;

  ScanResult result;
  for (auto line : text::lines(report)) {
    if (line.empty() || line.front() == ' ' || line.front() == '\t') continue;  // smtpd indents its prose
    const auto colon = line.find(": ");
    if (colon == scan::npos) continue;
    const auto address = text::trim(line.substr(0, colon));
    if (!text::is_address(address)) continue;
    auto* r = scan::add_recipient(result, std::string(address));
    if (!r) break;
    r->diagnostic = std::string(text::trim(line.substr(colon + 2)));
    r->action = delayed ? "delayed" : "failed";
    r->smtp_command = scan::find_smtp_command(r->diagnostic);
    // smtpd's own messages carry no reply code; a remote reply is left to classification.
    if (scan::leading_reply_code(r->diagnostic).empty() && scan::apply_fixed(*r, kFixedReasons, kName)) {
      if (r->reason == "expired") r->action = "delayed";  // the queue lifetime ran out: a delay that expired
      // smtpd's DSN Status for its own errors is a placeholder (4.0.0 / 5.0.0, 4.4.7 once the envelope
      // expires, whatever the cause); the message above is the verdict, and smtpd returns the message
      // for good: the permanent pseudo code of its reason, which the pipeline prefers to the field.
      r->status = std::string(pseudo_status(r->reason, true));
    }
  }
  scan::finish(result);
  if (!original.empty()) result.original_text = std::string(scan::header_block(original));
  return result;
}

}  // namespace bounced
