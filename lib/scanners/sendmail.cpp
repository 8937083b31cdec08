// sendmail.cpp: Sendmail's human-readable report (V8: "----- The following addresses had permanent
// fatal errors -----" with "<addr>" + "(reason: ...)", then "----- Transcript of session follows -----")
// and the older V5-style report that has only the transcript ("550 <addr>... User unknown",
// "421 host (smtp)... Deferred: ...", "----- Unsent message follows -----"). In the transcript,
// "... while talking to HOST.:" names the remote MTA, ">>> CMD" the command sent, "<<< 550 ..." the
// reply, and "NNN <addr>... text" Sendmail's verdict for one recipient.
#include <algorithm>
#include <cctype>

#include "common.hpp"
#include "text.hpp"

namespace bounced {
namespace {

constexpr std::string_view kStartMarkers[] = {
    "----- the following addresses had permanent fatal errors -----",
    "----- the following addresses had transient non-fatal errors -----",
    "----- transcript of session follows -----",
};
constexpr std::string_view kEndMarkers[] = {
    "----- unsent message follows -----",
    "----- original message follows -----",
    "----- message header follows -----",
    "----- returned message follows -----",
    "----- message body suppressed -----",
    "content-type: message/rfc822",
    "content-type: text/rfc822-headers",
    "content-type: message/delivery-status",
    "content-type: message/global",
};
constexpr std::string_view kOriginalMarkers[] = {
    "----- unsent message follows -----",
    "----- original message follows -----",
    "----- message header follows -----",
    "----- returned message follows -----",
    "content-type: message/rfc822",
    "content-type: text/rfc822-headers",
};
// Sendmail's own texts with a fixed meaning (queue timeouts, local mailer failures).
constexpr scan::FixedReason kFixedReasons[] = {
    {"message could not be delivered for", "expired"},
    {"cannot send message for", "expired"},
    {"unknown mailer error", "mailererror"},
};
constexpr std::string_view kTransientHeading = "had transient non-fatal errors";

// "550 5.1.1 <user@example.com>... User unknown" / "<user@example.com>... Deferred: ..." / "user@host...
// text": Sendmail's verdict on one address. Returns false for other lines.
bool verdict_line(std::string_view t, std::string& address, std::string_view& rest) {
  auto s = t;
  // Optional reply code and enhanced status.
  if (s.size() > 4 && s[0] >= '2' && s[0] <= '5' && std::isdigit(static_cast<unsigned char>(s[1])) &&
      std::isdigit(static_cast<unsigned char>(s[2])) && (s[3] == ' ' || s[3] == '-')) {
    s.remove_prefix(4);
    const auto sp = s.find(' ');
    if (sp != scan::npos && !text::find_status(s.substr(0, sp)).empty() &&
        text::find_status(s.substr(0, sp)).size() == sp)
      s.remove_prefix(sp + 1);
  }
  const auto dots = s.find("...");
  if (dots == scan::npos || dots == 0) return false;
  auto addr = text::trim(s.substr(0, dots));
  if (addr.size() > 2 && addr.front() == '<' && addr.back() == '>') addr = addr.substr(1, addr.size() - 2);
  if (!text::is_address(addr)) return false;
  address.assign(addr);
  rest = s.substr(dots + 3);
  return true;
}

// "550-5.7.1 text" with no "550 " line after it: the first line(s) of a multi-line reply, which
// Sendmail quotes alone in "(reason: ...)" and Diagnostic-Code.
bool continued_reply(std::string_view d) {
  if (!(d.size() > 4 && d[0] >= '2' && d[0] <= '5' && std::isdigit(static_cast<unsigned char>(d[1])) &&
        std::isdigit(static_cast<unsigned char>(d[2])) && d[3] == '-'))
    return false;
  const std::string last = std::string(d.substr(0, 3)) + " ";
  return d.find(last, 4) == std::string_view::npos;
}

// "... while talking to mx.example.com.:" / "While talking to mx.example.com:" -> "mx.example.com".
std::string talking_to(std::string_view t) {
  const auto p = text::ifind(t, "while talking to ");
  if (p == scan::npos) return {};
  auto host = text::trim(t.substr(p + 17));
  while (!host.empty() && (host.back() == ':' || host.back() == '.')) host.remove_suffix(1);
  return std::string(host);
}

}  // namespace

std::optional<ScanResult> scan_sendmail(const ScanInput& in) {
  const std::string_view body = in.body_text;
  const auto start = scan::find_marker(in, kStartMarkers);
  if (!start) return std::nullopt;

  // A bounce forwarded as a quote ("> ----- Transcript ...") is read without its quote marks.
  std::string unquoted;
  std::string_view rest = body.substr(scan::line_start(body, start.pos));
  if (!rest.empty() && rest.front() == '>') {
    unquoted = scan::unquote(rest);
    rest = unquoted;
  }
  const auto [report, original] = scan::split_report(in, rest, kEndMarkers, kOriginalMarkers);
  const bool transient = text::icontains(report, kTransientHeading);

  ScanResult result;
  // The entry of the address list being read (its "(reason: ...)" and "(expanded from: ...)" follow).
  ScannedRecipient listed;
  auto flush_listed = [&] {
    if (!listed.recipient.empty()) {
      if (auto* r = scan::add_recipient(result, std::move(listed.recipient))) {
        r->diagnostic = std::move(listed.diagnostic);
        r->action = transient ? "delayed" : "failed";
      }
    }
    listed = ScannedRecipient{};
  };
  std::string loose;  // transcript text tied to no address (a mailer's output, a queue timeout)
  enum class Section { none, addresses, transcript } section = Section::none;
  std::string host, command, pending;  // transcript state
  std::string replies;                 // the "<<<" lines from the last host, whole
  bool had_error_line = false;
  for (auto line : text::lines(report)) {
    const auto t = text::trim(line);
    if (t.empty()) continue;
    if (t.starts_with("-----")) {
      if (text::icontains(t, "following addresses had")) section = Section::addresses;
      else if (text::icontains(t, "transcript of session follows")) section = Section::transcript;
      else section = Section::none;
      continue;
    }
    if (section == Section::addresses) {
      if (t.front() == '(') {  // "(reason: 550 ...)", "(expanded from: <alias>)"
        if (text::istarts_with(t, "(reason:")) {
          auto reason = t.substr(8);
          if (!reason.empty() && reason.back() == ')') reason.remove_suffix(1);
          scan::append_diagnostic(listed.diagnostic, reason);
        } else if (text::istarts_with(t, "(expanded from:") && listed.recipient.empty()) {
          // A pipe or file delivery ("|/usr/bin/x") stands for the address it was expanded from.
          listed.recipient = text::find_address(t.substr(15));
        }
        continue;
      }
      flush_listed();
      std::string address;
      std::string_view verdict;
      if (scan::address_line(t, address)) {
        listed.recipient = std::move(address);
      } else if (verdict_line(t, address, verdict)) {  // "<addr>... Deferred: 421 ..."
        listed.recipient = std::move(address);
        listed.diagnostic = std::string(text::trim(verdict));
      }
      continue;
    }
    flush_listed();
    if (section != Section::transcript) continue;
    if (auto h = talking_to(t); !h.empty()) {
      host = std::move(h);
      pending.clear();
      replies.clear();
      command.clear();
      continue;
    }
    if (t.starts_with(">>>")) {
      command = scan::command_word(t.substr(3));
      continue;
    }
    if (t.starts_with("<<<")) {
      // A reply before any command is the server's greeting: refused at connection.
      if (command.empty()) command = "CONN";
      scan::append_diagnostic(pending, t.substr(3));
      scan::append_diagnostic(replies, t.substr(3));
      continue;
    }
    std::string address;
    std::string_view verdict;
    if (verdict_line(t, address, verdict)) {
      auto* r = scan::add_recipient(result, std::move(address));
      if (!r) break;
      r->diagnostic = pending;
      scan::append_diagnostic(r->diagnostic, t);
      r->remote_mta = host;
      r->smtp_command = command;
      if (transient) r->action = "delayed";
      pending.clear();
      had_error_line = true;
      continue;
    }
    // "421 example.com (smtp)... Deferred: Connection timed out ..." (an error for a whole host),
    // "554 5.3.0 unknown mailer error 255", "451 4.0.0 Operating system error": Sendmail's error lines
    // that name no address.
    if (t.size() > 4 && (t[0] == '4' || t[0] == '5') && !scan::leading_reply_code(t.substr(0, 4)).empty()) {
      scan::append_diagnostic(pending, t);
      had_error_line = true;
      continue;
    }
    scan::append_diagnostic(loose, t);
  }
  flush_listed();
  scan::finish(result);  // one record per address before attaching loose text
  // Text of the transcript that names no address belongs to listed addresses that have no words of
  // their own (a mailer's exit code "255" is no words).
  // Error lines no verdict claimed are part of that text, and give its reply code.
  const std::string leftover_reply = scan::leading_reply_code(pending);
  if (!pending.empty()) scan::append_diagnostic(loose, pending);
  if (!loose.empty()) {
    for (auto& r : result.recipients) {
      const bool wordless = std::none_of(r.diagnostic.begin(), r.diagnostic.end(),
                                         [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
      if (!wordless) continue;
      r.diagnostic = loose;
      r.reply_code = leftover_reply;  // what was read from the old text no longer applies
      r.status.clear();
    }
  }

  // Only host-level errors: the failed recipients are the returned message's.
  if (result.recipients.empty() && had_error_line && !loose.empty()) {
    const auto to = scan::original_header(in, original, "to");
    for (std::size_t p = 0; p < to.size();) {
      auto comma = to.find(',', p);
      if (comma == std::string::npos) comma = to.size();
      auto address = text::find_address(std::string_view(to).substr(p, comma - p));
      p = comma + 1;
      if (address.empty()) continue;
      auto* r = scan::add_recipient(result, std::move(address));
      if (!r) break;
      r->diagnostic = loose;
      r->reply_code = leftover_reply;
      r->remote_mta = host;
      r->smtp_command = command;
    }
  }

  // A listed address whose reason is the first line of a multi-line reply: the whole reply.
  if (!replies.empty()) {
    const std::string folded = text::fold_space(replies);
    for (auto& r : result.recipients)
      if (continued_reply(r.diagnostic) && text::icontains(folded, r.diagnostic)) r.diagnostic = folded;
    // A listed address whose reason is the last host's reply: that session's command and host.
    for (auto& r : result.recipients)
      if (r.smtp_command.empty() && !r.diagnostic.empty() && text::icontains(folded, r.diagnostic)) {
        r.smtp_command = command;
        if (r.remote_mta.empty()) r.remote_mta = host;
      }
  }
  for (auto& r : result.recipients) scan::apply_fixed(r, kFixedReasons, "sendmail");
  scan::finish(result);
  if (!original.empty()) result.original_text = std::string(scan::header_block(original));
  return result;
}

}  // namespace bounced
