// mime.cpp: the MIME stage. Guards the input and lays it out (scan_message), parses it with
// mimetic through its forward-iterator path (our SegmentIterator over the caller's bytes: no copy,
// no istream), and converts mimetic's tree into our MimePart tree with bodies decoded by our own
// decoders.
//
// The pre-scan walks the message by mimetic's rules and records each entity's raw span, plus
// edits to the stream mimetic sees (StreamEdit, guard.hpp). Required edits: message/rfc822 bodies
// become empty stubs (we keep them raw and parse them on demand, so mimetic does not parse
// returned originals), and missing closing delimiters are inserted where an outer delimiter ends
// an inner multipart (mimetic would otherwise drop the rest of the message). Stubs: each header
// block is cut to nothing (a multipart's to a short Content-Type field naming its boundary) and
// each leaf body to nothing; and unless a multipart's header cannot be stubbed, every delimiter
// line becomes a short one of ours ("--<depth>x") and preambles and epilogues become stubs too
// (MimeLayout::short_delimiters). So mimetic parses only the structure (it walks its input a
// character at a time) and we read fields, bodies, preambles and epilogues straight from the spans. When mimetic's tree has the
// pre-scan's shape (always, unless the pre-scan's mirror of mimetic is wrong somewhere), the spans
// give each part's raw header block and body, and the pre-scan's reading of the header lines
// gives its fields (when that reading is parse_header_block's, see EntitySpan::fields_exact).
// Otherwise mimetic parses again without the stubs and its own field values and bodies are used.
#include "mime.hpp"

#include <mimetic/mimeentity.h>
#include <mimetic/parser/itparser.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <iterator>
#include <utility>

#include "decode.hpp"
#include "text.hpp"

namespace bounced {
namespace {

// Forward iterator over a sequence of byte segments: the raw message with the pre-scan's edits
// applied (see StreamEdit). Its category selects mimetic's IteratorParser for forward iterators
// (the input-iterator code); the random-access specialisation throws and leaks.
struct Segment {
  const char* begin;
  const char* end;
};

class SegmentIterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  SegmentIterator() = default;
  // `segment` points into a list of non-empty segments closed by a {nullptr, nullptr} sentinel.
  explicit SegmentIterator(const Segment* segment) : segment_(segment), p_(segment->begin) {}
  reference operator*() const { return *p_; }
  SegmentIterator& operator++() {
    if (++p_ == segment_->end) p_ = (++segment_)->begin;
    return *this;
  }
  SegmentIterator operator++(int) {
    SegmentIterator old = *this;
    ++*this;
    return old;
  }
  friend bool operator==(const SegmentIterator& a, const SegmentIterator& b) {
    return a.segment_ == b.segment_ && a.p_ == b.p_;
  }
  friend bool operator!=(const SegmentIterator& a, const SegmentIterator& b) { return !(a == b); }

