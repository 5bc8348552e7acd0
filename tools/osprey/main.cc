// osprey: the host tool. Builds images and runs them as micro-VMs (docs/cli.md).
#include <cstdio>
#include <string>

#include "commands/commands.h"
#include "commands/run_options.h"
#include "protocol/exit_record.h"

int main(int argc, char** argv) {
    CLI::App app{"Osprey runs unmodified Linux programs as tiny virtual machines.", "osprey"};
    osprey::configure_root_app(app);
    app.set_version_flag("--version", "osprey 0.1.0");
    auto boot = osprey::add_boot_command(app);
    auto run = osprey::add_run_command(app);
    auto build = osprey::add_build_command(app);
    auto inspect = osprey::add_inspect_command(app);
    std::string help_topic;
    auto* help = app.add_subcommand("help", "Show the help of a command: osprey help run");
    help->add_option("COMMAND", help_topic, "build, run, inspect or boot");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        // Usage errors are osprey's own failures, not a status the program could have given.
        return code == 0 ? 0 : protocol::kOspreyFailureStatus;
    }
    // Words CLI11 could not place are only welcome as the program's command line after
    // `osprey run [OPTIONS] --`; run collects them itself.
    if (!app.got_subcommand("run") && !app.got_subcommand("build") && !app.remaining().empty()) {
        fprintf(stderr, "osprey: unexpected argument %s (see osprey --help)\n", app.remaining()[0].c_str());
        return protocol::kOspreyFailureStatus;
    }
    if (app.got_subcommand("boot")) return boot();
    if (app.got_subcommand("run")) return run();
    if (app.got_subcommand("build")) return build();
    if (app.got_subcommand("inspect")) return inspect();
    if (app.got_subcommand("help")) {
        CLI::App* topic = &app;
        if (!help_topic.empty()) {
            try {
                topic = app.get_subcommand(help_topic);
            } catch (const CLI::OptionNotFound&) {
                fprintf(stderr, "osprey: help: no command %s (see osprey --help)\n", help_topic.c_str());
                return protocol::kOspreyFailureStatus;
            }
        }
        printf("%s", topic->help().c_str());
        return 0;
    }
    return 0;
}
