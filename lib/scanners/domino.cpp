// domino.cpp: IBM (Lotus) Domino's bounce (Subject "DELIVERY FAILURE: ..."): "Your message /
// Subject: ... / was not delivered to: / <address> / because: / <reason>", sometimes with an RFC 3464
// part whose Status is only 5.0.0. The reason texts are Domino's own and localised.
#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {
namespace {
constexpr scan::FixedReason kReasons[] = {
    {"not listed in domino directory", "userunknown"},
    {"not listed in public name & address book", "userunknown"},
    {"non répertorié dans l'annuaire domino", "userunknown"},
    {"domino ディレクトリには見つかりません", "userunknown"},
    {"cannot route mail to user", "filtered"},
    {"several matches found in domino directory", "systemerror"},
    {"maximum hop count exceeded", "networkerror"},
};
}  // namespace

std::optional<ScanResult> scan_domino(const ScanInput& in) {
  if (!text::istarts_with(in.subject, "DELIVERY FAILURE:") && !text::istarts_with(in.subject, "DELIVERY_FAILURE:"))
    return std::nullopt;
  const auto split = scan::split_at_original(in, in.body_text, scan::kEmbeddedPartMarkers);
  const auto start = scan::find_line_starting(split.report, "Your message");
  if (start == scan::npos) return std::nullopt;

  ScanResult out;
  enum class Expect { none, address, reason } expect = Expect::none;
  std::string subject;
  scan::LineCursor cur(split.report.substr(start));
  std::string_view line;
  while (cur.next(line)) {
    auto t = text::trim(line);
    if (t.empty()) continue;
    if (text::iequals(t, "was not delivered to:")) {
      expect = Expect::address;
      continue;
    }
    if (text::iequals(t, "because:")) {
      expect = Expect::reason;
      continue;
    }
    if (expect == Expect::none && text::istarts_with(t, "Subject:")) {
      subject = std::string(text::trim(t.substr(8)));
      continue;
    }
    if (expect == Expect::address) {
      if (std::string addr; scan::address_line(t, addr)) {
        if (!scan::add_recipient(out, std::move(addr))) break;
      }
      continue;
    }
    if (expect == Expect::reason && !out.recipients.empty()) {
      // The reason belongs to every address listed since the previous reason.
      for (auto it = out.recipients.rbegin(); it != out.recipients.rend() && it->diagnostic.empty(); ++it)
        it->diagnostic = std::string(t);
      expect = Expect::none;
    }
  }
  for (auto& r : out.recipients) scan::apply_fixed(r, kReasons, "domino");
  if (!subject.empty() && !in.original) out.original_text = "Subject: " + subject + "\n";
  scan::finish(out);
  return out;
}

}  // namespace bounced
