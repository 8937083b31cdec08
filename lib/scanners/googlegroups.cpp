// googlegroups.cpp: Google Groups refusing a post ("the group you tried to contact may not exist, or
// you may not have permission to post"). The text is localised, so the recipient comes from the
// X-Failed-Recipients header; Google Groups' refusal is always a rejection by the group.
#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {

std::optional<ScanResult> scan_googlegroups(const ScanInput& in) {
  if (!text::icontains(in.from, "mailer-daemon@google")) return std::nullopt;
  const auto* failed = in.header("x-failed-recipients");
  if (!failed || !in.header("x-google-smtp-source")) return std::nullopt;
  // A Groups refusal (in any language) links to the Groups help centre; Gmail's own "Address not
  // found" notice for a group address does not, and is left to the DSN.
  if (!text::icontains(in.body_text, "groups.google.com")) return std::nullopt;

  static constexpr std::string_view kOriginalMarkers[] = {"----- original message -----"};
  const auto split = scan::split_at_original(in, in.body_text, kOriginalMarkers);
  // The first paragraphs (greeting, explanation, reasons) are the diagnostic.
  std::string diag;
  std::size_t paragraphs = 0;
  scan::LineCursor cur(split.report);
  std::string_view line;
  bool blank = true;
  while (cur.next(line) && paragraphs <= 4) {
    if (text::trim(line).empty()) {
      blank = true;
      continue;
    }
    if (blank) ++paragraphs;
    blank = false;
    if (paragraphs <= 4) scan::append_diagnostic(diag, line);
  }

  ScanResult out;
  std::string_view list = *failed;
  while (!list.empty()) {
    auto comma = list.find(',');
    auto item = text::trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    auto addr = text::find_address(item);
    if (addr.empty()) continue;
    auto* r = scan::add_recipient(out, std::move(addr));
    if (!r) break;
    r->diagnostic = diag;
    r->reason = "rejected";
    r->decided_by = "scanner:googlegroups:group-refused";
  }
  out.original_text = std::string(scan::header_block(split.original));
  scan::finish(out);
  return out;
}

}  // namespace bounced
