// The `vigil` command: one binary for serving, setup and operations.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "Vigil: Trust & Safety operations platform.\n"
      "Intake of flags and content, cases, review and an auditable event log, served as one\n"
      "binary on a SQLite data directory.",
      "vigil"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Print help for every subcommand");
  vigil::cli::Register(app);
  // CLI11 answers a mistyped command with "A subcommand is required": name it instead.
  if (argc > 1 && argv[1][0] != '-') {
    bool known = false;
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
      known = known || sub->check_name(argv[1]);
    if (!known) {
      std::fprintf(stderr, "vigil: unknown command '%s' (vigil --help lists the commands)\n",
                   argv[1]);
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return vigil::cli::ExitCode();
}
