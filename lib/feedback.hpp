// feedback.hpp: complaint reports and automatic replies: messages that are reported but are not
// bounces (MessageKind::feedback / auto_reply), so nothing downstream counts them against a
// recipient.
//   - RFC 5965 ARF: multipart/report; report-type=feedback-report with a message/feedback-report
//     part (Feedback-Type, Original-Rcpt-To, Redacted-Address, ...)
//   - Microsoft JMRP: multipart/mixed from staff@hotmail.com, "complaint about message from <ip>",
//     the original attached with X-HmXmrOriginalRecipient
//   - Apple Mail's one-click unsubscribe (X-Apple-Unsubscribe: true): an opt-out
//   - RFC 3834 auto-replies (Auto-Submitted: auto-replied, X-Autoreply, Precedence: auto_reply,
//     X-Auto-Response-Suppress, "Automatic reply:" subjects ...): vacation, the recipient is the
//     replier. Only consulted when nothing recognised the message as a bounce.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mime.hpp"
#include "scanner.hpp"

namespace bounced {

// Sisimai's placeholder for a complaint whose recipient is nowhere to be found (kept identical so
// results compare with its labels).
inline constexpr std::string_view kUndisclosedRecipient = "undisclosed-recipient-in-headers@libsisimai.org.invalid";

// A complaint report (ARF, JMRP, Apple unsubscribe): kind feedback, one recipient per reported
// address, feedback_type set. nullopt when the message is not one.
std::optional<ScanResult> scan_feedback_report(const ScanInput& in);

// An RFC 3834 automatic reply: kind auto_reply, one recipient (the replier). nullopt otherwise.
// Call only when neither the DSN nor any scanner recognised the message as a bounce.
std::optional<ScanResult> scan_auto_reply(const ScanInput& in);

// Case-insensitive header lookup on a header list ("" when absent).
std::string_view header_value(const std::vector<HeaderField>& headers, std::string_view name);

}  // namespace bounced
