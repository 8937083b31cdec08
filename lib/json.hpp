// json.hpp: the JSON Lines record for one recipient (what `bounced parse` prints, what the jsonl
// sink writes, what ../shared/tools/bounce-eval reads). Small writer, no parser.
#pragma once
#include <string>
#include <string_view>

#include "record.hpp"

namespace bounced {

// Appends `s` as a JSON string literal (quotes included); invalid UTF-8 becomes U+FFFD.
void append_json_string(std::string& out, std::string_view s);

// One JSON object (no trailing newline) for recipient `r` of `report`, read from `file`.
std::string recipient_json(const MessageReport& report, const RecipientResult& r, std::string_view file);
// Same, appended to `out` (no temporary string).
void append_recipient_json(std::string& out, const MessageReport& report, const RecipientResult& r,
                           std::string_view file);

}  // namespace bounced
