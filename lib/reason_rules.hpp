// reason_rules.hpp: reason knowledge as data, and the order in which it is consulted.
// Tables live one per file: reason_phrases.cpp (what MTAs write, per reason), status_reasons.cpp
// (status codes, reply codes, pseudo codes), rhost_rules.cpp (provider-specific wordings).
// reason_rules.cpp holds decide_reason(), the only place that knows the order of the checks.
// Reason names are Sisimai v5.1's vocabulary.
#pragma once
#include <array>
#include <cstdint>
#include <iterator>
#include <span>
#include <string>
#include <string_view>

namespace bounced {

struct RuleMatch {
  std::string_view reason;  // "" when nothing matched
  std::string rule;         // decided_by text, e.g. "phrase:mailboxfull:mailbox *full"
};

// Everything the reason decision looks at. All strings already normalised as noted.
struct ReasonFacts {
  std::string_view diagnostic;        // lowercase, white space folded
  std::string_view status;            // chosen enhanced status ("5.1.1"), "" if none
  std::string_view reply_code;        // "550", "" if none
  std::string_view command;           // uppercase SMTP command: CONN HELO EHLO MAIL RCPT DATA ...
  std::string_view action;            // lowercase Action: value
  std::string_view diagnostic_type;   // lowercase: "smtp", "x-unix", "x-postfix", "" ...
  std::string_view hint;              // reason the MTA's own format stated ("" = none)
  std::string_view hint_rule;         // decided_by for the hint
  std::string_view remote_mta;        // lowercase remote host name
  std::string_view recipient_domain;  // lowercase domain of the recipient
};

// Settles the reason. Never returns an empty reason: "undefined" when nothing is known,
// "onhold" when there is a diagnostic but no rule recognises it.
RuleMatch decide_reason(const ReasonFacts& facts);

// For a bare line of text (no command, no DSN): phrases in the text-only order, then the status
// code; "undefined" with rule "fallback:no-rule" when nothing matched.
RuleMatch decide_reason_from_text(const ReasonFacts& facts);

// Reasons an MTA-level guess may be overridden by better evidence (undefined, onhold, ...).
bool reason_may_be_revised(std::string_view reason);

// --- reason_phrases.cpp ---
// The reasons that have a phrase list, in the order of reason_phrases.cpp's table (which checks it).
inline constexpr std::string_view kPhraseReasons[] = {
    "userunknown",   "filtered",      "rejected",        "blocked",       "mailboxfull",   "spamdetected",
    "hostunknown",   "suspend",       "mesgtoobig",      "exceedlimit",   "hasmoved",      "norelaying",
    "authfailure",   "requireptr",    "notcompliantrfc", "badreputation", "contenterror",  "speeding",
    "toomanyconn",   "policyviolation", "virusdetected", "securityerror", "systemerror",   "networkerror",
    "systemfull",    "notaccept",     "expired",         "mailererror",   "vacation",
};
// `reason`'s place in kPhraseReasons, -1 for a reason without a phrase list.
constexpr int phrase_list_number(std::string_view reason) {
  for (std::size_t i = 0; i < std::size(kPhraseReasons); ++i)
    if (kPhraseReasons[i] == reason) return static_cast<int>(i);
  return -1;
}
// A reason named in the code, with its list's number worked out by the compiler (a name without
// a phrase list does not compile), so asking about it costs no look-up by name.
struct PhraseReason {
  std::string_view name;
  int list;
  consteval PhraseReason(const char* n) : name(n), list(phrase_list_number(n)) {
    if (list < 0) throw "not a reason with a phrase list";
  }
};

// One diagnostic text, asked about many reasons: remembers each answer and skips phrases whose
// character pairs do not occur in the text (most of them), so a recipient costs one pass over
// its text plus a few real substring searches. `text` must outlive the index.
class PhraseIndex {
 public:
  explicit PhraseIndex(std::string_view text);
  // The first phrase of `reason`'s list found in the text ("" if none).
  std::string_view find(std::string_view reason);
  std::string_view find(PhraseReason reason) { return find_in_list(reason.list); }
  template <std::size_t N>
  std::string_view find(const char (&reason)[N]) { return find(std::string_view(reason, N - 1)); }
  // Same, by the list's number (phrase_list_number); "" for a number below 0.
  std::string_view find_in_list(int list);
  // Might the text hold `s`? "No" is certain (a pair of its bytes is missing); "yes" needs a search.
  bool may_hold(std::string_view s) const {
    for (std::size_t i = 0; i + 1 < s.size(); ++i)
      if (!has_pair(pair_key(s[i], s[i + 1]))) return false;
    return true;
  }
  std::string_view text() const { return text_; }
  // The bit standing for the two bytes a, b side by side: a << 6 ^ b in 13 bits, so the index is
  // 1 KiB (cleared per text) and two ASCII pairs share a bit only when they differ in a's lowest
  // bit and b's bit 6.
  static constexpr std::size_t kPairBits = 8192;
  static constexpr std::uint16_t pair_key(char a, char b) {
    return static_cast<std::uint16_t>(((static_cast<unsigned>(static_cast<unsigned char>(a)) << 6) ^
                                       static_cast<unsigned char>(b)) & (kPairBits - 1));
  }
  // Might the text hold the pair with this key? "No" is certain (a quick "no" for other phrase
  // tables); "yes" needs a real search.
  bool holds_pair(std::uint16_t key) const { return has_pair(key); }

