// status_reasons.cpp: enhanced status codes and SMTP reply codes as bounce evidence.
// - which reason a specific status code implies (x.1.1 -> userunknown, 5.7.26 -> authfailure, ...)
// - the pseudo status (x.0.9nn) Sisimai reports for a reason when the bounce states no code
// - finding a status code / reply code inside free text without taking numbers from IP addresses,
//   version strings, dates or message ids
// - choosing between the DSN's Status: field and the code the diagnostic text carries
#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

#include "reason_rules.hpp"
#include "text.hpp"

namespace bounced {
namespace {

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

struct StatusReason {
  std::string_view status;
  std::string_view reason;
};

// Only codes specific enough to name a reason. x.0.0, 4.3.0, 4.4.0, 4.5.0 and 4.7.0 say nothing.
constexpr StatusReason kStatusReasons[] = {
    {"2.1.5", "delivered"},
    {"4.1.6", "hasmoved"},       {"4.1.7", "rejected"},      {"4.1.8", "rejected"},
    {"4.1.9", "systemerror"},    {"4.2.1", "blocked"},       {"4.2.2", "mailboxfull"},
    {"4.2.3", "exceedlimit"},    {"4.2.4", "filtered"},      {"4.3.1", "systemfull"},
    {"4.3.2", "notaccept"},      {"4.3.3", "systemerror"},   {"4.3.5", "systemerror"},
    {"4.4.1", "expired"},        {"4.4.2", "networkerror"},  {"4.4.3", "systemerror"},
    {"4.4.4", "networkerror"},   {"4.4.5", "systemfull"},    {"4.4.6", "networkerror"},
    {"4.4.7", "expired"},        {"4.4.8", "networkerror"},  {"4.5.3", "systemerror"},
    {"4.5.5", "systemerror"},    {"4.6.0", "contenterror"},  {"4.6.2", "contenterror"},
    {"4.6.5", "contenterror"},   {"4.7.1", "blocked"},       {"4.7.2", "blocked"},
    {"4.7.5", "securityerror"},  {"4.7.6", "securityerror"}, {"4.7.7", "securityerror"},
    {"4.7.12", "securityerror"}, {"4.7.15", "securityerror"}, {"4.7.16", "mesgtoobig"},
    {"4.7.24", "authfailure"},   {"4.7.25", "requireptr"},   {"4.7.26", "authfailure"},
    {"5.1.0", "userunknown"},    {"5.1.1", "userunknown"},   {"5.1.2", "hostunknown"},
    {"5.1.3", "userunknown"},    {"5.1.4", "filtered"},      {"5.1.6", "hasmoved"},
    {"5.1.7", "rejected"},       {"5.1.8", "rejected"},      {"5.1.9", "systemerror"},
    {"5.1.10", "notaccept"},     {"5.2.0", "filtered"},      {"5.2.1", "filtered"},
    {"5.2.2", "mailboxfull"},    {"5.2.3", "exceedlimit"},   {"5.2.4", "filtered"},
    {"5.3.0", "systemerror"},    {"5.3.1", "systemfull"},    {"5.3.2", "notaccept"},
    {"5.3.3", "systemerror"},    {"5.3.4", "mesgtoobig"},    {"5.3.5", "systemerror"},
    {"5.4.0", "networkerror"},   {"5.4.3", "systemerror"},   {"5.4.4", "hostunknown"},
    {"5.5.2", "syntaxerror"},    {"5.5.3", "toomanyconn"},   {"5.5.4", "systemerror"},
    {"5.5.5", "systemerror"},    {"5.5.6", "syntaxerror"},   {"5.6.0", "contenterror"},
    {"5.6.1", "contenterror"},   {"5.6.2", "contenterror"},  {"5.6.3", "contenterror"},
    {"5.6.5", "contenterror"},   {"5.6.6", "contenterror"},  {"5.6.7", "contenterror"},
    {"5.6.8", "contenterror"},   {"5.6.9", "contenterror"},  {"5.7.0", "securityerror"},
    {"5.7.1", "securityerror"},  {"5.7.2", "securityerror"}, {"5.7.3", "securityerror"},
    {"5.7.4", "securityerror"},  {"5.7.5", "securityerror"}, {"5.7.6", "securityerror"},
    {"5.7.7", "securityerror"},  {"5.7.8", "securityerror"}, {"5.7.9", "securityerror"},
    {"5.7.10", "securityerror"}, {"5.7.11", "securityerror"}, {"5.7.13", "suspend"},
    {"5.7.14", "securityerror"}, {"5.7.15", "securityerror"}, {"5.7.16", "mesgtoobig"},
    {"5.7.17", "hasmoved"},      {"5.7.18", "hasmoved"},     {"5.7.19", "securityerror"},
    {"5.7.20", "authfailure"},   {"5.7.21", "authfailure"},  {"5.7.22", "authfailure"},
    {"5.7.23", "authfailure"},   {"5.7.24", "authfailure"},  {"5.7.25", "requireptr"},
    {"5.7.26", "authfailure"},   {"5.7.27", "notaccept"},    {"5.7.28", "spamdetected"},
    {"5.7.29", "authfailure"},   {"5.7.30", "securityerror"},
};

// Sisimai's pseudo codes: class . 0 . 9nn, one number per reason. Reasons that need a permanent
// condition (userunknown, hostunknown, hasmoved) have no transient form.
struct PseudoCode {
  std::string_view reason, permanent, transient;
};
constexpr PseudoCode kPseudoCodes[] = {
    {"authfailure", "5.0.926", "4.0.926"},     {"badreputation", "5.0.975", "4.0.975"},
    {"blocked", "5.0.971", "4.0.971"},         {"contenterror", "5.0.960", "4.0.960"},
    {"exceedlimit", "5.0.923", "4.0.923"},     {"expired", "5.0.947", "4.0.947"},
    {"filtered", "5.0.910", "4.0.924"},        {"hasmoved", "5.0.916", ""},
    {"hostunknown", "5.0.912", ""},            {"mailboxfull", "5.0.922", "4.0.922"},
    {"mailererror", "5.0.939", "4.0.939"},     {"mesgtoobig", "5.0.934", "4.0.934"},
    {"networkerror", "5.0.944", "4.0.944"},    {"norelaying", "5.0.909", "4.0.909"},
    {"notaccept", "5.0.932", "4.0.932"},       {"notcompliantrfc", "5.0.974", "4.0.974"},
    {"onhold", "5.0.901", "4.0.901"},          {"policyviolation", "5.0.972", "4.0.972"},
    {"rejected", "5.0.918", "4.0.918"},        {"requireptr", "5.0.973", "4.0.973"},
    {"securityerror", "5.0.970", "4.0.970"},   {"spamdetected", "5.0.980", "4.0.980"},
    {"speeding", "5.0.946", "4.0.946"},        {"suspend", "5.0.921", "4.0.921"},
    {"systemerror", "5.0.930", "4.0.930"},     {"systemfull", "5.0.931", "4.0.931"},
    {"syntaxerror", "5.0.902", "4.0.902"},     {"toomanyconn", "5.0.945", "4.0.945"},
    {"userunknown", "5.0.911", ""},            {"undefined", "5.0.900", "4.0.900"},
    {"virusdetected", "5.0.981", "4.0.981"},
};

// SMTP reply codes that really exist (RFC 5321, 3463, 4954, 7504, 5248), searched in this order
// when the class is unknown: permanent first, then transient, then success.
constexpr std::string_view kReply5[] = {"550", "552", "553", "551", "521", "525", "523", "524", "530",
                                        "533", "534", "535", "538", "555", "556", "554", "500", "501",
                                        "502", "503", "504"};
constexpr std::string_view kReply4[] = {"421", "450", "451", "452", "422", "430",
                                        "432", "453", "454", "455", "458", "459"};
constexpr std::string_view kReply2[] = {"211", "214", "220", "221", "235", "250",
                                        "251", "252", "253", "334", "354"};

// Each listed code's rank: the list's place (5, 4, 2) times kReplyListStride plus the code's place
// in its list, so that the lowest rank is the code find_smtp_reply's lists give first.
constexpr std::size_t kReplyListStride = 32;
constexpr std::uint8_t kNotAReply = 0xff;
constexpr char kReplyListClass[] = {'5', '4', '2'};
static_assert(std::size(kReply5) <= kReplyListStride && std::size(kReply4) <= kReplyListStride &&
              std::size(kReply2) <= kReplyListStride);
constexpr auto kReplyRank = [] {
  std::array<std::uint8_t, 1000> rank{};
  for (auto& r : rank) r = kNotAReply;
  auto add = [&](const std::string_view* b, const std::string_view* e, std::size_t list) {
    for (const auto* p = b; p != e; ++p) {
      auto& r = rank[static_cast<std::size_t>(((*p)[0] - '0') * 100 + ((*p)[1] - '0') * 10 + ((*p)[2] - '0'))];
      const auto here = static_cast<std::uint8_t>(list * kReplyListStride + static_cast<std::size_t>(p - b));
      if (r != kNotAReply && r / kReplyListStride != list) throw "a reply code in two lists";  // not constant: no build
      if (here < r) r = here;
    }
  };
  add(std::begin(kReply5), std::end(kReply5), 0);
  add(std::begin(kReply4), std::end(kReply4), 1);
  add(std::begin(kReply2), std::end(kReply2), 2);
  return rank;
}();

// A character that glues a number to its neighbour: '-', '.', '/', or a digit.
inline bool glue(char c) { return c == '-' || c == '.' || c == '/' || is_digit(c); }

bool is_ipv4_at(std::string_view s, std::size_t i) {
  // True if s[i..] starts a dotted quad (d{1,3}.d{1,3}.d{1,3}.d{1,3}).
  int groups = 0;
  std::size_t k = i;
  while (groups < 4) {
    std::size_t d = 0;
    while (k < s.size() && is_digit(s[k]) && d < 4) ++k, ++d;
    if (d == 0 || d > 3) return false;
    ++groups;
    if (groups == 4) return true;
    if (k >= s.size() || s[k] != '.') return false;
    ++k;
  }
  return false;
}

bool contains_ci(std::string_view hay, std::string_view needle_upper) {
  if (hay.size() < needle_upper.size()) return false;
  if (needle_upper.empty()) return true;
  // Only positions holding the first letter in either case can start a match: memchr finds
  // them (the text is usually long and that letter rare).
  const char first = needle_upper[0];
  const char first_lower = (first >= 'A' && first <= 'Z') ? static_cast<char>(first + 32) : first;
  const std::size_t last = hay.size() - needle_upper.size();
  auto matches_at = [&](std::size_t i) {
    for (std::size_t k = 1; k < needle_upper.size(); ++k) {
      char c = hay[i + k];
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
      if (c != needle_upper[k]) return false;
    }
    return true;
  };
  for (const char f : {first, first_lower}) {
    for (std::size_t i = hay.find(f); i != std::string_view::npos && i <= last; i = hay.find(f, i + 1))
      if (matches_at(i)) return true;
    if (first_lower == first) break;
  }
  return false;
}

// A real RFC 3463 code typical of each reason (for people: `bounced explain`).
struct TypicalCode {
  std::string_view reason, permanent, transient;
};
constexpr TypicalCode kTypicalCodes[] = {
    {"userunknown", "5.1.1", "4.1.1"},   {"hostunknown", "5.1.2", "4.1.2"},
    {"hasmoved", "5.1.6", "4.1.6"},      {"mailboxfull", "5.2.2", "4.2.2"},
    {"suspend", "5.2.1", "4.2.1"},       {"exceedlimit", "5.2.3", "4.2.3"},
    {"systemfull", "5.3.1", "4.3.1"},    {"mesgtoobig", "5.3.4", "4.3.4"},
    {"expired", "5.4.7", "4.4.7"},       {"networkerror", "5.4.0", "4.4.0"},
    {"norelaying", "5.7.1", "4.7.1"},    {"blocked", "5.7.1", "4.7.1"},
    {"rejected", "5.7.1", "4.7.1"},      {"spamdetected", "5.7.1", "4.7.1"},
    {"securityerror", "5.7.0", "4.7.0"}, {"virusdetected", "5.7.1", "4.7.1"},
    {"filtered", "5.2.1", "4.2.1"},      {"systemerror", "5.3.0", "4.3.0"},
    {"mailererror", "5.3.0", "4.3.0"},   {"notaccept", "5.3.2", "4.3.2"},
    {"contenterror", "5.6.0", "4.6.0"},  {"syntaxerror", "5.5.2", "4.5.2"},
    {"toomanyconn", "5.4.6", "4.4.6"},   {"policyviolation", "5.7.0", "4.7.0"},
    {"authfailure", "5.7.1", "4.7.1"},   {"requireptr", "5.7.25", "4.7.25"},
    {"badreputation", "5.7.1", "4.7.1"}, {"notcompliantrfc", "5.6.0", "4.6.0"},
    {"speeding", "4.7.0", "4.7.0"},      {"onhold", "5.0.0", "4.0.0"},
};

}  // namespace

std::string_view status_for_reason(std::string_view reason, bool permanent) {
  for (const auto& r : kTypicalCodes)
    if (r.reason == reason) return permanent ? r.permanent : r.transient;
  return {};
}

namespace {
// A code of up to seven bytes as one number: its bytes (little-endian) and its length in the top
// byte, so two codes have the same number exactly when they are the same string.
constexpr std::size_t kMaxKeyedStatus = 7;
constexpr std::uint64_t status_key(std::string_view s) {
  std::uint64_t k = std::uint64_t{s.size()} << 56;
  for (std::size_t i = 0; i < s.size(); ++i) k |= std::uint64_t{static_cast<unsigned char>(s[i])} << (8 * i);
  return k;
}
// kStatusReasons by key, sorted: a code is found by a binary search over numbers.
struct KeyedReason {
  std::uint64_t key;
  std::string_view reason;
};
constexpr auto kStatusReasonsByKey = [] {
  std::array<KeyedReason, std::size(kStatusReasons)> out{};
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (kStatusReasons[i].status.size() > kMaxKeyedStatus) throw "status code too long for status_key";
    out[i] = {status_key(kStatusReasons[i].status), kStatusReasons[i].reason};
  }
  std::sort(out.begin(), out.end(), [](const KeyedReason& a, const KeyedReason& b) { return a.key < b.key; });
  for (std::size_t i = 1; i < out.size(); ++i)
    if (out[i].key == out[i - 1].key) throw "a status code listed twice";
  return out;
}();
}  // namespace

