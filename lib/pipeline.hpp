// pipeline.hpp: the public entry point of lib/. guard -> MIME -> DSN fields / MTA scanners ->
// classify -> report. Pure: bytes in, reports out.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "guard.hpp"
#include "record.hpp"

namespace bounced {

struct ParseOutcome {
  GuardError error = GuardError::none;  // set when the message could not be parsed at all
  MessageReport report;                 // valid when error == none
  bool ok() const { return error == GuardError::none; }
};

// Reads one message (a leading mbox "From " line is ignored).
ParseOutcome parse_message(std::string_view raw);

// Reads a file's contents: an mbox with several messages gives several outcomes, else one.
std::vector<ParseOutcome> parse_file(std::string_view contents);

}  // namespace bounced
