// decode_test.cpp: lib/decode (base64, quoted-printable, RFC 2047 words, charset conversion).
#include <gtest/gtest.h>
#include <iconv.h>

#include <cstdint>
#include <string>

#include "decode.hpp"
#include "test_random.hpp"

using namespace bounced;

TEST(Base64, Plain) {
  EXPECT_EQ(decode_base64("SGVsbG8sIHdvcmxkIQ=="), "Hello, world!");
  EXPECT_EQ(decode_base64(""), "");
}

TEST(Base64, LineBreaksAndGarbageSkipped) {
  EXPECT_EQ(decode_base64("SGVs\r\nbG8s\nIHdv cmxk*IQ==\r\n"), "Hello, world!");
  EXPECT_EQ(decode_base64("!!!@@@"), "");
}

TEST(Base64, MissingPadding) {
  EXPECT_EQ(decode_base64("SGVsbG8"), "Hello");
  EXPECT_EQ(decode_base64("SGk"), "Hi");
  EXPECT_EQ(decode_base64("SA"), "H");
  EXPECT_EQ(decode_base64("S"), "");  // a lone sextet carries no full byte
}

TEST(Base64, ConcatenatedPaddedRuns) {
  EXPECT_EQ(decode_base64("SGk=\nSGk="), "HiHi");
}

TEST(Base64, BinaryRoundTrip) {
  EXPECT_EQ(decode_base64("AP8A/w=="), std::string("\x00\xff\x00\xff", 4));
}

TEST(QuotedPrintable, SoftBreaksAndEscapes) {
  EXPECT_EQ(decode_quoted_printable("caf=C3=A9 au lait"), "caf\xC3\xA9 au lait");
  EXPECT_EQ(decode_quoted_printable("long line=\r\ncontinued"), "long linecontinued");
  EXPECT_EQ(decode_quoted_printable("long line=\ncontinued"), "long linecontinued");
  EXPECT_EQ(decode_quoted_printable("trailing=  \ncontinued"), "trailingcontinued");
  EXPECT_EQ(decode_quoted_printable("lower =c3=a9"), "lower \xC3\xA9");
  EXPECT_EQ(decode_quoted_printable("ends with ="), "ends with ");
}

TEST(QuotedPrintable, BadEscapesKeptLiterally) {
  EXPECT_EQ(decode_quoted_printable("a=ZZb"), "a=ZZb");
  EXPECT_EQ(decode_quoted_printable("100=%"), "100=%");
  EXPECT_EQ(decode_quoted_printable("x=4"), "x=4");
  EXPECT_EQ(decode_quoted_printable("line one\r\nline two"), "line one\r\nline two");
}

TEST(EncodedWords, Utf8Base64) {
  EXPECT_EQ(decode_encoded_words("=?UTF-8?B?44GT44KT44Gr44Gh44Gv?="),
            "\xE3\x81\x93\xE3\x82\x93\xE3\x81\xAB\xE3\x81\xA1\xE3\x81\xAF");  // konnichiwa
}

TEST(EncodedWords, Latin1QuotedPrintable) {
  EXPECT_EQ(decode_encoded_words("=?ISO-8859-1?Q?Andr=E9_Pirard?="), "Andr\xC3\xA9 Pirard");
  EXPECT_EQ(decode_encoded_words("Subject: =?iso-8859-1?q?caf=e9?= ok"), "Subject: caf\xC3\xA9 ok");
}

TEST(EncodedWords, AdjacentWordsJoined) {
  EXPECT_EQ(decode_encoded_words("=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?="), "ab");
  EXPECT_EQ(decode_encoded_words("=?ISO-8859-1?Q?a?=\r\n =?ISO-8859-1?Q?b?="), "ab");
  EXPECT_EQ(decode_encoded_words("=?ISO-8859-1?Q?a?= x =?ISO-8859-1?Q?b?="), "a x b");
  // A multi-byte character split across two words.
  EXPECT_EQ(decode_encoded_words("=?UTF-8?Q?=E3=81?= =?UTF-8?Q?=93?="), "\xE3\x81\x93");
}

TEST(EncodedWords, Iso2022Jp) {
  // "テスト" (test) in ISO-2022-JP: ESC $ B %F%9%H ESC ( B
  EXPECT_EQ(decode_encoded_words("=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?="),
            "\xE3\x83\x86\xE3\x82\xB9\xE3\x83\x88");
}

