// record.hpp: what bounced reports about one message and each of its recipients.
// These are the pipeline's output types; every later stage (sinks, store, policy) reads them.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace bounced {

// What kind of message this was. Only `bounce` counts against a recipient: feedback, auto-replies
// and success DSNs are reported but must never be counted as bounces downstream.
enum class MessageKind { not_bounce, bounce, feedback, auto_reply, delivered };
const char* to_string(MessageKind kind);

// Headers of the returned original message (message/rfc822 or text/rfc822-headers part,
// or the copy an MTA pastes inline).
struct OriginalHeaders {
  std::string message_id, from, to, subject, date, list_id;
  // The original's "X-" fields (name as written, value), for configured attribution headers such
  // as X-Listmonk-Subscriber: at most 16, values cut at 256 bytes.
  std::vector<std::pair<std::string, std::string>> x_fields;
};

// Per-message fields from a message/delivery-status part (RFC 3464 section 2.2).
struct MessageFields {
  std::string reporting_mta, arrival_date, received_from_mta, original_envelope_id;
};

// One recipient as bounced reports it. String fields are "" when unknown.
struct RecipientResult {
  std::string recipient;           // Final-Recipient (address only, no "rfc822;")
  std::string original_recipient;  // Original-Recipient
  std::string action;              // failed | delayed | delivered | relayed | expanded
  std::string status;              // RFC 3463 "5.1.1"
  std::string status_class;        // success | transient | permanent
  std::string status_subject;      // addressing | mailbox | mail system | ...
  std::string reply_code;          // SMTP reply code "550"
  std::string reason;              // Sisimai vocabulary: userunknown, mailboxfull, ...
  bool hard_bounce = false;        // Sisimai's meaning: the address is dead
  std::string diagnostic_code;     // text of Diagnostic-Code (type prefix removed) or the MTA's text
  std::string diagnostic_type;     // "smtp", "x-unix", ... from Diagnostic-Code
  std::string remote_mta;          // Remote-MTA host
  std::string smtp_command;        // MAIL, RCPT, DATA, ... when known
  std::string last_attempt_date;
  std::string will_retry_until;
  std::string feedback_type;       // ARF Feedback-Type (abuse, fraud, ...)
  std::string decided_by;          // which rule / table entry set the reason
};

// The result of reading one message.
struct MessageReport {
  MessageKind kind = MessageKind::not_bounce;
  std::string scanner;             // which scanner found the recipients ("rfc3464", "postfix", ...)
  MessageFields fields;
  OriginalHeaders original;
  std::vector<RecipientResult> recipients;
};

}  // namespace bounced
