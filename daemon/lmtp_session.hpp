// lmtp_session.hpp: the LMTP protocol (RFC 2033 over RFC 5321) as a pure state machine, no I/O.
// The connection feeds it bytes and writes what it answers; when a message is complete it pauses
// (State::commit) until the connection reports the outcome, which becomes exactly one reply per
// accepted RCPT, in order. One explicit State and one switch per input, in the OpenSMTPD manner.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace bounced {

struct LmtpLimits {
  std::size_t max_message_size = 32u << 20;
  std::size_t max_recipients = 1000;
  std::size_t max_line_length = 2048;
  std::size_t max_data_line = 65536;
  std::size_t max_errors = 10;
};

class LmtpSession {
 public:
  enum class State {
    connected,      // greeting sent, waiting for LHLO
    ready,          // LHLO done, no transaction
    mail,           // MAIL accepted, RCPTs being collected
    body,           // reading message text after 354
    commit,         // message complete: waiting for complete_message()
    line_too_long,  // discarding the rest of an over-long command line
    quit,           // last reply queued: flush and close
  };
  enum class Action { need_input, message_ready, close };
  enum class Outcome { stored, failed, timed_out };

  LmtpSession(LmtpLimits limits, std::string hostname);

  std::string greeting() const;
  // Consumes what it can of `in` (a partial line may be left for the next call) and appends
  // replies to `out`. Returns what the connection must do next.
  Action feed(std::string_view& in, std::string& out);
  // After Action::message_ready: one reply per accepted recipient, then back to State::ready.
  void complete_message(Outcome outcome, std::string_view id, std::string& out);
  // "421 ..." and State::quit, for timeouts and shutdown.
  void abort(std::string_view reply, std::string& out);

  State state() const { return state_; }
  bool in_transaction() const { return state_ == State::mail || state_ == State::body || state_ == State::commit; }
  std::string& message() { return message_; }
  const std::string& mail_from() const { return mail_from_; }
  const std::vector<std::string>& recipients() const { return recipients_; }
  void set_limits(const LmtpLimits& limits) { limits_ = limits; }

 private:
  Action feed_body(std::string_view& in, std::string& out);
  void on_command(std::string_view line, std::string& out);
  void cmd_lhlo(std::string_view args, std::string& out);
  void cmd_mail(std::string_view args, std::string& out);
  void cmd_rcpt(std::string_view args, std::string& out);
  void cmd_data(std::string_view args, std::string& out);
  void syntax_error(std::string_view reply, std::string& out);  // counts towards max_errors
  void end_body(std::string& out);
  void reset_transaction();

  enum class BodyError { none, too_big, line_too_long };

  LmtpLimits limits_;
  std::string hostname_;
  State state_ = State::connected;
  State resume_state_ = State::connected;  // where line_too_long returns to
  std::size_t errors_ = 0;
  std::size_t discarded_ = 0;              // bytes of the over-long line dropped so far
  std::string mail_from_;
  std::vector<std::string> recipients_;
  std::string message_;
  bool at_line_start_ = true;
  std::size_t line_bytes_ = 0;             // bytes of the current message line so far
  std::size_t declared_size_ = 0;          // MAIL ... SIZE= (0: none)
  BodyError body_error_ = BodyError::none;
};

}  // namespace bounced
