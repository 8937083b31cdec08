// mcafee.cpp: McAfee Email (and Web Security) Gateway appliances (header "X-NAI-Header: Modified by
// McAfee ...", Subject "Delivery Status"). The text part lists "<addr>   (the remote server's words)"
// under "--- The following addresses had delivery problems ---"; a delivery-status part usually
// follows with the same address as Original-Recipient. The appliance names no SMTP command, but the
// unknown-user wordings it relays are the next hop's answer to RCPT TO, so they mean userunknown
// (not a content filter, as a user-unknown text after DATA would).
#include "common.hpp"
#include "text.hpp"

namespace bounced {
namespace {

constexpr std::string_view kName = "mcafee";
constexpr std::string_view kStartMarker = "--- the following addresses had delivery problems ---";

constexpr scan::FixedReason kFixedReasons[] = {
    {"unknown user", "userunknown"},
    {"user unknown", "userunknown"},
    {"user not exist", "userunknown"},
    {"no such user", "userunknown"},
};

// "User (addr) unknown." -- the appliance's own rewording of a 550.
bool user_paren_unknown(std::string_view lower) {
  const auto p = lower.find("user (");
  return p != std::string_view::npos && lower.find(") unknown", p) != std::string_view::npos;
}

}  // namespace

std::optional<ScanResult> scan_mcafee(const ScanInput& in) {
  if (!scan::header_has(in, "x-nai-header", "mcafee")) return std::nullopt;
  const auto start = scan::find_marker(in, kStartMarker);
  if (!start) return std::nullopt;
  const std::string_view body = in.body_text;
  const auto report = scan::split_at_original(in, body.substr(start.end), scan::kEmbeddedPartMarkers).report;

  ScanResult result;
  for (auto line : text::lines(report)) {
    const auto t = text::trim(line);
    // "<user@example.com>   (550 Unknown user user@example.com)"
    if (t.size() < 3 || t.front() != '<') continue;
    const auto gt = t.find('>');
    if (gt == scan::npos || !text::is_address(t.substr(1, gt - 1))) continue;
    auto* r = scan::add_recipient(result, std::string(t.substr(1, gt - 1)));
    if (!r) break;
    auto words = text::trim(t.substr(gt + 1));
    if (words.size() >= 2 && words.front() == '(' && words.back() == ')') words = words.substr(1, words.size() - 2);
    r->diagnostic = std::string(words);
    r->action = "failed";
  }
  // The delivery-status part holds the same recipients with the full reply.
  if (result.recipients.empty() && in.delivery_status) result = scan::dsn_recipients(in.delivery_status->text());
  for (auto& r : result.recipients) {
    if (scan::apply_fixed(r, kFixedReasons, kName)) continue;
    if (user_paren_unknown(text::lower(r.diagnostic))) {
      r.reason = "userunknown";
      r.decided_by = "scanner:mcafee:user (...) unknown";
    }
  }
  scan::finish(result);
  return result;
}

}  // namespace bounced
