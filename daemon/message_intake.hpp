// message_intake.hpp: turns one received message (LMTP or Maildir) into a commit request: hash it,
// parse it with lib/, and mark it for the quarantine when it cannot be parsed.
#pragma once
#include <string>

#include "commit_queue.hpp"

namespace bounced {

// `source` names the message in the records; "" means "lmtp:<hash>".
CommitRequest prepare_message(const HashKey& key, std::string&& raw, std::string source,
                              std::string envelope_from = {}, std::string envelope_recipient = {});

}  // namespace bounced
