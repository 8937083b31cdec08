// json_test.cpp: lib/json string escaping.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "json.hpp"

using namespace bounced;

namespace {
std::string json_quoted(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}
}  // namespace

TEST(Json, PlainTextCopied) { EXPECT_EQ(json_quoted("550 5.1.1 <a@example.org>: user unknown"), "\"550 5.1.1 <a@example.org>: user unknown\""); }

TEST(Json, Escapes) {
  EXPECT_EQ(json_quoted("a\"b\\c\nd\re\tf"), "\"a\\\"b\\\\c\\nd\\re\\tf\"");
  EXPECT_EQ(json_quoted(std::string("x\x01y\x7fz", 5)), "\"x\\u0001y\\u007fz\"");
  EXPECT_EQ(json_quoted(std::string("\0", 1)), "\"\\u0000\"");
  EXPECT_EQ(json_quoted(""), "\"\"");
}

TEST(Json, Utf8KeptInvalidBytesReplaced) {
  EXPECT_EQ(json_quoted("caf\xc3\xa9 \"ok\""), "\"caf\xc3\xa9 \\\"ok\\\"\"");
  EXPECT_EQ(json_quoted("bad \xff byte\n"), "\"bad \xef\xbf\xbd byte\\n\"");
}

TEST(Json, SpecialByteAtEveryPositionOfLongStrings) {
  // The plain-ASCII fast path reads sixteen bytes at a time: a byte to escape anywhere in a
  // longer string must still be found.
  for (std::size_t at = 0; at < 40; ++at) {
    for (const char special : {'"', '\\', '\n', '\x7f', '\x01'}) {
      std::string s(40, 'a');
      s[at] = special;
      std::string want = "\"" + std::string(at, 'a');
      switch (special) {
        case '"': want += "\\\""; break;
        case '\\': want += "\\\\"; break;
        case '\n': want += "\\n"; break;
        case '\x7f': want += "\\u007f"; break;
        default: want += "\\u0001"; break;
      }
      want += std::string(39 - at, 'a') + "\"";
      EXPECT_EQ(json_quoted(s), want) << at;
    }
    std::string utf8(40, 'a');
    utf8.replace(at, 1, "\xc3\xa9");
    EXPECT_EQ(json_quoted(utf8), "\"" + utf8 + "\"") << at;
  }
}

// append_recipient_json copies plain values straight into room made once; the plain rule appends
// each key and append_json_string of each value. Random records mix plain values with values to
// escape (quotes, controls, UTF-8, invalid bytes) and empty ones, appended after earlier text.
TEST(Json, RecipientRecordMatchesFieldByFieldAppends) {
  std::uint32_t state = 99;
  auto next = [&](std::size_t n) {
    state = state * 1664525u + 1013904223u;
    return static_cast<std::size_t>(state >> 8) % n;
  };
  static constexpr std::string_view kValues[] = {
      "", "a@example.org", "5.1.1", "550 5.1.1 <a@example.org>: user unknown", "smtp", "say \"no\"",
      "tab\there", "caf\xc3\xa9", "bad \xff byte", "line\nbreak", std::string_view("nul\0x", 5), "back\\slash",
      "a rather long diagnostic text that goes on past sixteen bytes and more than that for the vector path"};
  auto pick = [&] { return std::string(kValues[next(std::size(kValues))]); };
  for (int round = 0; round < 3000; ++round) {
    MessageReport m;
    m.kind = next(2) ? MessageKind::bounce : MessageKind::feedback;
    m.fields.reporting_mta = pick();
    m.original.message_id = pick();
    m.original.list_id = pick();
    m.original.subject = pick();
    m.original.from = pick();
    m.original.to = pick();
    m.scanner = pick();
    RecipientResult r;
    for (std::string* f : {&r.recipient, &r.original_recipient, &r.action, &r.status, &r.status_class,
                           &r.status_subject, &r.reply_code, &r.reason, &r.diagnostic_code, &r.diagnostic_type,
                           &r.remote_mta, &r.smtp_command, &r.last_attempt_date, &r.feedback_type, &r.decided_by})
      *f = pick();
    r.hard_bounce = next(2) == 1;
    const std::string file = pick();
    std::string want = next(2) ? "earlier text\n" : "";
    std::string got = want;
    auto str = [&](std::string_view key, std::string_view v) {
      want += key;
      append_json_string(want, v);
    };
    str("{\"file\": ", file);
    str(", \"kind\": ", to_string(m.kind));
    str(", \"recipient\": ", r.recipient);
    str(", \"original_recipient\": ", r.original_recipient);
    str(", \"action\": ", r.action);
    str(", \"status\": ", r.status);
    str(", \"status_class\": ", r.status_class);
    str(", \"status_subject\": ", r.status_subject);
    str(", \"reply_code\": ", r.reply_code);
    str(", \"reason\": ", r.reason);
    want += r.hard_bounce ? ", \"hard_bounce\": true" : ", \"hard_bounce\": false";
    str(", \"diagnostic_code\": ", r.diagnostic_code);
    str(", \"diagnostic_type\": ", r.diagnostic_type);
    str(", \"remote_mta\": ", r.remote_mta);
    str(", \"reporting_mta\": ", m.fields.reporting_mta);
    str(", \"smtp_command\": ", r.smtp_command);
    str(", \"last_attempt_date\": ", r.last_attempt_date);
    if (!r.feedback_type.empty()) str(", \"feedback_type\": ", r.feedback_type);
    str(", \"message_id\": ", m.original.message_id);
    str(", \"list_id\": ", m.original.list_id);
    str(", \"subject\": ", m.original.subject);
    str(", \"original_from\": ", m.original.from);
    str(", \"original_to\": ", m.original.to);
    str(", \"scanner\": ", m.scanner);
    str(", \"decided_by\": ", r.decided_by);
    want += '}';
    append_recipient_json(got, m, r, file);
    ASSERT_EQ(got, want);
    ASSERT_EQ(recipient_json(m, r, file), want.substr(want.find('{')));
  }
}
