// main.cpp: the `bounced` executable. Dispatches to one subcommand per job.
#include <cstdio>
#include <cstring>
#include <string_view>

#include "commands.hpp"

namespace {

struct Subcommand {
  const char* name;
  int (*run)(int, char**);
  const char* summary;
};

constexpr Subcommand kSubcommands[] = {
    {"parse", bounced::cli::cmd_parse, "parse bounce files and print one record per recipient"},
    {"explain", bounced::cli::cmd_explain, "classify a bare SMTP server reply"},
    {"serve", bounced::cli::cmd_serve, "run the daemon (LMTP server, Maildir watcher, sinks)"},
    {"check-config", bounced::cli::cmd_check_config, "validate a configuration file"},
    {"verp", bounced::cli::cmd_verp, "encode or decode a VERP address (signed with a secret file)"},
    {"record", bounced::cli::cmd_record, "parse bounces and record them in the store (policy applied)"},
    {"suppressions", bounced::cli::cmd_suppressions, "list, show, lift or export suppressed addresses"},
    {"stats", bounced::cli::cmd_stats, "recent results from the store, by domain, reason or list"},
};

void usage(std::FILE* out) {
  std::fprintf(out, "usage: bounced COMMAND [ARGS...]\n\ncommands:\n");
  for (const auto& s : kSubcommands) std::fprintf(out, "  %-13s %s\n", s.name, s.summary);
  std::fprintf(out, "\n'bounced COMMAND --help' describes a command.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    usage(stdout);
    return 0;
  }
  if (name == "--version") {
    std::printf("bounced %s\n", BOUNCED_VERSION);
    return 0;
  }
  for (const auto& s : kSubcommands)
    if (name == s.name) return s.run(argc - 1, argv + 1);
  std::fprintf(stderr, "bounced: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}