std::string_view reason_for_status(std::string_view status) {
  if (status.empty() || status.size() > kMaxKeyedStatus) return {};  // (no listed code is longer)
  const std::uint64_t key = status_key(status);
  const auto it = std::lower_bound(kStatusReasonsByKey.begin(), kStatusReasonsByKey.end(), key,
                                   [](const KeyedReason& r, std::uint64_t k) { return r.key < k; });
  return it != kStatusReasonsByKey.end() && it->key == key ? it->reason : std::string_view();
}

// The table walked in order (what reason_for_status answers, for tests).
std::string_view reason_for_status_plain(std::string_view status) {
  for (const auto& r : kStatusReasons)
    if (r.status == status) return r.reason;
  return {};
}

std::string_view pseudo_status(std::string_view reason, bool permanent) {
  for (const auto& r : kPseudoCodes)
    if (r.reason == reason) return permanent ? r.permanent : r.transient;
  return {};
}

bool is_pseudo_status(std::string_view status) {
  return status.size() == 7 && status.substr(1, 4) == ".0.9";
}

std::string prefer_status(std::string_view field, std::string_view in_text, std::string_view reply) {
  if (field.empty()) return std::string(in_text);
  if (in_text.empty()) return std::string(field);
  if (field.size() < 5) return std::string(in_text);
  if (in_text.size() < 5) return std::string(field);
  // A reply code decides between two classes.
  if (!reply.empty() && field[0] != in_text[0]) {
    if (reply[0] == field[0]) return std::string(field);
    if (reply[0] == in_text[0]) return std::string(in_text);
  }
  if (field == in_text) return std::string(field);
  const bool field_zero = field.find(".0") != std::string_view::npos;
  const bool text_zero = in_text.find(".0") != std::string_view::npos;
  const bool field_zz = field.find(".0.0") != std::string_view::npos;
  const bool text_zz = in_text.find(".0.0") != std::string_view::npos;
  if (field_zz) return std::string(text_zz ? field : in_text);
  if (field_zero && !text_zero) return std::string(in_text);  // X.Y.0 or X.0.Z is vaguer
  if (text_zz) return std::string(field);
  // Codes that are known to be used loosely: the text's code is the better witness.
  if (field == "4.4.7" || field == "4.7.0") return std::string(in_text);
  if (field.substr(0, 4) == "5.3.") return std::string(in_text);
  const auto sd = field.substr(1, 3);
  if (sd == ".5.1" || sd == ".5.2" || sd == ".5.4" || sd == ".5.5") return std::string(in_text);
  if (field == "5.1.1") {
    if (text_zero || in_text.substr(0, 4) == "5.5.") return std::string(field);
    return std::string(in_text);
  }
  if (field == "5.1.3" && in_text.substr(0, 4) == "5.7.") return std::string(in_text);
  return std::string(field);
}

