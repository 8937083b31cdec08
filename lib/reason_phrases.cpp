// reason_phrases.cpp: what MTAs and mailbox providers really write, per bounce reason.
// Each pattern is lowercase. A pattern is one substring, or several fragments separated by '*'
// that must occur in that order (e.g. "mailbox *full" matches "mailbox is full" and
// "mailbox full"). Lists are data only; the order in which reasons are tried lives in
// reason_rules.cpp.
#include <array>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <string_view>

#include "reason_rules.hpp"

namespace bounced {
namespace {

using P = std::string_view;

constexpr P kUserUnknown[] = {
    "#5.1.1 bad address", "550 address invalid", "5.1.0 address rejected.", "address does not exist",
    "address not present in directory", "address unknown", "can't accept user", "does not exist.",
    "destination addresses were unknown", "destination server rejected recipients",
    "email address does not exist", "email address could not be found", "invalid address",
    "invalid mailbox", "invalid recipient", "is not a known user", "is not a valid mailbox",
    "is not an active address at this host", "mailbox does not exist", "mailbox invalid",
    "mailbox is inactive", "mailbox is unavailable", "mailbox not present", "mailbox not found",
    "mailbox unavaiable", "nessun utente simile in questo indirizzo", "no account by that name here",
    "no existe dicha persona", "no existe ese usuario ", "no mail box available for this user",
    "no mailbox by that name is currently available", "no mailbox found", "no such address here",
    "no such mailbox", "no such person at this address", "no such recipient", "no such user",
    "no thank you rejected: account unavailable", "no valid recipients, bye", "not a valid recipient",
    "not a valid user here", "not a local address", "not email addresses",
    "recipient address rejected. (in reply to rcpt to command)",
    "recipient address rejected: access denied", "recipient address rejected: invalid user",
    "recipient address rejected: invalid-recipient", "recipient address rejected: unknown user",
    "recipient address rejected: userunknown", "recipient does not exist",
    "recipient is not accepted", "recipient is not local", "recipient not exist",
    "recipient not found", "recipient not ok", "recipient refuses to accept your mail",
    "recipient unknown", "requested action not taken: mailbox unavailable",
    "resolver.adr.recipient notfound", "resolver.adr.recipnotfound", "sorry, user unknown",
    "sorry, badrcptto", "sorry, no mailbox here by that name",
    "sorry, your envelope recipient has been denied",
    "that domain or user isn't in my list of allowed rcpthosts",
    "the email account that you tried to reach does not exist",
    "the following recipients was undeliverable", "the user's email name is not found",
    "there is no one at this address", "this address no longer accepts mail",
    "this email address is wrong or no longer valid", "this recipient is in my badrecipientto list",
    "this recipient is not in my validrcptto list", "this spectator does not exist",
    "unknown mailbox", "unknown recipient", "unknown user", "user does not exist",
    "user missing home directory", "user not active", "user not exist", "user not found",
    "user not known", "user unknown", "utilisateur inconnu !", "vdeliver: invalid or unknown virtual user",
    "weil die adresse nicht gefunden wurde oder keine e-mails empfangen kann",
    "your envelope recipient is in my badrcptto list",
    // Fragments in order.
    "<*> not found", "<*>... blocked by ", "account * does not exist at the organization",
    "adresse d au moins un destinataire invalide. invalid recipient.*416",
    "adresse d au moins un destinataire invalide. invalid recipient.*418", "bad*recipient",
    "mailbox *does not exist", "mailbox *unavailable or access denied", "no * in name directory",
    "non*existent user", "rcpt <* does not exist", "rcpt (*t exist ", "recipient * was not found in",
    "recipient address rejected: user * does not exist",
    "recipient address rejected: user unknown in * table", "said: 550*5.1.1 * user unknown ",
    "this user doesn't have a * account", "unknown e*mail address", "unknown local*part",
    "user * was not found", "user * does not exist", "user (*) unknown",
    "invalid user", "mailbox name not allowed", "returned unknown recipient or mailbox unavailable",
};

constexpr P kFiltered[] = {
    "account is protected by", "bounced address", "has restricted sms e-mail",
    "is not accepting any mail", "message filtered", "message rejected due to user rules",
    "not found recipient account", "recipient id refuse to receive mail",
    "recipient is only accepting mail from specific email addresses",
    "refused due to recipient preferences", "user not found", "user refuses to receive this mail",
    "user reject", "you have been blocked by the recipient",
};

// Words that look like "rejected" but are about the recipient or the client IP.
constexpr P kRejectedExceptions[] = {
    "5.1.0 address rejected", "recipient address rejected", "sender ip address rejected",
};
constexpr P kRejected[] = {
    "access denied (in reply to mail from command)", "access denied (sender blacklisted)",
    "address rejected", "administrative prohibition", "batv failed to verify",
    "batv validation failure",
    "backscatter protection detected an invalid or expired email address",
    "because the sender isn't on the recipient's list of senders to accept mail from",
    "bogus mail from", "can't determine purported responsible address",
    "connections not accepted from servers without a valid sender domain", "denied [bouncedeny]",
    "denied by secumail valid-address-filter", "delivery not authorized, message refused",
    "does not exist e2110", "domain of sender address ", "email address is on senderfilterconfig list",
    "emetteur invalide", "empty envelope senders not allowed", "envelope blocked - ",
    "error: no third-party dsns", "from: domain is invalid. please provide a valid from:",
    "fully qualified email address required", "invalid domain, see <url:", "invalid sender",
    "is not a registered gateway user", "mail from not owned by user",
    "message rejected: email address is not verified", "mx records for ",
    "null sender is not allowed", "recipient addresses rejected : access denied",
    "recipient not accepted. (batv: no tag", "returned mail not accepted here",
    "rfc 1035 violation: recursive cname records for", "rule imposed mailbox access for",
    "sending this from a different address or alias using the ",
    "sender address has been blacklisted", "sender email address rejected",
    "sender is in my black list", "sender is spammer", "sender not pre-approved", "sender rejected",
    "sender domain is empty", "sender verify failed", "sender was rejected", "spam reporting address",
    "syntax error: empty email address", "the message has been rejected by batv defense",
    "this server does not accept mail from", "transaction failed unsigned dsn for",
    "unroutable sender address", "you are not allowed to post to this mailing list",
    "you are sending to/from an address that has been blacklisted",
    "your access to submit messages to this e-mail system has been rejected",
    "your email address has been blacklisted",
    "badmailfrom", "domain name required", ", message blocked",
};

constexpr P kBlocked[] = {
    " said: 550 blocked", "//www.spamcop.net/bl.", "bad sender ip address", "banned sending ip",
    "blacklisted by", "blocked using ", "blocked - see http", "dnsbl:attrbl",
    "client host rejected: abus detecte gu_eib_02", "client host rejected: abus detecte gu_eib_04",
    "client host rejected: may not be mail exchanger", "client host rejected: was not authenticated",
    "confirm this mail server", "connection dropped", "connection refused by",
    "connection reset by peer", "connection was dropped by remote host",
    "connections not accepted from ip addresses on spamhaus xbl", "currently sending spam see: ",
    "domain does not exist:", "dynamic/zombied/spam ips blocked", "error: no valid recipients from ",
    "esmtp not accepting connections", "extreme bad ip profile", "go away", "helo command rejected:",
    "host network not allowed", "hosts with dynamic ip", "invalid ip for sending mail of domain",
    "is in a black list", "is not allowed to send mail from", "mailfrom domain is listed in spamhaus",
    "no access from mail server", "no matches to nameserver query",
    "not currently accepting mail from your ip", "part of their network is on our block list",
    "please use the smtp server of your isp", "refused - see http", "rejected - multi-blacklist",
    "rejected because the sending mta or the sender has not passed validation",
    "rejecting open proxy", "sender ip address rejected", "server access forbidden by your ip ",
    "service not available, closing transmission channel",
    "smtp error from remote mail server after initial connection:",
    "sorry, that domain isn't in my list of allowed rcpthosts",
    "sorry, your remotehost looks suspiciously like spammer",
    "temporarily deferred due to unexpected volume or user complaints",
    "to submit messages to this e-mail system has been rejected", "too many spams from your ip",
    "too many unwanted messages have been sent from the following ip address above",
    "was blocked by ", "we do not accept mail from dynamic ips", "you are not allowed to connect",
    "you are sending spam", "your ip address is listed in the rbl",
    "your network is temporary blacklisted", "your server requires confirmation",
    "but my name was rejected",
    "(*@*:blocked)", "access from ip address * blocked", "client host * blocked using",
    "connections will not be accepted from * because the ip is in spamhaus's list",
    "dnsbl:rbl *>_is_blocked", "email blocked by *.barracudacentral.org", "email blocked by *spamhaus",
    "host * refused to talk to me: * blocked", "ip * is blocked by earthlink", "is in an *rbl on ",
    "mail server at * is blocked", "mail from * refused:", "mail from * refused, see *orbs",
    "message from * rejected based on blacklist",
    "messages from * temporarily deferred due to user complaints", "server ip * listed as abusive",
    "sorry! your ip address* is blocked by rbl", "the domain * is blacklisted",
    "the email * is blacklisted", "the ip* is blacklisted",
    "veuillez essayer plus tard. service refused, please try later. *103",
    "veuillez essayer plus tard. service refused, please try later. *510",
    "your access ip* has been rejected", "your sender's ip address is listed at *.abuseat.org",
};

constexpr P kMailboxFull[] = {
    "452 insufficient disk space", "account disabled temporarly for exceeding receiving limits",
    "boite du destinataire pleine", "exceeded storage allocation", "full mailbox",
    "mailbox exceeds allowed size", "mailbox size limit exceeded",
    "mailbox would exceed maximum allowed storage", "mailfolder is full", "no space left on device",
    "not sufficient disk space", "quota violation for", "too much mail data",
    "user has exceeded quota, bouncing mail", "user has too many messages on the server",
    "user's space has been used up", "account is * quota", "disk*quota", "enough * space",
    "mailbox *exceeded* limit", "mailbox *full", "mailbox *quota", "maildir *quota", "over *quota",
    "quota *exceeded",
};

constexpr P kSpamDetected[] = {
    " - spam", "//www.spamhaus.org/help/help_spam_16.htm", "//dsbl.org/help/help_spam_16.htm",
    "//mail.163.com/help/help_spam_16.htm", "554 5.7.0 reject, id=", "appears to be unsolicited",
    "blacklisted url in message", "block for spam", "blocked by policy: no spam please",
    "blocked by spamassassin", "blocked for abuse. see http://att.net/blocks",
    "cannot be forwarded because it was detected as spam",
    "considered unsolicited bulk e-mail (spam) by our mail filters", "content filter rejection",
    "cyberoam anti spam engine has identified this email as a bulk email", "denied due to spam list",
    "high probability of spam", "is classified as spam and is rejected", "listed in work.drbl.imedia.ru",
    "the mail server detected your message as spam and has prevented delivery.",
    "mail appears to be unsolicited", "mail content denied", "may consider spam",
    "message considered as spam or virus", "message contains spam or virus",
    "message content rejected", "message detected as spam", "message filtered",
    "message looks like spam", "message is being rejected as it seems to be a spam",
    "message refused by mailmarshal spamprofiler", "message refused by trustwave seg spamprofiler",
    "message rejected as spam", "message rejected because of unacceptable content",
    "message rejected due to suspected spam content", "message rejected for policy reasons",
    "message was rejected for possible spam/virus content",
    "our email server thinks this email is spam", "our system has detected that this message is ",
    "probable spam", "reject bulk.advertising", "rejected: spamassassin score ",
    "rejected - bulk email", "rejecting banned content", "rejecting mail content",
    "related to content with spam-like characteristics", "sender domain listed at ",
    "sending address not accepted due to spam filter", "spam blocked", "spam check",
    "spam content matched", "spam detected", "spam email", "spam message rejected.",
    "spam not accepted", "spam refused", "spam rejection", "spam score ", "spambouncer identified spam",
    "spamming not allowed", "too many spam complaints", "too much spam.",
    "the email message was detected as spam", "the message has been rejected by spam filtering engine",
    "the message was rejected due to classification as bulk mail",
    "the content of this message looked like spam", "this message appears to be spam",
    "this message has been identified as spam", "this message has been scored as spam with a probability",
    "this message was classified as spam",
    "this message was rejected by recurrent pattern detection system",
    "transaction failed spam message not queued", "we dont accept spam",
    "your email appears similar to spam we have received before",
    "your email breaches local uribl policy", "your email had spam-like ", "your email is considered spam",
    "your email is probably spam", "your email was detected as spam",
    "your message as spam and has prevented delivery",
    "your message has been temporarily blocked by our filter",
    "your message has been rejected because it appears to be spam",
    "your message has triggered a spam block", "your message may contain the spam contents",
    "your message failed several antispam checks", "greylisted* please try again in",
    "mail score (* over ", "mail rejete. mail rejected. *506",
    "our filters rate at and above * percent probability of being spam", "rejected by * (spam)",
    "rejected due to spam *classification", "rejected due to spam *content",
    "rule imposed as * is blacklisted on", "spam * exceeded", "this message scored * spam points",
};

constexpr P kHostUnknown[] = {
    "domain does not exist", "domain is not reachable", "domain must exist",
    "host or domain name not found", "host unknown", "host unreachable",
    "mail domain mentioned in email address is unknown", "name or service not known",
    "no such domain", "recipient address rejected: unknown domain name",
    "recipient domain must exist", "the account or domain may not exist", "unknown host",
    "unroutable address", "unrouteable address", "553 * does not exist",
};

constexpr P kSuspend[] = {
    " is currently suspended", " temporary locked", "archived recipient", "boite du destinataire archivee",
    "email account that you tried to reach is disabled", "has been suspended", "inactive account",
    "invalid/inactive user", "is a deactivated mailbox", "is unavailable: user is terminated",
    "mailbox currently suspended", "mailbox disabled", "mailbox is frozen",
    "mailbox unavailable or access denied", "recipient rejected: temporarily inactive",
    "recipient suspend the service", "the email account that you tried to reach is inactive",
    "this account has been disabled or discontinued", "this account has been temporarily suspended",
    "this address no longer accepts mail", "this mailbox is disabled", "user or domain is disabled",
    "user suspended", "vdelivermail: account is locked email bounced",
};

constexpr P kMesgTooBig[] = {
    "exceeded maximum inbound message size", "exceeded the maximum incoming message size",
    "line limit exceeded", "max message size exceeded", "message file too big",
    "message length exceeds administrative limit", "message size exceeds fixed limit",
    "message size exceeds fixed maximum message size", "message size exceeds maximum value",
    "message too big", "message too large for this ", "size limit", "taille limite du message atteinte",
};

constexpr P kExceedLimit[] = {"message header size exceeds limit", "message too large"};

constexpr P kHasMoved[] = {" has been replaced by "};

constexpr P kNoRelaying[] = {
    "as a relay", "email address is not verified.", "insecure mail relay",
    "mail server requires authentication when attempting to send to a non-local e-mail address",
    "no relaying", "not a gateway", "not allowed to relay through this machine",
    "not an open relay, so get lost", "not local host", "relay access denied", "relay denied",
    "relay not permitted", "relaying denied", "relaying mail to ", "specified domain is not allowed",
    "that domain isn't in my list of allowed rcpthost", "this system is not configured to relay mail",
    "unable to relay ", "we don't handle mail for",
    // Wordings seen in the project's seed replies (bounced explain).
    "relaying not permitted", "smtp to relay", "to non-local recipient", "relay restriction",
    "local user only",
};

constexpr P kAuthFailure[] = {
    "//spf.pobox.com", "bad spf records for", "dmarc policy",
    "doesn't meet the required authentication level", "please inspect your spf settings",
    "sender policy framework (spf) fail", "sender policy framework violation",
    "spf (sender policy framework) domain authentication fail", "spf check: fail",
    "the 5322.from address doesn't meet the authentication requirements defined for the sender",
    " is not allowed to send mail.*_401", "is not allowed to send from <* per it's spf record",
};

constexpr P kRequirePtr[] = {
    "access denied. ip name lookup failed",
    "all mail servers must have a ptr record with a valid reverse dns entry",
    "bad dns ptr resource record", "cannot find your hostname", "cannot resolve your address.",
    "client host rejected: cannot find your hostname", "fix reverse dns for ",
    "ips with missing ptr records", "no ptr record found.",
    "please get a custom reverse dns name from your isp for your host", "ptr record setup",
    "reverse dns failed", "reverse dns required", "sender ip reverse lookup rejected",
    "the ip address sending this message does not have a ptr record setup",
    "the corresponding forward dns entry does not point to the sending ip",
    "this system will not accept messages from servers/devices with no reverse dns",
    "unresolvable relay host name",
    "we do not accept mail from hosts with dynamic ip or generic dns ptr-records",
    "domain * mismatches client ip", "dns lookup failure: * try again later",
    "reverse dns lookup for host * failed permanently",
    "server access * forbidden by invalid rdns record of your mail server",
    "service permits * unverifyable sending ips",
};

// "duplicate header" alone is a content error (see kContentError), not an RFC complaint.
constexpr P kNotCompliantRfc[] = {
    "this message is not rfc 5322 compliant",
    "https://support.google.com/mail/?p=rfcmessagenoncompliant", " multiple * header",
};

constexpr P kBadReputation[] = {
    "a poor email reputation score", "has been temporarily rate limited due to ip reputation",
    "ip/domain reputation problems", "likely suspicious due to the very low reputation",
    "none/bad reputation", "temporarily deferred due to unexpected volume or user complaints",
    "the sending mta's poor reputation",
};

constexpr P kContentError[] = {
    "duplicate header", "header size exceeds maximum permitted",
    "improper use of 8-bit data in message header",
    "message header size, or recipient list, exceeds policy limit",
    "message mime complexity exceeds the policy maximum",
    "routing loop detected -- too many received: headers", "this message contain invalid mime headers",
    "this message contain improperly-formatted binary content",
    "this message contain text that uses unnecessary base64 encoding",
};

constexpr P kSpeeding[] = {
    "mail sent from your ip address has been temporarily rate limited", "please try again slower",
    "receiving mail at a rate that prevents additional messages from being delivered",
};

constexpr P kTooManyConn[] = {
    "all available ips are at maximum connection limit", "connection rate limit exceeded",
    "exceeds per-domain connection limit for", "has exceeded the max emails per hour ",
    "throttling failure: daily message quota exceeded",
    "throttling failure: maximum sending rate exceeded", "too many connections",
    "too many concurrent smtp connections", "too many errors from your ip", "too many recipients",
    "too many smtp sessions for this host", "trop de connexions, ",
    "we have already made numerous attempts to deliver this message",
};

constexpr P kPolicyViolation[] = {
    "an illegal attachment on your message", "because the recipient is not accepting mail with ",
    "by non-member to a members-only list", "closed mailing list", "denied by policy",
    "email not accepted for policy reasons", "email rejected due to security policies",
    "header are not accepted", "header error", "local policy violation",
    "message bounced due to organizational settings", "message given low priority",
    "message not accepted for policy reasons", "message rejected due to local policy",
    "messages with multiple addresses", "rejected for policy reasons", "protocol violation",
    "the email address used to send your message is not subscribed to this group",
    "the message was rejected by organization policy",
    "this message was blocked because its content presents a potential",
    "we do not accept messages containing images or other attachments", "you're using a mass mailer",
    "you have exceeded the*allowable number of posts without solving a captcha",
};

constexpr P kVirusDetected[] = {
    "it has a potentially executable attachment",
    "the message was rejected because it contains prohibited virus or spam content",
    "this form of attachment has been used by recent viruses or other malware", "virus detected",
    "virus phishing/malicious_url detected", "your message was infected with a virus",
};

constexpr P kSecurityError[] = {
    "account not subscribed to ses", "authentication credentials invalid", "authentication failure",
    "authentication required", "authentication turned on in your email client",
    "executable files are not allowed in compressed files", "insecure mail relay",
    "recipient address rejected: access denied",
    "sorry, you don't authenticate or the domain isn't in my list of allowed rcpthosts",
    "unauthenticated senders not allowed", "verification failure",
    "you are not authorized to send mail, authentication is required",
    // TLS requirements: later Sisimai versions call these failedstarttls; v5.1 has no such reason.
    "starttls is required to send mail", "tls required but not supported",
    "must issue a starttls command first", "turn on smtp authentication",
    "authentication failed; server * said: ", "authentification invalide*305",
    "authentification requise*402", "domain * is a dead domain",
    "user * is not authorized to perform ses:sendrawemail on resource",
    "authentication is required", "authentication unsuccessful", "client was not authenticated",
};

constexpr P kSystemError[] = {
    "aliasing/forwarding loop broken", "can't create user output file", "could not load drd for domain",
    "internal error reading data", "internal server error: operation now in progress",
    "interrupted system call", "it encountered an error while being processed",
    "it would create a mail loop", "local configuration error", "local error in processing",
    "loop was found in the mail exchanger", "loops back to myself", "mail system configuration error",
    "queue file write error", "recipient deferred because there is no mdb",
    "remote server is misconfigured", "server configuration error", "service currently unavailable",
    "system config error", "temporary local problem", "timeout waiting for input",
    "transaction failed ", "unable to connect *daemon",
};

constexpr P kNetworkError[] = {
    "could not connect and send the mail to",
    "dns records for the destination computer could not be found",
    "hop count exceeded - possible mail loop", "host is unreachable", "host name lookup failure",
    "host not found, try again", "mail forwarding loop for ", "malformed name server reply",
    "malformed or unexpected name server reply", "maximum forwarding loop count exceeded",
    "message looping", "message probably in a routing loop", "no route to host", "too many hops",
    "unable to resolve route ", "unrouteable mail domain",
    // Google's DNS errors and Exchange's "Message expired, DNS query failed".
    "responded with code nxdomain", "had no relevant answers", "dns query failed",
};

constexpr P kSystemFull[] = {
    "mail system full", "requested mail action aborted: exceeded storage allocation",
    "insufficient system storage", "errno=28",
};

constexpr P kNotAccept[] = {
    "does not accept mail (nullmx)", "host/domain does not accept mail", "host does not accept mail",
    "mail receiving disabled", "name server: .: host not found", "no mx record found for domain=",
    "no mx found for domain", "doesn't receive email according to the administrator",
    "no route for current request", "smtp protocol returned a permanent error",
};

constexpr P kExpired[] = {
    "connection timed out", "could not find a gateway for", "delivery attempts will continue to be",
    "delivery expired", "delivery time expired", "failed to deliver to domain ", "giving up on",
    "have been failing for a long time", "has been delayed", "it has not been collected after",
    "message expired after sitting in queue for", "message expired, cannot connect to remote server",
    "message expired, connection refulsed", "message timed out",
    "retry time not reached for any host after a long failure period", "server did not respond",
    "this message has been in the queue too long", "unable to deliver message after multiple retries",
    "was not reachable within the allowed queue period",
    "your message could not be delivered for more than", "could not be delivered for* days",
};

constexpr P kMailerError[] = {
    " || exit ", "procmail: ", "bin/procmail", "bin/maidrop", "command failed: ",
    "command died with status ", "command output:", "mailer error", "pipe to |/", "x-unix; ",
};

constexpr P kVacation[] = {
    "i am away on vacation", "i am away until", "i am out of the office", "i will be traveling for work on",
};

struct PhraseSet {
  std::string_view reason;
  const P* begin;
  const P* end;
};

template <std::size_t N>
constexpr PhraseSet set(std::string_view reason, const P (&list)[N]) {
  return {reason, list, list + N};
}

constexpr PhraseSet kSets[] = {
    set("userunknown", kUserUnknown),         set("filtered", kFiltered),
    set("rejected", kRejected),               set("blocked", kBlocked),
    set("mailboxfull", kMailboxFull),         set("spamdetected", kSpamDetected),
    set("hostunknown", kHostUnknown),         set("suspend", kSuspend),
    set("mesgtoobig", kMesgTooBig),           set("exceedlimit", kExceedLimit),
    set("hasmoved", kHasMoved),               set("norelaying", kNoRelaying),
    set("authfailure", kAuthFailure),         set("requireptr", kRequirePtr),
    set("notcompliantrfc", kNotCompliantRfc), set("badreputation", kBadReputation),
    set("contenterror", kContentError),       set("speeding", kSpeeding),
    set("toomanyconn", kTooManyConn),         set("policyviolation", kPolicyViolation),
    set("virusdetected", kVirusDetected),     set("securityerror", kSecurityError),
    set("systemerror", kSystemError),         set("networkerror", kNetworkError),
    set("systemfull", kSystemFull),           set("notaccept", kNotAccept),
    set("expired", kExpired),                 set("mailererror", kMailerError),
    set("vacation", kVacation),
};

constexpr std::size_t kSetCount = sizeof(kSets) / sizeof(kSets[0]);
static_assert([] {
  if (kSetCount != std::size(kPhraseReasons)) return false;
  for (std::size_t i = 0; i < kSetCount; ++i)
    if (kSets[i].reason != kPhraseReasons[i]) return false;
  return true;
}(), "kPhraseReasons names kSets' reasons in kSets' order");

static_assert(kSetCount <= 40, "PhraseIndex::memo_ is sized for 40 phrase sets");

// Reason name -> set, by open addressing over a small table built by the compiler: a question
// costs a hash of three bytes and one comparison instead of a walk through the names.
constexpr std::size_t kSlots = 64;
static_assert(kSetCount < kSlots / 2, "the reason table stays sparse");
constexpr std::size_t slot_of(std::string_view name) {
  return (static_cast<unsigned char>(name[0]) * 25u + static_cast<unsigned char>(name[name.size() - 2]) * 13u +
          name.size()) % kSlots;
}
constexpr auto kSlotTable = [] {
  std::array<std::int8_t, kSlots> slots{};
  for (auto& s : slots) s = -1;
  for (std::size_t i = 0; i < kSetCount; ++i) {
    std::size_t k = slot_of(kSets[i].reason);
    while (slots[k] >= 0) k = (k + 1) % kSlots;
    slots[k] = static_cast<std::int8_t>(i);
  }
  return slots;
}();

// a == b for names of the same length: 8 to 16 bytes as two (overlapping) words, no memcmp call.
bool same_name(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  if (n < 8 || n > 16) return a == b;
  std::uint64_t a0, a1, b0, b1;
  std::memcpy(&a0, a.data(), 8);
  std::memcpy(&b0, b.data(), 8);
  std::memcpy(&a1, a.data() + n - 8, 8);
  std::memcpy(&b1, b.data() + n - 8, 8);
  return a0 == b0 && a1 == b1;
}

int set_index(std::string_view reason) {
  if (reason.size() < 2) return -1;
  for (std::size_t k = slot_of(reason);; k = (k + 1) % kSlots) {
    const int i = kSlotTable[k];
    if (i < 0) return -1;
    if (same_name(kSets[static_cast<std::size_t>(i)].reason, reason)) return i;
  }
}

// The two bytes themselves (a << 8 | b), while the tables are built: the rarest pair is chosen
// by its letters, then every pair is stored as PhraseIndex::pair_key.
constexpr std::uint16_t raw_pair(char a, char b) {
  return static_cast<std::uint16_t>((static_cast<unsigned>(static_cast<unsigned char>(a)) << 8) |
                                    static_cast<unsigned char>(b));
}

// Every character pair of every fragment of every phrase, computed at compile time: a phrase
// can only occur in a text holding all of its fragments' pairs, so a phrase whose pairs are not
// all in the text is skipped without a substring search.
constexpr bool is_pair(const P& p, std::size_t k) { return p[k] != '*' && p[k + 1] != '*'; }

constexpr std::size_t count_phrases() {
  std::size_t n = 0;
  for (const auto& s : kSets) n += static_cast<std::size_t>(s.end - s.begin);
  return n;
}

constexpr std::size_t count_keys() {
  std::size_t n = 0;
  for (const auto& s : kSets)
    for (const P* p = s.begin; p != s.end; ++p)
      for (std::size_t k = 0; k + 1 < p->size(); ++k)
        if (is_pair(*p, k)) ++n;
  return n;
}

constexpr std::size_t kPhraseCount = count_phrases();
constexpr std::size_t kKeyCount = count_keys();

struct PairFilters {
  std::array<std::uint16_t, kKeyCount> keys{};          // all phrases' pair keys, one run per phrase
  std::array<std::uint16_t, kPhraseCount> first_key{};  // keys[starts[n]], side by side for the first test
  std::array<std::uint32_t, kPhraseCount + 1> starts{};  // phrase n's run: keys[starts[n] .. starts[n + 1])
  std::array<std::uint32_t, kSetCount + 1> first_phrase{};  // set i's phrases: first_phrase[i] ..
};

constexpr PairFilters build_pair_filters() {
  PairFilters f;
  std::size_t phrase = 0, key = 0;
  for (std::size_t i = 0; i < kSetCount; ++i) {
    f.first_phrase[i] = static_cast<std::uint32_t>(phrase);
    for (const P* p = kSets[i].begin; p != kSets[i].end; ++p) {
      f.starts[phrase] = static_cast<std::uint32_t>(key);
      for (std::size_t k = 0; k + 1 < p->size(); ++k)
        if (is_pair(*p, k)) f.keys[key++] = raw_pair((*p)[k], (*p)[k + 1]);
      ++phrase;
    }
  }
  f.starts[phrase] = static_cast<std::uint32_t>(key);
  f.first_phrase[kSetCount] = static_cast<std::uint32_t>(phrase);
  // Each phrase's pair of the letters rarest across all phrases is tested first: a text lacks
  // it most often, so most phrases are ruled out by one test. (Linear work only: the table is
  // built by the compiler, whose constexpr budget is limited.)
  std::array<std::uint32_t, 256> letter_uses{};
  std::array<std::uint16_t, 65536> pair_uses{};
  for (std::size_t k = 0; k < key; ++k) {
    ++letter_uses[f.keys[k] >> 8];
    ++letter_uses[f.keys[k] & 0xff];
    ++pair_uses[f.keys[k]];
  }
  for (std::size_t n = 0; n < phrase; ++n) {
    const std::size_t first = f.starts[n], end = f.starts[n + 1];
    std::size_t rarest = first;
    std::uint64_t rarest_uses = ~std::uint64_t{0};
    for (std::size_t k = first; k < end; ++k) {
      const std::uint64_t uses = (std::uint64_t{pair_uses[f.keys[k]]} << 32) |
                                 (letter_uses[f.keys[k] >> 8] * letter_uses[f.keys[k] & 0xff]);
      if (uses < rarest_uses) rarest = k, rarest_uses = uses;
    }
    if (rarest != first) {
      const auto t = f.keys[first];
      f.keys[first] = f.keys[rarest];
      f.keys[rarest] = t;
    }
    // The next rarest goes second: it is tested only for the phrases the first one lets through,
    // and a missing one then ends the test at once. (One more linear pass, for the same budget.)
    std::size_t second = first + 1;
    std::uint64_t second_uses = ~std::uint64_t{0};
    for (std::size_t k = first + 1; k < end; ++k) {
      const std::uint64_t uses = (std::uint64_t{pair_uses[f.keys[k]]} << 32) |
                                 (letter_uses[f.keys[k] >> 8] * letter_uses[f.keys[k] & 0xff]);
      if (uses < second_uses) second = k, second_uses = uses;
    }
    if (second < end && second != first + 1) {
      const auto t = f.keys[first + 1];
      f.keys[first + 1] = f.keys[second];
      f.keys[second] = t;
    }
  }
  for (std::size_t k = 0; k < key; ++k)
    f.keys[k] = PhraseIndex::pair_key(static_cast<char>(f.keys[k] >> 8), static_cast<char>(f.keys[k] & 0xff));
  // A phrase with no pair (one letter) has nothing to test: key 0 ("\0\0") is set for every text.
  for (std::size_t n = 0; n < phrase; ++n) f.first_key[n] = f.starts[n] != f.starts[n + 1] ? f.keys[f.starts[n]] : 0;
  return f;
}

constexpr PairFilters kPairFilters = build_pair_filters();

// The phrases by their first key (the pair tested first), so that a text's pairs name the
// phrases that pass that test: phrase numbers of key k are ids[start[k] .. start[k + 1]), in
// list order.
static_assert(kPhraseCount <= PhraseIndex::kMaxPhrases, "PhraseIndex::candidates_ is sized for kMaxPhrases");
struct FirstKeyIndex {
  std::array<std::uint16_t, PhraseIndex::kPairBits + 1> start{};
  std::array<std::uint16_t, kPhraseCount> ids{};
  std::array<std::uint64_t, PhraseIndex::kPairBits / 64> used{};  // bit k: some phrase's first key is k
};
constexpr FirstKeyIndex build_first_key_index() {
  FirstKeyIndex x;
  for (std::size_t n = 0; n < kPhraseCount; ++n) ++x.start[kPairFilters.first_key[n] + 1u];
  for (std::size_t k = 0; k < PhraseIndex::kPairBits; ++k) x.start[k + 1] += x.start[k];
  std::array<std::uint16_t, PhraseIndex::kPairBits> next{};
  for (std::size_t k = 0; k < PhraseIndex::kPairBits; ++k) next[k] = x.start[k];
  for (std::size_t n = 0; n < kPhraseCount; ++n) x.ids[next[kPairFilters.first_key[n]]++] = static_cast<std::uint16_t>(n);
  for (std::size_t n = 0; n < kPhraseCount; ++n)
    x.used[kPairFilters.first_key[n] >> 6] |= std::uint64_t{1} << (kPairFilters.first_key[n] & 63);
  return x;
}
constexpr FirstKeyIndex kFirstKeyIndex = build_first_key_index();

// The words of kFirstKeyIndex.used that have a bit set (fewer than half of them): only those can
// name candidates.
constexpr std::size_t kUsedWordCount = [] {
  std::size_t n = 0;
  for (const auto w : kFirstKeyIndex.used) n += w != 0;
  return n;
}();
constexpr auto kUsedWords = [] {
  std::array<std::uint8_t, kUsedWordCount> out{};
  std::size_t n = 0;
  for (std::size_t w = 0; w < kFirstKeyIndex.used.size(); ++w)
    if (kFirstKeyIndex.used[w] != 0) out[n++] = static_cast<std::uint8_t>(w);
  return out;
}();
static_assert(PhraseIndex::kPairBits / 64 <= 256, "word numbers fit kUsedWords' bytes");

}  // namespace

PhraseIndex::PhraseIndex(std::string_view text) : text_(text) {
  memo_.fill(kUnknown);
  std::memset(pairs_.data(), 0, sizeof pairs_);  // (std::fill stores a word at a time)
  pairs_[0] = 1;  // key 0: what phrases without a pair test (see first_key)
  const std::size_t n = text.size();
  std::size_t i = 0;
#if defined(__SSE2__)
  // Sixteen pairs at a time: pair_key(a, b) is word (a ^ b >> 6) & 127, bit b & 63 of pairs_, so
  // both come from two loads, a shift and a few masks, and only the bit setting is done per pair.
  alignas(16) std::uint8_t words[16], bits[16];
  const __m128i low2 = _mm_set1_epi8(0x03), low6 = _mm_set1_epi8(0x3f), low7 = _mm_set1_epi8(0x7f);
  for (; i + 17 <= n; i += 16) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i + 1));
    const __m128i b_high = _mm_and_si128(_mm_srli_epi16(b, 6), low2);  // each byte's b >> 6
    _mm_store_si128(reinterpret_cast<__m128i*>(words), _mm_and_si128(_mm_xor_si128(a, b_high), low7));
    _mm_store_si128(reinterpret_cast<__m128i*>(bits), _mm_and_si128(b, low6));
    for (std::size_t k = 0; k < 16; ++k) pairs_[words[k]] |= std::uint64_t{1} << bits[k];
  }
