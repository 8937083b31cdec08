// plaintext.cpp: the last resort for short plain-text notices no MTA scanner claims, such as
// "User's mailbox is full: <user@example.com>  Unable to deliver mail.", Exchange 5.5's "Did not reach
// the following recipient: user@example.com", or smail's "|--- Failed addresses follow: ---|" block
// with "user@example.com ... unknown host". Only for a message that presents itself as a delivery
// notice (From postmaster / mailer-daemon / root, or a failure Subject) and has no delivery-status
// part; an address counts only after one of the lead-in phrases below or at the head of a
// "user@example.com ... text" verdict line, never in a quoted ("> ") line.
#include "common.hpp"
#include "text.hpp"

namespace bounced {
namespace {

constexpr std::string_view kSenders[] = {"postmaster@", "mailer-daemon@", "root@"};
constexpr std::string_view kSubjects[] = {
    "delivery failed",  "delivery failure",    "delivery report", "failure notice", "mail delivery",
    "mail error",       "non-delivery",        "returned mail",   "undeliverable",  "mail failed",
};
// Phrases that introduce the failed address on the same line.
constexpr std::string_view kLeadIns[] = {
    "did not reach the following recipient:",
    "mailbox is full:",
    "failed recipient:",
    "intended recipient:",
    "undeliverable to ",
    "undeliverable address:",
    "unknown user:",
    "could not be delivered to:",
    "delivery failed:",
    "failed to deliver to ",
    "error-for:",
    "the following recipients returned permanent errors:",
};
// Where the notice ends and a copy of the original (or its headers) begins.
constexpr std::string_view kStopAtStart[] = {
    "content-type: message/rfc822", "content-type: text/rfc822-headers", "content-type: message/delivery-status",
    "received:", "return-path:", "reporting-mta:", "received-from-mta:",
};
constexpr std::string_view kStopAnywhere[] = {
    "here is a copy of the first part of the message",
    "the non-delivered message is attached",
    "a copy of the original message below this line",
    "below is a copy of the original message",
    "below this line is a copy of the message",
    "original message follows",
    "message text follows",
    "unsent message below",
    "your message reads (in part):",
    "the attachment contains the original mail headers",
};
// Lines of MIME or layout noise, not part of the notice's words.
constexpr std::string_view kSkipAtStart[] = {"content-type:", "content-transfer-encoding:", "content-description:",
                                             "content-disposition:", "--"};

bool starts_with_any(std::string_view s, std::span<const std::string_view> list) {
  for (auto p : list)
    if (s.starts_with(p)) return true;
  return false;
}
bool contains_any(std::string_view s, std::span<const std::string_view> list) {
  for (auto p : list)
    if (s.find(p) != std::string_view::npos) return true;
  return false;
}

bool presents_as_notice(const ScanInput& in) {
  const std::string from = text::lower(in.from);
  if (contains_any(from, kSenders)) return true;
  const std::string subject = text::lower(in.subject);
  return contains_any(subject, kSubjects);
}

// The address right at the start of `s` ("<a@b>", "'a@b'", "a@b"), or "".
std::string leading_address(std::string_view s) {
  s = text::trim(s);
  std::size_t end = 0;
  while (end < s.size() && s[end] != ' ' && s[end] != '\t' && s[end] != ',' && s[end] != ';') ++end;
  auto token = s.substr(0, end);
  while (!token.empty() && (token.front() == '<' || token.front() == '\'' || token.front() == '"')) token.remove_prefix(1);
  while (!token.empty() && (token.back() == '>' || token.back() == '\'' || token.back() == '"' ||
                            token.back() == '.' || token.back() == ':'))
    token.remove_suffix(1);
  if (token.find('@') == std::string_view::npos || !text::is_address(token)) return {};
  const auto at = token.rfind('@');
  if (token.find('.', at) == std::string_view::npos) return {};
  return std::string(token);
}

// The failed address a line names, or "".
std::string address_in(std::string_view line, std::string_view lower) {
  for (auto lead : kLeadIns)
    if (const auto p = lower.find(lead); p != std::string_view::npos)
      return leading_address(line.substr(p + lead.size()));
  // "user@example.com ... unknown host" (smail, sendmail-like verdicts)
  const auto t = text::trim(line);
  const auto dots = t.find("...");
  if (dots != std::string_view::npos && dots > 0) {
    auto a = leading_address(t.substr(0, dots));
    if (!a.empty() && text::trim(t.substr(0, dots)).size() <= a.size() + 2) return a;
  }
  return {};
}

}  // namespace

std::optional<ScanResult> scan_plaintext(const ScanInput& in) {
  if (in.delivery_status || !presents_as_notice(in)) return std::nullopt;
  ScanResult result;
  std::string preamble;
  ScannedRecipient* current = nullptr;
  std::size_t lines = 0;
  for (auto line : text::lines(in.body_text)) {
    if (++lines > 400) break;  // a notice is short; this is not one
    const auto t = text::trim(line);
    if (t.empty()) continue;
    const std::string lower = text::lower(t);
    if (starts_with_any(lower, kStopAtStart) || contains_any(lower, kStopAnywhere)) break;
    if (t.front() == '>' || starts_with_any(lower, kSkipAtStart)) continue;
    if (t.find_first_not_of("-=_*|+ ") == std::string_view::npos) continue;  // rules
    if (auto address = address_in(t, lower); !address.empty()) {
      current = scan::add_recipient(result, std::move(address));
      if (!current) break;
      current->diagnostic = preamble;
      current->action = "failed";
    }
    if (current) scan::append_diagnostic(current->diagnostic, t);
    else scan::append_diagnostic(preamble, t);
  }
  if (result.recipients.empty()) return std::nullopt;
  scan::finish(result);
  return result;
}

}  // namespace bounced