TEST(EncodedWords, ShiftJis) {
  // "テスト" in Shift_JIS: 83 65 83 58 83 67
  EXPECT_EQ(decode_encoded_words("=?Shift_JIS?B?g2WDWINn?="), "\xE3\x83\x86\xE3\x82\xB9\xE3\x83\x88");
  EXPECT_EQ(decode_encoded_words("=?x-sjis?Q?=83e=83X=83g?="), "\xE3\x83\x86\xE3\x82\xB9\xE3\x83\x88");
}

TEST(EncodedWords, UnknownCharsetDegrades) {
  EXPECT_EQ(decode_encoded_words("=?x-no-such-charset?Q?hello?="), "hello");
  EXPECT_EQ(decode_encoded_words("=?x-no-such-charset?B?/w==?="), "\xEF\xBF\xBD");
}

TEST(EncodedWords, MalformedLeftAlone) {
  EXPECT_EQ(decode_encoded_words("=?utf-8?X?abc?="), "=?utf-8?X?abc?=");
  EXPECT_EQ(decode_encoded_words("=?utf-8?Q?never closed"), "=?utf-8?Q?never closed");
  EXPECT_EQ(decode_encoded_words("plain text"), "plain text");
  std::string many;
  for (int i = 0; i < 20000; ++i) many += "=?x?q?a";
  EXPECT_TRUE(decode_encoded_words(many) == many);  // bounded work, and unchanged
}

TEST(ToUtf8, Aliases) {
  EXPECT_EQ(to_utf8("caf\xE9", "iso-8859-1"), "caf\xC3\xA9");
  EXPECT_EQ(to_utf8("caf\xE9", "\"ISO-8859-1\""), "caf\xC3\xA9");
  EXPECT_EQ(to_utf8("\x80", "windows-1252"), "\xE2\x82\xAC");
  EXPECT_EQ(to_utf8("\xF0\xD2\xC9", "koi8-r"), "\xD0\x9F\xD1\x80\xD0\xB8");
  EXPECT_EQ(to_utf8("\xA5\xC6\xA5\xB9\xA5\xC8", "EUC-JP"), "\xE3\x83\x86\xE3\x82\xB9\xE3\x83\x88");
  EXPECT_EQ(to_utf8("\x83\x65\x83\x58\x83\x67", "cp932"), "\xE3\x83\x86\xE3\x82\xB9\xE3\x83\x88");
  EXPECT_EQ(to_utf8("\xC4\xE3\xBA\xC3", "gb2312"), "\xE4\xBD\xA0\xE5\xA5\xBD");  // nihao
  EXPECT_EQ(to_utf8("\xA7\x41", "big5"), "\xE4\xBD\xA0");
  EXPECT_EQ(to_utf8("plain", "x-bogus"), "plain");
}

TEST(ToUtf8, InvalidBytesBecomeReplacement) {
  // A truncated Shift_JIS lead byte at the end and a bad byte in UTF-8.
  EXPECT_EQ(to_utf8("ab\x83", "shift_jis"), "ab\xEF\xBF\xBD");
  EXPECT_EQ(to_utf8("a\xFF" "b", "utf-8"), "a\xEF\xBF\xBD" "b");
  // Text survives around the bad byte.
  EXPECT_EQ(to_utf8("\x83\x65\xFF\x83\x67", "sjis"), "\xE3\x83\x86\xEF\xBF\xBD\xE3\x83\x88");
}

TEST(ToUtf8, AsciiAndUtf8PassThrough) {
  EXPECT_EQ(to_utf8("hello", "us-ascii"), "hello");
  EXPECT_EQ(to_utf8("\xC3\xA9", "utf-8"), "\xC3\xA9");
  EXPECT_EQ(to_utf8("\xC3\xA9", "us-ascii"), "\xC3\xA9");  // mislabelled UTF-8
  EXPECT_EQ(to_utf8("\xE9", "us-ascii"), "\xC3\xA9");      // mislabelled Latin-1
}

