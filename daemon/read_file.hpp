// read_file.hpp: the input of the CLI commands that read mail (parse, record): PATH arguments
// expanded into files, and whole files (or standard input for "-") read into a buffer, bounded
// by the guard's message size limit plus slack for mbox files.
#pragma once
#include <string>
#include <vector>

namespace bounced {

// Max bytes read from one file: an mbox may hold many messages, so this is larger than one message.
inline constexpr std::size_t kMaxInputFileBytes = 256u * 1024 * 1024;

// Reads `path` ("-": standard input) into `out` (its capacity is reused). On failure returns false
// and sets `error`.
bool read_whole_file(const std::string& path, std::string& out, std::string& error);

// The files named by command-line PATH arguments, in order: a directory stands for the regular
// files under it (recursively, in sorted order); "-" (standard input) and any other path stand
// for themselves (a missing file is reported when it is read).
std::vector<std::string> expand_input_paths(const std::vector<std::string>& paths);

}  // namespace bounced
