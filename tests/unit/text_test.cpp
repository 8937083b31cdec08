// text_test.cpp: lib/text helpers.
#include <gtest/gtest.h>

#include "text.hpp"

using namespace bounced;

TEST(Text, FindAddress) {
  EXPECT_EQ(text::find_address("rfc822; <User@Example.COM>"), "User@Example.COM");
  EXPECT_EQ(text::find_address("<kijitora@example.jp>: host mx said"), "kijitora@example.jp");
  EXPECT_EQ(text::find_address("  neko@example.org."), "neko@example.org");
  EXPECT_EQ(text::find_address("no address here"), "");
}

TEST(Text, FindStatus) {
  EXPECT_EQ(text::find_status("550 5.1.1 <x@y>: Recipient address rejected"), "5.1.1");
  EXPECT_EQ(text::find_status("host 192.0.2.1 said: 451 4.7.26 spf"), "4.7.26");
  EXPECT_EQ(text::find_status("version 1.2.3 only"), "");
}

TEST(Text, FindReplyCode) {
  EXPECT_EQ(text::find_reply_code("550 5.1.1 unknown"), "550");
  EXPECT_EQ(text::find_reply_code("said: 452-4.2.2 full"), "452");
  EXPECT_EQ(text::find_reply_code("5.1.1 unknown"), "");
}

TEST(Text, Lines) {
  auto l = text::lines("a\r\nb\nc\rd");
  ASSERT_EQ(l.size(), 4u);
  EXPECT_EQ(l[3], "d");
}