std::string find_status_code(std::string_view text, char klass) {
  if (text.size() < 5) return {};
  // The first specific failure code wins; a success code (transcripts quote "250 2.1.0 Ok")
  // and vague codes (x.0.0, 4.4.7) are used only when there is nothing better.
  std::string best, success, vague;
  bool have = false;
  for (std::size_t i = 0; i + 4 < text.size(); ++i) {
    // A code's second byte is '.': jump to the next position followed by one (memchr).
    const auto dot = text.find('.', i + 1);
    if (dot == std::string_view::npos) break;
    i = dot - 1;
    if (i + 4 >= text.size()) break;
    const char c = text[i];
    if (!(c == '2' || c == '4' || c == '5')) continue;
    if (klass && c != klass) continue;
    if (i > 0) {
      const char prev = text[i - 1];
      if ((prev != '-' && glue(prev)) || prev == 'v' || prev == 'V') continue;
    }
    if (i + 3 >= text.size() || text[i + 1] != '.') continue;
    if (is_ipv4_at(text, i)) {
      // Skip the whole address so its pieces are not read as codes.
      while (i + 1 < text.size() && (is_digit(text[i + 1]) || text[i + 1] == '.')) ++i;
      continue;
    }
    const char subject = text[i + 2];
    if (subject < '0' || subject > '7' || text[i + 3] != '.') continue;
    std::size_t k = i + 4, d = 0;
    while (k < text.size() && is_digit(text[k]) && d < 4) ++k, ++d;
    if (d == 0 || d > 3) continue;
    if (k < text.size() && text[k] == '.' && k + 1 < text.size() && is_digit(text[k + 1])) continue;
    std::string code(text.substr(i, k - i));
    if (code.substr(1, 4) == ".0.0" && code.size() == 5) {
      if (vague.empty()) vague = code;
      continue;
    }
    if (code == "4.4.7") {
      if (vague.empty()) vague = code;
      continue;
    }
    if (code[0] == '2') {
      if (success.empty()) success = code;
    } else if (!have) {
      best = code;
      have = true;
    }
    i = k - 1;
  }
  if (have) return best;
  if (!vague.empty() && (vague[0] != '2' || success.empty())) return vague;
  return success;
}

