// apachejames.cpp: Apache James' bounce, also what Verizon's vtext.com gateway sends: "Error: ...",
// "Error message below:", the remote reply ("550 - Requested action not taken: no such user here"),
// then "Message details:" with indented "Subject:", "MAIL FROM:", "RCPT TO: <address>" lines.
// Verizon's MMS gateway (vzwpix.com) writes "Message could not be delivered to mobile." / "Error: ..."
// and names the recipient in an "Original Message:" block's "To:" line.
#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {
namespace {

// Verizon's fixed texts.
constexpr scan::FixedReason kVerizonReasons[] = {
    {"550 - requested action not taken: no such user here", "userunknown"},
    {"no valid recipients for this mm", "userunknown"},
};

// The James layout. Returns recipients from "RCPT TO:" lines with the error text as diagnostic.
ScanResult parse_james(std::string_view report, std::string& subject) {
  ScanResult out;
  std::string diagnostic;
  bool in_error = false, in_details = false;
  scan::LineCursor cur(report);
  std::string_view line;
  while (cur.next(line)) {
    auto t = text::trim(line);
    if (t.empty()) continue;
    if (text::iequals(t, "Error message below:")) {
      in_error = true;
      diagnostic.clear();  // the remote reply replaces James' one-line summary
      continue;
    }
    if (text::iequals(t, "Message details:")) {
      in_error = false;
      in_details = true;
      continue;
    }
    if (in_error) {
      scan::append_diagnostic(diagnostic, t);
      continue;
    }
    if (in_details && text::istarts_with(t, "RCPT TO:")) {
      if (auto addr = text::find_address(t.substr(8)); !addr.empty()) scan::add_recipient(out, std::move(addr));
      continue;
    }
    if (in_details && text::istarts_with(t, "Subject:") && subject.empty()) subject = std::string(text::trim(t.substr(8)));
    if (!in_details && text::istarts_with(t, "Error:") && diagnostic.empty()) {
      // "Error: Invalid user address" is James' summary; the remote reply (if any) replaces it.
      diagnostic = std::string(text::trim(t.substr(6)));
    }
  }
  for (auto& r : out.recipients) {
    r.diagnostic = diagnostic;
    r.smtp_command = scan::find_smtp_command(diagnostic);
  }
  return out;
}

std::optional<ScanResult> finish_james(ScanResult out, const std::string& subject, const ScanInput& in) {
  if (!subject.empty() && !in.original) out.original_text = "Subject: " + subject + "\n";
  scan::finish(out);
  return out;
}

// Verizon MMS: "Error: No valid recipients for this MM" and "To: <number>@vzwpix.com".
ScanResult parse_vzwpix(std::string_view report, std::string& subject) {
  ScanResult out;
  std::string diagnostic;
  const auto start = scan::find_line_starting(report, "Message could not be delivered to mobile");
  if (start == scan::npos) return out;
  scan::LineCursor cur(report.substr(start));
  std::string_view line;
  while (cur.next(line)) {
    auto t = text::trim(line);
    if (text::istarts_with(t, "Error:") && diagnostic.empty()) diagnostic = std::string(text::trim(t.substr(6)));
    else if (text::istarts_with(t, "To:")) {
      if (auto addr = text::find_address(t.substr(3)); !addr.empty()) scan::add_recipient(out, std::move(addr));
    } else if (text::istarts_with(t, "Subject:") && subject.empty()) {
      subject = std::string(text::trim(t.substr(8)));
    }
  }
  for (auto& r : out.recipients) r.diagnostic = diagnostic;
  return out;
}

}  // namespace

std::optional<ScanResult> scan_verizon(const ScanInput& in) {
  const bool vtext = text::icontains(in.from, "post_master@vtext.com");
  const bool vzwpix = text::icontains(in.from, "vzwpix.com");
  if (!vtext && !vzwpix) return std::nullopt;
  std::string subject;
  ScanResult out = vtext ? parse_james(in.body_text, subject) : parse_vzwpix(in.body_text, subject);
  for (auto& r : out.recipients) scan::apply_fixed(r, kVerizonReasons, "verizon");
  return finish_james(std::move(out), subject, in);
}

std::optional<ScanResult> scan_apachejames(const ScanInput& in) {
  const auto* mid = in.header("message-id");
  const bool match = text::trim(in.subject) == "[BOUNCE]" || (mid && text::icontains(*mid, ".JavaMail.")) ||
                     scan::any_header_has(in, "received", "james smtp server");
  if (!match) return std::nullopt;
  if (text::ifind(in.body_text, "message details:") == scan::npos) return std::nullopt;
  std::string subject;
  return finish_james(parse_james(in.body_text, subject), subject, in);
}

}  // namespace bounced
