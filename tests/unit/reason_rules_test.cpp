// reason_rules_test.cpp: the reason tables and the order in which they are consulted.
#include <gtest/gtest.h>

#include <cctype>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "reason_rules.hpp"
#include "test_random.hpp"

using namespace bounced;

namespace {
RuleMatch decide(std::string_view diag, std::string_view status = {}, std::string_view command = {},
                 std::string_view reply = {}, std::string_view action = "failed") {
  ReasonFacts f;
  f.diagnostic = diag;
  f.status = status;
  f.command = command;
  f.reply_code = reply;
  f.action = action;
  f.diagnostic_type = "smtp";
  return decide_reason(f);
}
}  // namespace

TEST(ReasonRules, PatternFragmentsInOrder) {
  EXPECT_TRUE(pattern_matches("the mailbox is full now", "mailbox *full"));
  EXPECT_FALSE(pattern_matches("full mailbox", "mailbox *full"));
  EXPECT_TRUE(pattern_matches("user (neko) unknown", "user (*) unknown"));
}

TEST(ReasonRules, StatusCodeNamesReason) {
  EXPECT_EQ(reason_for_status("5.1.1"), "userunknown");
  EXPECT_EQ(reason_for_status("5.7.26"), "authfailure");
  EXPECT_EQ(reason_for_status("5.7.25"), "requireptr");
  EXPECT_EQ(reason_for_status("5.0.0"), "");
  EXPECT_EQ(reason_for_status("4.7.0"), "");
}

TEST(ReasonRules, PseudoStatus) {
  EXPECT_EQ(pseudo_status("userunknown", true), "5.0.911");
  EXPECT_EQ(pseudo_status("userunknown", false), "");
  EXPECT_EQ(pseudo_status("expired", false), "4.0.947");
  EXPECT_EQ(pseudo_status("filtered", true), "5.0.910");
  EXPECT_EQ(status_for_reason("userunknown", true), "5.1.1");
  EXPECT_TRUE(is_pseudo_status("5.0.947"));
  EXPECT_FALSE(is_pseudo_status("5.4.7"));
}

TEST(ReasonRules, FindStatusSkipsAddressesAndVersions) {
  EXPECT_EQ(find_status_code("host 192.0.2.1 said: 550 5.1.1 unknown", 0), "5.1.1");
  EXPECT_EQ(find_status_code("exim v4.5.1 said 554 5.7.1 denied", 0), "5.7.1");
  EXPECT_EQ(find_status_code("550-5.7.26 unauthenticated", 0), "5.7.26");
  EXPECT_EQ(find_status_code("see 10.5.1.2 for details", 0), "");
  // A vague code is used only when nothing better is there.
  EXPECT_EQ(find_status_code("554 5.0.0 service unavailable; 550 5.1.1 no such user", 0), "5.1.1");
  EXPECT_EQ(find_status_code("554 5.0.0 service unavailable", 0), "5.0.0");
}

TEST(ReasonRules, FindReplySkipsNumbersInsideOtherTokens) {
  EXPECT_EQ(find_smtp_reply("host mx.example.jp[192.0.2.550] said: 452 4.2.2 full", 0), "452");
  EXPECT_EQ(find_smtp_reply("<20090421.550abc@example.jp> 421 try later", 0), "421");
  EXPECT_EQ(find_smtp_reply("at 10:55:03 the reply was 550 denied", 0), "550");
  EXPECT_EQ(find_smtp_reply("id abc550def only", 0), "");
  EXPECT_EQ(find_smtp_reply("x-unix; 550", 0), "");
  EXPECT_EQ(find_smtp_reply("550 5.1.1 or 451 4.3.0", '4'), "451");
  EXPECT_EQ(find_smtp_reply("X-Unix; 550", 0), "");
  EXPECT_EQ(find_smtp_reply("see x-un 550 then X-UNIX", 0), "");
  // Earlier codes of the list win over earlier positions in the text.
  EXPECT_EQ(find_smtp_reply("421 first, then 552 and 550", 0), "550");
  EXPECT_EQ(find_smtp_reply("5501 421", 0), "421");
  EXPECT_EQ(find_smtp_reply("a 55 5 4 421", 0), "421");
  EXPECT_EQ(find_smtp_reply("550", 0), "550");
  EXPECT_EQ(find_smtp_reply("12 450", 0), "450");
}

