// classify.hpp: the classify stage. Given what the DSN and/or a scanner found for a recipient,
// settle status, reply code, reason, class, subject and hard/soft, and record which rule decided.
// Order (first that answers wins for the reason):
//   1. the scanner's own reason (a format with a fixed error table)
//   2. receiving-host rules (rhost_rules: provider wording keyed by remote MTA / recipient domain)
//   3. phrase rules over the diagnostic text (reason_rules)
//   4. the enhanced status code (status -> reason table)
//   5. the SMTP reply code / action fallback
#pragma once
#include <string>
#include <string_view>

#include "record.hpp"

namespace bounced {

struct ClassifyContext {
  MessageKind kind = MessageKind::bounce;
  std::string_view scanner;      // which scanner produced the recipient
  std::string_view reason_hint;  // reason the scanner itself determined ("" = none)
  std::string_view hint_rule;    // decided_by for the hint
  // Only a line of text is known (no DSN, no SMTP command), e.g. `bounced explain`: the reason
  // comes from the text-only phrase order, and decided_by starts with "fallback:" when no
  // rule matched.
  bool text_only = false;
};

void classify_recipient(RecipientResult& r, const ClassifyContext& ctx);

// Sisimai's notion of a hard bounce: the address itself is dead.
bool is_hard_bounce(std::string_view reason, std::string_view status);

}  // namespace bounced
