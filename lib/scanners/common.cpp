// common.cpp: see common.hpp.
#include "common.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <functional>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "dsn.hpp"
#include "text.hpp"

namespace bounced::scan {
namespace {

inline bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_blank(char c) { return c == ' ' || c == '\t'; }
inline char lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// Largest header block we keep from an inline original.
constexpr std::size_t kMaxHeaderBlock = 64 * 1024;

// SMTP commands as scanners report them, and the words that name them in error texts.
struct CommandName {
  std::string_view word;     // lowercase, as written after "after " / "in reply to " ...
  std::string_view command;  // what we report
};
constexpr CommandName kCommands[] = {
    {"rcpt", "RCPT"},         {"mail", "MAIL"}, {"data", "DATA"}, {"bdat", "DATA"},
    {"ehlo", "EHLO"},         {"helo", "HELO"}, {"lhlo", "HELO"}, {"starttls", "STARTTLS"},
    {"auth", "AUTH"},         {"quit", "QUIT"}, {"rset", "RSET"}, {"xforward", "XFORWARD"},
};

// Phrases that introduce the command an error came after; `fixed` is the command when the phrase
// itself names it.
struct CommandAnchor {
  std::string_view phrase;  // lowercase
  std::string_view fixed;   // "" = read the command word that follows
};
constexpr CommandAnchor kAnchors[] = {
    {"after end of data", "DATA"},
    {"in reply to end of data", "DATA"},
    {"after initial connection", "CONN"},
    {"did not like our final data", "DATA"},
    {"after pipelined ", ""},
    {"in reply to ", ""},
    {"after ", ""},
    {"did not like our ", ""},
    {"progress was ", ""},
    {"while sending ", ""},
};

}  // namespace

MarkerHit find_marker(std::string_view text, std::span<const std::string_view> markers, std::size_t from) {
  // One pass over the text whatever the number of markers: a position is a candidate only when its
  // (lowercased) byte starts some marker, and only those markers are compared there.
  bool starts[256] = {};
  std::size_t shortest = npos;
  for (const auto m : markers) {
    if (m.empty()) continue;
    starts[static_cast<unsigned char>(lower_ascii(m[0]))] = true;
    shortest = std::min(shortest, m.size());
  }
  MarkerHit hit;
  if (shortest == npos || text.size() < shortest) return hit;
  const std::size_t last = text.size() - shortest;
  // Compares the markers that start with text[pos]'s byte at pos.
  auto try_at = [&](std::size_t pos) {
    const char c = lower_ascii(text[pos]);
    if (!starts[static_cast<unsigned char>(c)]) return false;
    for (std::size_t i = 0; i < markers.size(); ++i) {
      const auto m = markers[i];
      if (m.empty() || lower_ascii(m[0]) != c || m.size() > text.size() - pos) continue;
      std::size_t k = 1;
      while (k < m.size() && lower_ascii(text[pos + k]) == lower_ascii(m[k])) ++k;
      if (k == m.size()) {
        hit.pos = pos;
        hit.index = i;
        hit.end = pos + m.size();
        return true;
      }
    }
    return false;
  };
  std::size_t pos = from;
#if defined(__SSE2__)
  // Sixteen positions at a time when few distinct bytes start the markers (and few stand at the
  // shortest marker's last offset): a position is a candidate when its byte is one of the first
  // bytes and the byte `far` places on one of those (a letter compared with its 0x20 bit set,
  // which folds case and nothing else). Bytes far apart rule out more than two neighbours do
  // ("co" starts many words, not only "content-type:").
  constexpr std::size_t kMaxVectorBytes = 6;
  struct ByteSet {
    __m128i want[kMaxVectorBytes], fold[kMaxVectorBytes];
    std::size_t count = 0;
    bool usable = true;
    void add(unsigned char c) {
      for (std::size_t k = 0; k < count; ++k)
        if (static_cast<unsigned char>(_mm_cvtsi128_si32(want[k])) == c) return;
      if (count == kMaxVectorBytes) {
        usable = false;
        return;
      }
      want[count] = _mm_set1_epi8(static_cast<char>(c));
      fold[count] = _mm_set1_epi8(static_cast<char>(c >= 'a' && c <= 'z' ? 0x20 : 0));
      ++count;
    }
    __m128i match(__m128i block) const {
      __m128i any = _mm_setzero_si128();
      for (std::size_t k = 0; k < count; ++k)
        any = _mm_or_si128(any, _mm_cmpeq_epi8(_mm_or_si128(block, fold[k]), want[k]));
      return any;
    }
  };
  const std::size_t far = shortest - 1;  // every marker has a byte there
  ByteSet first, second;
  for (const auto m : markers) {
    if (m.empty()) continue;
    first.add(static_cast<unsigned char>(lower_ascii(m[0])));
    second.add(static_cast<unsigned char>(lower_ascii(m[far])));
  }
  if (first.usable && second.usable && shortest >= 2) {
    for (; pos + 15 <= last; pos += 16) {
      const auto* at = reinterpret_cast<const __m128i*>(text.data() + pos);
      const __m128i any = _mm_and_si128(first.match(_mm_loadu_si128(at)),
                                        second.match(_mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + pos + far))));
      for (unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(any)); mask != 0; mask &= mask - 1)
        if (try_at(pos + static_cast<std::size_t>(__builtin_ctz(mask)))) return hit;
    }
  }
