// imailserver.cpp: Ipswitch IMail Server ("X-Mailer: <SMTP32 v...>", Subject "Undeliverable Mail").
// One line per recipient, "<error text>: user@example.com" ("Unknown user: ...", "User mailbox
// exceeds allowed size: ...", "Delivery failed 20 attempts: ...") or "undeliverable to user@...",
// optionally followed by the remote server's reply after "Body of message generated response:" and
// similar labels that name the SMTP stage. The original follows "Original message follows.".
#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {
namespace {

constexpr std::string_view kOriginalMarkers[] = {"original message follows."};

// IMail's own fixed texts at the start of a recipient line.
constexpr scan::FixedReason kReasons[] = {
    {"unknown host", "hostunknown"},
    {"unknown user", "userunknown"},
    {"invalid final delivery userid", "userunknown"},
    {"user mailbox exceeds allowed size", "mailboxfull"},
    {"requested action not taken: virus detected", "virusdetected"},
    {"delivery failed ", "expired"},
};

// Labels IMail puts before the remote reply: which SMTP stage it came from.
struct Stage {
  std::string_view label;  // lowercase
  const char* command;
};
constexpr Stage kStages[] = {
    {"smtp connection failed,", "CONN"},
    {"unexpected connection response from server:", "CONN"},
    {"unexpected response to ehlo/helo:", "EHLO"},
    {"server response to mail from:", "MAIL"},
    {"additional rcpt to generated following response:", "RCPT"},
    {"data command generated response:", "DATA"},
};

}  // namespace

std::optional<ScanResult> scan_imailserver(const ScanInput& in) {
  const auto* mailer = in.header("x-mailer");
  const bool by_mailer = mailer && text::istarts_with(text::trim(*mailer), "<SMTP32 v");
  if (!by_mailer && !text::istarts_with(text::trim(in.subject), "Undeliverable Mail")) return std::nullopt;
  if (!by_mailer && text::trim(in.subject).size() != 18) return std::nullopt;  // exactly "Undeliverable Mail"
  const auto split = scan::split_at_original(in, in.body_text, kOriginalMarkers);
  if (split.original.empty() && !by_mailer) return std::nullopt;

  ScanResult out;
  std::string response;  // the remote server's reply, shared by the recipients before it
  const char* stage = "";
  bool in_response = false;
  scan::LineCursor cur(split.report);
  std::string_view line;
  while (cur.next(line)) {
    auto t = text::trim(line);
    if (t.empty()) {
      in_response = false;
      continue;
    }
    if (text::istarts_with(t, "undeliverable to ")) {
      auto addr = text::find_address(t.substr(17));
      if (!addr.empty() && !scan::add_recipient(out, std::move(addr))) break;
      continue;
    }
    // "<error text>: user@example.com"
    if (const auto colon = t.rfind(": "); colon != scan::npos && colon > 0) {
      const auto head = t.substr(0, colon);
      const auto addr = text::trim(t.substr(colon + 2));
      if (head.find(' ') != scan::npos && text::is_address(addr) && !text::icontains(head, "response")) {
        if (auto* r = scan::add_recipient(out, std::string(addr))) {
          r->diagnostic = std::string(head);
          scan::apply_fixed(*r, kReasons, "imailserver");
        }
        continue;
      }
    }
    bool labelled = false;
    for (const auto& s : kStages)
      if (text::icontains(t, s.label)) stage = s.command, labelled = true;
    if (labelled || text::icontains(t, "body of message generated response:")) {
      in_response = true;
      continue;
    }
    if (in_response) scan::append_diagnostic(response, t);
  }
  for (auto& r : out.recipients) {
    if (!response.empty()) {
      if (!r.diagnostic.empty()) r.diagnostic.push_back(' ');
      r.diagnostic += response;
    }
    if (*stage) r.smtp_command = stage;
    if (r.reason == "expired") r.action = "delayed";
  }
  out.original_text = std::string(scan::header_block(split.original));
  scan::finish(out);
  return out;
}

}  // namespace bounced
