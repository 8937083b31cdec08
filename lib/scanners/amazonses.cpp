// amazonses.cpp: Amazon SES. Two forms:
//  1. SES bounce mail (X-SES-Outgoing / X-AWS-Outgoing): a DSN whose Status is often a generic
//     "5.1.0"/"5.3.0" while the remote server's own code is quoted in the diagnostic
//     ("550-'5.7.1 <...>... Access denied'"), or plain "Delivery expired".
//  2. SES event notifications delivered by SNS as e-mail: a JSON document (optionally wrapped in an
//     SNS envelope whose "Message" holds the SES JSON as a string) with notificationType
//     Bounce / Complaint / Delivery (or, from SES event publishing, "eventType" with the same
//     values and payloads).
#include <memory>
#include <utility>
#include <vector>

#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {

namespace {

// ---- a small, bounded JSON reader (objects, arrays, strings; other scalars kept as text) ----
struct Json {
  enum class Type { null, scalar, string, array, object } type = Type::null;
  std::string text;                                // string value or scalar's literal text
  std::vector<Json> items;                         // array elements
  std::vector<std::pair<std::string, Json>> members;  // object members, in order

  const Json* get(std::string_view key) const {
    for (const auto& [k, v] : members)
      if (k == key) return &v;
    return nullptr;
  }
  std::string_view str(std::string_view key) const {
    const Json* v = get(key);
    return v && (v->type == Type::string || v->type == Type::scalar) ? std::string_view(v->text) : std::string_view{};
  }
};

class JsonReader {
 public:
  explicit JsonReader(std::string_view s) : s_(s) {}
  bool parse(Json& out) {
    if (!value(out, 0)) return false;
    skip_ws();
    return true;
  }

