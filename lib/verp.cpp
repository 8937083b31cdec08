// verp.cpp: see verp.hpp.
#include "verp.hpp"

#include "digest.hpp"
#include "text.hpp"

namespace bounced {
namespace {

constexpr std::size_t kMaxBase32TagChars = 52;  // 256 bits / 5, rounded up
constexpr std::size_t kMaxHexTagChars = 64;
constexpr std::size_t kMinTagChars = 4;

bool is_ascii_alnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// A domain as it can appear after the equals sign: LDH labels and dots (UTF-8 bytes allowed for
// internationalised names), or an address literal in brackets.
bool is_valid_domain(std::string_view d) {
  if (d.empty() || d.size() > 255) return false;
  if (d.front() == '[') {
    if (d.size() < 3 || d.back() != ']') return false;
    for (unsigned char c : d.substr(1, d.size() - 2))
      if (!(is_ascii_alnum(c) || c == '.' || c == ':' || c == '-')) return false;
    return true;
  }
  if (d.front() == '.' || d.back() == '.' || d.find("..") != std::string_view::npos) return false;
  for (unsigned char c : d)
    if (!(is_ascii_alnum(c) || c == '.' || c == '-' || c >= 0x80)) return false;
  return true;
}

// A local part we are willing to carry inside another local part: printable, no quoting needed.
bool is_plain_local_part(std::string_view l) {
  if (l.empty() || l.size() > 256) return false;
  for (unsigned char c : l)
    if (c <= 0x20 || c == 0x7f || c == '"' || c == '@' || c == '<' || c == '>' || c == '\\' || c == ',' ||
        c == ';' || c == '(' || c == ')' || c == '[' || c == ']' || c == ':')
      return false;
  return true;
}

// Separator and equals sign must never occur in a domain, or the split after the last equals sign
// (and the tag after the domain) would be ambiguous; the list joiner may also be '-' or '.'.
bool is_valid_separator(char c) { return c == '+' || c == '=' || c == '_' || c == '#' || c == '%'; }
bool is_valid_joiner(char c) { return is_valid_separator(c) || c == '-' || c == '.'; }

std::string_view strip_brackets(std::string_view a) {
  a = text::trim(a);
  if (a.size() >= 2 && a.front() == '<' && a.back() == '>') a = text::trim(a.substr(1, a.size() - 2));
  return a;
}

bool iends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && text::iequals(s.substr(s.size() - suffix.size()), suffix);
}

}  // namespace

const char* to_string(VerpStatus s) {
  switch (s) {
    case VerpStatus::not_verp: return "not_verp";
    case VerpStatus::malformed: return "malformed";
    case VerpStatus::ok: return "ok";
  }
  return "?";
}

const char* to_string(VerpSignature s) {
  switch (s) {
    case VerpSignature::absent: return "absent";
    case VerpSignature::valid: return "valid";
    case VerpSignature::invalid: return "invalid";
  }
  return "?";
}

std::string validate(const VerpScheme& s) {
  if (s.prefix.empty() || s.prefix.size() > 64) return "VERP prefix must be 1..64 characters";
  for (unsigned char c : s.prefix)
    if (!(is_ascii_alnum(c) || c == '-' || c == '_' || c == '.'))
      return "VERP prefix may hold only letters, digits, '-', '_' and '.'";
  if (!is_valid_separator(s.separator) || !is_valid_separator(s.equals))
    return "VERP separator and equals sign must each be one of + = _ # %";
  if (!is_valid_joiner(s.list_joiner)) return "VERP list joiner must be one of + = _ # % - .";
  if (s.separator == s.equals) return "VERP separator and equals sign must differ";
  if (s.list_placement == VerpListPlacement::before_prefix && s.list_joiner == s.separator)
    return "VERP list joiner and separator must differ";
  if (s.prefix.find(s.separator) != std::string::npos || s.prefix.find(s.equals) != std::string::npos)
    return "VERP prefix must not contain the separator or the equals sign";
  return "";
}

std::string validate(const VerpSigning& g) {
  if (!g.enabled()) return "";
  if (g.secret.size() < 16) return "VERP signing secret must be at least 16 bytes";
  const std::size_t max = g.encoding == VerpTagEncoding::base32 ? kMaxBase32TagChars : kMaxHexTagChars;
  if (g.tag_length < kMinTagChars || g.tag_length > max)
    return "VERP tag length must be between " + std::to_string(kMinTagChars) + " and " + std::to_string(max);
  return "";
}

bool is_valid_list_name(std::string_view list) {
  if (list.empty() || list.size() > kMaxListNameBytes) return false;
  for (unsigned char c : list)
    if (!(is_ascii_alnum(c) || c == '.' || c == '_' || c == '-')) return false;
  return true;
}

std::string normalize_address(std::string_view address) { return text::lower(strip_brackets(address)); }

std::string verp_tag(const VerpSigning& signing, std::string_view subscriber, std::string_view list) {
  if (!signing.enabled()) return "";
  std::string data = "v1\n";
  data += normalize_address(subscriber);
  data += '\n';
  data += text::lower(list);
  const auto mac = digest::hmac_sha256(signing.secret, data);
  std::string tag = signing.encoding == VerpTagEncoding::hex ? digest::to_hex(mac)
                                                             : digest::to_base32(mac.data(), mac.size());
  if (tag.size() > signing.tag_length) tag.resize(signing.tag_length);
  return tag;
}