TEST(ReasonRules, FindReplyInTextWithManyNumbers) {
  // More stand-alone numbers than the one-pass buffer holds: the code-by-code search answers.
  std::string many;
  for (int i = 0; i < 100; ++i) many += "100 ";
  EXPECT_EQ(find_smtp_reply(many + "451 later", 0), "451");
  EXPECT_EQ(find_smtp_reply(many + "451 later 550 x", 0), "550");
  EXPECT_EQ(find_smtp_reply(many + "1451 later", 0), "");
}

TEST(ReasonRules, PreferStatus) {
  EXPECT_EQ(prefer_status("5.0.0", "5.1.1", "550"), "5.1.1");
  EXPECT_EQ(prefer_status("5.1.1", "5.0.0", "550"), "5.1.1");
  EXPECT_EQ(prefer_status("", "4.2.2", ""), "4.2.2");
  EXPECT_EQ(prefer_status("4.4.7", "5.1.1", "550"), "5.1.1");
  EXPECT_EQ(prefer_status("5.2.0", "5.2.2", ""), "5.2.2");
}

TEST(ReasonRules, UserUnknownNeedsRcptOrStatus) {
  auto m = decide("550 5.1.1 <kijitora@example.jp>: recipient address rejected: user unknown in local recipient table",
                  "5.1.1", "RCPT", "550");
  EXPECT_EQ(m.reason, "userunknown");
  EXPECT_EQ(m.rule, "status:5.1.1");
  // The same words after DATA are a filter's decision.
  EXPECT_EQ(decide("550 unknown user kijitora@example.jp", "", "DATA", "550").reason, "filtered");
  EXPECT_EQ(decide("550 unknown user kijitora@example.jp", "", "RCPT", "550").reason, "userunknown");
}

TEST(ReasonRules, SpecificWordsBeatGenericStatus) {
  EXPECT_EQ(decide("550 5.1.1 <x@example.jp>... mailbox full", "5.1.1", "RCPT").reason, "mailboxfull");
  EXPECT_EQ(decide("554 5.7.1 <x@example.org>: relay access denied", "5.7.1", "RCPT").reason, "norelaying");
  EXPECT_EQ(decide("550 5.7.1 client host blocked using zen.spamhaus.org", "5.7.1", "RCPT").reason, "blocked");
}

TEST(ReasonRules, RejectedAtMailFrom) {
  auto m = decide("550 5.7.1 <root@example.jp>... sender rejected", "5.7.1", "MAIL", "550");
  EXPECT_EQ(m.reason, "rejected");
  EXPECT_EQ(m.rule, "phrase:rejected:sender rejected");
  // "recipient address rejected" is not about the sender.
  EXPECT_NE(decide("554 recipient address rejected: access denied", "", "MAIL").reason, "rejected");
}

TEST(ReasonRules, Fallbacks) {
  EXPECT_EQ(decide("", "5.6.4", "DATA").reason, "contenterror");
  EXPECT_EQ(decide("", "5.7.0", "DATA").reason, "securityerror");
  EXPECT_EQ(decide("no answer", "", "", "", "delayed").reason, "expired");
  EXPECT_EQ(decide("go on", "", "EHLO").reason, "blocked");
  EXPECT_EQ(decide("something odd happened", "").reason, "onhold");
  EXPECT_EQ(decide("", "").reason, "undefined");
  EXPECT_EQ(decide("503 bad sequence", "", "", "503").reason, "syntaxerror");
}

