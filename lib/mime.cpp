// mime.cpp: the MIME stage. Guards the input (scan_message), parses it with mimetic through its
// forward-iterator path (our CharIterator over the caller's bytes: no copy, no istream), and
// converts mimetic's tree into our MimePart tree with bodies decoded by our own decoders.
//
// The guard's pre-scan walks the message exactly as mimetic does and records each entity's raw
// span; when both agree on the number of entities (always, unless the input is adversarial), the
// spans give us each part's raw header block (exact field values: mimetic re-serialises the
// Content-Type field once it has parsed it) and the raw text of message/rfc822 parts (mimetic
// parses those into a nested entity and keeps no raw copy). If they disagree we fall back to
// mimetic's own field values and a re-serialisation of the nested message.
#include "mime.hpp"

#include <mimetic/mimeentity.h>
#include <mimetic/parser/itparser.h>

#include <cstddef>
#include <iterator>

#include "decode.hpp"
#include "text.hpp"

namespace bounced {
namespace {

// Forward iterator over raw bytes. Its category selects mimetic's IteratorParser for forward
// iterators (the input-iterator code); the random-access specialisation throws and leaks.
class CharIterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CharIterator() = default;
  explicit CharIterator(const char* p) : p_(p) {}
  reference operator*() const { return *p_; }
  CharIterator& operator++() {
    ++p_;
    return *this;
  }
  CharIterator operator++(int) {
    CharIterator old = *this;
    ++p_;
    return old;
  }
  friend bool operator==(const CharIterator& a, const CharIterator& b) { return a.p_ == b.p_; }
  friend bool operator!=(const CharIterator& a, const CharIterator& b) { return a.p_ != b.p_; }

 private:
  const char* p_ = nullptr;
};
static_assert(std::is_same_v<std::iterator_traits<CharIterator>::iterator_category, std::forward_iterator_tag>);

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_name_char(char c) { return c > 32 && c < 127 && c != ':'; }

struct RawLine {
  std::string_view text;
  std::size_t next = 0;
  bool has_newline = false;
};

// One line at `pos` (LF, CRLF or lone CR ends it).
RawLine read_line(std::string_view s, std::size_t pos) {
  RawLine l;
  std::size_t i = pos;
  while (i < s.size() && s[i] != '\n' && s[i] != '\r') ++i;
  l.text = s.substr(pos, i - pos);
  if (i < s.size()) {
    l.has_newline = true;
    if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
    ++i;
  }
  l.next = i;
  return l;
}

bool all_blank(std::string_view s) {
  for (char c : s)
    if (!is_blank(c)) return false;
  return true;
}

// Removes one trailing line break (the one that belongs to the following boundary line).
std::string_view drop_final_newline(std::string_view s) {
  if (s.size() >= 2 && ((s[s.size() - 2] == '\r' && s.back() == '\n') || (s[s.size() - 2] == '\n' && s.back() == '\r')))
    return s.substr(0, s.size() - 2);
  if (!s.empty() && (s.back() == '\n' || s.back() == '\r')) return s.substr(0, s.size() - 1);
  return s;
}

std::string transfer_decode(std::string_view body, const std::string* encoding) {
  if (encoding) {
    const std::string e = text::lower(text::trim(*encoding));
    if (e == "base64") return decode_base64(body);
    if (e == "quoted-printable") return decode_quoted_printable(body);
  }
  return std::string(body);  // 7bit, 8bit, binary, unknown: as is
}

std::size_t count_entities(const mimetic::MimeEntity& e) {
  std::size_t n = 1;
  for (const mimetic::MimeEntity* child : e.body().parts()) n += count_entities(*child);
  return n;
}

// Writes a nested entity back out as text (fallback when the raw span is unknown).
void serialise(const mimetic::MimeEntity& e, std::string& out) {
  for (const auto& field : e.header()) {
    out += field.name();
    out += ": ";
    out += field.value();
    out += '\n';
  }
  out += '\n';
  const auto& ct = e.header().contentType();
  if (ct.isMultipart()) {
    const std::string boundary = "--" + ct.param("boundary");
    out += e.body().preamble();
    for (const mimetic::MimeEntity* child : e.body().parts()) {
      out += '\n' + boundary + '\n';
      serialise(*child, out);
    }
    out += '\n' + boundary + "--\n";
    out += e.body().epilogue();
  } else if (!e.body().parts().empty()) {
    for (const mimetic::MimeEntity* child : e.body().parts()) serialise(*child, out);
  } else {
    out += e.body();
  }
}

class TreeBuilder {
 public:
  TreeBuilder(std::string_view raw, const std::vector<EntitySpan>& spans, bool aligned)
      : raw_(raw), spans_(spans), aligned_(aligned) {}

