// exchange.cpp: placeholder scanner (replaced by the real one).
#include "scanner.hpp"

namespace bounced {
std::optional<ScanResult> scan_exchange(const ScanInput&) { return std::nullopt; }
}  // namespace bounced