TEST(ReasonRules, ScannerHintWinsUnlessWeak) {
  ReasonFacts f;
  f.diagnostic = "550 user unknown";
  f.hint = "mailererror";
  f.hint_rule = "scanner:exim:pipe";
  EXPECT_EQ(decide_reason(f).reason, "mailererror");
  EXPECT_EQ(decide_reason(f).rule, "scanner:exim:pipe");
  f.hint = "onhold";  // a weak guess: the words decide
  f.command = "RCPT";
  EXPECT_EQ(decide_reason(f).reason, "userunknown");
}

TEST(ReasonRules, TextOnlyMatcher) {
  EXPECT_EQ(match_phrase_rules("452 4.2.2 mailbox full").reason, "mailboxfull");
  EXPECT_EQ(match_phrase_rules("nothing known").reason, "");
}

TEST(RhostRules, ProviderCodeTables) {
  // Orange / La Poste labels: the last label decides.
  auto m = match_rhost_rules("smtpz4.laposte.net", "laposte.net",
                             "550 5.5.0 le compte du destinataire est bloque. the recipient account is blocked. "
                             "lpn007_426 (in reply to rcpt to command)",
                             "5.5.0", "550");
  EXPECT_EQ(m.reason, "suspend");
  EXPECT_EQ(m.rule, "rhost:franceptt:lpn007_426");
  // A bare "try later" label is deliberately undefined.
  EXPECT_EQ(match_rhost_rules("smtp-in.orange.fr", "", "service refused, please try later. lpn001_108", "5.5.0").reason,
            "undefined");
  EXPECT_EQ(match_rhost_rules("smtp.secureserver.net", "",
                              "550 5.1.1 <x@example.com> - 198.51.100.225 has sent to too many recipients this hour. "
                              "ib607 <https://x>",
                              "5.1.1", "550")
                .reason,
            "speeding");
  EXPECT_EQ(match_rhost_rules("mx.charter.net", "", "550 5.1.0 sender rejected. aup#1260", "5.1.0", "550").reason,
            "networkerror");
  EXPECT_EQ(match_rhost_rules("mx.email.ua", "", "550 see https://mail.i.ua/err/3/ for details", "5.0.0").reason,
            "suspend");
}

TEST(RhostRules, ProviderWordingNeedsMatchingCodes) {
  const char* gmail = "550-5.7.26 this message fails to pass authentication checks (spf or dkim)";
  EXPECT_EQ(match_rhost_rules("gmail-smtp-in.l.google.com", "", gmail, "5.7.26", "550").reason, "authfailure");
  // Same words, another status: Google's table does not apply.
  EXPECT_EQ(match_rhost_rules("gmail-smtp-in.l.google.com", "", gmail, "5.2.2", "552").reason, "");
  // Unknown provider: nothing.
  EXPECT_EQ(match_rhost_rules("mx.example.net", "example.net", gmail, "5.7.26", "550").reason, "");
  // Recipient domain selects the provider when the host is unknown.
  EXPECT_EQ(match_rhost_rules("", "ezweb.ne.jp", "550 <neko@ezweb.ne.jp>: user unknown", "5.0.0").reason,
            "userunknown");
}

TEST(RhostRules, DocomoDependsOnCommand) {
  const char* d = "550 unknown user neko@docomo.ne.jp";
  EXPECT_EQ(match_rhost_rules_for_command("mfsmax.docomo.ne.jp", "", d, "5.0.0", "550", "DATA").reason, "rejected");
  EXPECT_EQ(match_rhost_rules_for_command("mfsmax.docomo.ne.jp", "", d, "5.0.0", "550", "RCPT").reason,
            "userunknown");
}

TEST(ReasonRules, RefusedAtGreetingIsBlocked) {
  auto m = decide("554 ip=192.0.2.1 - a problem occurred. (bl)", "5.5.0", "CONN");
  EXPECT_EQ(m.reason, "blocked");
  EXPECT_EQ(m.rule, "command:CONN");
}

