// fml.cpp: fml mailing-list manager's error replies (X-MLServer: fml, From "<list>-admin@...",
// Message-ID "<digits.FML...@...>"). The error line ends with the address it concerns ("... <list@
// example.org>."); the reason follows from fml's fixed texts, or else from its Subject.
#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {
namespace {
constexpr std::string_view kOriginalMarkers[] = {"original mail as follows:"};
// fml's own messages (body).
constexpr scan::FixedReason kReasons[] = {
    {"not member article from ", "rejected"},
    {"reject mail from ", "rejected"},
    {"header may cause mail loop", "rejected"},
    {"reject spammers:", "rejected"},
    {"you are not a member of this mailing list", "rejected"},
    {"duplicated message-id", "systemerror"},
    {"has detected a loop condition so that", "systemerror"},
    {"loop back warning:", "systemerror"},
    {"security alert:", "securityerror"},
};
// fml's subjects, when the body says nothing more specific.
constexpr scan::FixedReason kSubjectReasons[] = {
    {"not member article from ", "rejected"},
    {"spam mail from a spammer is rejected", "rejected"},
    {" are not member", "rejected"},
    {"reject mail ", "rejected"},
    {"fml system error message", "systemerror"},
    {"loop alert: ", "systemerror"},
    {"loop back warning: ", "systemerror"},
    {"warning: unix from loop", "systemerror"},
    {"security alert", "securityerror"},
};
}  // namespace

std::optional<ScanResult> scan_fml(const ScanInput& in) {
  if (!in.header("x-mlserver")) return std::nullopt;
  if (!text::icontains(in.from, "-admin@")) return std::nullopt;
  const auto* mid = in.header("message-id");
  if (!mid || !text::icontains(*mid, ".fml")) return std::nullopt;
  const auto split = scan::split_at_original(in, in.body_text, kOriginalMarkers);

  ScanResult out;
  scan::LineCursor cur(split.report);
  std::string_view line;
  while (cur.next(line)) {
    auto t = text::trim(line);
    if (t.size() < 6 || t.substr(t.size() - 2) != ">.") continue;
    const auto lt = t.rfind('<');
    if (lt == scan::npos) continue;
    const auto addr = t.substr(lt + 1, t.size() - lt - 3);
    if (!text::is_address(addr)) continue;
    if (auto* r = scan::add_recipient(out, std::string(addr))) r->diagnostic = std::string(t);
  }
  const auto lowered_subject = text::lower(in.subject);
  for (auto& r : out.recipients) {
    if (scan::apply_fixed(r, kReasons, "fml")) continue;
    if (const auto* hit = scan::match_fixed(lowered_subject, kSubjectReasons)) {
      r.reason = std::string(hit->reason);
      r.decided_by = "scanner:fml:subject:" + std::string(hit->phrase);
    }
  }
  scan::finish(out);
  return out;
}

}  // namespace bounced
