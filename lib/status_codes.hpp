// status_codes.hpp: knowledge tables as data. The IANA registry of SMTP enhanced status codes
// (RFC 3463 and its updates) and the SMTP reply codes of RFC 5321, with English and Traditional
// Chinese texts.
#pragma once
#include <string>
#include <string_view>

namespace bounced {

struct EnhancedStatusInfo {
  std::string_view code;        // "X.1.1" (subject.detail form with X for the class)
  std::string_view title_en;    // "Bad destination mailbox address"
  std::string_view title_zh;    // Traditional Chinese, "" when the seed has none
  std::string_view description; // one-sentence English meaning
  std::string_view reference;   // "RFC 3463", "RFC 7372", ...
};

// Entry for a status like "5.1.1" or "4.7.26"; nullptr when the registry has no such code.
const EnhancedStatusInfo* find_enhanced_status(std::string_view status);

// "success" / "transient" / "permanent" for class 2 / 4 / 5, "" otherwise.
std::string_view status_class_name(std::string_view status);
// "other or undefined", "addressing", "mailbox", "mail system", "network and routing",
// "mail delivery protocol", "message content or media", "security or policy" for subject 0..7.
std::string_view status_subject_name(std::string_view status);
std::string_view status_subject_name_zh(std::string_view status);

struct ReplyCodeInfo {
  int code;
  std::string_view text_en;
  std::string_view text_zh;
};
// Entry for an RFC 5321 reply code such as 550; nullptr if not a standard code.
const ReplyCodeInfo* find_reply_code(int code);

// True for a syntactically valid enhanced status "c.sss.ddd" with c in {2,4,5}.
bool is_valid_status(std::string_view status);

}  // namespace bounced
