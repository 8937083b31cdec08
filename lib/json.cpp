// json.cpp: see json.hpp.
#include "json.hpp"

#include <cstdio>
#include <cstring>
#include <iterator>

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

// True when the n bytes at p are all printable ASCII other than '"' and '\\' (plain_ascii_prefix(p,
// n) == n). The sixteen bytes from p + n on must be readable (they are not looked at).
bool is_plain_ascii(const char* p, std::size_t n) {
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7f);
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  for (std::size_t i = 0; i < n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, del)),
                                         _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
    unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(special));
    if (n - i < 16) mask &= (1u << (n - i)) - 1;  // bytes past the end do not count
    if (mask != 0) return false;
  }
  return true;
#else
  return plain_ascii_prefix(std::string_view(p, n)) == n;
#endif
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

namespace {
// A key with the punctuation before it, in 32 zero-padded bytes: copied as one fixed-size block
// (no call), after which the write position moves on by its length.
struct PaddedKey {
  static constexpr std::size_t kRoom = 32;
  char text[kRoom] = {};
  std::size_t size = 0;
  constexpr PaddedKey(std::string_view k) : size(k.size()) {
    if (k.size() > kRoom) throw "key too long";
    for (std::size_t i = 0; i < k.size(); ++i) text[i] = k[i];
  }
};
constexpr PaddedKey kFileKey{"{\"file\": "};
constexpr PaddedKey kKindKey{", \"kind\": "};
constexpr PaddedKey kRecipientKey{", \"recipient\": "};
constexpr PaddedKey kOriginalRecipientKey{", \"original_recipient\": "};
constexpr PaddedKey kActionKey{", \"action\": "};
constexpr PaddedKey kStatusKey{", \"status\": "};
constexpr PaddedKey kStatusClassKey{", \"status_class\": "};
constexpr PaddedKey kStatusSubjectKey{", \"status_subject\": "};
constexpr PaddedKey kReplyCodeKey{", \"reply_code\": "};
constexpr PaddedKey kReasonKey{", \"reason\": "};
constexpr PaddedKey kHardBounceTrueKey{", \"hard_bounce\": true"};
constexpr PaddedKey kHardBounceFalseKey{", \"hard_bounce\": false"};
constexpr PaddedKey kDiagnosticCodeKey{", \"diagnostic_code\": "};
constexpr PaddedKey kDiagnosticTypeKey{", \"diagnostic_type\": "};
constexpr PaddedKey kRemoteMtaKey{", \"remote_mta\": "};
constexpr PaddedKey kReportingMtaKey{", \"reporting_mta\": "};
constexpr PaddedKey kSmtpCommandKey{", \"smtp_command\": "};
constexpr PaddedKey kLastAttemptDateKey{", \"last_attempt_date\": "};
constexpr PaddedKey kFeedbackTypeKey{", \"feedback_type\": "};
constexpr PaddedKey kMessageIdKey{", \"message_id\": "};
constexpr PaddedKey kListIdKey{", \"list_id\": "};
constexpr PaddedKey kSubjectKey{", \"subject\": "};
constexpr PaddedKey kOriginalFromKey{", \"original_from\": "};
constexpr PaddedKey kOriginalToKey{", \"original_to\": "};
constexpr PaddedKey kScannerKey{", \"scanner\": "};
constexpr PaddedKey kDecidedByKey{", \"decided_by\": "};
constexpr PaddedKey kEndKey{"}"};
}  // namespace

void append_recipient_json(std::string& o, const MessageReport& m, const RecipientResult& r, std::string_view file) {
  // The record's pieces in order: a key, then its value as a JSON string; hard_bounce and the
  // closing brace are keys alone; a piece without a key (feedback_type when there is none) is left out.
  struct Piece {
    const PaddedKey* key;
    std::string_view value = {};
    bool quoted = true;
  };
  const Piece pieces[] = {
      {&kFileKey, file},
      {&kKindKey, to_string(m.kind)},
      {&kRecipientKey, r.recipient},
      {&kOriginalRecipientKey, r.original_recipient},
      {&kActionKey, r.action},
      {&kStatusKey, r.status},
      {&kStatusClassKey, r.status_class},
      {&kStatusSubjectKey, r.status_subject},
      {&kReplyCodeKey, r.reply_code},
      {&kReasonKey, r.reason},
      {r.hard_bounce ? &kHardBounceTrueKey : &kHardBounceFalseKey, {}, false},
      {&kDiagnosticCodeKey, r.diagnostic_code},
      {&kDiagnosticTypeKey, r.diagnostic_type},
      {&kRemoteMtaKey, r.remote_mta},
      {&kReportingMtaKey, m.fields.reporting_mta},
      {&kSmtpCommandKey, r.smtp_command},
      {&kLastAttemptDateKey, r.last_attempt_date},
      {r.feedback_type.empty() ? nullptr : &kFeedbackTypeKey, r.feedback_type},
      {&kMessageIdKey, m.original.message_id},
      {&kListIdKey, m.original.list_id},
      {&kSubjectKey, m.original.subject},
      {&kOriginalFromKey, m.original.from},
      {&kOriginalToKey, m.original.to},
      {&kScannerKey, m.scanner},
      {&kDecidedByKey, r.decided_by},
      {&kEndKey, {}, false},
  };
  // The pieces are gathered in a buffer on the stack and appended to `o` in one go. A value is
  // copied first and checked where it landed (sixteen bytes at a time: the buffer keeps sixteen
  // bytes of room past it, cleared, so a block may run over the value's end): plain printable
  // ASCII, the usual case, stays; else the buffer is flushed and the value appended escaped.
  o.reserve(o.size() + 1024);  // (a record is usually shorter, and the caller adds a line end)
  constexpr std::size_t kBuffer = 2048, kSlack = PaddedKey::kRoom;  // (a key block, or a value's sixteen)
  char buf[kBuffer + kSlack];
  char* w = buf;
  auto flush = [&] {
    o.append(buf, static_cast<std::size_t>(w - buf));
    w = buf;
  };
  for (const Piece& p : pieces) {
    if (!p.key) continue;
    const std::size_t need = p.key->size + (p.quoted ? p.value.size() + 2 : 0);
    if (static_cast<std::size_t>(w - buf) + need > kBuffer) flush();
    if (need > kBuffer) {  // a long value (a diagnostic of many lines): written the plain way
      o.append(p.key->text, p.key->size);
      if (p.quoted) append_json_string(o, p.value);
      continue;
    }
    std::memcpy(w, p.key->text, PaddedKey::kRoom);
    w += p.key->size;
    if (!p.quoted) continue;
    const std::string_view v = p.value;
    *w++ = '"';
    if (!v.empty()) std::memcpy(w, v.data(), v.size());
    std::memset(w + v.size(), 0, kSlack);
    if (!is_plain_ascii(w, v.size())) {
      --w;  // the opening quote: append_json_string writes its own
      flush();
      append_json_string(o, v);
      continue;
    }
    w += v.size();
    *w++ = '"';
  }
  flush();
}

}  // namespace bounced
