#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "linux/initial_stack.h"

namespace {

using namespace linux_abi;

constexpr u64 kStackTop = 0x7ffffffde000;

// A stack window and the reads a libc's _start makes, by user address.
class FakeStack {
public:
    explicit FakeStack(usize size, u8 fill = 0xcc) : bytes(size, fill) {}
    u64 bottom() const { return kStackTop - bytes.size(); }
    u64 u64_at(u64 address) const {
        EXPECT_GE(address, bottom());
        EXPECT_LE(address + 8, kStackTop);
        u64 value;
        std::memcpy(&value, bytes.data() + (address - bottom()), 8);
        return value;
    }
    std::string string_at(u64 address) const {
        EXPECT_GE(address, bottom());
        EXPECT_LT(address, kStackTop);
        const char* start = reinterpret_cast<const char*>(bytes.data() + (address - bottom()));
        return std::string(start, strnlen(start, kStackTop - address));
    }
    std::vector<u8> bytes;
};

struct Walked {
    u64 argc = 0;
    std::vector<std::string> argv, envp;
    std::vector<u64> argv_pointers, envp_pointers;
    std::vector<AuxEntry> auxv;  // without AT_NULL
    u64 aux_null_address = 0;
};

// What glibc's and musl's _start do: argc at rsp, argv until NULL, envp until NULL, auxv
// until AT_NULL.
Walked walk(const FakeStack& stack, u64 rsp) {
    Walked w;
    w.argc = stack.u64_at(rsp);
    u64 p = rsp + 8;
    for (u64 i = 0; i < w.argc; ++i, p += 8) {
        w.argv_pointers.push_back(stack.u64_at(p));
        w.argv.push_back(stack.string_at(w.argv_pointers.back()));
    }
    EXPECT_EQ(stack.u64_at(p), 0u) << "argv ends with NULL";
    p += 8;
    for (; stack.u64_at(p) != 0; p += 8) {
        w.envp_pointers.push_back(stack.u64_at(p));
        w.envp.push_back(stack.string_at(w.envp_pointers.back()));
    }
    p += 8;
    for (; stack.u64_at(p) != AT_NULL; p += 16) w.auxv.push_back({stack.u64_at(p), stack.u64_at(p + 8)});
    w.aux_null_address = p;
    EXPECT_EQ(stack.u64_at(p + 8), 0u);
    return w;
}

u64 aux_value(const Walked& w, u64 type) {
    for (const AuxEntry& e : w.auxv)
        if (e.type == type) return e.value;
    ADD_FAILURE() << "no auxv entry " << type;
    return 0;
}

StackInput make_input(FakeStack& stack, std::span<const std::string_view> argv,
                      std::span<const std::string_view> envp, std::span<const AuxEntry> auxv,
                      std::string_view execfn) {
    StackInput input;
    input.argv = argv;
    input.envp = envp;
    input.auxv = auxv;
    input.execfn = execfn;
    for (usize i = 0; i < kRandomBytes; ++i) input.random[i] = static_cast<u8>(0xa0 + i);
    input.stack_top = kStackTop;
    input.window = stack.bytes;
    return input;
}

TEST(InitialStack, LibcStartFindsArgvEnvpAndAuxv) {
    FakeStack stack(16 * 1024);
    const std::string_view argv[] = {"/bin/busybox", "echo", "hello world", ""};
    const std::string_view envp[] = {"PATH=/bin:/usr/bin", "HOME=/", "TERM=linux"};
    AuxList aux;
    aux.add(AT_SYSINFO_EHDR, 0x7ffff7fc1000);
    aux.add(AT_MINSIGSTKSZ, 3632);
    aux.add(AT_HWCAP, 0x178bfbff);
    aux.add(AT_PAGESZ, 4096);
    aux.add(AT_CLKTCK, 100);
    aux.add(AT_PHDR, 0x400040);
    aux.add(AT_PHENT, 56);
    aux.add(AT_PHNUM, 10);
    aux.add(AT_BASE, 0);
    aux.add(AT_FLAGS, 0);
    aux.add(AT_ENTRY, 0x401bc0);
    aux.add(AT_UID, 0);
    aux.add(AT_EUID, 0);
    aux.add(AT_GID, 0);
    aux.add(AT_EGID, 0);
    aux.add(AT_SECURE, 0);
    aux.add(AT_HWCAP2, 2);
    auto input = make_input(stack, argv, envp, aux.entries(), "/bin/busybox");
    auto result = build_initial_stack(input);
    ASSERT_TRUE(result.is_ok()) << result.error();
    const StackLayout& layout = result.value();

    EXPECT_EQ(layout.rsp % 16, 0u) << "the ABI's entry alignment";
    Walked w = walk(stack, layout.rsp);
    EXPECT_EQ(w.argc, 4u);
    EXPECT_EQ(w.argv, (std::vector<std::string>{"/bin/busybox", "echo", "hello world", ""}));
    EXPECT_EQ(w.envp, (std::vector<std::string>{"PATH=/bin:/usr/bin", "HOME=/", "TERM=linux"}));
    EXPECT_EQ(layout.argc, 4u);
    EXPECT_EQ(layout.argv, layout.rsp + 8);
    EXPECT_EQ(layout.envp, layout.rsp + 8 + 5 * 8);
    EXPECT_EQ(layout.auxv, layout.envp + 4 * 8);

    // The caller's entries first and in order, then the builder's.
    ASSERT_EQ(w.auxv.size(), aux.size() + 3);
    for (usize i = 0; i < aux.size(); ++i) EXPECT_EQ(w.auxv[i], aux.entries()[i]);
    EXPECT_EQ(w.auxv[aux.size()].type, AT_RANDOM);
    EXPECT_EQ(w.auxv[aux.size() + 1].type, AT_EXECFN);
    EXPECT_EQ(w.auxv[aux.size() + 2].type, AT_PLATFORM);

    u64 random = aux_value(w, AT_RANDOM);
    EXPECT_EQ(random, layout.random);
    for (usize i = 0; i < kRandomBytes; ++i)
        EXPECT_EQ(stack.bytes[random - stack.bottom() + i], 0xa0 + i);
    EXPECT_EQ(stack.string_at(aux_value(w, AT_PLATFORM)), "x86_64");
    EXPECT_EQ(aux_value(w, AT_PLATFORM), random + 16) << "platform string just above the random bytes";
    EXPECT_EQ(stack.string_at(aux_value(w, AT_EXECFN)), "/bin/busybox");
    EXPECT_NE(aux_value(w, AT_EXECFN), w.argv_pointers[0]) << "its own copy";
    EXPECT_EQ(aux_value(w, AT_PAGESZ), 4096u);

    // Between the auxv's end and the random bytes: only padding, under 16 bytes.
    EXPECT_LT(random - (w.aux_null_address + 16), 16u);
}

TEST(InitialStack, StringsAreContiguousWithExecfnAtTheTopAsOnLinux) {
    FakeStack stack(8 * 1024);
    const std::string_view argv[] = {"prog", "a", "bc"};
    const std::string_view envp[] = {"X=1", "YY=22"};
    auto result = build_initial_stack(make_input(stack, argv, envp, {}, "/usr/bin/prog"));
    ASSERT_TRUE(result.is_ok());
    const StackLayout& l = result.value();
    Walked w = walk(stack, l.rsp);

    EXPECT_EQ(stack.u64_at(kStackTop - 8), 0u) << "8 zero bytes at the very top";
    EXPECT_EQ(l.execfn, kStackTop - 8 - sizeof("/usr/bin/prog"));
    EXPECT_EQ(l.env_end, l.execfn);
    EXPECT_EQ(l.env_start, l.env_end - (4 + 6));
    EXPECT_EQ(w.envp_pointers[0], l.env_start);
    EXPECT_EQ(w.envp_pointers[1], l.env_start + 4);
    EXPECT_EQ(l.arg_end, l.env_start);
    EXPECT_EQ(l.arg_start, l.arg_end - (5 + 2 + 3));
    EXPECT_EQ(w.argv_pointers[0], l.arg_start);
    EXPECT_EQ(w.argv_pointers[1], l.arg_start + 5);
    EXPECT_EQ(w.argv_pointers[2], l.arg_start + 7);
    // /proc/self/cmdline is exactly the bytes [arg_start, arg_end).
    std::string cmdline(reinterpret_cast<const char*>(stack.bytes.data() + (l.arg_start - stack.bottom())),
                        l.arg_end - l.arg_start);
    EXPECT_EQ(cmdline, std::string("prog\0a\0bc\0", 10));

    EXPECT_EQ(l.platform, align_down(l.arg_start, 16) - 7);
    EXPECT_EQ(l.random, l.platform - 16);
    // Everything from rsp up is written: no 0xcc fill survives below the strings.
    for (u64 a = l.rsp; a < kStackTop; ++a) EXPECT_NE(stack.bytes[a - stack.bottom()], 0xcc) << a;
    EXPECT_EQ(stack.bytes[l.rsp - 1 - stack.bottom()], 0xcc) << "nothing written below rsp";
}

TEST(InitialStack, RspIsAlignedForEveryCountOfPointersAndStringLength) {
    for (usize argc = 1; argc <= 4; ++argc) {
        for (usize envc = 0; envc <= 3; ++envc) {
            for (usize length = 0; length < 17; ++length) {
                FakeStack stack(4096);
                std::vector<std::string> storage;
                for (usize i = 0; i < argc + envc; ++i) storage.push_back(std::string(length + i, 'x'));
                std::vector<std::string_view> argv(storage.begin(), storage.begin() + argc);
                std::vector<std::string_view> envp(storage.begin() + argc, storage.end());
                const AuxEntry aux[] = {{AT_PAGESZ, 4096}};
                auto result = build_initial_stack(make_input(stack, argv, envp, aux, "e"));
                ASSERT_TRUE(result.is_ok());
                EXPECT_EQ(result.value().rsp % 16, 0u);
                Walked w = walk(stack, result.value().rsp);
                EXPECT_EQ(w.argv.size(), argc);
                EXPECT_EQ(w.envp.size(), envc);
                // Linux's rounding: rsp is the highest 16-aligned address leaving room.
                const u64 words = 1 + (argc + 1) + (envc + 1) + 2 * (1 + 4);
                EXPECT_EQ(result.value().rsp, align_down(result.value().random - words * 8, 16));
            }
        }
    }
}

TEST(InitialStack, EmptyArgvBecomesOneEmptyString) {
    FakeStack stack(4096);
    auto result = build_initial_stack(make_input(stack, {}, {}, {}, "/prog"));
    ASSERT_TRUE(result.is_ok());
    Walked w = walk(stack, result.value().rsp);
    EXPECT_EQ(w.argc, 1u);
    EXPECT_EQ(w.argv, std::vector<std::string>{""});
    EXPECT_TRUE(w.envp.empty());
}

TEST(InitialStack, WhatDoesNotFitTheWindowIsE2BIG) {
    const std::string big(3000, 'a');
    const std::string_view argv[] = {"prog", big};
    FakeStack fits(4096);
    EXPECT_TRUE(build_initial_stack(make_input(fits, argv, {}, {}, "prog")).is_ok());
    const std::string_view envp[] = {big};
    FakeStack small(4096);
    EXPECT_EQ(build_initial_stack(make_input(small, argv, envp, {}, "prog")).error(), E2BIG);
    // Just the pointers: many empty strings.
    std::vector<std::string_view> many(1000, "");
    FakeStack pointers(4096);
    EXPECT_EQ(build_initial_stack(make_input(pointers, many, {}, {}, "prog")).error(), E2BIG);
    FakeStack tiny(16);
    const std::string_view one[] = {"p"};
    EXPECT_EQ(build_initial_stack(make_input(tiny, one, {}, {}, "p")).error(), E2BIG);
    FakeStack none(0);
    EXPECT_EQ(build_initial_stack(make_input(none, one, {}, {}, "p")).error(), E2BIG);
}

TEST(InitialStack, TheSmallestWindowThatFitsIsExactlyUsed) {
    const std::string_view argv[] = {"prog", "x"};
    const std::string_view envp[] = {"A=b"};
    FakeStack roomy(4096);
    auto layout = build_initial_stack(make_input(roomy, argv, envp, {}, "prog")).value();
    usize needed = kStackTop - layout.rsp;
    FakeStack exact(needed);
    auto result = build_initial_stack(make_input(exact, argv, envp, {}, "prog"));
    ASSERT_TRUE(result.is_ok());
    EXPECT_EQ(result.value().rsp, exact.bottom());
    EXPECT_EQ(walk(exact, result.value().rsp).envp, std::vector<std::string>{"A=b"});
    FakeStack short_by_one(needed - 1);
    EXPECT_EQ(build_initial_stack(make_input(short_by_one, argv, envp, {}, "prog")).error(), E2BIG);
}

TEST(InitialStack, OverlongStringIsE2BIGAsOnLinux) {
    FakeStack stack(512 * 1024);
    const std::string huge(kMaxArgStringLength, 'a');  // with its NUL, one byte too long
    const std::string_view argv[] = {"prog", huge};
    EXPECT_EQ(build_initial_stack(make_input(stack, argv, {}, {}, "prog")).error(), E2BIG);
    const std::string_view fits[] = {"prog", std::string_view(huge).substr(1)};
    EXPECT_TRUE(build_initial_stack(make_input(stack, fits, {}, {}, "prog")).is_ok());
}

TEST(InitialStack, AbsurdInputsAreEINVAL) {
    FakeStack stack(4096);
    const std::string_view argv[] = {"prog"};
    auto input = make_input(stack, argv, {}, {}, "prog");
    input.stack_top = kStackTop - 8;
    EXPECT_EQ(build_initial_stack(input).error(), EINVAL) << "misaligned top";
    input.stack_top = 1024;  // window would reach below 0
    EXPECT_EQ(build_initial_stack(input).error(), EINVAL);

    const std::string_view with_nul[] = {std::string_view("a\0b", 3)};
    EXPECT_EQ(build_initial_stack(make_input(stack, with_nul, {}, {}, "p")).error(), EINVAL);
    EXPECT_EQ(build_initial_stack(make_input(stack, argv, with_nul, {}, "p")).error(), EINVAL);
    EXPECT_EQ(build_initial_stack(make_input(stack, argv, {}, {}, std::string_view("a\0", 2))).error(),
              EINVAL);

    for (u64 reserved : {AT_NULL, AT_RANDOM, AT_EXECFN, AT_PLATFORM}) {
        const AuxEntry aux[] = {{AT_PAGESZ, 4096}, {reserved, 1}};
        EXPECT_EQ(build_initial_stack(make_input(stack, argv, {}, aux, "p")).error(), EINVAL);
    }
    std::vector<AuxEntry> too_many(kMaxAuxEntries + 1, AuxEntry{AT_IGNORE, 0});
    EXPECT_EQ(build_initial_stack(make_input(stack, argv, {}, too_many, "p")).error(), EINVAL);
}

TEST(InitialStack, AuxListHasAFixedCapacity) {
    AuxList list;
    for (usize i = 0; i < kMaxAuxEntries; ++i) EXPECT_TRUE(list.add(AT_IGNORE, i));
    EXPECT_FALSE(list.add(AT_IGNORE, 99));
    EXPECT_EQ(list.size(), kMaxAuxEntries);
    EXPECT_EQ(list.entries().back().value, kMaxAuxEntries - 1);
}

TEST(InitialStack, AuxvConstantsMatchLinux) {
    EXPECT_EQ(AT_PHDR, 3u);
    EXPECT_EQ(AT_PAGESZ, 6u);
    EXPECT_EQ(AT_ENTRY, 9u);
    EXPECT_EQ(AT_PLATFORM, 15u);
    EXPECT_EQ(AT_SECURE, 23u);
    EXPECT_EQ(AT_RANDOM, 25u);
    EXPECT_EQ(AT_HWCAP2, 26u);
    EXPECT_EQ(AT_EXECFN, 31u);
    EXPECT_EQ(AT_SYSINFO_EHDR, 33u);
    EXPECT_EQ(AT_MINSIGSTKSZ, 51u);
}

// The host kernel built the stack of a small static program; that program reports the
// layout facts that do not depend on Linux's random stack shift, and the builder must
// produce the same ones for the same argv, envp and number of auxv entries.
TEST(InitialStackHost, MatchesTheLayoutTheHostKernelBuilds) {
    if (std::system("command -v gcc >/dev/null 2>&1") != 0) GTEST_SKIP() << "no gcc";
    char pattern[] = "/tmp/osprey-stack-XXXXXX";
    std::filesystem::path dir = mkdtemp(pattern);
    std::ofstream(dir / "probe.c") << R"(
#include <stdint.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char** argv, char** envp) {
    uintptr_t rsp = (uintptr_t)argv - 8;
    int envc = 0;
    while (envp[envc]) envc++;
    uint64_t* aux = (uint64_t*)(envp + envc + 1);
    uintptr_t random = 0, platform = 0, execfn = 0;
    int n = 0;
    for (; aux[2 * n] != 0; n++) {
        if (aux[2 * n] == 25) random = aux[2 * n + 1];
        if (aux[2 * n] == 15) platform = aux[2 * n + 1];
        if (aux[2 * n] == 31) execfn = aux[2 * n + 1];
    }
    uintptr_t arg_end = (uintptr_t)argv[argc - 1] + strlen(argv[argc - 1]) + 1;
    uintptr_t env_end = (uintptr_t)envp[envc - 1] + strlen(envp[envc - 1]) + 1;
    uintptr_t execfn_end = execfn + strlen((char*)execfn) + 1;
    printf("%d %d %d %lu %lu %lu %d %d %lu %s\n", argc, envc, n, (unsigned long)(rsp % 16),
           (unsigned long)(random - rsp), (unsigned long)(platform - random),
           arg_end == (uintptr_t)envp[0], env_end == execfn,
           (unsigned long)(4096 - execfn_end % 4096), (char*)platform);
    return 0;
}
)";
    std::string build = "cd '" + dir.string() + "' && gcc -O1 -static -o probe probe.c 2>/dev/null";
    if (std::system(build.c_str()) != 0) {
        std::filesystem::remove_all(dir);
        GTEST_SKIP() << "cannot link a static program";
    }
    std::string run = "cd '" + dir.string() + "' && env -i A=1 BB=22 ./probe one 'two three' > out";
    ASSERT_EQ(std::system(run.c_str()), 0);
    std::ifstream out(dir / "out");
    int argc, envc, aux_count, contiguous_args, contiguous_env;
    unsigned long rsp_mod, random_minus_rsp, platform_minus_random, execfn_gap;
    std::string platform;
    out >> argc >> envc >> aux_count >> rsp_mod >> random_minus_rsp >> platform_minus_random >>
        contiguous_args >> contiguous_env >> execfn_gap >> platform;
    std::filesystem::remove_all(dir);
    ASSERT_TRUE(out.good() || out.eof());
    ASSERT_EQ(argc, 3);
    ASSERT_EQ(envc, 2);
    EXPECT_EQ(rsp_mod, 0u);
    EXPECT_EQ(contiguous_args, 1);
    EXPECT_EQ(contiguous_env, 1);
    EXPECT_EQ(platform, "x86_64");

    // Our stack for the same program: the same argv and envp, as many auxv entries.
    FakeStack stack(8192);
    const std::string_view argv[] = {"./probe", "one", "two three"};
    const std::string_view envp[] = {"A=1", "BB=22"};
    std::vector<AuxEntry> aux(static_cast<usize>(aux_count) - 3, AuxEntry{AT_IGNORE, 0});
    auto result = build_initial_stack(make_input(stack, argv, envp, aux, "./probe"));
    ASSERT_TRUE(result.is_ok());
    const StackLayout& l = result.value();
    EXPECT_EQ(l.random - l.rsp, random_minus_rsp);
    EXPECT_EQ(l.platform - l.random, platform_minus_random);
    EXPECT_EQ(kStackTop - (l.execfn + sizeof("./probe")), execfn_gap) << "8 bytes above AT_EXECFN";
}

}  // namespace
