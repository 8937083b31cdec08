// guard.cpp: bounded checks on raw input before the MIME parser sees it, and mbox splitting.
//
// The pre-scan is a line-fed state machine (in the spirit of Postfix's mime_state.c) that walks
// the message the way mimetic's iterator parser (mimetic/parser/itparser.h) will: same newline
// rules (CR, LF, CRLF, LFCR), same header-end rules, same boundary matching (prefix match against
// the stack of "--boundary" strings, innermost first, only on complete lines, lines over 4093
// bytes seen in 4093-byte segments, a body line that ended a header tested from where mimetic's
// header parse gave up). So every header region mimetic will parse is checked here first, and the
// entity spans it records line up with mimetic's tree (message/rfc822 bodies are leaves: mimetic
// is shown stubs, see StreamEdit). Content-Type values are read as mimetic's ContentType class reads
// them (read_content_type), so the boundary strings are the ones mimetic will use. Linear time;
// recursion bounded by max_mime_depth.
#include "guard.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "text.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace bounced {

const char* to_string(GuardError e) {
  switch (e) {
    case GuardError::none: return "none";
    case GuardError::empty: return "empty input";
    case GuardError::too_large: return "message too large";
    case GuardError::header_line_too_long: return "header line too long";
    case GuardError::header_too_large: return "header too large";
    case GuardError::too_deep: return "MIME nesting too deep";
    case GuardError::too_many_parts: return "too many MIME parts";
    case GuardError::binary: return "binary data, not a mail message";
    case GuardError::no_header: return "no header fields";
  }
  return "unknown";
}

namespace {

bool is_newline(char c) { return c == '\r' || c == '\n'; }
bool is_blank(char c) { return c == ' ' || c == '\t'; }
// What mimetic accepts in a field name: printable ASCII except ':'.
constexpr std::array<bool, 256> kNameChar = [] {
  std::array<bool, 256> t{};
  for (int c = 33; c < 127; ++c) t[static_cast<std::size_t>(c)] = c != ':';
  return t;
}();
bool is_name_char(char c) { return kNameChar[static_cast<unsigned char>(c)]; }

// One physical line: [begin, end) is its text, `next` where the following line starts.
struct Line {
  std::size_t begin = 0, end = 0, next = 0;
  bool has_newline = false;
  std::size_t size() const { return end - begin; }
};

// mimetic's newline: CR or LF, optionally followed by the other one.
[[gnu::always_inline]] inline Line read_line(std::string_view s, std::size_t pos) {
  Line l;
  l.begin = pos;
  const char* p = s.data();
  const std::size_t n = s.size();
  if (pos >= n) {
    l.end = l.next = n;
    return l;
  }
  std::size_t i = text::find_line_break(s, pos);
  l.end = i;
  if (i < n) {
    l.has_newline = true;
    const char first = p[i++];
    if (i < n && is_newline(p[i]) && p[i] != first) ++i;
  }
  l.next = i;
  return l;
}

// As the MIME stage names media types and charsets: trimmed, ASCII-lowercased.
// (One pass over these few bytes: lowered as they are copied.)
void assign_lower_trimmed(std::string& out, std::string_view s) {
  s = text::trim(s);
  out.resize(s.size());
  char* o = out.data();
  for (const char c : s) *o++ = c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c;
}

constexpr std::size_t npos = std::string_view::npos;

// The first "--" at or after `from` in p[0, n), or npos.
std::size_t find_double_dash(const char* p, std::size_t from, std::size_t n) {
  std::size_t i = from;
  while (i + 1 < n) {
    const void* d = std::memchr(p + i, '-', n - 1 - i);
    if (!d) return npos;
    const auto k = static_cast<std::size_t>(static_cast<const char*>(d) - p);
    if (p[k + 1] == '-') return k;
    i = k + 2;  // p[k + 1] is no '-' either
  }
  return npos;
}

class PreScan {
 public:
  PreScan(std::string_view raw, MimeLayout* layout)
      : raw_(raw),
        spans_(layout ? &layout->spans : nullptr),
        edits_(layout ? &layout->edits : nullptr),
        fields_(layout ? &layout->fields : nullptr),
        short_delimiters_(layout && layout->short_delimiters) {}

  // With short delimiters asked for: whether every multipart's header could be stubbed.
  bool short_delimiters_kept() const { return all_stubbed_; }

