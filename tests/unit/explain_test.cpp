// explain_test.cpp: `bounced explain` as a library call. One test per "The server says" line of
// the seed document (each with the reason a mail admin would give it), then parsing details:
// multi-line replies, non-standard codes, status inference, limits and renderings.
//
// Decisions worth recording:
// - SMTP AUTH failures (505 not authenticated, 530/535, "authentication required") are
//   "securityerror". In Sisimai's vocabulary "authfailure" is the MESSAGE failing SPF/DKIM/DMARC;
//   the server's demand that the client log in is its security policy (Sisimai's SecurityError
//   phrases include "authentication required", and it maps 5.7.8 to securityerror).
// - "553 mailbox name not allowed" is RFC 5321's text for a mailbox name the server will not take
//   (X.1.3, bad address syntax); Sisimai maps that status to userunknown, and so do we.
// - "554 Transaction failed" alone is Sisimai's systemerror wording; nothing else is known.
// - 50x replies without telling wording are protocol errors: syntaxerror (the reply code decides).
#include "explain.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace bounced;

namespace {

void expect_seed(const std::string& reply, const std::string& reason, const std::string& code,
                 const std::string& status_class, const std::string& status) {
  const Explanation e = explain_reply(reply);
  ASSERT_TRUE(e.ok) << reply << ": " << e.error;
  EXPECT_EQ(e.reason, reason) << reply << " (" << e.decided_by << ")";
  EXPECT_EQ(e.reply_code, code) << reply;
  EXPECT_EQ(e.status_class, status_class) << reply;
  ASSERT_FALSE(e.status.empty()) << reply;
  EXPECT_EQ(e.status[0], code[0]) << reply << " status " << e.status;
  if (!status.empty()) {
    EXPECT_EQ(e.status, status) << reply;
  }
  EXPECT_FALSE(e.subject.empty()) << reply;
  EXPECT_FALSE(e.advice_en.empty()) << reply;
  EXPECT_FALSE(e.advice_zh.empty()) << reply;
  EXPECT_EQ(e.hard_bounce, reason == "userunknown") << reply;
}

}  // namespace

TEST(ExplainSeed, RelayingMailToIsNotAllowed) { expect_seed("550 relaying mail to <> is not allowed", "norelaying", "550", "permanent", ""); }
TEST(ExplainSeed, RelayingDenied) { expect_seed("550 <>... relaying denied", "norelaying", "550", "permanent", ""); }
TEST(ExplainSeed, RelayingNotPermitted) { expect_seed("550 5.7.1 relaying not permitted:", "norelaying", "550", "permanent", "5.7.1"); }
TEST(ExplainSeed, LocalUserOnly) { expect_seed("550 <>:local user only", "norelaying", "550", "permanent", ""); }
TEST(ExplainSeed, InvalidUser) { expect_seed("550 <>:Invalid User", "userunknown", "550", "permanent", ""); }
TEST(ExplainSeed, InvalidRecipient) { expect_seed("550 Invalid recipient", "userunknown", "550", "permanent", ""); }
TEST(ExplainSeed, DeliveryNotAllowedToNonLocalRecipient) { expect_seed("551 delivery not allowed to non-local recipient", "norelaying", "551", "permanent", ""); }
TEST(ExplainSeed, RelayRestriction553) { expect_seed("553 Relay restriction.", "norelaying", "553", "permanent", ""); }
TEST(ExplainSeed, FromMessageBlocked) { expect_seed("553 From <>, message blocked.", "rejected", "553", "permanent", ""); }
TEST(ExplainSeed, NotAllowedToUseThisSmtpToRelay) { expect_seed("553 sorry,you are not allow to use this SMTP to relay your eami", "norelaying", "553", "permanent", ""); }
TEST(ExplainSeed, NotInAllowedRcpthosts) { expect_seed("553 sorry, that domain isn't in my list of allowed rcpthosts", "norelaying", "553", "permanent", ""); }
TEST(ExplainSeed, ClientNotAuthenticated) { expect_seed("505 client was not authenticated", "securityerror", "505", "permanent", ""); }
TEST(ExplainSeed, AuthenticationRequiredToSendAs) { expect_seed("553 authentication is required to send mail as <>", "securityerror", "553", "permanent", ""); }
TEST(ExplainSeed, AuthenticationFailedMisspelt) { expect_seed("535 Error:authenticatin failed", "securityerror", "535", "permanent", "5.7.8"); }
TEST(ExplainSeed, AuthenticationUnsuccessful) { expect_seed("535 Authentication unsuccessful", "securityerror", "535", "permanent", "5.7.8"); }
TEST(ExplainSeed, InsufficientSystemStorage) { expect_seed("452 Insufficient system storage", "systemfull", "452", "transient", ""); }
TEST(ExplainSeed, DomainNameRequired) { expect_seed("553 <>...domain name required", "rejected", "553", "permanent", ""); }
TEST(ExplainSeed, UnableToRelayFor) { expect_seed("550 Unable to relay for ...", "norelaying", "550", "permanent", ""); }
TEST(ExplainSeed, MailboxNameNotAllowed) { expect_seed("553 mailbox name not allowed", "userunknown", "553", "permanent", ""); }
TEST(ExplainSeed, Badmailfrom) { expect_seed("553 sorry, your envelop sender is in my badmailfrom list", "rejected", "553", "permanent", ""); }
TEST(ExplainSeed, TransactionFailed) { expect_seed("554 Transaction failed", "systemerror", "554", "permanent", ""); }
TEST(ExplainSeed, Errno28) { expect_seed("451 Requested action aborted,errno=28", "systemfull", "451", "transient", ""); }
TEST(ExplainSeed, NeedMailCommand) { expect_seed("503 error:needmail command", "syntaxerror", "503", "permanent", ""); }
TEST(ExplainSeed, NeedMailBeforeRcpt) { expect_seed("503 need mail before RCPT.", "syntaxerror", "503", "permanent", ""); }
TEST(ExplainSeed, BadSequenceOfCommands) { expect_seed("503 Bad sequence of commands", "syntaxerror", "503", "permanent", ""); }
TEST(ExplainSeed, SyntaxHeloHostname) { expect_seed("501 syntax.helo hostname", "syntaxerror", "501", "permanent", ""); }
TEST(ExplainSeed, InvalidDomainName) { expect_seed("501 Invalid domain name", "syntaxerror", "501", "permanent", ""); }
TEST(ExplainSeed, UnimplementedCommand) { expect_seed("502 unimplemented command", "syntaxerror", "502", "permanent", ""); }
TEST(ExplainSeed, PolitePeopleSayHeloFirst) { expect_seed("503 5.0.0 polite people say HELO first", "syntaxerror", "503", "permanent", "5.0.0"); }
TEST(ExplainSeed, RelayRestriction533) { expect_seed("533 relay restriction", "norelaying", "533", "permanent", ""); }
TEST(ExplainSeed, RecipientRejectedRelayAccessDenied544) { expect_seed("544 <>:Recipient address rejected: Relay access denied", "norelaying", "544", "permanent", ""); }