#endif
  for (; pos <= last; ++pos)
    if (try_at(pos)) return hit;
  return hit;
}

namespace {
// From this many markers on, one pass over the text beats a substring search per marker.
constexpr std::size_t kOnePassMarkers = 3;

// Which hit a one-pass search reports: the earliest in the text (ties: the first listed), or the
// first listed that occurs anywhere.
enum class Pick { earliest, first_listed };

// Several (lowercase) markers sought in an already lowercased text in one pass whose steps usually
// skip nearly a whole window (Wu-Manber): the window is at most as long as the shortest marker,
// and the two bytes ending it, hashed, give how far the window can move before any marker's
// beginning could line up with it. Where it cannot move, the markers are compared there.
// marker_at(i) is marker i of `count`. Returns false (and leaves `hit` alone) when the set does not
// suit it (a very short marker; an empty one when the first listed is wanted).
template <typename MarkerAt>
bool one_pass_search(std::string_view text, std::size_t count, MarkerAt marker_at, Pick pick, MarkerHit& hit) {
  constexpr std::size_t kMinWindow = 6;
  constexpr std::size_t kTableBits = 11;
  constexpr std::size_t kMaxWindow = 64;
  std::size_t window = npos;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string_view m = marker_at(i);
    if (m.empty() && pick == Pick::first_listed) return false;
    if (!m.empty()) window = std::min(window, m.size());
  }
  if (window == npos) return true;  // no marker: no hit
  if (window < kMinWindow) return false;
  if (text.size() < window) return true;
  // A longer window skips further but costs more to set up (one table entry per marker byte in
  // it): about 12 instructions per entry against 8 per step of window - 1 bytes, so the best
  // window grows with the square root of the text's length over the number of markers.
  std::size_t best_window = kMinWindow;
  while (best_window < kMaxWindow && 3 * count * best_window * best_window < 2 * text.size()) ++best_window;
  window = std::min(window, best_window);
  auto block = [](char a, char b) {
    return ((static_cast<std::size_t>(static_cast<unsigned char>(a)) << 3) ^ static_cast<unsigned char>(b)) &
           ((std::size_t{1} << kTableBits) - 1);
  };
  const std::size_t longest_shift = std::min<std::size_t>(window - 1, 255);
  std::array<std::uint8_t, std::size_t{1} << kTableBits> shift;
  shift.fill(static_cast<std::uint8_t>(longest_shift));
  for (std::size_t i = 0; i < count; ++i) {
    const std::string_view m = marker_at(i);
    if (m.empty()) continue;
    for (std::size_t j = 0; j + 1 < window; ++j) {  // the block m[j], m[j + 1] ends window - 2 - j early
      const std::size_t distance = window - 2 - j;
      auto& s = shift[block(m[j], m[j + 1])];
      if (distance < s) s = static_cast<std::uint8_t>(distance);
    }
  }
  const char* const p = text.data();
  const std::size_t last = text.size() - window;  // last window start
  std::size_t candidates = count;                  // markers still able to improve on `hit`
  for (std::size_t pos = 0; pos <= last;) {
    const std::size_t s = shift[block(p[pos + window - 2], p[pos + window - 1])];
    if (s != 0) {
      pos += s;
      continue;
    }
    for (std::size_t i = 0; i < candidates; ++i) {
      const std::string_view m = marker_at(i);
      if (m.empty() || m[0] != p[pos] || m.size() > text.size() - pos) continue;
      if (std::memcmp(m.data(), p + pos, m.size()) == 0) {
        hit.pos = pos;
        hit.index = i;
        hit.end = pos + m.size();
        if (pick == Pick::earliest || i == 0) return true;
        candidates = i;  // only an earlier-listed marker can do better now
        break;
      }
    }
    ++pos;
  }
  return true;
}

