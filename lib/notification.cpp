// notification.cpp: see notification.hpp.
#include "notification.hpp"

#include "decode.hpp"
#include "text.hpp"

namespace bounced {
namespace {

bool is_original_type(std::string_view t) {
  return t == "message/rfc822" || t == "text/rfc822-headers" || t == "message/global" ||
         t == "message/global-headers" || t == "message/partial";
}

bool is_status_type(std::string_view t) {
  return t == "message/delivery-status" || t == "message/global-delivery-status";
}

// Strips tags and decodes the few entities that matter for matching bounce texts.
std::string html_to_text(std::string_view html) {
  std::string out;
  out.reserve(html.size());
  bool in_tag = false;
  const std::size_t n = html.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (in_tag) {  // skip to the tag's end
      const std::size_t gt = html.find('>', i);
      if (gt == std::string_view::npos) break;
      in_tag = false;
      i = gt;
      continue;
    }
    // Text up to the next '<' or '&' is copied as it is.
    const std::size_t run = text::find_either(html, '<', '&', i);
    out.append(html.substr(i, run - i));
    if (run == n) break;
    i = run;
    const char c = html[i];
    if (c == '<') {
      in_tag = true;
      // Block-level breaks become new lines so line-based scanners still work.
      const char next = i + 1 < n ? static_cast<char>(html[i + 1] | 0x20) : '\0';  // every tag below: <b <p </ <d
      if ((next == 'b' || next == 'p' || next == '/' || next == 'd') &&
          (text::istarts_with(html.substr(i), "<br") || text::istarts_with(html.substr(i), "<p") ||
           text::istarts_with(html.substr(i), "</p") || text::istarts_with(html.substr(i), "<div") ||
           text::istarts_with(html.substr(i), "</tr") || text::istarts_with(html.substr(i), "</td")))
        out.push_back('\n');
      continue;
    }
    if (c == '&') {
      static constexpr std::pair<std::string_view, char> kEntities[] = {
          {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&nbsp;", ' '}, {"&#39;", '\''}};
      bool done = false;
      for (const auto& [name, ch] : kEntities)
        if (text::istarts_with(html.substr(i), name)) {
          out.push_back(ch);
          i += name.size() - 1;
          done = true;
          break;
        }
      if (done) continue;
    }
    out.push_back(c);
  }
  return out;
}

// Gathers the plain text parts' text into `plain`, and the HTML parts (only read when there is
// no plain text at all) into `html`.
void collect(const MimePart& part, ScanInput& in, std::string& plain, std::vector<const MimePart*>& html) {
  const auto& t = part.media_type;
  if (is_status_type(t)) {
    if (!in.delivery_status) in.delivery_status = &part;
    return;
  }
  if (is_original_type(t)) {
    if (!in.original) in.original = &part;
    return;
  }
  if (part.is_multipart()) {
    for (const auto& c : part.children) collect(*c, in, plain, html);
    return;
  }
  if (t == "text/html") {
    html.push_back(&part);
  } else if (t.rfind("text/", 0) == 0 || t.empty()) {
    if (plain.empty()) {
      plain = part.text();  // the usual single text part: taken, not copied again
    } else {
      plain += '\n';
      plain += part.text();
    }
  }
}

}  // namespace

void assign_header_text(std::string& out, std::string_view value) {
  // What decode_encoded_words returns for ASCII without "=?" is the value itself.
  if (value.find("=?") == std::string_view::npos && text::is_ascii(value)) out.assign(value);
  else out = decode_encoded_words(value);
}

std::string header_text(std::string_view value) {
  std::string out;
  assign_header_text(out, value);
  return out;
}

ScanInput make_scan_input(const MimePart& root) {
  ScanInput in{root, {}, {}, {}, nullptr, nullptr};
  if (const auto* s = in.header("subject")) assign_header_text(in.subject, *s);
  if (const auto* f = in.header("from")) assign_header_text(in.from, *f);
  std::string plain;
  std::vector<const MimePart*> html_parts;
  collect(root, in, plain, html_parts);
  if (plain.empty()) {
    for (const MimePart* part : html_parts) {
      if (!plain.empty()) plain += '\n';
      plain += html_to_text(part->text());
    }
  }
  in.body_text = std::move(plain);
  text::normalize_newlines_in_place(in.body_text);
  return in;
}

}  // namespace bounced