static MdaVerdict mda(std::string_view body) {
  std::string lower(body);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return find_mda_verdict(body, lower);
}

TEST(MdaRules, AgentLinesDecide) {
  auto v = mda("   ----- Transcript of session follows -----\nmail.local: unknown user: pat\n"
                            "554 <pat@example.net>... Service unavailable\n");
  EXPECT_EQ(v.agent, "mail.local");
  EXPECT_EQ(v.reason, "userunknown");
  EXPECT_EQ(v.message, "mail.local: unknown user: pat");
  EXPECT_EQ(v.rule, "mda:mail.local:: unknown user:");
  EXPECT_EQ(mda("maildrop: maildir over quota.\n").reason, "mailboxfull");
  EXPECT_EQ(mda("vdelivermail: Sorry, no mailbox here by that name. (#5.1.1)\n").reason, "userunknown");
  // Colons of other kinds before the agent's line (header fields, times) are passed over.
  EXPECT_EQ(mda("Date: Mon, 1 Jan 2024 10:00:00\nReceived: by mx\nSubject: x\n\n"
                "vdeliver: Invalid or unknown virtual user \"pat\"\n").reason,
            "userunknown");
  EXPECT_EQ(mda("Your message to <q@example.org> was automatically rejected:\n"
                             "Quota exceeded (mailbox for user is full)\n").reason,
            "mailboxfull");
  // The agent's name alone, or its phrase without the agent, decides nothing.
  EXPECT_EQ(mda("procmail: Locking \"/var/mail/pat.lock\"\n").reason, "");
  EXPECT_EQ(mda("The mail server said: unknown user: pat\n").reason, "");
}

TEST(ReasonRules, TextSaysOnlyTemporaryAgreesWithThePair) {
  for (std::string_view t : {"", "451 4.3.0 try again later", "550 5.1.1 no such user", "a temporary failure",
                             "a permanent failure, temporary too", " persistent transient failure",
                             "421 service not available, permanent ", "nothing said at all"}) {
    EXPECT_EQ(text_says_only_temporary(t), !text_says_permanent(t) && text_says_temporary(t)) << t;
  }
}

TEST(RhostRules, DecideReasonFindsProviderWordingsThroughTheIndex) {
  // decide_reason hands the diagnostic's pair index to the provider tables: a wording present in
  // the text must still be found, one absent must not.
  const std::string gmail = "550-5.7.26 this message fails to pass authentication checks (spf or dkim)";
  for (const auto& [text, status, want] : {std::tuple{gmail, "5.7.26", "authfailure"},
                                          std::tuple{std::string("550 5.7.26 unrelated words"), "5.7.26", ""}}) {
    ReasonFacts f;
    f.diagnostic = text;
    f.status = status;
    f.reply_code = "550";
    f.diagnostic_type = "smtp";
    f.remote_mta = "gmail-smtp-in.l.google.com";
    const RuleMatch direct = match_rhost_rules("gmail-smtp-in.l.google.com", "", text, status, "550");
    EXPECT_EQ(direct.reason, want);
    const RuleMatch m = decide_reason(f);
    if (!direct.reason.empty()) {
      EXPECT_EQ(m.reason, direct.reason);
      EXPECT_EQ(m.rule, direct.rule);
    } else {
      EXPECT_EQ(m.rule.rfind("rhost:", 0), std::string::npos) << m.rule;
    }
  }
}

