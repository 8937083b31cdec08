// message_hash.hpp: the identity of a message for idempotency: SipHash-2-4 with 128-bit output over
// the raw bytes, keyed with a per-installation secret (so nobody can craft a collision that hides
// another message's bounce).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace bounced {

struct MessageHash {
  std::uint64_t hi = 0, lo = 0;
  bool operator==(const MessageHash&) const = default;
  std::string hex() const;                                  // 32 lowercase hex digits
  static std::optional<MessageHash> from_hex(std::string_view);
};

struct MessageHashHasher {
  std::size_t operator()(const MessageHash& h) const noexcept { return static_cast<std::size_t>(h.lo ^ (h.hi * 31)); }
};

using HashKey = std::array<std::uint8_t, 16>;

MessageHash siphash128(const HashKey& key, std::string_view data);

// 16 bytes from getrandom(2).
HashKey random_hash_key();

}  // namespace bounced
