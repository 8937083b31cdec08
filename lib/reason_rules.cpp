// reason_rules.cpp: the order in which reason evidence is consulted (see reason_rules.hpp).
//
// The order follows Sisimai v5.1, whose labels the project is scored against:
//   1. a reason the MTA's own format stated wins, unless it is a weak guess (reason_may_be_revised)
//   2. receiving-host rules (provider wordings)
//   3. a 2.x.x status means delivered
//   4. for SMTP diagnostics, "strong" reasons in a fixed order; each may look at the status code,
//      the SMTP command and the wording (e.g. filtered only after DATA, rejected at MAIL FROM)
//   5. otherwise the status code's own reason, or weaker wordings (policy, virus, system, ...)
//   6. fallbacks: x.6 -> contenterror, x.7 -> securityerror, X-Unix -> mailererror, 50x ->
//      syntaxerror, delayed -> expired, refused at HELO -> blocked, any text -> onhold
#include "reason_rules.hpp"

#include <array>

namespace bounced {
namespace {

using Reason = std::string_view;

bool one_of(std::string_view v, std::initializer_list<std::string_view> list) {
  for (auto e : list)
    if (v == e) return true;
  return false;
}

// Commands sent before the message itself: content-based reasons cannot apply to them.
bool before_data(std::string_view command) {
  return one_of(command, {"CONN", "EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT"});
}

// A reason is "explicit" when it says something; undefined and onhold do not.
bool is_explicit(std::string_view reason) {
  return !reason.empty() && reason != "undefined" && reason != "onhold";
}

struct Probe {
  const ReasonFacts& f;
  std::string_view by_status;  // reason_for_status(f.status)
  PhraseIndex& words;          // the diagnostic, asked once per reason
  std::string rule;            // set by the probe that answers
  int rejected_excluded = -1;  // rejected_phrase_excluded(words), once asked (-1: not yet)

  bool phrase(PhraseReason reason) {
    const auto p = words.find(reason);
    if (p.empty()) return false;
    rule = "phrase:" + std::string(reason.name) + ":" + std::string(p);
    return true;
  }
  bool excluded_from_rejected() {
    if (rejected_excluded < 0) rejected_excluded = rejected_phrase_excluded(words) ? 1 : 0;
    return rejected_excluded == 1;
  }
  bool status_says(Reason reason) {
    if (by_status != reason) return false;
    rule = "status:" + std::string(f.status);
    return true;
  }
  bool hinted(Reason reason) {
    if (f.hint != reason) return false;
    rule = f.hint_rule.empty() ? "scanner:" + std::string(reason) : std::string(f.hint_rule);
    return true;
  }

