// read_file.hpp: reads a whole file (or standard input for "-") into a buffer, bounded by the
// guard's message size limit plus slack for mbox files.
#pragma once
#include <string>

namespace bounced {

// Max bytes read from one file: an mbox may hold many messages, so this is larger than one message.
inline constexpr std::size_t kMaxInputFileBytes = 256u * 1024 * 1024;

bool read_whole_file(const std::string& path, std::string& out, std::string& error);

}  // namespace bounced
