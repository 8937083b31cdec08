// quarantine.hpp: stores messages that could not be parsed in a Maildir (tmp/ then new/, named by
// the message hash, so storing the same message twice leaves one file). Durable: the file is
// fsync'd and sync_dir() fsyncs new/ once per batch.
#pragma once
#include <filesystem>
#include <string>
#include <string_view>

#include "message_hash.hpp"

namespace bounced {

class Quarantine {
 public:
  explicit Quarantine(std::filesystem::path maildir);
  // Returns the final path. Throws on failure.
  std::filesystem::path store(const MessageHash& hash, std::string_view raw);
  std::filesystem::path path_for(const MessageHash& hash) const { return dir_ / "new" / (hash.hex() + ".eml"); }
  void sync_dir();

 private:
  std::filesystem::path dir_;
};

}  // namespace bounced