 private:
  static constexpr int kMaxDepth = 32;
  static constexpr std::size_t kMaxItems = 10000;
  std::string_view s_;
  std::size_t i_ = 0;
  std::size_t items_ = 0;

  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  static void put_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  bool string(std::string& out) {
    ++i_;  // opening quote
    while (i_ < s_.size()) {
      const char c = s_[i_++];
      if (c == '"') return true;
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (i_ >= s_.size()) return false;
      const char e = s_[i_++];
      switch (e) {
        case 'n': out.push_back('\n'); break;
        case 't': out.push_back('\t'); break;
        case 'r': out.push_back('\r'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'u': {
          if (i_ + 4 > s_.size()) return false;
          unsigned cp = 0;
          for (int k = 0; k < 4; ++k) {
            const char h = s_[i_++];
            cp <<= 4;
            if (h >= '0' && h <= '9') cp |= static_cast<unsigned>(h - '0');
            else if (h >= 'a' && h <= 'f') cp |= static_cast<unsigned>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') cp |= static_cast<unsigned>(h - 'A' + 10);
            else return false;
          }
          if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;  // surrogate halves are not worth pairing here
          put_utf8(out, cp);
          break;
        }
        default: out.push_back(e);
      }
    }
    return false;
  }
  bool value(Json& v, int depth) {
    if (depth > kMaxDepth || ++items_ > kMaxItems) return false;
    skip_ws();
    if (i_ >= s_.size()) return false;
    const char c = s_[i_];
    if (c == '"') {
      v.type = Json::Type::string;
      return string(v.text);
    }
    if (c == '{') {
      v.type = Json::Type::object;
      ++i_;
      skip_ws();
      if (i_ < s_.size() && s_[i_] == '}') return ++i_, true;
      while (true) {
        skip_ws();
        if (i_ >= s_.size() || s_[i_] != '"') return false;
        std::string key;
        if (!string(key)) return false;
        skip_ws();
        if (i_ >= s_.size() || s_[i_] != ':') return false;
        ++i_;
        Json child;
        if (!value(child, depth + 1)) return false;
        v.members.emplace_back(std::move(key), std::move(child));
        skip_ws();
        if (i_ >= s_.size()) return false;
        if (s_[i_] == ',') { ++i_; continue; }
        if (s_[i_] == '}') return ++i_, true;
        return false;
      }
    }
    if (c == '[') {
      v.type = Json::Type::array;
      ++i_;
      skip_ws();
      if (i_ < s_.size() && s_[i_] == ']') return ++i_, true;
      while (true) {
        Json child;
        if (!value(child, depth + 1)) return false;
        v.items.push_back(std::move(child));
        skip_ws();
        if (i_ >= s_.size()) return false;
        if (s_[i_] == ',') { ++i_; continue; }
        if (s_[i_] == ']') return ++i_, true;
        return false;
      }
    }
    // number / true / false / null
    const auto start = i_;
    while (i_ < s_.size() && s_[i_] != ',' && s_[i_] != '}' && s_[i_] != ']' && s_[i_] != ' ' && s_[i_] != '\n')
      ++i_;
    if (i_ == start) return false;
    v.type = Json::Type::scalar;
    v.text = std::string(s_.substr(start, i_ - start));
    return true;
  }
};

// SNS e-mail wraps long lines: a line ending in '!' continues on the next, which starts with a
// space. The JSON ends at the "--" signature line.
std::string unwrap_sns(std::string_view body) {
  std::string out;
  scan::LineCursor cur(body);
  std::string_view line;
  bool continued = false;
  while (cur.next(line) && out.size() < (4u << 20)) {
    if (line == "--") break;
    if (continued && !line.empty() && line.front() == ' ') line.remove_prefix(1);
    continued = !line.empty() && line.back() == '!';
    if (continued) line.remove_suffix(1);
    out.append(line);
  }
  return out;
}

struct BounceType {
  std::string_view type, subtype;
  const char* reason;
};
// SES's bounce (sub)types that name a reason by themselves.
constexpr BounceType kBounceTypes[] = {
    {"Transient", "MailboxFull", "mailboxfull"},
    {"Transient", "MessageTooLarge", "mesgtoobig"},
};

std::optional<ScanResult> scan_ses_json(const ScanInput& in) {
  auto body = text::trim(in.body_text);
  if (body.empty() || body.front() != '{') return std::nullopt;
  if (!in.header("x-amz-sns-message-id") && !text::icontains(body.substr(0, 400), "notificationType") &&
      !text::icontains(body.substr(0, 400), "eventType"))
    return std::nullopt;
  Json outer;
  if (!JsonReader(unwrap_sns(body)).parse(outer) || outer.type != Json::Type::object) return std::nullopt;
  Json inner;
  const Json* p = &outer;
  if (const Json* msg = outer.get("Message"); msg && msg->type == Json::Type::string) {
    if (!JsonReader(msg->text).parse(inner) || inner.type != Json::Type::object) return std::nullopt;
    p = &inner;
  }
  // SES notifications say "notificationType"; SES event publishing says "eventType".
  auto type = p->str("notificationType");
  if (type.empty()) type = p->str("eventType");
  ScanResult out;
  if (type == "Bounce") {
    const Json* b = p->get("bounce");
    const Json* list = b ? b->get("bouncedRecipients") : nullptr;
    if (!list) return std::nullopt;
    const char* reason = nullptr;
    for (const auto& t : kBounceTypes)
      if (b->str("bounceType") == t.type && b->str("bounceSubType") == t.subtype) reason = t.reason;
    for (const auto& e : list->items) {
      ScannedRecipient r;
      r.recipient = std::string(e.str("emailAddress"));
      if (!text::is_address(r.recipient)) continue;
      r.action = std::string(e.str("action"));
      r.status = std::string(e.str("status"));
      std::string_view diag = e.str("diagnosticCode");
      if (auto semi = diag.find(';'); semi != std::string_view::npos && semi < 12) diag = diag.substr(semi + 1);
      r.diagnostic = text::fold_space(diag);
      if (reason) {
        r.reason = reason;
        r.decided_by = "scanner:amazonses:" + std::string(b->str("bounceSubType"));
      }
      out.recipients.push_back(std::move(r));
    }
  } else if (type == "Complaint") {
    const Json* c = p->get("complaint");
    const Json* list = c ? c->get("complainedRecipients") : nullptr;
    if (!list) return std::nullopt;
    out.kind = MessageKind::feedback;
    for (const auto& e : list->items) {
      ScannedRecipient r;
      r.recipient = std::string(e.str("emailAddress"));
      if (!text::is_address(r.recipient)) continue;
      r.feedback_type = std::string(c->str("complaintFeedbackType"));
      if (r.feedback_type.empty()) r.feedback_type = "abuse";
      out.recipients.push_back(std::move(r));
    }
  } else if (type == "Delivery") {
    const Json* d = p->get("delivery");
    const Json* list = d ? d->get("recipients") : nullptr;
    if (!list) return std::nullopt;
    out.kind = MessageKind::delivered;
    for (const auto& e : list->items) {
      ScannedRecipient r;
      r.recipient = e.text;
      if (e.type != Json::Type::string || !text::is_address(r.recipient)) continue;
      r.diagnostic = text::fold_space(d->str("smtpResponse"));
      r.action = "delivered";
      out.recipients.push_back(std::move(r));
    }
  } else {
    return std::nullopt;
  }
  scan::finish(out);
  // The original's headers, as SES lists them.
  if (const Json* mail = p->get("mail")) {
    if (const Json* headers = mail->get("headers")) {
      for (const auto& h : headers->items) {
        auto name = h.str("name");
        if (name.empty() || out.original_text.size() > 65536) continue;
        out.original_text.append(name).append(": ").append(h.str("value")).push_back('\n');
      }
    }
    if (!text::icontains(out.original_text, "message-id:") && !mail->str("messageId").empty())
      out.original_text.append("Message-ID: ").append(mail->str("messageId")).push_back('\n');
  }
  return out;
}

constexpr scan::FixedReason kSesPhrases[] = {
    {"delivery expired", "expired"},
};
// SES receiving (Reporting-MTA inbound-smtp.<region>.amazonaws.com) bounces on behalf of a receipt
// rule whose Bounce action the domain owner configured; its stock messages (the console's choices)
// state the rule's intent rather than a mailbox's state: "Mailbox does not exist" is the owner's
// filter, not proof that the address is dead.
constexpr scan::FixedReason kSesReceivingPhrases[] = {
    {"mailbox does not exist", "filtered"},
    {"message too large", "mesgtoobig"},
    {"mailbox full", "mailboxfull"},
    {"message content rejected", "contenterror"},
};

}  // namespace

std::optional<ScanResult> scan_amazonses(const ScanInput& in) {
  if (in.header("x-amz-sns-message-id") || (!in.body_text.empty() && in.body_text.front() == '{')) {
    if (auto r = scan_ses_json(in)) return r;
  }
  if (!in.header("x-ses-outgoing") && !in.header("x-aws-outgoing")) return std::nullopt;
  if (const auto* mailer = in.header("x-mailer"); mailer && text::icontains(*mailer, "amazon workmail"))
    return std::nullopt;
  if (!in.delivery_status) return std::nullopt;
  const std::string fields = in.delivery_status->text();
  const bool receiving = text::icontains(fields, "inbound-smtp.") && text::icontains(fields, ".amazonaws.com");
  std::optional<ScanResult> out = scan::dsn_recipients(fields);
  for (auto& r : out->recipients) {
    if (receiving && scan::apply_fixed(r, kSesReceivingPhrases, "amazonses")) continue;
    // A generic 5.0.0/5.1.0 status: SES quotes the remote server's own reply, which says more.
    if (r.status.size() == 5 && (r.status.substr(1) == ".0.0" || r.status.substr(1) == ".1.0")) {
      std::string_view diag = r.diagnostic;
      auto q = diag.find('\'');
      if (q != std::string_view::npos)
        if (auto st = text::find_status(diag.substr(q)); !st.empty()) r.status = st;
    }
    if (r.reply_code.empty()) {
      // "... error 550-'5.7.1 ..." : the reply code precedes the quote
      auto q = r.diagnostic.find("-'");
      if (q != std::string::npos && q >= 3) r.reply_code = text::find_reply_code(std::string_view(r.diagnostic).substr(q - 3));
    }
    scan::apply_fixed(r, kSesPhrases, "amazonses");
  }
  scan::finish(*out);
  return out;
}

}  // namespace bounced