 private:
  static constexpr std::int16_t kUnknown = -2, kNone = -1;
  bool has_pair(std::uint16_t key) const { return (pairs_[key >> 6] >> (key & 63)) & 1; }
  std::string_view text_;
  std::array<std::uint64_t, kPairBits / 64> pairs_;  // bit pair_key(a, b) set: the text holds "ab"
 public:
  static constexpr std::size_t kMaxPhrases = 2048;  // all reasons' phrases together
 private:
  std::array<std::uint64_t, kMaxPhrases / 64> candidates_;  // bit n: phrase n's first pair is in the text
  std::array<std::int16_t, 40> memo_;
};

// `reason`'s phrase list, in the order it is read (empty for a reason without one).
std::span<const std::string_view> reason_phrase_list(std::string_view reason);
// The first phrase of `reason`'s list found in `diagnostic_lower` ("" if none).
std::string_view find_reason_phrase(std::string_view reason, std::string_view diagnostic_lower);
// True if `pattern` ("a*b*c": fragments in order) occurs in `text`.
bool pattern_matches(std::string_view text, std::string_view pattern);
// Wordings that contain "rejected" but are about the recipient or the client, not the sender.
bool rejected_phrase_excluded(std::string_view diagnostic_lower);
// Same for the index's text (wordings whose character pairs it lacks are not searched for).
bool rejected_phrase_excluded(const PhraseIndex& words);

// Phrase rules alone, in the order Sisimai's text-only matcher uses (for callers that have
// nothing but a line of text).
RuleMatch match_phrase_rules(std::string_view diagnostic_lower);

// --- status_reasons.cpp ---
// Reason implied by a specific enhanced status code ("5.1.1" -> userunknown); "" if generic.
std::string_view reason_for_status(std::string_view status);
// The same by a walk through the table in order (the plain rule, for tests).
std::string_view reason_for_status_plain(std::string_view status);
// Same, as a RuleMatch with rule "status:<code>".
RuleMatch reason_from_status(std::string_view status);
// Sisimai's pseudo status for a reason when the bounce states none: "5.0.911" for userunknown.
// permanent=false gives the 4.0.9nn form ("" for reasons that are permanent by nature).
std::string_view pseudo_status(std::string_view reason, bool permanent);
// A real RFC 3463 code typical of the reason ("5.1.1" for userunknown), for people.
std::string_view status_for_reason(std::string_view reason, bool permanent);
bool is_pseudo_status(std::string_view status);
// Chooses between the Status: field and the code found in the diagnostic text; `reply` (the
// SMTP reply code, may be "") breaks a tie between classes.
std::string prefer_status(std::string_view field, std::string_view in_text, std::string_view reply);
// The best enhanced status code in free text; klass '2'/'4'/'5' restricts the class, 0 = any.
// Skips IPv4 addresses, version numbers ("v1.2.3") and dotted numbers.
std::string find_status_code(std::string_view text, char klass);
// An SMTP reply code in free text, from the list of codes that exist; klass as above.
// Skips numbers glued to digits, dots, slashes, colons or letters (IPs, dates, ids).
std::string find_smtp_reply(std::string_view text, char klass);
// Does the text (lowercase) say the failure is permanent / temporary?
bool text_says_permanent(std::string_view text_lower);
bool text_says_temporary(std::string_view text_lower);
// !text_says_permanent(t) && text_says_temporary(t), reading the code in the text once.
bool text_says_only_temporary(std::string_view text_lower);

// --- rhost_rules.cpp ---
// The provider host patterns, in the order they are tried (suffixes of the remote host name,
// also matched against the recipient's domain).
struct ProviderHost {
  std::string_view provider;
  std::string_view host;
};
std::span<const ProviderHost> rhost_provider_hosts();
// Which provider received the message: the first pattern that is the recipient's domain or has
// it as its tail after a dot ("icloud.com" for ".mail.icloud.com"), else the first the remote
// host ends with; "" if none.
std::string_view rhost_provider(std::string_view remote_mta_lower, std::string_view recipient_domain_lower);
// Receiving-host rules: provider-specific wording keyed by the remote MTA host or recipient
// domain (both lowercase). rule is "rhost:<provider>:<phrase or code>".
RuleMatch match_rhost_rules(std::string_view remote_mta_lower, std::string_view recipient_domain_lower,
                            std::string_view diagnostic_lower, std::string_view status,
                            std::string_view reply_code = {});
// Same, when the SMTP command (uppercase) is known: some providers' wording means different
// things at RCPT and at DATA.
// `words`, when given, indexes the same diagnostic: wordings it rules out are not searched for.
RuleMatch match_rhost_rules_for_command(std::string_view remote_mta_lower, std::string_view recipient_domain_lower,
                                        std::string_view diagnostic_lower, std::string_view status,
                                        std::string_view reply_code, std::string_view command,
                                        const PhraseIndex* words = nullptr);

// --- mda_rules.cpp ---
// A local delivery agent's error line quoted in a notification ("mail.local: unknown user: bob").
struct MdaVerdict {
  std::string_view agent;   // "mail.local", "procmail", ... ("" when none found)
  std::string_view reason;  // what the agent's message means
  std::string message;      // the agent's line
  std::string rule;         // decided_by: "mda:<agent>:<phrase>"
};
// Looks for an agent's output (its line prefix, up to the next blank line) in `body`; `body_lower`
// is the same text lowercased (for a quick check that any agent is quoted at all).
MdaVerdict find_mda_verdict(std::string_view body, std::string_view body_lower);

// PowerMTA's X-PowerMTA-BounceCategory ("bad-mailbox" -> userunknown); "" if unknown.
std::string_view reason_for_bounce_category(std::string_view category);

}  // namespace bounced