// find_marker over an already lowercased text: one pass for a set of markers, else one fast
// substring search per marker.
MarkerHit find_marker_lowered(std::string_view lowered, std::span<const std::string_view> markers) {
  if (MarkerHit hit; markers.size() >= kOnePassMarkers &&
                     one_pass_search(lowered, markers.size(), [&](std::size_t i) { return markers[i]; }, Pick::earliest, hit))
    return hit;
  MarkerHit best;
  // Neighbouring markers often share a long beginning ("----- the following addresses had ..."):
  // when that beginning is nowhere in the text, none of the markers starting with it is searched.
  constexpr std::size_t kSharedPrefix = 16;
  std::string_view absent;  // a beginning found nowhere in the text ("" = none known)
  for (std::size_t i = 0; i < markers.size(); ++i) {
    const auto m = markers[i];
    if (m.empty()) continue;
    if (!absent.empty() && m.starts_with(absent)) continue;
    if (i + 1 < markers.size() && m.size() > kSharedPrefix && markers[i + 1].size() >= kSharedPrefix &&
        std::memcmp(m.data(), markers[i + 1].data(), kSharedPrefix) == 0) {
      const auto next = markers[i + 1];
      std::size_t shared = kSharedPrefix;
      while (shared < m.size() && shared < next.size() && m[shared] == next[shared]) ++shared;
      if (shared < m.size() &&
          !::memmem(lowered.data(), lowered.size(), m.data(), shared)) {
        absent = m.substr(0, shared);
        continue;
      }
    }
    // Only the text before the best hit so far can hold an earlier one.
    const std::size_t limit = best.pos == npos ? lowered.size() : std::min(lowered.size(), best.pos + m.size() - 1);
    const void* p = ::memmem(lowered.data(), limit, m.data(), m.size());
    if (!p) continue;
    best.pos = static_cast<std::size_t>(static_cast<const char*>(p) - lowered.data());
    best.index = i;
    best.end = best.pos + m.size();
  }
  return best;
}
}  // namespace

MarkerHit find_marker(const ScanInput& in, std::span<const std::string_view> markers) {
  return find_marker_lowered(in.body_lower(), markers);
}

MarkerHit find_marker(const ScanInput& in, std::string_view text, std::span<const std::string_view> markers) {
  const std::string_view body = in.body_text;
  const std::less<const char*> before;  // (a total order even for pointers into other strings)
  if (text.empty() || before(text.data(), body.data()) || before(body.data() + body.size(), text.data() + text.size()))
    return find_marker(text, markers);
  const std::size_t offset = static_cast<std::size_t>(text.data() - body.data());
  return find_marker_lowered(in.body_lower().substr(offset, text.size()), markers);
}

std::size_t line_start(std::string_view text, std::size_t pos) {
  if (pos > text.size()) pos = text.size();
  const auto nl = text.rfind('\n', pos == 0 ? 0 : pos - 1);
  if (pos == 0 || nl == npos) return 0;
  return nl + 1;
}

std::size_t next_line(std::string_view text, std::size_t pos) {
  const auto nl = text.find('\n', pos);
  return nl == npos ? text.size() : nl + 1;
}

