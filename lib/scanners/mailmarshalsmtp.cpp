// mailmarshalsmtp.cpp: Trustwave (Marshal) MailMarshal SMTP (Subject 'Undeliverable Mail: "<subject>"'):
// "Your message:" with the original's From/Subject, "Could not be delivered because of" and the
// remote reply, "The following recipients were affected:" with indented addresses, and an
// "Additional Information" block (Remote-MTA, Reporting-MTA, ...).
#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {

std::optional<ScanResult> scan_mailmarshalsmtp(const ScanInput& in) {
  if (!text::istarts_with(in.subject, "Undeliverable Mail: \"")) return std::nullopt;
  const auto start = scan::find_line_starting(in.body_text, "Your message:");
  if (start == scan::npos) return std::nullopt;

  ScanResult out;
  enum class Section { message, error, recipients, info } section = Section::message;
  std::string diagnostic, remote, original;
  scan::LineCursor cur(std::string_view(in.body_text).substr(start));
  std::string_view line;
  cur.next(line);
  while (cur.next(line)) {
    auto t = text::trim(line);
    if (t.empty()) continue;
    if (text::istarts_with(t, "Could not be delivered because of")) {
      section = Section::error;
      continue;
    }
    if (text::istarts_with(t, "The following recipients were affected:")) {
      section = Section::recipients;
      continue;
    }
    if (text::istarts_with(t, "Additional Information")) {
      section = Section::info;
      continue;
    }
    switch (section) {
      case Section::message:  // the original's From / Subject
        if (text::istarts_with(t, "From:") || text::istarts_with(t, "Subject:")) original.append(t).push_back('\n');
        break;
      case Section::error:
        scan::append_diagnostic(diagnostic, t);
        break;
      case Section::recipients:
        if (std::string addr; scan::address_line(t, addr)) scan::add_recipient(out, std::move(addr));
        break;
      case Section::info:
        if (text::istarts_with(t, "Remote-MTA:")) {
          auto v = text::trim(t.substr(11));
          if (v.size() > 2 && v.front() == '<' && v.back() == '>') v = v.substr(1, v.size() - 2);
          remote = std::string(v);
        }
        break;
    }
  }
  for (auto& r : out.recipients) {
    r.diagnostic = diagnostic;
    r.remote_mta = remote;
  }
  if (!in.original) out.original_text = std::move(original);
  scan::finish(out);
  return out;
}

}  // namespace bounced
