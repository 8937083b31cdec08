// guard_test.cpp: lib/guard (input limits, pre-scan, mbox handling).
#include <gtest/gtest.h>
#include <mimetic/contenttype.h>
#include <mimetic/mimeentity.h>

#include <cstdint>
#include <sstream>
#include <string>

#include "guard.hpp"
#include "test_random.hpp"

using namespace bounced;

namespace {

std::string nested_multiparts(int levels) {
  std::string m = "From: a@example.org\nContent-Type: multipart/mixed; boundary=\"b0\"\n\n";
  for (int i = 1; i <= levels; ++i)
    m += "--b" + std::to_string(i - 1) + "\nContent-Type: multipart/mixed; boundary=\"b" + std::to_string(i) + "\"\n\n";
  m += "--b" + std::to_string(levels) + "\nContent-Type: text/plain\n\ndeep\n";
  for (int i = levels; i >= 0; --i) m += "--b" + std::to_string(i) + "--\n";
  return m;
}

std::string many_parts(int n) {
  std::string m = "From: a@example.org\nContent-Type: multipart/mixed; boundary=XX\n\n";
  for (int i = 0; i < n; ++i) m += "--XX\n\nx\n";
  m += "--XX--\n";
  return m;
}

}  // namespace

TEST(Guard, AcceptsOrdinaryMessage) {
  EXPECT_EQ(check_message("From: a@example.org\nSubject: hi\n\nbody\n"), GuardError::none);
  EXPECT_EQ(check_message("From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n"), GuardError::none);
  EXPECT_EQ(check_message("From: a@example.org\rSubject: hi\r\rbody\r"), GuardError::none);
  EXPECT_EQ(check_message("\n\nFrom: a@example.org\n\nbody"), GuardError::none);  // leading blank lines
}

TEST(Guard, Empty) {
  EXPECT_EQ(check_message(""), GuardError::empty);
  EXPECT_EQ(check_message(" \r\n\t\n"), GuardError::empty);
}

TEST(Guard, NoHeader) {
  EXPECT_EQ(check_message("just some text\nand more\n"), GuardError::no_header);
  EXPECT_EQ(check_message(" indented: no\n\nbody"), GuardError::no_header);
}

TEST(Guard, BinaryJunk) {
  std::string junk("From: a\x00\x01\x02\xff\x00\n\nbody", 16);
  EXPECT_EQ(check_message(junk), GuardError::binary);
  std::string nul_in_body = "From: a@example.org\n\n";
  nul_in_body += std::string("bin\0ary", 7);
  EXPECT_EQ(check_message(nul_in_body), GuardError::none);  // only the header region matters
}

TEST(Guard, TooLarge) {
  std::string big = "From: a@example.org\n\n";
  big.append(Limits::max_message_bytes, 'x');
  EXPECT_EQ(check_message(big), GuardError::too_large);
}

TEST(Guard, LongHeaderLine) {
  std::string m = "From: a@example.org\nX-Long: " + std::string(200 * 1024, 'a') + "\n\nbody\n";
  EXPECT_EQ(check_message(m), GuardError::header_line_too_long);
  // The same line in a body is fine.
  std::string b = "From: a@example.org\n\n" + std::string(200 * 1024, 'a') + "\n";
  EXPECT_EQ(check_message(b), GuardError::none);
}

TEST(Guard, LongHeaderLineInPart) {
  std::string m = "From: a@example.org\nContent-Type: multipart/mixed; boundary=b\n\n--b\nX-Long: " +
                  std::string(200 * 1024, 'a') + "\n\nbody\n--b--\n";
  EXPECT_EQ(check_message(m), GuardError::header_line_too_long);
}

TEST(Guard, HeaderBlockTooLarge) {
  std::string m = "From: a@example.org\n";
  for (int i = 0; i < 20000; ++i) m += "X-Filler: " + std::string(60, 'a') + "\n";
  m += "\nbody\n";
  EXPECT_EQ(check_message(m), GuardError::header_too_large);
}

