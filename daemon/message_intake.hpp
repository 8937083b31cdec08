// message_intake.hpp: turns one received message (LMTP or Maildir) into a commit request: hash it,
// parse it with lib/, and mark it for the quarantine when it cannot be parsed.
#pragma once
#include <string>

#include "commit_queue.hpp"

namespace bounced {

// `source` names the message in the records; "" means "lmtp:<hash>". `content_sha256`: also
// compute MessageRecord::content_sha256 (CommitQueue::needs_content_sha256()).
// `raw` is only read (and copied for the quarantine when it cannot be parsed).
CommitRequest prepare_message(const HashKey& key, bool content_sha256, std::string_view raw, std::string source,
                              std::string envelope_from = {}, std::string envelope_recipient = {});

}  // namespace bounced
