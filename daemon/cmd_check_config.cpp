// cmd_check_config.cpp: `bounced check-config [--config FILE]` validates a configuration without
// starting anything (no file is created). Prints every error as file:line:column: message and
// exits 1; on success prints a summary of the resolved settings and exits 0.
#include <cstdio>
#include <string>
#include <string_view>

#include "commands.hpp"
#include "config.hpp"

namespace bounced::cli {

int cmd_check_config(int argc, char** argv) {
  std::string path;
  bool have_config = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      std::printf("usage: bounced check-config [--config FILE]\n"
                  "  validates FILE (default: the embedded config/bounced.yaml) and prints the resolved settings\n");
      return 0;
    } else if (a == "--config" && i + 1 < argc) {
      path = argv[++i];
      have_config = true;
    } else if (a.rfind("--config=", 0) == 0) {
      path = std::string(a.substr(9));
      have_config = true;
    } else {
      std::fprintf(stderr, "bounced check-config: unknown argument '%s'\n", argv[i]);
      return 2;
    }
  }
  if (have_config && path.empty()) {
    std::fprintf(stderr, "bounced check-config: --config needs a file name\n");
    return 2;
  }
  std::vector<std::string> errors;
  auto cfg = load_config_file(path, errors);
  if (!cfg) {
    for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
    return 1;
  }
  std::printf("%s: OK\n", cfg->source.c_str());
  std::printf("state_dir: %s\n", cfg->state_dir.c_str());
  for (const auto& l : cfg->lmtp.listen)
    std::printf("lmtp: %s\n", l.kind == ListenAddress::Kind::tcp ? l.text.c_str()
                                                                 : ("unix:" + l.path.string()).c_str());
  for (const auto& m : cfg->maildirs) std::printf("maildir: %s\n", m.path.c_str());
  std::printf("quarantine: %s\n", cfg->quarantine.c_str());
  for (const auto& s : cfg->sinks)
    std::printf("sink: %s%s%s\n", s.type.c_str(), s.path.empty() ? "" : " ", s.path.c_str());
  std::printf("dedup: %s\n", cfg->dedup.path.c_str());
  const auto& m = cfg->metrics;
  if (m.listen) std::printf("metrics: http://%s/metrics\n", m.listen->text.c_str());
  else std::printf("metrics: no endpoint\n");
  if (m.alerts)
    std::printf("transient alerts: %zu domain groups + other, window %llds, threshold %g%%, min volume %llu\n",
                m.domain_groups.size(), static_cast<long long>(m.alert.window_seconds), m.alert.threshold * 100,
                static_cast<unsigned long long>(m.alert.min_volume));
  else std::printf("transient alerts: off\n");
  if (cfg->null_mode) std::printf("null_mode: true (nothing is parsed or recorded)\n");
  return 0;
}

}  // namespace bounced::cli
