// classify.cpp: see classify.hpp. One pass per recipient:
//   status (DSN field vs. code in the text) -> reply code -> reason (reason_rules) ->
//   pseudo status when none was stated -> reply code consistent with the status class ->
//   action, class, subject, hard/soft.
#include "classify.hpp"

#include "reason_rules.hpp"
#include "status_codes.hpp"
#include "text.hpp"

namespace bounced {
namespace {

std::string domain_of(std::string_view address) {
  const auto at = address.rfind('@');
  return at == std::string_view::npos ? std::string() : text::lower(address.substr(at + 1));
}

// "c.s.d" with c in 2/4/5, s up to 3 digits, d up to 3 digits.
bool well_formed_status(std::string_view s) {
  if (s.size() < 5 || s.size() > 9) return false;
  if (s[0] != '2' && s[0] != '4' && s[0] != '5') return false;
  if (s[1] != '.') return false;
  std::size_t i = 2, d = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++d;
  if (d == 0 || d > 3 || i >= s.size() || s[i] != '.') return false;
  ++i;
  d = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++d;
  return d > 0 && d <= 3 && i == s.size();
}

// First word of an SMTP command, uppercase ("rcpt to" -> "RCPT").
std::string normalize_command(std::string_view c) {
  c = text::trim(c);
  std::string out;
  for (char ch : c) {
    if (ch == ' ' || ch == '\t' || ch == ':') break;
    out.push_back((ch >= 'a' && ch <= 'z') ? static_cast<char>(ch - 32) : ch);
  }
  if (out == "CONNECT" || out == "CONNECTION") out = "CONN";
  if (out == "END" || out == "BODY") out = "DATA";  // "end of data", "body" transcripts
  return out;
}

// Multi-line replies repeat "550-5.7.1 " on every line; drop the repeats so phrases that
// straddle lines still match.
std::string strip_reply_prefixes(std::string s, std::string_view reply, std::string_view status) {
  // "<reply>-" is looked for by its '-' (rarer in these texts than the digits).
  if (reply.empty() || !text::contains_before(s, reply, '-')) return s;
  auto erase_all = [&s](const std::string& what) {
    if (what.empty()) return;
    for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at)) s.erase(at, what.size());
  };
  for (const char* sep : {"-", " "}) {
    if (!status.empty()) erase_all(std::string(reply) + sep + std::string(status));
    erase_all(std::string(reply) + sep);
  }
  return text::fold_space(s);
}

}  // namespace

bool is_hard_bounce(std::string_view reason, std::string_view status) {
  if (reason == "userunknown" || reason == "hostunknown" || reason == "hasmoved") return true;
  if (reason != "notaccept") return false;
  // notaccept is hard unless the evidence says the refusal is temporary.
  if (status.empty()) return true;
  const std::string lower = text::lower(status);
  auto code = find_status_code(lower, 0);
  if (code.empty()) code = find_smtp_reply(lower, 0);
  return (!code.empty() && code[0] == '5') || !text_says_temporary(lower);
}