TEST(Guard, FoldedFieldTooLarge) {
  std::string m = "From: a@example.org\nX-Folded: a\n";
  for (int i = 0; i < 2000; ++i) m += " " + std::string(60, 'b') + "\n";
  m += "\nbody\n";
  EXPECT_EQ(check_message(m), GuardError::header_too_large);
}

TEST(Guard, Nesting) {
  EXPECT_EQ(check_message(nested_multiparts(50)), GuardError::none);
  EXPECT_EQ(check_message(nested_multiparts(150)), GuardError::too_deep);
}

TEST(Guard, NestedMessageIsCheckedWhenParsed) {
  // A message/rfc822 body is not parsed with its container, so it is checked on its own later.
  std::string m = "From: a@example.org\nContent-Type: message/rfc822\n\n";
  m += "From: b@example.org\nX-Long: " + std::string(200 * 1024, 'a') + "\n\nbody\n";
  EXPECT_EQ(check_message(m), GuardError::none);
  MimeLayout layout;
  ASSERT_EQ(scan_message(m, &layout), GuardError::none);
  ASSERT_EQ(layout.spans.size(), 1u);
  const auto& s = layout.spans[0];
  EXPECT_EQ(check_message(std::string_view(m).substr(s.body_begin, s.end - s.body_begin)),
            GuardError::header_line_too_long);
}

TEST(Guard, PartCount) {
  EXPECT_EQ(check_message(many_parts(500)), GuardError::none);
  EXPECT_EQ(check_message(many_parts(20000)), GuardError::too_many_parts);
}

TEST(Guard, TruncatedMultipartIsFine) {
  EXPECT_EQ(check_message("From: a@example.org\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\ntext cut"),
            GuardError::none);
  EXPECT_EQ(check_message("From: a@example.org\nContent-Type: multipart/mixed; boundary=b\n\npreamble only\n"),
            GuardError::none);
}

TEST(Guard, SpansFollowTheStructure) {
  const std::string m =
      "From: a@example.org\nContent-Type: multipart/report; boundary=\"R\"\n\n"
      "--R\nContent-Type: text/plain\n\nhello\n"
      "--R\nContent-Type: message/rfc822\n\nSubject: orig\n\noriginal body\n"
      "--R--\n";
  MimeLayout layout;
  ASSERT_EQ(scan_message(m, &layout), GuardError::none);
  const auto& spans = layout.spans;
  ASSERT_EQ(spans.size(), 3u);  // root, text, message/rfc822 (a leaf)
  EXPECT_EQ(spans[0].depth, 0u);
  EXPECT_EQ(spans[1].depth, 1u);
  EXPECT_EQ(m.substr(spans[1].header_begin, spans[1].header_end - spans[1].header_begin), "Content-Type: text/plain");
  EXPECT_EQ(m.substr(spans[1].body_begin, spans[1].end - spans[1].body_begin), "hello\n");
  EXPECT_TRUE(spans[2].message);
  EXPECT_EQ(m.substr(spans[2].body_begin, spans[2].end - spans[2].body_begin), "Subject: orig\n\noriginal body\n");
  // mimetic is shown an empty nested message instead of the original.
  std::vector<StreamEdit> required;
  for (const auto& e : layout.edits)
    if (!e.stub) required.push_back(e);
  ASSERT_EQ(required.size(), 1u);
  EXPECT_EQ(required[0].begin, spans[2].body_begin);
  EXPECT_EQ(required[0].end, spans[2].end);
  EXPECT_EQ(required[0].text, "\n");
}

// The stream mimetic is shown when every stub applies.
std::string apply_edits(std::string_view raw, const std::vector<StreamEdit>& edits) {
  std::string out;
  std::size_t pos = 0;
  for (const auto& e : edits) {
    EXPECT_LE(pos, e.begin);
    out.append(raw.substr(pos, e.begin - pos)).append(e.text);
    pos = e.end;
  }
  return out.append(raw.substr(pos));
}

