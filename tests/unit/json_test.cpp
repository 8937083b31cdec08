// json_test.cpp: lib/json string escaping.
#include <gtest/gtest.h>

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
