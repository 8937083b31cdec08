// dsn.cpp: see dsn.hpp. A line-fed reader: fields are unfolded first, then assigned to groups.
// A recipient group starts at a blank line or, for DSNs that omit the blank line, at a second
// Final-Recipient / Original-Recipient seen in the same group.
#include "dsn.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <iterator>

#include "text.hpp"

namespace bounced {
namespace {

// The fields this reader knows; every other name is `other` (it still ends a recipient group).
enum class FieldId : std::uint8_t {
  other,
  reporting_mta,
  arrival_date,
  received_from_mta,
  original_envelope_id,
  final_recipient,
  x_actual_recipient,
  original_recipient,
  action,
  status,
  remote_mta,
  diagnostic_code,
  last_attempt_date,
  will_retry_until,
  final_log_id,
  x_display_name,
  x_powermta_bouncecategory,
};

struct KnownField {
  std::string_view name;  // lowercase
  FieldId id;
  bool per_recipient;     // belongs to a recipient group (RFC 3464 2.3, and the extensions read)
};

constexpr KnownField kKnownFields[] = {
    {"reporting-mta", FieldId::reporting_mta, false},
    {"arrival-date", FieldId::arrival_date, false},
    {"received-from-mta", FieldId::received_from_mta, false},
    {"original-envelope-id", FieldId::original_envelope_id, false},
    {"final-recipient", FieldId::final_recipient, true},
    {"x-actual-recipient", FieldId::x_actual_recipient, true},
    {"original-recipient", FieldId::original_recipient, true},
    {"action", FieldId::action, true},
    {"status", FieldId::status, true},
    {"remote-mta", FieldId::remote_mta, true},
    {"diagnostic-code", FieldId::diagnostic_code, true},
    {"last-attempt-date", FieldId::last_attempt_date, true},
    {"will-retry-until", FieldId::will_retry_until, true},
    {"final-log-id", FieldId::final_log_id, true},
    {"x-display-name", FieldId::x_display_name, true},
    {"x-powermta-bouncecategory", FieldId::x_powermta_bouncecategory, true},
};

// A known name as eight-byte words, for a case-insensitive comparison a word at a time: a word
// of the field's name matches when (word | fold) == lower, fold having 0x20 at the known name's
// letters (so a letter matches in either case, and only a letter: the known letter has its 0x20
// bit set, so just it and its capital pass) and 0 elsewhere (other bytes match only themselves).
// The words are read at 0, 8, ... and the last at size - 8 (overlapping; every name is 8+ bytes
// long, the two six-letter ones aside, which are compared a byte at a time).
struct NameWords {
  static constexpr std::size_t kMax = 4;
  std::size_t count = 0;
  std::size_t at[kMax] = {};
  std::uint64_t lower[kMax] = {}, fold[kMax] = {};
};
constexpr NameWords name_words(std::string_view name) {
  NameWords w;
  if (name.size() < 8) return w;
  const std::size_t n = name.size();
  for (std::size_t i = 0; i + 8 < n; i += 8) w.at[w.count++] = i;
  w.at[w.count++] = n - 8;
  for (std::size_t k = 0; k < w.count; ++k)
    for (std::size_t b = 0; b < 8; ++b) {  // little-endian, as memcpy reads them
      const char c = name[w.at[k] + b];
      w.lower[k] |= std::uint64_t{static_cast<unsigned char>(c)} << (8 * b);
      if (c >= 'a' && c <= 'z') w.fold[k] |= std::uint64_t{0x20} << (8 * b);
    }
  return w;
}
constexpr auto kKnownNameWords = [] {
  std::array<NameWords, std::size(kKnownFields)> out{};
  for (std::size_t i = 0; i < std::size(kKnownFields); ++i) out[i] = name_words(kKnownFields[i].name);
  return out;
}();
static_assert([] {
  for (const auto& k : kKnownFields)
    if (k.name.size() > 8 * NameWords::kMax) return false;
  return true;
}(), "known DSN field names fit NameWords");

// Which of the known fields `name` (any case) is: its length and first letter pick the one
// candidate (no two known names share both), then one comparison.
FieldId field_id(std::string_view name) {
  if (name.empty()) return FieldId::other;
  const char first = static_cast<char>(name[0] | 0x20);
  for (std::size_t i = 0; i < std::size(kKnownFields); ++i) {
    const auto& k = kKnownFields[i];
    if (k.name.size() != name.size() || k.name[0] != first) continue;
    const NameWords& w = kKnownNameWords[i];
    if (w.count == 0) return text::iequals(name, k.name) ? k.id : FieldId::other;
    for (std::size_t j = 0; j < w.count; ++j) {
      std::uint64_t word;
      std::memcpy(&word, name.data() + w.at[j], 8);
      if ((word | w.fold[j]) != w.lower[j]) return FieldId::other;
    }
    return k.id;
  }
  return FieldId::other;
}
static_assert([] {
  for (const auto& a : kKnownFields)
    for (const auto& b : kKnownFields)
      if (&a != &b && a.name.size() == b.name.size() && a.name[0] == b.name[0]) return false;
  return true;
}(), "known DSN field names differ in length or first letter");

constexpr auto kPerRecipient = [] {
  std::array<bool, 32> out{};
  for (const auto& k : kKnownFields) out[static_cast<std::size_t>(k.id)] = k.per_recipient;
  return out;
}();

bool is_recipient_field(FieldId id) { return kPerRecipient[static_cast<std::size_t>(id)]; }

struct Field {
  FieldId id;
  std::string_view line;    // the value as written on the field's own line (trimmed)
  std::string folded = {};  // with continuation lines, when there were any
  bool group_start;         // a blank line preceded it
  std::string_view value() const { return folded.empty() ? line : std::string_view(folded); }
  void append(std::string_view more) {
    if (folded.empty()) folded.assign(line);
    folded += ' ';
    folded += more;
  }
};

// The next line of `s` from `at` (LF, CRLF or CR ends it; the end removed), as text::lines
// splits; false at the end.
bool next_line(std::string_view s, std::size_t& at, std::string_view& line) {
  const std::size_t n = s.size();
  if (at >= n) return false;
  const char* p = s.data();
  const std::size_t i = text::find_line_break(s, at);
  line = s.substr(at, i - at);
  at = i + 1;
  if (i < n && p[i] == '\r' && at < n && p[at] == '\n') ++at;
  return true;
}

std::vector<Field> unfold_fields(std::string_view body) {
  std::vector<Field> out;
  out.reserve(body.size() / 40 + 4);
  bool blank_before = false;
  std::size_t at = 0;
  std::string_view line;
  while (next_line(body, at, line)) {
    const auto trimmed = text::trim(line);
    if (trimmed.empty()) {
      blank_before = true;
      continue;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !out.empty() && !blank_before) {
      out.back().append(trimmed);
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      // Not a field: a stray continuation without indentation (seen with some MTAs that wrap
      // Diagnostic-Code at 76 columns). Attach it to the previous field if there is one.
      if (!out.empty() && !blank_before) out.back().append(trimmed);
      blank_before = false;
      continue;
    }
    auto name = text::trim(line.substr(0, colon));
    if (name.find(' ') != std::string_view::npos) {
      if (!out.empty() && !blank_before) out.back().append(trimmed);
      blank_before = false;
      continue;
    }
    out.push_back({field_id(name), text::trim(line.substr(colon + 1)), {}, blank_before});
    blank_before = false;
  }
  return out;
}

std::string first_word(std::string_view v) {
  v = text::trim(v);
  std::size_t e = 0;
  while (e < v.size() && v[e] != ' ' && v[e] != '\t' && v[e] != '(' && v[e] != ';') ++e;
  return std::string(v.substr(0, e));
}

// remove_comments without a copy when there is nothing to remove: a view of `v`, or of
// `scratch` holding the cleaned text.
std::string_view without_comments(std::string_view v, std::string& scratch) {
  // Nothing to remove without a '(' (and no quoted pair to unescape without a '\\'): sixteen
  // bytes at a time.
  if (text::find_either(v, '(', '\\') == v.size()) return text::trim(v);
  scratch.clear();
  int depth = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c == '\\' && i + 1 < v.size()) {
      if (depth == 0) {
        scratch.push_back(c);
        scratch.push_back(v[i + 1]);
      }
      ++i;
      continue;
    }
    if (c == '"' && depth == 0) quoted = !quoted;
    if (!quoted && c == '(') {
      ++depth;
      continue;
    }
    if (!quoted && c == ')' && depth > 0) {
      --depth;
      continue;
    }
    if (depth == 0) scratch.push_back(c);
  }
  return text::trim(scratch);
}