  // The "strong" reasons, checked first for SMTP diagnostics. Each returns true when it applies.
  bool mailboxfull() { return hinted("mailboxfull") || status_says("mailboxfull") || phrase("mailboxfull"); }
  bool mesgtoobig() {
    if (hinted("mesgtoobig") || status_says("mesgtoobig")) return true;
    if (by_status == "exceedlimit" || f.status == "5.2.3") return false;
    return phrase("mesgtoobig");
  }
  bool exceedlimit() { return hinted("exceedlimit") || status_says("exceedlimit") || phrase("exceedlimit"); }
  bool suspend() {
    if (hinted("suspend")) return true;
    if (f.reply_code == "525") {
      rule = "reply:525";
      return true;
    }
    return phrase("suspend");
  }
  bool hasmoved() { return hinted("hasmoved") || phrase("hasmoved"); }
  bool norelaying() {
    if (hinted("norelaying")) return true;
    if (one_of(f.hint, {"securityerror", "systemerror", "undefined"})) return false;
    if (one_of(f.command, {"CONN", "EHLO", "HELO"})) return false;
    return phrase("norelaying");
  }
  bool authfailure() { return hinted("authfailure") || status_says("authfailure") || phrase("authfailure"); }
  bool userunknown() {
    if (hinted("userunknown")) return true;
    if (by_status == "userunknown") {
      // The code says "bad mailbox", but the words may say why more precisely.
      for (PhraseReason other : {PhraseReason("norelaying"), PhraseReason("blocked"), PhraseReason("mailboxfull"),
                                 PhraseReason("hasmoved"), PhraseReason("rejected"), PhraseReason("notaccept")}) {
        if (other.name == "rejected") {
          if (!excluded_from_rejected() && !words.find(other).empty())
            return false;
          continue;
        }
        if (!words.find(other).empty()) return false;
      }
      rule = "status:" + std::string(f.status);
      return true;
    }
    if (f.command == "RCPT") return phrase("userunknown");
    return false;
  }
  bool filtered() {
    if (hinted("filtered")) return true;
    if (by_status == "filtered") {
      if (phrase("userunknown") || phrase("filtered")) {
        rule = "status:" + std::string(f.status) + "+" + rule;
        return true;
      }
      return false;
    }
    if (before_data(f.command)) return false;
    return phrase("filtered") || phrase("userunknown");
  }
  bool requireptr() { return hinted("requireptr") || status_says("requireptr") || phrase("requireptr"); }
  bool notcompliantrfc() { return hinted("notcompliantrfc") || phrase("notcompliantrfc"); }
  bool badreputation() { return hinted("badreputation") || phrase("badreputation"); }
  bool spamdetected() {
    if (f.status.empty()) return false;
    if (hinted("spamdetected") || status_says("spamdetected")) return true;
    if (before_data(f.command)) return false;
    return phrase("spamdetected");
  }
  bool contenterror() {
    if (hinted("contenterror")) return true;
    {
      Probe other{f, by_status, words, {}};
      if (other.spamdetected()) return false;
    }
    return status_says("contenterror") || phrase("contenterror");
  }
  bool rejected_words() {
    if (excluded_from_rejected()) return false;
    return phrase("rejected");
  }
  bool rejected() {
    if (hinted("rejected") || status_says("rejected")) return true;
    const Reason temp = by_status.empty() ? Reason("undefined") : by_status;
    if (f.command == "MAIL") return rejected_words();
    if (f.command == "DATA") return temp != "userunknown" && rejected_words();
    if (!is_explicit(temp) || temp == "securityerror" || temp == "systemerror") return rejected_words();
    return false;
  }
  bool hostunknown() {
    if (hinted("hostunknown")) return true;
    if (by_status == "hostunknown") {
      if (!words.find(PhraseReason("networkerror")).empty()) return false;
      rule = "status:" + std::string(f.status);
      return true;
    }
    return phrase("hostunknown");
  }
  bool speeding() { return hinted("speeding") || phrase("speeding"); }
  bool toomanyconn() { return hinted("toomanyconn") || status_says("toomanyconn") || phrase("toomanyconn"); }
  bool blocked() { return hinted("blocked") || status_says("blocked") || phrase("blocked"); }
};

struct StrongCheck {
  Reason reason;
  bool (Probe::*check)();
};
// Order matters: the first that applies wins.
constexpr StrongCheck kStrongOrder[] = {
    {"mailboxfull", &Probe::mailboxfull},   {"mesgtoobig", &Probe::mesgtoobig},
    {"exceedlimit", &Probe::exceedlimit},   {"suspend", &Probe::suspend},
    {"hasmoved", &Probe::hasmoved},         {"norelaying", &Probe::norelaying},
    {"authfailure", &Probe::authfailure},   {"userunknown", &Probe::userunknown},
    {"filtered", &Probe::filtered},         {"requireptr", &Probe::requireptr},
    {"notcompliantrfc", &Probe::notcompliantrfc}, {"badreputation", &Probe::badreputation},
    {"contenterror", &Probe::contenterror}, {"rejected", &Probe::rejected},
    {"hostunknown", &Probe::hostunknown},   {"spamdetected", &Probe::spamdetected},
    {"speeding", &Probe::speeding},         {"toomanyconn", &Probe::toomanyconn},
    {"blocked", &Probe::blocked},
};

// Wordings tried when the strong checks found nothing (words only, in this order).
constexpr PhraseReason kWeakOrder[] = {
    "mailboxfull", "authfailure", "badreputation", "speeding",   "spamdetected",  "virusdetected",
    "policyviolation", "norelaying", "systemerror", "networkerror", "suspend",     "contenterror",
    "systemfull",  "notaccept",   "expired",       "securityerror", "mailererror",
};

// Order used when only a line of text is known (no status, no command).
// norelaying comes early: "not in my list of allowed rcpthosts" also reads as blocked.
constexpr PhraseReason kTextOnlyOrder[] = {
    "mailboxfull", "mesgtoobig",   "exceedlimit", "suspend",    "norelaying", "userunknown",   "filtered",
    "rejected",    "hostunknown",  "spamdetected", "speeding",  "toomanyconn",   "blocked",
    "authfailure", "securityerror", "systemerror", "networkerror", "expired",     "contenterror",
    "hasmoved",    "systemfull",   "notaccept",   "mailererror",
};

RuleMatch make(Reason reason, std::string rule) { return {reason, std::move(rule)}; }

// The fallback chain when no strong check applied.
RuleMatch weaker_evidence(const ReasonFacts& f, std::string_view by_status, PhraseIndex& words) {
  // An explicit scanner reason stands once the strong checks have had their say.
  if (is_explicit(f.hint))
    return make(f.hint, f.hint_rule.empty() ? "scanner:" + std::string(f.hint) : std::string(f.hint_rule));
  const bool smtp = f.diagnostic_type.empty() || f.diagnostic_type == "smtp";
  if (!by_status.empty() && !reason_may_be_revised(by_status) && smtp)
    return make(by_status, "status:" + std::string(f.status));
  for (PhraseReason r : kWeakOrder) {
    const auto p = words.find(r);
    if (!p.empty()) return make(r.name, "phrase:" + std::string(r.name) + ":" + std::string(p));
  }
  if (!by_status.empty()) return make(by_status, "status:" + std::string(f.status));
  if (f.status.size() >= 3) {
    const auto cs = f.status.substr(0, 3);
    if (cs == "5.6" || cs == "4.6") return make("contenterror", "status-class:" + std::string(f.status));
    if (cs == "5.7" || cs == "4.7") return make("securityerror", "status-class:" + std::string(f.status));
  }
  if (f.diagnostic_type.substr(0, 6) == "x-unix") return make("mailererror", "diagnostic-type:x-unix");
  if (f.reply_code.size() == 3) {
    const int n = (f.reply_code[0] - '0') * 100 + (f.reply_code[1] - '0') * 10 + (f.reply_code[2] - '0');
    if ((n > 400 && n < 408) || (n > 500 && n < 508))
      return make("syntaxerror", "reply:" + std::string(f.reply_code));
  }
  if (f.action == "delayed" || f.action == "expired") return make("expired", "action:delayed");
  // Refused at the greeting or at HELO/EHLO: the client itself is not welcome.
  if (one_of(f.command, {"CONN", "EHLO", "HELO"})) return make("blocked", "command:" + std::string(f.command));
  return {};
}

}  // namespace

bool reason_may_be_revised(std::string_view reason) {
  return one_of(reason, {"", "undefined", "onhold", "systemerror", "securityerror", "expired",
                         "networkerror", "hostunknown", "userunknown"});
}

RuleMatch decide_reason(const ReasonFacts& f) {
  // 1. The MTA's own statement.
  if (!f.hint.empty() && !reason_may_be_revised(f.hint))
    return make(f.hint, f.hint_rule.empty() ? "scanner:" + std::string(f.hint) : std::string(f.hint_rule));

  // The diagnostic's index serves the provider wordings and the phrase lists alike.
  PhraseIndex words(f.diagnostic);

  // 2. Provider-specific wording.
  if (!f.diagnostic.empty()) {
    RuleMatch m = match_rhost_rules_for_command(f.remote_mta, f.recipient_domain, f.diagnostic, f.status,
                                                f.reply_code, f.command, &words);
    // A provider's own code table is final, even when it says "undefined" (a bare "try later").
    if (!m.reason.empty()) return m;
  }

  // 3. Success.
  if (f.status.size() >= 2 && f.status[0] == '2' && f.status[1] == '.')
    return make("delivered", "status:" + std::string(f.status));

  const std::string_view by_status = reason_for_status(f.status);
  Probe probe{f, by_status, words, {}};

  // 4. Strong reasons, for SMTP diagnostics.
  if (f.diagnostic_type.empty() || f.diagnostic_type == "smtp") {
    for (const auto& c : kStrongOrder)
      if ((probe.*c.check)()) return make(c.reason, std::move(probe.rule));
  }

  // 5./6. Weaker evidence and fallbacks.
  RuleMatch m = weaker_evidence(f, by_status, words);
  if (is_explicit(m.reason)) return m;
  if (f.action == "delayed") return make("expired", "action:delayed");
  if (!words.find(PhraseReason("vacation")).empty()) return make("vacation", "phrase:vacation");
  if (!f.diagnostic.empty()) return make("onhold", "fallback:onhold");
  return make("undefined", "fallback:no-evidence");
}

RuleMatch match_phrase_rules(std::string_view d) {
  PhraseIndex words(d);
  for (PhraseReason r : kTextOnlyOrder) {
    if (r.name == "rejected" && rejected_phrase_excluded(words)) continue;
    const auto p = words.find(r);
    if (!p.empty()) return make(r.name, "phrase:" + std::string(r.name) + ":" + std::string(p));
  }
  return {};
}

RuleMatch decide_reason_from_text(const ReasonFacts& f) {
  if (f.status.size() >= 2 && f.status[0] == '2' && f.status[1] == '.')
    return make("delivered", "status:" + std::string(f.status));
  // A trailing space lets phrases that end a sentence ("transaction failed ") match at the end.
  const std::string padded = std::string(f.diagnostic) + " ";
  // SMTP AUTH replies (RFC 4954) mean the client's credentials, whatever the words say.
  if (one_of(f.reply_code, {"432", "454", "530", "534", "535", "538"}))
    return make("securityerror", "reply:" + std::string(f.reply_code));
  if (RuleMatch m = match_phrase_rules(padded); !m.reason.empty()) return m;
  if (f.diagnostic_type.substr(0, 6) == "x-unix") return make("mailererror", "diagnostic-type:x-unix");
  if (RuleMatch m = reason_from_status(f.status); !m.reason.empty()) return m;
  return make("undefined", "fallback:no-rule");
}

RuleMatch reason_from_status(std::string_view status) {
  const auto r = reason_for_status(status);
  if (r.empty()) return {};
  return make(r, "status:" + std::string(status));
}

}  // namespace bounced
