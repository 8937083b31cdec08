// mime.hpp: the MIME stage. Parses a message (through mimetic's forward-iterator path) into our own
// tree of parts with decoded bodies. Callers never see mimetic types. message/rfc822 parts keep their
// raw text (body) and are parsed on demand with parse_mime() again, subject to the same limits.
#pragma once
#include <forward_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "decode.hpp"
#include "guard.hpp"

namespace bounced {

namespace detail {
template <typename T>
inline constexpr bool is_temporary_string = std::is_same_v<std::remove_cvref_t<T>, std::string> && !std::is_lvalue_reference_v<T>;
}  // namespace detail

// Views into bytes the part owns (MimePart::header_bytes) or, for fields added by hand, into text
// that outlives the part (add_header copies).
struct HeaderField {
  std::string_view name;   // as written
  std::string_view value;  // unfolded (CRLF + WSP -> single space), leading/trailing space trimmed, raw (not 2047-decoded)

  HeaderField() = default;
  HeaderField(std::string_view n, std::string_view v) : name(n), value(v) {}
  // A field made from a temporary string would view freed bytes: MimePart::add_header copies.
  template <typename N, typename V>
    requires(detail::is_temporary_string<N> || detail::is_temporary_string<V>)
  HeaderField(N&&, V&&) = delete;
};

// A header field that owns its text (parse_header_block's result).
struct OwnedHeaderField {
  std::string name, value;
};

struct MimePart {
  std::vector<HeaderField> headers;
  // The bytes `headers` views: the parser's copy of the header block (one allocation per part),
  // and add_header's copies.
  std::unique_ptr<char[]> header_bytes;
  std::forward_list<std::string> added_header_bytes;
  std::string media_type;   // lowercase "type/subtype"; "text/plain" when absent
  std::string charset;      // lowercase charset parameter, "" if none
  std::string boundary;
  std::string body;         // transfer-decoded (base64/qp) bytes, NOT charset-converted
  std::vector<std::unique_ptr<MimePart>> children;  // parts of a multipart

  // First header with this name (case-insensitive), or nullptr.
  const std::string_view* header(std::string_view name) const;
  // All headers with this name, in order.
  std::vector<const std::string_view*> headers_named(std::string_view name) const;
  // Appends a field, its name and value copied into the part's own storage.
  void add_header(std::string_view name, std::string_view value);
  bool is_multipart() const { return media_type.rfind("multipart/", 0) == 0; }
  // Body converted to UTF-8 from `charset` (for text parts), with the caller's converters when
  // given (see CharsetConverters).
  std::string text(CharsetConverters* converters = nullptr) const;
};

struct MimeResult {
  GuardError error = GuardError::none;  // none when `root` is set
  std::unique_ptr<MimePart> root;
};

// Parses one message (mbox From line already stripped). Runs check_message() first.
MimeResult parse_mime(std::string_view raw);

// Parses only a header block (for text/rfc822-headers parts and inline originals) into fields.
std::vector<OwnedHeaderField> parse_header_block(std::string_view raw);

// Reads a header block as parse_header_block does, without building the fields: visit(context,
// name, value) for each field in order, the value unfolded and trimmed. The views are valid only
// during the call. for_each_header_field is the convenient form.
using HeaderVisitor = void (*)(void* context, std::string_view name, std::string_view value);
void visit_header_block(std::string_view raw, HeaderVisitor visit, void* context);
template <typename F>
void for_each_header_field(std::string_view raw, F&& f) {
  visit_header_block(
      raw, [](void* c, std::string_view name, std::string_view value) { (*static_cast<std::remove_reference_t<F>*>(c))(name, value); },
      &f);
}

// Visits every part depth-first, in document order.
template <typename F>
void for_each_part(const MimePart& part, F&& f) {
  f(part);
  for (const auto& child : part.children) for_each_part(*child, f);
}

}  // namespace bounced
