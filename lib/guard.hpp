// guard.hpp: the first stage of the pipeline. Bounded checks on raw input before any MIME parser
// sees it, and mbox handling. Every limit is a named constant; exceeding one is a typed error.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace bounced {

struct Limits {
  static constexpr std::size_t max_message_bytes = 32u * 1024 * 1024;  // whole message
  static constexpr std::size_t max_header_line_bytes = 64u * 1024;      // one physical header line
  static constexpr std::size_t max_header_bytes = 1024u * 1024;         // one header block
  static constexpr std::size_t max_mime_depth = 100;                    // nested multiparts
  static constexpr std::size_t max_mime_parts = 10000;                  // parts in total
  static constexpr std::size_t max_mbox_messages = 100000;              // messages in one mbox
  static constexpr std::size_t max_header_field_bytes = 64u * 1024;     // one unfolded field
  // mimetic grows its header name/value buffers 128 bytes at a time, so a field of n bytes costs
  // about n*n/256 byte copies: the sum of squared field sizes is capped (~256 MiB of copying).
  static constexpr unsigned long long max_header_field_work = 1ull << 36;
};

enum class GuardError {
  none,
  empty,               // no bytes, or only white space
  too_large,           // > max_message_bytes
  header_line_too_long,
  header_too_large,
  too_deep,            // MIME nesting
  too_many_parts,
  binary,              // NUL bytes in header region / clearly not a mail message
  no_header,           // no header field found at the start
};
const char* to_string(GuardError error);

// Checks one message's raw bytes. Cheap: one pass over the header regions and boundary lines.
// Leading blank lines are skipped (see skip_leading_blank_lines).
GuardError check_message(std::string_view raw);

// Removes leading empty (or white-space-only) lines: some stored messages start with one.
std::string_view skip_leading_blank_lines(std::string_view raw);

// Where one MIME entity lies in the raw text, as the pre-scan found it. The pre-scan walks the
// message exactly as mimetic's forward-iterator parser does (same boundary rules, same header
// end rules, message/rfc822 bodies entered), so entity i here is entity i of mimetic's tree in
// document order (depth first). Offsets index the string_view given to scan_message.
struct EntitySpan {
  std::size_t header_begin = 0;
  std::size_t header_end = 0;  // end of the last header line (before the blank line), or == body_begin
  std::size_t body_begin = 0;
  std::size_t end = 0;         // start of the boundary line that ended the entity, or input size
  std::size_t depth = 0;       // 0 for the top-level message
};

// Like check_message (on input already stripped of leading blank lines), also recording each
// entity's span into `spans` when not null.
GuardError scan_message(std::string_view raw, std::vector<EntitySpan>* spans);

// Removes a leading mbox "From " separator line, if any.
std::string_view strip_mbox_from_line(std::string_view raw);

// Splits an mbox file into messages (each without its "From " line; ">From " unescaping is left
// alone: bodies are only scanned for text). A separator is a line starting with "From " at the
// start of the file or after a blank line; the blank line is not part of the message. An input not
// starting with "From " gives one message. Messages past Limits::max_mbox_messages are dropped.
std::vector<std::string_view> split_mbox(std::string_view raw);

}  // namespace bounced
