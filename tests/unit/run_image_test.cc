// The pieces of `osprey run`'s image: /.osprey/app, the environment, the initramfs, and
// the checks on the program.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "cpio/newc.h"
#include "image/app_spec.h"
#include "image/initramfs.h"
#include "image/program_file.h"
#include "protocol/app_config.h"

namespace {

using Words = std::vector<std::string>;

TEST(AppConfigEncoding, RoundTripsThroughTheKernelsParser) {
    osprey::AppSpec spec;
    spec.exe = "/usr/bin/busybox";
    spec.argv = {"busybox", "echo", "two words\n\"quoted\"", ""};
    spec.env = {"PATH=/bin", "EMPTY=", "X=a=b"};
    spec.workdir = "/tmp";
    spec.tty = {true, false, true};
    spec.uid = 0;
    spec.gid = 0;
    for (int i = 0; i < 32; i++) spec.random[i] = static_cast<u8>(i * 8 + 1);

    std::string bytes = osprey::encode_app_config(spec);
    std::string_view argv[8], env[8];
    protocol::AppConfig config;
    auto result = protocol::parse_app_config(bytes, argv, env, config);
    ASSERT_FALSE(result.is_error()) << result.error();
    EXPECT_EQ(config.exe, "/usr/bin/busybox");
    ASSERT_EQ(config.argv.size(), 4u);
    EXPECT_EQ(config.argv[0], "busybox");
    EXPECT_EQ(config.argv[2], "two words\n\"quoted\"");
    EXPECT_EQ(config.argv[3], "");
    ASSERT_EQ(config.env.size(), 3u);
    EXPECT_EQ(config.env[1], "EMPTY=");
    EXPECT_EQ(config.env[2], "X=a=b");
    EXPECT_EQ(config.workdir, "/tmp");
    EXPECT_TRUE(config.tty[0]);
    EXPECT_FALSE(config.tty[1]);
    EXPECT_TRUE(config.tty[2]);
    EXPECT_EQ(config.uid, 0u);
    ASSERT_TRUE(config.has_random);
    for (int i = 0; i < 32; i++) EXPECT_EQ(config.random[i], spec.random[i]);
}

TEST(AppConfigEncoding, EmptyEnvironmentIsStillValid) {
    osprey::AppSpec spec;
    spec.exe = "/p";
    spec.argv = {"p"};
    std::string bytes = osprey::encode_app_config(spec);
    std::string_view argv[2], env[2];
    protocol::AppConfig config;
    ASSERT_FALSE(protocol::parse_app_config(bytes, argv, env, config).is_error());
    EXPECT_TRUE(config.env.empty());
    EXPECT_EQ(config.workdir, "/");
}

TEST(RunEnvironment, DefaultsArePathAndHomeAndTermOnlyOnATerminal) {
    EXPECT_EQ(osprey::default_environment(false, "xterm"),
              (Words{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/"}));
    auto on_terminal = osprey::default_environment(true, "xterm-256color");
    ASSERT_EQ(on_terminal.size(), 3u);
    EXPECT_EQ(on_terminal[2], "TERM=xterm-256color");
    EXPECT_EQ(osprey::default_environment(true, nullptr).size(), 2u);
}

TEST(RunEnvironment, LaterOptionsOverrideEarlierOnesAndDefaultsInPlace) {
    auto env = osprey::default_environment(false, nullptr);
    std::map<std::string, std::string> host = {{"LANG", "C.UTF-8"}};
    auto getenv = [&](const char* name) -> const char* {
        auto it = host.find(name);
        return it == host.end() ? nullptr : it->second.c_str();
    };
    std::string error;
    ASSERT_TRUE(osprey::apply_environment_options(
        env, {"A=1", "HOME=/root", "A=2", "LANG", "MISSING_ON_HOST", "B=x=y", "E="}, getenv, error));
    EXPECT_EQ(env, (Words{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "A=2",
                          "LANG=C.UTF-8", "B=x=y", "E="}));
}

TEST(RunEnvironment, AnEntryWithoutANameIsRefused) {
    std::vector<std::string> env;
    std::string error;
    EXPECT_FALSE(osprey::apply_environment_options(env, {"=x"}, [](const char*) { return nullptr; }, error));
    EXPECT_NE(error.find("NAME=VALUE"), std::string::npos);
}

TEST(RunEnvironment, HostRandomBytesDiffer) {
    auto a = osprey::host_random_bytes(), b = osprey::host_random_bytes();
    ASSERT_TRUE(a && b);
    EXPECT_NE(*a, *b);
}

class RunArchiveSink final : public cpio::ByteSink {
public:
    bool write(std::span<const u8> bytes) override {
        data.insert(data.end(), bytes.begin(), bytes.end());
        return true;
    }
    std::vector<u8> data;
};

TEST(RunImage, FilesComeAfterTheirParentDirectoriesEachDirectoryOnce) {
    RunArchiveSink sink;
    osprey::InitramfsBuilder builder(sink);
    std::string error;
    const u8 program[] = {1, 2, 3, 4, 5};
    const u8 config[] = {'x'};
    ASSERT_TRUE(builder.add_file("/usr/bin/busybox", 0100755, 1234, program, error)) << error;
    ASSERT_TRUE(builder.add_directory("/usr/lib/x", error)) << error;
    ASSERT_TRUE(builder.add_directory("/", error)) << error;
    ASSERT_TRUE(builder.add_file("/.osprey/app", 0444, 0, config, error)) << error;
    ASSERT_TRUE(builder.finish(error)) << error;
    EXPECT_EQ(builder.bytes_written(), sink.data.size());

    cpio::Reader reader(sink.data);
    std::vector<std::pair<std::string, u32>> entries;
    while (true) {
        auto next = reader.next();
        ASSERT_FALSE(next.is_error()) << reader.diagnosis().reason;
        if (!next.value()) break;
        const cpio::Entry& e = *next.value();
        entries.emplace_back(std::string(e.name), e.mode);
        if (e.name == "usr/bin/busybox") {
            EXPECT_EQ(e.data.size(), 5u);
            EXPECT_EQ(e.mtime, 1234u);
            EXPECT_EQ(e.uid, 0u);
        }
    }
    std::vector<std::pair<std::string, u32>> expected = {
        {"usr", 040755}, {"usr/bin", 040755}, {"usr/bin/busybox", 0100755}, {"usr/lib", 040755},
        {"usr/lib/x", 040755}, {".osprey", 040755}, {".osprey/app", 0100444},
    };
    EXPECT_EQ(entries, expected);
}

TEST(RunImage, PathsThatCouldEscapeAreRefused) {
    RunArchiveSink sink;
    osprey::InitramfsBuilder builder(sink);
    std::string error;
    EXPECT_FALSE(builder.add_file("/a/../b", 0755, 0, {}, error));
    EXPECT_FALSE(builder.add_file("relative", 0755, 0, {}, error));
    EXPECT_FALSE(builder.add_file("/", 0755, 0, {}, error));
}

TEST(RunProgram, PathsAreMadeAbsoluteWithoutResolvingSymlinks) {
    std::string error;
    EXPECT_EQ(osprey::find_program("./bin/../prog", "", "/home/me", error), "/home/me/prog");
    EXPECT_EQ(osprey::find_program("/usr/bin/./x", "", "/", error), "/usr/bin/x");
    EXPECT_EQ(osprey::find_program("sub/prog", "", "/w", error), "/w/sub/prog");
}

TEST(RunProgram, BareNamesAreLookedUpOnPath) {
    std::string error;
    auto found = osprey::find_program("sh", "/nonexistent:/usr/bin:/bin", "/", error);
    ASSERT_TRUE(found) << error;
    EXPECT_EQ(*found, "/usr/bin/sh");
    EXPECT_FALSE(osprey::find_program("no-such-program-here", "/usr/bin:/bin", "/", error));
    EXPECT_EQ(error, "no-such-program-here: not found on the host's PATH");
}

// A minimal static x86-64 executable: an ELF header and one PT_LOAD.
std::vector<u8> tiny_static_elf() {
    std::vector<u8> bytes(64 + 56, 0);
    const u8 ident[] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
    std::copy(std::begin(ident), std::end(ident), bytes.begin());
    auto put16 = [&](size_t at, u16 v) { bytes[at] = v & 0xff, bytes[at + 1] = v >> 8; };
    auto put32 = [&](size_t at, u32 v) { for (int i = 0; i < 4; i++) bytes[at + i] = static_cast<u8>(v >> (8 * i)); };
    auto put64 = [&](size_t at, u64 v) { for (int i = 0; i < 8; i++) bytes[at + i] = static_cast<u8>(v >> (8 * i)); };
    put16(16, 2);      // ET_EXEC
    put16(18, 62);     // EM_X86_64
    put32(20, 1);      // e_version
    put64(24, 0x401000);
    put64(32, 64);     // e_phoff
    put16(52, 64);     // e_ehsize
    put16(54, 56);     // e_phentsize
    put16(56, 1);      // e_phnum
    put32(64, 1);      // PT_LOAD
    put32(68, 5);      // R+X
    put64(64 + 16, 0x400000);
    put64(64 + 32, 120);  // p_filesz
    put64(64 + 40, 120);  // p_memsz
    return bytes;
}

TEST(RunProgram, AStaticX86_64ExecutablePasses) {
    std::string error;
    EXPECT_TRUE(osprey::check_program_elf(tiny_static_elf(), "p", error)) << error;
}

TEST(RunProgram, WrongFilesAreNamedClearly) {
    std::string error;
    std::vector<u8> text = {'r', 'o', 'o', 't', ':', 'x'};
    EXPECT_FALSE(osprey::check_program_elf(text, "/etc/passwd", error));
    EXPECT_EQ(error, "/etc/passwd: not an ELF file");

    auto elf32 = tiny_static_elf();
    elf32[4] = 1;
    EXPECT_FALSE(osprey::check_program_elf(elf32, "p", error));
    EXPECT_EQ(error, "p: 32-bit ELF is not supported");

    auto arm = tiny_static_elf();
    arm[18] = 0xb7;
    EXPECT_FALSE(osprey::check_program_elf(arm, "p", error));
    EXPECT_EQ(error, "p: not x86-64 (it is aarch64)");
}

TEST(RunProgram, ADynamicallyLinkedProgramIsAccepted) {
    // Add a PT_INTERP pointing at a path stored after the headers.
    auto elf = tiny_static_elf();
    std::string interp = "/lib64/ld-linux-x86-64.so.2";
    size_t at = elf.size();
    elf.insert(elf.end(), interp.begin(), interp.end());
    elf.push_back(0);
    std::vector<u8> phdr(56, 0);
    auto put = [&](size_t off, u64 v, int n) { for (int i = 0; i < n; i++) phdr[off + i] = static_cast<u8>(v >> (8 * i)); };
    put(0, 3, 4);                   // PT_INTERP
    put(4, 4, 4);
    put(8, at, 8);                  // p_offset
    put(32, interp.size() + 1, 8);  // p_filesz
    put(40, interp.size() + 1, 8);
    // Place the second program header after the string and point e_phoff there with both.
    std::vector<u8> table(elf.begin() + 64, elf.begin() + 120);
    size_t table_at = elf.size();
    elf.insert(elf.end(), table.begin(), table.end());
    elf.insert(elf.end(), phdr.begin(), phdr.end());
    for (int i = 0; i < 8; i++) elf[32 + i] = static_cast<u8>(table_at >> (8 * i));
    elf[56] = 2;
    std::string error;
    EXPECT_TRUE(osprey::check_program_elf(elf, "/usr/bin/true", error)) << error;
}

}  // namespace
