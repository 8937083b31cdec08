// attribution.cpp: see attribution.hpp.
#include "attribution.hpp"

#include <algorithm>

#include "text.hpp"

namespace bounced {

std::string list_id_identifier(std::string_view v) {
  const auto open = v.rfind('<');
  if (open != std::string_view::npos) {
    const auto close = v.find('>', open);
    if (close == std::string_view::npos) return "";
    v = v.substr(open + 1, close - open - 1);
  }
  v = text::trim(v);
  if (v.empty() || v.size() > 255 || v.find_first_of(" \t<>\"") != std::string_view::npos) return "";
  return text::lower(v);
}

namespace {

// The value of the returned original's X- field `name` ("" when absent or not configured).
std::string original_field(const MessageReport& report, std::string_view name) {
  if (name.empty()) return "";
  for (const auto& [n, v] : report.original.x_fields)
    if (text::iequals(n, name)) return v;
  return "";
}

}  // namespace

MessageAttribution attribute(const MessageReport& report, std::string_view envelope_recipient,
                             const AttributionConfig& config) {
  MessageAttribution out;
  out.recipients.resize(report.recipients.size());
  if (config.verp && !envelope_recipient.empty())
    out.verp = verp_decode(config.scheme, config.signing, envelope_recipient);

  std::string header_list = original_field(report, config.list_header);
  if (!is_valid_list_name(header_list)) header_list.clear();
  if (out.verp.ok() && !out.verp.list.empty()) {
    out.list = out.verp.list;
  } else if (!header_list.empty()) {
    out.list = header_list;
  } else if (const auto id = list_id_identifier(report.original.list_id); !id.empty()) {
    if (const auto it = config.list_ids.find(id); it != config.list_ids.end()) out.list = it->second;
    else if (config.list_from_list_id) out.list = id;
  }

  // A configured subscriber header: an address names the subscriber of a one-recipient bounce
  // (VERP still wins); anything else (listmonk's subscriber UUID) is kept as a reference.
  if (const std::string sub = original_field(report, config.subscriber_header); !sub.empty()) {
    const std::string address = text::find_address(sub);
    for (std::size_t i = 0; i < out.recipients.size(); ++i) {
      auto& r = out.recipients[i];
      r.list = out.list;
      if (!address.empty() && report.recipients.size() == 1) r.address = address;
      else if (address.empty()) r.subscriber_ref = sub.substr(0, 128);
    }
  }

  if (out.verp.ok()) {
    const bool verified = out.verp.verified();
    const std::string subscriber = normalize_address(out.verp.subscriber);
    if (report.recipients.size() == 1) {
      // One recipient per VERP bounce: the envelope names the subscriber even when the DSN names
      // an alias or a forward.
      out.recipients[0].address = out.verp.subscriber;
      out.recipients[0].list = out.list;
      out.recipients[0].verified = verified;
    } else {
      for (std::size_t i = 0; i < report.recipients.size(); ++i)
        if (normalize_address(report.recipients[i].recipient) == subscriber) {
          out.recipients[i].address = out.verp.subscriber;
          out.recipients[i].list = out.list;
          out.recipients[i].verified = verified;
        }
    }
  }
  return out;
}

MessageAttribution attribute_each(const MessageReport& report, const std::vector<std::string>& rcpts,
                                  const AttributionConfig& config) {
  auto positional = [](MessageAttribution a) {
    for (std::size_t i = 0; i < a.recipients.size(); ++i) a.recipients[i].result = i;
    return a;
  };
  if (rcpts.size() <= 1 || !config.verp) return positional(attribute(report, rcpts.empty() ? "" : rcpts[0], config));
  std::vector<MessageAttribution> each;
  std::vector<std::string> seen;  // subscriber + list, to drop a repeated RCPT
  for (const auto& rcpt : rcpts) {
    auto a = attribute(report, rcpt, config);
    if (!a.verp.ok()) continue;
    std::string key = normalize_address(a.verp.subscriber) + "\n" + a.list;
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    seen.push_back(std::move(key));
    each.push_back(std::move(a));
  }
  // At most one RCPT is VERP: that one (or else the first RCPT) speaks for the message.
  if (each.empty()) return positional(attribute(report, rcpts.front(), config));
  if (each.size() == 1) return positional(std::move(each.front()));
  MessageAttribution out;
  out.list = each.front().list;
  out.verp = each.front().verp;
  if (report.recipients.size() == 1) {
    for (auto& a : each) {
      a.recipients[0].result = 0;
      out.recipients.push_back(std::move(a.recipients[0]));
    }
    return out;
  }
  for (std::size_t i = 0; i < report.recipients.size(); ++i) {
    bool matched = false;
    for (auto& a : each)
      if (!a.recipients[i].address.empty()) {  // set by the VERP match in attribute()
        a.recipients[i].result = i;
        out.recipients.push_back(a.recipients[i]);
        matched = true;
      }
    if (!matched) {
      RecipientAttribution plain = each.front().recipients[i];
      plain.address.clear();
      plain.verified = false;
      plain.result = i;
      out.recipients.push_back(std::move(plain));
    }
  }
  return out;
}

namespace {

// Values of the top-level header fields named `name` (unfolded), in order. Reads only the first
// header block (a returned original further down has headers of its own), at most 1 MiB of it.
std::vector<std::string> top_header_values(std::string_view raw, std::string_view name) {
  std::vector<std::string> out;
  raw = raw.substr(0, std::min<std::size_t>(raw.size(), 1u << 20));
  const auto blank = raw.find("\n\n"), blank_crlf = raw.find("\n\r\n");
  raw = raw.substr(0, std::min(blank, blank_crlf));  // npos-safe: substr clamps
  const auto lines = text::lines(raw);
  bool in_field = false;
  for (const auto line : lines) {
    if (line.empty()) break;
    if ((line[0] == ' ' || line[0] == '\t')) {
      if (in_field) out.back().append(" ").append(text::trim(line));
      continue;
    }
    const auto colon = line.find(':');
    in_field = colon != std::string_view::npos && text::iequals(text::trim(line.substr(0, colon)), name);
    if (in_field) out.emplace_back(text::trim(line.substr(colon + 1)));
  }
  return out;
}

}  // namespace

std::vector<std::string> envelope_recipient_candidates(std::string_view raw) {
  std::vector<std::string> candidates;
  for (const char* name : {"x-original-to", "delivered-to"})
    for (const auto& value : top_header_values(raw, name)) {
      auto a = text::find_address(value);
      if (!a.empty() && candidates.size() < 16) candidates.push_back(std::move(a));
    }
  return candidates;
}

std::string pick_envelope_recipient(const std::vector<std::string>& candidates, const AttributionConfig& config) {
  if (candidates.empty()) return "";
  if (config.verp)
    for (const auto& c : candidates)
      if (verp_decode(config.scheme, config.signing, c).status != VerpStatus::not_verp) return c;
  return candidates.front();
}

std::string envelope_recipient_from_header(std::string_view raw, const AttributionConfig& config) {
  return pick_envelope_recipient(envelope_recipient_candidates(raw), config);
}

}  // namespace bounced
