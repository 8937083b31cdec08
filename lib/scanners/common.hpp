// common.hpp: helpers shared by the MTA scanners: finding marker lines, splitting a report from the
// inline copy of the original, recognising the SMTP command and remote host named in an error text,
// fixed phrase tables, and assembling recipients. All functions are allocation-light and bounded.
#pragma once
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scanner.hpp"

namespace bounced::scan {

inline constexpr std::size_t npos = std::string_view::npos;

// Upper bound on recipients any one scanner reports (hostile input cannot grow the result).
inline constexpr std::size_t kMaxRecipients = 1000;
// Upper bound on one recipient's diagnostic text.
inline constexpr std::size_t kMaxDiagnostic = 4096;

// Where a marker was found: offset of the match, and which marker (index into the table).
struct MarkerHit {
  std::size_t pos = npos;
  std::size_t index = 0;
  std::size_t end = npos;  // offset just past the matched marker
  explicit operator bool() const { return pos != npos; }
};

// Earliest occurrence (case-insensitive) of any of `markers` (lowercase) in `text` at or after `from`.
MarkerHit find_marker(std::string_view text, std::span<const std::string_view> markers, std::size_t from = 0);

// The same over the whole notification text of `in` (through its shared lowercased copy: one
// skipping pass for three or more markers, else a fast substring search per marker). Offsets are
// into in.body_text.
MarkerHit find_marker(const ScanInput& in, std::span<const std::string_view> markers);
// The same within `text`: through the lowercased copy when `text` is a piece of in.body_text, else
// as find_marker(text, markers). Offsets are into `text`.
MarkerHit find_marker(const ScanInput& in, std::string_view text, std::span<const std::string_view> markers);
inline MarkerHit find_marker(const ScanInput& in, std::string_view marker) {
  return find_marker(in, std::span<const std::string_view>(&marker, 1));
}

// Offset of the start of the line holding `pos`, and of the line after it.
std::size_t line_start(std::string_view text, std::size_t pos);
std::size_t next_line(std::string_view text, std::size_t pos);

// A notification text cut in two: the MTA's report, and what follows the "copy of the original
// follows" marker (headers of the original, perhaps its body). `original` is empty without a marker.
struct Split {
  std::string_view report;
  std::string_view original;
};
// Cuts `body` at the start of the line holding the earliest of `original_markers` (lowercase); the
// original starts on the line after it (leading blank lines skipped).
Split split_at_original(std::string_view body, std::span<const std::string_view> original_markers);
// Both cuts at once: `report` ends at the line of the earliest of `end_markers`, `original` follows
// the earliest of `original_markers` (what two split_at_original calls give, in about one pass).
// `body` is usually a piece of in.body_text: then the searches run over in.body_lower().
Split split_report(const ScanInput& in, std::string_view body, std::span<const std::string_view> end_markers,
                   std::span<const std::string_view> original_markers);

// The header block at the start of `original` (up to the first blank line), bounded; "" when the
// text does not start with something header-like ("Name: value").
std::string_view header_block(std::string_view original);

// SMTP command named in an error text: "after RCPT TO:<...>", "in reply to RCPT TO command",
// "after end of data" (DATA), "after initial connection" (CONN), "did not like our MAIL FROM:", ...
// Returns "RCPT", "MAIL", "DATA", "HELO", "EHLO", "CONN", "STARTTLS", "AUTH", "QUIT" or "".
std::string find_smtp_command(std::string_view text);
// The first SMTP command word at the start of `text` ("RCPT TO:<x>" -> "RCPT", ">>> DATA" -> "DATA").
std::string command_word(std::string_view text);

// Remote host in "host mx.example.com[192.0.2.1] said:" / "host mx.example.com [192.0.2.1]:" /
// "remote host 192.0.2.1 said:". "" if none.
std::string find_remote_host(std::string_view text);

// Reply code at the start of `text` ("550 5.1.1 ...", "550-5.7.1 ...") or after "said:" /
// "returned '" etc.; stricter than text::find_reply_code (which accepts any 3-digit number).
std::string leading_reply_code(std::string_view text);

// A fixed error table of one MTA: lowercase phrase -> reason.
struct FixedReason {
  std::string_view phrase;
  std::string_view reason;
};
// First entry whose phrase occurs in `lower_text`; nullptr if none.
const FixedReason* match_fixed(std::string_view lower_text, std::span<const FixedReason> table);
// Sets r.reason / r.decided_by ("scanner:<scanner>:<phrase>") from `table` over r.diagnostic.
bool apply_fixed(ScannedRecipient& r, std::span<const FixedReason> table, std::string_view scanner);

// Appends text to a diagnostic (space separated), bounded by kMaxDiagnostic.
void append_diagnostic(std::string& diagnostic, std::string_view more);

// Final touches common to all scanners: folds the diagnostic to one line, fills status and reply
// code from it when the scanner set none, and drops duplicate addresses (first occurrence wins,
// filling its empty fields from the later one).
void finish(ScanResult& result);

// Adds a recipient (bounded by kMaxRecipients). Returns the added record, or nullptr when full.
ScannedRecipient* add_recipient(ScanResult& result, std::string address);

// "> " quoting removed from every line (a forwarded bounce pasted as a quote); `text` unchanged
// when fewer than half of its non-empty lines are quoted.
std::string unquote(std::string_view text);

// True when the line, trimmed, is only an address (optionally in <>), with an optional trailing ':'.
// Sets `address`.
bool address_line(std::string_view line, std::string& address);

// Value of header `name` (unfolded) in the returned original: the message/rfc822 part when MIME
// found one, else the inline copy `original_text`. "" if absent.
std::string original_header(const ScanInput& in, std::string_view original_text, std::string_view name);

// A recipient block of the "<addr>: text" form (Postfix, qmail, MXLogic): the opening line is
// "<addr>: text", "<addr>:" or "<addr> (expanded from <alias>): text" (leading blanks allowed);
// following lines belong to the block until a blank line or the next opening line.
struct AddressBlock {
  std::string address;
  std::string text;  // the block's text after the "<addr>:" (lines joined with spaces, bounded)
};
std::vector<AddressBlock> address_blocks(std::string_view report);
// Parses one opening line; returns false if `line` is not one. `rest` gets the text after the colon.
bool address_block_open(std::string_view line, std::string& address, std::string_view& rest);

// Markers of MIME part headers pasted in a text (a forwarded bounce, or an unparsed multipart):
// where a plain-text report certainly ends.
inline constexpr std::string_view kEmbeddedPartMarkers[] = {
    "content-type: message/rfc822",
    "content-type: text/rfc822-headers",
    "content-type: message/delivery-status",
    "content-type: message/global",
};

// The subset of those that introduce a copy of the original message (its headers follow).
inline constexpr std::string_view kOriginalPartMarkers[] = {
    "content-type: message/rfc822",
    "content-type: text/rfc822-headers",
    "content-type: message/global",
};

// ---- line helpers for report texts laid out line by line (scanB's provider formats) ----

// Walks lines of `s` (LF separated; a trailing CR is removed). Returns false when done.
class LineCursor {
 public:
  explicit LineCursor(std::string_view s) : s_(s) {}
  bool next(std::string_view& line);

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

// Offset of the first line starting (after leading blanks, case-insensitive) with `prefix`, or npos.
std::size_t find_line_starting(std::string_view body, std::string_view prefix, std::size_t from = 0);

// Text from `pos` up to the end of its line.
std::string_view rest_of_line(std::string_view body, std::size_t pos);

// True when the top-level header `name` exists and contains `needle` (case-insensitive).
bool header_has(const ScanInput& in, std::string_view name, std::string_view needle);
// True when any top-level header called `name` (e.g. Received) contains `needle` (case-insensitive).
bool any_header_has(const ScanInput& in, std::string_view name, std::string_view needle);

// Recipients of RFC 3464 fields written as text (a message/delivery-status body, or the same fields
// pasted into a text part), with action, status, remote MTA and the folded Diagnostic-Code.
ScanResult dsn_recipients(std::string_view fields);

}  // namespace bounced::scan
