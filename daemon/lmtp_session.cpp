// lmtp_session.cpp: see lmtp_session.hpp. Reply texts follow RFC 5321/2033 with RFC 3463 enhanced
// status codes.
#include "lmtp_session.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace bounced {
namespace {

// Dropping this much of one command line without finding its end is abuse: close.
constexpr std::size_t kMaxDiscardFactor = 64;
// Reserved for the message text at DATA: a typical bounce, or the MAIL SIZE= but at most kMaxReserve
// (a SIZE= promise costs no memory before the bytes come).
constexpr std::size_t kTypicalMessage = 16384;
constexpr std::size_t kMaxReserve = 65536;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x >= 'A' && x <= 'Z' ? x + 32 : x) == (y >= 'A' && y <= 'Z' ? y + 32 : y);
         });
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Splits "<path> PARAMS" after "FROM:" / "TO:". Returns false on bad syntax.
bool split_path(std::string_view args, std::string_view& path, std::string_view& params) {
  args = trim(args);
  if (args.empty() || args.front() != '<') return false;
  // A quoted local part may hold '>' or spaces: skip quoted strings when looking for the end.
  bool quoted = false;
  std::size_t end = std::string_view::npos;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == '\\' && quoted) {
      ++i;
    } else if (args[i] == '"') {
      quoted = !quoted;
    } else if (args[i] == '>' && !quoted) {
      end = i;
      break;
    }
  }
  if (end == std::string_view::npos) return false;
  path = args.substr(1, end - 1);
  params = trim(args.substr(end + 1));
  if (!params.empty() && args[end + 1] != ' ') return false;
  return path.find_first_of("<>\r\n") == std::string_view::npos;
}

}  // namespace

LmtpSession::LmtpSession(LmtpLimits limits, std::string hostname) : limits_(limits), hostname_(std::move(hostname)) {}

std::string LmtpSession::greeting() const { return "220 " + hostname_ + " LMTP bounced ready\r\n"; }

void LmtpSession::reset_transaction() {
  mail_from_.clear();
  recipients_.clear();
  // A typical message's room is kept for the next one (no allocation and free per message, no
  // page faults on fresh memory); more is given back.
  message_.clear();
  if (message_.capacity() > kTypicalMessage) message_.shrink_to_fit();
  body_error_ = BodyError::none;
  declared_size_ = 0;
}

void LmtpSession::abort(std::string_view reply, std::string& out) {
  out.append(reply);
  out += "\r\n";
  state_ = State::quit;
}

void LmtpSession::syntax_error(std::string_view reply, std::string& out) {
  out.append(reply);
  out += "\r\n";
  if (++errors_ >= limits_.max_errors) abort("421 4.7.0 Too many errors, closing connection", out);
}

