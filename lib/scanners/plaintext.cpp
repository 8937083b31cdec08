// plaintext.cpp: the last resort for plain-text notices no MTA scanner claims: "User's mailbox is full:
// <user@example.com>", Exchange 5.5's "Did not reach the following recipient: user@example.com", smail's
// "|--- Failed addresses follow: ---|" block ("user@example.com ... unknown host"), MDaemon's "The
// following addresses did NOT receive a copy of your message:" list, MailEnable's "Recipient:
// [SMTP:user@example.com]", small deliver programs' "unable to deliver your message to the following
// addresses" lists. Only for a message that presents itself as a delivery notice (From postmaster /
// mailer-daemon / root / MDaemon, a failure Subject, or a multipart/report); an address counts only
// after one of the lead-in phrases below, at the head of a verdict line ("addr ... text", "addr -
// text", "<addr>: text"), or in the list right after a list heading; never in a quoted ("> ") line
// outside such a list.
#include "common.hpp"
#include "reason_rules.hpp"
#include "text.hpp"

namespace bounced {
namespace {

constexpr std::string_view kSenders[] = {"postmaster@", "mailer-daemon@", "root@", "mdaemon@", "mail delivery subsystem"};
constexpr std::string_view kSubjects[] = {
    "delivery failed",  "delivery failure", "delivery report",  "failure notice",     "mail delivery",
    "mail error",       "non-delivery",     "returned mail",    "undeliverable",      "mail failed",
    "failed mail",      "delivery problem", "mail system error", "could not be delivered", "non remis",
    "delivery warning", "not yet been delivered", "automatically rejected mail",
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
    "unable to deliver your message to ",
    "originally addressed to ",
    "message, addressed to ",
    "local mailbox ",
    "recipient: [smtp:",  // MailEnable
    "dda:smtp=",          // Exchange's X.400 form "c=US;a= ;p=Org;o=Site;dda:SMTP=user@example.com;"
    "your message to ",   // "Your message to user@example.com has reached our local address ..."
};
// Headings after which the failed addresses follow one per line ("> user@example.com",
// "-- user@example.com", "\"User\" <user@example.com>").
constexpr std::string_view kListHeadings[] = {
    "did not receive a copy of your message",            // MDaemon
    "could not be delivered to the following user",      // Non-Delivery Report
    "could not be delivered to the following recipient",
    "message not delivered to the following addresses",
    "your message to the following addresses",           // qmail-like "unable to deliver your message to ..."
    "your message could not be delivered to",
    "n'a pas pu etre delivre a",
    "failed recipients",
    "addressed to email address",
    "could not be delivered to:",
    "a message could not be delivered to",
    "did not receive your message",      // Netscape Messaging Server
    "your message to:",                  // "Your message to:\n\tuser@example.com\nhas not yet been delivered"
    "delivery of email to this address",
    "was undeliverable to the following",  // GroupWise: "\taddr (user not found)"
};
// Sentences saying a message failed, for a notice that names no address but quotes the message's
// To: line.
constexpr std::string_view kFailureSentences[] = {
    "wasn't able to deliver the following message", "was not able to deliver the following message",
    "could not be delivered", "this is a permanent error", "was undeliverable",
};

// Wordings of a delay warning: delivery is still being attempted.
constexpr std::string_view kDelayPhrases[] = {
    "has not yet been delivered", "this is just a warning", "will continue to attempt", "will continue to try",
    "delivery has been postponed", "has been postponed", "advisory-only",
};// Where the notice ends and a copy of the original (or its headers) begins.
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
                                             "content-disposition:"};

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
  if (const auto* type = in.header("content-type"); type && text::icontains(*type, "report-type=delivery-status"))
    return true;
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
  while (!token.empty() && (token.front() == '<' || token.front() == '\'' || token.front() == '"' || token.front() == '[' ||
                            token.front() == '('))
    token.remove_prefix(1);
  while (!token.empty() && (token.back() == '>' || token.back() == '\'' || token.back() == '"' || token.back() == '.' ||
                            token.back() == ':' || token.back() == ']' || token.back() == ')'))
    token.remove_suffix(1);
  if (token.find('@') == std::string_view::npos || !text::is_address(token)) return {};
  const auto at = token.rfind('@');
  if (token.find('.', at) == std::string_view::npos) return {};
  return std::string(token);
}


bool usable_address(std::string_view a) {
  const auto at = a.rfind('@');
  return at != std::string_view::npos && at > 0 && a.find('.', at) != std::string_view::npos;
}

