// dragonfly.cpp: the DragonFly Mail Agent's (dma) bounce: "This is the DragonFly Mail Agent v0.13 at
// host." then "There was an error delivering your mail to <addr>." and the error: either the remote
// server's reply ("mx.example.com [192.0.2.1] did not like our RCPT TO:" + "550 5.1.1 ...") or one of
// dma's own fixed messages ("DNS lookup failure: host x not found", "Could not deliver for the last N
// seconds. Giving up."), which decide the reason. "Message headers follow." / "Original message
// follows." introduce the original.
#include "common.hpp"
#include "text.hpp"

namespace bounced {
namespace {

constexpr std::string_view kName = "dragonfly";

constexpr std::string_view kStartMarker = "this is the dragonfly mail agent";
constexpr std::string_view kRecipientLead = "there was an error delivering your mail to ";
constexpr std::string_view kEndMarkers[] = {
    "message headers follow.",
    "original message follows.",
    "content-type: message/rfc822",
    "content-type: text/rfc822-headers",
};
constexpr std::string_view kDidNotLike = " did not like our ";

// dma's own error texts (dma.c, dns.c, net.c) and their meaning.
constexpr scan::FixedReason kFixedReasons[] = {
    {"could not deliver for the last", "expired"},
    {"dns lookup failure: host", "hostunknown"},
    {"smtp login failed", "securityerror"},
    {"smarthost authentication", "securityerror"},
    {"can not deliver to local mailbox", "mailererror"},
};

}  // namespace

std::optional<ScanResult> scan_dragonfly(const ScanInput& in) {
  const std::string_view body = in.body_text;
  const auto start = scan::find_marker(in, kStartMarker).pos;
  if (start == scan::npos) return std::nullopt;
  const auto rest = body.substr(start);
  const auto split = scan::split_at_original(rest, kEndMarkers);

  ScanResult result;
  ScannedRecipient* current = nullptr;
  bool own_words = true;  // no remote reply seen for the current recipient
  for (auto line : text::lines(split.report)) {
    const auto t = text::trim(line);
    if (t.empty()) continue;
    if (text::istarts_with(t, kRecipientLead)) {
      auto address = text::find_address(t.substr(kRecipientLead.size()));
      current = address.empty() ? nullptr : scan::add_recipient(result, std::move(address));
      if (current) current->action = "failed";
      own_words = true;
      continue;
    }
    if (!current) continue;
    if (const auto p = text::ifind(t, kDidNotLike); p != scan::npos) {  // "host [ip] did not like our X:"
      current->remote_mta = std::string(t.substr(0, t.find_first_of(" \t[")));
      current->smtp_command = scan::find_smtp_command(t);
      own_words = false;
    } else if (!own_words && current->reply_code.empty()) {
      current->reply_code = scan::leading_reply_code(t);
    }
    scan::append_diagnostic(current->diagnostic, t);
  }
  for (auto& r : result.recipients)
    // dma gave up retrying: reported as a delay that expired.
    if (r.reply_code.empty() && scan::apply_fixed(r, kFixedReasons, kName) && r.reason == "expired")
      r.action = "delayed";
  scan::finish(result);
  if (!split.original.empty()) result.original_text = std::string(scan::header_block(split.original));
  return result;
}

}  // namespace bounced