namespace {
// `body` cut at the line holding `hit` (see split_at_original).
Split split_at_hit(std::string_view body, const MarkerHit& hit) {
  Split out{body, {}};
  if (!hit) return out;
  out.report = body.substr(0, line_start(body, hit.pos));
  auto rest = body.substr(next_line(body, hit.end));
  while (!rest.empty()) {  // skip blank lines before the original
    const auto nl = rest.find('\n');
    const auto line = rest.substr(0, nl);
    if (!text::trim(line).empty()) break;
    rest = nl == npos ? std::string_view{} : rest.substr(nl + 1);
  }
  out.original = rest;
  return out;
}
}  // namespace

Split split_at_original(std::string_view body, std::span<const std::string_view> original_markers) {
  return split_at_hit(body, find_marker(body, original_markers));
}

Split split_at_original(const ScanInput& in, std::string_view body, std::span<const std::string_view> original_markers) {
  return split_at_hit(body, find_marker(in, body, original_markers));
}

Split split_report(const ScanInput& in, std::string_view body, std::span<const std::string_view> end_markers,
                   std::span<const std::string_view> original_markers) {
  const auto end_hit = find_marker(in, body, end_markers);
  // When every original marker is also an end marker (the usual layout), none occurs before the
  // first end marker: the second search starts there (and is skipped when there is none).
  const bool nested = std::all_of(original_markers.begin(), original_markers.end(), [&](std::string_view m) {
    return std::find(end_markers.begin(), end_markers.end(), m) != end_markers.end();
  });
  Split out;
  out.report = end_hit ? body.substr(0, line_start(body, end_hit.pos)) : body;
  if (nested && !end_hit) return out;
  if (!nested) {
    out.original = split_at_hit(body, find_marker(in, body, original_markers)).original;
  } else {
    // From the first end marker on (it may well be the original marker itself).
    auto hit = find_marker(in, body.substr(end_hit.pos), original_markers);
    if (hit) {
      hit.pos += end_hit.pos;
      hit.end += end_hit.pos;
    }
    out.original = split_at_hit(body, hit).original;
  }
  return out;
}

std::string_view header_block(std::string_view original) {
  while (!original.empty() && (original.front() == '\n' || original.front() == '\r')) original.remove_prefix(1);
  // First line must look like "Name: value".
  const auto colon = original.find(':');
  const auto nl = original.find('\n');
  if (colon == npos || colon == 0 || (nl != npos && colon > nl)) return {};
  for (std::size_t i = 0; i < colon; ++i) {
    const char c = original[i];
    if (c <= ' ' || c > '~') return {};
  }
  auto end = original.find("\n\n");
  if (end == npos) end = original.size();
  return original.substr(0, std::min({end, original.size(), kMaxHeaderBlock}));
}

std::string command_word(std::string_view s) {
  s = text::trim(s);
  while (!s.empty() && (s.front() == '>' || s.front() == '<' || is_blank(s.front()))) s.remove_prefix(1);
  std::size_t n = 0;
  while (n < s.size() && is_alpha(s[n])) ++n;
  const auto word = s.substr(0, n);
  for (const auto& c : kCommands)
    if (text::iequals(word, c.word)) return std::string(c.command);
  return {};
}

// For each anchor, another anchor its phrase contains ("after end of data" holds "after "), or -1:
// when that one is nowhere in a text, neither is this one.
constexpr auto kAnchorBase = [] {
  std::array<int, std::size(kAnchors)> base{};
  for (std::size_t i = 0; i < std::size(kAnchors); ++i) {
    base[i] = -1;
    for (std::size_t j = 0; j < std::size(kAnchors); ++j)
      if (j != i && kAnchors[j].phrase.size() < kAnchors[i].phrase.size() &&
          kAnchors[i].phrase.find(kAnchors[j].phrase) != std::string_view::npos && base[i] < 0)
        base[i] = static_cast<int>(j);
  }
  return base;
}();
static_assert([] {
  for (const int b : kAnchorBase)
    if (b >= 0 && kAnchorBase[static_cast<std::size_t>(b)] >= 0) return false;  // one level only
  return true;
}());