TEST(SanitizeUtf8, Replaces) {
  EXPECT_EQ(sanitize_utf8("ok \xE2\x82\xAC"), "ok \xE2\x82\xAC");
  EXPECT_EQ(sanitize_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");        // overlong
  EXPECT_EQ(sanitize_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(sanitize_utf8("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");        // truncated
  EXPECT_EQ(sanitize_utf8(std::string("a\0b", 3)), std::string("a\0b", 3));
}

namespace {

// Straight iconv, an invalid byte replaced by U+FFFD and skipped (to_utf8's rule).
std::string iconv_reference(const std::string& bytes, const char* charset) {
  iconv_t cd = iconv_open("UTF-8", charset);
  EXPECT_NE(cd, reinterpret_cast<iconv_t>(-1));
  std::string out;
  char* in = const_cast<char*>(bytes.data());
  std::size_t in_left = bytes.size();
  while (true) {
    char buf[256];
    char* o = buf;
    std::size_t o_left = sizeof buf;
    const std::size_t rc = in_left ? iconv(cd, &in, &in_left, &o, &o_left) : iconv(cd, nullptr, nullptr, &o, &o_left);
    const int err = errno;
    out.append(buf, o);
    if (rc != static_cast<std::size_t>(-1)) {
      if (in_left == 0) break;
      continue;
    }
    if (err == E2BIG) continue;
    if (in_left == 0) break;
    out += "\xEF\xBF\xBD";
    ++in;
    --in_left;
  }
  iconv_close(cd);
  return out;
}

}  // namespace

// ISO-2022-JP text without escapes is converted without iconv; it must come out as iconv gives it.
TEST(ToUtf8, Iso2022JpWithoutEscapesMatchesIconv) {
  test::TestRandom random(99);
  auto next = [&](std::uint32_t bound) { return random.next(bound); };
  for (int round = 0; round < 2000; ++round) {
    std::string s;
    const std::uint32_t len = next(40);
    for (std::uint32_t i = 0; i < len; ++i) {
      char c = static_cast<char>(next(round % 2 ? 256 : 128));
      if (c == 0x1b || c == 0x0e || c == 0x0f) c = 'x';
      s.push_back(c);
    }
    ASSERT_EQ(to_utf8(s, "iso-2022-jp"), iconv_reference(s, "ISO-2022-JP-2")) << round;
    ASSERT_EQ(to_utf8(s, "ISO-2022-JP-3"), iconv_reference(s, "ISO-2022-JP-3")) << round;
  }
}

// decode_base64 takes whole quanta four characters at a time; it must give what the plain
// character-by-character rule gives on any input (line breaks, garbage, padding in the middle).
TEST(Base64, RandomInputMatchesCharacterRule) {
  auto reference = [](const std::string& in) {
    static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : in) {
      const auto k = alphabet.find(c);
      if (k == std::string::npos) {
        if (c == '=') acc = 0, bits = 0;
        continue;
      }
      acc = (acc << 6) | static_cast<std::uint32_t>(k);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out.push_back(static_cast<char>((acc >> bits) & 0xFF));
        acc &= (1u << bits) - 1;
      }
    }
    return out;
  };
  static const char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\r\n -*";
  test::TestRandom random(5);
  auto next = [&](std::uint32_t bound) { return random.next(bound); };
  for (int round = 0; round < 5000; ++round) {
    std::string in;
    const std::uint32_t len = next(120);
    const std::uint32_t range = round % 3 == 0 ? 64 : sizeof kChars - 1;  // a third: alphabet only
    for (std::uint32_t i = 0; i < len; ++i) in.push_back(kChars[next(range)]);
    ASSERT_EQ(decode_base64(in), reference(in)) << in;
  }
}

// sanitize_utf8 (and the validity check before it) skip 7-bit runs eight bytes at a time and copy
// valid runs whole; they must give what the plain rule gives one code point at a time.
TEST(SanitizeUtf8, RandomInputMatchesPlainRule) {
  auto reference = [](const std::string& s) {
    std::string out;
    std::size_t i = 0;
    while (i < s.size()) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c < 0x80) {
        out += s[i++];
        continue;
      }
      const std::size_t len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
      bool ok = len != 0 && i + len <= s.size();
      std::uint32_t cp = len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
      for (std::size_t k = 1; ok && k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        ok = (b & 0xC0) == 0x80;
        cp = cp << 6 | (b & 0x3F);
      }
      const std::uint32_t min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
      ok = ok && cp >= min && !(cp >= 0xD800 && cp <= 0xDFFF) && cp <= 0x10FFFF;
      if (ok) {
        out.append(s, i, len);
        i += len;
      } else {
        out += "\xEF\xBF\xBD";
        ++i;
      }
    }
    return out;
  };
  static const unsigned char kHigh[] = {0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF,
                                        0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF};
  test::TestRandom rng(5);
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    const std::uint32_t pieces = rng.next(8);
    for (std::uint32_t p = 0; p < pieces; ++p) {
      if (rng.next(2) == 0)
        s += rng.text(rng.next(20), "abc \n\t~");
      else
        for (std::uint32_t k = rng.next(5); k > 0; --k) s += static_cast<char>(kHigh[rng.next(std::size(kHigh))]);
    }
    ASSERT_EQ(sanitize_utf8(s), reference(s)) << round;
    ASSERT_EQ(to_utf8(s, "utf-8"), reference(s)) << round;
  }
}

