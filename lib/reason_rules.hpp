// reason_rules.hpp: reason knowledge as data. Phrase tables (what MTAs and providers really write,
// lowercase) mapped to Sisimai's reason vocabulary, and the status-code table.
#pragma once
#include <span>
#include <string>
#include <string_view>

namespace bounced {

struct PhraseRule {
  std::string_view reason;  // userunknown, mailboxfull, ...
  std::string_view phrase;  // lowercase substring of the folded diagnostic text
};

struct RuleMatch {
  std::string_view reason;  // "" when nothing matched
  std::string rule;         // decided_by text, e.g. "phrase:mailboxfull:\"mailbox is full\""
};

// Phrase rules, tried in table order (more specific reasons first).
RuleMatch match_phrase_rules(std::string_view diagnostic_lower);

// Reason implied by an enhanced status code ("5.1.1" -> userunknown); "" if the code is too generic.
RuleMatch reason_from_status(std::string_view status);

// Receiving-host rules: provider-specific wording keyed by the remote MTA host or recipient domain.
RuleMatch match_rhost_rules(std::string_view remote_mta_lower, std::string_view recipient_domain_lower,
                            std::string_view diagnostic_lower, std::string_view status);

// Default status for a reason when the bounce states none (permanent = true for 5xx context).
std::string_view status_for_reason(std::string_view reason, bool permanent);

}  // namespace bounced