#endif
  for (; i + 1 < n; ++i) {
    const std::uint16_t key = pair_key(text[i], text[i + 1]);
    pairs_[key >> 6] |= std::uint64_t{1} << (key & 63);
  }
  // Every phrase whose first pair the text holds is a candidate: the keys set here that begin
  // some phrase name them.
  std::memset(candidates_.data(), 0, sizeof candidates_);
  for (const std::size_t w : kUsedWords) {
    for (std::uint64_t bits = pairs_[w] & kFirstKeyIndex.used[w]; bits != 0; bits &= bits - 1) {
      const std::size_t key = (w << 6) + static_cast<std::size_t>(__builtin_ctzll(bits));
      for (std::uint32_t j = kFirstKeyIndex.start[key]; j < kFirstKeyIndex.start[key + 1]; ++j) {
        const std::uint16_t n = kFirstKeyIndex.ids[j];
        candidates_[n >> 6] |= std::uint64_t{1} << (n & 63);
      }
    }
  }
}

std::string_view PhraseIndex::find(std::string_view reason) { return find_in_list(set_index(reason)); }

std::string_view PhraseIndex::find_in_list(int i) {
  if (i < 0 || text_.empty()) return {};
  auto& memo = memo_[static_cast<std::size_t>(i)];
  if (memo == kNone) return {};
  const auto& s = kSets[static_cast<std::size_t>(i)];
  if (memo >= 0) return s.begin[memo];
  memo = kNone;
  const PairFilters& filters = kPairFilters;
  // The set's phrases are numbers [first, end); those whose first pair the text holds are
  // candidates (marked while the index was built), tried in list order.
  const std::size_t first = filters.first_phrase[static_cast<std::size_t>(i)];
  const std::size_t end = filters.first_phrase[static_cast<std::size_t>(i) + 1];
  for (std::size_t w = first >> 6; w < candidates_.size() && (w << 6) < end; ++w) {
    std::uint64_t bits = candidates_[w];
    if ((w << 6) < first) bits &= ~std::uint64_t{0} << (first & 63);
    if (end < (w << 6) + 64) bits &= (std::uint64_t{1} << (end & 63)) - 1;
    for (; bits != 0; bits &= bits - 1) {
      const std::size_t n = (w << 6) + static_cast<std::size_t>(__builtin_ctzll(bits));
      bool possible = true;
      for (std::uint32_t j = filters.starts[n] + 1; j < filters.starts[n + 1]; ++j)
        if (!has_pair(filters.keys[j])) {
          possible = false;
          break;
        }
      const std::size_t k = n - first;
      if (possible && pattern_matches(text_, s.begin[k])) {
        memo = static_cast<std::int16_t>(k);
        return s.begin[k];
      }
    }
  }
  return {};
}

