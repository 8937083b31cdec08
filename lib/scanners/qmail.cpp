// qmail.cpp: qmail's bounce ("Hi. This is the qmail-send program at host.") and qmail-based MTAs
// (netqmail, indimail, vpopmail deliveries). Each recipient is a "<addr>:" line followed by qmail's
// own sentence about what happened ("192.0.2.1 does not like recipient.", "Connected to X but sender
// was rejected.", "Sorry, no mailbox here by that name. (#5.1.1)") and, when a remote host answered,
// "Remote host said: 550 ...". qmail's own sentences are fixed, so they decide the reason and command.
#include "common.hpp"
#include "text.hpp"

namespace bounced {
namespace {

constexpr std::string_view kName = "qmail";

constexpr std::string_view kStartMarkers[] = {
    "this is the qmail-send program at",
    "hi. this is the qmail",
};
constexpr std::string_view kEndMarkers[] = {
    "--- below this line is a copy of the message",
    "--- enclosed is a copy of the message",
    "--- below this line is the original message",
    "content-type: message/rfc822",
    "content-type: text/rfc822-headers",
};
constexpr std::string_view kOriginalMarkers[] = {
    "--- below this line is a copy of the message",
    "--- enclosed is a copy of the message",
    "--- below this line is the original message",
};

// qmail-remote / qmail-local / vpopmail sentences and the reason each states. Checked against qmail's
// own words only (not what the remote host said, which classification reads).
constexpr scan::FixedReason kFixedReasons[] = {
    {"sorry, no mailbox here by that name", "userunknown"},
    {"mailaddress is administratively disabled", "suspend"},
    {"mailaddress is administrativley disabled", "suspend"},
    {"account is locked email bounced", "suspend"},
    {"the message exeeded the maximum size the user accepts", "exceedlimit"},
    {"message size exceeds fixed maximum message size", "mesgtoobig"},
    {"sorry, i couldn't find any host named", "hostunknown"},
    {"sorry, i couldn't find any host by that name", "hostunknown"},
    {"sorry, i couldn't find a mail exchanger or ip address", "notaccept"},
    {"sorry, i wasn't able to establish an smtp connection", "networkerror"},
    {"sorry. although i'm listed as a best-preference mx or a for that host", "networkerror"},
    {"requested action not taken: mailbox unavailable (not enough free space)", "systemfull"},
    {"automatic homedir creator crashed", "systemerror"},
    {"illegal value in ldap attribute", "systemerror"},
    {"ldap attribute is not given but mandatory", "systemerror"},
    {"timeout while performing search on ldap server", "systemerror"},
    {"too many results returned but needs to be unique", "systemerror"},
    {"permanent error while executing qmail-forward", "systemerror"},
    {"temporary error in automatic homedir creation", "systemerror"},
    {"temporary error while executing qmail-forward", "systemerror"},
    {"temporary failure in ldap lookup", "systemerror"},
    {"unable to contact ldap server", "systemerror"},
    {"unable to login into ldap server, bad credentials", "systemerror"},
    {"bad interpreter: no such file or directory", "systemerror"},
};
// qmail gave up retrying; only the reason when nothing more specific is known.
constexpr std::string_view kQueueTooLong = "this message has been in the queue too long";

// qmail-remote's sentences naming the SMTP stage that failed.
struct StagePhrase {
  std::string_view phrase;
  std::string_view command;
};
constexpr StagePhrase kStages[] = {
    {"but greeting failed", "CONN"},
    {"but my name was rejected", "EHLO"},
    {"but sender was rejected", "MAIL"},
    {"does not like recipient", "RCPT"},
    {"failed on data command", "DATA"},
    {"failed after i sent the message", "DATA"},
};

// qmail's own words in a block: everything before the remote host's answer.
std::string_view own_words(std::string_view block) {
  const auto said = text::ifind(block, "said:");
  return said == scan::npos ? block : block.substr(0, said);
}

// Host qmail talked to: "Connected to X but ...", "X does not like recipient.", "Giving up on X.".
std::string qmail_host(std::string_view block) {
  if (auto h = scan::find_remote_host(block); !h.empty()) return h;  // "remote host X said:"
  auto token_after = [&](std::string_view lead) -> std::string {
    const auto p = text::ifind(block, lead);
    if (p == scan::npos) return {};
    auto rest = block.substr(p + lead.size());
    const auto e = rest.find_first_of(" \t");
    auto host = rest.substr(0, e);
    while (!host.empty() && host.back() == '.') host.remove_suffix(1);
    return std::string(host);
  };
  if (auto h = token_after("connected to "); !h.empty()) return h;
  if (auto h = token_after("giving up on "); !h.empty()) return h;
  return {};
}

}  // namespace

std::optional<ScanResult> scan_qmail(const ScanInput& in) {
  const std::string_view body = in.body_text;
  const auto start = scan::find_marker(in, kStartMarkers);
  if (!start) return std::nullopt;
  const auto rest = body.substr(scan::line_start(body, start.pos));
  const auto [report, original] = scan::split_report(in, rest, kEndMarkers, kOriginalMarkers);

  // "<addr>:" lines open a block; qmail may put a blank line before the block's text.
  ScanResult result;
  std::vector<std::string> texts;
  bool open = false;
  for (auto line : text::lines(report)) {
    std::string address;
    std::string_view after;
    if (scan::address_block_open(line, address, after)) {
      if (!scan::add_recipient(result, std::move(address))) break;
      texts.emplace_back();
      scan::append_diagnostic(texts.back(), after);
      open = true;
      continue;
    }
    if (text::trim(line).empty()) {
      if (open && !texts.back().empty()) open = false;
      continue;
    }
    if (open) scan::append_diagnostic(texts.back(), line);
  }

  for (std::size_t i = 0; i < result.recipients.size(); ++i) {
    auto& r = result.recipients[i];
    r.diagnostic = std::move(texts[i]);
    const auto own = text::lower(own_words(r.diagnostic));
    r.remote_mta = qmail_host(r.diagnostic);
    r.smtp_command = scan::find_smtp_command(r.diagnostic);
    for (const auto& s : kStages)
      if (r.smtp_command.empty() && own.find(s.phrase) != scan::npos) r.smtp_command = std::string(s.command);
    r.action = "failed";
    if (const auto* hit = scan::match_fixed(own, kFixedReasons)) {
      r.reason = std::string(hit->reason);
      r.decided_by = "scanner:" + std::string(kName) + ":" + std::string(hit->phrase);
    } else if (own.find(kQueueTooLong) != scan::npos && own.size() == r.diagnostic.size()) {
      r.reason = "expired";
      r.decided_by = "scanner:" + std::string(kName) + ":" + std::string(kQueueTooLong);
    }
  }
  scan::finish(result);
  if (!original.empty()) result.original_text = std::string(scan::header_block(original));
  return result;
}

}  // namespace bounced