  GuardError run() {
    // The top-level header must start with a field.
    const Line first = read_line(raw_, 0);
    const std::string_view text = raw_.substr(first.begin, first.size());
    std::size_t k = 0;
    while (k < text.size() && is_name_char(text[k])) ++k;
    const std::size_t name_end = k;
    while (k < text.size() && is_blank(text[k])) ++k;
    if (name_end == 0 || k >= text.size() || text[k] != ':') return GuardError::no_header;
    load_entity(0);
    return error_;
  }

 private:
  enum class BoundaryKind { none, boundary, closing, higher_level };
  // mimetic copies bodies through a 4096-byte block and gives up on lines that fill it: only the
  // last 4093-byte segment of a longer line is tested as a boundary.
  static constexpr std::size_t kBlockLine = 4093;

  void fail(GuardError e) {
    if (error_ == GuardError::none) error_ = e;
  }

  // Field sizes, in mimetic's terms, for the work budget (see Limits::max_header_field_work).
  void account_field(std::size_t name_len, std::size_t value_len) {
    if (value_len > Limits::max_header_field_bytes) fail(GuardError::header_too_large);
    header_work_ += static_cast<unsigned long long>(name_len) * name_len +
                    static_cast<unsigned long long>(value_len) * value_len;
    if (header_work_ > Limits::max_header_field_work) fail(GuardError::header_too_large);
  }

  void load_entity(std::size_t depth) {
    if (error_ != GuardError::none) return;
    if (depth > Limits::max_mime_depth) return fail(GuardError::too_deep);
    if (++parts_ > Limits::max_mime_parts) return fail(GuardError::too_many_parts);
    std::size_t index = 0;
    if (spans_) {
      index = spans_->size();
      spans_->push_back(EntitySpan{pos_, pos_, pos_, raw_.size(), depth});
    }
    const std::size_t header_begin = pos_;
    std::string_view content_type;  // a view of the header line, or of content_type_text when joined
    std::string content_type_text;
    bool has_content_type = false;
    const bool blank_line = load_header(depth, content_type, content_type_text, has_content_type, index);
    if (error_ != GuardError::none) return;
    bool multipart = false, rfc822 = false;
    std::string boundary;
    ContentTypeView ct;
    if (has_content_type) {
      ct = read_content_type(content_type);
      multipart = ct.multipart;
      rfc822 = ct.rfc822;
      if (multipart) boundary.append("--").append(ct.boundary);
      if (spans_) {
        auto& span = (*spans_)[index];
        span.multipart = multipart;
        assign_lower_trimmed(span.type, ct.type);
        assign_lower_trimmed(span.subtype, ct.subtype);
        assign_lower_trimmed(span.charset, ct.charset);
        if (multipart) span.boundary = ct.boundary;
      }
    }
    // We read header fields and the Content-Type from the span, so mimetic is shown an empty
    // header, or for a multipart only what it needs: a Content-Type field that it reads as
    // multipart with the same boundary (quoted: mimetic removes the quotes and nothing else; a
    // boundary holding ';' cannot be written so). Only for a header ended by a blank line (so the
    // stub ends the same way).
    // With short delimiters, the field names our own boundary instead ("<depth>x": the open
    // multiparts' depths differ, and no such delimiter is a prefix of another).
    std::string shown = boundary;  // the delimiter mimetic will see
    if (edits_ && blank_line && (!multipart || short_delimiters_ || ct.boundary.find(';') == std::string_view::npos)) {
      std::string stub;
      if (multipart && short_delimiters_) {
        const std::string own = std::to_string(depth) + "x";
        stub.append("Content-Type:multipart;boundary=").append(own).append("\n");
        shown.assign("--").append(own);
      } else if (multipart) {
        stub.reserve(ct.boundary.size() + 48);
        stub.append("Content-Type:multipart;boundary=\"").append(ct.boundary).append("\"\n");
      }
      stub.push_back('\n');
      edits_->push_back(StreamEdit{header_begin, pos_, std::move(stub), true});
    } else if (multipart) {
      all_stubbed_ = false;
    }
    if (multipart) {
      load_multipart(std::move(boundary), std::move(shown), depth, index);
    } else if (rfc822) {
      // Kept raw; mimetic sees an empty nested message instead (it needs one more blank line
      // when no blank line ended this header).
      std::size_t edit = 0;
      if (spans_) (*spans_)[index].message = true;
      if (edits_) {
        edit = edits_->size();
        edits_->push_back(StreamEdit{pos_, pos_, blank_line ? "\n" : "\n\n"});
      }
      copy_until_boundary();
      if (edits_) (*edits_)[edit].end = stop_pos_;
    } else {
      // A leaf body: we take it from the span, so mimetic is shown an empty body (after a blank
      // line, which it needs to end the header when the body's first line ended it instead).
      std::size_t edit = 0;
      if (edits_) {
        edit = edits_->size();
        edits_->push_back(StreamEdit{pos_, pos_, blank_line ? "" : "\n", true});
      }
      copy_until_boundary();
      if (edits_) {
        auto& e = (*edits_)[edit];
        e.end = stop_pos_;
        if (e.end == e.begin) e.text.clear();  // nothing to hide: leave the stream as it is
      }
    }
    if (spans_) (*spans_)[index].end = stop_pos_;
  }

