// x4.cpp: the bounces Sisimai calls "X4": qmail derivatives and qmail-fronted ISPs that rewrote
// qmail-send's greeting ("Your mail message to the following address(es) could not be delivered.",
// "Unable to deliver message to the following address(es).", "This is the mail delivery agent at
// ...", "Su mensaje no pudo ser entregado", ...) but kept its layout: "<user@example.com>:" blocks
// with qmail-remote's sentences and "Remote host said: ...", the original after "--- Below this line
// is a copy of the message." / "--- Original message follows.". Classic qmail-send bounces are left
// to the qmail scanner.
#include <algorithm>

#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {
namespace {

// Rewritten greetings (lowercase, matched at the start of a line).
constexpr std::string_view kStarts[] = {
    "he/her is not ",
    "su mensaje no pudo ser entregado",
    "this is the machine generated message from mail service",
    "this is the mail delivery agent at",
    "unable to deliver message to the following address",
    "unfortunately, your mail was not delivered to the following address:",
    "your mail message to the following address",
    "your message to the following addresses",
    "we're sorry.",
};
constexpr std::string_view kOriginalMarkers[] = {"--- below this line is a copy of the message",
                                                 "--- original message follows."};
// qmail's own sentences that fix the reason (the first match wins).
constexpr scan::FixedReason kReasons[] = {
    {"sorry, no mailbox here by that name", "userunknown"},
    {"does not like recipient.", "userunknown"},
    {"disk quota exceeded", "mailboxfull"},
    {"message size exceeds fixed maximum message size:", "mesgtoobig"},
    {"sorry, i couldn't find any host ", "hostunknown"},
    {"requested action not taken: mailbox unavailable (not enough free space)", "systemfull"},
    {"sorry, i wasn't able to establish an smtp connection", "networkerror"},
    {"sorry, i couldn't find a mail exchanger or ip address", "networkerror"},
    {"sorry. although i'm listed as a best-preference mx or a for that host", "networkerror"},
    {"this message has been in the queue too long", "expired"},
};
// qmail-remote's sentences naming the SMTP stage.
struct Stage {
  std::string_view phrase;
  const char* command;
};
constexpr Stage kStages[] = {
    {"but greeting failed", "CONN"},          {"but my name was rejected", "EHLO"},
    {"but sender was rejected", "MAIL"},      {"does not like recipient", "RCPT"},
    {"failed on data command", "DATA"},       {"failed after i sent the message", "DATA"},
};

}  // namespace

std::optional<ScanResult> scan_x4(const ScanInput& in) {
  const bool subject = text::istarts_with(in.subject, "failure notice") ||
                       text::istarts_with(in.subject, "Permanent Delivery Failure");
  if (!subject && !scan::any_header_has(in, "received", "invoked for bounce)")) return std::nullopt;
  const auto split = scan::split_at_original(in, in.body_text, kOriginalMarkers);
  if (text::ifind(split.report, "qmail-send program") != scan::npos) return std::nullopt;  // classic qmail
  std::size_t start = scan::npos;
  for (auto s : kStarts) start = std::min(start, scan::find_line_starting(split.report, s));
  if (start == scan::npos) return std::nullopt;

  ScanResult out;
  for (auto& block : scan::address_blocks(split.report.substr(start))) {
    auto* r = scan::add_recipient(out, std::move(block.address));
    if (!r) break;
    r->diagnostic = std::move(block.text);
    r->remote_mta = scan::find_remote_host(r->diagnostic);
    const auto lowered = text::lower(r->diagnostic);
    for (const auto& s : kStages)
      if (lowered.find(s.phrase) != std::string::npos) r->smtp_command = s.command;
    if (r->smtp_command.empty()) r->smtp_command = scan::find_smtp_command(r->diagnostic);
    if (r->smtp_command == "MAIL") {
      r->reason = "rejected";
      r->decided_by = "scanner:x4:sender-rejected";
    } else if (r->smtp_command == "EHLO" || r->smtp_command == "HELO") {
      r->reason = "blocked";
      r->decided_by = "scanner:x4:name-rejected";
    } else {
      scan::apply_fixed(*r, kReasons, "x4");
    }
  }
  out.original_text = std::string(scan::header_block(split.original));
  scan::finish(out);
  return out;
}

}  // namespace bounced
