// digest.hpp: the few cryptographic primitives bounced needs, over OpenSSL's libcrypto: SHA-256
// (message content hashes for idempotent storage), HMAC-SHA256 (signed VERP tags, webhook
// signatures), constant-time comparison, and hex / base32 text forms. Pure: no I/O, no state.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace bounced::digest {

using Sha256 = std::array<std::uint8_t, 32>;

Sha256 sha256(std::string_view data);
Sha256 hmac_sha256(std::string_view key, std::string_view data);

// Lowercase hexadecimal, two characters per byte.
std::string to_hex(const std::uint8_t* bytes, std::size_t n);
inline std::string to_hex(const Sha256& d) { return to_hex(d.data(), d.size()); }
inline std::string sha256_hex(std::string_view data) { return to_hex(sha256(data)); }

// RFC 4648 base32 in lowercase without padding ("abcdefghijklmnopqrstuvwxyz234567"): safe in the
// local part of an address and unharmed by MTAs that fold case.
std::string to_base32(const std::uint8_t* bytes, std::size_t n);

// Equal length and equal bytes, in time that depends only on the length.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace bounced::digest
