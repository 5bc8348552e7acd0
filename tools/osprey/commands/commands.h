// The `osprey` subcommands. Each registers its options on the CLI11 app and returns the
// function that runs it.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace osprey {

using CommandMain = std::function<int()>;

CommandMain add_boot_command(CLI::App& app);
CommandMain add_run_command(CLI::App& app);
CommandMain add_build_command(CLI::App& app);
CommandMain add_inspect_command(CLI::App& app);

}  // namespace osprey
