// exchange.cpp: Microsoft Exchange's plain-text reports.
//  - Exchange 2000/2003: "Your message ... did not reach the following recipient(s):" (or "Your message
//    did not reach some or all of the intended recipients." + "The following recipient(s) could not be
//    reached:"), then "addr on <date>" with indented lines of text and an "MSEXCH:IMS:...(000C05A6)"
//    code whose hex value is a fixed error (table below).
//  - Exchange 2007 and later / Office 365 / Outlook.com: "Delivery has failed to these recipients or
//    groups:" (or "<host> rejected your message to the following email addresses:") with
//    "Name<mailto:addr>" lines and a human explanation, then "Diagnostic information for
//    administrators:" with "Generating server: X", the address again, and the server's reply
//    ("Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'" or
//    "#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##").
//  - The Windows SMTP service's "Delivery to the following recipients failed." + indented addresses.
#include <cctype>

#include "common.hpp"
#include "text.hpp"

namespace bounced {
namespace {

constexpr std::string_view kName = "exchange";

constexpr std::string_view kStartMarkers[] = {
    "did not reach the following recipient(s):",
    "the following recipient(s) could not be reached:",
    "delivery has failed to these recipients or groups:",
    "delivery has failed to these recipients or distribution lists:",
    "rejected your message to the following email addresses:",
    "rejected your message to the following e-mail addresses:",
    "diagnostic information for administrators:",
    "delivery to the following recipients failed.",
    "delivery to the following recipients failed permanently",
    "delivery to the following recipients has been delayed.",
    "unable to deliver message to the following recipients",
    // Localised Exchange 2007+ (the text is UTF-8; only ASCII letters fold, so accented first
    // letters are left out).
    "chec de la remise pour ces destinataires ou groupes",
    "il recapito non \xc3\xa8 riuscito per i seguenti destinatari o gruppi",
    "fehler bei der zustellung an folgende empf",
    "no se pudo entregar a estos destinatarios o grupos",
    // Office 365's newer layout: "Your message to user@example.com couldn't be delivered."
    "couldn't be delivered.",
};
constexpr std::string_view kEndMarkers[] = {
    "original message headers:",
    "content-type: message/rfc822",
    "content-type: text/rfc822-headers",
    "content-type: message/delivery-status",
};
constexpr std::string_view kAdminMarkers[] = {
    "diagnostic information for administrators:",
    "informations de diagnostic pour les administrateurs",
    "informazioni di diagnostica per gli amministratori",
    "diagnoseinformationen f\xc3\xbcr administratoren",
    "informaci\xc3\xb3n de diagn\xc3\xb3stico para administradores",
};
bool is_admin_marker(std::string_view t) { return static_cast<bool>(scan::find_marker(t, kAdminMarkers)); }

// Exchange 2000/2003 MSEXCH error codes (the hex value in parentheses) with a fixed meaning.
constexpr scan::FixedReason kMsexchCodes[] = {
    {"(000c05a6)", "userunknown"},    // Unknown Recipient
    {"(000c0595)", "filtered"},       // Ambiguous Recipient
    {"(000b099c)", "onhold"},         // Host Unknown / Message exceeds size limit ...
    {"(000b09aa)", "onhold"},         // Unable to relay for ...
    {"(000b09b6)", "onhold"},         // error reported by the remote MTA
    {"(00010256)", "systemerror"},    // Too many recipients
    {"(000d06b5)", "systemerror"},    // No proxy for recipient
    {"(00120270)", "networkerror"},   // Too Many Hops
    {"(00050311)", "contenterror"},   // Conversion to Internet format failed
    {"(000502cc)", "contenterror"},   // Conversion to Internet format failed
    {"(000b0981)", "securityerror"},  // 502 Server does not support AUTH
};

// The address a recipient line names: "addr", "Name<mailto:addr>", "addr (addr)<mailto:addr>",
// "'addr' on 4/29/01 11:34 PM", "addr on Thu, 29 Apr 2010 ...". "" if the line is something else.
std::string recipient_of(std::string_view t, bool exchange2003) {
  std::string address;
  if (scan::address_line(t, address)) return address;
  if (const auto m = text::ifind(t, "<mailto:"); m != scan::npos) {
    const auto gt = t.find('>', m);
    const auto inner = t.substr(m + 8, gt == scan::npos ? scan::npos : gt - m - 8);
    if (text::is_address(inner)) return std::string(inner);
  }
  // "Your message to user@example.com couldn't be delivered."
  if (text::istarts_with(t, "your message to ") && text::icontains(t, "couldn't be delivered")) {
    auto a = t.substr(16);
    a = a.substr(0, a.find(' '));
    if (text::is_address(a)) return std::string(a);
  }
  if (exchange2003) {
    const auto on = t.find(" on ");
    if (on != scan::npos) {
      auto a = text::trim(t.substr(0, on));
      if (a.size() > 2 && (a.front() == '\'' || a.front() == '"')) a = a.substr(1, a.size() - 2);
      if (text::is_address(a)) return std::string(a);
    }
  }
  return {};
}

// A host name standing alone on a line (the remote server named under the administrators' section).
bool is_host_line(std::string_view t) {
  if (t.size() < 4 || t.size() > 255 || t.find('.') == scan::npos) return false;
  for (char c : t)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-')) return false;
  return true;
}

struct Entry {
  std::string human;  // the explanation for people
  std::string admin;  // the server's reply from the administrators' section
  std::string remote_mta;
};

}  // namespace

std::optional<ScanResult> scan_exchange(const ScanInput& in) {
  const std::string_view body = in.body_text;
  const auto start = scan::find_marker(body, kStartMarkers);
  if (!start) return std::nullopt;
  const bool exchange2003 = start.index < 2;
  const auto rest = body.substr(scan::line_start(body, start.pos));
  const auto report = scan::split_at_original(rest, kEndMarkers).report;
  const auto original = scan::split_at_original(rest, scan::kOriginalPartMarkers).original;
  const bool delayed = text::icontains(report, "has been delayed");

  ScanResult result;
  std::vector<Entry> entries;
  Entry* current = nullptr;
  bool admin = false;
  bool first = true;
  for (auto line : text::lines(report)) {
    const auto t = text::trim(line);
    if (first) {  // the marker line itself
      first = false;
      admin = is_admin_marker(t);
      continue;
    }
    if (t.empty()) {
      if (exchange2003) current = nullptr;
      continue;
    }
    if (is_admin_marker(t)) {
      admin = true;
      current = nullptr;
      continue;
    }
    if (text::istarts_with(t, "generating server:") || t.starts_with("____")) continue;
    if (auto address = recipient_of(t, exchange2003); !address.empty()) {
      // The administrators' section repeats each address: continue the same record.
      std::size_t i = 0;
      while (i < result.recipients.size() && !text::iequals(result.recipients[i].recipient, address)) ++i;
      if (i == result.recipients.size()) {
        if (!scan::add_recipient(result, std::move(address))) break;
        entries.emplace_back();
      }
      current = &entries[i];
      continue;
    }
    if (!current) continue;
    if (admin) {
      if (current->admin.empty() && current->remote_mta.empty() && is_host_line(t)) {
        current->remote_mta = std::string(t);
        continue;
      }
      auto reply = t;
      if (text::istarts_with(reply, "remote server returned '") || text::istarts_with(reply, "remote server at ")) {
        const auto q = reply.find('\'');
        if (q != scan::npos) reply = reply.substr(q + 1);
        if (!reply.empty() && reply.back() == '\'') reply.remove_suffix(1);
      }
      while (!reply.empty() && (reply.front() == '#' || reply.front() == '<' || reply.front() == ' ')) reply.remove_prefix(1);
      if (reply.ends_with("##")) reply.remove_suffix(2);
      scan::append_diagnostic(current->admin, reply);
    } else {
      scan::append_diagnostic(current->human, t);
    }
  }

  for (std::size_t i = 0; i < result.recipients.size(); ++i) {
    auto& r = result.recipients[i];
    auto& e = entries[i];
    r.diagnostic = e.admin.empty() ? std::move(e.human) : std::move(e.admin);
    r.remote_mta = std::move(e.remote_mta);
    r.action = delayed ? "delayed" : "failed";
    if (r.reply_code.empty()) {
      // "#< #5.1.1 smtp;550 5.1.1 ...>" (Exchange 2010): the reply follows "smtp;".
      if (const auto p = text::ifind(r.diagnostic, "smtp;"); p != scan::npos)
        r.reply_code = scan::leading_reply_code(std::string_view(r.diagnostic).substr(p + 5));
    }
    if (exchange2003) scan::apply_fixed(r, kMsexchCodes, kName);
  }
  scan::finish(result);
  if (!original.empty()) result.original_text = std::string(scan::header_block(original));
  return result;
}

}  // namespace bounced