TEST(Guard, StubsLeaveOnlyTheStructure) {
  const std::string m =
      "From: a@example.org\nSubject: x\nContent-Type: multipart/report;\n boundary=\"R\"\n\n"
      "preamble\n"
      "--R\nContent-Type: text/plain\nContent-Transfer-Encoding: 7bit\n\nhello\nworld\n"
      "--R\nX-Other: 1\n\nno type\n"
      "--R\nContent-Type: message/rfc822\n\nSubject: orig\n\noriginal body\n"
      "--R--\nepilogue\n";
  MimeLayout layout;
  ASSERT_EQ(scan_message(m, &layout), GuardError::none);
  EXPECT_EQ(apply_edits(m, layout.edits),
            "Content-Type:multipart;boundary=\"R\"\n\n"
            "preamble\n"
            "--R\n\n"
            "--R\n\n"
            "--R\n\n\n"
            "--R--\nepilogue\n");
  // The media types come from the pre-scan's parse of each Content-Type field.
  ASSERT_EQ(layout.spans.size(), 4u);
  EXPECT_TRUE(layout.spans[0].multipart);
  EXPECT_EQ(layout.spans[0].subtype, "report");
  EXPECT_EQ(layout.spans[0].boundary, "R");
  EXPECT_EQ(layout.spans[1].type + "/" + layout.spans[1].subtype, "text/plain");
  EXPECT_EQ(layout.spans[2].type, "");
  EXPECT_TRUE(layout.spans[3].message);
  EXPECT_EQ(layout.spans[3].type + "/" + layout.spans[3].subtype, "message/rfc822");
}

TEST(Guard, ShortDelimitersLeaveOnlyTheStructure) {
  // Our own delimiters in place of the message's (whatever follows them on the line), preamble
  // and epilogue stubbed, the inner multipart's missing closing delimiter written in ours.
  const std::string m =
      "From: a@example.org\nContent-Type: multipart/report; boundary=\"R\"\n\n"
      "preamble\n"
      "--R\nContent-Type: multipart/alternative; boundary=I\n\nintro\n"
      "--I\nContent-Type: text/plain\n\nhello\n"
      "--R  \nContent-Type: message/rfc822\n\nSubject: orig\n\nbody\n"
      "--R--\nepilogue\n";
  MimeLayout layout;
  layout.short_delimiters = true;
  ASSERT_EQ(scan_message(m, &layout), GuardError::none);
  EXPECT_TRUE(layout.short_delimiters);
  EXPECT_EQ(apply_edits(m, layout.edits),
            "Content-Type:multipart;boundary=0x\n\n"
            "--0x\nContent-Type:multipart;boundary=1x\n\n"
            "--1x\n\n"
            "--1x--\n--0x\n\n\n"
            "--0x--\n");
  ASSERT_EQ(layout.spans.size(), 4u);
  const auto text = [&](std::size_t b, std::size_t e) { return m.substr(b, e - b); };
  EXPECT_EQ(text(layout.spans[0].body_begin, layout.spans[0].preamble_end), "preamble\n");
  EXPECT_EQ(text(layout.spans[0].epilogue_begin, layout.spans[0].epilogue_end), "epilogue\n");
  EXPECT_EQ(text(layout.spans[1].body_begin, layout.spans[1].preamble_end), "intro\n");
  EXPECT_EQ(layout.spans[1].epilogue_begin, layout.spans[1].epilogue_end);  // closed by the delimiter we inserted

  // A multipart header that no blank line ends is left to mimetic: the message's own delimiters.
  const std::string open = "From: a@example.org\nContent-Type: multipart/mixed; boundary=B\nno field\n--B\n\nx\n--B--\n";
  layout.short_delimiters = true;
  ASSERT_EQ(scan_message(open, &layout), GuardError::none);
  EXPECT_FALSE(layout.short_delimiters);
  for (const auto& e : layout.edits) EXPECT_EQ(e.text.find("0x"), std::string::npos);
}