  // Walks one header block as mimetic's loadHeader does. Records the first Content-Type value
  // (unfolded the way mimetic unfolds it) and checks the header limits.
  // Returns true when an empty line ended the header.
  bool load_header(std::size_t depth, std::string_view& content_type, std::string& content_type_text, bool& has_content_type,
                   std::size_t index) {
    const std::size_t n = raw_.size();
    const char* p = raw_.data();
    std::size_t header_bytes = 0;
    bool first_line = true;
    bool field_open = false;  // a field mimetic has not added yet (it adds it when the next line starts)
    bool field_is_ct = false;
    std::size_t name_len = 0, value_len = 0;
    // mimetic keeps folded text seen while no field is open and prefixes it to the next field.
    std::size_t orphan_len = 0;
    std::string orphan_text, pending_ct;
    // The Content-Type value is a view of its line until a folded line (or orphan text before it)
    // makes a joined copy necessary (pending_ct).
    std::string_view pending_ct_view;
    bool pending_ct_joined = false;
    std::size_t header_end = pos_, body_begin = n;
    // The top-level header holds no NUL: the first one at or after the header's start is found
    // once, and the line that holds it fails (the same line a per-line search would stop at).
    std::size_t first_nul = n;
    if (depth == 0)
      if (const void* z = std::memchr(p + pos_, '\0', n - pos_))
        first_nul = static_cast<std::size_t>(static_cast<const char*>(z) - p);
    bool blank_line = false;
    // The fields as parse_header_block will read them (see EntitySpan::fields_exact): only an
    // LF CR line break or an indented first line makes it read otherwise.
    const auto fields_begin = static_cast<std::uint32_t>(fields_ ? fields_->size() : 0);
    bool fields_exact = true;

    auto close_field = [&]() {
      if (!field_open) return;
      account_field(name_len, value_len);
      if (field_is_ct && !has_content_type) {
        has_content_type = true;
        if (pending_ct_joined) {
          content_type_text = std::move(pending_ct);
          content_type = content_type_text;
        } else {
          content_type = pending_ct_view;
        }
        content_type = content_type.substr(0, content_type.find('\0'));  // mimetic keeps a C string
        pending_ct.clear();
      }
      field_open = false;
      field_is_ct = false;
    };
    auto open_field = [&](std::string_view name, std::string_view value) {
      field_open = true;
      name_len = name.size();
      value_len = orphan_len + value.size();
      field_is_ct = name.size() == 12 && text::iequals(name, "content-type");
      if (field_is_ct) {
        pending_ct_joined = !orphan_text.empty();
        if (pending_ct_joined) {
          pending_ct = orphan_text;
          pending_ct.append(value);
        } else {
          pending_ct_view = value;
        }
      }
      orphan_len = 0;
      orphan_text.clear();
    };

    while (error_ == GuardError::none) {
      if (pos_ >= n) {
        // End of input inside the header: mimetic never adds the pending field, but its size
        // still counts against the budget.
        if (field_open) account_field(name_len, value_len);
        field_open = false;
        body_begin = n;
        break;
      }
      const Line line = read_line(raw_, pos_);
      if (line.size() == 0) {  // empty line: end of header (its newline is consumed)
        close_field();
        body_begin = line.next;
        blank_line = true;
        break;
      }
      if (line.size() > Limits::max_header_line_bytes) {
        fail(GuardError::header_line_too_long);
        break;
      }
      header_bytes += line.next - line.begin;
      if (header_bytes > Limits::max_header_bytes) {
        fail(GuardError::header_too_large);
        break;
      }
      if (first_nul < line.end) {
        fail(GuardError::binary);
        break;
      }
      const std::string_view text(p + line.begin, line.size());
      if (line.next - line.end == 2 && p[line.end] == '\n') fields_exact = false;  // LF CR
      std::size_t k = 0;
      if (is_blank(text[0]) && !first_line) {  // folded continuation
        while (k < text.size() && is_blank(text[k])) ++k;
        const std::string_view more = text.substr(k);
        if (field_open) {
          if (fields_)
            fields_->push_back(FieldSpan{static_cast<std::uint32_t>(line.begin), 0, static_cast<std::uint32_t>(line.begin + k),
                                         static_cast<std::uint32_t>(line.end)});
          value_len += 1 + more.size();
          if (field_is_ct && !pending_ct_joined) {
            pending_ct.assign(pending_ct_view);
            pending_ct_joined = true;
          }
          if (field_is_ct && pending_ct.size() <= Limits::max_header_field_bytes) {
            pending_ct.push_back(' ');
            pending_ct.append(more);
          }
        } else {
          orphan_len += 1 + more.size();
          if (orphan_text.size() <= Limits::max_header_field_bytes) {
            orphan_text.push_back(' ');
            orphan_text.append(more);
          }
          if (orphan_len > Limits::max_header_field_bytes) fail(GuardError::header_too_large);
        }
        pos_ = line.next;
        header_end = line.end;
        continue;
      }
      close_field();
      if (text[0] == ':') {  // mimetic ignores a line starting with ':'
        first_line = false;
        pos_ = line.next;
        header_end = line.end;
        continue;
      }
      // Field name: name chars, then optional blanks, then ':'. Anything else starts the body.
      // (A first line may start with blanks: mimetic takes them as the name, trimmed to nothing,
      // when a ':' follows.)
      k = field_name_length(text);
      const std::size_t name_end = k;
      while (k < text.size() && is_blank(text[k])) ++k;
      if (k >= text.size() || text[k] != ':') {
        // mimetic gives up at text[k]: the line is body, but its boundary test starts there.
        body_begin = line.begin;
        test_from_ = line.begin + k;
        break;
      }
      if (fields_) {
        // An indented copy is read otherwise; its empty name would also read as a continuation.
        if (first_line && is_blank(text[0])) fields_exact = false;
        fields_->push_back(FieldSpan{static_cast<std::uint32_t>(line.begin), static_cast<std::uint32_t>(line.begin + name_end),
                                     static_cast<std::uint32_t>(line.begin + k + 1), static_cast<std::uint32_t>(line.end)});
      }
      ++k;
      while (k < text.size() && is_blank(text[k])) ++k;
      open_field(text.substr(0, name_end), text.substr(k));
      first_line = false;
      pos_ = line.next;
      header_end = line.end;
    }
    pos_ = body_begin;
    if (spans_) {
      auto& span = (*spans_)[index];
      span.header_end = std::min(header_end, body_begin);
      span.body_begin = body_begin;
      span.fields_begin = fields_begin;
      span.fields_end = static_cast<std::uint32_t>(fields_ ? fields_->size() : 0);
      span.fields_exact = fields_exact && fields_ != nullptr;
    }
    return blank_line;
  }

