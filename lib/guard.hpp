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
GuardError check_message(std::string_view raw);

// Removes a leading mbox "From " separator line, if any.
std::string_view strip_mbox_from_line(std::string_view raw);

// Splits an mbox file into messages (each without its "From " line; ">From " unescaping is left
// alone: bodies are only scanned for text). A non-mbox input gives one message.
std::vector<std::string_view> split_mbox(std::string_view raw);

}  // namespace bounced
