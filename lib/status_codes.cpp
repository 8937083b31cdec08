// status_codes.cpp: the IANA "SMTP Enhanced Status Codes" registry (RFC 3463 and the RFCs that
// added codes: 3886, 4468, 4954, 5248, 6531, 6710, 7293, 7372, 7505, 8617, 8689) and the SMTP reply
// codes of RFC 5321 / 4954 / 7504, as constant tables. Titles are the registry's; descriptions are
// our own one-sentence summaries. Chinese titles come from the project seed (with its known slips
// fixed: X.1.5 means the address is VALID, X.1.8 係→系, X.4.0 路郵→路由) or are our translations.
#include "status_codes.hpp"

#include <algorithm>
#include <array>

namespace bounced {
namespace {

struct StatusParts {
  char cls = 0;
  int subject = -1;
  int detail = -1;
};

// One RFC 3463 number: "0" or 1-3 digits without a leading zero. Advances `i`.
constexpr bool parse_number(std::string_view s, std::size_t& i, int& out) {
  const std::size_t start = i;
  int value = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 4) {
    value = value * 10 + (s[i] - '0');
    ++i;
  }
  const std::size_t len = i - start;
  if (len == 0 || len > 3) return false;
  if (len > 1 && s[start] == '0') return false;
  out = value;
  return true;
}

// "c.s.d" with c any single character (the caller checks it); false if malformed.
constexpr bool parse_status(std::string_view s, StatusParts& p) {
  if (s.size() < 5 || s[1] != '.') return false;
  p.cls = s[0];
  std::size_t i = 2;
  if (!parse_number(s, i, p.subject)) return false;
  if (i >= s.size() || s[i] != '.') return false;
  ++i;
  if (!parse_number(s, i, p.detail)) return false;
  return i == s.size();
}

constexpr StatusParts parts_of(std::string_view code) {
  StatusParts p;
  parse_status(code, p);
  return p;
}

constexpr bool status_less(const StatusParts& a, const StatusParts& b) {
  return a.subject != b.subject ? a.subject < b.subject : a.detail < b.detail;
}

// Sorted by subject, then detail (checked at compile time below).
constexpr EnhancedStatusInfo kEnhancedStatuses[] = {
    {"X.0.0", "Other undefined Status", "其它未定義的狀態",
     "Only the class of the problem is known; no more specific code applies.", "RFC 3463"},
    // X.1.*: addressing
    {"X.1.0", "Other address status", "其它郵件地址問題",
     "Something about an address in the message (sender or recipient) caused this report.", "RFC 3463"},
    {"X.1.1", "Bad destination mailbox address", "收件地址信箱錯誤",
     "The mailbox named left of the '@' does not exist at the destination.", "RFC 3463"},
    {"X.1.2", "Bad destination system address", "收件地址系統錯誤",
     "The domain right of the '@' does not exist or cannot accept mail.", "RFC 3463"},
    {"X.1.3", "Bad destination mailbox address syntax", "收件地址信箱句法錯誤",
     "The recipient address is not syntactically valid.", "RFC 3463"},
    {"X.1.4", "Destination mailbox address ambiguous", "收件地址信箱不清",
     "The recipient address matches more than one mailbox at the destination.", "RFC 3463"},
    {"X.1.5", "Destination address valid", "收件地址有效",
     "The recipient address is valid; used in positive delivery reports.", "RFC 3463"},
    {"X.1.6", "Destination mailbox has moved, No forwarding address", "信箱已遷移,且無轉寄地址",
     "The address was once valid but no longer accepts mail and has no forwarding address.",
     "RFC 3463"},
    {"X.1.7", "Bad sender's mailbox address syntax", "寄件者信箱句法錯誤",
     "The sender address is not syntactically valid.", "RFC 3463"},
    {"X.1.8", "Bad sender's system address", "寄件者系統錯誤",
     "The sender's domain does not exist or cannot accept returned mail.", "RFC 3463"},
    {"X.1.9", "Message relayed to non-compliant mailer", "郵件已轉送至不支援此協定的郵件系統",
     "The address was valid, but the message went on to a system that cannot report further status.",
     "RFC 3886"},
    {"X.1.10", "Recipient address has null MX", "收件地址的網域設有 Null MX(不收信)",
     "The recipient's domain publishes a null MX record: it accepts no mail at all.", "RFC 7505"},
    // X.2.*: mailbox
    {"X.2.0", "Other or undefined mailbox status", "其它或未定義的收件者信箱問題",
     "The mailbox exists, but something about it caused this report.", "RFC 3463"},
    {"X.2.1", "Mailbox disabled, not accepting messages", "信箱無法運作,無法接收信件",
     "The mailbox exists but does not accept messages, for now or for good.", "RFC 3463"},
    {"X.2.2", "Mailbox full", "信箱已滿",
     "The recipient is over a per-mailbox quota or out of space; deleting mail would free room.",
     "RFC 3463"},
    {"X.2.3", "Message length exceeds administrative limit", "郵件長度超出管理者限制",
     "The message is larger than the size limit set for this mailbox.", "RFC 3463"},
    {"X.2.4", "Mailing list expansion problem", "此信箱屬於特定郵件群組,但群組無法開展",
     "The address is a mailing list that could not be expanded.", "RFC 3463"},
    // X.3.*: mail system
    {"X.3.0", "Other or undefined mail system status", "其它或未定義的郵件系統問題",
     "The destination system normally accepts mail, but something about it caused this report.",
     "RFC 3463"},
    {"X.3.1", "Mail system full", "郵件系統儲存空間已滿",
     "The destination system has run out of storage, beyond what a single user can free.", "RFC 3463"},
    {"X.3.2", "System not accepting network messages", "主機無法接收信件,可能暫時關機、維修等",
     "The destination host is not accepting mail (shutdown, overload or maintenance).", "RFC 3463"},
    {"X.3.3", "System not capable of selected features", "指定的郵件特徵無法為收件主機所接收",
     "The destination system does not support features the message requires.", "RFC 3463"},
    {"X.3.4", "Message too big for system", "郵件大小超出郵件系統限制",
     "The message is larger than the destination system's per-message size limit.", "RFC 3463"},
    {"X.3.5", "System incorrectly configured", "系統設定錯誤,無法接收郵件",
     "The destination system is not configured in a way that lets it accept this message.",
     "RFC 3463"},
    {"X.3.6", "Requested priority was changed", "要求的優先等級已被變更",
     "The message was accepted, but at a different priority than the one requested.", "RFC 6710"},
    // X.4.*: network and routing
    {"X.4.0", "Other or undefined network or routing status", "其它或未定義的網絡與路由設定問題",
     "Something went wrong in the network or in routing, and no more specific code applies.",
     "RFC 3463"},
    {"X.4.1", "No answer from host", "主機無響應",
     "The connection attempt to the next host was not answered.", "RFC 3463"},
    {"X.4.2", "Bad connection", "聯機錯誤",
     "A connection was made but the transaction could not be completed (time-out or poor link).",
     "RFC 3463"},
    {"X.4.3", "Directory server failure", "網絡系統無法轉送郵件,例如無法聯機到DNS伺服器",
     "A directory server such as DNS could not be reached, so the message could not be forwarded.",
     "RFC 3463"},
    {"X.4.4", "Unable to route", "郵件系統所需的路由信息不足,無法決定傳送路由",
     "The routing information needed to find the next hop (for example MX records) is missing.",
     "RFC 3463"},
    {"X.4.5", "Mail system congestion", "郵件系統壅塞",
     "The mail system was too congested to deliver the message for now.", "RFC 3463"},
    {"X.4.6", "Routing loop detected", "郵件因錯誤的路由設定,多次遶行而無法傳送",
     "The message was forwarded in a loop too many times.", "RFC 3463"},
    {"X.4.7", "Delivery time expired", "郵件滯留主機過久",
     "The message stayed in the queue too long (or outlived its time-to-live) and was given up.",
     "RFC 3463"},
    // X.5.*: mail delivery protocol
    {"X.5.0", "Other or undefined protocol status", "其它或未定義的通訊協議問題",
     "Something went wrong in the mail protocol exchange, and no more specific code applies.",
     "RFC 3463"},
    {"X.5.1", "Invalid command", "命令無效",
     "A protocol command was sent out of sequence or is not supported.", "RFC 3463"},
    {"X.5.2", "Syntax error", "郵件傳送協議的句法錯誤",
     "A protocol command could not be understood: wrong syntax or unknown command.", "RFC 3463"},
    {"X.5.3", "Too many recipients", "太多收件者",
     "The message named more recipients than the protocol exchange could take.", "RFC 3463"},
    {"X.5.4", "Invalid command arguments", "命令參數錯誤",
     "A valid command was given arguments that are out of range or not supported.", "RFC 3463"},
    {"X.5.5", "Wrong protocol version", "錯誤的通訊協議版本",
     "The two sides could not agree on a protocol version.", "RFC 3463"},
    {"X.5.6", "Authentication Exchange line is too long", "認證交換的資料行過長",
     "An AUTH response from the client was longer than the server accepts.", "RFC 4954"},
    // X.6.*: message content or media
    {"X.6.0", "Other or undefined media error", "其它或未定義的媒介問題",
     "Something about the message content made it undeliverable, and no more specific code applies.",
     "RFC 3463"},
    {"X.6.1", "Media not supported", "傳送協議或轉送郵件的系統不支持該媒介",
     "The message's media type is not supported on the delivery path.", "RFC 3463"},
    {"X.6.2", "Conversion required and prohibited", "郵件內容在傳送之前必需經過轉換動作,但該動作不被允許",
     "The content would have to be converted to be delivered, but conversion is not allowed.",
     "RFC 3463"},
    {"X.6.3", "Conversion required but not supported", "郵件內容在轉送之前須經過轉換動作,但無法執行",
     "The content would have to be converted to be delivered, but that conversion is not possible.",
     "RFC 3463"},
    {"X.6.4", "Conversion with loss performed", "郵件傳送成功,但部份內容因無法轉換而遺失",
     "The message was delivered, but converting it lost some of the content.", "RFC 3463"},
    {"X.6.5", "Conversion Failed", "轉換動作失敗",
     "A content conversion needed for delivery failed.", "RFC 3463"},
    {"X.6.6", "Message content not available", "無法取得郵件內容",
     "The message content could not be fetched from where it was referenced (BURL).", "RFC 4468"},
    {"X.6.7", "Non-ASCII addresses not permitted for that sender/recipient",
     "該寄件者或收件者不允許使用非 ASCII 地址",
     "An internationalised (non-ASCII) address is not allowed for this sender or recipient.",
     "RFC 6531"},
    {"X.6.8", "UTF-8 string reply is required, but not permitted by the SMTP client",
     "必須以 UTF-8 字串回覆,但 SMTP 用戶端不允許",
     "The server would need to answer in UTF-8, which the client did not allow.", "RFC 6531"},
    {"X.6.9", "UTF-8 header message cannot be transferred to one or more recipients",
     "含 UTF-8 標頭的郵件無法傳送給部份收件者,因此遭退回",
     "A message with UTF-8 headers could not be passed on to some recipients and is rejected.",
     "RFC 6531"},
    {"X.6.10", "UTF-8 string reply is required, but not permitted by the SMTP client (deprecated)",
     "必須以 UTF-8 字串回覆,但 SMTP 用戶端不允許(已廢止,同 X.6.8)",
     "A duplicate registration of X.6.8, kept only so old reports can be read.", "RFC 6531"},
    // X.7.*: security or policy
    {"X.7.0", "Other or undefined security status", "其它安全或郵件監控規則問題",
     "A security or policy matter caused this report, and no more specific code applies.",
     "RFC 3463"},
    {"X.7.1", "Delivery not authorized, message refused", "寄件者無授權傳送信件",
     "The sender is not allowed to send to this destination (per-host or per-recipient policy).",
     "RFC 3463"},
    {"X.7.2", "Mailing list expansion prohibited", "寄件者無授權寄信予該郵件群組",
     "The sender is not allowed to send to this mailing list.", "RFC 3463"},
    {"X.7.3", "Security conversion required but not possible", "需要進行安全性轉換,但無法執行",
     "The message would need a security conversion that cannot be done on this path.", "RFC 3463"},
    {"X.7.4", "Security features not supported", "郵件含有安全特徵如認證措施,但不為傳送協議所接受",
     "The message asks for security features the delivery path does not support.", "RFC 3463"},
    {"X.7.5", "Cryptographic failure", "經授權得以認證或解密該郵件的系統無法完成該動作,因所需信息不完全",
     "A system that should verify or decrypt the message could not, for lack of key material.",
     "RFC 3463"},
    {"X.7.6", "Cryptographic algorithm not supported", "經授權得以認證或解密該郵件的系統無法完成該動作,因算法不支持",
     "A system that should verify or decrypt the message does not support its algorithm.",
     "RFC 3463"},
    {"X.7.7", "Message integrity failure", "經授權得以認證該郵件的系統無法完成該動作,因郵件已損毀",
     "The message failed its integrity check: it was corrupted or altered on the way.", "RFC 3463"},
    {"X.7.8", "Authentication credentials invalid", "認證資料(帳號或密碼)無效",
     "SMTP authentication failed: the user name or password (or other credential) is wrong.",
     "RFC 4954"},
    {"X.7.9", "Authentication mechanism is too weak", "認證機制強度不足",
     "The chosen authentication mechanism is weaker than the server's policy allows.", "RFC 4954"},
    {"X.7.10", "Encryption Needed", "需要加密連線",
     "The server requires an encrypted connection (for example STARTTLS) for this.", "RFC 5248"},
    {"X.7.11", "Encryption required for requested authentication mechanism",
     "所要求的認證機制必須在加密連線下使用",
     "This authentication mechanism may only be used over an encrypted connection.", "RFC 4954"},
    {"X.7.12", "A password transition is needed", "需要進行密碼轉換",
     "The user must first authenticate once with a plain mechanism to set up this one.", "RFC 4954"},
    {"X.7.13", "User Account Disabled", "使用者帳號已停用",
     "The account exists but has been disabled.", "RFC 5248"},
    {"X.7.14", "Trust relationship required", "需要建立信任關係",
     "The server needs a configured trust relationship with a third party to do this.", "RFC 5248"},
    {"X.7.15", "Priority Level is too low", "優先等級過低",
     "The requested message priority is lower than the server will accept now.", "RFC 6710"},
    {"X.7.16", "Message is too big for the specified priority", "以指定的優先等級而言郵件過大",
     "Messages of this size are not accepted at the requested priority.", "RFC 6710"},
    {"X.7.17", "Mailbox owner has changed", "信箱擁有者已變更",
     "The mailbox has changed hands since the time the sender gave, so the message is refused.",
     "RFC 7293"},
    {"X.7.18", "Domain owner has changed", "網域擁有者已變更",
     "The domain has changed hands since the time the sender gave, so the message is refused.",
     "RFC 7293"},
    {"X.7.19", "RRVS test cannot be completed", "無法完成 RRVS 檢查",
     "The server cannot check whether the recipient existed continuously since the given time.",
     "RFC 7293"},
    {"X.7.20", "No passing DKIM signature found", "找不到通過驗證的 DKIM 簽章",
     "The message carries no DKIM signature that verifies.", "RFC 7372"},
    {"X.7.21", "No acceptable DKIM signature found", "找不到可接受的 DKIM 簽章",
     "DKIM signatures verified, but none meets the receiver's policy.", "RFC 7372"},
    {"X.7.22", "No valid author-matched DKIM signature found", "找不到與作者網域相符的有效 DKIM 簽章",
     "No verifying DKIM signature matches the domain of the From address.", "RFC 7372"},
    {"X.7.23", "SPF validation failed", "SPF 驗證失敗",
     "The sending host is not allowed by the sender domain's SPF record.", "RFC 7372"},
    {"X.7.24", "SPF validation error", "SPF 驗證發生錯誤",
     "Checking the sender domain's SPF record failed with an error.", "RFC 7372"},
    {"X.7.25", "Reverse DNS validation failed", "反向 DNS 驗證失敗",
     "The sending host's IP address has no matching reverse DNS name.", "RFC 7372"},
    {"X.7.26", "Multiple authentication checks failed", "多項寄件認證檢查失敗",
     "The message failed more than one sender-authentication check (SPF, DKIM, ...).", "RFC 7372"},
    {"X.7.27", "Sender address has null MX", "寄件者地址的網域設有 Null MX(不收信)",
     "The sender's domain publishes a null MX record, so replies could never reach it.", "RFC 7505"},
    {"X.7.28", "Mail flood detected", "偵測到大量濫發郵件",
     "The message looks like part of a flood of similar messages and is refused.",
     "IANA registry"},
    {"X.7.29", "ARC validation failure", "ARC 驗證失敗",
     "The message's Authenticated Received Chain (ARC) did not validate.", "RFC 8617"},
    {"X.7.30", "REQUIRETLS support required", "需要支援 REQUIRETLS",
     "The message demands REQUIRETLS, which the next hop does not support.", "RFC 8689"},
};

constexpr bool statuses_sorted() {
  for (std::size_t i = 1; i < std::size(kEnhancedStatuses); ++i) {
    const auto a = parts_of(kEnhancedStatuses[i - 1].code);
    const auto b = parts_of(kEnhancedStatuses[i].code);
    if (a.subject < 0 || b.subject < 0 || !status_less(a, b)) return false;
  }
  return true;
}
static_assert(statuses_sorted(), "kEnhancedStatuses must be valid codes sorted by subject.detail");

struct SubjectName {
  std::string_view en, zh;
};
constexpr SubjectName kSubjects[] = {
    {"other or undefined", "其它或未定義的狀態"},
    {"addressing", "郵件地址問題"},
    {"mailbox", "收件者信箱問題"},
    {"mail system", "目的地郵件系統問題"},
    {"network and routing", "網絡與路由問題"},
    {"mail delivery protocol", "郵件傳送協議問題"},
    {"message content or media", "郵件內容或媒介問題"},
    {"security or policy", "安全或郵件監控規則問題"},
};

// Sorted by code.
constexpr ReplyCodeInfo kReplyCodes[] = {
    {211, "System status, or system help reply", "系統狀態或系統說明回覆", "RFC 5321", ""},
    {214, "Help message", "說明訊息", "RFC 5321", ""},
    {220, "<domain> Service ready", "<網域> 服務已就緒", "RFC 5321", ""},
    {221, "<domain> Service closing transmission channel", "<網域> 服務結束,關閉傳送管道", "RFC 5321",
     ""},
    {250, "Requested mail action okay, completed", "要求的郵件動作已完成", "RFC 5321", ""},
    {251, "User not local; will forward to <forward-path>", "使用者不在本地端,將轉寄至 <轉送路徑>",
     "RFC 5321", ""},
    {252, "Cannot VRFY user, but will accept message and attempt delivery",
     "無法確認使用者,但會接收郵件並嘗試傳送", "RFC 5321", ""},
    {354, "Start mail input; end with <CRLF>.<CRLF>", "開始輸入郵件內容,以 <CRLF>.<CRLF> 結束",
     "RFC 5321", ""},
    {421, "<domain> Service not available, closing transmission channel",
     "括號內的主機無法提供正常服務,關閉傳送管道,郵件將滯留在主機上", "RFC 5321", ""},
    {432, "A password transition is needed", "需要進行密碼轉換", "RFC 4954", "4.7.12"},
    {450, "Requested mail action not taken: mailbox unavailable",
     "所要求的郵件動作無法執行:郵件信箱無法提供服務,郵件將滯留在主機上", "RFC 5321", ""},
    {451, "Requested action aborted: local error in processing", "要求動作中斷:本地端錯誤", "RFC 5321",
     ""},
    {452, "Requested action not taken: insufficient system storage", "要求動作無法執行:系統空間不足",
     "RFC 5321", ""},
    {454, "Temporary authentication failure", "暫時性的認證失敗", "RFC 4954", "4.7.0"},
    {455, "Server unable to accommodate parameters", "伺服器無法接受所給的參數", "RFC 5321", ""},
    {500, "Syntax error, command unrecognized", "句法錯誤,無法辨識的命令", "RFC 5321", ""},
    {501, "Syntax error in parameters or arguments", "參數的句法錯誤", "RFC 5321", ""},
    {502, "Command not implemented", "命令未實作", "RFC 5321", ""},
    {503, "Bad sequence of commands", "命令順序錯誤", "RFC 5321", ""},
    {504, "Command parameter not implemented", "命令參數未實作", "RFC 5321", ""},
    {521, "Host does not accept mail", "主機不接收郵件", "RFC 7504", "5.3.2"},
    {530, "Authentication required", "必須先通過認證", "RFC 4954", "5.7.0"},
    {534, "Authentication mechanism is too weak", "認證機制強度不足", "RFC 4954", "5.7.9"},
    {535, "Authentication credentials invalid", "認證資料(帳號或密碼)無效", "RFC 4954", "5.7.8"},
    {538, "Encryption required for requested authentication mechanism",
     "所要求的認證機制必須在加密連線下使用", "RFC 4954", "5.7.11"},
    {550, "Requested action not taken: mailbox unavailable",
     "所要求動作無法執行:信箱不存在,郵件將退回給寄件者", "RFC 5321", ""},
    {551, "User not local; please try <forward-path>",
     "郵件伺服器知道使用者不屬於本地端,將嘗試括號內的轉送路徑", "RFC 5321", ""},
    {552, "Requested mail action aborted: exceeded storage allocation",
     "所要求的動作中斷:超出所分配的儲存空間,郵件將退回給寄件者", "RFC 5321", ""},
    {553, "Requested action not taken: mailbox name not allowed",
     "所要求的動作未執行:信箱不允許該動作執行", "RFC 5321", ""},
    {554, "Transaction failed (or, at connection time, no SMTP service here)", "傳送失敗", "RFC 5321",
     ""},
    {555, "MAIL FROM/RCPT TO parameters not recognized or not implemented",
     "無法辨識或未實作的 MAIL FROM/RCPT TO 參數", "RFC 5321", ""},
    {556, "Domain does not accept mail", "該網域不接收郵件", "RFC 7504", "5.1.10"},
};

constexpr bool replies_sorted() {
  for (std::size_t i = 1; i < std::size(kReplyCodes); ++i)
    if (kReplyCodes[i - 1].code >= kReplyCodes[i].code) return false;
  return true;
}
static_assert(replies_sorted(), "kReplyCodes must be sorted by code");

// Subject of a status whose class we do not check ("X.1.1" and "5.1.1" alike); -1 if malformed.
int subject_of(std::string_view status) {
  StatusParts p;
  return parse_status(status, p) ? p.subject : -1;
}

}  // namespace