 private:
  const Segment* segment_ = nullptr;
  const char* p_ = nullptr;
};
static_assert(std::is_same_v<std::iterator_traits<SegmentIterator>::iterator_category, std::forward_iterator_tag>);

// The stream mimetic parses: raw with the edits applied, empty segments dropped, a sentinel last.
std::vector<Segment> make_segments(std::string_view raw, const std::vector<StreamEdit>& edits) {
  std::vector<Segment> segments;
  segments.reserve(edits.size() * 2 + 2);
  auto add = [&](const char* b, const char* e) {
    if (b != e) segments.push_back(Segment{b, e});
  };
  std::size_t pos = 0;
  for (const auto& edit : edits) {
    add(raw.data() + pos, raw.data() + edit.begin);
    add(edit.text.data(), edit.text.data() + edit.text.size());
    pos = edit.end;
  }
  add(raw.data() + pos, raw.data() + raw.size());
  segments.push_back(Segment{nullptr, nullptr});
  return segments;
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

struct RawLine {
  std::string_view text;
  std::size_t next = 0;
  bool has_newline = false;
};

// One line at `pos` (LF, CRLF or lone CR ends it).
[[gnu::always_inline]] inline RawLine read_line(std::string_view s, std::size_t pos) {
  RawLine l;
  std::size_t i = pos < s.size() ? text::find_line_break(s, pos) : pos;
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

enum class TransferEncoding { identity, base64, quoted_printable };

TransferEncoding transfer_encoding(const std::string_view* header) {
  if (!header) return TransferEncoding::identity;
  const std::string_view e = text::trim(*header);
  if (text::iequals(e, "base64")) return TransferEncoding::base64;
  if (text::iequals(e, "quoted-printable")) return TransferEncoding::quoted_printable;
  return TransferEncoding::identity;  // 7bit, 8bit, binary, unknown: as is
}

std::string transfer_decode(std::string_view body, TransferEncoding encoding) {
  switch (encoding) {
    case TransferEncoding::base64: return decode_base64(body);
    case TransferEncoding::quoted_printable: return decode_quoted_printable(body);
    case TransferEncoding::identity: break;
  }
  return std::string(body);
}

// parse_header_block and visit_header_block: f(name, value) for each field (see mime.hpp).
template <typename F>
void read_header_fields(std::string_view raw, F&& visit) {
  std::size_t pos = 0;
  // Leading blank lines.
  while (pos < raw.size()) {
    const RawLine line = read_line(raw, pos);
    if (!all_blank(line.text) || !line.has_newline) break;
    pos = line.next;
  }
  // The field read last, given to `visit` when the next one starts or the block ends. Its value
  // is a view into `raw` until a continuation line is appended (then it is built in `folded`).
  std::string_view name, value;
  std::string folded;
  bool pending = false, is_folded = false;
  auto emit = [&] {
    if (pending) visit(name, is_folded ? std::string_view(folded) : value);
    pending = false;
    is_folded = false;
  };
  // An inline copy may be indented as a whole: the first line's indentation is removed from all.
  std::string_view indent;
  bool first = true;
  bool open = false;  // the last field may take continuation lines
  const std::size_t limit = pos + Limits::max_header_bytes;  // bytes consumed from here on
  while (pos < raw.size()) {
    const RawLine line = read_line(raw, pos);
    pos = line.next;
    if (pos > limit) break;
    std::string_view text = line.text;
    if (text.empty()) break;
    if (first) {
      std::size_t k = 0;
      while (k < text.size() && is_blank(text[k])) ++k;
      indent = text.substr(0, k);
      text.remove_prefix(k);
      first = false;
    } else if (!indent.empty()) {
      if (all_blank(text)) break;
      if (text.substr(0, indent.size()) == indent) text.remove_prefix(indent.size());
    }
    if (text.empty()) continue;
    if (is_blank(text[0])) {
      if (open && !all_blank(text)) {  // a continuation line: joined with one space
        const std::string_view more = text::trim(text);
        if (is_folded) {
          if (!folded.empty()) folded += ' ';
          folded.append(more);
        } else if (value.empty()) {
          value = more;
        } else {
          folded.assign(value).append(1, ' ').append(more);
          is_folded = true;
        }
      }
      continue;
    }
    std::size_t k = field_name_length(text);
    const std::size_t name_end = k;
    while (k < text.size() && is_blank(text[k])) ++k;
    if (name_end == 0 || k >= text.size() || text[k] != ':') {
      open = false;  // garbage line: skipped
      continue;
    }
    emit();
    name = text.substr(0, name_end);
    value = text::trim(text.substr(k + 1));
    pending = open = true;
  }
  emit();
}

// Whether mimetic's tree has the pre-scan's shape: the same entities in the same order, each with
// the same children (spans are in document order with their depth). A message/rfc822 entity is a
// leaf for the pre-scan; mimetic gives it one empty stub child when it saw the field (header not
// stubbed). Read from the spans, so mimetic is never asked for a Content-Type again.
bool matches_layout(const mimetic::MimeEntity& e, const std::vector<EntitySpan>& spans, std::size_t& index) {
  if (index >= spans.size()) return false;
  const EntitySpan& span = spans[index++];
  const auto& parts = e.body().parts();
  if (span.message) return parts.empty() || (parts.size() == 1 && parts.front()->body().parts().empty());
  for (const mimetic::MimeEntity* child : parts) {
    if (index >= spans.size() || spans[index].depth != span.depth + 1) return false;
    if (!matches_layout(*child, spans, index)) return false;
  }
  return index == spans.size() || spans[index].depth <= span.depth;
}

bool matches_layout(const mimetic::MimeEntity& root, const std::vector<EntitySpan>& spans) {
  std::size_t index = 0;
  return matches_layout(root, spans, index) && index == spans.size();
}

// Gathers fields whose text may not outlive the call (mimetic's, a folded value being joined),
// then gives them to a part: one copy of all their bytes in its storage, the fields viewing it.
class FieldCollector {
 public:
  void add(std::string_view name, std::string_view value) {
    spans_.push_back({bytes_.size(), name.size(), value.size()});
    bytes_.append(name).append(value);
  }
  void finish(MimePart& part) {
    if (spans_.empty()) return;
    part.header_bytes = std::make_unique_for_overwrite<char[]>(bytes_.size());
    char* const copy = part.header_bytes.get();
    std::memcpy(copy, bytes_.data(), bytes_.size());
    part.headers.reserve(spans_.size());
    for (const auto& s : spans_)
      part.headers.push_back(HeaderField{std::string_view(copy + s.at, s.name), std::string_view(copy + s.at + s.name, s.value)});
  }

 private:
  struct Span {
    std::size_t at, name, value;
  };
  std::string bytes_;
  std::vector<Span> spans_;
};

class TreeBuilder {
 public:
  TreeBuilder(std::string_view raw, const MimeLayout& layout, std::vector<EntitySpan>& spans, bool aligned)
      : raw_(raw), fields_(layout.fields), spans_(spans), aligned_(aligned), own_texts_(layout.short_delimiters) {}

  std::unique_ptr<MimePart> convert(mimetic::MimeEntity& e, bool in_digest) {
    const std::size_t index = next_index_++;
    auto part = std::make_unique<MimePart>();
    EntitySpan* span = aligned_ && index < spans_.size() ? &spans_[index] : nullptr;  // its strings are taken
    if (span && span->fields_exact) {
      read_fields(*span, *part);
    } else if (span) {
      FieldCollector fields;
      read_header_fields(raw_.substr(span->header_begin, span->header_end - span->header_begin),
                         [&](std::string_view name, std::string_view value) { fields.add(name, value); });
      fields.finish(*part);
    } else {
      FieldCollector fields;
      for (const auto& field : e.header()) fields.add(field.name(), text::trim(field.value()));
      fields.finish(*part);
    }

    // The media type: the pre-scan's parse of the Content-Type field (mimetic is shown none for a
    // leaf), or mimetic's when the layouts disagree.
    std::string type, subtype;
    bool multipart = false;
    if (span) {
      type = std::move(span->type);
      subtype = std::move(span->subtype);
      part->charset = std::move(span->charset);
      multipart = span->multipart;
    } else {
      const auto& ct = std::as_const(e).header().contentType();  // const: no field is added
      type = text::lower(text::trim(ct.type()));
      subtype = text::lower(text::trim(ct.subtype()));
      part->charset = text::lower(text::trim(ct.param("charset")));
      multipart = ct.isMultipart();
    }
    if (!type.empty() && !subtype.empty()) {
      part->media_type.reserve(type.size() + 1 + subtype.size());
      part->media_type.append(type).append(1, '/').append(subtype);
    } else
      part->media_type = in_digest ? "message/rfc822" : "text/plain";
    const TransferEncoding encoding = transfer_encoding(part->header("content-transfer-encoding"));

    const auto& children = e.body().parts();
    if (multipart) {
      part->boundary = span ? std::move(span->boundary) : std::as_const(e).header().contentType().param("boundary");
      const bool digest = subtype == "digest";
      for (mimetic::MimeEntity* child : children) part->children.push_back(convert(*child, digest));
      if (span && own_texts_) {
        // Preamble and epilogue from the spans (mimetic saw stubs), each cut as mimetic cuts
        // them: without the line break that belongs to the delimiter after it.
        part->body = text_before_delimiter(span->body_begin, span->preamble_end);
        const std::string_view epilogue = text_before_delimiter(span->epilogue_begin, span->epilogue_end);
        if (!epilogue.empty()) {
          if (!part->body.empty()) part->body += '\n';
          part->body += epilogue;
        }
      } else {
        part->body = e.body().preamble();
        if (!e.body().epilogue().empty()) {
          if (!part->body.empty()) part->body += '\n';
          part->body += e.body().epilogue();
        }
      }
      add_text_child(*part);  // a multipart whose boundary never appears
    } else {
      if (span) {
        // A leaf or a message/rfc822 part: mimetic saw an empty stub; the body is the span without
        // the line break that belongs to the following delimiter (as mimetic would have cut it).
        part->body = transfer_decode(text_before_delimiter(span->body_begin, span->end), encoding);
      } else if (!children.empty()) {
        // message/rfc822 whose raw text is unknown (the layouts disagree): left empty.
      } else if (encoding == TransferEncoding::identity) {
        part->body = std::move(static_cast<std::string&>(e.body()));  // the entity is ours and dies next
      } else {
        part->body = transfer_decode(e.body(), encoding);
      }
      // A multipart type mimetic does not take for one: it compares the type untrimmed, so a
      // field folded right after its colon ("Content-Type:" CRLF TAB "multipart/report; ...")
      // leaves a leaf named multipart, whose children the scanners would look in.
      if (part->is_multipart()) add_text_child(*part);
    }
    return part;
  }

 private:
  // A multipart with no parts but some text: the text as a text/plain part of it, so that it
  // still reaches the scanners.
  static void add_text_child(MimePart& part) {
    if (!part.children.empty() || text::trim(part.body).empty()) return;
    auto text_part = std::make_unique<MimePart>();
    text_part->media_type = "text/plain";
    text_part->body = part.body;
    part.children.push_back(std::move(text_part));
  }

  // raw[begin, end), without the line break before the delimiter that ended it (none ended it at
  // the end of input).
  std::string_view text_before_delimiter(std::size_t begin, std::size_t end) const {
    if (end <= begin) return {};
    const std::string_view text = raw_.substr(begin, end - begin);
    return end < raw_.size() ? drop_final_newline(text) : text;
  }

  // The header fields from the pre-scan's lines, as parse_header_block reads them (the span's
  // fields_exact): the value trimmed, each continuation line that is not only blanks trimmed and
  // joined with one space (or taken as the value while that is still empty). The header block is
  // copied once into the part's storage: names and single-line values are views of the copy,
  // folded values are joined after it.
  void read_fields(const EntitySpan& span, MimePart& part) {
    const std::size_t base = span.header_begin;
    const std::string_view block = raw_.substr(base, span.header_end - base);
    const std::size_t count = span.fields_end - span.fields_begin;
    if (count == 0) return;
    // Room for the joined values: each is at most its field's bytes from the value on (one space
    // stands for a line break and at least one blank).
    std::size_t folded_bytes = 0;
    for (std::size_t i = span.fields_begin; i < span.fields_end;) {
      const std::size_t first = i++;
      while (i < span.fields_end && fields_[i].continuation()) ++i;
      if (i - first > 1) folded_bytes += fields_[i - 1].end - fields_[first].value_begin;
    }
    part.header_bytes = std::make_unique_for_overwrite<char[]>(block.size() + folded_bytes);
    char* const copy = part.header_bytes.get();
    std::memcpy(copy, block.data(), block.size());
    char* out = copy + block.size();  // where the next joined value goes
    auto in_copy = [&](std::string_view v) { return std::string_view(copy + (v.data() - raw_.data() - base), v.size()); };
    part.headers.reserve(count);
    std::size_t i = span.fields_begin;
    while (i < span.fields_end) {
      const FieldSpan& f = fields_[i++];
      const std::string_view name(copy + (f.begin - base), f.name_end - f.begin);
      const std::string_view value = text::trim(raw_.substr(f.value_begin, f.end - f.value_begin));
      if (i == span.fields_end || !fields_[i].continuation()) {
        part.headers.push_back(HeaderField{name, in_copy(value)});
        continue;
      }
      char* const joined = out;
      std::memcpy(out, value.data(), value.size());
      out += value.size();
      for (; i < span.fields_end && fields_[i].continuation(); ++i) {
        const FieldSpan& c = fields_[i];
        if (c.end == c.value_begin) continue;  // only blanks
        const std::string_view more = text::trim(raw_.substr(c.value_begin, c.end - c.value_begin));
        if (out != joined) *out++ = ' ';
        std::memcpy(out, more.data(), more.size());
        out += more.size();
      }
      part.headers.push_back(HeaderField{name, std::string_view(joined, static_cast<std::size_t>(out - joined))});
    }
  }

  std::string_view raw_;
  const std::vector<FieldSpan>& fields_;
  std::vector<EntitySpan>& spans_;
  bool aligned_;
  bool own_texts_;  // preambles and epilogues were stubs: read from the spans
  std::size_t next_index_ = 0;
};

}  // namespace

// (Sizes compared first: scanners ask for headers many times, and most names differ in length.)
const std::string_view* MimePart::header(std::string_view name) const {
  for (const auto& h : headers)
    if (h.name.size() == name.size() && text::iequals(h.name, name)) return &h.value;
  return nullptr;
}

std::vector<const std::string_view*> MimePart::headers_named(std::string_view name) const {
  std::vector<const std::string_view*> out;
  for (const auto& h : headers)
    if (h.name.size() == name.size() && text::iequals(h.name, name)) out.push_back(&h.value);
  return out;
}

void MimePart::add_header(std::string_view name, std::string_view value) {
  std::string& bytes = added_header_bytes.emplace_front();
  bytes.reserve(name.size() + value.size());
  bytes.append(name).append(value);
  headers.push_back(HeaderField{std::string_view(bytes).substr(0, name.size()), std::string_view(bytes).substr(name.size())});
}

std::string MimePart::text(CharsetConverters* converters) const {
  return charset.empty() ? sanitize_utf8(body) : to_utf8(body, charset, converters);
}

static_assert(sizeof(EntitySpan) * 5 <= 1024 && sizeof(FieldSpan) * 64 <= 1024);

MimeResult parse_mime(std::string_view raw) {
  MimeResult result;
  if (raw.size() > Limits::max_message_bytes) {
    result.error = GuardError::too_large;
    return result;
  }
  const std::string_view message = skip_leading_blank_lines(raw);
  MimeLayout layout;
  layout.spans.reserve(5);  // (under 1 KiB: glibc's per-thread cache serves it)
  layout.edits.reserve(16);
  layout.fields.reserve(64);  // (likewise)
  layout.short_delimiters = true;
  result.error = scan_message(message, &layout);
  if (result.error != GuardError::none) return result;

  auto entity = std::make_unique<mimetic::MimeEntity>();
  {
    const std::vector<Segment> segments = make_segments(message, layout.edits);
    entity->load(SegmentIterator(segments.data()), SegmentIterator(&segments.back()), mimetic::imNone);
  }
  bool aligned = matches_layout(*entity, layout.spans);
  if (!aligned) {
    // The pre-scan's mirror of mimetic went wrong somewhere: parse again with the message's own
    // delimiters, headers and bodies in the stream, so they come from mimetic itself.
    if (layout.short_delimiters) {
      layout.short_delimiters = false;
      scan_message(message, &layout);  // (passed before: passes again)
    }
    std::erase_if(layout.edits, [](const StreamEdit& e) { return e.stub; });
    const std::vector<Segment> segments = make_segments(message, layout.edits);
    entity = std::make_unique<mimetic::MimeEntity>();
    entity->load(SegmentIterator(segments.data()), SegmentIterator(&segments.back()), mimetic::imNone);
    aligned = matches_layout(*entity, layout.spans);
  }
  TreeBuilder builder(message, layout, layout.spans, aligned);
  result.root = builder.convert(*entity, false);
  return result;
}

std::vector<OwnedHeaderField> parse_header_block(std::string_view raw) {
  std::vector<OwnedHeaderField> fields;
  fields.reserve(16);
  read_header_fields(raw, [&](std::string_view name, std::string_view value) {
    fields.push_back(OwnedHeaderField{std::string(name), std::string(value)});
  });
  return fields;
}

void visit_header_block(std::string_view raw, HeaderVisitor visit, void* context) {
  read_header_fields(raw, [&](std::string_view name, std::string_view value) { visit(context, name, value); });
}

}  // namespace bounced
