// pipeline.cpp: guard -> MIME -> DSN fields / MTA scanners -> classify -> report.
#include "pipeline.hpp"

#include <algorithm>
#include <optional>

#include "classify.hpp"
#include "decode.hpp"
#include "dsn.hpp"
#include "feedback.hpp"
#include "mime.hpp"
#include "notification.hpp"
#include "reason_rules.hpp"
#include "scanner.hpp"
#include "text.hpp"

namespace bounced {
namespace {

// (Read with for_each_header_field: only these few fields are copied out of the block.)
void fill_original(OriginalHeaders& o, std::string_view header_block) {
  for_each_header_field(header_block, [&](std::string_view name, std::string_view value) {
    // The wanted field a name can be is known from its length: one comparison per field.
    std::string* field = nullptr;
    std::string_view wanted;
    switch (name.size()) {
      case 2: field = &o.to, wanted = "to"; break;
      case 4:
        if ((name[0] | 0x20) == 'f') field = &o.from, wanted = "from";
        else field = &o.date, wanted = "date";
        break;
      case 7:
        if ((name[0] | 0x20) == 's') field = &o.subject, wanted = "subject";
        else field = &o.list_id, wanted = "list-id";
        break;
      case 10: field = &o.message_id, wanted = "message-id"; break;
      default: break;
    }
    if (field && field->empty() && text::iequals(name, wanted)) assign_header_text(*field, value);
    if (name.size() > 2 && (name[0] == 'X' || name[0] == 'x') && name[1] == '-' && o.x_fields.size() < 16) {
      if (o.x_fields.empty()) o.x_fields.reserve(16);
      o.x_fields.emplace_back(std::string(name), std::string(text::trim(value.substr(0, 256))));
    }
  });
  if (const auto id = text::trim(o.message_id); id.size() != o.message_id.size()) o.message_id = std::string(id);
}

// "550-5.7.1 text" with no "550 " after it: only the first line(s) of a multi-line SMTP reply.
bool continued_reply(std::string_view d) {
  if (!(d.size() > 4 && d[0] >= '2' && d[0] <= '5' && d[1] >= '0' && d[1] <= '9' && d[2] >= '0' && d[2] <= '9' &&
        d[3] == '-'))
    return false;
  const std::string last = std::string(d.substr(0, 3)) + " ";
  return d.find(last, 4) == std::string_view::npos;
}

// Fills fields the DSN lacks from the scanner's record for the same address.
void merge_scanned(RecipientResult& r, const ScannedRecipient& s) {
  // A Diagnostic-Code that is the first line of a multi-line reply ("550-5.7.1 ...", the '-' says
  // more lines follow) was cut by the MTA (Sendmail does this); the scanner read the whole reply
  // from the transcript.
  if (r.diagnostic_code.empty() || (continued_reply(r.diagnostic_code) && s.diagnostic.size() > r.diagnostic_code.size() &&
                                    text::icontains(s.diagnostic, r.diagnostic_code)))
    r.diagnostic_code = s.diagnostic;
  // A pseudo code from a scanner that read the MTA's own fixed message states that MTA's verdict,
  // which its DSN Status field only approximates.
  if (r.status.empty() || r.status.substr(1) == ".0.0" || (is_pseudo_status(s.status) && !s.reason.empty())) {
    if (!s.status.empty()) r.status = s.status;
  }
  if (r.reply_code.empty()) r.reply_code = s.reply_code;
  if (r.smtp_command.empty()) r.smtp_command = s.smtp_command;
  if (r.remote_mta.empty()) r.remote_mta = s.remote_mta;
  if (r.action.empty()) r.action = s.action;
}

// What goes with one recipient on its way to classify (the recipient itself is built in place
// in the report): the scanner's record for it, and a reason hint when the notification's own
// format names one.
struct Merged {
  const ScannedRecipient* s;
  std::string_view hint = {};
  std::string hint_rule = {};
};

void fill_from_scanned(RecipientResult& r, const ScannedRecipient& s) {
  r.recipient = s.recipient;
  r.action = s.action;
  r.status = s.status;
  r.reply_code = s.reply_code;
  r.diagnostic_code = s.diagnostic;
  r.remote_mta = s.remote_mta;
  r.smtp_command = s.smtp_command;
  r.feedback_type = s.feedback_type;
}

// An address a bounce can be counted against: local part, '@', a dotted domain; no source route.
bool usable(std::string_view a) {
  const auto at = a.rfind('@');
  return at != std::string_view::npos && at > 0 && text::is_address(a) && a.find(':') == std::string_view::npos &&
         a.find('.', at) != std::string_view::npos;
}

void fill_from_dsn(RecipientResult& r, const DsnRecipient& d) {
  // Final-Recipient, unless it is not a usable address (a source route "@relay:user@host", a bare
  // host name, a mailbox file path) and the Original-Recipient is.
  r.recipient = d.final_recipient;
  if (r.recipient.empty() || (!usable(r.recipient) && usable(d.original_recipient))) r.recipient = d.original_recipient;
  r.original_recipient = d.original_recipient;
  r.action = d.action;
  r.status = d.status;
  r.diagnostic_code = text::fold_space(d.diagnostic_code);
  r.diagnostic_type = d.diagnostic_type;
  r.remote_mta = d.remote_mta;
  r.last_attempt_date = d.last_attempt_date;
  r.will_retry_until = d.will_retry_until;
}

// A delivery-status block pasted into the text instead of its own MIME part (broken multiparts,
// forwarded bounces): from the first Reporting-MTA / Final-Recipient / Original-Recipient line to
// the next boundary or returned-message header. "" when the text has no Final-Recipient with an
// Action or Status after it.
std::string_view embedded_delivery_status(std::string_view body) {
  const auto lines = text::lines(body);
  std::size_t first = lines.size(), end = lines.size();
  bool recipient = false, verdict = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto l = lines[i];
    if (first == lines.size()) {
      if (text::istarts_with(l, "reporting-mta:") || text::istarts_with(l, "final-recipient:") ||
          text::istarts_with(l, "original-recipient:"))
        first = i;
      else
        continue;
    }
    if (text::istarts_with(l, "final-recipient:") || text::istarts_with(l, "original-recipient:")) recipient = true;
    if (recipient && (text::istarts_with(l, "action:") || text::istarts_with(l, "status:"))) verdict = true;
    if (i > first && (text::istarts_with(l, "--") || text::istarts_with(l, "content-type:"))) {
      end = i;
      break;
    }
  }
  if (first == lines.size() || !recipient || !verdict) return {};
  const char* b = lines[first].data();
  const char* e = end < lines.size() ? lines[end].data() : body.data() + body.size();
  return std::string_view(b, static_cast<std::size_t>(e - b));
}

// Does the lowercased text hold "final-recipient:" or "original-recipient:"? (One search for the
// part they share, its rare occurrences then read backwards.)
bool holds_recipient_field(std::string_view lowered) {
  constexpr std::string_view kShared = "recipient:";
  for (auto at = text::find_exact(lowered, kShared); at != std::string_view::npos;
       at = text::find_exact(lowered, kShared, at + 1)) {
    const auto before = lowered.substr(0, at);
    if (before.ends_with("final-") || before.ends_with("original-")) return true;
  }
  return false;
}

// Does the message present itself as a delivery notification? (Used before trusting a DSN block
// found in plain text, so a person quoting one in ordinary mail is not taken for a bounce.)
bool looks_like_notification(const ScanInput& in) {
  if (const auto* type = in.header("content-type"); type && text::icontains(*type, "report-type=delivery-status"))
    return true;
  const std::string from = text::lower(in.from);
  for (std::string_view who : {"mailer-daemon", "postmaster", "mail-daemon", "mailer@", "mail delivery"})
    if (from.find(who) != std::string::npos) return true;
  const std::string subject = text::lower(in.subject);
  for (std::string_view what : {"undeliver", "returned mail", "delivery status", "delivery failure",
                                "failure notice", "mail delivery failed", "delivery notification",
                                "non-delivery", "nondeliver", "could not be delivered", "mail failed"})
    if (subject.find(what) != std::string::npos) return true;
  return false;
}

}  // namespace

