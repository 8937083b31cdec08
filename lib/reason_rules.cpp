// reason_rules.cpp: see reason_rules.hpp. The tables are data; matching is a linear scan of
// lowercase substrings over a short, folded diagnostic line.
#include "reason_rules.hpp"

#include <array>

namespace bounced {
namespace {

// Order matters: the first rule whose phrase occurs wins.
constexpr PhraseRule kPhraseRules[] = {
    // --- seed wordings (bounced explain, seed "The server says" lines): specific phrases that must
    // win over the generic rows below. Kept as one block; owner: explain/tables helper. ---
    {"norelaying", "relay access denied"},  // before "recipient address rejected" (Postfix wording)
    {"norelaying", "relaying mail to "},
    {"norelaying", "relaying not permitted"},
    {"norelaying", "unable to relay for"},
    {"norelaying", "that domain isn't in my list of allowed rcpthost"},  // qmail
    {"norelaying", "smtp to relay"},
    {"norelaying", "to non-local recipient"},
    {"norelaying", "relay restriction"},
    {"norelaying", "local user only"},
    {"securityerror", "authentication is required"},
    {"securityerror", "authentication required"},
    {"securityerror", "authentication unsuccessful"},  // Exchange: 535 5.7.3
    {"securityerror", "client was not authenticated"},
    {"rejected", "badmailfrom"},  // qmail: envelope sender in badmailfrom
    {"rejected", "domain name required"},  // Sendmail: sender address without a domain
    {"systemfull", "insufficient system storage"},  // RFC 5321 text of 452
    {"systemfull", "errno=28"},  // ENOSPC: the server's disk is full
    // --- end of seed wordings (specific) ---
    {"mailboxfull", "mailbox full"},
    {"mailboxfull", "mailbox is full"},
    {"mailboxfull", "over quota"},
    {"mailboxfull", "quota exceeded"},
    {"userunknown", "user unknown"},
    {"userunknown", "unknown user"},
    {"userunknown", "no such user"},
    {"userunknown", "user not found"},
    {"userunknown", "does not exist"},
    {"userunknown", "recipient address rejected"},
    {"hostunknown", "host not found"},
    {"hostunknown", "name or service not known"},
    {"norelaying", "relay access denied"},
    {"norelaying", "relaying denied"},
    {"norelaying", "relay not permitted"},
    {"spamdetected", "spam"},
    {"expired", "delivery time expired"},
    {"mesgtoobig", "message size exceeds"},
    // --- seed wordings (generic, last resort): owner: explain/tables helper. ---
    {"userunknown", "invalid recipient"},
    {"userunknown", "invalid user"},
    {"userunknown", "mailbox name not allowed"},  // RFC 5321 text of 553 (X.1.3 territory)
    {"rejected", ", message blocked"},  // "553 From <addr>, message blocked."
    {"systemerror", "transaction failed"},  // RFC 5321 text of 554
    // --- end of seed wordings (generic) ---
};

struct StatusRule {
  std::string_view status;  // exact "X.s.d" match on subject.detail
  std::string_view reason;
};
constexpr StatusRule kStatusRules[] = {
    {"1.1", "userunknown"}, {"1.2", "hostunknown"}, {"1.3", "userunknown"}, {"1.6", "hasmoved"},
    {"2.1", "suspend"},     {"2.2", "mailboxfull"}, {"2.3", "exceedlimit"}, {"3.1", "systemfull"},
    {"3.4", "mesgtoobig"},  {"4.7", "expired"},     {"7.1", "rejected"},    {"5.3", "syntaxerror"},
};

}  // namespace

RuleMatch match_phrase_rules(std::string_view d) {
  for (const auto& r : kPhraseRules)
    if (d.find(r.phrase) != std::string_view::npos)
      return {r.reason, "phrase:" + std::string(r.reason) + ":\"" + std::string(r.phrase) + "\""};
  return {};
}

RuleMatch reason_from_status(std::string_view status) {
  if (status.size() < 5) return {};
  const auto rest = status.substr(2);
  for (const auto& r : kStatusRules)
    if (rest == r.status) return {r.reason, "status:" + std::string(status)};
  return {};
}

RuleMatch match_rhost_rules(std::string_view, std::string_view, std::string_view, std::string_view) {
  return {};
}

std::string_view status_for_reason(std::string_view reason, bool permanent) {
  struct Row {
    std::string_view reason, permanent, transient;
  };
  static constexpr Row kRows[] = {
      {"userunknown", "5.1.1", "4.1.1"},  {"hostunknown", "5.1.2", "4.1.2"},
      {"hasmoved", "5.1.6", "4.1.6"},     {"mailboxfull", "5.2.2", "4.2.2"},
      {"suspend", "5.2.1", "4.2.1"},      {"exceedlimit", "5.2.3", "4.2.3"},
      {"systemfull", "5.3.1", "4.3.1"},   {"mesgtoobig", "5.3.4", "4.3.4"},
      {"expired", "5.4.7", "4.4.7"},      {"networkerror", "5.4.0", "4.4.0"},
      {"norelaying", "5.7.1", "4.7.1"},   {"blocked", "5.7.1", "4.7.1"},
      {"rejected", "5.7.1", "4.7.1"},     {"spamdetected", "5.7.1", "4.7.1"},
      {"securityerror", "5.7.0", "4.7.0"}, {"virusdetected", "5.7.1", "4.7.1"},
      {"filtered", "5.2.1", "4.2.1"},     {"systemerror", "5.3.0", "4.3.0"},
      {"mailererror", "5.3.0", "4.3.0"},  {"notaccept", "5.3.2", "4.3.2"},
      {"contenterror", "5.6.0", "4.6.0"}, {"syntaxerror", "5.5.2", "4.5.2"},
      {"toomanyconn", "5.4.6", "4.4.6"},  {"policyviolation", "5.7.0", "4.7.0"},
      {"authfailure", "5.7.1", "4.7.1"},  {"requireptr", "5.7.25", "4.7.25"},
      {"badreputation", "5.7.1", "4.7.1"}, {"notcompliantrfc", "5.6.0", "4.6.0"},
      {"speeding", "4.7.0", "4.7.0"},     {"onhold", "5.0.0", "4.0.0"},
  };
  for (const auto& r : kRows)
    if (r.reason == reason) return permanent ? r.permanent : r.transient;
  return {};
}

}  // namespace bounced
