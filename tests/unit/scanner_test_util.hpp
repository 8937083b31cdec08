// scanner_test_util.hpp: runs one registered scanner over a hand-written notification text.
#pragma once
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

#include "scanner.hpp"

namespace bounced::testing {

// Runs the scanner registered as `name` over `body` (the notification's plain text), with the given
// top-level Subject. Fails the test when no such scanner is registered.
inline std::optional<ScanResult> run_scanner(std::string_view name, std::string_view body,
                                             std::string_view subject = {}) {
  static const MimePart root{};
  ScanInput in{root, std::string(subject), {}, std::string(body), nullptr, nullptr};
  for (const auto& s : scanner_registry())
    if (name == s.name) return s.scan(in);
  ADD_FAILURE() << "no scanner named " << name;
  return std::nullopt;
}

}  // namespace bounced::testing
