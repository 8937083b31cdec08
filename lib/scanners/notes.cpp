// notes.cpp: IBM (Lotus) Notes' plain-text bounce (Subject "Undeliverable message"): after
// "------- Failure Reasons --------" the reason text, then the failed address on its own line;
// the original follows "------- Returned Message --------".
#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {
namespace {
constexpr std::string_view kStart = "------- Failure Reasons";
constexpr std::string_view kOriginalMarkers[] = {"------- returned message --------"};
// Notes' own texts (English and Japanese releases).
constexpr scan::FixedReason kReasons[] = {
    {"user not listed in public name & address book", "userunknown"},
    {"user  not listed in public name & address book", "userunknown"},
    {"ディレクトリのリストにありません", "userunknown"},
    {"message has exceeded maximum hop count", "networkerror"},
};
}  // namespace

std::optional<ScanResult> scan_notes(const ScanInput& in) {
  if (!text::istarts_with(in.subject, "Undeliverable message")) return std::nullopt;
  const auto split = scan::split_at_original(in, in.body_text, kOriginalMarkers);
  const auto start = scan::find_line_starting(split.report, kStart);
  if (start == scan::npos) return std::nullopt;

  ScanResult out;
  std::string pending;  // reason text printed before its address
  scan::LineCursor cur(split.report.substr(start));
  std::string_view line;
  cur.next(line);
  while (cur.next(line)) {
    auto t = text::trim(line);
    if (t.empty() || t.front() == '-') continue;
    std::string addr;
    if (scan::address_line(t, addr)) {
      auto* r = scan::add_recipient(out, std::move(addr));
      if (!r) break;
      r->diagnostic = std::move(pending);
      pending.clear();
      continue;
    }
    scan::append_diagnostic(pending, t);
  }
  // No address in the report: Notes then names the recipient only in the returned original.
  if (out.recipients.empty()) {
    auto to = scan::original_header(in, split.original, "To");
    if (auto addr = text::find_address(to); !addr.empty())
      if (auto* r = scan::add_recipient(out, std::move(addr))) r->diagnostic = pending;
  }
  for (auto& r : out.recipients) scan::apply_fixed(r, kReasons, "notes");
  out.original_text = std::string(scan::header_block(split.original));
  scan::finish(out);
  return out;
}

}  // namespace bounced