TEST(ReasonRules, PhraseListsLookedUpByName) {
  // Every reason named here has a list (looked up through a hashed table); other names have none.
  const std::string text = "550 5.2.2 mailbox full; user unknown; message filtered; vacation: i am away on vacation";
  EXPECT_FALSE(find_reason_phrase("mailboxfull", text).empty());
  EXPECT_FALSE(find_reason_phrase("userunknown", text).empty());
  EXPECT_FALSE(find_reason_phrase("filtered", text).empty());
  EXPECT_FALSE(find_reason_phrase("vacation", text).empty());
  for (const char* name : {"", "x", "mailbox", "mailboxful", "mailboxfulll", "Mailboxfull", "unknown", "delivered"})
    EXPECT_TRUE(find_reason_phrase(name, text).empty()) << name;
  PhraseIndex index(text);
  for (int round = 0; round < 2; ++round) {  // the second round reads the memo
    EXPECT_EQ(index.find("mailboxfull"), find_reason_phrase("mailboxfull", text));
    EXPECT_TRUE(index.find("nosuchreason").empty());
  }
}

// find_smtp_reply ranks the numbers it found through a table; the plain rule tries each listed
// code in order (5xx list, 4xx list, 2xx list) and returns the first that stands alone somewhere.
TEST(ReasonRules, FindReplyMatchesThePlainListOrder) {
  static constexpr std::string_view k5[] = {"550", "552", "553", "551", "521", "525", "523", "524", "530", "533", "534",
                                            "535", "538", "555", "556", "554", "500", "501", "502", "503", "504"};
  static constexpr std::string_view k4[] = {"421", "450", "451", "452", "422", "430",
                                            "432", "453", "454", "455", "458", "459"};
  static constexpr std::string_view k2[] = {"211", "214", "220", "221", "235", "250",
                                            "251", "252", "253", "334", "354"};
  auto plain = [&](std::string_view text, char klass) -> std::string {
    std::string upper(text);
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (text.size() < 3 || upper.find("X-UNIX") != std::string::npos) return {};
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    auto glue = [&](char c) { return c == '-' || c == '.' || c == '/' || digit(c); };
    auto alone = [&](std::size_t at) {
      const char before = at > 0 ? text[at - 1] : ' ';
      const char after = at + 3 < text.size() ? text[at + 3] : ' ';
      if ((before != '-' && glue(before)) || (after != '-' && glue(after))) return false;
      return !alpha(before) && !alpha(after);
    };
    auto try_list = [&](std::span<const std::string_view> list) -> std::string {
      for (auto code : list)
        for (auto at = text.find(code); at != std::string_view::npos; at = text.find(code, at + 1))
          if (alone(at)) return std::string(code);
      return {};
    };
    std::string r;
    if (klass == '5' || klass == 0) r = try_list(k5);
    if (r.empty() && (klass == '4' || klass == 0)) r = try_list(k4);
    if (r.empty() && (klass == '2' || klass == 0)) r = try_list(k2);
    return r;
  };
  test::TestRandom rng(31337);
  static constexpr std::string_view kPieces[] = {" ", "-", ".", "/", "x", "X-UNIX", "#", "(", "9", "05", "999", "100"};
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const auto pieces = rng.next(12);
    for (std::uint32_t i = 0; i < pieces; ++i) {
      switch (rng.next(4)) {
        case 0: text += k5[rng.next(std::size(k5))]; break;
        case 1: text += k4[rng.next(std::size(k4))]; break;
        case 2: text += k2[rng.next(std::size(k2))]; break;
        default: text += kPieces[rng.next(std::size(kPieces))]; break;
      }
    }
    for (char klass : {char{0}, '5', '4', '2'}) ASSERT_EQ(find_smtp_reply(text, klass), plain(text, klass)) << text;
  }
}