  void load_multipart(std::string boundary, std::string shown, std::size_t depth, std::size_t index) {
    boundaries_.push_back(std::move(boundary));
    shown_.push_back(std::move(shown));
    skip_text(index, &EntitySpan::preamble_end);
    while (pos_ < raw_.size() && error_ == GuardError::none) {
      switch (last_) {
        case BoundaryKind::none:
          return;
        case BoundaryKind::boundary:
          load_entity(depth + 1);
          break;
        case BoundaryKind::closing:
          boundaries_.pop_back();
          shown_.pop_back();
          if (spans_) (*spans_)[index].epilogue_begin = static_cast<std::uint32_t>(pos_);
          skip_text(index, &EntitySpan::epilogue_end);
          return;
        case BoundaryKind::higher_level:
          boundaries_.pop_back();
          shown_.pop_back();
          return;
      }
    }
  }

  // A preamble or epilogue: skipped up to the next delimiter, its end recorded in the span. With
  // short delimiters mimetic is shown a stub instead (we read the text from the span).
  void skip_text(std::size_t index, std::uint32_t EntitySpan::*end) {
    const std::size_t begin = pos_, edit = edits_ ? edits_->size() : 0;
    const bool stub = edits_ && short_delimiters_;
    if (stub) edits_->push_back(StreamEdit{begin, begin, "", true});
    copy_until_boundary();
    if (stub) (*edits_)[edit].end = stop_pos_;  // (inserted delimiters come after: they start at stop_pos_)
    if (spans_) (*spans_)[index].*end = static_cast<std::uint32_t>(stop_pos_);
  }

