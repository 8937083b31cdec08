// facebook.cpp: Facebook's mail gateway (From "Facebook <mailer-daemon@mx.facebook.com>", Subject
// "Sorry, your message could not be delivered"). The delivery-status part's Diagnostic-Code carries
// one of Facebook's published response codes ("RCP-P1", "POL-P2", ...), which fixes the reason.
#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {
namespace {

struct ResponseCode {
  std::string_view code;
  const char* reason;
};
// postmaster.facebook.com/response_codes
constexpr ResponseCode kCodes[] = {
    {"RCP-P1", "userunknown"},   {"INT-P1", "userunknown"},   {"INT-P3", "userunknown"},
    {"INT-P4", "userunknown"},   {"RCP-P2", "filtered"},      {"RCP-P3", "filtered"},
    {"POL-P1", "blocked"},       {"POL-P2", "blocked"},       {"MSG-P1", "mesgtoobig"},
    {"INT-P2", "mesgtoobig"},    {"MSG-P2", "contenterror"},  {"MSG-P3", "contenterror"},
    {"POL-P6", "contenterror"},  {"POL-P7", "contenterror"},  {"POL-P3", "notaccept"},
    {"POL-P4", "notaccept"},     {"POL-T1", "notaccept"},     {"POL-T2", "notaccept"},
    {"POL-T3", "notaccept"},     {"DNS-P1", "rejected"},      {"DNS-P2", "rejected"},
    {"DNS-T1", "rejected"},      {"DNS-P3", "rejected"},      {"DNS-T2", "rejected"},
    {"CON-T1", "systemerror"},   {"RCP-T1", "systemerror"},   {"CON-T2", "toomanyconn"},
    {"CON-T3", "toomanyconn"},   {"POL-P5", "virusdetected"}, {"RCP-T4", "suspend"},
};

// "XXX-P1" / "XXX-T1" in the text, or "".
std::string_view response_code(std::string_view t) {
  for (std::size_t i = 0; i + 6 <= t.size(); ++i) {
    if (t[i + 3] != '-') continue;
    auto up = [](char c) { return c >= 'A' && c <= 'Z'; };
    if (!up(t[i]) || !up(t[i + 1]) || !up(t[i + 2]) || !up(t[i + 4]) || t[i + 5] < '0' || t[i + 5] > '9') continue;
    if (i > 0 && up(t[i - 1])) continue;
    if (i + 6 < t.size() && t[i + 6] >= '0' && t[i + 6] <= '9') continue;
    return t.substr(i, 6);
  }
  return {};
}

}  // namespace

std::optional<ScanResult> scan_facebook(const ScanInput& in) {
  if (!text::icontains(in.from, "mailer-daemon@mx.facebook.com")) return std::nullopt;
  if (!in.delivery_status) return std::nullopt;
  ScanResult out = scan::dsn_recipients(in.delivery_status->text());
  for (auto& r : out.recipients) {
    const auto code = response_code(r.diagnostic);
    if (code.empty()) continue;
    for (const auto& c : kCodes)
      if (c.code == code) {
        r.reason = c.reason;
        r.decided_by = "scanner:facebook:" + std::string(code);
      }
    if (r.reason.empty() && code.substr(0, 5) == "INT-T") {
      r.reason = "systemerror";  // Facebook's internal temporary failures
      r.decided_by = "scanner:facebook:" + std::string(code);
    }
  }
  scan::finish(out);
  return out;
}

}  // namespace bounced
