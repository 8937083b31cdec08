// message_hash.cpp: SipHash-2-4 (Aumasson & Bernstein), 128-bit output variant, written from the
// specification.
#include "message_hash.hpp"

#include <sys/random.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace bounced {
namespace {

inline std::uint64_t rotl(std::uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

inline std::uint64_t load_le64(const unsigned char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);  // one load
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

struct State {
  std::uint64_t v0, v1, v2, v3;
  void round() {
    v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
    v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  }
};

}  // namespace

MessageHash siphash128(const HashKey& key, std::string_view data) {
  const std::uint64_t k0 = load_le64(key.data()), k1 = load_le64(key.data() + 8);
  State s{0x736f6d6570736575ULL ^ k0, 0x646f72616e646f6dULL ^ k1, 0x6c7967656e657261ULL ^ k0,
          0x7465646279746573ULL ^ k1};
  s.v1 ^= 0xee;
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  const std::size_t n = data.size();
  const std::size_t whole = n - n % 8;
  for (std::size_t i = 0; i < whole; i += 8) {
    const std::uint64_t m = load_le64(p + i);
    s.v3 ^= m;
    s.round();
    s.round();
    s.v0 ^= m;
  }
  std::uint64_t b = static_cast<std::uint64_t>(n) << 56;
  for (std::size_t i = 0; i < n % 8; ++i) b |= static_cast<std::uint64_t>(p[whole + i]) << (8 * i);
  s.v3 ^= b;
  s.round();
  s.round();
  s.v0 ^= b;
  s.v2 ^= 0xee;
  for (int i = 0; i < 4; ++i) s.round();
  const std::uint64_t lo = s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
  s.v1 ^= 0xdd;
  for (int i = 0; i < 4; ++i) s.round();
  const std::uint64_t hi = s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
  return {hi, lo};
}

std::string MessageHash::hex() const {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(32, '0');
  for (int i = 0; i < 16; ++i) {
    out[15 - i] = digits[(hi >> (4 * i)) & 15];
    out[31 - i] = digits[(lo >> (4 * i)) & 15];
  }
  return out;
}

std::optional<MessageHash> MessageHash::from_hex(std::string_view s) {
  if (s.size() != 32) return std::nullopt;
  MessageHash h;
  for (int i = 0; i < 32; ++i) {
    const char c = s[i];
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else return std::nullopt;
    auto& w = i < 16 ? h.hi : h.lo;
    w = (w << 4) | static_cast<std::uint64_t>(d);
  }
  return h;
}

HashKey random_hash_key() {
  HashKey k{};
  std::size_t got = 0;
  while (got < k.size()) {
    const ssize_t n = ::getrandom(k.data() + got, k.size() - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("getrandom: ") + std::strerror(errno));
    }
    got += static_cast<std::size_t>(n);
  }
  return k;
}

}  // namespace bounced
