// mda_rules.cpp: local delivery agents' own error messages. When the last hop is a local delivery
// agent (Sendmail's mail.local, procmail, maildrop, vpopmail's vdelivermail, vmailmgr's vdeliver, a
// Dovecot Sieve rejection), the MTA's report quotes the agent's line ("mail.local: unknown user:
// alice"), and that line, not the MTA's generic "Service unavailable", says what happened.
#include <array>
#include <cstdint>
#include <cstring>
#include <iterator>

#include <string>

#include "reason_rules.hpp"
#include "text.hpp"

namespace bounced {
namespace {

struct Agent {
  std::string_view name;
  std::string_view prefix;  // lowercase; the agent's line starts with it
};
constexpr Agent kAgents[] = {
    {"mail.local", "mail.local: "}, {"procmail", "procmail: "},         {"maildrop", "maildrop: "},
    {"vpopmail", "vdelivermail: "}, {"vmailmgr", "vdeliver: "},
    // Dovecot LDA / Sieve: "Your message to <user@example.com> was automatically rejected:"
    {"dovecot", "your message to "},
};

struct AgentPhrase {
  std::string_view agent, phrase, reason;  // phrase lowercase
};
constexpr AgentPhrase kPhrases[] = {
    {"dovecot", "mailbox doesn't exist: ", "userunknown"},
    {"dovecot", "quota exceeded", "mailboxfull"},
    {"dovecot", "not enough disk space", "mailboxfull"},
    {"mail.local", ": unknown user:", "userunknown"},
    {"mail.local", ": user unknown", "userunknown"},
    {"mail.local", ": invalid mailbox path", "userunknown"},
    {"mail.local", ": user missing home directory", "userunknown"},
    {"mail.local", "disc quota exceeded", "mailboxfull"},
    {"mail.local", "mailbox full or quota exceeded", "mailboxfull"},
    {"mail.local", "temporary file write error", "systemerror"},
    {"procmail", "quota exceeded while writing", "mailboxfull"},
    {"procmail", "no space left to finish writing", "systemfull"},
    {"maildrop", "invalid user specified.", "userunknown"},
    {"maildrop", "cannot find system user", "userunknown"},
    {"maildrop", "maildir over quota.", "mailboxfull"},
    {"vpopmail", "sorry, no mailbox here by that name.", "userunknown"},
    {"vpopmail", "account is locked email bounced", "filtered"},
    {"vpopmail", "user does not exist, but will deliver to ", "filtered"},
    {"vpopmail", "domain is over quota", "mailboxfull"},
    {"vpopmail", "user is over quota", "mailboxfull"},
    {"vmailmgr", "invalid or unknown base user or domain", "userunknown"},
    {"vmailmgr", "invalid or unknown virtual user", "userunknown"},
    {"vmailmgr", "user name does not refer to a virtual user", "userunknown"},
    {"vmailmgr", "delivery failed due to system quota violation", "mailboxfull"},
};

// Markers that an agent is quoted: each agent's prefix, and Dovecot's rejection sentence (its
// prefix alone is too common). Each holds exactly one ':'.
constexpr std::string_view kAgentMarkers[] = {
    "mail.local: ", "procmail: ", "maildrop: ", "vdelivermail: ", "vdeliver: ", " was automatically rejected:",
};

constexpr auto kMarkerColons = [] {
  std::array<std::size_t, std::size(kAgentMarkers)> at{};
  for (std::size_t m = 0; m < at.size(); ++m) at[m] = kAgentMarkers[m].find(':');
  return at;
}();

// For each byte, the markers (bit m = kAgentMarkers[m]) in which it stands just before the colon:
// most colons in a report ("Date:", "Subject:", "From:") rule out every marker with one lookup.
static_assert(std::size(kAgentMarkers) <= 8);
constexpr auto kMarkersBeforeColon = [] {
  std::array<std::uint8_t, 256> masks{};
  for (std::size_t m = 0; m < std::size(kAgentMarkers); ++m)
    masks[static_cast<unsigned char>(kAgentMarkers[m][kMarkerColons[m] - 1])] |= static_cast<std::uint8_t>(1u << m);
  return masks;
}();

// Does the text hold any agent's marker? One memchr pass over the colons, checking the bytes
// around each, replaces a substring search per agent.
bool quotes_any_agent(std::string_view lower) {
  const char* const begin = lower.data();
  const char* const end = begin + lower.size();
  for (const char* c = begin; c != end; ++c) {
    c = static_cast<const char*>(std::memchr(c, ':', static_cast<std::size_t>(end - c)));
    if (c == nullptr) return false;
    if (c == begin) continue;
    const std::size_t at = static_cast<std::size_t>(c - begin);
    for (unsigned mask = kMarkersBeforeColon[static_cast<unsigned char>(c[-1])]; mask != 0; mask &= mask - 1) {
      const auto m = static_cast<std::size_t>(__builtin_ctz(mask));
      const std::string_view marker = kAgentMarkers[m];
      const std::size_t colon = kMarkerColons[m];
      if (at < colon || lower.size() - at < marker.size() - colon) continue;
      if (lower.substr(at - colon, marker.size()) == marker) return true;
    }
  }
  return false;
}

constexpr std::size_t kMaxLines = 400;
constexpr std::size_t kMaxAgentLines = 20;

}  // namespace

MdaVerdict find_mda_verdict(std::string_view body, std::string_view body_lower) {
  MdaVerdict out;
  // Most reports quote no agent at all: one pass over the colons decides that.
  if (!quotes_any_agent(body_lower)) return out;
  std::string_view agent;
  std::size_t seen = 0, agent_lines = 0;
  for (auto line : text::lines(body)) {
    if (++seen > kMaxLines) break;
    const auto t = text::trim(line);
    if (agent.empty()) {
      if (t.empty()) continue;
      const std::string lower = text::lower(t.substr(0, 40));
      for (const auto& a : kAgents) {
        if (!lower.starts_with(a.prefix)) continue;
        if (a.name == "dovecot" && !text::icontains(t, " was automatically rejected:")) continue;
        agent = a.name;
        break;
      }
      if (agent.empty()) continue;
    } else if (t.empty() || ++agent_lines > kMaxAgentLines) {
      break;  // the agent's output ends at the first blank line
    }
    const std::string lower = text::lower(t);
    for (const auto& p : kPhrases) {
      if (p.agent != agent || lower.find(p.phrase) == std::string::npos) continue;
      out.agent = agent;
      out.reason = p.reason;
      out.message = std::string(t);
      out.rule = "mda:" + std::string(agent) + ":" + std::string(p.phrase);
      return out;
    }
  }
  return out;
}

}  // namespace bounced
