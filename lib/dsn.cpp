// dsn.cpp: see dsn.hpp. A line-fed reader: fields are unfolded first, then assigned to groups.
// A recipient group starts at a blank line or, for DSNs that omit the blank line, at a second
// Final-Recipient / Original-Recipient seen in the same group.
#include "dsn.hpp"

#include "text.hpp"

namespace bounced {
namespace {

struct Field {
  std::string name;         // lowercase
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

// Field names are short: lowercased in the string itself (no call, no second copy).
std::string lower_name(std::string_view name) {
  std::string out(name);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

std::vector<Field> unfold_fields(std::string_view body) {
  std::vector<Field> out;
  const auto lines = text::lines(body);
  out.reserve(lines.size());
  bool blank_before = false;
  for (auto line : lines) {
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
    out.push_back({lower_name(name), text::trim(line.substr(colon + 1)), {}, blank_before});
    blank_before = false;
  }
  return out;
}

bool is_recipient_field(std::string_view n) {
  return n == "final-recipient" || n == "original-recipient" || n == "action" || n == "status" ||
         n == "remote-mta" || n == "diagnostic-code" || n == "last-attempt-date" ||
         n == "will-retry-until" || n == "final-log-id" || n == "x-actual-recipient" ||
         n == "x-display-name" || n == "x-powermta-bouncecategory";
}

std::string first_word(std::string_view v) {
  v = text::trim(v);
  std::size_t e = 0;
  while (e < v.size() && v[e] != ' ' && v[e] != '\t' && v[e] != '(' && v[e] != ';') ++e;
  return std::string(v.substr(0, e));
}

}  // namespace

std::string remove_comments(std::string_view v) {
  // Nothing to remove without a '(' (and no quoted pair to unescape without a '\\').
  // (A loop: find_first_of asks memchr once per byte.)
  bool plain = true;
  for (const char c : v)
    if (c == '(' || c == '\\') {
      plain = false;
      break;
    }
  if (plain) return std::string(text::trim(v));
  std::string out;
  int depth = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c == '\\' && i + 1 < v.size()) {
      if (depth == 0) {
        out.push_back(c);
        out.push_back(v[i + 1]);
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
    if (depth == 0) out.push_back(c);
  }
  return std::string(text::trim(out));
}

std::string strip_type_prefix(std::string_view value) {
  auto v = text::trim(value);
  const auto semi = v.find(';');
  if (semi != std::string_view::npos) {
    const auto type = text::trim(v.substr(0, semi));
    if (type.find(' ') == std::string_view::npos && type.find('@') == std::string_view::npos)
      v = text::trim(v.substr(semi + 1));
  }
  return std::string(v);
}

DsnReport parse_delivery_status(std::string_view body) {
  DsnReport report;
  const auto fields = unfold_fields(body);
  DsnRecipient current;
  bool in_recipient = false;
  bool have_recipient_data = false;
  bool verdict_after_original = false;  // Action/Status seen after the current Original-Recipient

  // Bounded like every other stage: a message is at most 32 MiB, but a hostile one could still
  // hold hundreds of thousands of tiny groups.
  constexpr std::size_t kMaxRecipients = 10000;
  auto flush = [&] {
    if (have_recipient_data && report.recipients.size() < kMaxRecipients)
      report.recipients.push_back(std::move(current));
    current = DsnRecipient{};
    have_recipient_data = false;
  };

  for (const auto& f : fields) {
    const std::string_view n = f.name;  // compared as a view: lengths first, no memcmp call
    const bool rf = is_recipient_field(n);
    if (rf) {
      const bool starts_new =
          (f.group_start && in_recipient) ||
          ((n == "final-recipient" && !current.final_recipient.empty()) ||
           (n == "original-recipient" && !current.original_recipient.empty()) ||
           // Original-Recipient, then its Action/Status, then a Final-Recipient: a new group
           // whose blank line is missing. (Action/Status before both addresses is one group.)
           (n == "final-recipient" && !current.original_recipient.empty() && verdict_after_original));
      if (starts_new) flush();
      if (starts_new || n == "original-recipient") verdict_after_original = false;
      if ((n == "action" || n == "status") && !current.original_recipient.empty())
        verdict_after_original = true;
      in_recipient = true;
    } else if (f.group_start && in_recipient) {
      flush();
      in_recipient = false;
    }
    const std::string_view v = f.value();
    if (n == "reporting-mta") {
      report.fields.reporting_mta = strip_type_prefix(remove_comments(v));
    } else if (n == "arrival-date") {
      report.fields.arrival_date = v;
    } else if (n == "received-from-mta") {
      report.fields.received_from_mta = strip_type_prefix(remove_comments(v));
    } else if (n == "original-envelope-id") {
      report.fields.original_envelope_id = v;
    } else if (n == "final-recipient" || n == "x-actual-recipient") {
      auto addr = text::find_address(strip_type_prefix(v));
      if (addr.empty()) addr = strip_type_prefix(remove_comments(v));
      if (n == "final-recipient" || current.final_recipient.empty()) current.final_recipient = addr;
      have_recipient_data = true;
    } else if (n == "original-recipient") {
      auto addr = text::find_address(strip_type_prefix(v));
      if (addr.empty()) addr = strip_type_prefix(remove_comments(v));
      current.original_recipient = addr;
      have_recipient_data = true;
    } else if (n == "action") {
      current.action = text::lower(first_word(remove_comments(v)));
      have_recipient_data = true;
    } else if (n == "status") {
      auto s = text::find_status(remove_comments(v));
      current.status = s.empty() ? first_word(remove_comments(v)) : s;
      have_recipient_data = true;
    } else if (n == "remote-mta") {
      current.remote_mta = strip_type_prefix(remove_comments(v));
    } else if (n == "diagnostic-code") {
      const auto semi = v.find(';');
      if (semi != std::string::npos && v.substr(0, semi).find(' ') == std::string::npos) {
        current.diagnostic_type = text::lower(text::trim(std::string_view(v).substr(0, semi)));
        current.diagnostic_code = std::string(text::trim(std::string_view(v).substr(semi + 1)));
      } else {
        current.diagnostic_code = v;
      }
    } else if (n == "last-attempt-date") {
      current.last_attempt_date = v;
    } else if (n == "will-retry-until") {
      current.will_retry_until = v;
    } else if (n == "final-log-id") {
      current.final_log_id = v;
    } else if (n == "x-powermta-bouncecategory") {
      current.bounce_category = text::lower(first_word(v));
    }
  }
  flush();
  return report;
}

}  // namespace bounced
