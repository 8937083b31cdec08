// notification.hpp: finds the parts of a notification that later stages read (delivery-status,
// the returned original, the human-readable text) and builds the scanners' input.
#pragma once
#include "scanner.hpp"

namespace bounced {

ScanInput make_scan_input(const MimePart& root);

}  // namespace bounced