// PhraseIndex names its candidate phrases from the text's hashed character pairs and a table of
// the phrases' first pairs; the plain rule reads each reason's list in order with pattern_matches.
// Texts are built from pieces of real phrases (so that many almost match), random words and
// bytes, including non-ASCII and pairs that share a hashed key.
TEST(ReasonRules, PhraseIndexMatchesThePlainListOrder) {
  static constexpr std::string_view kReasons[] = {
      "userunknown", "filtered", "rejected", "blocked", "mailboxfull", "spamdetected", "hostunknown",
      "suspend", "mesgtoobig", "exceedlimit", "hasmoved", "norelaying", "authfailure", "requireptr",
      "notcompliantrfc", "badreputation", "contenterror", "speeding", "toomanyconn", "policyviolation",
      "virusdetected", "securityerror", "systemerror", "networkerror", "systemfull", "notaccept", "expired",
      "mailererror", "vacation", "nosuchreason"};
  std::vector<std::string_view> all;
  for (auto r : kReasons)
    for (auto p : reason_phrase_list(r)) all.push_back(p);
  ASSERT_GT(all.size(), 500u);
  test::TestRandom rng(8128);
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const auto pieces = 1 + rng.next(8);
    for (std::uint32_t i = 0; i < pieces; ++i) {
      const auto p = all[rng.next(static_cast<std::uint32_t>(all.size()))];
      switch (rng.next(4)) {
        case 0: text += p; break;  // a whole phrase (its '*' kept: then it only matches as text)
        case 1: {                   // a piece of one
          const auto from = rng.next(static_cast<std::uint32_t>(p.size()));
          text += p.substr(from, rng.next(static_cast<std::uint32_t>(p.size() - from) + 1));
          break;
        }
        case 2: text += rng.text(rng.next(6), "abcdefghijklmnopqrstuvwxyz .:;-!\x80\xe9" "a!"); break;
        default: text += ' '; break;
      }
    }
    PhraseIndex index(text);
    for (auto r : kReasons) {
      std::string_view want;
      for (auto p : reason_phrase_list(r))
        if (pattern_matches(text, p)) {
          want = p;
          break;
        }
      ASSERT_EQ(index.find(r), want) << r << " in " << text;
      ASSERT_EQ(index.find(r), want) << r << " (asked again) in " << text;
      // By the list's number (what the rule order uses) as by the name.
      ASSERT_EQ(index.find_in_list(phrase_list_number(r)), want) << r << " in " << text;
    }
    // The exceptions to "rejected", searched only when the index holds their pairs.
    ASSERT_EQ(rejected_phrase_excluded(index), rejected_phrase_excluded(text)) << text;
    for (auto p : all)  // may_hold never says no to a text that holds the phrase
      if (text.find(p) != std::string::npos) {
        ASSERT_TRUE(index.may_hold(p)) << p << " in " << text;
      }
  }
  // Pieces of the exceptions themselves, which the pieces of phrases above rarely build.
  int excluded_seen = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    static constexpr std::string_view kPieces[] = {"5.1.0 ", "recipient ", "sender ip ", "address rejected",
                                                   "address", " rejected", "5.1.0 address rejecte"};
    for (std::uint32_t i = 0, n = 1 + rng.next(5); i < n; ++i)
      text += rng.next(3) ? std::string(kPieces[rng.next(std::size(kPieces))])
                          : rng.text(rng.next(10), "5.10 recipientsendr ipaddressjct");
    const PhraseIndex index(text);
    const bool excluded = rejected_phrase_excluded(text);
    excluded_seen += excluded;
    ASSERT_EQ(rejected_phrase_excluded(index), excluded) << text;
  }
  EXPECT_GT(excluded_seen, 100);
}

TEST(ReasonRules, PhraseReasonNamesTheListOrder) {
  for (std::size_t i = 0; i < std::size(kPhraseReasons); ++i) {
    ASSERT_EQ(phrase_list_number(kPhraseReasons[i]), static_cast<int>(i));
    ASSERT_FALSE(reason_phrase_list(kPhraseReasons[i]).empty()) << kPhraseReasons[i];
  }
  EXPECT_EQ(phrase_list_number("delivered"), -1);
  constexpr PhraseReason vacation("vacation");
  static_assert(vacation.list == phrase_list_number("vacation"));
}

