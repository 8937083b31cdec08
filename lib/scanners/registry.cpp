// registry.cpp: every MTA scanner, in the order they are tried. Order matters only where two
// scanners could claim the same message: specific formats come before generic ones.
#include "scanner.hpp"

namespace bounced {

// One declaration per scanner (defined in lib/scanners/<name>.cpp).
std::optional<ScanResult> scan_postfix(const ScanInput&);
std::optional<ScanResult> scan_sendmail(const ScanInput&);
std::optional<ScanResult> scan_exim(const ScanInput&);
std::optional<ScanResult> scan_qmail(const ScanInput&);
std::optional<ScanResult> scan_exchange(const ScanInput&);

const std::vector<Scanner>& scanner_registry() {
  static const std::vector<Scanner> registry = {
      {"postfix", scan_postfix},
      {"sendmail", scan_sendmail},
      {"exim", scan_exim},
      {"qmail", scan_qmail},
      {"exchange", scan_exchange},
  };
  return registry;
}

}  // namespace bounced
