// attribution.hpp: who a bounce is about and for which list. The envelope recipient of the bounce
// (LMTP RCPT, or X-Original-To / Delivered-To of a Maildir message), decoded as VERP, wins over
// the DSN's recipient, which may be an alias or a forward; the list comes from the VERP address,
// else from the returned original's List-Id (mapped through configuration, else the List-Id's
// identifier itself). Pure: no I/O.
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "record.hpp"
#include "verp.hpp"

namespace bounced {

// Who one recipient result is about.
struct RecipientAttribution {
  std::string address;    // the subscriber; "" = use the result's recipient
  std::string list;       // "" = the message's list
  bool verified = false;  // a signed VERP tag checked out for this address
  std::string subscriber_ref;  // a configured subscriber header's value that is not an address (an id)
  // Index of the recipient result this is about (attribute_each); kPositional = its own position.
  static constexpr std::size_t kPositional = static_cast<std::size_t>(-1);
  std::size_t result = kPositional;
};

struct AttributionConfig {
  bool verp = true;  // decode the envelope recipient as VERP
  VerpScheme scheme;
  VerpSigning signing;
  // List-Id identifier (the part in <>, lowercase) -> list name. Unmapped identifiers are used as
  // they are when `list_from_list_id` is set.
  std::map<std::string, std::string, std::less<>> list_ids;
  bool list_from_list_id = true;
  // Header fields of the returned original naming the subscriber / the list (for example listmonk's
  // X-Listmonk-Subscriber and X-Listmonk-Campaign); "" = not used. A subscriber header holding an
  // address names the subscriber (VERP still wins); any other value is kept as a reference.
  std::string subscriber_header, list_header;
};

struct MessageAttribution {
  std::string list;                               // list of the whole message ("" none)
  std::vector<RecipientAttribution> recipients;   // parallel to report.recipients
  VerpDecoded verp;                               // what the envelope recipient said
};

MessageAttribution attribute(const MessageReport& report, std::string_view envelope_recipient,
                             const AttributionConfig& config);

// Several envelope recipients (one LMTP transaction with several RCPTs, each a VERP address): each
// is attributed on its own. A DSN with one recipient result yields one entry per distinct VERP
// subscriber (every copy of the bounce is about its own envelope's subscriber); with several
// results, each result goes to the VERP subscriber equal to it, else stays with its DSN recipient.
// Entries carry `result`. With at most one envelope recipient this is attribute().
MessageAttribution attribute_each(const MessageReport& report, const std::vector<std::string>& envelope_recipients,
                                  const AttributionConfig& config);

// The list identifier of a List-Id header value ("News <news.example.org>" -> "news.example.org"),
// lowercased; "" when there is none.
std::string list_id_identifier(std::string_view list_id);

// Addresses of the top-level X-Original-To, then Delivered-To fields, in that order.
std::vector<std::string> envelope_recipient_candidates(std::string_view raw_message);

// The envelope recipient to decode among alternatives: the first that is VERP under `config`
// (well formed or not), else the first ("" when none).
std::string pick_envelope_recipient(const std::vector<std::string>& candidates, const AttributionConfig& config);

// The envelope recipient recorded in a delivered message's own header (X-Original-To, then
// Delivered-To, top first): the first that decodes as VERP under `config`, else the first present.
std::string envelope_recipient_from_header(std::string_view raw_message, const AttributionConfig& config);

}  // namespace bounced