TEST(Explain, NonStandardCodesAreAccepted) {
  const Explanation e = explain_reply("544 <>:Recipient address rejected: Relay access denied");
  EXPECT_EQ(e.reply_code, "544");
  EXPECT_FALSE(e.reply_code_registered);
  EXPECT_TRUE(e.reply_meaning_en.empty());
  EXPECT_EQ(e.status_class, "permanent");
  // A second digit above 5 is still taken as a reply code; the first digit gives the class.
  const Explanation odd = explain_reply("480 please come back later");
  EXPECT_EQ(odd.reply_code, "480");
  EXPECT_EQ(odd.status_class, "transient");
  EXPECT_EQ(odd.status[0], '4');
}

TEST(Explain, MultiLineReply) {
  const Explanation e = explain_reply(
      "550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n"
      "550-5.1.1 double-checking the recipient's email address for typos or\r\n"
      "550 5.1.1 unnecessary spaces.\r\n");
  ASSERT_TRUE(e.ok);
  EXPECT_EQ(e.reply_code, "550");
  EXPECT_EQ(e.status, "5.1.1");
  EXPECT_EQ(e.status_source, "reply");
  EXPECT_EQ(e.text,
            "The email account that you tried to reach does not exist. Please try double-checking the "
            "recipient's email address for typos or unnecessary spaces.");
  EXPECT_EQ(e.reason, "userunknown");
  EXPECT_TRUE(e.hard_bounce);
  EXPECT_EQ(e.subject, "addressing");
  EXPECT_EQ(e.status_title_en, "Bad destination mailbox address");
  EXPECT_EQ(e.status_title_zh, "收件地址信箱錯誤");
  EXPECT_EQ(e.reply_meaning_zh, "所要求動作無法執行:信箱不存在,郵件將退回給寄件者");
}

TEST(Explain, StatusFromTheReplyWinsOverTheCode) {
  const Explanation e = explain_reply("452 4.2.2 The email account that you tried to reach is over quota");
  EXPECT_EQ(e.status, "4.2.2");
  EXPECT_EQ(e.reason, "mailboxfull");
  EXPECT_EQ(e.status_class, "transient");
  EXPECT_EQ(e.subject, "mailbox");
}

TEST(Explain, StatusOnlyFromTheStatusTable) {
  // No telling words: the enhanced status decides (classify's status table).
  const Explanation e = explain_reply("550 5.2.2 sorry");
  EXPECT_EQ(e.reason, "mailboxfull");
  EXPECT_EQ(e.decided_by, "status:5.2.2");
}

