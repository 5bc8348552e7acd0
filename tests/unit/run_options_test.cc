#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "commands/run_options.h"

namespace {

using osprey::RunArguments;

// Parses `osprey run ...` exactly as main.cc does; returns the collect error ("" if none).
struct Parsed {
    RunArguments args;
    std::string error;
    bool parse_failed = false;
};

Parsed parse(std::vector<std::string> words) {
    Parsed parsed;
    CLI::App app{"test", "osprey"};
    osprey::configure_root_app(app);
    auto* run = app.add_subcommand("run", "");
    osprey::add_run_options(*run, parsed.args);
    words.insert(words.begin(), "run");
    std::reverse(words.begin(), words.end());  // CLI11 takes its arguments reversed
    try {
        app.parse(words);
    } catch (const CLI::ParseError&) {
        parsed.parse_failed = true;
        return parsed;
    }
    osprey::collect_program_command(app, *run, parsed.args, parsed.error);
    return parsed;
}

using Words = std::vector<std::string>;

TEST(RunOptions, OptionsBeforeBinaryAreOspreysAndEverythingAfterIsTheProgramsUntouched) {
    auto p = parse({"-v", "--memory", "64M", "/bin/busybox", "echo", "--verbose", "-v", "-e", "X=1", "--", "--memory"});
    ASSERT_EQ(p.error, "");
    EXPECT_TRUE(p.args.verbose);
    EXPECT_EQ(p.args.memory, "64M");
    EXPECT_TRUE(p.args.env.empty());
    EXPECT_EQ(p.args.command, (Words{"/bin/busybox", "echo", "--verbose", "-v", "-e", "X=1", "--", "--memory"}));
}

TEST(RunOptions, EnvIsRepeatableAndKeepsItsOrder) {
    auto p = parse({"-e", "A=1", "--env", "B=2", "-e", "A=3", "--env=C=4", "prog"});
    ASSERT_EQ(p.error, "");
    EXPECT_EQ(p.args.env, (Words{"A=1", "B=2", "A=3", "C=4"}));
    EXPECT_EQ(p.args.command, (Words{"prog"}));
}

TEST(RunOptions, EnvTakesOneValueSoTheBinaryIsNotSwallowed) {
    auto p = parse({"-e", "A=1", "busybox", "env"});
    ASSERT_EQ(p.error, "");
    EXPECT_EQ(p.args.env, (Words{"A=1"}));
    EXPECT_EQ(p.args.command, (Words{"busybox", "env"}));
}

TEST(RunOptions, EveryOptionIsParsed) {
    auto p = parse({"--machine", "q35", "--cpu", "qemu64", "--accel", "kvm", "--timeout", "2.5", "--trace", "-w",
                    "/tmp", "--no-aslr", "--kernel", "/k.elf", "--dry-run", "--keep-image", "--qemu", "/q", "prog"});
    ASSERT_EQ(p.error, "");
    EXPECT_EQ(p.args.machine, "q35");
    EXPECT_EQ(p.args.cpu, "qemu64");
    EXPECT_EQ(p.args.accel, "kvm");
    EXPECT_DOUBLE_EQ(p.args.timeout, 2.5);
    EXPECT_TRUE(p.args.trace);
    EXPECT_EQ(p.args.workdir, "/tmp");
    EXPECT_TRUE(p.args.no_aslr);
    EXPECT_EQ(p.args.kernel, "/k.elf");
    EXPECT_TRUE(p.args.dry_run);
    EXPECT_TRUE(p.args.keep_image);
    EXPECT_EQ(p.args.qemu, "/q");
}

TEST(RunOptions, DefaultsAreMicrovmMaxCpuAutoAccelAndRootWorkdir) {
    auto p = parse({"prog"});
    ASSERT_EQ(p.error, "");
    EXPECT_EQ(p.args.machine, "microvm");
    EXPECT_EQ(p.args.cpu, "max");
    EXPECT_EQ(p.args.accel, "auto");
    EXPECT_EQ(p.args.workdir, "/");
    EXPECT_EQ(p.args.memory, "");
    EXPECT_FALSE(p.args.verbose);
}

TEST(RunOptions, DoubleDashBeforeBinaryAllowsABinaryThatLooksLikeAnOption) {
    auto p = parse({"-v", "--", "-weird", "--x"});
    ASSERT_EQ(p.error, "");
    EXPECT_TRUE(p.args.verbose);
    EXPECT_EQ(p.args.command, (Words{"-weird", "--x"}));
}

TEST(RunOptions, UnknownOptionBeforeBinaryIsAnError) {
    auto p = parse({"--bogus", "prog"});
    EXPECT_NE(p.error.find("unknown option --bogus"), std::string::npos) << p.error;
}

TEST(RunOptions, MissingBinaryIsAnError) {
    auto p = parse({"-v"});
    EXPECT_NE(p.error.find("missing BINARY"), std::string::npos) << p.error;
}

TEST(RunOptions, BadMachineIsRefusedByTheParser) {
    EXPECT_TRUE(parse({"--machine", "virt", "prog"}).parse_failed);
    EXPECT_TRUE(parse({"--accel", "hvf", "prog"}).parse_failed);
}

TEST(RunMemory, SizesWithUnits) {
    std::string error;
    EXPECT_EQ(osprey::parse_memory_mib("64M", error), 64u);
    EXPECT_EQ(osprey::parse_memory_mib("64m", error), 64u);
    EXPECT_EQ(osprey::parse_memory_mib("64MiB", error), 64u);
    EXPECT_EQ(osprey::parse_memory_mib("64MB", error), 64u);
    EXPECT_EQ(osprey::parse_memory_mib("1G", error), 1024u);
    EXPECT_EQ(osprey::parse_memory_mib("2g", error), 2048u);
    EXPECT_EQ(osprey::parse_memory_mib("512", error), 512u);  // a bare number is MiB, as in QEMU's -m
    EXPECT_EQ(osprey::parse_memory_mib("2048K", error), 2u);
}

TEST(RunMemory, BadSizesSayWhy) {
    for (const char* bad : {"", "M", "abc", "64X", "1.5G", "-1", "64Mx", "0", "100K", "2T1", "99999999999999G"}) {
        std::string error;
        EXPECT_FALSE(osprey::parse_memory_mib(bad, error)) << bad;
        EXPECT_NE(error.find("--memory"), std::string::npos) << bad;
    }
}

TEST(RunMemory, DefaultIsTwiceTheImagePlus64MiBAndAtLeast128MiB) {
    constexpr u64 MiB = 1 << 20;
    EXPECT_EQ(osprey::default_memory_mib(0), 128u);
    EXPECT_EQ(osprey::default_memory_mib(2 * MiB), 128u);
    EXPECT_EQ(osprey::default_memory_mib(32 * MiB), 128u);
    EXPECT_EQ(osprey::default_memory_mib(32 * MiB + 1), 129u);  // rounded up to a whole MiB
    EXPECT_EQ(osprey::default_memory_mib(100 * MiB), 264u);
    EXPECT_EQ(osprey::default_memory_mib(1024 * MiB), 2112u);
}

TEST(RunMemory, MinimumCoversKernelImageAndProgram) {
    constexpr u64 MiB = 1 << 20;
    EXPECT_EQ(osprey::minimum_run_memory_mib(3, 10 * MiB + 1), 3u + 11u + 16u);
    // The default always satisfies the minimum of a small kernel.
    for (u64 size : {u64{0}, 5 * MiB, 300 * MiB})
        EXPECT_GE(osprey::default_memory_mib(size), osprey::minimum_run_memory_mib(8, size));
}

TEST(RunOptions, KernelCommandLineFollowsVerboseTraceAndAslr) {
    RunArguments args;
    EXPECT_EQ(osprey::run_kernel_cmdline(args), "loglevel=warn");
    args.verbose = true;
    EXPECT_EQ(osprey::run_kernel_cmdline(args), "loglevel=info");
    args.verbose = false;
    args.trace = true;
    args.no_aslr = true;
    EXPECT_EQ(osprey::run_kernel_cmdline(args), "loglevel=warn trace aslr=off");
}

}  // namespace