  // mimetic's isBoundary: prefix match against the open boundaries, innermost first.
  BoundaryKind classify_boundary(std::string_view line, std::size_t& level) {
    level = 0;
    for (auto it = boundaries_.rbegin(); it != boundaries_.rend(); ++it, ++level) {
      const std::string& b = *it;
      if (line.size() >= b.size() && line.compare(0, b.size(), b) == 0) {
        if (level > 0) return last_ = BoundaryKind::higher_level;
        if (line.size() >= b.size() + 2 && line.compare(b.size(), 2, "--") == 0)
          return last_ = BoundaryKind::closing;
        return last_ = BoundaryKind::boundary;
      }
    }
    return last_ = BoundaryKind::none;
  }

  // Skips body lines up to the next boundary line (consumed) or the end of input. A delimiter of
  // an outer multipart closes the inner ones first: their closing delimiters are inserted into
  // mimetic's stream before it (StreamEdit) and taken here one per call.
  void copy_until_boundary() {
    std::size_t level = 0;
    while (!pending_.empty()) {
      const std::string line = std::move(pending_.front());
      pending_.erase(pending_.begin());
      if (classify_boundary(line, level) != BoundaryKind::none) {
        stop_pos_ = pos_;
        return;
      }
    }
    const std::size_t n = raw_.size();
    const char* p = raw_.data();
    if (boundaries_.empty()) {  // outside any multipart no line is a delimiter: the body runs to the end
      pos_ = stop_pos_ = n;
      return;
    }
    std::size_t from = pos_;  // where the search for "--" goes on (pos_ stays at a line start)
    while (pos_ < n) {
      // Only a line holding "--" can be a delimiter: go straight to the next one.
      const std::size_t dash = find_double_dash(p, std::max(from, pos_), n);
      if (dash == npos) break;
      from = dash + 1;
      std::size_t line_begin = pos_;  // just after the last line break before `dash`
      if (dash > pos_ && is_newline(p[dash - 1])) {
        line_begin = dash;
      } else if (dash > pos_ && dash - pos_ < kBlockLine && test_from_ == 0) {
        // Inside a line shorter than mimetic's block (it starts at or after pos_), where no
        // segment of it is tested and no header parse gave up: no delimiter starts here.
        continue;
      } else if (dash > pos_) {
        if (const void* lf = memrchr(p + pos_, '\n', dash - pos_))
          line_begin = std::max(line_begin, static_cast<std::size_t>(static_cast<const char*>(lf) - p) + 1);
        if (const void* cr = memrchr(p + pos_, '\r', dash - pos_))
          line_begin = std::max(line_begin, static_cast<std::size_t>(static_cast<const char*>(cr) - p) + 1);
      }
      const Line line = read_line(raw_, line_begin);
      if (!line.has_newline) break;  // the last, unterminated line is never tested
      // Where mimetic's line starts: the line's start, or for a body line that ended a header,
      // where its header parse gave up (see load_header).
      const std::size_t start = test_from_ > line.begin && test_from_ <= line.end ? test_from_ : line.begin;
      test_from_ = 0;
      const std::size_t len = line.end - start;
      if (len >= 2) {
        std::size_t seg = start;
        if (len >= kBlockLine) seg = start + len / kBlockLine * kBlockLine;
        const std::size_t seg_len = line.end - seg;
        if (seg_len >= 2 && p[seg] == '-' && p[seg + 1] == '-') {
          const BoundaryKind kind = classify_boundary(std::string_view(p + seg, seg_len), level);
          if (kind == BoundaryKind::higher_level) {
            // Close the `level` inner multiparts, innermost first; the line itself is read again.
            std::string inserted;
            for (std::size_t k = 0; k < level; ++k) {
              std::string closing = boundaries_[boundaries_.size() - 1 - k] + "--";
              inserted.append(shown_[shown_.size() - 1 - k]).append("--\n");
              pending_.push_back(std::move(closing));
            }
            if (edits_) edits_->push_back(StreamEdit{seg, seg, std::move(inserted)});
            pos_ = seg;
            copy_until_boundary();  // takes the first inserted delimiter
            return;
          }
          if (kind != BoundaryKind::none) {
            if (edits_ && short_delimiters_) {  // mimetic sees our delimiter in its place
              std::string shown = shown_.back();
              if (kind == BoundaryKind::closing) shown.append("--");
              edits_->push_back(StreamEdit{seg, line.end, std::move(shown)});
            }
            // (A delimiter in a long line's last segment: mimetic keeps the segments before it in
            // the text it ends.)
            stop_pos_ = seg;
            pos_ = line.next;
            return;
          }
        }
      }
      pos_ = line.next;
    }
    pos_ = n;
    stop_pos_ = n;
  }

