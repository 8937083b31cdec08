// explain.cpp: see explain.hpp. Parsing a bare reply, then the classify stage, then table lookups.
// The reason comes from classify_recipient() so `explain` and `parse` agree; only where classify
// has no rule at all (its "fallback:" answers) does the reply code's own meaning decide, from
// kReplyCodeReasons below (the same fallback Sisimai applies: 50x means a protocol/syntax error).
#include "explain.hpp"

#include <algorithm>

#include "classify.hpp"
#include "json.hpp"
#include "reason_rules.hpp"
#include "record.hpp"
#include "status_codes.hpp"
#include "text.hpp"

namespace bounced {
namespace {

// What the sender can do, per reason. Written for the person who got the reply (often someone
// sending from a mail program), in the spirit of the seed's "A:" answers.
constexpr ReasonAdvice kAdvice[] = {
    {"authfailure",
     "The message failed sender authentication (SPF, DKIM or DMARC). Publish a correct SPF record, "
     "sign with DKIM, and align your DMARC policy with the From domain.",
     "郵件未通過寄件者驗證(SPF、DKIM 或 DMARC)。請設定正確的 SPF 記錄、使用 DKIM 簽章,並使 DMARC "
     "與寄件者網域一致。"},
    {"badreputation",
     "The receiver distrusts your sending IP address or domain. Send only mail people asked for, "
     "raise volume on new IP addresses slowly, and read the receiver's postmaster pages.",
     "收件端不信任您的寄信 IP 位址或網域(信譽不佳)。請只寄送對方要求的郵件,新的 IP 位址應逐步增加"
     "寄送量,並參閱收件端的 postmaster 說明頁。"},
    {"blocked",
     "Your sending server (its IP address or host name) is blocked by the receiver. Check the "
     "blocklists (for example Spamhaus), give the server a valid reverse DNS name, or send through "
     "your provider's SMTP server.",
     "您的寄信伺服器(IP 位址或主機名稱)遭收件端封鎖。請查詢是否被列入黑名單(例如 Spamhaus),為伺服器"
     "設定正確的反向 DNS 名稱,或改用服務商的 SMTP 伺服器寄信。"},
    {"contenterror",
     "The message's format or content is not acceptable (broken MIME, encoding or headers). Send "
     "it again from a standard mail program, without unusual formats.",
     "郵件的格式或內容不被接受(MIME、編碼或標頭有誤)。請以標準的郵件軟體重新寄送,避免特殊格式。"},
    {"delivered", "The message was delivered; nothing to do.", "郵件已成功送達,無需處理。"},
    {"exceedlimit",
     "The message is larger than this mailbox accepts. Send a smaller message and share big files "
     "as links.",
     "郵件超過此信箱允許的大小。請縮小郵件,大型檔案改以連結分享。"},
    {"expired",
     "The message could not be delivered before the retry period ran out. Check that the "
     "recipient's server is reachable and send again later.",
     "郵件在重試期限內未能送達。請確認收件端伺服器可以連線,並稍後再寄。"},
    {"failedstarttls",
     "The servers could not set up an encrypted (TLS) connection. Check the TLS certificates and "
     "settings on the sending side, or ask the recipient's administrator.",
     "雙方伺服器無法建立加密(TLS)連線。請檢查寄件端的 TLS 憑證與設定,或詢問收件端的管理者。"},
    {"feedback",
     "A recipient reported your message as spam. Remove that recipient from your list.",
     "收件者將您的郵件回報為垃圾郵件。請將該收件者從名單中移除。"},
    {"filtered",
     "A filter of the recipient (or of the domain) refused the message. Reach the recipient another "
     "way and ask them to allow your address.",
     "郵件遭收件者(或其網域)設定的過濾規則拒收。請以其他方式聯絡對方,請其將您的地址加入允許名單。"},
    {"hasmoved",
     "The mailbox has moved and mail is no longer forwarded. Ask the recipient for the new address "
     "and update your list.",
     "信箱已遷移且不再轉寄。請向收件者詢問新地址並更新名單。"},
    {"hostunknown",
     "The recipient's domain does not exist or has no mail server. Check the part after the '@' "
     "for typos; remove the address if the domain is gone.",
     "收件者的網域不存在或沒有郵件伺服器。請檢查「@」之後的網域是否拼錯;若該網域已不存在,請移除此地址。"},
    {"mailboxfull",
     "The recipient's mailbox is full. Send again later or reach the person another way; if it "
     "stays full, the mailbox is probably abandoned.",
     "收件者的信箱已滿。請稍後再寄,或以其他方式聯絡對方;若一直是滿的,該信箱可能已無人使用。"},
    {"mailererror",
     "The receiving side's local delivery program failed. Send again later and tell the "
     "recipient's administrator.",
     "收件端的本地投遞程式執行失敗。請稍後再寄,並通知對方的系統管理者。"},
    {"mesgtoobig",
     "The message is larger than the receiving system accepts. Make it smaller (share attachments "
     "as links) and send it again.",
     "郵件超過收件系統允許的大小。請縮小郵件(附件改以連結分享)後再寄。"},
    {"networkerror",
     "A network or DNS problem stopped delivery. It is usually temporary and your server retries; "
     "check DNS and connectivity if it persists.",
     "網路或 DNS 問題導致無法投遞。通常是暫時性的,伺服器會自動重試;若持續發生,請檢查 DNS 與網路連線。"},
    {"norelaying",
     "The server refuses to pass your mail on to another domain. Send through your own provider's "
     "SMTP server, log in to it (SMTP authentication) before sending, and put that provider's own "
     "address as the sender in your mail program's account settings. If you are not sending through "
     "it on purpose, check that the recipient domain's MX records point to the right server.",
     "該伺服器拒絕替您把郵件轉送到其他網域。請使用您自己服務商的 SMTP 伺服器寄信,寄信前先通過 SMTP "
     "認證,並在郵件軟體的「帳戶屬性」中填寫該服務商的正確信箱地址作為寄件者;若並非刻意經由此伺服器"
     "寄送,請檢查收件網域的 MX 記錄是否指向正確的伺服器。"},
    {"notaccept",
     "The receiving domain or host accepts no mail at all (for example it publishes a null MX). "
     "Stop sending to this address.",
     "收件網域或主機完全不接收郵件(例如設有 Null MX)。請停止寄送至此地址。"},
    {"notcompliantrfc",
     "The message does not follow the mail format standard (for example duplicated or malformed "
     "headers). Fix the sending software so its messages follow RFC 5322.",
     "郵件不符合郵件格式標準(例如標頭重複或格式錯誤)。請修正寄信程式,使郵件符合 RFC 5322。"},
    {"onhold",
     "The cause could not be decided yet. Read the reply text and check again later.",
     "目前尚無法判定原因。請閱讀回覆內容,並稍後再確認。"},
    {"policyviolation",
     "The message breaks a policy of the receiving side (content, attachments, DMARC or mailing "
     "list rules). Read the reply for the rule and change the message accordingly.",
     "郵件違反收件端的政策(內容、附件、DMARC 或郵件群組規則)。請依回覆內容找出規則並修改郵件。"},
    {"rejected",
     "The server refuses your sender address. Use a complete address of your own (name@domain) "
     "that belongs to the SMTP server you send through; if your address is on a block list, ask "
     "the recipient's administrator to allow it.",
     "伺服器拒絕了您的寄件者地址。請使用完整且屬於您自己的地址(名稱@網域),且須是您所使用 SMTP 伺服器"
     "的信箱;若您的地址被列入封鎖名單,請聯絡對方的管理者解除。"},
    {"requireptr",
     "Your sending server's IP address has no valid reverse DNS (PTR) name. Ask whoever runs the IP "
     "address to set a PTR record matching the server's name.",
     "您寄信伺服器的 IP 位址沒有有效的反向 DNS(PTR)名稱。請要求該 IP 位址的管理者設定與伺服器名稱"
     "相符的 PTR 記錄。"},
    {"securityerror",
     "The server wants you to log in first, or your login failed. Turn on \"my server requires "
     "authentication\" (SMTP AUTH) in your mail program, check the user name and password, and use "
     "the encrypted connection (STARTTLS or the port) your provider asks for.",
     "伺服器要求先通過認證,或您的登入失敗。請在郵件軟體中啟用「我的伺服器需要驗證」(SMTP 認證),"
     "確認帳號與密碼,並依服務商要求使用加密連線(STARTTLS 或指定的連接埠)。"},
    {"spamdetected",
     "The receiver judged the message to be spam. Remove spam-like wording and links, send only to "
     "people who asked for your mail, and set up SPF, DKIM and DMARC for your domain.",
     "收件端判定此郵件為垃圾郵件。請移除類似垃圾郵件的用語與連結,只寄給同意收信的對象,並為您的網域"
     "設定 SPF、DKIM 與 DMARC。"},
    {"speeding",
     "The receiver is limiting how fast you may send. Slow down and spread the sending over time.",
     "收件端限制了您的寄送速度。請放慢寄送,分散時間寄出。"},
    {"suppressed",
     "The address is on your own suppression list, so nothing was sent. Remove it from the list "
     "only if you know it works again.",
     "此地址在您自己的停止寄送名單中,因此未寄出。確定地址已恢復可用時,才將其從名單移除。"},
    {"suspend",
     "The mailbox exists but is disabled or suspended. Reach the recipient another way; stop "
     "sending if it stays disabled.",
     "信箱存在但已停用或暫停使用。請以其他方式聯絡收件者;若持續停用,請停止寄送。"},
    {"syntaxerror",
     "The SMTP conversation went wrong: a command was out of order, unknown or malformed (for "
     "example no HELO/EHLO first, or RCPT before MAIL). Check the mail program's server settings "
     "or fix the sending software; a current mail program usually does not do this.",
     "SMTP 對話出錯:命令順序錯誤、不被支援或格式錯誤(例如沒有先送出 HELO/EHLO,或在 MAIL 之前送出 "
     "RCPT)。請檢查郵件軟體的伺服器設定,或修正寄信程式;使用新版的郵件軟體通常就不會發生。"},
    {"systemerror",
     "The receiving system had an internal error. Nothing to change on your side: send again "
     "later, and tell the recipient's administrator if it persists.",
     "收件系統發生內部錯誤。您不需修改任何設定:請稍後再寄;若持續發生,請通知對方的系統管理者。"},
    {"systemfull",
     "The mail server that answered has run out of storage. Your message is fine: send it again "
     "later, and tell that server's administrator (your provider, if it is your outgoing server).",
     "回覆此訊息的郵件伺服器儲存空間不足。您的郵件沒有問題:請稍後再寄,並通知該伺服器的管理者"
     "(若是您寄信用的伺服器,請通知您的服務商)。"},
    {"toomanyconn",
     "You opened too many connections at once. Lower your sending concurrency; your server will "
     "retry.",
     "同時連線數過多。請降低同時寄送的連線數,伺服器會自動重試。"},
    {"undefined",
     "The reply does not say why delivery failed. Read the text; if it is still unclear, ask the "
     "recipient's postmaster, and try once more later.",
     "回覆中沒有說明失敗的原因。請閱讀回覆內容;若仍不清楚,請詢問對方的郵件管理者,並稍後再試一次。"},
    {"userunknown",
     "The address does not exist at the receiving side. Check it for typos; if it is right, the "
     "account is gone: remove it from your lists.",
     "收件地址不存在。請檢查地址是否拼錯;若地址無誤,表示該帳號已不存在,請將其從名單中移除。"},
    {"vacation",
     "This is an automatic reply (for example out of office), not a delivery failure.",
     "這是自動回覆(例如休假通知),並非投遞失敗。"},
    {"virusdetected",
     "The receiver found malware in the message. Scan your computer and the attachment, and send "
     "clean files or links instead.",
     "收件端在郵件中偵測到病毒或惡意程式。請掃描您的電腦與附件,改寄乾淨的檔案或連結。"},
};

// Reasons a reply code implies by itself, used only when classify found no rule. 50x replies are
// protocol errors (RFC 5321; Sisimai's own fallback too); 530/534/535/538 and 454/432 are SMTP AUTH
// replies of RFC 4954. SMTP AUTH failures are "securityerror", not "authfailure": in Sisimai's
// vocabulary authfailure means the MESSAGE failed SPF/DKIM/DMARC, while securityerror covers the
// server's security policy, including "authentication required/failed" (Sisimai's SecurityError
// phrases and its 5.7.8 -> securityerror status mapping). 521/556 (RFC 7504) say the host or
// domain accepts no mail: notaccept.
struct ReplyCodeReason {
  int first, last;
  std::string_view reason;
};
constexpr ReplyCodeReason kReplyCodeReasons[] = {
    {432, 432, "securityerror"}, {454, 454, "securityerror"}, {500, 507, "syntaxerror"},
    {521, 521, "notaccept"},     {530, 530, "securityerror"}, {534, 535, "securityerror"},
    {538, 538, "securityerror"}, {555, 555, "syntaxerror"},   {556, 556, "notaccept"},
};

std::string_view reason_for_reply_code(int code) {
  for (const auto& r : kReplyCodeReasons)
    if (code >= r.first && code <= r.last) return r.reason;
  return {};
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A reply code at the start of `line`: three digits, the first 2-5, followed by end, space, tab
// or '-'. Any second digit is accepted: explain takes non-standard codes like 580 at face value.
std::string_view leading_reply_code(std::string_view line) {
  if (line.size() < 3 || line[0] < '2' || line[0] > '5' || !is_digit(line[1]) || !is_digit(line[2]))
    return {};
  if (line.size() > 3 && line[3] != ' ' && line[3] != '-' && line[3] != '\t') return {};
  return line.substr(0, 3);
}

// A leading enhanced status token (followed by end or white space); "" if none.
std::string_view leading_status(std::string_view s) {
  std::size_t end = 0;
  while (end < s.size() && s[end] != ' ' && s[end] != '\t') ++end;
  const auto token = s.substr(0, end);
  return is_valid_status(token) ? token : std::string_view{};
}

struct ParsedReply {
  std::string code;
  std::string status;  // stated at the start of a line ("550 5.1.1 ...")
  std::string text;
};

ParsedReply parse_reply(std::string_view reply) {
  ParsedReply p;
  for (std::string_view line : text::lines(reply)) {
    line = text::trim(line);
    if (line.empty()) continue;
    const auto code = leading_reply_code(line);
    // The first line sets the code; continuation lines repeat it ("550-..." then "550 ...").
    if (!code.empty() && (p.code.empty() || code == p.code)) {
      if (p.code.empty()) p.code = std::string(code);
      line = text::trim(line.substr(3));
      if (!line.empty() && line[0] == '-') line = text::trim(line.substr(1));
      const auto status = leading_status(line);
      if (!status.empty()) {
        if (p.status.empty()) p.status = std::string(status);
        line = text::trim(line.substr(status.size()));
      }
    }
    if (line.empty()) continue;
    if (!p.text.empty()) p.text.push_back(' ');
    p.text.append(line);
  }
  p.text = text::fold_space(p.text);
  // A reply pasted with something in front ("host said: 550 ..."): find the code inside.
  if (p.code.empty()) p.code = text::find_reply_code(p.text);
  if (p.status.empty()) p.status = text::find_status(p.text);
  return p;
}

int code_number(std::string_view code) {
  return code.size() == 3 ? (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0') : 0;
}

}  // namespace

const ReasonAdvice* find_reason_advice(std::string_view reason) {
  for (const auto& a : kAdvice)
    if (a.reason == reason) return &a;
  return nullptr;
}

Explanation explain_reply(std::string_view reply) {
  Explanation e;
  if (reply.size() > kMaxExplainReplyBytes) {
    e.error = "reply is longer than " + std::to_string(kMaxExplainReplyBytes) + " bytes";
    return e;
  }
  if (text::trim(reply).empty()) {
    e.error = "empty reply";
    return e;
  }
  ParsedReply p = parse_reply(reply);
  if (p.text.empty() && p.code.empty() && p.status.empty()) {
    e.error = "no reply text";
    return e;
  }
  e.ok = true;
  e.reply_code = p.code;
  e.text = p.text;
  const int code = code_number(p.code);
  const ReplyCodeInfo* code_info = code ? find_reply_code(code) : nullptr;
  e.reply_code_registered = code_info != nullptr;
  if (code_info) {
    e.reply_meaning_en = code_info->text_en;
    e.reply_meaning_zh = code_info->text_zh;
  }

  // 2xx/3xx replies are not failures: no classify run.
  const char first = !p.code.empty() ? p.code[0] : (!p.status.empty() ? p.status[0] : '5');
  if (first == '3') {
    e.status_class = "intermediate";
    e.status_class_zh = "中間回覆";
    e.reason = "";
    e.decided_by = "replycode:" + p.code;
    e.advice_en = "An intermediate reply: the server waits for more input. Nothing failed.";
    e.advice_zh = "這是中間回覆:伺服器正在等待後續資料,並非錯誤。";
    return e;
  }

  RecipientResult r;
  r.reply_code = p.code;
  r.diagnostic_code = p.code;
  if (!p.status.empty()) {
    r.diagnostic_code += (r.diagnostic_code.empty() ? "" : " ") + p.status;
    r.status = p.status;
    e.status_source = "reply";
  } else if (code_info && !code_info->implied_status.empty()) {
    r.status = std::string(code_info->implied_status);
    e.status_source = "reply-code";
  } else if (first == '2') {
    r.status = "2.0.0";
    e.status_source = "class";
  }
  if (!p.text.empty()) r.diagnostic_code += (r.diagnostic_code.empty() ? "" : " ") + p.text;
  if (first == '4') r.action = "delayed";

  ClassifyContext ctx;
  ctx.scanner = "explain";
  ctx.text_only = true;  // a bare reply: no DSN, no SMTP command
  classify_recipient(r, ctx);

  // Only where classify had no rule does the reply code itself decide.
  if (r.decided_by.starts_with("fallback:")) {
    const auto by_code = reason_for_reply_code(code);
    if (!by_code.empty()) {
      r.reason = std::string(by_code);
      r.decided_by = "replycode:" + p.code;
      r.hard_bounce = is_hard_bounce(r.reason, r.status);
    }
  }
  if (e.status_source.empty() && !r.status.empty()) e.status_source = "reason";
  if (r.status.empty() || (code && r.status[0] != first && e.status_source != "reply")) {
    // Either nothing fits, or the reason's typical status contradicts the reply's class.
    const auto typical = status_for_reason(r.reason, first != '4');
    r.status = !typical.empty() && typical[0] == first ? std::string(typical)
                                                       : std::string(1, first) + ".0.0";
    e.status_source = !typical.empty() && typical[0] == first ? "reason" : "class";
    r.hard_bounce = is_hard_bounce(r.reason, r.status);
  }

  e.status = r.status;
  e.status_class = status_class_name(e.status);
  e.status_class_zh = status_class_name_zh(e.status);
  e.subject = status_subject_name(e.status);
  e.subject_zh = status_subject_name_zh(e.status);
  e.reason = r.reason;
  e.decided_by = r.decided_by;
  e.hard_bounce = r.hard_bounce;
  if (const auto* s = find_enhanced_status(e.status)) {
    e.status_title_en = s->title_en;
    e.status_title_zh = s->title_zh;
    e.status_description = s->description;
  }
  if (const auto* a = find_reason_advice(e.reason)) {
    e.advice_en = a->en;
    e.advice_zh = a->zh;
  }
  return e;
}

std::string explanation_text(const Explanation& e) {
  if (!e.ok) return "error: " + e.error + "\n";
  std::string o;
  auto line = [&](std::string_view label, std::string_view value) {
    if (value.empty()) return;
    o.append(label);
    o.append(value);
    o.push_back('\n');
  };
  std::string code = e.reply_code.empty() ? std::string("(none)") : e.reply_code;
  if (!e.reply_code.empty() && !e.reply_code_registered) code += " (not a standard reply code)";
  line("Reply code:   ", code);
  std::string status = e.status;
  if (!e.status_source.empty() && e.status_source != "reply")
    status += " (inferred from the " +
              std::string(e.status_source == "reply-code" ? "reply code" : e.status_source) + ")";
  line("Status:       ", status);
  std::string cls(e.status_class);
  if (!e.status_class_zh.empty()) cls += " / " + std::string(e.status_class_zh);
  line("Class:        ", cls);
  std::string subject(e.subject);
  if (!e.subject_zh.empty()) subject += " / " + std::string(e.subject_zh);
  line("Subject:      ", subject);
  if (!e.reason.empty()) {
    line("Reason:       ", e.reason + " (" + e.decided_by + ")");
    line("Bounce:       ", e.hard_bounce ? "hard (the address itself is dead: stop sending to it)"
                         : e.status_class == "success" ? "none (delivered)"
                                                       : "soft (the address may be fine: fix the cause or retry)");
  }
  if (!e.reply_meaning_en.empty()) {
    line("Reply means:  ", e.reply_meaning_en);
    line("              ", e.reply_meaning_zh);
  }
  if (!e.status_title_en.empty()) {
    line("Status means: ", std::string(e.status_title_en) + ". " + std::string(e.status_description));
    line("              ", e.status_title_zh);
  }
  line("Advice:       ", e.advice_en);
  line("建議:         ", e.advice_zh);
  return o;
}

std::string explanation_json(const Explanation& e) {
  std::string o;
  o.reserve(1024);
  bool first = true;
  auto key = [&](std::string_view k) {
    o += first ? "{" : ", ";
    first = false;
    append_json_string(o, k);
    o += ": ";
  };
  auto str = [&](std::string_view k, std::string_view v) {
    key(k);
    append_json_string(o, v);
  };
  auto boolean = [&](std::string_view k, bool v) {
    key(k);
    o += v ? "true" : "false";
  };
  boolean("ok", e.ok);
  if (!e.ok) {
    str("error", e.error);
    return o + "}";
  }
  str("reply_code", e.reply_code);
  boolean("reply_code_registered", e.reply_code_registered);
  str("text", e.text);
  str("status", e.status);
  str("status_source", e.status_source);
  str("status_class", e.status_class);
  str("status_class_zh", e.status_class_zh);
  str("status_subject", e.subject);
  str("status_subject_zh", e.subject_zh);
  str("reason", e.reason);
  str("decided_by", e.decided_by);
  boolean("hard_bounce", e.hard_bounce);
  str("reply_meaning_en", e.reply_meaning_en);
  str("reply_meaning_zh", e.reply_meaning_zh);
  str("status_title_en", e.status_title_en);
  str("status_title_zh", e.status_title_zh);
  str("status_description", e.status_description);
  str("advice_en", e.advice_en);
  str("advice_zh", e.advice_zh);
  return o + "}";
}

}  // namespace bounced