void classify_recipient(RecipientResult& r, const ClassifyContext& ctx) {
  // The matching copy of the text, with room for the words appended to it below.
  std::string diag;
  if (!r.diagnostic_code.empty()) {
    diag.reserve(r.diagnostic_code.size() + 40);
    diag.assign(r.diagnostic_code);
    text::fold_space_in_place(diag);
    text::lower_in_place(diag);
  }

  // Status: the DSN's field, or the code in the text when that one is more precise.
  if (!well_formed_status(r.status)) r.status.clear();
  const std::string in_text = find_status_code(diag, 0);
  const std::string reply_in_text = find_smtp_reply(diag, in_text.empty() ? 0 : in_text[0]);
  r.status = prefer_status(r.status, in_text, reply_in_text);
  // Only codes that exist count (a relay's "542 ... Rejected" is no SMTP reply code).
  if (r.reply_code.size() != 3 || find_smtp_reply(r.reply_code, 0) != r.reply_code) r.reply_code.clear();
  if (r.reply_code.empty()) r.reply_code = reply_in_text;
  diag = strip_reply_prefixes(std::move(diag), reply_in_text, in_text);

  std::string command = normalize_command(r.smtp_command);
  // Matching copy of the text: Postfix's "(in reply to ... command)" restored when a scanner
  // kept the command but dropped the words (some wordings are only decisive with it), and a
  // trailing space so phrases ending a sentence ("transaction failed ") match at the end.
  if (!command.empty() && diag.find("(in reply to ") == std::string::npos) {
    if (command == "RCPT") diag += " (in reply to rcpt to command)";
    else if (command == "MAIL") diag += " (in reply to mail from command)";
    else if (command == "DATA") diag += " (in reply to end of data command)";
  }
  if (!diag.empty()) diag.push_back(' ');
  // Only "x-..." types (x-unix, x-postfix) are not SMTP replies; "unknown" and "" are read as SMTP,
  // and so is an MTA-specific type whose text quotes the remote server's SMTP reply
  // ("X-Postfix; ... refused to talk to me: 421 ...").
  const std::string diag_type = text::lower(r.diagnostic_type);
  const bool local_type = diag_type.rfind("x-", 0) == 0 && (diag_type == "x-unix" || reply_in_text.empty());
  const std::string_view effective_type = local_type ? std::string_view(diag_type) : std::string_view("smtp");
  const std::string action = text::lower(text::trim(r.action));

  // Reason.
  if (ctx.kind == MessageKind::feedback) {
    r.reason = "feedback";
    r.decided_by = ctx.hint_rule.empty() ? "arf" : std::string(ctx.hint_rule);
    r.reply_code.clear();
  } else if (ctx.kind == MessageKind::auto_reply) {
    r.reason = "vacation";
    r.decided_by = ctx.hint_rule.empty() ? "rfc3834" : std::string(ctx.hint_rule);
    r.reply_code.clear();
  } else {
    const std::string remote = text::lower(r.remote_mta);
    const std::string domain = domain_of(r.recipient);
    ReasonFacts facts;
    facts.diagnostic = diag;
    facts.status = r.status;
    facts.reply_code = r.reply_code;
    facts.command = command;
    facts.action = action;
    facts.diagnostic_type = effective_type;
    facts.hint = ctx.reason_hint;
    facts.hint_rule = ctx.hint_rule;
    facts.remote_mta = remote;
    facts.recipient_domain = domain;
    if (ctx.kind == MessageKind::delivered && r.status.empty()) facts.status = "2.0.0";
    RuleMatch m = ctx.text_only ? decide_reason_from_text(facts) : decide_reason(facts);
    r.reason = std::string(m.reason);
    r.decided_by = std::move(m.rule);
  }

  const bool bounce = r.reason != "delivered" && r.reason != "feedback" && r.reason != "vacation";
  // Only notaccept looks at the evidence (the status and the folded text, built for it alone).
  if (r.reason == "notaccept") {
    const std::string folded = text::fold_space(r.diagnostic_code);
    r.hard_bounce = is_hard_bounce(r.reason, r.status.empty() ? folded : r.status + " " + folded);
  } else {
    r.hard_bounce = bounce && is_hard_bounce(r.reason, {});
  }

  // Pseudo status when the bounce states none (Sisimai's x.0.9nn convention).
  if (r.status.empty() && bounce && !ctx.text_only) {
    // Already lowercase: diag is, and a reply code is digits.
    const std::string evidence = r.reply_code + " " + diag;
    const bool temporary = text_says_only_temporary(evidence);
    r.status = std::string(pseudo_status(r.reason, !temporary));
  }

  // The reply code must agree with the status class.
  if (!r.reply_code.empty() && !r.status.empty() && r.reply_code[0] != r.status[0]) {
    r.reply_code = find_smtp_reply(diag, r.status[0]);
  }

  if (r.reason == "delivered") r.action = "delivered";
  else if (r.reason == "expired") r.action = "delayed";
  else if (bounce && (action.empty() || (action != "failed" && action != "delayed" && action != "delivered" &&
                                         action != "relayed" && action != "expanded"))) {
    if (!r.status.empty() && (r.status[0] == '4' || r.status[0] == '5')) r.action = "failed";
  } else {
    r.action = action;
  }

  r.smtp_command = command;
  r.status_class = std::string(status_class_name(r.status));
  r.status_subject = std::string(status_subject_name(r.status));
}

}  // namespace bounced
