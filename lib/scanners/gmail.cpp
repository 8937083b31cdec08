// gmail.cpp: Gmail's own plain-text bounces (the pre-2016 format without a delivery-status part):
// "Delivery to the following recipient failed permanently:" / "... has been delayed:", the address
// indented on its own line, then "Technical details of ... failure:" with the remote server's reply,
// often ending in Google's internal "(state N)." code.
#include "scanner.hpp"
#include "scanners/common.hpp"
#include "text.hpp"

namespace bounced {
namespace {

// Google's internal SMTP-session state numbers: which command failed and what that means.
struct StateCode {
  std::string_view state;  // "(state 14)"
  const char* command;
  const char* reason;
};
constexpr StateCode kStates[] = {
    {"(state 6)", "MAIL", "systemerror"},  {"(state 8)", "AUTH", "systemerror"},
    {"(state 9)", "AUTH", "systemerror"},  {"(state 12)", "AUTH", "relayingdenied"},
    {"(state 13)", "EHLO", "blocked"},     {"(state 14)", "RCPT", "userunknown"},
    {"(state 15)", "DATA", "filtered"},    {"(state 17)", "DATA", "filtered"},
    {"(state 18)", "DATA", "filtered"},
};

constexpr scan::FixedReason kPhrases[] = {
    {"dns error: could not contact dns servers", "expired"},
    {"the recipient server did not accept our requests to connect", "expired"},
    {"dns error: domain name not found", "hostunknown"},
    {"dns error: dns server returned answer with no data", "hostunknown"},
};

constexpr std::string_view kOriginalMarkers[] = {"----- original message -----",
                                                 "----- message header follows -----"};

// A status specific enough to name the reason by itself (x.[1-7].[1-9]).
bool is_specific_status(std::string_view s) {
  return s.size() == 5 && s[2] >= '1' && s[2] <= '7' && s[4] >= '1' && s[4] <= '9';
}

// "... by mx.example.jp. [192.0.2.153]." -> "mx.example.jp"
std::string remote_host(std::string_view diag) {
  for (auto by = text::ifind(diag, " by "); by != std::string_view::npos; by = text::ifind(diag, " by ", by + 1)) {
    auto rest = diag.substr(by + 4);
    auto sp = rest.find(' ');
    if (sp == std::string_view::npos || sp + 1 >= rest.size() || rest[sp + 1] != '[') continue;
    auto host = rest.substr(0, sp);
    if (!host.empty() && host.back() == '.') host.remove_suffix(1);
    if (host.find('.') == std::string_view::npos) continue;
    return std::string(host);
  }
  return {};
}

// Gmail's current notice ("** Address not found **", "** Message not delivered **", ...) normally
// comes with a delivery-status part; it adds the remote server's words after "The response was:" /
// "The response from the remote server was:" or, when no server answered, Gmail's own sentence.
// When the delivery-status part names nobody, the recipients are in X-Failed-Recipients.
constexpr scan::FixedReason kCurrentSentences[] = {
    {"because the address couldn't be found", "userunknown"},
    {"because the domain ", "hostunknown"},  // "... because the domain example.com couldn't be found"
};

// Gmail's own verdicts about the sender's side, whatever the remote server said.
constexpr scan::FixedReason kSenderSentences[] = {
    {"the settings for your 'send mail as' account are misconfigured", "rejected"},
};

std::optional<ScanResult> scan_gmail_current(const ScanInput& in) {
  const auto title = text::ifind(in.body_text, "** ");
  if (title == std::string_view::npos) return std::nullopt;
  const auto* failed = in.header("x-failed-recipients");
  if (!failed && !in.delivery_status) return std::nullopt;
  const std::string_view body = in.body_text;
  std::string diag;
  bool from_server = false;
  for (std::string_view lead : {"The response from the remote server was:", "The response was:"}) {
    const auto p = scan::find_line_starting(body, lead);
    if (p == std::string_view::npos) continue;
    scan::LineCursor cur(body.substr(p + lead.size()));
    std::string_view line;
    while (cur.next(line)) {
      if (text::trim(line).empty()) {
        if (!diag.empty()) break;
        continue;
      }
      scan::append_diagnostic(diag, line);
    }
    from_server = !diag.empty();
    break;
  }
  if (diag.empty()) {  // Gmail's own sentence: the paragraph after the "** ... **" title
    const auto p = scan::find_line_starting(body, "Your message wasn't delivered", title);
    if (p != std::string_view::npos) diag = std::string(text::trim(scan::rest_of_line(body, p)));
  }
  ScanResult out;
  if (failed) {
    std::string_view list = *failed;
    while (!list.empty()) {
      const auto comma = list.find(',');
      auto addr = text::find_address(list.substr(0, comma));
      list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
      if (!addr.empty() && !scan::add_recipient(out, std::move(addr))) break;
    }
  } else {
    out = scan::dsn_recipients(in.delivery_status->text());
  }
  const auto* sender_side = scan::match_fixed(text::lower(body.substr(title, 2048)), kSenderSentences);
  for (auto& r : out.recipients) {
    if (r.diagnostic.empty()) r.diagnostic = diag;
    if (sender_side) {
      r.reason = std::string(sender_side->reason);
      r.decided_by = "scanner:gmail:send-mail-as";
    } else if (!from_server && r.diagnostic == diag) {
      scan::apply_fixed(r, kCurrentSentences, "gmail");
    }
  }
  scan::finish(out);
  return out;
}

}  // namespace

std::optional<ScanResult> scan_gmail(const ScanInput& in) {
  if (!text::icontains(in.from, "mailer-daemon@google")) return std::nullopt;
  if (!text::icontains(in.subject, "delivery status notification")) return std::nullopt;
  const auto split = scan::split_at_original(in, in.body_text, kOriginalMarkers);
  const auto start = scan::find_line_starting(split.report, "Delivery to the following recipient");
  if (start == std::string_view::npos) return scan_gmail_current(in);

  ScanResult out;
  scan::LineCursor cur(split.report.substr(start));
  std::string_view line;
  const bool delayed = text::icontains(scan::rest_of_line(split.report, start), "has been delayed");
  while (cur.next(line)) {
    if (text::trim(line).empty()) continue;
    if (line.front() == ' ' || line.front() == '\t') {
      if (std::string addr; scan::address_line(line, addr)) {
        if (!scan::add_recipient(out, std::move(addr))) break;
        continue;
      }
    }
    if (out.recipients.empty()) continue;
    scan::append_diagnostic(out.recipients.back().diagnostic, line);
  }
  for (auto& r : out.recipients) {
    r.diagnostic = text::fold_space(r.diagnostic);
    r.remote_mta = remote_host(r.diagnostic);
    if (auto p = text::ifind(r.diagnostic, "returned was:"); p != std::string::npos) {
      r.reply_code = text::find_reply_code(text::trim(std::string_view(r.diagnostic).substr(p + 13)));
    }
    r.status = text::find_status(r.diagnostic);
    const StateCode* state = nullptr;
    for (const auto& s : kStates)
      if (text::icontains(r.diagnostic, s.state)) state = &s;
    if (state) r.smtp_command = state->command;
    if (is_specific_status(r.status)) continue;  // the server's own code says more than Google's state
    if (state) {
      r.reason = state->reason;
      r.decided_by = std::string("scanner:gmail:") + std::string(state->state);
    } else {
      scan::apply_fixed(r, kPhrases, "gmail");
      if (r.reason.empty() && delayed) {
        r.reason = "expired";
        r.decided_by = "scanner:gmail:delayed";
      }
    }
    if (r.reason == "expired") r.action = "delayed";
  }
  out.original_text = std::string(scan::header_block(split.original));
  scan::finish(out);
  return out;
}

}  // namespace bounced