// ISO-2022-JP text is converted by iconv when it holds an escape (ESC, SO or SI) anywhere.
TEST(ToUtf8, Iso2022JpWithEscapesMatchesIconv) {
  static const char* kPieces[] = {"\x1b$B", "\x1b(B", "\x1b", "\x0e", "\x0f", "$B", "F|K\\", "abc", " ", "\xA4"};
  test::TestRandom rng(17);
  for (int round = 0; round < 2000; ++round) {
    std::string s;
    for (std::uint32_t k = rng.next(8); k > 0; --k) s += kPieces[rng.next(std::size(kPieces))];
    ASSERT_EQ(to_utf8(s, "iso-2022-jp"), iconv_reference(s, "ISO-2022-JP-2")) << round;
  }
}

// decode_quoted_printable copies runs between '=' whole into a buffer of the input's size; it must
// give what the plain rule gives one character at a time.
TEST(QuotedPrintable, RandomInputMatchesCharacterRule) {
  auto hex = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; };
  auto reference = [&](const std::string& in) {
    std::string out;
    for (std::size_t i = 0; i < in.size();) {
      if (in[i] != '=') {
        out += in[i++];
        continue;
      }
      if (i + 2 < in.size() && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
        out += static_cast<char>(hex(in[i + 1]) * 16 + hex(in[i + 2]));
        i += 3;
        continue;
      }
      std::size_t j = i + 1;
      while (j < in.size() && (in[j] == ' ' || in[j] == '\t')) ++j;
      if (j == in.size()) break;
      if (in[j] == '\r' || in[j] == '\n') {
        i = in[j] == '\r' && j + 1 < in.size() && in[j + 1] == '\n' ? j + 2 : j + 1;
        continue;
      }
      out += '=';
      ++i;
    }
    return out;
  };
  test::TestRandom rng(31);
  for (int round = 0; round < 20000; ++round) {
    const std::string in = rng.text(rng.next(24), "=aF3g \t\r\n=9Zz");
    ASSERT_EQ(decode_quoted_printable(in), reference(in)) << in;
  }
}

// windows-1252 (and the Latin-1 and ASCII labels read as it) and ISO-8859-15 are decoded from
// tables of our own; every label must give what iconv gives, for every byte.
TEST(ToUtf8, SingleByteTablesMatchIconv) {
  static const std::pair<const char*, const char*> kLabels[] = {
      {"windows-1252", "WINDOWS-1252"}, {"cp1252", "CP1252"},     {"iso-8859-1", "WINDOWS-1252"},
      {"latin1", "WINDOWS-1252"},       {"us-ascii", "WINDOWS-1252"}, {"iso-8859-15", "ISO-8859-15"},
      {"ISO8859-15", "ISO-8859-15"},    {"iso_8859-15", "ISO-8859-15"}, {"latin-9", "ISO-8859-15"},
      {"Latin9", "ISO-8859-15"}};
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  for (const auto& [label, iconv_name] : kLabels) {
    // us-ascii: 8-bit text that is valid UTF-8 is taken as UTF-8 first (not a table's business).
    ASSERT_EQ(to_utf8(all, label), iconv_reference(all, iconv_name)) << label;
  }
  test::TestRandom rng(23);
  for (int round = 0; round < 3000; ++round) {
    std::string s;
    for (std::uint32_t k = rng.next(60); k > 0; --k)
      s.push_back(static_cast<char>(rng.next(3) == 0 ? 0x80 + rng.next(128) : rng.next(128)));
    const auto& [label, iconv_name] = kLabels[rng.next(std::size(kLabels))];
    if (std::string_view(label) == "us-ascii") continue;
    ASSERT_EQ(to_utf8(s, label), iconv_reference(s, iconv_name)) << label << " " << round;
  }
}

