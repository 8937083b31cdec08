// guard.hpp: the first stage of the pipeline. Bounded checks on raw input before any MIME parser
// sees it, and mbox handling. Every limit is a named constant; exceeding one is a typed error.
#pragma once
#include <cstddef>
#include <cstdint>
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
// Leading blank lines are skipped (see skip_leading_blank_lines). The limits apply to what the
// MIME parser will parse now; a message/rfc822 part's body is checked when it is parsed itself.
GuardError check_message(std::string_view raw);

// Removes leading empty (or white-space-only) lines: some stored messages start with one.
std::string_view skip_leading_blank_lines(std::string_view raw);

// Where one MIME entity lies in the raw text, as the pre-scan found it. The pre-scan walks the
// message by mimetic's own rules (same newline, header-end and boundary rules; see guard.cpp), in
// document order, depth first. A message/rfc822 part is a leaf here: its body is kept raw and only
// parsed on demand, so mimetic is shown a stub in its place (see MimeLayout::edits).
// Offsets index the string_view given to scan_message.
struct EntitySpan {
  std::size_t header_begin = 0;
  std::size_t header_end = 0;  // end of the last header line (before the blank line)
  std::size_t body_begin = 0;
  std::size_t end = 0;         // start of the boundary line that ended the entity, or input size
  std::size_t depth = 0;       // 0 for the top-level message
  bool message = false;        // message/rfc822: raw body [body_begin, end), not descended into
  // The first Content-Type field, parsed as mimetic parses it: type and subtype lowercased and
  // trimmed ("" when absent), the charset parameter likewise, the boundary parameter as written.
  bool multipart = false;
  // The header's field lines as the pre-scan read them: MimeLayout::fields[fields_begin,
  // fields_end). `fields_exact` when they give the fields parse_header_block reads from the
  // header block (its first line is not indented and no line ends in LF CR, which it reads as two
  // line breaks).
  bool fields_exact = false;
  std::uint32_t fields_begin = 0, fields_end = 0;
  // A multipart's preamble [body_begin, preamble_end) and epilogue [epilogue_begin, epilogue_end)
  // (empty when it never closed), each up to the delimiter line that ended it.
  std::uint32_t preamble_end = 0, epilogue_begin = 0, epilogue_end = 0;
  std::string type = {}, subtype = {}, charset = {}, boundary = {};
};

// One header line as the pre-scan read it: offsets into the scanned text. A field's line: the name
// is [begin, name_end), the value [value_begin, end) (after the colon, to the line's end before
// its line break). A continuation line of the field before it has name_end 0 (continuation());
// its text after the leading blanks is [value_begin, end).
struct FieldSpan {
  std::uint32_t begin = 0, name_end = 0, value_begin = 0, end = 0;
  bool continuation() const { return name_end == 0; }
};

// One change to the byte stream mimetic parses: raw[begin, end) is replaced by `text`.
// - A message/rfc822 body becomes a stub (an empty nested message): mimetic does not parse the
//   returned original, which we keep raw and parse on demand.
// - A delimiter of an outer multipart met inside an inner one gets the missing closing
//   delimiters inserted before it: mimetic would otherwise abandon the rest of the message
//   (its HigherLevelBoundary handling unwinds every level and stops).
// - A leaf body becomes empty, and a header block becomes empty, or for a multipart a short
//   Content-Type field with the same boundary (`stub`): we read fields and bodies from the span;
//   mimetic only needs the structure.
// - With MimeLayout::short_delimiters: the multipart's field names a boundary of ours, each
//   delimiter line (and each inserted closing delimiter) is written with it, and preambles and
//   epilogues become empty (`stub`).
struct StreamEdit {
  std::size_t begin = 0, end = 0;
  std::string text;
  bool stub = false;  // hides text we read from the span (dropped when falling back, see mime.cpp)
};

struct MimeLayout {
  // Asked for by the caller: mimetic is shown short delimiters of our own ("--<depth>x") in place
  // of the message's, and the multiparts' preambles and epilogues as stubs too (read from the
  // spans), so that it parses nothing but the structure. Cleared by scan_message when a multipart's
  // header cannot be stubbed (no blank line ends it): then the message's own delimiters are kept.
  bool short_delimiters = false;
  std::vector<EntitySpan> spans;  // every entity mimetic will build, except the rfc822 stubs
  std::vector<FieldSpan> fields;  // every header's field lines, in order (see EntitySpan::fields_begin)
  std::vector<StreamEdit> edits;  // in stream order, non-overlapping
};

// Like check_message (on input already stripped of leading blank lines), also filling `layout`
// when not null.
GuardError scan_message(std::string_view raw, MimeLayout* layout);

// A Content-Type value read the way mimetic's ContentType class reads it (mimetic 0.9.8
// ContentType::set, FieldParam): type and subtype are the text before the first ';' split at '/'
// (neither trimmed nor lowercased), the parameters are the ';'-separated pieces after it, each
// "name=value" with blanks (space, tab) trimmed from both and one pair of enclosing double quotes
// removed from the value (quoted ';' not special); a name matches case-insensitively, the first
// match wins. Views into `value`. Checked against mimetic itself by a randomized test (guard_test).
struct ContentTypeView {
  std::string_view type, subtype;
  std::string_view boundary, charset;  // "" when absent
  bool multipart = false;              // type is "multipart", ignoring case (untrimmed, as mimetic)
  bool rfc822 = false;                 // type/subtype is "message"/"rfc822", likewise
};
ContentTypeView read_content_type(std::string_view value);

// Length of the run of field-name characters (printable ASCII except ':', what mimetic accepts in
// a field name) at the start of `line`; sixteen bytes at a time.
std::size_t field_name_length(std::string_view line);

// Removes a leading mbox "From " separator line, if any.
std::string_view strip_mbox_from_line(std::string_view raw);

// Splits an mbox file into messages (each without its "From " line; ">From " unescaping is left
// alone: bodies are only scanned for text). A separator is a line starting with "From " at the
// start of the file or after a blank line; the blank line is not part of the message. An input not
// starting with "From " gives one message. Messages past Limits::max_mbox_messages are dropped.
std::vector<std::string_view> split_mbox(std::string_view raw);

}  // namespace bounced
