// record.cpp: see record.hpp.
#include "record.hpp"

namespace bounced {
const char* to_string(MessageKind kind) {
  switch (kind) {
    case MessageKind::not_bounce: return "not_bounce";
    case MessageKind::bounce: return "bounce";
    case MessageKind::feedback: return "feedback";
    case MessageKind::auto_reply: return "auto_reply";
    case MessageKind::delivered: return "delivered";
  }
  return "unknown";
}
}  // namespace bounced