// The failed address a line names, or "". `in_list`: the line follows a list heading, where an
// address alone on its line counts.
std::string address_in(std::string_view line, std::string_view lower, bool in_list) {
  for (auto lead : kLeadIns)
    if (const auto p = lower.find(lead); p != std::string_view::npos)
      if (auto a = leading_address(line.substr(p + lead.size())); !a.empty()) return a;
  auto t = text::trim(line);
  // List markers: "> ", "-- ", "- ", "* ".
  if (in_list)
    while (!t.empty() && (t.front() == '>' || t.front() == '-' || t.front() == '*' || t.front() == ' ' || t.front() == '\t'))
      t.remove_prefix(1);
  std::size_t end = 0;
  while (end < t.size() && t[end] != ' ' && t[end] != '\t') ++end;
  const auto token = t.substr(0, end);
  const auto rest = text::trim(t.substr(end));
  auto a = leading_address(token);
  if (a.empty()) {
    // "\"User Name\" <user@example.com>" in a list.
    if (in_list && !t.empty() && t.front() == '"') {
      const auto lt = t.find('<');
      if (lt != std::string_view::npos) return leading_address(t.substr(lt));
    }
    return {};
  }
  // "user@example.com ... unknown host" (smail), "user@example.com - no such user here." (MDaemon),
  // "<user@example.com>: reason" (qmail-like), or the address alone in a list.
  if (rest.starts_with("...") || rest.starts_with("- ") || token.back() == ':' || (in_list && rest.empty()))
    return a;
  // "user@example.com (user not found)" in a list.
  if (in_list && rest.starts_with("(")) return a;
  // "\"user@example.com\" <user@example.com>" in a list: the bracketed address.
  if (in_list && rest.starts_with("<")) return leading_address(rest);
  return {};
}

}  // namespace

std::optional<ScanResult> scan_plaintext(const ScanInput& in) {
  if (!presents_as_notice(in)) return std::nullopt;
  // A delivery-status part with recipients is read as such; one without any (a bare Reporting-MTA)
  // leaves the text to say who failed.
  if (in.delivery_status) {
    const std::string fields = in.delivery_status->text();
    if (text::icontains(fields, "final-recipient:") || text::icontains(fields, "original-recipient:"))
      return std::nullopt;
  }
  ScanResult result;
  std::string preamble;
  ScannedRecipient* current = nullptr;
  std::size_t lines = 0;
  // After a list heading: its addresses follow, perhaps after a few lines of prose ("This is a
  // permanent error; I've given up."); the first other line after them ends the list.
  bool in_list = false, list_started = false;
  std::string quoted_to;  // "To: user@example.com" quoted in the notice itself (Yahoo's old notices)
  int prose_after_heading = 0;
  for (auto line : text::lines(in.body_text)) {
    if (++lines > 400) break;  // a notice is short; this is not one
    const std::string folded = text::fold_space(text::trim(line));  // "undeliverable  to x" as one space
    const std::string_view t = folded;
    if (t.empty()) continue;
    const std::string lower = text::lower(t);
    if (starts_with_any(lower, kStopAtStart) || contains_any(lower, kStopAnywhere)) break;
    if (starts_with_any(lower, kSkipAtStart)) continue;
    if (t.starts_with("--") && t.find(' ') == std::string_view::npos) continue;  // a MIME boundary
    if (t.find_first_not_of("-=_*|+ ") == std::string_view::npos) continue;  // rules
    if (lower.starts_with("to:") && quoted_to.empty()) quoted_to = text::find_address(t.substr(3));
    auto address = address_in(t, lower, in_list);
    if (t.front() == '>' && !(in_list && !address.empty())) continue;  // a quote, not the notice's words
    if (!address.empty()) {
      current = scan::add_recipient(result, std::move(address));
      if (!current) break;
      current->diagnostic = preamble;
      current->action = "failed";
      list_started = in_list;
    } else if (contains_any(lower, kListHeadings)) {
      in_list = true;
      list_started = false;
      prose_after_heading = 0;
    } else if (in_list && (list_started || ++prose_after_heading > 3)) {
      in_list = list_started = false;
    }
    if (current) scan::append_diagnostic(current->diagnostic, t);
    else scan::append_diagnostic(preamble, t);
  }
  if (result.recipients.empty() && !quoted_to.empty() && scan::find_marker(in, kFailureSentences)) {
    // "I'm afraid I wasn't able to deliver the following message." naming no address, but quoting
    // the message's "To: user@example.com". (The To: of a returned copy is not used: for list mail
    // it is the list itself, not the member whose mailbox failed.)
    if (usable_address(quoted_to)) {
      if (auto* r = scan::add_recipient(result, std::move(quoted_to))) {
        r->diagnostic = preamble;
        r->action = "failed";
      }
    }
  }
  if (result.recipients.empty()) return std::nullopt;
  if (scan::find_marker(in, kDelayPhrases))
    for (auto& r : result.recipients) r.action = "delayed";
  scan::finish(result);
  // These notices list recipients the receiving system refused by name: an unknown-user wording is
  // about the mailbox itself (there is no SMTP command to say otherwise). Stronger wordings found
  // by the classifier (a full mailbox, ...) still come first.
  for (auto& r : result.recipients) {
    const auto phrase = find_reason_phrase("userunknown", text::lower(r.diagnostic) + " ");
    if (phrase.empty()) continue;
    r.reason = "userunknown";
    r.decided_by = "scanner:plaintext:" + std::string(phrase);
  }
  return result;
}

}  // namespace bounced
