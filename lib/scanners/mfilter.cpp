// mfilter.cpp: Digital Arts m-FILTER ("X-Mailer: m-FILTER", Subject "failure notice"). After a
// Japanese preamble each failed address stands on its own line, then "-------server message" with
// the remote reply and "-------SMTP command" with the command it answered; the original follows
// "-------original message" / "-------original mail info".
#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {
namespace {
constexpr std::string_view kOriginalMarkers[] = {"-------original message", "-------original mail info"};
}

std::optional<ScanResult> scan_mfilter(const ScanInput& in) {
  const auto* mailer = in.header("x-mailer");
  if (!mailer || !text::iequals(text::trim(*mailer), "m-FILTER")) return std::nullopt;
  const auto split = scan::split_at_original(in, in.body_text, kOriginalMarkers);

  ScanResult out;
  enum class Section { addresses, server_message, command } section = Section::addresses;
  std::string diagnostic, command;
  scan::LineCursor cur(split.report);
  std::string_view line;
  while (cur.next(line)) {
    auto t = text::trim(line);
    if (t.empty()) continue;
    if (text::istarts_with(t, "-------server message")) {
      section = Section::server_message;
      continue;
    }
    if (text::istarts_with(t, "-------SMTP command")) {
      section = Section::command;
      continue;
    }
    if (t.front() == '-') continue;
    switch (section) {
      case Section::addresses:
        if (std::string addr; scan::address_line(t, addr) && !scan::add_recipient(out, std::move(addr))) return out;
        break;
      case Section::server_message:
        if (diagnostic.empty()) diagnostic = std::string(t);
        break;
      case Section::command:
        if (command.empty()) command = scan::command_word(t);
        break;
    }
  }
  for (auto& r : out.recipients) {
    r.diagnostic = diagnostic;
    r.smtp_command = command;
  }
  out.original_text = std::string(scan::header_block(split.original));
  scan::finish(out);
  return out;
}

}  // namespace bounced
