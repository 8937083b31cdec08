// scanner_fixture.hpp: builds a ScanInput from hand-written headers and body text for scanner unit
// tests (no MIME parsing involved), and runs one scanner on it.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mime.hpp"
#include "scanner.hpp"

namespace bounced::testing {

struct ScanFixture {
  std::unique_ptr<MimePart> root = std::make_unique<MimePart>();
  std::unique_ptr<MimePart> status_part;
  std::unique_ptr<ScanInput> in;

  // headers: {{"From", "..."}, ...}; body: the notification's human-readable text (UTF-8, LF).
  ScanFixture(std::vector<HeaderField> headers, std::string body, std::string delivery_status = {}) {
    root->headers = std::move(headers);
    root->media_type = "text/plain";
    in = std::make_unique<ScanInput>(ScanInput{*root, {}, {}, std::move(body), nullptr, nullptr});
    for (const auto& h : root->headers) {
      if (h.name == "Subject") in->subject = h.value;
      if (h.name == "From") in->from = h.value;
    }
    if (!delivery_status.empty()) {
      status_part = std::make_unique<MimePart>();
      status_part->media_type = "message/delivery-status";
      status_part->body = std::move(delivery_status);
      in->delivery_status = status_part.get();
    }
  }
  // MimePart::header() is implemented by the MIME stage; false while it is still a placeholder.
  bool headers_work() const { return root->headers.empty() || root->header(root->headers.front().name); }
};

}  // namespace bounced::testing
