// scanner.hpp: the interface every MTA scanner implements, and the registry that lists them.
// A scanner reads one notification and returns the recipients it can find, with whatever it knows of
// each (diagnostic text, status, reply code, SMTP command, and sometimes the reason). Classification
// (classify.hpp) fills in the rest. One scanner per file under lib/scanners/, one line in registry.cpp.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mime.hpp"
#include "record.hpp"
#include "text.hpp"

namespace bounced {

struct ScanInput {
  const MimePart& root;
  std::string subject;   // top-level Subject, RFC 2047-decoded, UTF-8
  std::string from;      // top-level From, RFC 2047-decoded, UTF-8
  // Human-readable text of the notification in UTF-8 with LF line ends: text/plain parts outside any
  // message/rfc822 (text/html with tags stripped when there is no plain part); for a single-part
  // message, its body. Inline copies of the original are part of it.
  std::string body_text;
  const MimePart* delivery_status = nullptr;  // message/delivery-status (or message/global-delivery-status)
  const MimePart* original = nullptr;         // message/rfc822, text/rfc822-headers, message/global(-headers)

  // The first top-level field named `name` (any case), nullptr if none. Most names asked about
  // are absent: a set of hashed names (built on first use) rules them out without a walk through
  // the header.
  const std::string_view* header(std::string_view name) const {
    if (!header_names_ready) {
      header_names = {};
      for (const auto& h : root.headers) {
        const unsigned k = header_name_hash(h.name);
        header_names[k >> 6] |= std::uint64_t{1} << (k & 63);
      }
      header_names_ready = true;
    }
    const unsigned k = header_name_hash(name);
    if (!((header_names[k >> 6] >> (k & 63)) & 1)) return nullptr;
    return root.header(name);
  }
  // Same for any case of the name: length, first, middle and last byte, case folded (c | 0x20
  // folds letters; other bytes stay apart from the same byte, all a hash needs).
  static unsigned header_name_hash(std::string_view n) {
    if (n.empty()) return 0;
    auto fold = [](char c) { return static_cast<unsigned>(static_cast<unsigned char>(c)) | 0x20u; };
    return (static_cast<unsigned>(n.size()) * 37u + fold(n[0]) * 11u + fold(n[n.size() / 2]) * 3u + fold(n.back())) & 255u;
  }
  mutable std::array<std::uint64_t, 4> header_names = {};
  mutable bool header_names_ready = false;

  // body_text with ASCII letters lowercased (same length and offsets), made on first use and shared
  // by every scanner: marker searches then run as plain substring searches.
  std::string_view body_lower() const {
    if (!body_lower_ready) {
      body_lower_cache = body_text;
      text::lower_in_place(body_lower_cache);
      body_lower_ready = true;
    }
    return body_lower_cache;
  }
  mutable std::string body_lower_cache = {};
  mutable bool body_lower_ready = false;

  // The values of every top-level field named `name`, lowercased, one per line, made on first use
  // (kept for the last name asked; scanners ask about "received"): a needle without a line break
  // occurs in this text exactly when it occurs in one of the values.
  std::string_view headers_lower(std::string_view name) const {
    if (!headers_lower_ready || !text::iequals(headers_lower_name, name)) {
      headers_lower_name.assign(name);
      headers_lower_cache.clear();
      std::size_t room = 0;  // (every value's length: one allocation for the joined text)
      for (const auto& h : root.headers) room += h.value.size() + 1;
      headers_lower_cache.reserve(room);
      for (const auto& h : root.headers) {
        if (!text::iequals(h.name, name)) continue;
        headers_lower_cache += h.value;
        headers_lower_cache += '\n';
      }
      text::lower_in_place(headers_lower_cache);
      headers_lower_ready = true;
    }
    return headers_lower_cache;
  }
  mutable std::string headers_lower_name = {};
  mutable std::string headers_lower_cache = {};
  mutable bool headers_lower_ready = false;
};

struct ScannedRecipient {
  std::string recipient;       // bare address
  std::string diagnostic;      // the server's / MTA's words about this recipient, one line (spaces folded)
  std::string status;          // "5.1.1" if the scanner found one
  std::string reply_code;      // "550" if the scanner found one
  std::string action;          // failed / delayed / ... if known
  std::string remote_mta;
  std::string smtp_command;    // MAIL / RCPT / DATA / CONN / HELO / EHLO / STARTTLS ...
  std::string reason;          // only when the MTA's format itself says (e.g. a fixed error table)
  std::string decided_by;      // with `reason`: "scanner:<name>:<rule>"
  std::string feedback_type;
};

struct ScanResult {
  MessageKind kind = MessageKind::bounce;
  std::vector<ScannedRecipient> recipients;
  std::string original_text;   // an inline copy of the original's headers, when the scanner found one
};

struct Scanner {
  const char* name;  // "postfix", "exim", ...: appears in MessageReport::scanner and decided_by
  std::optional<ScanResult> (*scan)(const ScanInput&);
};

// All scanners, in the order they are tried. The first to return recipients wins.
const std::vector<Scanner>& scanner_registry();

}  // namespace bounced