std::string find_smtp_command(std::string_view text) {
  // Where each anchor first occurs (npos: nowhere); anchors without a base first, so that an
  // absent base rules out the anchors containing it without a search.
  std::array<std::size_t, std::size(kAnchors)> first{};
  for (std::size_t i = 0; i < std::size(kAnchors); ++i)
    if (kAnchorBase[i] < 0) first[i] = text::ifind(text, kAnchors[i].phrase);
  for (std::size_t i = 0; i < std::size(kAnchors); ++i)
    if (const int b = kAnchorBase[i]; b >= 0)
      first[i] = first[static_cast<std::size_t>(b)] == npos ? npos : text::ifind(text, kAnchors[i].phrase);
  // The earliest anchor that names a command wins.
  std::size_t best_pos = npos;
  std::string best;
  for (std::size_t i = 0; i < std::size(kAnchors); ++i) {
    const auto& a = kAnchors[i];
    for (std::size_t pos = first[i]; pos != npos && pos < best_pos; pos = text::ifind(text, a.phrase, pos + 1)) {
      if (pos > 0 && is_alpha(text[pos - 1])) continue;  // part of a longer word
      std::string cmd = a.fixed.empty() ? command_word(text.substr(pos + a.phrase.size(), 32))
                                        : std::string(a.fixed);
      if (!cmd.empty()) {
        best_pos = pos;
        best = std::move(cmd);
        break;
      }
    }
  }
  return best;
}

std::string find_remote_host(std::string_view text) {
  for (std::size_t pos = text::ifind(text, "host "); pos != npos; pos = text::ifind(text, "host ", pos + 1)) {
    if (pos > 0 && is_alpha(text[pos - 1])) continue;  // "localhost ", "ghost "
    auto rest = text.substr(pos + 5);
    while (!rest.empty() && is_blank(rest.front())) rest.remove_prefix(1);
    std::size_t n = 0;
    while (n < rest.size() && !is_blank(rest[n]) && rest[n] != '\n' && rest[n] != '[' && rest[n] != ':' &&
           rest[n] != ',' && rest[n] != '(' && rest[n] != ';')
      ++n;
    auto host = rest.substr(0, n);
    while (!host.empty() && host.back() == '.') host.remove_suffix(1);
    if (host.size() < 3 || host.size() > 255 || host.find('.') == npos || host.find('@') != npos) continue;
    if (!is_alpha(host.front()) && !is_digit(host.front())) continue;
    return std::string(host);
  }
  return {};
}

std::string leading_reply_code(std::string_view text) {
  auto code_at = [](std::string_view s) -> std::string {
    while (!s.empty() && (is_blank(s.front()) || s.front() == '\'' || s.front() == '"')) s.remove_prefix(1);
    if (s.size() < 3 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || !is_digit(s[1]) || !is_digit(s[2]))
      return {};
    if (s[1] > '5') return {};
    if (s.size() > 3 && s[3] != ' ' && s[3] != '-' && s[3] != '\t' && s[3] != '\n' && s[3] != '\'' &&
        s[3] != ',' && s[3] != ':')
      return {};
    return std::string(s.substr(0, 3));
  };
  if (auto c = code_at(text); !c.empty()) return c;
  static constexpr std::string_view kLeadIns[] = {"said:", "returned '", "]: ", "said ", "<<< ", "reply: "};
  for (auto lead : kLeadIns) {
    for (std::size_t pos = text::ifind(text, lead); pos != npos; pos = text::ifind(text, lead, pos + 1)) {
      if (auto c = code_at(text.substr(pos + lead.size())); !c.empty()) return c;
    }
  }
  return {};
}

const FixedReason* match_fixed(std::string_view lower_text, std::span<const FixedReason> table) {
  if (MarkerHit hit; table.size() >= kOnePassMarkers &&
                     one_pass_search(lower_text, table.size(), [&](std::size_t i) { return table[i].phrase; },
                                     Pick::first_listed, hit))
    return hit ? &table[hit.index] : nullptr;
  for (const auto& e : table)
    if (text::find_exact(lower_text, e.phrase) != npos) return &e;
  return nullptr;
}

