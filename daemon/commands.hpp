// commands.hpp: the subcommands of the one `bounced` executable. Each returns the process exit status.
#pragma once

namespace bounced::cli {

int cmd_parse(int argc, char** argv);         // bounced parse [--format ...] [PATH|-]...
int cmd_explain(int argc, char** argv);       // bounced explain "<server reply>"
int cmd_serve(int argc, char** argv);         // bounced serve [--config FILE]
int cmd_check_config(int argc, char** argv);  // bounced check-config --config FILE
int cmd_verp(int argc, char** argv);          // bounced verp encode|decode ADDRESS ...
int cmd_record(int argc, char** argv);        // bounced record --db FILE [PATH|-]...
int cmd_suppressions(int argc, char** argv);  // bounced suppressions list|show|lift|export ...
int cmd_stats(int argc, char** argv);         // bounced stats [--window 1h] [--by domain|reason|list]

}  // namespace bounced::cli