TEST(Explain, StatusInferredFromRfc4954ReplyCode) {
  const Explanation e = explain_reply("535 go away");
  EXPECT_EQ(e.status, "5.7.8");
  EXPECT_EQ(e.status_source, "reply-code");
  EXPECT_EQ(e.reason, "securityerror");
  EXPECT_EQ(e.status_title_en, "Authentication credentials invalid");
}

TEST(Explain, UnknownWordingFallsBackToClass) {
  const Explanation e = explain_reply("550 computer says no");
  ASSERT_TRUE(e.ok);
  EXPECT_EQ(e.reason, "undefined");
  EXPECT_EQ(e.status, "5.0.0");
  EXPECT_EQ(e.status_source, "class");
  EXPECT_EQ(e.status_class, "permanent");
  EXPECT_FALSE(e.advice_en.empty());
}

TEST(Explain, SuccessAndIntermediateReplies) {
  const Explanation ok = explain_reply("250 2.1.5 Ok");
  EXPECT_EQ(ok.status_class, "success");
  EXPECT_EQ(ok.reason, "delivered");
  EXPECT_EQ(ok.status_title_en, "Destination address valid");
  EXPECT_FALSE(ok.hard_bounce);
  const Explanation go = explain_reply("354 End data with <CR><LF>.<CR><LF>");
  EXPECT_EQ(go.status_class, "intermediate");
  EXPECT_TRUE(go.reason.empty());
  EXPECT_TRUE(go.status.empty());
}

TEST(Explain, ReplyWithoutCode) {
  const Explanation e = explain_reply("host mx.example.com said: 550 5.1.1 <a@example.com>: user unknown");
  ASSERT_TRUE(e.ok);
  EXPECT_EQ(e.reply_code, "550");
  EXPECT_EQ(e.status, "5.1.1");
  EXPECT_EQ(e.reason, "userunknown");
  const Explanation bare = explain_reply("mailbox is full");
  ASSERT_TRUE(bare.ok);
  EXPECT_EQ(bare.reply_code, "");
  EXPECT_EQ(bare.reason, "mailboxfull");
}

TEST(Explain, BadInput) {
  EXPECT_FALSE(explain_reply("").ok);
  EXPECT_FALSE(explain_reply(" \r\n\t ").ok);
  EXPECT_FALSE(explain_reply(std::string(kMaxExplainReplyBytes + 1, 'a')).ok);
  EXPECT_FALSE(explain_reply("").error.empty());
  // Binary junk and a lone code do not crash.
  EXPECT_TRUE(explain_reply(std::string("\x00\xff\x01 550", 7)).ok);
  EXPECT_TRUE(explain_reply("550").ok);
  EXPECT_TRUE(explain_reply("550-").ok);
  EXPECT_TRUE(explain_reply("5.1.1").ok);
  const Explanation blank_lines = explain_reply(std::string(4000, '\n') + "550 x");
  EXPECT_TRUE(blank_lines.ok);
  EXPECT_EQ(blank_lines.reply_code, "550");
}

TEST(Explain, AdviceForEveryReason) {
  const char* reasons[] = {
      "authfailure", "badreputation", "blocked",      "contenterror",  "delivered",     "exceedlimit",
      "expired",     "feedback",      "filtered",     "hasmoved",      "hostunknown",   "mailboxfull",
      "mailererror", "mesgtoobig",    "networkerror", "norelaying",    "notaccept",     "notcompliantrfc",
      "onhold",      "policyviolation", "rejected",   "requireptr",    "securityerror", "spamdetected",
      "speeding",    "suspend",       "syntaxerror",  "systemerror",   "systemfull",    "toomanyconn",
      "undefined",   "userunknown",   "vacation",     "virusdetected"};
  for (const char* r : reasons) {
    const auto* a = find_reason_advice(r);
    ASSERT_NE(a, nullptr) << r;
    EXPECT_FALSE(a->en.empty()) << r;
    EXPECT_FALSE(a->zh.empty()) << r;
  }
  EXPECT_EQ(find_reason_advice("nonsense"), nullptr);
}

TEST(Explain, Renderings) {
  const Explanation e = explain_reply("550 5.7.1 relaying not permitted:");
  const std::string text = explanation_text(e);
  EXPECT_NE(text.find("Reply code:   550"), std::string::npos) << text;
  EXPECT_NE(text.find("norelaying"), std::string::npos) << text;
  EXPECT_NE(text.find("永久性失敗"), std::string::npos) << text;
  EXPECT_NE(text.find("建議"), std::string::npos) << text;
  const std::string json = explanation_json(e);
  EXPECT_EQ(json.front(), '{');
  EXPECT_EQ(json.back(), '}');
  EXPECT_NE(json.find("\"reason\": \"norelaying\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"status\": \"5.7.1\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"hard_bounce\": false"), std::string::npos) << json;
  const std::string bad = explanation_json(explain_reply(""));
  EXPECT_EQ(bad, "{\"ok\": false, \"error\": \"empty reply\"}");
}
