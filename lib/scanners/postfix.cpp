// postfix.cpp: Postfix's plain-text bounce ("This is the mail system at host ...", older "This is the
// Postfix program at host ..." / "The Postfix program") with its "<addr>: host X said: ..." blocks, and
// the postmaster notice "Postfix SMTP server: errors from ..." that carries an SMTP session transcript.

#include "common.hpp"
#include "text.hpp"

namespace bounced {
namespace {

// Lines that open Postfix's report (bounce(8) templates, default and older wording).
constexpr std::string_view kStartMarkers[] = {
    "this is the mail system at host ",
    "this is the postfix program at host ",
    "the postfix program\n",
    "postfix program at host ",
    // The template under another mail_name ("This is the Keftamail program at host ..."): its next
    // sentence is Postfix's own.
    "i'm sorry to have to inform you that the message returned",
    "i'm sorry to have to inform you that your message could not",
};
// Where the report ends: the attached original / delivery report (when not split by MIME).
constexpr std::string_view kEndMarkers[] = {
    "content-type: message/rfc822",
    "content-type: text/rfc822-headers",
    "content-type: message/delivery-status",
    "content-type: message/global",
    "content-description: undelivered message",
    "content-description: delivery report",
};
constexpr std::string_view kReportUnavailable = "--- delivery report unavailable ---";
// The delay notice's banner.
constexpr std::string_view kWarningBanner = "this is a warning only";

// AOL's outbound Postfix (its notifications carry X-AOL-IP) gives up on these DNS answers for good:
// a domain whose MX cannot be resolved does not accept mail.
constexpr scan::FixedReason kAolReasons[] = {
    {"host or domain name not found", "hostunknown"},
    {"type=mx: malformed or unexpected name server reply", "notaccept"},
};

// The SMTP server's error notice to the postmaster: a session transcript, one "In:"/"Out:" line each.
constexpr std::string_view kTranscriptSubject = "postfix smtp server: errors from";
constexpr std::string_view kTranscriptMarker = "transcript of session follows";

std::optional<ScanResult> scan_transcript(const ScanInput& in) {
  const auto& body = in.body_text;
  const auto start = text::ifind(body, kTranscriptMarker);
  if (start == scan::npos) return std::nullopt;
  ScanResult result;
  std::string last_command, error;
  std::string error_command;
  for (auto line : text::lines(std::string_view(body).substr(start))) {
    auto t = text::trim(line);
    if (text::istarts_with(t, "in:")) {
      t = text::trim(t.substr(3));
      last_command = scan::command_word(t);
      if (last_command == "RCPT") {
        const auto lt = t.find('<');
        const auto gt = t.find('>', lt == scan::npos ? 0 : lt);
        if (lt != scan::npos && gt != scan::npos) {
          const auto address = t.substr(lt + 1, gt - lt - 1);
          if (text::is_address(address)) scan::add_recipient(result, std::string(address));
        }
      }
    } else if (text::istarts_with(t, "out:") && error.empty()) {
      t = text::trim(t.substr(4));
      if (!t.empty() && (t.front() == '4' || t.front() == '5')) {
        error = std::string(t);
        error_command = last_command;
      }
    }
  }
  for (auto& r : result.recipients) {
    r.diagnostic = error;
    r.smtp_command = error_command;
    r.action = (!error.empty() && error.front() == '4') ? "delayed" : "failed";
  }
  scan::finish(result);
  return result;
}

}  // namespace

std::optional<ScanResult> scan_postfix(const ScanInput& in) {
  const std::string_view body = in.body_text;
  const auto start = scan::find_marker(in, kStartMarkers);
  if (!start) {
    if (text::icontains(in.subject, kTranscriptSubject)) return scan_transcript(in);
    return std::nullopt;
  }

  const auto rest = body.substr(start.pos);
  const auto [report, original] = scan::split_report(in, rest, kEndMarkers, scan::kOriginalPartMarkers);

  ScanResult result;
  const bool delayed = text::icontains(report, kWarningBanner);
  for (auto& block : scan::address_blocks(report)) {
    auto* r = scan::add_recipient(result, std::move(block.address));
    if (!r) break;
    r->diagnostic = std::move(block.text);
    r->remote_mta = scan::find_remote_host(r->diagnostic);
    r->smtp_command = scan::find_smtp_command(r->diagnostic);
    r->action = delayed ? "delayed" : "failed";
  }
  // "--- Delivery report unavailable ---": the only recipient named is the original's To:.
  if (result.recipients.empty() && text::icontains(report, kReportUnavailable)) {
    auto to = text::find_address(scan::original_header(in, original, "to"));
    if (!to.empty()) scan::add_recipient(result, std::move(to))->action = "failed";
  }
  if (in.header("x-aol-ip"))
    for (auto& r : result.recipients) scan::apply_fixed(r, kAolReasons, "aol");
  scan::finish(result);
  if (!original.empty()) result.original_text = std::string(scan::header_block(original));
  return result;
}

}  // namespace bounced
