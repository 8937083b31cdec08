// rhost_rules.cpp: provider-specific wordings, keyed by the receiving host or the recipient's
// domain. Large providers word their rejections in their own way (and document them); these
// tables map those wordings to reasons before the generic phrase tables are consulted.
#include <string_view>

#include "reason_rules.hpp"

namespace bounced {

RuleMatch match_rhost_rules(std::string_view, std::string_view, std::string_view, std::string_view,
                            std::string_view) {
  return {};
}

}  // namespace bounced
