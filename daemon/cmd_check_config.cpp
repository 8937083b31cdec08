// cmd_check_config.cpp: placeholder until the subcommand lands.
#include <cstdio>

#include "commands.hpp"

namespace bounced::cli {
int cmd_check_config(int, char**) {
  std::fprintf(stderr, "bounced: not implemented yet\n");
  return 2;
}
}  // namespace bounced::cli
