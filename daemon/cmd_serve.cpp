// cmd_serve.cpp: `bounced serve [--config FILE] [--null-mode]` runs the daemon (daemon.hpp).
#include <cstdio>
#include <string>
#include <string_view>

#include "commands.hpp"
#include "daemon.hpp"
#include "decode.hpp"

namespace bounced::cli {

int cmd_serve(int argc, char** argv) {
  ServeOptions opt;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      std::printf("usage: bounced serve [--config FILE] [--null-mode]\n"
                  "  --config FILE  configuration (default: the embedded config/bounced.yaml)\n"
                  "  --null-mode    answer 250 without parsing or recording (benchmark ceiling)\n"
                  "signals: SIGTERM/SIGINT drain and stop, SIGHUP reloads the config and reopens files\n");
      return 0;
    } else if (a == "--config" && i + 1 < argc && argv[i + 1][0]) {
      opt.config_path = argv[++i];
    } else if (a.rfind("--config=", 0) == 0 && a.size() > 9) {
      opt.config_path = std::string(a.substr(9));
    } else if (a == "--null-mode") {
      opt.null_mode = true;
    } else {
      std::fprintf(stderr, "bounced serve: unknown argument '%s' (see --help)\n", argv[i]);
      return 2;
    }
  }
  // Keeps the gconv modules of the usual mail charsets loaded while the daemon runs: without a
  // descriptor open, glibc loads a module again on each conversion and unloads it after.
  CharsetConverters charset_modules;
  if (!opt.null_mode) charset_modules.preload();
  return run_daemon(opt);
}

}  // namespace bounced::cli
