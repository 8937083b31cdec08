// interscanmss.cpp: Trend Micro InterScan Messaging Security Suite. Either an SMTP transcript
// ("Sent <<< RCPT TO:<user@example.com>" / "Received >>> 550 5.1.1 ... user unknown") or its own
// verdict "Unable to deliver message to <user@example.com> (and other recipients in the same
// domain)", which it only writes when the address was refused.
#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {
namespace {
// Subjects InterScan uses (English and Japanese releases).
constexpr std::string_view kSubjects[] = {
    "Mail could not be delivered",
    "メッセージを配信できません。",
    "メール配信に失敗しました",
};
}  // namespace

std::optional<ScanResult> scan_interscanmss(const ScanInput& in) {
  bool match = text::icontains(in.from, "\"InterScan MSS\"") || text::icontains(in.from, "\"InterScan Notification\"");
  for (auto s : kSubjects) match = match || text::trim(in.subject) == s;
  if (!match) return std::nullopt;
  const auto split = scan::split_at_original(in, in.body_text, scan::kEmbeddedPartMarkers);

  ScanResult out;
  scan::LineCursor cur(split.report);
  std::string_view line;
  ScannedRecipient* current = nullptr;
  auto recipient = [&](std::string addr) -> ScannedRecipient* {
    for (auto& r : out.recipients)
      if (text::iequals(r.recipient, addr)) return &r;
    return scan::add_recipient(out, std::move(addr));
  };
  while (cur.next(line)) {
    auto t = text::trim(line);
    if (t.empty()) continue;
    if (auto p = text::ifind(t, "unable to deliver message to <"); p != scan::npos) {
      if ((current = recipient(text::find_address(t.substr(p))))) {
        current->diagnostic = std::string(t.substr(p));
        current->reason = "userunknown";
        current->decided_by = "scanner:interscanmss:unable-to-deliver";
      }
      continue;
    }
    // "Sent <<< RCPT TO:<addr>" and "Received >>> 550 ..." (the arrows' direction varies by release)
    const auto arrows = t.find("<<<") != scan::npos ? t.find("<<<") : t.find(">>>");
    if (arrows == scan::npos) continue;
    const auto what = text::trim(t.substr(arrows + 3));
    if (const auto cmd = scan::command_word(what); !cmd.empty()) {
      if (cmd == "RCPT") {
        if (auto addr = text::find_address(what); !addr.empty()) current = recipient(std::move(addr));
      }
      if (current) current->smtp_command = cmd;
      continue;
    }
    if (current && !scan::leading_reply_code(what).empty()) current->diagnostic = std::string(what);
  }
  if (in.original) out.original_text.clear();
  else out.original_text = std::string(scan::header_block(split.original));
  scan::finish(out);
  return out;
}

}  // namespace bounced