// UTF-7 text without a shift ('+') and with only directly encoded characters is passed through;
// anything else goes to iconv. Either way the result is iconv's.
TEST(ToUtf8, Utf7MatchesIconv) {
  for (int b = 0; b < 256; ++b) {
    const std::string s = std::string("a") + static_cast<char>(b) + "b";
    ASSERT_EQ(to_utf8(s, "unicode-1-1-utf-7"), iconv_reference(s, "UTF-7")) << b;
  }
  static const char* kPieces[] = {"Hello", " ", "\r\n", "+", "-", "+AGEA-", "+ZeVnLIqe-", "\\", "~", "\t", "\x01", "\xC3\xA9", "+-"};
  test::TestRandom rng(29);
  for (int round = 0; round < 3000; ++round) {
    std::string s;
    for (std::uint32_t k = rng.next(10); k > 0; --k) s += kPieces[rng.next(std::size(kPieces))];
    ASSERT_EQ(to_utf8(s, "utf-7"), iconv_reference(s, "UTF-7")) << round;
  }
}

// A CharsetConverters reuses one descriptor per charset (reset before each use): any sequence of
// conversions must give what fresh descriptors give, also after text that leaves a stateful
// encoding shifted or a multibyte sequence cut short, and past the cache's bound.
TEST(CharsetConverters, ReuseMatchesFreshDescriptors) {
  static const char* kCharsets[] = {"iso-2022-jp", "shift_jis", "euc-kr", "utf-7", "koi8-r", "gb2312",
                                    "iso-8859-2", "windows-1251", "no-such-charset", "big5"};
  static const char* kPieces[] = {"\x1b$B", "F|K\\", "\x1b(B", "+ZeVnLIqe", "-", "abc ", "\x82\xa0", "\x82",
                                  "\xb0\xa1", "\xC1", "\xE9", "+AGE", "\x0e", "\x0f", "\xff"};
  CharsetConverters converters;
  test::TestRandom rng(31);
  for (int round = 0; round < 3000; ++round) {
    std::string s;
    for (std::uint32_t k = rng.next(6); k > 0; --k) s += kPieces[rng.next(std::size(kPieces))];
    const char* charset = kCharsets[rng.next(std::size(kCharsets))];
    ASSERT_EQ(to_utf8(s, charset, &converters), to_utf8(s, charset)) << charset << " " << round;
  }
  // More labels than the cache holds: the rest are opened and closed per call.
  for (std::size_t i = 0; i < CharsetConverters::kMaxEntries + 10; ++i) {
    const std::string label = i % 2 ? "x-label-" + std::to_string(i) : (i % 4 ? "cp1250" : "iso-8859-2");
    const std::string label2 = i % 3 ? label : "ISO_8859-2:1987 " + std::to_string(i);
    ASSERT_EQ(to_utf8("a\xE9\xB1z", label2, &converters), to_utf8("a\xE9\xB1z", label2)) << label2;
  }
  // A label too long to keep is converted all the same.
  const std::string long_label = "iso-8859-2" + std::string(100, ' ') + "x";
  EXPECT_EQ(to_utf8("a\xE9z", long_label, &converters), to_utf8("a\xE9z", long_label));
  EXPECT_EQ(decode_encoded_words("=?ISO-2022-JP?B?GyRCRnxLXBsoQg==?= x", &converters),
            decode_encoded_words("=?ISO-2022-JP?B?GyRCRnxLXBsoQg==?= x"));
}

TEST(CharsetConverters, PreloadKeepsResultsUnchanged) {
  CharsetConverters pinned;
  pinned.preload();
  CharsetConverters converters;
  converters.preload();
  EXPECT_EQ(to_utf8("\x82\xa0", "shift_jis", &converters), to_utf8("\x82\xa0", "shift_jis"));
  EXPECT_EQ(to_utf8("\xE9", "iso-8859-2", &converters), "\xC3\xA9");
}
