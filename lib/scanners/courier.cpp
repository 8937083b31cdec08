// courier.cpp: the Courier mail server's notice ("This is a delivery status notification from
// <host>, running the Courier mail server", Subject "NOTICE: mail delivery status." / "WARNING:
// delayed mail."). Under "UNDELIVERABLE MAIL" / "DELAYS IN DELIVERING YOUR MESSAGE" each address is
// a "<user@...>:" block with the remote host, the session (">>> RCPT TO:<...>", "<<< 550 ...") or
// Courier's own DNS verdict ("<<< No such domain.").
#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {
namespace {
// Courier's own verdicts.
constexpr scan::FixedReason kReasons[] = {
    {"no such domain.", "hostunknown"},
    {"this domain's dns violates rfc 1035.", "systemerror"},
    {"dns lookup failed.", "networkerror"},
};
}  // namespace

std::optional<ScanResult> scan_courier(const ScanInput& in) {
  const auto* mid = in.header("message-id");
  const bool match = text::icontains(in.from, "Courier mail server at ") ||
                     text::istarts_with(in.subject, "NOTICE: mail delivery status.") ||
                     text::istarts_with(in.subject, "WARNING: delayed mail.") ||
                     (mid && text::istarts_with(text::trim(*mid), "<courier."));
  if (!match) return std::nullopt;
  auto start = scan::find_line_starting(in.body_text, "UNDELIVERABLE MAIL");
  if (start == scan::npos) start = scan::find_line_starting(in.body_text, "DELAYS IN DELIVERING YOUR MESSAGE");
  if (start == scan::npos) return std::nullopt;
  const auto report = std::string_view(in.body_text).substr(start);

  ScanResult out;
  scan::LineCursor cur(report);
  std::string_view line;
  while (cur.next(line)) {
    const auto t = text::trim(line);
    if (t.empty()) continue;
    if (text::istarts_with(t, "-----")) {
      if (!out.recipients.empty()) break;  // end of the report section
      continue;
    }
    std::string addr;
    std::string_view rest;
    if (t.front() == '<' && t.substr(0, 3) != "<<<" && scan::address_block_open(t, addr, rest)) {
      if (!scan::add_recipient(out, std::move(addr))) break;
      continue;
    }
    if (out.recipients.empty()) continue;
    auto& r = out.recipients.back();
    if (t.substr(0, 3) == ">>>") {
      r.smtp_command = scan::command_word(t.substr(3));
    } else if (t.substr(0, 3) == "<<<") {
      scan::append_diagnostic(r.diagnostic, t.substr(3));
    } else if (t.back() == ':' && r.remote_mta.empty()) {  // "mx.example.jp [192.0.2.45]:"
      auto host = t.substr(0, t.size() - 1);
      r.remote_mta = std::string(host.substr(0, host.find(' ')));
    }
  }
  for (auto& r : out.recipients) scan::apply_fixed(r, kReasons, "courier");
  scan::finish(out);
  return out;
}

}  // namespace bounced