bool apply_fixed(ScannedRecipient& r, std::span<const FixedReason> table, std::string_view scanner) {
  std::string lowered = text::fold_space(r.diagnostic);
  text::lower_in_place(lowered);
  const auto* hit = match_fixed(lowered, table);
  if (!hit) return false;
  r.reason = std::string(hit->reason);
  r.decided_by = "scanner:" + std::string(scanner) + ":" + std::string(hit->phrase);
  return true;
}

void append_diagnostic(std::string& diagnostic, std::string_view more) {
  more = text::trim(more);
  if (more.empty() || diagnostic.size() >= kMaxDiagnostic) return;
  // A diagnostic is usually a few lines joined: room for some at once instead of a growth per line.
  if (diagnostic.capacity() < 256) diagnostic.reserve(256);
  if (!diagnostic.empty()) diagnostic.push_back(' ');
  diagnostic.append(more.substr(0, kMaxDiagnostic - diagnostic.size()));
}

ScannedRecipient* add_recipient(ScanResult& result, std::string address) {
  if (result.recipients.size() >= kMaxRecipients) return nullptr;
  auto& r = result.recipients.emplace_back();
  r.recipient = std::move(address);
  return &r;
}

void finish(ScanResult& result) {
  // Recipients are kept in place (moved only to close a gap left by an empty or repeated one):
  // recipients[0, kept) are the distinct ones so far.
  auto& all = result.recipients;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    auto& r = all[i];
    if (r.recipient.empty()) continue;
    text::fold_space_in_place(r.diagnostic);
    if (r.status.empty()) r.status = text::find_status(r.diagnostic);
    if (r.reply_code.empty()) r.reply_code = leading_reply_code(r.diagnostic);
    const auto end = all.begin() + static_cast<std::ptrdiff_t>(kept);
    auto same = std::find_if(all.begin(), end,
                             [&](const ScannedRecipient& u) { return text::iequals(u.recipient, r.recipient); });
    if (same == end) {
      if (i != kept) all[kept] = std::move(r);
      ++kept;
      continue;
    }
    auto fill = [](std::string& to, std::string& from) {
      if (to.empty()) to = std::move(from);
    };
    fill(same->diagnostic, r.diagnostic);
    fill(same->status, r.status);
    fill(same->reply_code, r.reply_code);
    fill(same->action, r.action);
    fill(same->remote_mta, r.remote_mta);
    fill(same->smtp_command, r.smtp_command);
    if (same->reason.empty()) {
      same->reason = std::move(r.reason);
      same->decided_by = std::move(r.decided_by);
    }
  }
  all.erase(all.begin() + static_cast<std::ptrdiff_t>(kept), all.end());
}

std::string unquote(std::string_view in) {
  std::size_t quoted = 0, total = 0;
  for (auto line : text::lines(in)) {
    if (text::trim(line).empty()) continue;
    ++total;
    if (line.front() == '>') ++quoted;
  }
  if (total == 0 || quoted * 2 < total) return std::string(in);
  std::string out;
  out.reserve(in.size());
  for (auto line : text::lines(in)) {
    if (!line.empty() && line.front() == '>') {
      line.remove_prefix(1);
      if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    }
    out.append(line);
    out.push_back('\n');
  }
  return out;
}

bool address_line(std::string_view line, std::string& address) {
  auto s = text::trim(line);
  if (!s.empty() && s.back() == ':') s.remove_suffix(1);
  if (s.size() > 2 && s.front() == '<' && s.back() == '>') s = s.substr(1, s.size() - 2);
  if (!text::is_address(s)) return false;
  address.assign(s);
  return true;
}

bool address_block_open(std::string_view line, std::string& address, std::string_view& rest) {
  while (!line.empty() && is_blank(line.front())) line.remove_prefix(1);
  if (line.size() < 5 || line.front() != '<') return false;
  const auto gt = line.find('>');
  if (gt == npos) return false;
  const auto inner = line.substr(1, gt - 1);
  if (!text::is_address(inner)) return false;
  auto after = line.substr(gt + 1);
  while (!after.empty() && is_blank(after.front())) after.remove_prefix(1);
  if (text::istarts_with(after, "(expanded from")) {
    const auto close = after.find(')');
    if (close == npos) {  // the alias continues on the next line: "    <alias>): text"
      address.assign(inner);
      rest = after;
      return true;
    }
    after.remove_prefix(close + 1);
    while (!after.empty() && is_blank(after.front())) after.remove_prefix(1);
  }
  if (after.empty() || after.front() != ':') return false;
  address.assign(inner);
  rest = after.substr(1);
  return true;
}