// rhost_provider looks the domain up in a flat list of the patterns' tails and compares a remote
// host's last eight bytes first; the plain rule walks the patterns with ends_with.
TEST(ReasonRules, RhostProviderMatchesThePlainPatternWalk) {
  const auto hosts = rhost_provider_hosts();
  ASSERT_GT(hosts.size(), 10u);
  auto ends_with = [](std::string_view s, std::string_view t) {
    return s.size() >= t.size() && s.substr(s.size() - t.size()) == t;
  };
  auto plain = [&](std::string_view remote, std::string_view domain) -> std::string_view {
    if (domain.find('.') != std::string_view::npos)
      for (const auto& h : hosts)
        if (h.host == domain || (h.host.size() > domain.size() && ends_with(h.host, domain) &&
                                 h.host[h.host.size() - domain.size() - 1] == '.'))
          return h.provider;
    if (!remote.empty())
      for (const auto& h : hosts)
        if (ends_with(remote, h.host)) return h.provider;
    return {};
  };
  EXPECT_EQ(rhost_provider("mx1.mail.icloud.com", ""), "apple");
  EXPECT_EQ(rhost_provider("", "icloud.com"), "apple");
  EXPECT_EQ(rhost_provider("", "ne.jp"), "kddi");  // the first pattern with that tail
  EXPECT_EQ(rhost_provider("mx.example.com", "example.com"), "");
  test::TestRandom rng(2718);
  for (int round = 0; round < 20000; ++round) {
    auto piece = [&]() -> std::string {
      const auto& h = hosts[rng.next(static_cast<std::uint32_t>(hosts.size()))].host;
      const auto from = rng.next(static_cast<std::uint32_t>(h.size()) + 1);
      std::string s(h.substr(rng.next(3) == 0 ? from : 0));
      if (rng.next(4) == 0 && !s.empty()) s[rng.next(static_cast<std::uint32_t>(s.size()))] = 'x';
      return (rng.next(2) == 0 ? rng.text(rng.next(6), "abmx.-1") : std::string()) + s;
    };
    const std::string remote = rng.next(5) == 0 ? std::string() : piece();
    const std::string domain = rng.next(5) == 0 ? rng.text(rng.next(12), "abc.mo") : piece();
    ASSERT_EQ(rhost_provider(remote, domain), plain(remote, domain)) << remote << " / " << domain;
  }
}

// reason_for_status looks codes up by number in a sorted table; the plain rule walks the list.
// Codes are built from digits, dots and stray bytes (a NUL, a letter), up to nine bytes long.
TEST(ReasonRules, StatusLookupMatchesThePlainWalk) {
  test::TestRandom rng(4242);
  static constexpr std::string_view kPieces[] = {"5", "4", "2", ".", "1", "7", "0", "26", "30", "13",
                                                 "x", std::string_view("\0", 1), "9", "11"};
  for (int round = 0; round < 50000; ++round) {
    std::string code;
    for (std::uint32_t i = 0, n = rng.next(7); i < n; ++i) code += kPieces[rng.next(std::size(kPieces))];
    ASSERT_EQ(reason_for_status(code), reason_for_status_plain(code)) << code;
  }
  for (const char* code : {"5.1.1", "4.7.26", "5.7.30", "2.1.5", "5.0.0", "5.1.10", "5.7.1 "})
    EXPECT_EQ(reason_for_status(code), reason_for_status_plain(code)) << code;
  EXPECT_EQ(reason_for_status("5.7.26"), "authfailure");
}

// The index sets its pair bits sixteen pairs at a time (word and bit computed side by side): every
// pair of neighbouring bytes of any text, any byte values, any length, is held.
TEST(ReasonRules, PhraseIndexHoldsEveryPairOfItsText) {
  test::TestRandom rng(1717);
  for (int round = 0; round < 3000; ++round) {
    std::string text(rng.next(80), '\0');
    for (auto& c : text) c = static_cast<char>(rng.next(256));
    const PhraseIndex index(text);
    for (std::size_t i = 0; i + 1 < text.size(); ++i)
      ASSERT_TRUE(index.holds_pair(PhraseIndex::pair_key(text[i], text[i + 1]))) << round << " at " << i;
  }
}