  std::string_view raw_;
  std::vector<EntitySpan>* spans_;
  std::vector<StreamEdit>* edits_;
  std::vector<FieldSpan>* fields_;
  std::vector<std::string> pending_;     // inserted closing delimiters not yet read
  std::size_t pos_ = 0;
  std::size_t stop_pos_ = 0;
  std::size_t test_from_ = 0;            // see copy_until_boundary
  std::size_t parts_ = 0;
  unsigned long long header_work_ = 0;
  std::vector<std::string> boundaries_;  // innermost last
  std::vector<std::string> shown_;       // the delimiters mimetic sees for them (ours or the same)
  bool short_delimiters_;
  bool all_stubbed_ = true;
  BoundaryKind last_ = BoundaryKind::none;
  GuardError error_ = GuardError::none;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

// mimetic's remove_external_blanks: space and tab only.
std::string_view trim_blanks(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && is_blank(s[b])) ++b;
  while (e > b && is_blank(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// mimetic's remove_dquote: one pair of enclosing double quotes.
std::string_view remove_dquotes(std::string_view s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

}  // namespace

std::size_t field_name_length(std::string_view line) {
  const char* p = line.data();
  const std::size_t n = line.size();
  std::size_t i = 0;
#if defined(__SSE2__)
  // A byte is a name character when byte - 33 < 94 (unsigned) and it is no ':'. SSE2 compares
  // signed bytes, so both sides are shifted by 0x80.
  const __m128i bias = _mm_set1_epi8(33), flip = _mm_set1_epi8(static_cast<char>(0x80)),
                limit = _mm_set1_epi8(static_cast<char>(94 - 128)), colon = _mm_set1_epi8(':');
  for (; i + 16 <= n; i += 16) {
    const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i in_range = _mm_cmplt_epi8(_mm_xor_si128(_mm_sub_epi8(c, bias), flip), limit);
    const __m128i name = _mm_andnot_si128(_mm_cmpeq_epi8(c, colon), in_range);
    const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(name));
    if (mask != 0xFFFF) return i + static_cast<std::size_t>(__builtin_ctz(~mask));
  }
#endif
  while (i < n && is_name_char(p[i])) ++i;
  return i;
}

ContentTypeView read_content_type(std::string_view value) {
  ContentTypeView ct;
  const std::size_t semi = value.find(';');
  const std::string_view media = value.substr(0, semi);
  const std::size_t slash = media.find('/');
  ct.type = media.substr(0, slash);
  if (slash != npos) {
    const std::string_view rest = media.substr(slash + 1);
    ct.subtype = rest.substr(0, rest.find('/'));
  }
  ct.multipart = text::iequals(ct.type, "multipart");
  ct.rfc822 = text::iequals(ct.type, "message") && text::iequals(ct.subtype, "rfc822");
  bool have_boundary = false, have_charset = false;
  std::size_t pos = semi == npos ? value.size() : semi + 1;
  while (pos < value.size() && !(have_boundary && have_charset)) {
    std::size_t end = value.find(';', pos);
    if (end == npos) end = value.size();
    const std::string_view piece = value.substr(pos, end - pos);
    pos = end + 1;
    const std::size_t eq = piece.find('=');
    if (eq == npos) continue;  // mimetic keeps it with an empty name: never matches
    const std::string_view name = trim_blanks(piece.substr(0, eq));
    if (!have_boundary && name.size() == 8 && text::iequals(name, "boundary")) {
      ct.boundary = remove_dquotes(trim_blanks(piece.substr(eq + 1)));
      have_boundary = true;
    } else if (!have_charset && name.size() == 7 && text::iequals(name, "charset")) {
      ct.charset = remove_dquotes(trim_blanks(piece.substr(eq + 1)));
      have_charset = true;
    }
  }
  return ct;
}

std::string_view skip_leading_blank_lines(std::string_view raw) {
  std::size_t pos = 0;
  while (pos < raw.size()) {
    const Line line = read_line(raw, pos);
    std::size_t k = line.begin;
    while (k < line.end && is_blank(raw[k])) ++k;
    if (k != line.end || !line.has_newline) break;
    pos = line.next;
  }
  return raw.substr(pos);
}

GuardError scan_message(std::string_view raw, MimeLayout* layout) {
  if (raw.size() > Limits::max_message_bytes) return GuardError::too_large;
  bool all_space = true;
  for (char c : raw)
    if (!is_space(c)) {
      all_space = false;
      break;
    }
  if (all_space) return GuardError::empty;
  if (layout) {
    layout->spans.clear();
    layout->edits.clear();
    layout->fields.clear();
  }
  PreScan scan(raw, layout);
  const GuardError error = scan.run();
  if (!layout || !layout->short_delimiters || scan.short_delimiters_kept()) return error;
  layout->short_delimiters = false;  // a multipart header mimetic must read itself: its delimiters stay
  return scan_message(raw, layout);
}

GuardError check_message(std::string_view raw) {
  if (raw.size() > Limits::max_message_bytes) return GuardError::too_large;
  return scan_message(skip_leading_blank_lines(raw), nullptr);
}

std::string_view strip_mbox_from_line(std::string_view raw) {
  if (raw.substr(0, 5) != "From ") return raw;
  const Line line = read_line(raw, 0);
  return raw.substr(line.next);
}

// An mbox postmark in full: "From <sender> <asctime date>" ("From MAILER-DAEMON Thu Jul  2 12:05:05
// 2020"). Some writers start the next message without the blank line before it; a line this
// precise is taken as a separator even then (a body line "From here ..." is not one).
bool full_postmark(std::string_view l) {
  if (l.size() < 24 || l.size() > 200 || l.substr(0, 5) != "From ") return false;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  bool clock = false;
  for (std::size_t i = 0; i + 5 <= l.size() && !clock; ++i)
    clock = digit(l[i]) && digit(l[i + 1]) && l[i + 2] == ':' && digit(l[i + 3]) && digit(l[i + 4]);
  if (!clock) return false;
  // A year (19xx / 20xx) as the last or next-to-last word.
  std::size_t end = l.size();
  while (end > 0 && (l[end - 1] == ' ' || l[end - 1] == '\r')) --end;
  for (int word = 0; word < 2 && end >= 4; ++word) {
    std::size_t begin = l.rfind(' ', end - 1);
    begin = begin == std::string_view::npos ? 0 : begin + 1;
    const auto w = l.substr(begin, end - begin);
    if (w.size() == 4 && (w.substr(0, 2) == "19" || w.substr(0, 2) == "20") && digit(w[2]) && digit(w[3])) return true;
    end = begin > 0 ? begin - 1 : 0;
  }
  return false;
}

std::vector<std::string_view> split_mbox(std::string_view raw) {
  if (raw.substr(0, 5) != "From ") return {raw};
  std::vector<std::string_view> messages;
  std::size_t message_begin = std::string_view::npos;  // after the current "From " line
  std::size_t blank_begin = std::string_view::npos;    // start of the blank line before this line
  bool previous_blank = true;                          // start of file counts as after a blank line
  std::size_t pos = 0;
  while (pos < raw.size()) {
    const Line line = read_line(raw, pos);
    if (line.size() >= 5 && raw.compare(line.begin, 5, "From ") == 0 &&
        (previous_blank || full_postmark(raw.substr(line.begin, line.size())))) {
      if (message_begin != std::string_view::npos) {
        const std::size_t end = blank_begin != std::string_view::npos ? blank_begin : line.begin;
        messages.push_back(raw.substr(message_begin, end - message_begin));
        if (messages.size() >= Limits::max_mbox_messages) return messages;
      }
      message_begin = line.next;
      previous_blank = false;
      pos = line.next;
      continue;
    }
    if (line.size() == 0) {
      if (!previous_blank) blank_begin = line.begin;
      previous_blank = true;
    } else {
      previous_blank = false;
      blank_begin = std::string_view::npos;
    }
    pos = line.next;
  }
  if (message_begin != std::string_view::npos)
    messages.push_back(raw.substr(message_begin, raw.size() - message_begin));
  return messages;
}

}  // namespace bounced