VerpEncoded verp_encode(const VerpScheme& scheme, const VerpSigning& signing, std::string_view subscriber,
                        std::string_view list, std::string_view host) {
  VerpEncoded out;
  if (auto e = validate(scheme); !e.empty()) return {"", e};
  if (auto e = validate(signing); !e.empty()) return {"", e};
  subscriber = strip_brackets(subscriber);
  const auto at = subscriber.rfind('@');
  if (at == std::string_view::npos) return {"", "address has no '@': " + std::string(subscriber)};
  const auto local = subscriber.substr(0, at);
  const auto domain = subscriber.substr(at + 1);
  if (!is_plain_local_part(local)) return {"", "local part cannot be carried in VERP: " + std::string(local)};
  if (!is_valid_domain(domain)) return {"", "not a valid domain: " + std::string(domain)};
  if (!list.empty() && !is_valid_list_name(list))
    return {"", "list name may hold only letters, digits, '.', '_' and '-' (at most 64)"};
  if (!is_valid_domain(host)) return {"", "not a valid return-path host: " + std::string(host)};

  std::string& a = out.address;
  if (!list.empty() && scheme.list_placement == VerpListPlacement::before_prefix) {
    a += list;
    a += scheme.list_joiner;
  }
  a += scheme.prefix;
  a += scheme.separator;
  if (scheme.list_placement == VerpListPlacement::field) {
    a += list;
    a += scheme.separator;
  }
  a += local;
  a += scheme.equals;
  a += domain;
  if (signing.enabled()) {
    a += scheme.separator;
    a += verp_tag(signing, subscriber, list);
  }
  a += '@';
  a += host;
  if (a.size() > kMaxVerpAddressBytes) return {"", "encoded address is longer than 512 bytes"};
  return out;
}

VerpDecoded verp_decode(const VerpScheme& scheme, const VerpSigning& signing, std::string_view address) {
  VerpDecoded out;
  auto malformed = [&](std::string why) {
    out = VerpDecoded{};
    out.status = VerpStatus::malformed;
    out.error = std::move(why);
    return out;
  };
  address = strip_brackets(address);
  if (address.empty() || address.size() > kMaxVerpAddressBytes) return out;
  const auto at = address.rfind('@');
  if (at == std::string_view::npos || at == 0) return out;
  std::string_view local = address.substr(0, at);
  const std::string_view host = address.substr(at + 1);
  if (local.size() >= 2 && local.front() == '"' && local.back() == '"') local = local.substr(1, local.size() - 2);
  if (!scheme.hosts.empty()) {
    bool known = false;
    for (const auto& h : scheme.hosts) known = known || text::iequals(h, host);
    if (!known) return out;
  }

  const auto sep = local.find(scheme.separator);
  if (sep == std::string_view::npos) return out;
  const std::string_view head = local.substr(0, sep);
  std::string_view rest = local.substr(sep + 1);
  const std::string joined_prefix = std::string(1, scheme.list_joiner) + scheme.prefix;
  if (text::iequals(head, scheme.prefix)) {
    if (scheme.list_placement == VerpListPlacement::field) {
      const auto list_end = rest.find(scheme.separator);
      if (list_end == std::string_view::npos) return malformed("no list field");
      out.list = std::string(rest.substr(0, list_end));
      rest = rest.substr(list_end + 1);
    }
  } else if (scheme.list_placement == VerpListPlacement::before_prefix && head.size() > joined_prefix.size() &&
             iends_with(head, joined_prefix)) {
    out.list = std::string(head.substr(0, head.size() - joined_prefix.size()));
  } else {
    return out;
  }
  if (!out.list.empty() && !is_valid_list_name(out.list)) return malformed("invalid list name");

  const auto eq = rest.rfind(scheme.equals);
  if (eq == std::string_view::npos) return malformed("no '" + std::string(1, scheme.equals) + "' before the domain");
  const std::string_view sub_local = rest.substr(0, eq);
  std::string_view domain = rest.substr(eq + 1);
  if (const auto t = domain.find(scheme.separator); t != std::string_view::npos) {
    out.tag = text::lower(domain.substr(t + 1));
    domain = domain.substr(0, t);
    if (out.tag.empty()) return malformed("empty tag");
  }
  if (sub_local.empty()) return malformed("empty local part");
  if (!is_valid_domain(domain)) return malformed("invalid domain '" + std::string(domain) + "'");
  out.subscriber.reserve(sub_local.size() + 1 + domain.size());
  out.subscriber.append(sub_local).append("@").append(domain);
  out.status = VerpStatus::ok;

  if (!out.tag.empty() && signing.enabled()) {
    const std::string expected = verp_tag(signing, out.subscriber, out.list);
    out.signature =
        digest::constant_time_equal(expected, out.tag) ? VerpSignature::valid : VerpSignature::invalid;
  }
  return out;
}

}  // namespace bounced
