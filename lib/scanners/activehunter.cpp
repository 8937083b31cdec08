// activehunter.cpp: Activehunter (a Japanese mail filter; X-AHMAILID header). Sendmail-like text:
// "----- The following addresses had permanent fatal errors -----", then ">>> user@... <user@...>"
// per address and the remote reply under "----- Transcript of session follows -----".
#include <cctype>

#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {

std::optional<ScanResult> scan_activehunter(const ScanInput& in) {
  if (!in.header("x-ahmailid")) return std::nullopt;
  const auto start = scan::find_line_starting(in.body_text, "----- The following addresses had permanent fatal errors -----");
  if (start == scan::npos) return std::nullopt;
  const auto split = scan::split_at_original(in, std::string_view(in.body_text).substr(start), scan::kEmbeddedPartMarkers);

  ScanResult out;
  scan::LineCursor cur(split.report);
  std::string_view line;
  cur.next(line);
  while (cur.next(line)) {
    const auto t = text::trim(line);
    if (t.empty() || t.front() == '-') continue;
    if (t.substr(0, 3) == ">>>") {
      if (auto addr = text::find_address(t.substr(3)); !addr.empty() && !scan::add_recipient(out, std::move(addr))) break;
      continue;
    }
    // The first line of the transcript that is text (the remote reply) is the diagnostic.
    const unsigned char c = static_cast<unsigned char>(t.front());
    if (!out.recipients.empty() && out.recipients.back().diagnostic.empty() && std::isalnum(c))
      out.recipients.back().diagnostic = std::string(t);
  }
  scan::finish(out);
  return out;
}

}  // namespace bounced