bool pattern_matches(std::string_view text, std::string_view pattern) {
  std::size_t from = 0;
  while (true) {
    const auto star = pattern.find('*');
    const auto fragment = pattern.substr(0, star);
    const auto at = text.find(fragment, from);
    if (at == std::string_view::npos) return false;
    if (star == std::string_view::npos) return true;
    from = at + fragment.size();
    pattern.remove_prefix(star + 1);
  }
}

std::span<const std::string_view> reason_phrase_list(std::string_view reason) {
  const int i = set_index(reason);
  if (i < 0) return {};
  const auto& s = kSets[static_cast<std::size_t>(i)];
  return {s.begin, s.end};
}

std::string_view find_reason_phrase(std::string_view reason, std::string_view diagnostic_lower) {
  if (diagnostic_lower.empty()) return {};
  PhraseIndex index(diagnostic_lower);
  return index.find(reason);
}

bool rejected_phrase_excluded(std::string_view diagnostic_lower) {
  for (auto p : kRejectedExceptions)
    if (diagnostic_lower.find(p) != std::string_view::npos) return true;
  return false;
}

bool rejected_phrase_excluded(const PhraseIndex& words) {
  for (auto p : kRejectedExceptions)
    if (words.may_hold(p) && words.text().find(p) != std::string_view::npos) return true;
  return false;
}

}  // namespace bounced