LmtpSession::Action LmtpSession::feed(std::string_view& in, std::string& out) {
  for (;;) {
    switch (state_) {
      case State::quit:
        return Action::close;
      case State::commit:
        return Action::message_ready;
      case State::body: {
        const Action a = feed_body(in, out);
        if (a != Action::need_input || state_ != State::body) {
          if (state_ == State::commit) return Action::message_ready;
          continue;
        }
        return a;
      }
      case State::line_too_long: {
        const auto lf = in.find('\n');
        if (lf == std::string_view::npos) {
          discarded_ += in.size();
          in = {};
          if (discarded_ > kMaxDiscardFactor * limits_.max_line_length) {
            abort("421 4.7.0 Line too long, closing connection", out);
            return Action::close;
          }
          return Action::need_input;
        }
        in.remove_prefix(lf + 1);
        state_ = resume_state_;
        syntax_error("500 5.5.2 Line too long", out);
        continue;
      }
      case State::connected:
      case State::ready:
      case State::mail: {
        const auto lf = in.find('\n');
        if (lf == std::string_view::npos) {
          if (in.size() >= limits_.max_line_length) {  // cannot end within the limit any more
            resume_state_ = state_;
            state_ = State::line_too_long;
            discarded_ = 0;
            continue;
          }
          return Action::need_input;
        }
        if (lf + 1 > limits_.max_line_length) {
          in.remove_prefix(lf + 1);
          syntax_error("500 5.5.2 Line too long", out);
          continue;
        }
        std::string_view line = in.substr(0, lf);
        in.remove_prefix(lf + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        on_command(line, out);
        continue;
      }
    }
  }
}

void LmtpSession::on_command(std::string_view line, std::string& out) {
  const auto sp = line.find(' ');
  const std::string_view verb = line.substr(0, sp);
  const std::string_view args = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
  if (line.find('\0') != std::string_view::npos) return syntax_error("500 5.5.2 Invalid character in command", out);
  if (iequals(verb, "LHLO")) return cmd_lhlo(args, out);
  if (iequals(verb, "MAIL")) return cmd_mail(args, out);
  if (iequals(verb, "RCPT")) return cmd_rcpt(args, out);
  if (iequals(verb, "DATA")) return cmd_data(args, out);
  if (iequals(verb, "RSET")) {
    reset_transaction();
    if (state_ == State::mail) state_ = State::ready;
    out += "250 2.0.0 Ok\r\n";
    return;
  }
  if (iequals(verb, "NOOP")) {
    out += "250 2.0.0 Ok\r\n";
    return;
  }
  if (iequals(verb, "QUIT")) {
    out += "221 2.0.0 " + hostname_ + " closing connection\r\n";
    state_ = State::quit;
    return;
  }
  if (iequals(verb, "VRFY")) {
    out += "252 2.5.2 Cannot VRFY user, but will accept message\r\n";
    return;
  }
  if (iequals(verb, "HELO") || iequals(verb, "EHLO"))
    return syntax_error("500 5.5.1 This is an LMTP server: use LHLO", out);
  if (line.empty()) return syntax_error("500 5.5.2 Empty command", out);
  return syntax_error("500 5.5.1 Command unrecognized", out);
}

void LmtpSession::cmd_lhlo(std::string_view args, std::string& out) {
  if (trim(args).empty()) return syntax_error("501 5.5.4 Syntax: LHLO hostname", out);
  reset_transaction();
  state_ = State::ready;
  out += "250-" + hostname_ + "\r\n";
  out += "250-PIPELINING\r\n";
  out += "250-ENHANCEDSTATUSCODES\r\n";
  out += "250-8BITMIME\r\n";
  out += "250-SMTPUTF8\r\n";
  out += "250 SIZE " + std::to_string(limits_.max_message_size) + "\r\n";
}

void LmtpSession::cmd_mail(std::string_view args, std::string& out) {
  if (state_ == State::connected) return syntax_error("503 5.5.1 Send LHLO first", out);
  if (state_ == State::mail) return syntax_error("503 5.5.1 Nested MAIL command", out);
  if (!istarts_with(args, "FROM:")) return syntax_error("501 5.5.4 Syntax: MAIL FROM:<address>", out);
  std::string_view path, params;
  if (!split_path(args.substr(5), path, params)) return syntax_error("501 5.1.7 Bad sender address syntax", out);
  std::size_t declared = 0;
  while (!params.empty()) {
    const auto sp = params.find(' ');
    const std::string_view p = params.substr(0, sp);
    params = sp == std::string_view::npos ? std::string_view() : trim(params.substr(sp + 1));
    if (istarts_with(p, "SIZE=")) {
      std::size_t size = 0;
      const auto v = p.substr(5);
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), size);
      if (v.empty() || end != v.data() + v.size()) {
        if (ec == std::errc::result_out_of_range) {
          out += "552 5.3.4 Message size exceeds fixed limit\r\n";
          return;
        }
        return syntax_error("501 5.5.4 Bad SIZE parameter", out);
      }
      if (size > limits_.max_message_size) {
        out += "552 5.3.4 Message size exceeds fixed limit\r\n";
        return;
      }
      declared = size;
    } else if (iequals(p, "BODY=7BIT") || iequals(p, "BODY=8BITMIME") || iequals(p, "SMTPUTF8")) {
      // accepted: we store bytes as they come
    } else {
      return syntax_error("555 5.5.4 Unsupported MAIL parameter", out);
    }
  }
  reset_transaction();
  declared_size_ = declared;
  mail_from_ = std::string(path);
  state_ = State::mail;
  out += "250 2.1.0 Ok\r\n";
}

