// zoho.cpp: Zoho Mail's bounce: "This message was created automatically by mail delivery software.",
// then one line per recipient "user@example.com Invalid Address, ERROR_CODE :550, ERROR_CODE :5.1.1 ..."
// or, in delay notices, "[Status: Error, Address: <user@example.com>, ResponseCode 421, , Host not
// reachable.]". The original's headers follow ("Received:from mail.zoho.com by mx.zohomail.com").
#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {
namespace {

constexpr std::string_view kStart = "This message was created automatically by mail delivery";
constexpr std::string_view kOriginalMarkers[] = {"received:from mail.zoho", "received: from mail.zoho"};
constexpr scan::FixedReason kReasons[] = {
    {"host not reachable", "expired"},
};

// The number after a label such as "ERROR_CODE :" or "ResponseCode ".
std::string code_after(std::string_view t, std::string_view label) {
  const auto p = text::ifind(t, label);
  if (p == scan::npos) return {};
  return scan::leading_reply_code(t.substr(p + label.size()));
}

}  // namespace

std::optional<ScanResult> scan_zoho(const ScanInput& in) {
  if (!in.header("x-zohomail") && !text::icontains(in.from, "mailer-daemon@mail.zoho")) return std::nullopt;
  const auto split = scan::split_at_original(in, in.body_text, kOriginalMarkers);
  const auto start = scan::find_line_starting(split.report, kStart);
  if (start == scan::npos) return std::nullopt;

  ScanResult out;
  scan::LineCursor cur(split.report.substr(start));
  std::string_view line;
  while (cur.next(line)) {
    auto t = text::trim(line);
    if (t.empty()) continue;
    std::string addr;
    if (text::istarts_with(t, "[Status:")) {
      addr = text::find_address(t);
    } else {
      const auto sp = t.find_first_of(" \t");
      if (sp != scan::npos && text::is_address(t.substr(0, sp))) addr = std::string(t.substr(0, sp));
    }
    if (addr.empty()) continue;
    auto* r = scan::add_recipient(out, std::move(addr));
    if (!r) break;
    r->diagnostic = std::string(t);
    r->reply_code = code_after(t, "error_code :");
    if (r->reply_code.empty()) r->reply_code = code_after(t, "responsecode ");
    if (scan::apply_fixed(*r, kReasons, "zoho") && r->reason == "expired") r->action = "delayed";
  }
  out.original_text = std::string(scan::header_block(split.original));
  scan::finish(out);
  return out;
}

}  // namespace bounced
