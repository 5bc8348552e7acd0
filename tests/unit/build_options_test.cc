// Option parsing of `osprey build` and the image options `osprey run` shares with it.
#include <gtest/gtest.h>

#include <algorithm>

#include "commands/run_options.h"

namespace {

using Words = std::vector<std::string>;

struct BuildParsed {
    osprey::RunArguments args;
    std::string error;
    bool parse_failed = false;
};

BuildParsed parse(const std::string& subcommand, Words words) {
    BuildParsed parsed;
    CLI::App app{"test", "osprey"};
    osprey::configure_root_app(app);
    auto* command = app.add_subcommand(subcommand, "");
    if (subcommand == "build")
        osprey::add_build_options(*command, parsed.args);
    else
        osprey::add_run_options(*command, parsed.args);
    words.insert(words.begin(), subcommand);
    std::reverse(words.begin(), words.end());
    try {
        app.parse(words);
    } catch (const CLI::ParseError&) {
        parsed.parse_failed = true;
        return parsed;
    }
    osprey::collect_program_command(app, *command, parsed.args, parsed.error);
    return parsed;
}

TEST(BuildOptions, OutputAddEnvWorkdirAndTheProgramsWords) {
    auto p = parse("build", {"-o", "app.osprey", "--add", "site:/srv", "--add=conf", "-e", "A=1", "-w", "/srv", "-m",
                             "256M", "/bin/busybox", "echo", "-o", "--add"});
    ASSERT_FALSE(p.parse_failed);
    ASSERT_EQ(p.error, "");
    EXPECT_EQ(p.args.output, "app.osprey");
    EXPECT_EQ(p.args.add, (Words{"site:/srv", "conf"}));
    EXPECT_EQ(p.args.env, (Words{"A=1"}));
    EXPECT_EQ(p.args.workdir, "/srv");
    EXPECT_TRUE(p.args.workdir_given);
    EXPECT_EQ(p.args.memory, "256M");
    EXPECT_EQ(p.args.command, (Words{"/bin/busybox", "echo", "-o", "--add"}));
}

TEST(BuildOptions, OutputIsRequired) { EXPECT_TRUE(parse("build", {"/bin/busybox"}).parse_failed); }

TEST(BuildOptions, AManifestMakesTheProgramOptional) {
    auto p = parse("build", {"-o", "x", "-f", "osprey.toml"});
    ASSERT_EQ(p.error, "");
    EXPECT_EQ(p.args.manifest, "osprey.toml");
    EXPECT_TRUE(p.args.command.empty());
    EXPECT_EQ(parse("build", {"-o", "x"}).error.rfind("build: missing BINARY", 0), 0u);
}

TEST(BuildOptions, AnUnknownOptionIsNamedWithTheCommand) {
    EXPECT_EQ(parse("build", {"-o", "x", "--bogus", "prog"}).error.rfind("build: unknown option --bogus", 0), 0u);
}

TEST(BuildOptions, RunTakesEveryBuildOptionButOutput) {
    auto p = parse("run", {"--add", "a:/b", "-f", "m.toml", "-e", "X=1", "-w", "/b", "image.osprey", "arg"});
    ASSERT_EQ(p.error, "");
    EXPECT_EQ(p.args.add, (Words{"a:/b"}));
    EXPECT_EQ(p.args.manifest, "m.toml");
    EXPECT_EQ(p.args.command, (Words{"image.osprey", "arg"}));
    EXPECT_FALSE(parse("run", {"prog"}).args.workdir_given);
    EXPECT_TRUE(parse("run", {"-o", "x", "prog"}).parse_failed || !parse("run", {"-o", "x", "prog"}).error.empty());
}

TEST(BuildOptions, CpusIsAcceptedAsTypedAndPublishIsRunOnly) {
    auto p = parse("build", {"-o", "x", "--cpus", "2", "prog"});
    ASSERT_FALSE(p.parse_failed);
    ASSERT_EQ(p.error, "");
    EXPECT_EQ(p.args.cpus, "2");
    // Checked by parse_cpus when the command runs, so the message can say what is wrong.
    EXPECT_EQ(parse("build", {"-o", "x", "--cpus", "junk", "prog"}).args.cpus, "junk");
    auto published = parse("build", {"-o", "x", "-p", "8080:80", "prog"});
    EXPECT_TRUE(published.parse_failed || !published.error.empty());
}

}  // namespace
