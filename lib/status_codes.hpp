// status_codes.hpp: knowledge tables as data. The IANA registry of SMTP enhanced status codes
// (RFC 3463 and its updates) and the SMTP reply codes of RFC 5321 (plus RFC 4954 / RFC 7504),
// with English and Traditional Chinese texts. Constant tables only; lookups allocate nothing.
#pragma once
#include <span>
#include <string>
#include <string_view>

namespace bounced {

struct EnhancedStatusInfo {
  std::string_view code;         // "X.1.1" (subject.detail form with X for the class)
  std::string_view title_en;     // "Bad destination mailbox address" (the registry's title)
  std::string_view title_zh;     // Traditional Chinese title
  std::string_view description;  // one-sentence English meaning (our own wording)
  std::string_view reference;    // "RFC 3463", "RFC 7372", ...
};

// Entry for a status like "5.1.1" or "4.7.26" (the class digit may also be 'X'); nullptr when the
// registry has no such code or the text is not a status.
const EnhancedStatusInfo* find_enhanced_status(std::string_view status);

// The whole registry, sorted by subject then detail (for listing and tests).
std::span<const EnhancedStatusInfo> enhanced_status_table();

// "success" / "transient" / "permanent" for class 2 / 4 / 5, "" otherwise.
std::string_view status_class_name(std::string_view status);
// Traditional Chinese: "成功" / "暫時性失敗" / "永久性失敗", "" otherwise.
std::string_view status_class_name_zh(std::string_view status);
// "other or undefined", "addressing", "mailbox", "mail system", "network and routing",
// "mail delivery protocol", "message content or media", "security or policy" for subject 0..7;
// "" when the status has no subject or it is not one of these.
std::string_view status_subject_name(std::string_view status);
std::string_view status_subject_name_zh(std::string_view status);

struct ReplyCodeInfo {
  int code;
  std::string_view text_en;         // the RFC's reply text
  std::string_view text_zh;         // Traditional Chinese
  std::string_view reference;       // "RFC 5321", "RFC 4954", "RFC 7504"
  std::string_view implied_status;  // enhanced status the RFC pairs with it ("5.7.8" for 535), or ""
};
// Entry for a standard reply code such as 550; nullptr if not a registered code.
const ReplyCodeInfo* find_reply_code(int code);
std::span<const ReplyCodeInfo> reply_code_table();

// True for a syntactically valid enhanced status "c.s.d": c in {2,4,5}, subject and detail
// 0-999 written as RFC 3463's ABNF has them (1-3 digits, no leading zero), nothing around it.
bool is_valid_status(std::string_view status);

}  // namespace bounced
