// rhost_rules.cpp: provider-specific wordings, keyed by the receiving host or the recipient's
// domain. Large providers word their rejections in their own way and document error codes
// (Orange "OFR_416", GoDaddy "IB607", Cox/Spectrum "AUP#...", i.ua "/err/3/"); these tables map
// those wordings and codes to reasons before the generic phrase tables are consulted.
// Sources: the providers' published postmaster / SMTP error pages.
#include <string>
#include <string_view>

#include <array>
#include <cstdint>
#include <cstring>
#include <iterator>

#include "reason_rules.hpp"

namespace bounced {
namespace {

using SV = std::string_view;

// Provider host patterns, in the order they are tried (see ProviderHost).
constexpr ProviderHost kProviderHosts[] = {
    {"aol", ".mail.aol.com"},
    {"aol", ".mx.aol.com"},
    {"apple", ".mail.icloud.com"},
    {"apple", ".apple.com"},
    {"apple", ".me.com"},
    {"cox", "cox.net"},
    {"franceptt", ".laposte.net"},
    {"franceptt", ".orange.fr"},
    {"franceptt", ".wanadoo.fr"},
    {"godaddy", "smtp.secureserver.net"},
    {"godaddy", "mailstore1.secureserver.net"},
    {"google", "aspmx.l.google.com"},
    {"google", "gmail-smtp-in.l.google.com"},
    {"iua", ".email.ua"},
    {"kddi", ".ezweb.ne.jp"},
    {"kddi", "msmx.au.com"},
    {"microsoft", ".prod.outlook.com"},
    {"microsoft", ".protection.outlook.com"},
    {"microsoft", ".onmicrosoft.com"},
    {"microsoft", ".exchangelabs.com"},
    {"mimecast", ".mimecast.com"},
    {"nttdocomo", "mfsmax.docomo.ne.jp"},
    {"spectrum", "charter.net"},
    {"tencent", ".qq.com"},
    {"yahooinc", ".yahoodns.net"},
};

// (Host names mostly share their last bytes only when they are the same: the last eight are
// compared as one word before the whole suffix.)
bool ends_with(SV s, SV suffix) {
  const std::size_t n = suffix.size();
  if (s.size() < n) return false;
  if (n >= 8) {
    std::uint64_t a, b;
    std::memcpy(&a, s.data() + s.size() - 8, 8);
    std::memcpy(&b, suffix.data() + n - 8, 8);
    if (a != b) return false;
  }
  return s.substr(s.size() - n) == suffix;
}

// Every host pattern in table order with the recipient domains it accepts:
// the pattern itself and its tails after a dot ("icloud.com" for ".mail.icloud.com"), so a domain
// is looked up by equality (tables built by the compiler).
struct DomainTail {
  SV tail;
  SV provider;
};
constexpr std::size_t count_domain_tails() {
  std::size_t n = 0;
  for (const auto& p : kProviderHosts) {
    ++n;
    for (const char c : p.host)
      if (c == '.') ++n;
  }
  return n;
}
// The tails grouped by length (table order kept within a length), so a domain is compared only
// with the tails as long as it: tails[start[k] .. start[k + 1]) are k bytes long.
constexpr std::size_t kMaxTail = 64;
struct DomainTails {
  std::array<DomainTail, count_domain_tails()> tails{};
  std::array<std::uint8_t, kMaxTail + 1> start{};
};
constexpr DomainTails kDomainTails = [] {
  std::array<DomainTail, count_domain_tails()> flat{};
  std::size_t n = 0;
  for (const auto& p : kProviderHosts) {
    flat[n++] = {p.host, p.provider};
    for (std::size_t i = 0; i < p.host.size(); ++i)
      if (p.host[i] == '.') flat[n++] = {p.host.substr(i + 1), p.provider};
  }
  DomainTails out;
  std::size_t k = 0;
  for (std::size_t len = 0; len < kMaxTail; ++len) {
    out.start[len] = static_cast<std::uint8_t>(k);
    for (const auto& t : flat)
      if (t.tail.size() == len) out.tails[k++] = t;
  }
  out.start[kMaxTail] = static_cast<std::uint8_t>(k);
  if (k != flat.size()) throw "a host pattern longer than kMaxTail";  // not constant: no build
  return out;
}();

// See rhost_provider.
SV provider_of(SV remote, SV domain) {
  if (domain.find('.') != SV::npos) {
    if (domain.size() < kMaxTail)
      for (std::size_t k = kDomainTails.start[domain.size()]; k < kDomainTails.start[domain.size() + 1]; ++k)
        if (kDomainTails.tails[k].tail == domain) return kDomainTails.tails[k].provider;
  }
  if (!remote.empty()) {
    for (const auto& p : kProviderHosts)
      if (ends_with(remote, p.host)) return p.provider;
  }
  return {};
}

// A wording rule. reply / status, when set, must match the reply code / status ignoring the
// class digit ("21" matches 421 and 521; "7.26" matches 4.7.26 and 5.7.26).
struct Wording {
  SV provider;
  SV reason;
  SV phrase;
  SV reply = {};
  SV status = {};
};

constexpr Wording kWordings[] = {
    // Google (Gmail, Workspace): code, status and words together.
    {"google", "authfailure", "the spf record of the sending domain", "51", "7.24"},
    {"google", "authfailure", "senders to authenticate with either spf or dkim", "21", "7.26"},
    {"google", "authfailure", "senders to authenticate with either spf or dkim", "50", "7.26"},
    {"google", "authfailure", "fails to pass spf checks for an spf record with a hard fail", "50", "7.26"},
    {"google", "authfailure", "has an spf record with a hard fail policy", "50", "7.26"},
    {"google", "authfailure", "is not accepted due to domain's dmarc policy", "51", "7.26"},
    {"google", "authfailure", "is not accepted due to domain's dmarc policy", "50", "7.26"},
    {"google", "authfailure", "fails to pass authentication checks", "50", "7.1"},
    {"google", "authfailure", "fails to pass authentication checks", "50", "7.26"},
    {"google", "authfailure", "senders to authenticate with spf", "21", "7.27"},
    {"google", "authfailure", "senders to authenticate their email with spf", "21", "7.27"},
    {"google", "authfailure", "senders to authenticate with dkim", "50", "7.30"},
    {"google", "authfailure", "aligned with either the authenticated spf or dkim", "21", "7.32"},
    {"google", "badreputation", "very low reputation of the sending ip address", "21", "7.0"},
    {"google", "badreputation", "very low reputation of the sending domain", "21", "7.0"},
    {"google", "badreputation", "due to the very low reputation of the sending", "50", "7.1"},
    {"google", "blocked", "ip not in whitelist for rcpt domain", "21", "7.0"},
    {"google", "blocked", "try again later, closing connection.", "21", "7.0"},
    {"google", "blocked", "helo/ehlo argument is invalid", "01", "5.4"},
    {"google", "blocked", "empty helo/ehlo argument not allowed", "01", "5.4"},
    {"google", "blocked", "an unusual rate of unsolicited mail", "21", "7.0"},
    {"google", "blocked", "an unusual rate of mail", "21", "7.28"},
    {"google", "blocked", "an unusual rate of unsolicited mail", "50", "7.1"},
    {"google", "blocked", "an unusual rate of unsolicited mail", "50", "7.28"},
    {"google", "exceedlimit", "exceeded google's message size limits", "52", "2.3"},
    {"google", "expired", "connection expired", "21", "7.0"},
    {"google", "expired", "timeout - closing connection", "51", "4.2"},
    {"google", "securityerror", "must issue a starttls command first", "30", "7.0"},
    {"google", "securityerror", "tls required for rcpt domain", "21", "7.0"},
    {"google", "mailboxfull", "inbox is out of storage space", "52", "2.2"},
    {"google", "mailboxfull", "is over quota", "52", "2.2"},
    {"google", "mailboxfull", "email quota exceeded", "50", "7.1"},
    {"google", "mesgtoobig", "exceeded google's message size limits", "52", "3.4"},
    {"google", "mesgtoobig", "exceeds google's message size limit of", "52", "3.4"},
    {"google", "networkerror", "message exceeded 50 hops", "54", "4.6"},
    {"google", "norelaying", "mail relay denied", "50", "7.0"},
    {"google", "norelaying", "invalid credentials for relay", "50", "7.1"},
    {"google", "norelaying", "is not authorized to send email directly to our servers", "50", "7.1"},
    {"google", "notcompliantrfc", "missing a valid address in the from: header", "50", "7.1"},
    {"google", "notcompliantrfc", "multiple addresses in from: header are not accepted", "50", "7.1"},
    {"google", "notcompliantrfc", "is not rfc 5322 compliant", "50", "7.1"},
    {"google", "notcompliantrfc", "missing a valid message-id: header", "50", "7.1"},
    {"google", "notcompliantrfc", "contains a unicode character in a disallowed header", "50", "7.1"},
    {"google", "notcompliantrfc", "encoded-word syntax is not permitted", "50", "7.1"},
    {"google", "notcompliantrfc", "mail message is malformed", "54", "6.0"},
    {"google", "policyviolation", "illegal attachment on your message", "52", "7.0"},
    {"google", "policyviolation", "blocked because its content presents a potential security issue", "52", "7.0"},
    {"google", "policyviolation", "you are sending to (or from) has a policy that prohibited", "50", "7.1"},
    {"google", "rejected", "mail sending denied", "50", "7.0"},
    {"google", "rejected", "unauthenticated email is not accepted", "50", "7.1"},
    {"google", "requireptr", "does not have a ptr record", "21", "7.0"},
    {"google", "requireptr", " have a ptr record, or the ptr record", "21", "7.23"},
    {"google", "requireptr", "does not meet ipv6 sending guidelines regarding ptr records and authentication", "50", "7.1"},
    {"google", "requireptr", "does not have a ptr record", "50", "7.25"},
    {"google", "requireptr", "does not match the ip address of the hostname", "50", "7.25"},
    {"google", "securityerror", "too many login attempts", "54", "7.0"},
    {"google", "securityerror", "no identity changes permitted", "03", "7.0"},
    {"google", "securityerror", "authentication required.", "30", "5.1"},
    {"google", "securityerror", "authentication required.", "30", "7.0"},
    {"google", "securityerror", "application-specific password required", "35", "7.1"},
    {"google", "securityerror", "application-specific password required", "35", "7.9"},
    {"google", "securityerror", "please log in with your web browser", "35", "7.1"},
    {"google", "securityerror", "please log in with your web browser", "34", "7.9"},
    {"google", "securityerror", "please log in through your web browser", "34", "7.14"},
    {"google", "securityerror", "username and password not accepted", "35", "7.1"},
    {"google", "securityerror", "username and password not accepted", "35", "7.8"},
    {"google", "spamdetected", "due to the nature of the content or the links within", "21", "7.0"},
    {"google", "spamdetected", "likely unsolicited mail", "50", "7.1"},
    {"google", "speeding", "is receiving mail too quickly", "50", "2.1"},
    {"google", "speeding", "peak smtp relay limit exceeded for customer", "50", "2.1"},
    {"google", "speeding", "rate that prevents additional messages from being delivered", "50", "2.1"},
    {"google", "speeding", "daily sending quota exceeded", "50", "4.5"},
    {"google", "speeding", "daily user sending limit exceeded", "50", "4.5"},
    {"google", "speeding", "daily smtp relay limit exceeded for", "50", "4.5"},
    {"google", "speeding", "daily smtp relay limit exceeded for", "50", "7.1"},
    {"google", "speeding", "this mail has been rate limited", "50", "7.1"},
    {"google", "suspend", "account that you tried to reach is disabled", "50", "2.1"},
    {"google", "suspend", "account that you tried to reach is inactive", "50", "2.1"},
    {"google", "syntaxerror", "smtp protocol violation", "51", "5.0"},
    {"google", "syntaxerror", "smtp protocol violation", "54", "5.0"},
    {"google", "syntaxerror", "bad sequence of commands", "03", "5.1"},
    {"google", "syntaxerror", "unrecognized command", "02", "5.1"},
    {"google", "syntaxerror", "unimplemented command", "02", "5.1"},
    {"google", "systemerror", "temporary system problem", "21", "3.0"},
    {"google", "systemerror", "temporary system problem", "21", "7.0"},
    {"google", "systemerror", "server busy", "21", "4.5"},
    {"google", "systemerror", "mail server temporarily rejected message", "51", "3.0"},
    {"google", "systemerror", "mail server has temporarily rejected this message", "51", "3.0"},
    {"google", "systemerror", "multiple destination domains per transaction is unsupported", "51", "3.0"},
    {"google", "toomanyconn", "your message has too many recipients", "52", "5.3"},
    {"google", "toomanyconn", "too many recipients for this sender", "50", "5.3"},
    {"google", "userunknown", "the email account that you tried to reach does not exist", "50", "1.1"},
    {"google", "userunknown", "we weren't able to find the recipient domain", "53", "1.2"},
    {"google", "userunknown", "is not a valid rfc 5321 address", "53", "1.3"},

    // Apple iCloud.
    {"apple", "authfailure", "s dmarc policy"},
    {"apple", "authfailure", "blocked for failing both spf and dkim"},
    {"apple", "blocked", "rejected due to having a domain present in the spamhaus"},
    {"apple", "blocked", "rejected due to listing in spamhaus"},
    {"apple", "blocked", "blocked - see https://support.proofpoint.com/dnsbl-lookup"},
    {"apple", "blocked", "not accepting connections"},
    {"apple", "hasmoved", "recipient no longer on server"},
    {"apple", "mailboxfull", "user is over quota"},
    {"apple", "norelaying", "relay access denied"},
    {"apple", "notaccept", "host/domain does not accept mail"},
    {"apple", "policyviolation", "due to local policy"},
    {"apple", "rejected", "sender address rejected"},
    {"apple", "speeding", "due to excessive volume"},
    {"apple", "userunknown", "inactive email address"},
    {"apple", "userunknown", "user does not exist"},
    {"apple", "userunknown", "unknown or illegal alias"},

    // Yahoo Inc. (Yahoo, AOL mail hosts).
    {"yahooinc", "authfailure", "yahoo requires all senders to authenticate with either spf or dkim"},
    {"yahooinc", "blocked", " because the ip is in spamhaus's list;"},
    {"yahooinc", "blocked", "not accepted from ip addresses on spamhaus xbl"},
    {"yahooinc", "norelaying", "relaying denied for "},
    {"yahooinc", "notcompliantrfc", "headers are not rfc compliant"},
    {"yahooinc", "policyviolation", "not accepted for policy reasons"},
    // Yahoo gives the same [TSS04] text for volume, complaints and missing authentication.
    {"yahooinc", "rejected", "temporarily deferred due to unexpected volume or user complaints"},
    {"yahooinc", "rejected", "due to unresolvable rfc.5321 domain"},
    {"yahooinc", "rejected", " will be permanently deferred"},
    {"yahooinc", "speeding", "user is receiving mail too quickly"},
    {"yahooinc", "suspend", " is no longer valid."},
    {"yahooinc", "suspend", "this mailbox is disabled"},
    {"yahooinc", "syntaxerror", "syntax error in parameters or arguments"},
    {"yahooinc", "toomanyconn", "max message per connection reached"},
    {"yahooinc", "userunknown", "dd this user doesn't have a "},
    {"yahooinc", "userunknown", "mailbox not found"},

    // Tencent QQ.
    {"tencent", "authfailure", "spf check failed"},
    {"tencent", "authfailure", "dmarc check failed"},
    {"tencent", "blocked", "suspected bounce attacks"},
    {"tencent", "blocked", "suspected spam ip"},
    {"tencent", "blocked", "connection denied"},
    {"tencent", "mesgtoobig", "message too large"},
    {"tencent", "spamdetected", "spam is embedded in the email"},
    {"tencent", "spamdetected", "mail content denied"},
    {"tencent", "rejected", "suspected spam"},
    {"tencent", "rejected", "mail is rejected by recipients"},
    {"tencent", "speeding", "mailbox unavailable or access denined"},
    {"tencent", "speeding", "frequency of receiving messages is limited"},
    {"tencent", "suspend", "is a deactivated mailbox"},
    {"tencent", "syntaxerror", "bad address syntax"},
    {"tencent", "toomanyconn", "ip frequency limited"},
    {"tencent", "toomanyconn", "domain frequency limited"},
    {"tencent", "toomanyconn", "sender frequency limited"},
    {"tencent", "toomanyconn", "connection frequency limited"},
    {"tencent", "userunknown", "mailbox not found"},

    // KDDI (au): the form of "user unknown" tells a filter from a missing mailbox.
    {"kddi", "filtered", "550 : user unknown"},
    {"kddi", "userunknown", ">: user unknown"},

    // Mimecast.
    {"mimecast", "authfailure", "spf sender invalid - envelope rejected"},
    {"mimecast", "authfailure", "dkim sender invalid - envelope rejected"},
    {"mimecast", "authfailure", "dmarc sender invalid - envelope rejected"},
    {"mimecast", "badreputation", "internal resources are temporarily unavailable"},
    {"mimecast", "badreputation", "local ct ip reputation - (reject)"},
    {"mimecast", "blocked", "sender address blocked"},
    {"mimecast", "blocked", "recipient temporarily unavailable"},
    {"mimecast", "blocked", "ip temporarily blacklisted"},
    {"mimecast", "securityerror", "this route requires encryption (tls)"},
    {"mimecast", "securityerror", "this route requires tls version 1.2 or greater"},
    {"mimecast", "securityerror", "this route requires high-strength ciphers"},
    {"mimecast", "mesgtoobig", "maximum email size exceeded"},
    {"mimecast", "networkerror", "the incorrect hostname used for inbounds"},
    {"mimecast", "networkerror", "mail loop detected"},
    {"mimecast", "norelaying", "open relay not allowed"},
    {"mimecast", "norelaying", "open relay is not allowed"},
    {"mimecast", "notaccept", "account inbounds disabled"},
    {"mimecast", "policyviolation", "anti-spoofing policy - inbound not allowed"},
    {"mimecast", "policyviolation", "rejected by header-based anti-spoofing policy"},
    {"mimecast", "policyviolation", "message bounced due to content examination policy"},
    {"mimecast", "policyviolation", "host network not allowed"},
    {"mimecast", "policyviolation", "host network, not allowed"},
    {"mimecast", "rejected", "administrative prohibition envelope blocked"},
    {"mimecast", "rejected", "envelope blocked - user entry"},
    {"mimecast", "rejected", "envelope blocked - user domain entry"},
    {"mimecast", "rejected", "rejected by header-based manually blocked senders"},
    {"mimecast", "rejected", "rejected by header-based blocked senders"},
    {"mimecast", "rejected", "envelope rejected - block policy for envelope from address"},
    {"mimecast", "securityerror", "incorrect authentication data"},
    {"mimecast", "securityerror", "submitter failed to authenticate"},
    {"mimecast", "systemerror", "unable to process connection at this time"},
    {"mimecast", "systemerror", "message ended early"},
    {"mimecast", "systemerror", "unable to process command"},
    {"mimecast", "systemerror", "unable to process an email at this time"},
    {"mimecast", "toomanyconn", "account service is temporarily unavailable"},
    {"mimecast", "toomanyconn", "too many recipients"},
    {"mimecast", "toomanyconn", "exceeding outbound thread limit"},
    {"mimecast", "userunknown", "invalid address"},
    {"mimecast", "userunknown", "user unknown"},
    {"mimecast", "userunknown", "invalid recipient"},
    // A signature match (virus, or a spam score over the threshold).
    {"mimecast", "virusdetected", "email rejected due to security policies"},

    // Microsoft (Exchange Online, Outlook.com).
    {"microsoft", "authfailure", "must pass either spf or dkim validation, this message is not signed"},
    {"microsoft", "authfailure", "the message was rejected because of sender policy framework violation"},
    {"microsoft", "authfailure", "does not pass dmarc verification"},
    {"microsoft", "authfailure", "doesn't meet the required authentication level"},
    {"microsoft", "badreputation", "has been temporarily rate limited due to ip reputation"},
    {"microsoft", "blocked", "access denied, please try again later"},
    {"microsoft", "blocked", "must have a reverse dns record"},
    {"microsoft", "blocked", "access denied, bad helo"},
    {"microsoft", "blocked", "access denied, rejected by recipient"},
    {"microsoft", "blocked", "does not accept email over ipv6"},
    {"microsoft", "blocked", "access denied, banned sender"},
    {"microsoft", "blocked", "using customer block list"},
    {"microsoft", "blocked", "access denied, banned sending ip "},
    {"microsoft", "blocked", "part of their network is on our block list (s3150)"},
    {"microsoft", "contenterror", "too many related errors"},
    {"microsoft", "contenterror", "agent generated message depth exceeded"},
    {"microsoft", "contenterror", "invalid message content"},
    {"microsoft", "mesgtoobig", "resolver.rst.recipsizelimit; message too large for this recipient"},
    {"microsoft", "mesgtoobig", "message size exceeds fixed maximum message size"},
    {"microsoft", "mesgtoobig", "message too big for system"},
    {"microsoft", "expired", "queue expired; message expired", {}, "4.7"},
    {"microsoft", "expired", "message expired", {}, "4.7"},
    {"microsoft", "expired", "message expired", {}, "4.300"},
    {"microsoft", "expired", "message expired", {}, "4.316"},
    {"microsoft", "securityerror", "starttls is required to send mail"},
    {"microsoft", "securityerror", "failed mta-sts validation"},
    {"microsoft", "userunknown", "recipient not found by smtp address lookup"},
    {"microsoft", "userunknown", "resolver.adr.recipientnotfound"},
    {"microsoft", "userunknown", "resolver.adr.recipnotfound"},
    {"microsoft", "userunknown", "resolver.adr.exrecipnotfound"},
    {"microsoft", "mailboxfull", "resolver.rst.recipientquotaexceeded"},

    // GoDaddy, when no IBnnn code is given.
    {"godaddy", "blocked", "rbl reject"},
    {"godaddy", "blocked", "www.spamhaus.org/query/bl?ip="},
    {"godaddy", "expired", "has been in the queue too long"},
    {"godaddy", "expired", "delivery timeout"},
    {"godaddy", "mailboxfull", "account storage limit"},
    {"godaddy", "spamdetected", "message rejected for spam or virus content"},
    {"godaddy", "suspend", "account disabled"},
    {"godaddy", "systemerror", "message is looping"},
    {"godaddy", "userunknown", "recipient not found"},
    {"godaddy", "userunknown", "account does not exist"},

    // Cox, when no AUP# code is given.
    {"cox", "blocked", "cox too many bad commands from"},
    {"cox", "blocked", "too many invalid recipients"},
    {"cox", "requireptr", "dns check failure - try again later"},
    {"cox", "requireptr", "rejected - no rdns"},
    {"cox", "policyviolation", "esmtp no data before greeting"},
    {"cox", "policyviolation", "attachment extension is forbidden"},
    {"cox", "rejected", "sender rejected"},
    {"cox", "systemerror", "esmtp server temporarily not available"},
    {"cox", "toomanyconn", "too many sessions from"},
    {"cox", "toomanyconn", "requested action aborted: try again later"},
    {"cox", "toomanyconn", "message threshold exceeded"},
    {"cox", "userunknown", "recipient rejected"},

    // Orange / La Poste, when no error label is given.
    {"franceptt", "authfailure", "spf/dns de votre nom de domaine"},

    // NTT docomo.
    {"nttdocomo", "mailboxfull", "552 too much mail data"},
    {"nttdocomo", "syntaxerror", "503 bad sequence of commands"},
    {"nttdocomo", "syntaxerror", "504 command parameter not implemented"},
    {"nttdocomo", "toomanyconn", "552 too many recipients"},
};

// For each wording, the pair of adjacent bytes of its phrase whose letters are rarest across all
// phrases (computed by the compiler): a text without that pair cannot hold the phrase.
struct WordingKeys {
  std::array<std::uint16_t, std::size(kWordings)> key{};
};
constexpr WordingKeys make_wording_keys() {
  std::array<std::uint32_t, 256> uses{};
  for (const auto& w : kWordings)
    for (const char c : w.phrase) ++uses[static_cast<unsigned char>(c)];
  WordingKeys out;
  for (std::size_t i = 0; i < std::size(kWordings); ++i) {
    const SV p = kWordings[i].phrase;
    std::uint32_t best = ~0u;
    for (std::size_t k = 0; k + 1 < p.size(); ++k) {
      const std::uint32_t u = uses[static_cast<unsigned char>(p[k])] * uses[static_cast<unsigned char>(p[k + 1])];
      if (u < best) best = u, out.key[i] = PhraseIndex::pair_key(p[k], p[k + 1]);
    }
  }
  return out;
}
constexpr WordingKeys kWordingKeys = make_wording_keys();
static_assert([] {
  for (const auto& w : kWordings)
    if (w.phrase.size() < 2) return false;
  return true;
}(), "every wording phrase has a pair of bytes to test");

struct Code {
  SV code;
  SV reason;  // "undefined": the provider says "try later" and nothing more
};

// Orange (OFR) and La Poste (LPN) labels: "OFR_416", "LPN007_426", "OFR006_102".
constexpr Code kFrancePttCodes[] = {
    {"101", "blocked"},       {"102", "blocked"},       {"103", "blocked"},      {"104", "toomanyconn"},
    {"105", "undefined"},     {"107", "undefined"},     {"108", "undefined"},    {"109", "undefined"},
    {"201", "undefined"},     {"305", "securityerror"}, {"401", "authfailure"},  {"402", "securityerror"},
    {"403", "rejected"},      {"405", "rejected"},      {"415", "rejected"},     {"416", "userunknown"},
    {"417", "mailboxfull"},   {"420", "suspend"},       {"421", "rejected"},     {"423", "undefined"},
    {"424", "undefined"},     {"426", "suspend"},       {"505", "systemerror"},  {"506", "spamdetected"},
    {"510", "blocked"},       {"513", "undefined"},     {"514", "mesgtoobig"},   {"517", "authfailure"},
    {"630", "policyviolation"}, {"999", "blocked"},
};

// GoDaddy "IBnnn" codes.
constexpr Code kGoDaddyCodes[] = {
    {"ib401", "securityerror"}, {"ib501", "notcompliantrfc"}, {"ib502", "notcompliantrfc"},
    {"ib506", "rejected"},      {"ib508", "authfailure"},     {"ib108", "requireptr"},
    {"ib212", "spamdetected"},  {"ib705", "virusdetected"},   {"ib605", "toomanyconn"},
    {"ib007", "toomanyconn"},   {"ib101", "speeding"},        {"ib110", "blocked"},
    {"ib111", "blocked"},       {"ib112", "blocked"},         {"ib113", "blocked"},
    {"ib504", "speeding"},      {"ib510", "speeding"},        {"ib607", "speeding"},
    {"ib103", "badreputation"}, {"ib104", "blocked"},         {"ib105", "blocked"},
    {"ib106", "blocked"},
};

// Cox "AUP#CXBL" style codes.
constexpr Code kCoxCodes[] = {
    {"cxbl", "blocked"},        {"cxdns", "requireptr"},      {"cxsndr", "authfailure"},
    {"cxsmtp", "rejected"},     {"cxcnct", "toomanyconn"},    {"cxmxrt", "toomanyconn"},
    {"cdrbl", "blocked"},       {"cxthrt", "securityerror"},  {"cxmj", "securityerror"},
    {"urlbl011", "spamdetected"}, {"urlbl101", "spamdetected"}, {"urlbl110", "spamdetected"},
    {"urlbl1001", "spamdetected"},
};

// Spectrum "AUP#I1260" style codes: ranges of four-digit numbers.
struct CodeRange {
  int first, last;
  SV reason;
};
constexpr CodeRange kSpectrumCodes[] = {
    {1000, 1000, "blocked"},     {1010, 1010, "rejected"},     {1020, 1080, "rejected"},
    {1090, 1090, "systemerror"}, {1100, 1150, "requireptr"},   {1160, 1190, "policyviolation"},
    {1200, 1210, "blocked"},     {1220, 1250, "blocked"},      {1260, 1260, "networkerror"},
    {1300, 1340, "toomanyconn"}, {1350, 1490, "speeding"},     {1500, 1500, "rejected"},
    {1520, 1520, "rejected"},    {1530, 1530, "mesgtoobig"},   {1540, 1540, "speeding"},
    {1550, 1550, "speeding"},    {1560, 1560, "policyviolation"}, {1580, 1580, "speeding"},
};

// i.ua: ".i.ua/err/<n>/" links.
constexpr Code kIuaCodes[] = {
    {"1", "norelaying"}, {"2", "userunknown"}, {"3", "suspend"}, {"4", "mailboxfull"},
    {"5", "toomanyconn"}, {"6", "norelaying"}, {"7", "blocked"}, {"8", "rejected"},
    {"9", "blocked"},    {"10", "filtered"},
};

bool detail_matches(SV want, SV have, std::size_t skip) {
  if (want.empty()) return true;
  if (have.size() <= skip) return false;
  return have.substr(skip) == want;
}

RuleMatch found(SV provider, SV reason, SV what) {
  return {reason, "rhost:" + std::string(provider) + ":" + std::string(what)};
}

template <std::size_t N>
SV lookup(const Code (&table)[N], SV code) {
  for (const auto& c : table)
    if (c.code == code) return c.reason;
  return {};
}

// The token after `marker` up to a space or one of `stops` ("" if none).
SV token_after(SV text, SV marker, SV stops = " ") {
  const auto at = text.find(marker);
  if (at == SV::npos) return {};
  SV rest = text.substr(at + marker.size());
  const auto end = rest.find_first_of(stops);
  return rest.substr(0, end);
}

RuleMatch by_code(SV provider, SV d, SV status, SV command) {
  if (provider == "franceptt") {
    // Labels look like "OFR_416", "LPN007_426", "OFR006_102": letters, maybe digits, '_', code.
    // The last label in the text wins.
    SV best_code, best_label;
    for (auto us = d.find('_'); us != SV::npos; us = d.find('_', us + 1)) {
      if (us + 4 > d.size()) break;
      SV digits = d.substr(us + 1, 3);
      if (digits.find_first_not_of("0123456789") != SV::npos) continue;
      std::size_t b = us;
      while (b > 0 && ((d[b - 1] >= 'a' && d[b - 1] <= 'z') || (d[b - 1] >= '0' && d[b - 1] <= '9'))) --b;
      SV label = d.substr(b, us - b);
      if (label.substr(0, 3) != "lpn" && label.substr(0, 3) != "ofr" && label.substr(0, 3) != "ouk") continue;
      best_code = digits;
      best_label = d.substr(b, us + 4 - b);
    }
    if (SV r = lookup(kFrancePttCodes, best_code); !best_code.empty() && !r.empty())
      return found(provider, r, best_label);
  } else if (provider == "godaddy") {
    for (auto at = d.find(" ib"); at != SV::npos; at = d.find(" ib", at + 1)) {
      SV code = d.substr(at + 1, 5);
      if (SV r = lookup(kGoDaddyCodes, code); !r.empty()) return found(provider, r, code);
    }
  } else if (provider == "cox") {
    SV code = token_after(d, "aup#", " .,;)");
    if (SV r = lookup(kCoxCodes, code); !r.empty()) return found(provider, r, code);
    if (code.size() >= 4 && code.substr(0, 4) == "ipbl") return found(provider, "blocked", code);
  } else if (provider == "spectrum") {
    SV code = token_after(d, "aup#", " .,;)");
    std::size_t i = 0;
    while (i < code.size() && (code[i] < '0' || code[i] > '9')) ++i;
    SV digits = code.substr(i, 4);
    if (digits.size() == 4) {
      int n = 0;
      for (char c : digits) n = (c >= '0' && c <= '9') ? n * 10 + (c - '0') : -100000;
      for (const auto& r : kSpectrumCodes)
        if (n >= r.first && n <= r.last) return found(provider, r.reason, code);
    }
  } else if (provider == "iua") {
    SV code = token_after(d, ".i.ua/err/", "/");
    if (SV r = lookup(kIuaCodes, code); !r.empty()) return found(provider, r, code);
  } else if (provider == "nttdocomo") {
    // docomo answers "550 Unknown user" both for a missing mailbox and for its reception
    // filter; the status code and the SMTP command tell them apart.
    if (status == "5.1.1" || status == "5.0.911") return found(provider, "userunknown", status);
    if (status == "5.2.0") return found(provider, "filtered", status);
  }
  (void)command;
  return {};
}

// Vendor tokens distinctive enough to be trusted whatever host relayed them: Exchange's
// RESOLVER codes appear in its NDRs and in DSNs of any MTA that relays them.
constexpr Wording kVendorTokens[] = {
    {"exchange", "userunknown", "resolver.adr.recipnotfound"},
    {"exchange", "userunknown", "resolver.adr.recipientnotfound"},
    {"exchange", "userunknown", "resolver.adr.exrecipnotfound"},
    {"exchange", "mesgtoobig", "resolver.rst.recipsizelimit"},
    {"exchange", "mailboxfull", "resolver.rst.recipientquotaexceeded"},
};

constexpr SV kVendorTokenStem = "resolver.";
constexpr bool all_start_with_stem() {
  for (const auto& w : kVendorTokens)
    if (!w.phrase.starts_with(kVendorTokenStem)) return false;
  return true;
}
static_assert(all_start_with_stem(), "match_rhost_rules_for_command gates the vendor tokens on their stem");

// Does the text hold the stem? Searched by its 'v' (rare in text; 'r' is common), the one
// letter of the stem that occurs once in it.
constexpr std::size_t kStemAnchor = 5;
static_assert(kVendorTokenStem[kStemAnchor] == 'v' && kVendorTokenStem.find('v') == kStemAnchor &&
              kVendorTokenStem.rfind('v') == kStemAnchor);
bool holds_vendor_stem(SV d) {
  for (auto at = d.find('v', kStemAnchor); at != SV::npos; at = d.find('v', at + 1))
    if (d.substr(at - kStemAnchor, kVendorTokenStem.size()) == kVendorTokenStem) return true;
  return false;
}

// PowerMTA's X-PowerMTA-BounceCategory values.
constexpr Code kPowerMtaCategories[] = {
    {"bad-domain", "hostunknown"},           {"bad-mailbox", "userunknown"},
    {"inactive-mailbox", "suspend"},         {"message-expired", "expired"},
    {"no-answer-from-host", "networkerror"}, {"policy-related", "policyviolation"},
    {"quota-issues", "mailboxfull"},         {"routing-errors", "systemerror"},
    {"spam-related", "spamdetected"},
};

}  // namespace

std::span<const ProviderHost> rhost_provider_hosts() { return kProviderHosts; }

std::string_view rhost_provider(std::string_view remote, std::string_view domain) { return provider_of(remote, domain); }

std::string_view reason_for_bounce_category(std::string_view category) {
  return lookup(kPowerMtaCategories, category);
}

RuleMatch match_rhost_rules(SV remote, SV domain, SV d, SV status, SV reply) {
  return match_rhost_rules_for_command(remote, domain, d, status, reply, {});
}

RuleMatch match_rhost_rules_for_command(SV remote, SV domain, SV d, SV status, SV reply, SV command,
                                        const PhraseIndex* words) {
  if (d.empty()) return {};
  // Every vendor token starts with kVendorTokenStem: one search rules them all out.
  if (holds_vendor_stem(d)) {
    for (const auto& w : kVendorTokens)
      if (d.find(w.phrase) != SV::npos) return found(w.provider, w.reason, w.phrase);
  }
  const SV provider = provider_of(remote, domain);
  if (provider.empty()) return {};
  if (RuleMatch m = by_code(provider, d, status, command); !m.reason.empty()) return m;
  for (std::size_t i = 0; i < std::size(kWordings); ++i) {
    const auto& w = kWordings[i];
    if (w.provider != provider) continue;
    if (words && !words->holds_pair(kWordingKeys.key[i])) continue;  // the text lacks one of its pairs
    if (d.find(w.phrase) == SV::npos) continue;
    if (!detail_matches(w.reply, reply, 1)) continue;
    if (!detail_matches(w.status, status, 2)) continue;
    return found(provider, w.reason, w.phrase);
  }
  if (provider == "nttdocomo" && (status == "5.0.0" || status.empty())) {
    if (command == "RCPT" && d.find("550 unknown user") != SV::npos) return found(provider, "userunknown", "rcpt");
    if (command == "DATA" && d.find("550 unknown user") != SV::npos) return found(provider, "rejected", "data");
  }
  return {};
}

}  // namespace bounced
