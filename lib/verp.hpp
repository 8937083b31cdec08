// verp.hpp: Variable Envelope Return Paths. The sending side puts the subscriber's address (and
// optionally the list, and an HMAC tag) into the envelope sender; the bounce comes back to that
// address, so the envelope recipient of the bounce names the subscriber even when the DSN only
// names an alias or a forward. Pure: no I/O.
//
// Forms (defaults: prefix "bounces", separator '+', equals '='), for subscriber a.b=c@example.org:
//   bounces+a.b=c=example.org@lists.example.net                 plain (Postfix / Mailman form)
//   news-bounces+a.b=c=example.org@lists.example.net            list "news", placement before_prefix
//   bounces+news+a.b=c=example.org@lists.example.net            list "news", placement field
//   bounces+a.b=c=example.org+k5x2m7qzbd@lists.example.net      signed: tag after the domain
// The LAST equals sign separates the subscriber's local part from its domain (a domain never holds
// '='), and the tag follows a separator after the domain (a domain never holds '+'), so local parts
// containing '=' or '+' decode unambiguously. The tag is HMAC-SHA256 over "v1\n" address "\n" list
// (both lowercased), truncated to `tag_length` characters of lowercase base32 (or hex).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace bounced {

enum class VerpListPlacement {
  before_prefix,  // LIST-bounces+local=domain@host (Mailman 3); a plain "bounces+" means no list
  field,          // bounces+LIST+local=domain@host; the LIST field is always present (may be empty)
};

struct VerpScheme {
  std::string prefix = "bounces";
  char separator = '+';
  char equals = '=';
  VerpListPlacement list_placement = VerpListPlacement::before_prefix;
  char list_joiner = '-';          // between LIST and prefix for before_prefix
  std::vector<std::string> hosts;  // return-path hosts accepted by decode; empty = any host
};

enum class VerpTagEncoding { base32, hex };

struct VerpSigning {
  std::string secret;  // empty = signing disabled
  std::size_t tag_length = 10;  // characters of the tag (base32: 4..52, hex: 4..64)
  VerpTagEncoding encoding = VerpTagEncoding::base32;
  bool enabled() const { return !secret.empty(); }
};

// Hard limits on what encode writes and decode reads.
inline constexpr std::size_t kMaxVerpAddressBytes = 512;
inline constexpr std::size_t kMaxListNameBytes = 64;

// "" when the scheme / signing settings are usable, else what is wrong.
std::string validate(const VerpScheme& scheme);
std::string validate(const VerpSigning& signing);

// A list name may hold letters, digits, '.', '_' and '-' (1..kMaxListNameBytes bytes).
bool is_valid_list_name(std::string_view list);

struct VerpEncoded {
  std::string address;  // the envelope sender to use
  std::string error;    // set when the input could not be encoded
  bool ok() const { return error.empty(); }
};

// Builds the envelope sender for `subscriber` (local@domain), optional `list`, at `host`.
// Signs when `signing.enabled()`.
VerpEncoded verp_encode(const VerpScheme& scheme, const VerpSigning& signing, std::string_view subscriber,
                        std::string_view list, std::string_view host);

enum class VerpStatus {
  not_verp,   // the address is not in the configured form (wrong prefix, host, or no separator)
  malformed,  // the prefix matched but the rest does not decode
  ok,
};
enum class VerpSignature {
  absent,   // no tag in the address, or signing disabled (cannot check)
  valid,    // tag present and matches
  invalid,  // tag present and does not match: treat as forged
};
const char* to_string(VerpStatus s);
const char* to_string(VerpSignature s);

struct VerpDecoded {
  VerpStatus status = VerpStatus::not_verp;
  std::string subscriber;  // local@domain as written in the address
  std::string list;        // "" when the address names no list
  std::string tag;         // "" when unsigned
  VerpSignature signature = VerpSignature::absent;
  std::string error;       // why it is malformed
  bool ok() const { return status == VerpStatus::ok; }
  bool verified() const { return status == VerpStatus::ok && signature == VerpSignature::valid; }
};

// Reads an envelope recipient (a bare address or <address>).
VerpDecoded verp_decode(const VerpScheme& scheme, const VerpSigning& signing, std::string_view address);

// The tag for (subscriber, list); "" when signing is disabled.
std::string verp_tag(const VerpSigning& signing, std::string_view subscriber, std::string_view list);

// The form an address is stored and compared in: trimmed, <> removed, lowercased (ASCII).
std::string normalize_address(std::string_view address);

}  // namespace bounced
