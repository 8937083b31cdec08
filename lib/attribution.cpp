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

MessageAttribution attribute(const MessageReport& report, std::string_view envelope_recipient,
                             const AttributionConfig& config) {
  MessageAttribution out;
  out.recipients.resize(report.recipients.size());
  if (config.verp && !envelope_recipient.empty())
    out.verp = verp_decode(config.scheme, config.signing, envelope_recipient);

  if (out.verp.ok() && !out.verp.list.empty()) {
    out.list = out.verp.list;
  } else if (const auto id = list_id_identifier(report.original.list_id); !id.empty()) {
    if (const auto it = config.list_ids.find(id); it != config.list_ids.end()) out.list = it->second;
    else if (config.list_from_list_id) out.list = id;
  }

  if (out.verp.ok()) {
    const bool verified = out.verp.verified();
    const std::string subscriber = normalize_address(out.verp.subscriber);
    if (report.recipients.size() == 1) {
      // One recipient per VERP bounce: the envelope names the subscriber even when the DSN names
      // an alias or a forward.
      out.recipients[0] = {out.verp.subscriber, out.list, verified};
    } else {
      for (std::size_t i = 0; i < report.recipients.size(); ++i)
        if (normalize_address(report.recipients[i].recipient) == subscriber)
          out.recipients[i] = {out.verp.subscriber, out.list, verified};
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

std::string envelope_recipient_from_header(std::string_view raw, const AttributionConfig& config) {
  const auto candidates = envelope_recipient_candidates(raw);
  if (candidates.empty()) return "";
  if (config.verp)
    for (const auto& c : candidates)
      if (verp_decode(config.scheme, config.signing, c).status != VerpStatus::not_verp) return c;
  return candidates.front();
}

}  // namespace bounced