TEST(Guard, HeaderEndedByBodyLineKeepsItsEnding) {
  // No blank line: the body's first line ends the header, so the header is left as it is and
  // the hidden body is replaced by the blank line mimetic then needs.
  const std::string m = "From: a@example.org\nContent-Type: text/plain\nThis is the body\nmore\n";
  MimeLayout layout;
  ASSERT_EQ(scan_message(m, &layout), GuardError::none);
  EXPECT_EQ(apply_edits(m, layout.edits), "From: a@example.org\nContent-Type: text/plain\n\n");
}

TEST(Guard, BodyLineThatEndsAHeaderIsTestedWhereMimeticResumes) {
  // "x --R" is not a header line: mimetic stops its header parse at the '-' and tests "--R" as a
  // delimiter; the pre-scan must split the message the same way.
  const std::string m =
      "From: a@example.org\nContent-Type: multipart/mixed; boundary=\"R\"\n\n"
      "--R\nContent-Type: text/plain\nx --R\nsecond\n"
      "--R--\n";
  MimeLayout layout;
  ASSERT_EQ(scan_message(m, &layout), GuardError::none);
  ASSERT_EQ(layout.spans.size(), 3u);  // root, the cut-short part, "second"
  EXPECT_EQ(m.substr(layout.spans[1].body_begin, layout.spans[1].end - layout.spans[1].body_begin), "x ");
  EXPECT_EQ(m.substr(layout.spans[2].header_begin, 6), "second");
}

TEST(Guard, OuterDelimiterClosesInnerMultipart) {
  // The inner multipart/alternative never closes; the outer delimiter that follows must not end
  // the whole parse.
  const std::string m =
      "From: a@example.org\nContent-Type: multipart/report; boundary=\"outer\"\n\n"
      "--outer\nContent-Type: multipart/alternative; boundary=\"inner\"\n\n"
      "--inner\nContent-Type: text/plain\n\ntext\n"
      "--outer\nContent-Type: message/delivery-status\n\nStatus: 5.1.1\n"
      "--outer--\n";
  MimeLayout layout;
  ASSERT_EQ(scan_message(m, &layout), GuardError::none);
  ASSERT_EQ(layout.spans.size(), 4u);  // root, alternative, text, delivery-status
  EXPECT_EQ(layout.spans[3].depth, 1u);
  std::vector<StreamEdit> required;
  for (const auto& e : layout.edits)
    if (!e.stub) required.push_back(e);
  ASSERT_EQ(required.size(), 1u);
  EXPECT_EQ(required[0].text, "--inner--\n");
  EXPECT_EQ(m.compare(required[0].begin, 7, "--outer"), 0);
}

TEST(Mbox, StripFromLine) {
  EXPECT_EQ(strip_mbox_from_line("From MAILER-DAEMON Mon Jan  1 00:00:00 2024\nFrom: x\n\nb"), "From: x\n\nb");
  EXPECT_EQ(strip_mbox_from_line("From: x\n\nb"), "From: x\n\nb");
}

TEST(Mbox, SplitThreeMessages) {
  const std::string mbox =
      "From a@example.org Mon Jan  1 00:00:00 2024\nFrom: a@example.org\n\nfirst\n\n"
      "From b@example.org Mon Jan  1 00:00:01 2024\nFrom: b@example.org\n\nsecond\nFrom here not a separator\n\n"
      "From c@example.org Mon Jan  1 00:00:02 2024\r\nFrom: c@example.org\r\n\r\nthird\r\n";
  const auto messages = split_mbox(mbox);
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[0], "From: a@example.org\n\nfirst\n");
  EXPECT_EQ(messages[1], "From: b@example.org\n\nsecond\nFrom here not a separator\n");
  EXPECT_EQ(messages[2], "From: c@example.org\r\n\r\nthird\r\n");
}