std::vector<AddressBlock> address_blocks(std::string_view report) {
  std::vector<AddressBlock> out;
  bool open = false;
  for (auto line : text::lines(report)) {
    std::string address;
    std::string_view rest;
    const bool continuation = open && !line.empty() && is_blank(line.front());
    if (!continuation && out.size() < kMaxRecipients && address_block_open(line, address, rest)) {
      out.push_back({std::move(address), {}});
      append_diagnostic(out.back().text, rest);
      open = true;
      continue;
    }
    if (text::trim(line).empty()) {
      open = false;
      continue;
    }
    if (open) append_diagnostic(out.back().text, line);
  }
  // An "(expanded from <alias>):" that was folded onto the next line.
  for (auto& b : out) {
    if (!text::istarts_with(b.text, "(expanded from")) continue;
    const auto close = b.text.find("):");
    b.text.erase(0, close == npos ? b.text.size() : close + 2);
    while (!b.text.empty() && b.text.front() == ' ') b.text.erase(0, 1);
  }
  return out;
}

std::string original_header(const ScanInput& in, std::string_view original_text, std::string_view name) {
  std::string_view block = in.original ? header_block(in.original->body) : std::string_view{};
  if (block.empty()) block = header_block(original_text);
  for (std::size_t pos = 0; pos < block.size(); pos = next_line(block, pos)) {
    const auto line = block.substr(pos, block.find('\n', pos) - pos);
    if (line.size() > name.size() && line[name.size()] == ':' && text::istarts_with(line, name)) {
      std::string value(text::trim(line.substr(name.size() + 1)));
      for (auto p = next_line(block, pos); p < block.size() && is_blank(block[p]); p = next_line(block, p))
        append_diagnostic(value, block.substr(p, block.find('\n', p) - p));
      return value;
    }
  }
  return {};
}

bool LineCursor::next(std::string_view& line) {
  if (pos_ >= s_.size()) return false;
  auto nl = s_.find('\n', pos_);
  if (nl == npos) nl = s_.size();
  line = s_.substr(pos_, nl - pos_);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  pos_ = nl + 1;
  return true;
}

std::size_t find_line_starting(std::string_view body, std::string_view prefix, std::size_t from) {
  for (std::size_t pos = from; pos < body.size();) {
    auto nl = body.find('\n', pos);
    if (nl == npos) nl = body.size();
    auto line = body.substr(pos, nl - pos);
    while (!line.empty() && is_blank(line.front())) line.remove_prefix(1);
    if (text::istarts_with(line, prefix)) return pos;
    pos = nl + 1;
  }
  return npos;
}

std::string_view rest_of_line(std::string_view body, std::size_t pos) {
  if (pos >= body.size()) return {};
  auto line = body.substr(pos, body.find('\n', pos) - pos);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool header_has(const ScanInput& in, std::string_view name, std::string_view needle) {
  const auto* v = in.header(name);
  return v && text::icontains(*v, needle);
}

bool any_header_has(const ScanInput& in, std::string_view name, std::string_view needle) {
  if (!needle.empty() && needle.find('\n') == npos) return text::icontains(in.headers_lower(name), needle);
  for (const auto* v : in.root.headers_named(name))
    if (text::icontains(*v, needle)) return true;
  return false;
}

ScanResult dsn_recipients(std::string_view fields) {
  ScanResult out;
  for (const auto& d : parse_delivery_status(fields).recipients) {
    if (d.action == "relayed" || d.action == "expanded") continue;
    auto address = d.final_recipient.empty() ? d.original_recipient : d.final_recipient;
    if (address.empty()) continue;
    auto* r = add_recipient(out, std::move(address));
    if (!r) break;
    r->action = d.action;
    r->status = d.status;
    r->diagnostic = text::fold_space(d.diagnostic_code);
    r->remote_mta = d.remote_mta;
  }
  return out;
}

}  // namespace bounced::scan
