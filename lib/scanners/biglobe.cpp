// biglobe.cpp: BIGLOBE (and the cable ISPs it hosts: inacatv, tmtv, ttv) bounce: From
// postmaster@biglobe.ne.jp, Subject "Returned mail: ...", addresses under "----- The following
// addresses had delivery problems -----" and the reason under "----- Non-delivered information -----".
#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {
namespace {
constexpr std::string_view kDomains[] = {"@biglobe.ne.jp", "@inacatv.ne.jp", "@tmtv.ne.jp", "@ttv.ne.jp"};
constexpr scan::FixedReason kReasons[] = {
    {"mail delivery failed... user unknown", "filtered"},
    {"the number of messages in recipient's mailbox exceeded the local limit.", "mailboxfull"},
};
}  // namespace

std::optional<ScanResult> scan_biglobe(const ScanInput& in) {
  if (!text::istarts_with(in.subject, "Returned mail:")) return std::nullopt;
  bool from_biglobe = false;
  for (auto d : kDomains) from_biglobe = from_biglobe || text::icontains(in.from, std::string("postmaster") + std::string(d));
  if (!from_biglobe) return std::nullopt;
  const auto split = scan::split_at_original(in, in.body_text, scan::kOriginalPartMarkers);
  const auto start = scan::find_line_starting(split.report, "----- The following addresses had delivery problems -----");
  if (start == scan::npos) return std::nullopt;

  ScanResult out;
  std::string info;
  bool in_info = false;
  scan::LineCursor cur(split.report.substr(start));
  std::string_view line;
  cur.next(line);
  while (cur.next(line)) {
    const auto t = text::trim(line);
    if (t.empty()) continue;
    if (text::istarts_with(t, "----- Non-delivered information -----")) {
      in_info = true;
      continue;
    }
    if (t.front() == '-') continue;
    if (!in_info) {
      if (std::string addr; scan::address_line(t, addr) && !scan::add_recipient(out, std::move(addr))) break;
      continue;
    }
    scan::append_diagnostic(info, t);
  }
  for (auto& r : out.recipients) {
    r.diagnostic = info;
    scan::apply_fixed(r, kReasons, "biglobe");
  }
  out.original_text = std::string(scan::header_block(split.original));
  scan::finish(out);
  return out;
}

}  // namespace bounced