std::string find_smtp_reply(std::string_view text, char klass) {
  if (text.size() < 3 || contains_ci(text, "X-UNIX")) return {};
  // A number counts when it stands alone: not glued to digits, dots, slashes or letters.
  auto stands_alone = [&](std::size_t at) {
    const char before = at > 0 ? text[at - 1] : ' ';
    const char after = at + 3 < text.size() ? text[at + 3] : ' ';
    if ((before != '-' && glue(before)) || (after != '-' && glue(after))) return false;
    return !is_alpha(before) && !is_alpha(after);
  };
  // One pass collects the stand-alone three-digit numbers; each code of the lists is then looked
  // up among them (only whether a code occurs matters, not where). Text with more numbers than
  // the buffer holds is searched code by code instead.
  constexpr std::size_t kMaxNumbers = 64;
  std::array<std::size_t, kMaxNumbers> numbers;
  std::size_t count = 0;
  bool overflow = false;
  for (std::size_t at = 0; at + 3 <= text.size(); ++at) {
    // A non-digit at at+2 lies inside the windows starting at at, at+1 and at+2: skip them all.
    if (!is_digit(text[at + 2])) {
      at += 2;
      continue;
    }
    if (!is_digit(text[at]) || !is_digit(text[at + 1]) || !stands_alone(at)) continue;
    if (count == kMaxNumbers) {
      overflow = true;
      break;
    }
    numbers[count++] = at;
  }
  if (!overflow) {
    // The code the lists below would pick: the one of the highest-ranked list (5, 4, 2) that is
    // listed first, among the numbers found (their ranks read from a table).
    std::uint8_t best = kNotAReply;
    std::size_t best_at = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const char* d = text.data() + numbers[i];
      const std::uint8_t rank = kReplyRank[(d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0')];
      if (rank >= best) continue;
      const char list = kReplyListClass[rank / kReplyListStride];
      if (klass != 0 && klass != list) continue;
      best = rank;
      best_at = numbers[i];
    }
    return best == kNotAReply ? std::string() : std::string(text.substr(best_at, 3));
  }
  auto try_list = [&](const std::string_view* b, const std::string_view* e) -> std::string {
    for (const auto* p = b; p != e; ++p)
      for (std::size_t at = text.find(*p); at != std::string_view::npos; at = text.find(*p, at + 1))
        if (stands_alone(at)) return std::string(*p);
    return {};
  };
  std::string r;
  if (klass == '5' || klass == 0) r = try_list(std::begin(kReply5), std::end(kReply5));
  if (r.empty() && (klass == '4' || klass == 0)) r = try_list(std::begin(kReply4), std::end(kReply4));
  if (r.empty() && (klass == '2' || klass == 0)) r = try_list(std::begin(kReply2), std::end(kReply2));
  return r;
}

bool text_says_permanent(std::string_view text_lower) {
  if (text_lower.empty()) return false;
  auto code = find_status_code(text_lower, 0);
  if (code.empty()) code = find_smtp_reply(text_lower, 0);
  if (!code.empty() && code[0] == '5') return true;
  return text::find_exact(text_lower, " permanent ") != std::string_view::npos;
}

bool text_says_only_temporary(std::string_view text_lower) {
  if (text_lower.empty()) return false;
  auto code = find_status_code(text_lower, 0);
  if (code.empty()) code = find_smtp_reply(text_lower, 0);
  const bool permanent = (!code.empty() && code[0] == '5') || text::find_exact(text_lower, " permanent ") != std::string_view::npos;
  if (permanent) return false;
  if (!code.empty() && code[0] == '4') return true;
  return text::find_exact(text_lower, " temporar") != std::string_view::npos ||
         text::find_exact(text_lower, " persistent") != std::string_view::npos;
}

bool text_says_temporary(std::string_view text_lower) {
  if (text_lower.empty()) return false;
  auto code = find_status_code(text_lower, 0);
  if (code.empty()) code = find_smtp_reply(text_lower, 0);
  if (!code.empty() && code[0] == '4') return true;
  return text::find_exact(text_lower, " temporar") != std::string_view::npos ||
         text::find_exact(text_lower, " persistent") != std::string_view::npos;
}

}  // namespace bounced