// strip_type_prefix as a view of `value`.
std::string_view type_prefix_stripped(std::string_view value) {
  auto v = text::trim(value);
  const auto semi = v.find(';');
  if (semi != std::string_view::npos) {
    const auto type = text::trim(v.substr(0, semi));
    if (type.find(' ') == std::string_view::npos && type.find('@') == std::string_view::npos)
      v = text::trim(v.substr(semi + 1));
  }
  return v;
}

}  // namespace

std::string remove_comments(std::string_view v) {
  std::string scratch;
  return std::string(without_comments(v, scratch));
}

std::string strip_type_prefix(std::string_view value) { return std::string(type_prefix_stripped(value)); }

DsnReport parse_delivery_status(std::string_view body) {
  DsnReport report;
  const auto fields = unfold_fields(body);
  DsnRecipient current;
  bool in_recipient = false;
  bool have_recipient_data = false;
  bool verdict_after_original = false;  // Action/Status seen after the current Original-Recipient
  std::string scratch;                  // without_comments' copy, when a value has comments

  // Bounded like every other stage: a message is at most 32 MiB, but a hostile one could still
  // hold hundreds of thousands of tiny groups.
  constexpr std::size_t kMaxRecipients = 10000;
  // Every field of a DsnRecipient, for emptying one in place (cheaper than assigning a fresh one).
  static constexpr std::string DsnRecipient::*kRecipientFields[] = {
      &DsnRecipient::final_recipient,  &DsnRecipient::original_recipient, &DsnRecipient::action,
      &DsnRecipient::status,           &DsnRecipient::remote_mta,         &DsnRecipient::diagnostic_type,
      &DsnRecipient::diagnostic_code,  &DsnRecipient::last_attempt_date,  &DsnRecipient::will_retry_until,
      &DsnRecipient::final_log_id,     &DsnRecipient::bounce_category};
  static_assert(sizeof(DsnRecipient) == std::size(kRecipientFields) * sizeof(std::string),
                "kRecipientFields lists every field of DsnRecipient");
  auto flush = [&] {
    if (have_recipient_data && report.recipients.size() < kMaxRecipients)
      report.recipients.push_back(std::move(current));
    for (const auto field : kRecipientFields) (current.*field).clear();
    have_recipient_data = false;
  };
  // An address field's value: the address in it, else the value without comments and type.
  auto address_of = [&](std::string_view v) {
    auto addr = text::find_address(type_prefix_stripped(v));
    if (addr.empty()) addr = type_prefix_stripped(without_comments(v, scratch));
    return addr;
  };

  for (const auto& f : fields) {
    const FieldId id = f.id;
    if (is_recipient_field(id)) {
      const bool starts_new =
          (f.group_start && in_recipient) ||
          ((id == FieldId::final_recipient && !current.final_recipient.empty()) ||
           (id == FieldId::original_recipient && !current.original_recipient.empty()) ||
           // Original-Recipient, then its Action/Status, then a Final-Recipient: a new group
           // whose blank line is missing. (Action/Status before both addresses is one group.)
           (id == FieldId::final_recipient && !current.original_recipient.empty() && verdict_after_original));
      if (starts_new) flush();
      if (starts_new || id == FieldId::original_recipient) verdict_after_original = false;
      if ((id == FieldId::action || id == FieldId::status) && !current.original_recipient.empty())
        verdict_after_original = true;
      in_recipient = true;
    } else if (f.group_start && in_recipient) {
      flush();
      in_recipient = false;
    }
    const std::string_view v = f.value();
    switch (id) {
      case FieldId::reporting_mta:
        report.fields.reporting_mta = type_prefix_stripped(without_comments(v, scratch));
        break;
      case FieldId::arrival_date:
        report.fields.arrival_date = v;
        break;
      case FieldId::received_from_mta:
        report.fields.received_from_mta = type_prefix_stripped(without_comments(v, scratch));
        break;
      case FieldId::original_envelope_id:
        report.fields.original_envelope_id = v;
        break;
      case FieldId::final_recipient:
      case FieldId::x_actual_recipient: {
        auto addr = address_of(v);
        if (id == FieldId::final_recipient || current.final_recipient.empty()) current.final_recipient = std::move(addr);
        have_recipient_data = true;
        break;
      }
      case FieldId::original_recipient:
        current.original_recipient = address_of(v);
        have_recipient_data = true;
        break;
      case FieldId::action:
        current.action = first_word(without_comments(v, scratch));
        text::lower_in_place(current.action);
        have_recipient_data = true;
        break;
      case FieldId::status: {
        const auto clean = without_comments(v, scratch);
        auto s = text::find_status(clean);
        current.status = s.empty() ? first_word(clean) : std::move(s);
        have_recipient_data = true;
        break;
      }
      case FieldId::remote_mta:
        current.remote_mta = type_prefix_stripped(without_comments(v, scratch));
        break;
      case FieldId::diagnostic_code: {
        const auto semi = v.find(';');
        if (semi != std::string_view::npos && v.substr(0, semi).find(' ') == std::string_view::npos) {
          current.diagnostic_type = text::trim(v.substr(0, semi));
          text::lower_in_place(current.diagnostic_type);
          current.diagnostic_code = text::trim(v.substr(semi + 1));
        } else {
          current.diagnostic_code = v;
        }
        break;
      }
      case FieldId::last_attempt_date:
        current.last_attempt_date = v;
        break;
      case FieldId::will_retry_until:
        current.will_retry_until = v;
        break;
      case FieldId::final_log_id:
        current.final_log_id = v;
        break;
      case FieldId::x_powermta_bouncecategory:
        current.bounce_category = first_word(v);
        text::lower_in_place(current.bounce_category);
        break;
      case FieldId::x_display_name:
      case FieldId::other:
        break;
    }
  }
  flush();
  return report;
}

}  // namespace bounced
