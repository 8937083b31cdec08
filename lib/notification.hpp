// notification.hpp: finds the parts of a notification that later stages read (delivery-status,
// the returned original, the human-readable text) and builds the scanners' input.
#pragma once
#include <string>
#include <string_view>

#include "scanner.hpp"

namespace bounced {

ScanInput make_scan_input(const MimePart& root);

// A header value as text: decode_encoded_words(value), with plain ASCII and no encoded word (the
// usual case) copied as it is.
std::string header_text(std::string_view value);
// Same, into `out` (its storage reused).
void assign_header_text(std::string& out, std::string_view value);

}  // namespace bounced
