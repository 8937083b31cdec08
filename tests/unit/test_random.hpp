// test_random.hpp: the deterministic generator behind the randomized unit tests (a linear
// congruential generator), so that a seed gives the same inputs on every run and machine and a
// failure can be replayed. Shared by the tests that compare a fast path with its plain rule.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace bounced::test {

class TestRandom {
 public:
  explicit TestRandom(std::uint32_t seed) : state_(seed) {}

  // A number in [0, bound).
  std::uint32_t next(std::uint32_t bound) {
    state_ = state_ * 1664525u + 1013904223u;
    return (state_ >> 8) % bound;
  }

  // `n` characters drawn from `alphabet`.
  std::string text(std::size_t n, std::string_view alphabet) {
    std::string s(n, ' ');
    for (auto& c : s) c = alphabet[next(static_cast<std::uint32_t>(alphabet.size()))];
    return s;
  }

 private:
  std::uint32_t state_;
};

}  // namespace bounced::test
