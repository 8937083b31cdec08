// json.cpp: see json.hpp.
#include "json.hpp"

#include <cstdio>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "decode.hpp"
#include "text.hpp"

namespace bounced {

namespace {

// Bytes copied as they are: printable ASCII other than '"' and '\\', and UTF-8 sequence bytes.
struct PlainBytes {
  bool plain[256] = {};
  constexpr PlainBytes() {
    for (int c = 0x20; c < 0x100; ++c) plain[c] = c != '"' && c != '\\' && c != 0x7f;
  }
};
constexpr PlainBytes kPlain;

// The same without the bytes of UTF-8 sequences (which need checking).
struct PlainAsciiBytes {
  bool plain[256] = {};
  constexpr PlainAsciiBytes() {
    for (int c = 0x20; c < 0x7f; ++c) plain[c] = c != '"' && c != '\\';
  }
};
constexpr PlainAsciiBytes kPlainAscii;

// Escapes `s` (valid UTF-8) into `out`, copying runs of plain bytes in one go.
void append_escaped(std::string& out, std::string_view s) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    std::size_t run = i;
    while (run < n && kPlain.plain[static_cast<unsigned char>(s[run])]) ++run;
    out.append(s.data() + i, run - i);
    if (run == n) break;
    const unsigned char c = static_cast<unsigned char>(s[run]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      }
    }
    i = run + 1;
  }
}

// Length of the leading run of printable ASCII other than '"' and '\\' (bytes copied as they are
// and needing no UTF-8 check).
std::size_t plain_ascii_prefix(std::string_view s) {
  const char* p = s.data();
  const std::size_t n = s.size();
  std::size_t i = 0;
#if defined(__SSE2__)
  // A byte is special when it is below 0x20 or at/above 0x7f (as a signed byte: below 0x20 or
  // equal to 0x7f), or '"' or '\\'.
  const __m128i space = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7f);
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  auto special_at = [&](std::size_t at) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + at));
    const __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, del)),
                                         _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
    return static_cast<unsigned>(_mm_movemask_epi8(special));
  };
  for (; i + 16 <= n; i += 16)
    if (const unsigned mask = special_at(i); mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(mask));
  // The last bytes: one block ending at the end, overlapping bytes already known to be plain.
  if (i < n && n >= 16) {
    const unsigned mask = special_at(n - 16);
    return mask != 0 ? n - 16 + static_cast<std::size_t>(__builtin_ctz(mask)) : n;
  }
#endif
  while (i < n && kPlainAscii.plain[static_cast<unsigned char>(p[i])]) ++i;
  return i;
}

}  // namespace

void append_json_string(std::string& out, std::string_view raw) {
  out.push_back('"');
  // Most values are plain ASCII: copied in one go.
  const std::size_t plain = plain_ascii_prefix(raw);
  out.append(raw.data(), plain);
  raw.remove_prefix(plain);
  if (!raw.empty()) {
    if (text::is_ascii(raw))
      append_escaped(out, raw);  // ASCII is valid UTF-8: nothing to sanitise
    else
      append_escaped(out, sanitize_utf8(raw));
  }
  out.push_back('"');
}

std::string recipient_json(const MessageReport& m, const RecipientResult& r, std::string_view file) {
  std::string o;
  append_recipient_json(o, m, r, file);
  return o;
}

void append_recipient_json(std::string& o, const MessageReport& m, const RecipientResult& r, std::string_view file) {
  o.reserve(o.size() + 1024);
  // Each key is written with the punctuation before it in one append (keys are plain ASCII).
  auto str = [&](std::string_view key_with_punctuation, std::string_view v) {
    o.append(key_with_punctuation);
    append_json_string(o, v);
  };
  str("{\"file\": ", file);
  str(", \"kind\": ", to_string(m.kind));
  str(", \"recipient\": ", r.recipient);
  str(", \"original_recipient\": ", r.original_recipient);
  str(", \"action\": ", r.action);
  str(", \"status\": ", r.status);
  str(", \"status_class\": ", r.status_class);
  str(", \"status_subject\": ", r.status_subject);
  str(", \"reply_code\": ", r.reply_code);
  str(", \"reason\": ", r.reason);
  o.append(r.hard_bounce ? ", \"hard_bounce\": true" : ", \"hard_bounce\": false");
  str(", \"diagnostic_code\": ", r.diagnostic_code);
  str(", \"diagnostic_type\": ", r.diagnostic_type);
  str(", \"remote_mta\": ", r.remote_mta);
  str(", \"reporting_mta\": ", m.fields.reporting_mta);
  str(", \"smtp_command\": ", r.smtp_command);
  str(", \"last_attempt_date\": ", r.last_attempt_date);
  if (!r.feedback_type.empty()) str(", \"feedback_type\": ", r.feedback_type);
  str(", \"message_id\": ", m.original.message_id);
  str(", \"list_id\": ", m.original.list_id);
  str(", \"subject\": ", m.original.subject);
  str(", \"original_from\": ", m.original.from);
  str(", \"original_to\": ", m.original.to);
  str(", \"scanner\": ", m.scanner);
  str(", \"decided_by\": ", r.decided_by);
  o.push_back('}');
}

}  // namespace bounced
