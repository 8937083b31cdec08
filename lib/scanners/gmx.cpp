// gmx.cpp: GMX and 1&1 (kundenserver.de) bounces. Both run an Exim-derived mailer with their own
// layout: after "This message was created automatically by mail delivery software." each failed
// address stands on its own line ("\"user@example.com\":", "<user@example.com>", "user@example.com:")
// followed by "SMTP error from remote server after RCPT command:" / "host: mx.example.com" and the
// reply, or by "Reason:" / "For the following reason:" and GMX's own text. The original's headers
// follow "--- The header of the original message is following. ---".
#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {
namespace {

constexpr std::string_view kStart = "This message was created automatically by mail delivery software";
constexpr std::string_view kOriginalMarkers[] = {"--- the header of the original message is following. ---"};

// Fixed texts of the GMX / 1&1 mailer itself.
constexpr scan::FixedReason kReasons[] = {
    {"delivery retry timeout exceeded", "expired"},
    {"mail size limit exceeded", "mesgtoobig"},
};

// Lines of the template that are not about any recipient.
bool is_boilerplate(std::string_view t) {
  return text::istarts_with(t, "A message that you sent") || text::istarts_with(t, "its recipients.") ||
         text::istarts_with(t, "failed:") || text::istarts_with(t, "The following address") ||
         text::iequals(t, "Reason:") || text::iequals(t, "For the following reason:");
}

std::optional<ScanResult> scan_gmx_like(const ScanInput& in, const char* name) {
  const auto split = scan::split_at_original(in, in.body_text, kOriginalMarkers);
  const auto start = scan::find_line_starting(split.report, kStart);
  if (start == scan::npos) return std::nullopt;
  ScanResult out;
  scan::LineCursor cur(split.report.substr(start));
  std::string_view line;
  cur.next(line);
  while (cur.next(line)) {
    auto t = text::trim(line);
    if (t.empty() || is_boilerplate(t)) continue;
    // "\"user@example.com\":" -> user@example.com
    auto bare = t;
    if (bare.size() > 3 && bare.front() == '"') {
      bare.remove_prefix(1);
      if (bare.back() == ':') bare.remove_suffix(1);
      if (!bare.empty() && bare.back() == '"') bare.remove_suffix(1);
    }
    if (std::string addr; scan::address_line(bare, addr)) {
      if (!scan::add_recipient(out, std::move(addr))) break;
      continue;
    }
    if (out.recipients.empty()) continue;
    auto& r = out.recipients.back();
    if (text::istarts_with(t, "SMTP error from remote")) {
      r.smtp_command = text::icontains(t, "for TEXT command") ? "DATA" : scan::find_smtp_command(t);
      // 1&1 puts it all on one line: "..., host: mx.example.org (192.0.2.1) reason: 550 ..."
      if (auto h = text::ifind(t, "host:"); h != scan::npos) {
        auto host = text::trim(t.substr(h + 5));
        r.remote_mta = std::string(host.substr(0, host.find_first_of(" (")));
      }
      if (auto why = text::ifind(t, "reason:"); why != scan::npos) scan::append_diagnostic(r.diagnostic, t.substr(why + 7));
      continue;
    }
    if (text::istarts_with(t, "host:")) {
      auto host = text::trim(t.substr(5));
      r.remote_mta = std::string(host.substr(0, host.find_first_of(" (")));
      continue;
    }
    scan::append_diagnostic(r.diagnostic, t);
  }
  for (auto& r : out.recipients) {
    if (scan::apply_fixed(r, kReasons, name) && r.reason == "expired") r.action = "delayed";
  }
  out.original_text = std::string(scan::header_block(split.original));
  scan::finish(out);
  return out;
}

}  // namespace

std::optional<ScanResult> scan_gmx(const ScanInput& in) {
  if (!in.header("x-gmx-antispam") && !text::icontains(in.from, "mailer-daemon@mail.gmx")) return std::nullopt;
  return scan_gmx_like(in, "gmx");
}

std::optional<ScanResult> scan_einsundeins(const ScanInput& in) {
  if (!text::icontains(in.from, "\"Mail Delivery System\"") && !text::icontains(in.from, "kundenserver"))
    return std::nullopt;
  if (!text::istarts_with(in.subject, "Mail delivery failed: returning message to sender")) return std::nullopt;
  if (text::ifind(in.body_text, "--- the header of the original message is following. ---") == scan::npos)
    return std::nullopt;
  return scan_gmx_like(in, "einsundeins");
}

}  // namespace bounced
