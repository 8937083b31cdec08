// dsn.hpp: RFC 3464 message/delivery-status fields. Per-message group, then one group per
// recipient; tolerant of what real MTAs write (missing blank lines, folded lines, comments,
// address-type prefixes, CRLF/LF/CR).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "record.hpp"

namespace bounced {

struct DsnRecipient {
  std::string final_recipient;     // address only
  std::string original_recipient;  // address only
  std::string action;              // lowercase keyword
  std::string status;              // "5.1.1" (comments removed)
  std::string remote_mta;          // host (type prefix removed)
  std::string diagnostic_type;     // "smtp", "x-unix", ... lowercase
  std::string diagnostic_code;     // text after the type, unfolded
  std::string last_attempt_date;
  std::string will_retry_until;
  std::string final_log_id;
  std::string bounce_category;     // X-PowerMTA-BounceCategory (bad-mailbox, quota-issues, ...)
};

struct DsnReport {
  MessageFields fields;
  std::vector<DsnRecipient> recipients;
};

DsnReport parse_delivery_status(std::string_view body);

// "rfc822; <User@Example.COM>" -> "User@Example.COM"; "dns; mx.example.com" -> "mx.example.com".
std::string strip_type_prefix(std::string_view value);
// Removes RFC 822 comments "(...)" (nested, quoted pairs honoured) and trims.
std::string remove_comments(std::string_view value);

}  // namespace bounced