  std::unique_ptr<MimePart> convert(const mimetic::MimeEntity& e, bool in_digest) {
    const std::size_t index = next_index_++;
    auto part = std::make_unique<MimePart>();
    const EntitySpan* span = aligned_ && index < spans_.size() ? &spans_[index] : nullptr;
    if (span) {
      part->headers = parse_header_block(raw_.substr(span->header_begin, span->header_end - span->header_begin));
    } else {
      for (const auto& field : e.header())
        part->headers.push_back(HeaderField{field.name(), std::string(text::trim(field.value()))});
    }

    const auto& ct = e.header().contentType();
    const std::string type = text::lower(text::trim(ct.type()));
    const std::string subtype = text::lower(text::trim(ct.subtype()));
    if (!type.empty() && !subtype.empty())
      part->media_type = type + "/" + subtype;
    else
      part->media_type = in_digest ? "message/rfc822" : "text/plain";
    part->charset = text::lower(text::trim(ct.param("charset")));
    const std::string* encoding = part->header("content-transfer-encoding");

    const auto& children = e.body().parts();
    if (ct.isMultipart()) {
      part->boundary = ct.param("boundary");
      const bool digest = subtype == "digest";
      for (const mimetic::MimeEntity* child : children) part->children.push_back(convert(*child, digest));
      part->body = e.body().preamble();
      if (!e.body().epilogue().empty()) {
        if (!part->body.empty()) part->body += '\n';
        part->body += e.body().epilogue();
      }
      if (part->children.empty() && !text::trim(part->body).empty()) {
        // A multipart whose boundary never appears: its text must still reach the scanners.
        auto text_part = std::make_unique<MimePart>();
        text_part->media_type = "text/plain";
        text_part->body = part->body;
        part->children.push_back(std::move(text_part));
      }
    } else if (!children.empty()) {
      // message/rfc822: mimetic parsed the nested message; we keep its raw text instead.
      for (const mimetic::MimeEntity* child : children) next_index_ += count_entities(*child);
      if (span) {
        std::string_view body = raw_.substr(span->body_begin, span->end - span->body_begin);
        if (span->end < raw_.size()) body = drop_final_newline(body);
        part->body = transfer_decode(body, encoding);
      } else {
        std::string text;
        for (const mimetic::MimeEntity* child : children) serialise(*child, text);
        part->body = transfer_decode(text, encoding);
      }
    } else {
      part->body = transfer_decode(e.body(), encoding);
    }
    return part;
  }

 private:
  std::string_view raw_;
  const std::vector<EntitySpan>& spans_;
  bool aligned_;
  std::size_t next_index_ = 0;
};

}  // namespace

const std::string* MimePart::header(std::string_view name) const {
  for (const auto& h : headers)
    if (text::iequals(h.name, name)) return &h.value;
  return nullptr;
}

std::vector<const std::string*> MimePart::headers_named(std::string_view name) const {
  std::vector<const std::string*> out;
  for (const auto& h : headers)
    if (text::iequals(h.name, name)) out.push_back(&h.value);
  return out;
}

std::string MimePart::text() const { return charset.empty() ? sanitize_utf8(body) : to_utf8(body, charset); }

MimeResult parse_mime(std::string_view raw) {
  MimeResult result;
  if (raw.size() > Limits::max_message_bytes) {
    result.error = GuardError::too_large;
    return result;
  }
  const std::string_view message = skip_leading_blank_lines(raw);
  std::vector<EntitySpan> spans;
  result.error = scan_message(message, &spans);
  if (result.error != GuardError::none) return result;

  mimetic::MimeEntity entity;
  entity.load(CharIterator(message.data()), CharIterator(message.data() + message.size()), mimetic::imNone);
  const bool aligned = count_entities(entity) == spans.size();
  TreeBuilder builder(message, spans, aligned);
  result.root = builder.convert(entity, false);
  return result;
}

std::vector<HeaderField> parse_header_block(std::string_view raw) {
  std::vector<HeaderField> fields;
  std::size_t pos = 0;
  // Leading blank lines.
  while (pos < raw.size()) {
    const RawLine line = read_line(raw, pos);
    if (!all_blank(line.text) || !line.has_newline) break;
    pos = line.next;
  }
  // An inline copy may be indented as a whole: the first line's indentation is removed from all.
  std::string_view indent;
  bool first = true;
  bool open = false;  // the last field may take continuation lines
  std::size_t consumed = 0;
  while (pos < raw.size()) {
    const RawLine line = read_line(raw, pos);
    consumed += line.next - pos;
    pos = line.next;
    if (consumed > Limits::max_header_bytes) break;
    std::string_view text = line.text;
    if (text.empty()) break;
    if (first) {
      std::size_t k = 0;
      while (k < text.size() && is_blank(text[k])) ++k;
      indent = text.substr(0, k);
    } else if (!indent.empty()) {
      if (all_blank(text)) break;
      if (text.substr(0, indent.size()) == indent) text.remove_prefix(indent.size());
    }
    if (first && !indent.empty()) text.remove_prefix(indent.size());
    first = false;
    if (all_blank(text)) continue;
    if (is_blank(text[0])) {
      if (open) {
        const std::string_view more = text::trim(text);
        auto& value = fields.back().value;
        if (!value.empty()) value += ' ';
        value.append(more);
      }
      continue;
    }
    std::size_t k = 0;
    while (k < text.size() && is_name_char(text[k])) ++k;
    const std::size_t name_end = k;
    while (k < text.size() && is_blank(text[k])) ++k;
    if (name_end == 0 || k >= text.size() || text[k] != ':') {
      open = false;  // garbage line: skipped
      continue;
    }
    fields.push_back(HeaderField{std::string(text.substr(0, name_end)), std::string(text::trim(text.substr(k + 1)))});
    open = true;
  }
  return fields;
}

}  // namespace bounced