void LmtpSession::cmd_rcpt(std::string_view args, std::string& out) {
  if (state_ != State::mail) return syntax_error("503 5.5.1 Need MAIL command", out);
  if (!istarts_with(args, "TO:")) return syntax_error("501 5.5.4 Syntax: RCPT TO:<address>", out);
  std::string_view path, params;
  if (!split_path(args.substr(3), path, params) || path.empty())
    return syntax_error("501 5.1.3 Bad recipient address syntax", out);
  if (!params.empty()) return syntax_error("555 5.5.4 Unsupported RCPT parameter", out);
  if (recipients_.size() >= limits_.max_recipients) {
    out += "452 4.5.3 Too many recipients\r\n";
    return;
  }
  recipients_.emplace_back(path);
  out += "250 2.1.5 Ok\r\n";
}

void LmtpSession::cmd_data(std::string_view args, std::string& out) {
  if (state_ != State::mail) return syntax_error("503 5.5.1 Need MAIL command", out);
  if (recipients_.empty()) return syntax_error("503 5.5.1 No valid recipients", out);
  if (!trim(args).empty()) return syntax_error("501 5.5.4 Syntax: DATA", out);
  message_.clear();
  // Room for a typical bounce at once (or for the size MAIL announced, up to a bound): the
  // message grows without a string of reallocations.
  message_.reserve(std::min(limits_.max_message_size,
                            std::min(declared_size_ > 0 ? declared_size_ : kTypicalMessage, kMaxReserve)));
  at_line_start_ = true;
  line_bytes_ = 0;
  body_error_ = BodyError::none;
  state_ = State::body;
  out += "354 End data with <CR><LF>.<CR><LF>\r\n";
}

LmtpSession::Action LmtpSession::feed_body(std::string_view& in, std::string& out) {
  while (!in.empty()) {
    if (at_line_start_) {
      if (in[0] == '.') {
        // "." CRLF ends the message; a leading "." of any other line is dot-stuffing (removed).
        if (in.size() < 2) return Action::need_input;
        if (in[1] == '\n' || (in[1] == '\r' && in.size() >= 3 && in[2] == '\n')) {
          in.remove_prefix(in[1] == '\n' ? 2 : 3);
          end_body(out);
          return Action::need_input;
        }
        if (in[1] == '\r' && in.size() < 3) return Action::need_input;
        in.remove_prefix(1);
      }
      at_line_start_ = false;
      line_bytes_ = 0;
      continue;
    }
    // The rest of this line and every following one that does not start with '.' (nothing to
    // unstuff), up to the end of the input: checked line by line, appended at once.
    std::size_t end = 0;  // bytes of `in` taken
    for (;;) {
      const auto lf = in.find('\n', end);
      const std::size_t stop = lf == std::string_view::npos ? in.size() : lf + 1;
      line_bytes_ += stop - end;
      if (body_error_ == BodyError::none) {
        if (line_bytes_ > limits_.max_data_line) body_error_ = BodyError::line_too_long;
        else if (message_.size() + stop > limits_.max_message_size) body_error_ = BodyError::too_big;
        if (body_error_ != BodyError::none) {
          message_.clear();
          message_.shrink_to_fit();
        }
      }
      end = stop;
      if (lf == std::string_view::npos) break;
      line_bytes_ = 0;
      if (end == in.size() || in[end] == '.') {
        at_line_start_ = true;
        break;
      }
    }
    if (body_error_ == BodyError::none) message_.append(in.data(), end);
    in.remove_prefix(end);
  }
  return Action::need_input;
}

void LmtpSession::end_body(std::string& out) {
  if (body_error_ == BodyError::none) {
    state_ = State::commit;
    return;
  }
  const char* reply = body_error_ == BodyError::too_big ? "552 5.3.4 Message too big for system"
                                                        : "500 5.5.2 Line too long in message text";
  for (const auto& r : recipients_) {
    out += reply;
    out += " <" + r + ">\r\n";
  }
  reset_transaction();
  state_ = State::ready;
}

void LmtpSession::complete_message(Outcome outcome, std::string_view id, std::string& out) {
  for (const auto& r : recipients_) {
    switch (outcome) {
      case Outcome::stored:
        out += "250 2.0.0 <" + r + "> " + std::string(id) + " Message accepted\r\n";
        break;
      case Outcome::failed:
        out += "451 4.3.0 <" + r + "> Temporary failure storing the result, try again later\r\n";
        break;
      case Outcome::timed_out:
        out += "451 4.3.0 <" + r + "> Timed out storing the result, try again later\r\n";
        break;
    }
  }
  reset_transaction();
  state_ = State::ready;
}

}  // namespace bounced
