// explain.hpp: `bounced explain` as a pure function. Reads one bare SMTP server reply (possibly
// multi-line, possibly with a non-standard code such as 544), runs it through the same classify
// stage `bounced parse` uses, and adds what the code tables and the advice table know: the meaning
// of the reply code and enhanced status in English and Traditional Chinese, and what the sender
// can do about it.
#pragma once
#include <string>
#include <string_view>

namespace bounced {

// Longest reply explain_reply() accepts (a real reply is a few hundred bytes).
inline constexpr std::size_t kMaxExplainReplyBytes = 16 * 1024;

struct Explanation {
  bool ok = false;
  std::string error;               // why the reply could not be explained (when !ok)

  std::string reply_code;          // "550", "544"; "" when the reply carries none
  bool reply_code_registered = false;  // the code is in the RFC 5321/4954/7504 table
  std::string text;                // the reply text: codes removed, continuation lines joined

  std::string status;              // enhanced status "5.7.1" ("" for 3xx replies)
  // Where the status came from: "reply" (stated in it), "reply-code" (the RFC pairs the reply code
  // with it, e.g. 535 -> 5.7.8), "reason" (typical status for the reason), "class" (X.0.0 from the
  // reply code's first digit).
  std::string_view status_source;
  std::string_view status_class;      // success | transient | permanent | intermediate
  std::string_view status_class_zh;
  std::string_view subject;           // addressing | mailbox | ... ("" when unknown)
  std::string_view subject_zh;

  std::string reason;              // Sisimai vocabulary (userunknown, norelaying, ...)
  std::string decided_by;          // the rule that set the reason
  bool hard_bounce = false;        // Sisimai's meaning: the address itself is dead

  std::string_view reply_meaning_en;   // RFC text of the reply code ("" if not registered)
  std::string_view reply_meaning_zh;
  std::string_view status_title_en;    // registry title of the status ("" if not registered)
  std::string_view status_title_zh;
  std::string_view status_description;
  std::string_view advice_en;          // what the sender can do
  std::string_view advice_zh;
};

// Explains `reply`; never throws on any input. !ok (with `error`) for empty or oversized input or
// input with no text at all.
Explanation explain_reply(std::string_view reply);

// Renderings for the CLI: a short readable block (ends with '\n'), and one JSON object (no newline).
std::string explanation_text(const Explanation& e);
std::string explanation_json(const Explanation& e);

// The advice for a reason (Sisimai vocabulary); both "" for an unknown reason.
struct ReasonAdvice {
  std::string_view reason, en, zh;
};
const ReasonAdvice* find_reason_advice(std::string_view reason);

}  // namespace bounced
