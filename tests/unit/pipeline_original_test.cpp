// pipeline_original_test.cpp: the returned original's headers in a report (fill_original), read
// with a shortcut for plain ASCII values, agree with decode_encoded_words on every value.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "decode.hpp"
#include "pipeline.hpp"
#include "test_random.hpp"
#include "text.hpp"

using namespace bounced;

namespace {

std::string bounce_with_original(const std::string& original_headers) {
  return "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n"
         "To: sender@example.com\r\n"
         "Subject: Undelivered Mail Returned to Sender\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n"
         "\r\n"
         "--b1\r\n"
         "Content-Type: text/plain\r\n"
         "\r\n"
         "The mail system could not deliver your message.\r\n"
         "\r\n"
         "--b1\r\n"
         "Content-Type: message/delivery-status\r\n"
         "\r\n"
         "Reporting-MTA: dns; mx.example.com\r\n"
         "\r\n"
         "Final-Recipient: rfc822; user@example.org\r\n"
         "Action: failed\r\n"
         "Status: 5.1.1\r\n"
         "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
         "\r\n"
         "--b1\r\n"
         "Content-Type: message/rfc822\r\n"
         "\r\n" +
         original_headers +
         "\r\n"
         "body\r\n"
         "--b1--\r\n";
}

}  // namespace

TEST(PipelineOriginal, HeaderValuesAgreeWithDecodeEncodedWords) {
  // Values without white space at either end (the header reader trims it) and without line breaks.
  static constexpr std::string_view kPieces[] = {
      "plain", "Re:", "x", "=?", "?=", "=?UTF-8?B?w6k=?=", "=?iso-8859-1?Q?caf=E9?=", "=?utf-8?q?a_b?=",
      "\xc3\xa9", "\xff", "<id@example.org>", "a=b", "?", "=", "=?bogus", "List <list.example.org>"};
  test::TestRandom rng(5150);
  for (int round = 0; round < 400; ++round) {
    std::string values[5];
    for (auto& v : values) {
      v = "v";
      for (std::uint32_t i = 0, n = rng.next(5); i < n; ++i) {
        v += rng.next(3) == 0 ? " " : "";
        v += kPieces[rng.next(std::size(kPieces))];
      }
    }
    const std::string headers = "Subject: " + values[0] + "\r\nFrom: " + values[1] + "\r\nTo: " + values[2] +
                                "\r\nList-Id: " + values[3] + "\r\nMessage-ID: " + values[4] + "\r\n";
    const auto out = parse_message(bounce_with_original(headers));
    ASSERT_TRUE(out.ok());
    ASSERT_EQ(out.report.kind, MessageKind::bounce) << headers;
    const auto& o = out.report.original;
    ASSERT_EQ(o.subject, decode_encoded_words(values[0])) << headers;
    ASSERT_EQ(o.from, decode_encoded_words(values[1])) << headers;
    ASSERT_EQ(o.to, decode_encoded_words(values[2])) << headers;
    ASSERT_EQ(o.list_id, decode_encoded_words(values[3])) << headers;
    ASSERT_EQ(o.message_id, std::string(text::trim(decode_encoded_words(values[4])))) << headers;
  }
}
