// messagingserver.cpp: Oracle (Sun, iPlanet, Netscape) Messaging Server and its ancestor PMDF
// (Subject "Delivery Notification: ...", MIME boundary "Boundary_(ID_..."). After "This report relates
// to a message you sent with the following header fields:" each recipient is an indented group:
// "Recipient address:", "Original address:" (the address the sender used), "Reason:", "Diagnostic
// code: smtp;550 ...", "Remote system: dns;mx.example.net (...)".
#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {
namespace {
constexpr std::string_view kStart = "This report relates to a message you sent with the following header fields:";
constexpr scan::FixedReason kReasons[] = {
    {"illegal host/domain name found", "hostunknown"},
};
}  // namespace

std::optional<ScanResult> scan_messagingserver(const ScanInput& in) {
  if (!text::istarts_with(in.subject, "Delivery Notification: ") &&
      !scan::header_has(in, "content-type", "boundary_(id_"))
    return std::nullopt;
  const auto start = scan::find_line_starting(in.body_text, kStart);
  if (start == scan::npos) return std::nullopt;

  ScanResult out;
  std::string original;  // the header fields the report quotes
  ScannedRecipient* r = nullptr;
  scan::LineCursor cur(std::string_view(in.body_text).substr(start));
  std::string_view line;
  cur.next(line);
  auto value_of = [](std::string_view t, std::string_view label) { return text::trim(t.substr(label.size())); };
  while (cur.next(line)) {
    const auto t = text::trim(line);
    if (t.empty()) continue;
    if (text::istarts_with(t, "Recipient address:")) {
      auto v = value_of(t, "Recipient address:");
      // "@smtp.example.net:user@server" (a source route) keeps only the mailbox.
      if (!v.empty() && v.front() == '@' && v.find(':') != scan::npos) v = v.substr(v.find(':') + 1);
      r = scan::add_recipient(out, std::string(v));
      if (!r) break;
      continue;
    }
    if (!r) {
      // The quoted header fields of the original, before the first recipient group.
      if (line.front() == ' ' && t.find(':') != scan::npos && original.size() < 4096) original.append(t).push_back('\n');
      continue;
    }
    if (text::istarts_with(t, "Original address:")) {
      if (auto v = value_of(t, "Original address:"); text::is_address(v)) r->recipient = std::string(v);
    } else if (text::istarts_with(t, "Reason:")) {
      if (r->diagnostic.empty()) r->diagnostic = std::string(value_of(t, "Reason:"));
    } else if (text::istarts_with(t, "Diagnostic code:")) {
      auto v = value_of(t, "Diagnostic code:");
      if (auto semi = v.find(';'); semi != scan::npos && semi < 12) v = text::trim(v.substr(semi + 1));
      r->diagnostic = std::string(v);
    } else if (text::istarts_with(t, "Remote system:")) {
      auto v = value_of(t, "Remote system:");
      if (auto semi = v.find(';'); semi != scan::npos && semi < 12) v = text::trim(v.substr(semi + 1));
      r->remote_mta = std::string(v.substr(0, v.find_first_of(" (")));
    } else if (text::istarts_with(t, "Reporting-MTA:") || text::istarts_with(t, "Action:")) {
      break;  // the machine-readable part pasted after the report
    }
  }
  for (auto& x : out.recipients) scan::apply_fixed(x, kReasons, "messagingserver");
  if (!in.original) out.original_text = std::move(original);
  scan::finish(out);
  return out;
}

}  // namespace bounced
