// verp_test.cpp: lib/verp (VERP encode/decode, list attribution, signed tags) and lib/digest.
#include <gtest/gtest.h>

#include "digest.hpp"
#include "verp.hpp"

using namespace bounced;

namespace {

const VerpScheme kDefault{};
const VerpSigning kUnsigned{};

VerpSigning signing(VerpTagEncoding enc = VerpTagEncoding::base32, std::size_t len = 10) {
  VerpSigning s;
  s.secret = "0123456789abcdef-test-secret";
  s.encoding = enc;
  s.tag_length = len;
  return s;
}

VerpScheme field_scheme() {
  VerpScheme s;
  s.list_placement = VerpListPlacement::field;
  return s;
}

}  // namespace

TEST(Digest, KnownVectors) {
  EXPECT_EQ(digest::sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(digest::sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2.
  EXPECT_EQ(digest::to_hex(digest::hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const std::uint8_t foobar[] = {'f', 'o', 'o', 'b', 'a', 'r'};
  EXPECT_EQ(digest::to_base32(foobar, 6), "mzxw6ytboi");  // RFC 4648 "MZXW6YTBOI"
  EXPECT_EQ(digest::to_base32(foobar, 1), "my");
  EXPECT_TRUE(digest::constant_time_equal("abc", "abc"));
  EXPECT_FALSE(digest::constant_time_equal("abc", "abd"));
  EXPECT_FALSE(digest::constant_time_equal("abc", "abcd"));
  EXPECT_TRUE(digest::constant_time_equal("", ""));
}

struct DecodeCase {
  const char* address;
  VerpStatus status;
  const char* subscriber;
  const char* list;
};

TEST(Verp, DecodeDefaultScheme) {
  const DecodeCase cases[] = {
      {"bounces+user=example.org@lists.example.net", VerpStatus::ok, "user@example.org", ""},
      {"<bounces+user=example.org@lists.example.net>", VerpStatus::ok, "user@example.org", ""},
      {"Bounces+User=Example.ORG@lists.example.net", VerpStatus::ok, "User@Example.ORG", ""},
      // '=' in the subscriber's local part: the LAST '=' separates local from domain.
      {"bounces+a=b=example.org@h.example", VerpStatus::ok, "a=b@example.org", ""},
      {"bounces+a==b=example.org@h.example", VerpStatus::ok, "a==b@example.org", ""},
      // '+' in the subscriber's local part.
      {"bounces+user+tag=example.org@h.example", VerpStatus::ok, "user+tag@example.org", ""},
      // Mailman 3 style: list before the prefix.
      {"news-bounces+user=example.org@h.example", VerpStatus::ok, "user@example.org", "news"},
      {"my-list-bounces+a=b=example.org@h.example", VerpStatus::ok, "a=b@example.org", "my-list"},
      {"bounces+user=[192.0.2.1]@h.example", VerpStatus::ok, "user@[192.0.2.1]", ""},
      {"\"bounces+user=example.org\"@h.example", VerpStatus::ok, "user@example.org", ""},
      // Not VERP.
      {"bounces@h.example", VerpStatus::not_verp, "", ""},
      {"postmaster@h.example", VerpStatus::not_verp, "", ""},
      {"user+tag@example.org", VerpStatus::not_verp, "", ""},
      {"newsbounces+user=example.org@h.example", VerpStatus::not_verp, "", ""},
      {"-bounces+user=example.org@h.example", VerpStatus::not_verp, "", ""},
      {"", VerpStatus::not_verp, "", ""},
      {"no-at-sign", VerpStatus::not_verp, "", ""},
      // Prefix matched but the rest is broken.
      {"bounces+user.example.org@h.example", VerpStatus::malformed, "", ""},
      {"bounces+=example.org@h.example", VerpStatus::malformed, "", ""},
      {"bounces+user=@h.example", VerpStatus::malformed, "", ""},
      {"bounces+user=exa mple.org@h.example", VerpStatus::malformed, "", ""},
      {"bounces+user=example..org@h.example", VerpStatus::malformed, "", ""},
      {"bounces+user=example.org+@h.example", VerpStatus::malformed, "", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.address);
    const auto d = verp_decode(kDefault, kUnsigned, c.address);
    EXPECT_EQ(d.status, c.status) << d.error;
    EXPECT_EQ(d.subscriber, c.subscriber);
    EXPECT_EQ(d.list, c.list);
    EXPECT_EQ(d.signature, VerpSignature::absent);
    EXPECT_FALSE(d.verified());
  }
}

TEST(Verp, DecodeFieldPlacement) {
  const DecodeCase cases[] = {
      {"bounces+news+user=example.org@h.example", VerpStatus::ok, "user@example.org", "news"},
      {"bounces++user+x=example.org@h.example", VerpStatus::ok, "user+x@example.org", ""},
      {"bounces+news+a=b=example.org@h.example", VerpStatus::ok, "a=b@example.org", "news"},
      {"bounces+user=example.org@h.example", VerpStatus::malformed, "", ""},  // no list field
      {"bounces+ne%ws+user=example.org@h.example", VerpStatus::malformed, "", ""},
      {"news-bounces+user=example.org@h.example", VerpStatus::not_verp, "", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.address);
    const auto d = verp_decode(field_scheme(), kUnsigned, c.address);
    EXPECT_EQ(d.status, c.status) << d.error;
    EXPECT_EQ(d.subscriber, c.subscriber);
    EXPECT_EQ(d.list, c.list);
  }
}

TEST(Verp, CustomSchemeAndHosts) {
  VerpScheme s;
  s.prefix = "return";
  s.separator = '_';
  s.equals = '#';
  s.list_joiner = '.';
  s.hosts = {"bounce.example.net"};
  ASSERT_EQ(validate(s), "");
  auto d = verp_decode(s, kUnsigned, "return_a-b#my-domain.org@Bounce.Example.NET");
  ASSERT_TRUE(d.ok()) << d.error;
  EXPECT_EQ(d.subscriber, "a-b@my-domain.org");
  d = verp_decode(s, kUnsigned, "news.return_a#example.org@bounce.example.net");
  ASSERT_TRUE(d.ok()) << d.error;
  EXPECT_EQ(d.list, "news");
  EXPECT_EQ(verp_decode(s, kUnsigned, "return_a#example.org@other.example").status, VerpStatus::not_verp);
  const auto e = verp_encode(s, kUnsigned, "a-b@example.org", "news", "bounce.example.net");
  ASSERT_TRUE(e.ok()) << e.error;
  EXPECT_EQ(e.address, "news.return_a-b#example.org@bounce.example.net");
}

TEST(Verp, SchemeValidation) {
  VerpScheme s;
  s.separator = s.equals = '+';
  EXPECT_NE(validate(s), "");
  s = VerpScheme{};
  s.prefix = "";
  EXPECT_NE(validate(s), "");
  s = VerpScheme{};
  s.prefix = "b+x";
  EXPECT_NE(validate(s), "");
  s = VerpScheme{};
  s.separator = '@';
  EXPECT_NE(validate(s), "");
  s = VerpScheme{};
  s.separator = '-';  // would be ambiguous with domains that hold '-'
  EXPECT_NE(validate(s), "");
  VerpSigning g = signing();
  g.secret = "short";
  EXPECT_NE(validate(g), "");
  g = signing(VerpTagEncoding::base32, 53);
  EXPECT_NE(validate(g), "");
  g = signing(VerpTagEncoding::hex, 64);
  EXPECT_EQ(validate(g), "");
  g = signing(VerpTagEncoding::hex, 3);
  EXPECT_NE(validate(g), "");
}

TEST(Verp, EncodeRoundTrip) {
  struct Case {
    const char* subscriber;
    const char* list;
    const char* expected;
  };
  const Case cases[] = {
      {"user@example.org", "", "bounces+user=example.org@lists.example.net"},
      {"<user@example.org>", "", "bounces+user=example.org@lists.example.net"},
      {"a=b@example.org", "", "bounces+a=b=example.org@lists.example.net"},
      {"user+x@example.org", "news", "news-bounces+user+x=example.org@lists.example.net"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.subscriber);
    const auto e = verp_encode(kDefault, kUnsigned, c.subscriber, c.list, "lists.example.net");
    ASSERT_TRUE(e.ok()) << e.error;
    EXPECT_EQ(e.address, c.expected);
    const auto d = verp_decode(kDefault, kUnsigned, e.address);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(normalize_address(d.subscriber), normalize_address(c.subscriber));
    EXPECT_EQ(d.list, c.list);
  }
  const auto f = verp_encode(field_scheme(), kUnsigned, "u@example.org", "", "h.example");
  EXPECT_EQ(f.address, "bounces++u=example.org@h.example");
  EXPECT_EQ(verp_decode(field_scheme(), kUnsigned, f.address).subscriber, "u@example.org");
}

TEST(Verp, EncodeRejectsBadInput) {
  const char* bad_subscribers[] = {"nodomain", "@example.org", "a b@example.org", "user@", "user@exa_mple..org",
                                   "\"q\"@example.org"};
  for (const char* s : bad_subscribers) {
    SCOPED_TRACE(s);
    EXPECT_FALSE(verp_encode(kDefault, kUnsigned, s, "", "h.example").ok());
  }
  EXPECT_FALSE(verp_encode(kDefault, kUnsigned, "u@example.org", "bad list", "h.example").ok());
  EXPECT_FALSE(verp_encode(kDefault, kUnsigned, "u@example.org", std::string(65, 'l'), "h.example").ok());
  EXPECT_FALSE(verp_encode(kDefault, kUnsigned, "u@example.org", "", "").ok());
  EXPECT_FALSE(verp_encode(kDefault, kUnsigned, std::string(600, 'a') + "@example.org", "", "h.example").ok());
}

TEST(Verp, SignedRoundTrip) {
  for (auto enc : {VerpTagEncoding::base32, VerpTagEncoding::hex}) {
    for (std::size_t len : {4u, 10u, 16u, 52u}) {
      const auto g = signing(enc, len);
      for (const char* list : {"", "news"}) {
        SCOPED_TRACE(std::to_string(len) + list);
        const auto e = verp_encode(kDefault, g, "a=b+c@Example.org", list, "h.example");
        ASSERT_TRUE(e.ok()) << e.error;
        const auto d = verp_decode(kDefault, g, e.address);
        ASSERT_TRUE(d.ok()) << d.error;
        EXPECT_EQ(d.subscriber, "a=b+c@Example.org");
        EXPECT_EQ(d.list, list);
        EXPECT_EQ(d.tag.size(), len);
        EXPECT_EQ(d.signature, VerpSignature::valid);
        EXPECT_TRUE(d.verified());
        // An MTA that folds case must not break the tag.
        std::string upper = e.address;
        for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        EXPECT_EQ(verp_decode(kDefault, g, upper).signature, VerpSignature::valid);
      }
    }
  }
}

TEST(Verp, ForgedOrUnsignedTags) {
  const auto g = signing();
  const auto e = verp_encode(kDefault, g, "victim@example.org", "news", "h.example");
  ASSERT_TRUE(e.ok());
  const std::string tag = verp_tag(g, "victim@example.org", "news");
  ASSERT_EQ(tag.size(), 10u);
  EXPECT_EQ(e.address, "news-bounces+victim=example.org+" + tag + "@h.example");

  // The tag of another address, another list, a wrong length, or no tag at all.
  const std::string other = verp_tag(g, "other@example.org", "news");
  struct Case {
    std::string address;
    VerpSignature expected;
  };
  const Case cases[] = {
      {"news-bounces+victim=example.org+" + other + "@h.example", VerpSignature::invalid},
      {"bounces+victim=example.org+" + tag + "@h.example", VerpSignature::invalid},      // list dropped
      {"other-bounces+victim=example.org+" + tag + "@h.example", VerpSignature::invalid},  // list changed
      {"news-bounces+victim=example.org+" + tag.substr(0, 9) + "@h.example", VerpSignature::invalid},
      {"news-bounces+victim=example.org+" + tag + "a@h.example", VerpSignature::invalid},
      {"news-bounces+victim=example.org@h.example", VerpSignature::absent},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.address);
    const auto d = verp_decode(kDefault, g, c.address);
    ASSERT_TRUE(d.ok()) << d.error;
    EXPECT_EQ(d.subscriber, "victim@example.org");
    EXPECT_EQ(d.signature, c.expected);
    EXPECT_FALSE(d.verified());
  }
  // Another secret does not verify.
  auto g2 = g;
  g2.secret = "another-secret-of-enough-length";
  EXPECT_EQ(verp_decode(kDefault, g2, e.address).signature, VerpSignature::invalid);
  // Without a secret the tag is stripped but cannot be checked.
  const auto d = verp_decode(kDefault, kUnsigned, e.address);
  EXPECT_EQ(d.subscriber, "victim@example.org");
  EXPECT_EQ(d.tag, tag);
  EXPECT_EQ(d.signature, VerpSignature::absent);
}

TEST(Verp, NormalizeAddress) {
  EXPECT_EQ(normalize_address(" <User@Example.ORG> "), "user@example.org");
  EXPECT_EQ(normalize_address("a@b"), "a@b");
}