ParseOutcome parse_message(std::string_view raw) {
  ParseOutcome out;
  auto mime = parse_mime(strip_mbox_from_line(raw));
  if (mime.error != GuardError::none || !mime.root) {
    out.error = mime.error == GuardError::none ? GuardError::no_header : mime.error;
    return out;
  }
  const MimePart& root = *mime.root;
  ScanInput in = make_scan_input(root);
  std::optional<bool> notification;  // looks_like_notification(in), asked at most once
  auto is_notification = [&] {
    if (!notification) notification = looks_like_notification(in);
    return *notification;
  };
  MessageReport& report = out.report;

  // 1. Complaint reports (ARF, JMRP, unsubscribe) are never bounces, whatever else they carry.
  std::optional<ScanResult> scanned = scan_feedback_report(in);
  if (scanned) report.scanner = "arf";

  // 2. Standard DSN fields.
  // A notification whose delivery-status block is not a MIME part of its own (a broken multipart,
  // a forwarded bounce) still carries the fields in its text.
  DsnReport dsn;
  if (!scanned && in.delivery_status) {
    dsn = parse_delivery_status(in.delivery_status->text());
  } else if (!scanned && is_notification()) {
    // (The block needs a Final-Recipient or Original-Recipient line: most texts have neither.)
    if (holds_recipient_field(in.body_lower()))
      if (const auto block = embedded_delivery_status(in.body_text); !block.empty()) dsn = parse_delivery_status(block);
  }
  report.fields = dsn.fields;

  // 3. MTA scanners: the first that finds recipients.
  if (!scanned) {
    for (const auto& scanner : scanner_registry()) {
      scanned = scanner.scan(in);
      if (scanned && !scanned->recipients.empty()) {
        report.scanner = scanner.name;
        break;
      }
      scanned.reset();
    }
  }

  // 4. Merge: DSN recipients are authoritative for addresses; scanner details fill gaps.
  // recipients[i] and merged[i] go together.
  std::vector<RecipientResult>& recipients = report.recipients;
  std::vector<Merged> merged;
  const std::size_t expected = std::max(dsn.recipients.size(), scanned ? scanned->recipients.size() : std::size_t{0});
  recipients.reserve(expected);
  merged.reserve(expected);
  for (const auto& d : dsn.recipients) {
    if (d.action == "relayed" || d.action == "expanded") continue;
    RecipientResult& r = recipients.emplace_back();
    fill_from_dsn(r, d);
    if (r.recipient.empty()) {
      recipients.pop_back();
      continue;
    }
    const ScannedRecipient* match = nullptr;
    if (scanned)
      for (const auto& s : scanned->recipients)
        if (!match && text::iequals(s.recipient, r.recipient)) match = &s;
    if (!match && scanned && scanned->recipients.size() == 1 && dsn.recipients.size() == 1)
      match = &scanned->recipients.front();
    if (match) merge_scanned(r, *match);
    // A Final-Recipient that is no usable address (a mailbox path, "@host" with the local part
    // lost): the scanner's address.
    if (match && !usable(r.recipient) && usable(match->recipient)) r.recipient = match->recipient;
    Merged m{match};
    // A DSN extension naming the bounce category (PowerMTA) is the MTA's own statement.
    if (const auto c = reason_for_bounce_category(d.bounce_category); !c.empty()) {
      m.hint = c;
      m.hint_rule = "dsn:x-powermta-bouncecategory:" + d.bounce_category;
    }
    merged.push_back(std::move(m));
  }
  MessageKind kind = MessageKind::bounce;
  if (!merged.empty()) {
    if (report.scanner.empty()) report.scanner = "rfc3464";
  } else if (scanned) {
    kind = scanned->kind;
    for (const auto& s : scanned->recipients) {
      fill_from_scanned(recipients.emplace_back(), s);
      merged.push_back({&s});
    }
  }

  // 5. Nothing recognised a bounce: an automatic reply, or not a notification at all.
  if (merged.empty()) {
    scanned = scan_auto_reply(in);
    if (scanned) {
      report.scanner = "rfc3834";
      kind = MessageKind::auto_reply;
      for (const auto& s : scanned->recipients) {
        fill_from_scanned(recipients.emplace_back(), s);
        merged.push_back({&s});
      }
    }
  }
  if (merged.empty()) {
    report.kind = MessageKind::not_bounce;
    return out;
  }
  if (kind == MessageKind::bounce) {
    // Success DSNs: all delivered -> a delivered report; mixed -> only the failures count.
    auto is_delivered = [](const RecipientResult& r) {
      return r.action == "delivered" || (!r.status.empty() && r.status[0] == '2');
    };
    std::size_t delivered = 0;
    for (const auto& r : recipients)
      if (is_delivered(r)) ++delivered;
    if (delivered == recipients.size()) {
      kind = MessageKind::delivered;
    } else if (delivered > 0) {
      std::size_t kept = 0;
      for (std::size_t i = 0; i < recipients.size(); ++i) {
        if (is_delivered(recipients[i])) continue;
        if (kept != i) {
          recipients[kept] = std::move(recipients[i]);
          merged[kept] = std::move(merged[i]);
        }
        ++kept;
      }
      recipients.resize(kept);
      merged.resize(kept);
    }
  }
  report.kind = kind;

  // A local delivery agent's own message quoted in the report says more than the MTA's words.
  if (kind == MessageKind::bounce && is_notification()) {
    if (const MdaVerdict mda = find_mda_verdict(in.body_text, in.body_lower()); !mda.reason.empty()) {
      for (std::size_t i = 0; i < merged.size(); ++i) {
        auto& m = merged[i];
        auto& r = recipients[i];
        if ((m.s && !m.s->reason.empty()) || !m.hint.empty()) continue;
        const auto at = r.recipient.find('@');
        const std::string local = r.recipient.substr(0, at);
        if (merged.size() > 1 && (local.empty() || !text::icontains(mda.message, local))) continue;
        m.hint = mda.reason;
        m.hint_rule = mda.rule;
        if (!text::icontains(r.diagnostic_code, mda.message))
          r.diagnostic_code = r.diagnostic_code.empty() ? mda.message : mda.message + " " + r.diagnostic_code;
      }
    }
  }

  // 5. The returned original's headers.
  if (in.original) {
    fill_original(report.original, in.original->body);
  }
  if (report.original.message_id.empty() && scanned && !scanned->original_text.empty())
    fill_original(report.original, scanned->original_text);

  // 6. Classify.
  for (std::size_t i = 0; i < merged.size(); ++i) {
    const auto& [s, hint, hint_rule] = merged[i];
    ClassifyContext ctx;
    ctx.kind = kind;
    ctx.scanner = report.scanner;
    if (s && !s->reason.empty()) {
      ctx.reason_hint = s->reason;
      ctx.hint_rule = s->decided_by;
    } else if (!hint.empty()) {
      ctx.reason_hint = hint;
      ctx.hint_rule = hint_rule;
    }
    classify_recipient(recipients[i], ctx);
  }
  return out;
}

std::vector<ParseOutcome> parse_file(std::string_view contents) {
  std::vector<ParseOutcome> out;
  for (auto message : split_mbox(contents)) out.push_back(parse_message(message));
  return out;
}

}  // namespace bounced