TEST(Mbox, FullPostmarkWithoutBlankLine) {
  const std::string mbox =
      "From a@example.org Mon Jan  1 00:00:00 2024\nFrom: a@example.org\n\nfirst\n--B--\n"
      "From MAILER-DAEMON  Thu Jul  2 12:05:05 2020\nFrom: b@example.org\n\nsecond\n"
      "From the desk of the editor, 12:30 every day\n";
  const auto messages = split_mbox(mbox);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0], "From: a@example.org\n\nfirst\n--B--\n");
  EXPECT_EQ(messages[1], "From: b@example.org\n\nsecond\nFrom the desk of the editor, 12:30 every day\n");
}

TEST(Mbox, NotAnMbox) {
  const auto messages = split_mbox("From: a@example.org\n\nbody\n\nFrom x\n");
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0], "From: a@example.org\n\nbody\n\nFrom x\n");
}

// read_content_type must read every value as mimetic's ContentType does: random values built from
// the pieces that matter (separators, quotes, blanks, names in any case) compared with mimetic.
TEST(Guard, ReadContentTypeMatchesMimetic) {
  static const char* kPieces[] = {"multipart", "MultiPart", "message", "rfc822", "RFC822", "text", "plain",
                                  "/",         ";",         "=",       "\"",     " ",      "\t",   "boundary",
                                  "BOUNDARY",  "charset",   "Charset", "x",      "utf-8",  "--b", "report-type",
                                  "\"\"",     "a b"};
  test::TestRandom random(12345);
  auto next = [&](std::uint32_t bound) { return random.next(bound); };
  for (int round = 0; round < 20000; ++round) {
    std::string value = round % 2 ? "multipart/mixed; " : "";
    const std::uint32_t pieces = next(14);
    for (std::uint32_t i = 0; i < pieces; ++i) value += kPieces[next(sizeof kPieces / sizeof kPieces[0])];
    const mimetic::ContentType expected(value);
    const ContentTypeView got = read_content_type(value);
    ASSERT_EQ(std::string(got.type), std::string(expected.type())) << value;
    ASSERT_EQ(std::string(got.subtype), std::string(expected.subtype())) << value;
    ASSERT_EQ(got.multipart, expected.isMultipart()) << value;
    ASSERT_EQ(got.rfc822, expected.type() == "message" && expected.subtype() == "rfc822") << value;
    ASSERT_EQ(std::string(got.boundary), expected.param("boundary")) << value;
    ASSERT_EQ(std::string(got.charset), expected.param("charset")) << value;
    // The stream mimetic is shown for such a header (a short stub field, see guard.cpp) gives it
    // the same multipart type and boundary.
    if (got.multipart) {
      const std::string m = "Content-Type: " + value + "\n\n";
      MimeLayout layout;
      ASSERT_EQ(scan_message(m, &layout), GuardError::none) << value;
      std::istringstream stream(apply_edits(m, layout.edits));
      const mimetic::MimeEntity entity(stream);
      ASSERT_TRUE(entity.header().contentType().isMultipart()) << value;
      ASSERT_EQ(entity.header().contentType().param("boundary"), expected.param("boundary")) << value;
    }
  }
}

// field_name_length tests sixteen bytes at a time; it must stop where the byte rule stops.
TEST(Guard, FieldNameLengthMatchesByteRule) {
  static const char kBytes[] = {'a', 'Z', '-', ':', ' ', '\t', '!', '~', '\x7f', '\x80', '\xff', '\0', '\r', '"'};
  test::TestRandom random(77);
  auto next = [&](std::uint32_t bound) { return random.next(bound); };
  for (int round = 0; round < 20000; ++round) {
    std::string line;
    const std::uint32_t len = next(48);
    const std::uint32_t run = next(40);  // mostly name characters first, then anything
    for (std::uint32_t i = 0; i < len; ++i)
      line.push_back(i < run ? kBytes[next(3)] : kBytes[next(sizeof kBytes)]);
    std::size_t expected = 0;
    while (expected < line.size() && static_cast<unsigned char>(line[expected]) > 32 &&
           static_cast<unsigned char>(line[expected]) < 127 && line[expected] != ':')
      ++expected;
    ASSERT_EQ(field_name_length(line), expected) << round;
  }
}
