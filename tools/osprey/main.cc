// osprey: the host tool. Builds images and runs them as micro-VMs (docs/cli.md).
#include <cstdio>

#include "commands/commands.h"
#include "protocol/exit_record.h"

int main(int argc, char** argv) {
    CLI::App app{"Osprey runs unmodified Linux programs as tiny virtual machines.", "osprey"};
    app.require_subcommand(1);
    // As with most tools, an option given twice takes its last value (scripts add defaults
    // first and let the user override them).
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    app.set_version_flag("--version", "osprey 0.1.0");
    auto boot = osprey::add_boot_command(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        // Usage errors are osprey's own failures, not a status the program could have given.
        return code == 0 ? 0 : protocol::kOspreyFailureStatus;
    }
    if (app.got_subcommand("boot")) return boot();
    return 0;
}
