// feedback.cpp: see feedback.hpp. Complaint reports (ARF and friends) and automatic replies.
#include "feedback.hpp"

#include "decode.hpp"
#include "text.hpp"

namespace bounced {
namespace {

using SV = std::string_view;

struct Field {
  std::string name;  // lowercase
  std::string value;
};

// Header-style "Name: value" lines with folded continuations. With stop_at_blank, reading ends at
// the first blank line after a field (a header block); otherwise blank lines are skipped (the
// body of a message/feedback-report part).
std::vector<Field> read_fields(SV block, bool stop_at_blank) {
  std::vector<Field> out;
  constexpr std::size_t kMaxFields = 1000;
  for (SV line : text::lines(block)) {
    if (text::trim(line).empty()) {
      if (stop_at_blank && !out.empty()) break;
      continue;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !out.empty()) {
      out.back().value += ' ';
      out.back().value += text::trim(line);
      continue;
    }
    const auto colon = line.find(':');
    if (colon == SV::npos || colon == 0) continue;
    const SV name = text::trim(line.substr(0, colon));
    if (name.find(' ') != SV::npos) continue;
    if (out.size() >= kMaxFields) break;
    out.push_back({text::lower(name), std::string(text::trim(line.substr(colon + 1)))});
  }
  return out;
}

SV field(const std::vector<Field>& fields, SV name) {
  for (const auto& f : fields)
    if (f.name == name) return f.value;
  return {};
}

// The header block of the returned original (message/rfc822 or text/rfc822-headers).
std::vector<Field> original_headers(const ScanInput& in) {
  if (!in.original) return {};
  return read_fields(in.original->body, true);
}

const MimePart* find_part(const MimePart& root, SV media_type) {
  const MimePart* found = nullptr;
  for_each_part(root, [&](const MimePart& p) {
    if (!found && p.media_type == media_type) found = &p;
  });
  return found;
}

std::string address_in(SV value) {
  std::string a = text::find_address(value);
  return a;
}

// The first line of the human-readable part that says what the report is.
std::string report_summary(SV body) {
  for (SV line : text::lines(body)) {
    const SV t = text::trim(line);
    if (text::istarts_with(t, "this is ") && text::icontains(t, "report")) return text::fold_space(t);
  }
  return {};
}

bool contains_ci(SV hay, SV needle_lower) { return text::icontains(hay, needle_lower); }

ScannedRecipient feedback_recipient(std::string address, SV type, SV summary, SV remote) {
  ScannedRecipient r;
  r.recipient = std::move(address);
  r.feedback_type = std::string(type);
  r.diagnostic = std::string(summary);
  r.remote_mta = std::string(remote);
  r.reason = "feedback";
  return r;
}

void add_unique(std::vector<ScannedRecipient>& list, ScannedRecipient r) {
  for (const auto& e : list)
    if (text::iequals(e.recipient, r.recipient)) return;
  list.push_back(std::move(r));
}

}  // namespace

std::string_view header_value(const std::vector<HeaderField>& headers, std::string_view name) {
  for (const auto& h : headers)
    if (text::iequals(h.name, name)) return h.value;
  return {};
}

std::optional<ScanResult> scan_feedback_report(const ScanInput& in) {
  const auto& headers = in.root.headers;
  // (Fields looked up through the scan input: an absent one costs no walk through the header.)
  auto top_field = [&](SV name) {
    const auto* v = in.header(name);
    return v ? SV(*v) : SV();
  };
  const SV content_type = top_field("content-type");
  const MimePart* report = find_part(in.root, "message/feedback-report");
  // From and Subject as the scan input has them (decoded again only when empty there), not copied.
  std::string from_decoded, subject_decoded;
  if (in.from.empty()) from_decoded = decode_encoded_words(header_value(headers, "from"));
  if (in.subject.empty()) subject_decoded = decode_encoded_words(header_value(headers, "subject"));
  const SV from = in.from.empty() ? SV(from_decoded) : SV(in.from);
  const SV subject = in.subject.empty() ? SV(subject_decoded) : SV(in.subject);
  // The sender's bare address, lowercased: looked for only when the rest already points to a
  // report (most messages are none).
  auto sender_address = [&] { return text::lower(address_in(from)); };

  const bool arf = report || (contains_ci(content_type, "report-type=feedback-report") ||
                              contains_ci(content_type, "report-type=\"feedback-report\""));
  // Microsoft's Junk Mail Reporting Program (and Amazon SES's forwarding of it).
  const bool jmrp = !arf && contains_ci(subject, "complaint about message from ") && [&] {
    const std::string a = sender_address();
    return a == "staff@hotmail.com" || a == "complaints@email-abuse.amazonses.com";
  }();
  // Apple Mail's one-click unsubscribe: an opt-out from the reader.
  const bool apple_unsubscribe = !arf && !jmrp && text::iequals(text::trim(top_field("x-apple-unsubscribe")), "true");
  if (!arf && !jmrp && !apple_unsubscribe) return std::nullopt;

  ScanResult out;
  out.kind = MessageKind::feedback;
  if (apple_unsubscribe) {
    if (sender_address().empty()) return std::nullopt;
    add_unique(out.recipients, feedback_recipient(address_in(from), "opt-out", text::fold_space(in.body_text), {}));
    return out;
  }

  const auto original = original_headers(in);
  const std::string original_to = address_in(field(original, "to"));
  std::string type = "abuse";
  std::string remote;
  std::vector<Field> fields;
  if (report) {
    fields = read_fields(report->body, false);
    const SV t = text::trim(field(fields, "feedback-type"));
    if (!t.empty()) type = text::lower(t.substr(0, t.find_first_of(" \t;")));
    remote = std::string(field(fields, "source-ip"));
    if (remote.empty()) {
      std::string mta = std::string(field(fields, "reporting-mta"));
      const auto semi = mta.find(';');
      remote = std::string(text::trim(semi == std::string::npos ? SV(mta) : SV(mta).substr(semi + 1)));
    }
  }
  const std::string summary = report_summary(in.body_text);

  for (const auto& f : fields) {
    if (f.name == "original-rcpt-to") {
      std::string a = address_in(f.value);
      if (a.empty()) a = std::string(text::trim(f.value));
      if (!a.empty()) add_unique(out.recipients, feedback_recipient(std::move(a), type, summary, remote));
    } else if (f.name == "redacted-address") {
      // "Redacted-Address: xxx@": the local part is hidden; the original's To: names the mailbox.
      const SV v = text::trim(f.value);
      if (!v.empty() && v.back() == '@' && !original_to.empty())
        add_unique(out.recipients, feedback_recipient(original_to, type, summary, remote));
    }
  }
  if (out.recipients.empty()) {
    const std::string hotmail = address_in(field(original, "x-hmxmroriginalrecipient"));
    if (!hotmail.empty()) add_unique(out.recipients, feedback_recipient(hotmail, type, summary, remote));
  }
  if (out.recipients.empty() && !original_to.empty())
    add_unique(out.recipients, feedback_recipient(original_to, type, summary, remote));
  if (out.recipients.empty())
    add_unique(out.recipients, feedback_recipient(std::string(kUndisclosedRecipient), type, summary, remote));
  return out;
}

std::optional<ScanResult> scan_auto_reply(const ScanInput& in) {
  const auto& headers = in.root.headers;
  const std::string from = in.from.empty() ? decode_encoded_words(header_value(headers, "from")) : in.from;
  const std::string subject = text::lower(
      text::trim(in.subject.empty() ? decode_encoded_words(header_value(headers, "subject")) : in.subject));
  const std::string from_lower = text::lower(from);
  const std::string to_lower = text::lower(header_value(headers, "to"));

  // System mail and bounces are never vacation messages.
  static constexpr SV kSystemSenders[] = {"root@", "postmaster@", "mailer-daemon@", "mail-daemon@"};
  for (SV s : kSystemSenders)
    if (from_lower.find(s) != std::string::npos) return std::nullopt;
  if (to_lower.find("root@") != std::string::npos) return std::nullopt;
  if (in.delivery_status) return std::nullopt;
  if (text::icontains(header_value(headers, "content-type"), "report-type=delivery-status")) return std::nullopt;
  static constexpr SV kNotAutoReplySubjects[] = {
      "security information for", "mail failure -", "undeliver", "delivery status notification",
      "returned mail", "failure notice", "delivery failure", "mail delivery failed", "delivery has failed",
      "could not be delivered", "nondeliverable", "non-delivery",
  };
  for (SV s : kNotAutoReplySubjects)
    if (subject.find(s) != std::string::npos) return std::nullopt;

  // Subjects auto-responders write (English, Japanese, French, German, Spanish).
  static constexpr SV kAutoReplySubjects[] = {
      "auto:", "auto response:", "automatic reply:", "auto reply:", "autoreply:", "auto-reply:",
      "out of office:", "out of the office:", "out of office reply", "自動応答", "自動返信", "不在通知",
      "réponse automatique", "reponse automatique", "abwesenheitsnotiz", "automatische antwort",
      "respuesta automática", "respuesta automatica",
  };
  bool autoreply_subject = false;
  for (SV s : kAutoReplySubjects)
    if (subject.rfind(s, 0) == 0) autoreply_subject = true;

  const std::string auto_submitted = text::lower(text::trim(header_value(headers, "auto-submitted")));
  const std::string suppress = text::lower(header_value(headers, "x-auto-response-suppress"));
  bool match = auto_submitted.rfind("auto-replied", 0) == 0 || auto_submitted.rfind("auto-notified", 0) == 0 ||
               (auto_submitted.rfind("auto-generated", 0) == 0 && autoreply_subject) ||
               text::iequals(text::trim(header_value(headers, "x-apple-action")), "vacation") ||
               text::iequals(text::trim(header_value(headers, "precedence")), "auto_reply") ||
               !text::trim(header_value(headers, "x-autoreply")).empty() ||
               !text::trim(header_value(headers, "x-autorespond")).empty() ||
               suppress.find("oof") != std::string::npos || suppress.find("autoreply") != std::string::npos ||
               autoreply_subject;
  if (!match) return std::nullopt;

  std::string replier = text::find_address(from);
  if (replier.empty()) replier = text::find_address(header_value(headers, "return-path"));
  if (replier.empty()) return std::nullopt;

  ScanResult out;
  out.kind = MessageKind::auto_reply;
  ScannedRecipient r;
  r.recipient = std::move(replier);
  r.reason = "vacation";
  // The first lines of the reply say what it is.
  std::string said;
  int lines = 0;
  for (SV line : text::lines(in.body_text)) {
    const SV t = text::trim(line);
    if (t.empty() || t.find(' ') == SV::npos) continue;
    if (!said.empty()) said += ' ';
    said.append(t);
    if (++lines >= 5 || said.size() > 1000) break;
  }
  r.diagnostic = said.empty() ? subject : said;
  out.recipients.push_back(std::move(r));
  return out;
}

}  // namespace bounced