const EnhancedStatusInfo* find_enhanced_status(std::string_view status) {
  StatusParts key;
  if (!parse_status(status, key)) return nullptr;
  if (key.cls != '2' && key.cls != '4' && key.cls != '5' && key.cls != 'X' && key.cls != 'x')
    return nullptr;
  const auto* first = std::begin(kEnhancedStatuses);
  const auto* last = std::end(kEnhancedStatuses);
  const auto* it = std::lower_bound(first, last, key, [](const EnhancedStatusInfo& e, const StatusParts& k) {
    return status_less(parts_of(e.code), k);
  });
  if (it == last) return nullptr;
  const auto found = parts_of(it->code);
  return found.subject == key.subject && found.detail == key.detail ? it : nullptr;
}

std::span<const EnhancedStatusInfo> enhanced_status_table() { return kEnhancedStatuses; }

std::string_view status_class_name(std::string_view s) {
  if (s.empty()) return "";
  return s[0] == '2' ? "success" : s[0] == '4' ? "transient" : s[0] == '5' ? "permanent" : "";
}

std::string_view status_class_name_zh(std::string_view s) {
  if (s.empty()) return "";
  return s[0] == '2' ? "成功" : s[0] == '4' ? "暫時性失敗" : s[0] == '5' ? "永久性失敗" : "";
}

std::string_view status_subject_name(std::string_view status) {
  const int subject = subject_of(status);
  return subject >= 0 && subject < static_cast<int>(std::size(kSubjects)) ? kSubjects[subject].en : "";
}

std::string_view status_subject_name_zh(std::string_view status) {
  const int subject = subject_of(status);
  return subject >= 0 && subject < static_cast<int>(std::size(kSubjects)) ? kSubjects[subject].zh : "";
}

const ReplyCodeInfo* find_reply_code(int code) {
  const auto* first = std::begin(kReplyCodes);
  const auto* last = std::end(kReplyCodes);
  const auto* it = std::lower_bound(first, last, code, [](const ReplyCodeInfo& e, int c) { return e.code < c; });
  return it != last && it->code == code ? it : nullptr;
}

std::span<const ReplyCodeInfo> reply_code_table() { return kReplyCodes; }

bool is_valid_status(std::string_view s) {
  StatusParts p;
  return parse_status(s, p) && (p.cls == '2' || p.cls == '4' || p.cls == '5');
}

}  // namespace bounced
