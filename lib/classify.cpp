// classify.cpp: see classify.hpp.
#include "classify.hpp"

#include "reason_rules.hpp"
#include "status_codes.hpp"
#include "text.hpp"

namespace bounced {

bool is_hard_bounce(std::string_view reason, std::string_view status) {
  if (reason == "userunknown" || reason == "hostunknown" || reason == "hasmoved") return true;
  if (reason == "notaccept") return !status.empty() && status[0] == '5';
  return false;
}

namespace {

// Generic codes that say nothing about the reason: let phrases decide.
bool is_generic_status(std::string_view s) {
  return s.size() >= 5 && s.substr(1) == ".0.0";
}

std::string domain_of(std::string_view address) {
  const auto at = address.rfind('@');
  return at == std::string_view::npos ? std::string() : text::lower(address.substr(at + 1));
}

}  // namespace

void classify_recipient(RecipientResult& r, const ClassifyContext& ctx) {
  const std::string diag = text::lower(text::fold_space(r.diagnostic_code));

  // Status: DSN's own, else one found in the diagnostic text.
  if (!is_valid_status(r.status)) r.status.clear();
  if (r.status.empty() || is_generic_status(r.status)) {
    auto found = text::find_status(r.diagnostic_code);
    if (!found.empty() && is_valid_status(found) && !(r.status.size() && found[0] != r.status[0]))
      r.status = found;
  }
  if (r.reply_code.empty()) r.reply_code = text::find_reply_code(text::trim(r.diagnostic_code));

  // Reason.
  if (ctx.kind == MessageKind::feedback) {
    r.reason = "feedback";
    r.decided_by = "arf";
  } else if (ctx.kind == MessageKind::auto_reply) {
    r.reason = "vacation";
    r.decided_by = "rfc3834";
  } else if (ctx.kind == MessageKind::delivered || (!r.status.empty() && r.status[0] == '2')) {
    r.reason = "delivered";
    r.decided_by = "status:" + r.status;
  } else if (!ctx.reason_hint.empty()) {
    r.reason = std::string(ctx.reason_hint);
    r.decided_by = std::string(ctx.hint_rule);
  } else {
    RuleMatch m = match_rhost_rules(text::lower(r.remote_mta), domain_of(r.recipient), diag, r.status);
    if (m.reason.empty()) m = match_phrase_rules(diag);
    if (m.reason.empty()) m = reason_from_status(r.status);
    if (!m.reason.empty()) {
      r.reason = std::string(m.reason);
      r.decided_by = std::move(m.rule);
    } else if (r.action == "delayed" || (!r.status.empty() && r.status[0] == '4')) {
      r.reason = "expired";
      r.decided_by = "fallback:delayed";
    } else {
      r.reason = "undefined";
      r.decided_by = "fallback:no-rule";
    }
  }

  // Status inferred from the reason when the bounce states none.
  if (r.status.empty() && ctx.kind == MessageKind::bounce) {
    const bool transient = r.action == "delayed" || (!r.reply_code.empty() && r.reply_code[0] == '4');
    r.status = std::string(status_for_reason(r.reason, !transient));
  }
  if (r.action.empty() && ctx.kind == MessageKind::bounce)
    r.action = (!r.status.empty() && r.status[0] == '4') ? "delayed" : "failed";

  r.status_class = std::string(status_class_name(r.status));
  r.status_subject = std::string(status_subject_name(r.status));
  r.hard_bounce = ctx.kind == MessageKind::bounce && is_hard_bounce(r.reason, r.status);
}

}  // namespace bounced
