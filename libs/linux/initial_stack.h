// The initial process stack that execve leaves for a new program (System V x86-64 ABI,
// laid out the way Linux's fs/exec.c and fs/binfmt_elf.c do it), so that the _start code of
// glibc, musl, Go and Rust finds argc, argv, envp and the auxiliary vector where it looks.
//
// From the top of the stack down:
//   8 zero bytes
//   the AT_EXECFN string
//   envp strings, then below them argv strings (argv[0] lowest; each block in order and
//     contiguous, as /proc/self/cmdline and /proc/self/environ expect)
//   -- aligned down to 16 --
//   "x86_64\0" (AT_PLATFORM)
//   16 random bytes (AT_RANDOM)
//   zero padding, so that rsp ends 16-byte aligned
//   auxv: {type, value} pairs, ending with AT_NULL
//   envp pointers, NULL
//   argv pointers, NULL
//   argc                               <- rsp
//
// The builder writes into a kernel-visible window onto the top of the user stack and
// computes the user addresses; it never dereferences a user address. (Linux also moves the
// start down by a random amount for ASLR; the caller does that by choosing stack_top.)
#pragma once

#include <array>
#include <span>
#include <string_view>

#include "base/result.h"
#include "base/types.h"

// `linux` is a predefined macro in GNU C++ modes, hence linux_abi.
namespace linux_abi {

// Auxiliary vector entry types (include/uapi/linux/auxvec.h, arch/x86/include/uapi/asm/
// auxvec.h).
constexpr u64 AT_NULL = 0, AT_IGNORE = 1, AT_EXECFD = 2, AT_PHDR = 3, AT_PHENT = 4,
              AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7, AT_FLAGS = 8, AT_ENTRY = 9,
              AT_NOTELF = 10, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14,
              AT_PLATFORM = 15, AT_HWCAP = 16, AT_CLKTCK = 17, AT_SECURE = 23,
              AT_BASE_PLATFORM = 24, AT_RANDOM = 25, AT_HWCAP2 = 26,
              AT_RSEQ_FEATURE_SIZE = 27, AT_RSEQ_ALIGN = 28, AT_EXECFN = 31,
              AT_SYSINFO_EHDR = 33, AT_MINSIGSTKSZ = 51;

constexpr std::string_view kPlatform = "x86_64";
constexpr usize kRandomBytes = 16;
// Linux's MAX_ARG_STRLEN: one argument or environment string, with its NUL.
constexpr usize kMaxArgStringLength = 32 * 4096;
// Entries the caller may pass; the builder adds AT_RANDOM, AT_EXECFN, AT_PLATFORM, AT_NULL.
constexpr usize kMaxAuxEntries = 32;

struct AuxEntry {
    u64 type;
    u64 value;
    bool operator==(const AuxEntry&) const = default;
};

// A fixed-capacity list of auxiliary vector entries, in the order they are added.
class AuxList {
public:
    // false when the list is full.
    bool add(u64 type, u64 value) {
        if (m_count == kMaxAuxEntries) return false;
        m_entries[m_count++] = {type, value};
        return true;
    }
    std::span<const AuxEntry> entries() const { return {m_entries.data(), m_count}; }
    usize size() const { return m_count; }

private:
    std::array<AuxEntry, kMaxAuxEntries> m_entries{};
    usize m_count = 0;
};

struct StackInput {
    // An empty argv becomes {""}, as Linux has done since 5.18.
    std::span<const std::string_view> argv;
    std::span<const std::string_view> envp;
    // The path that was executed (AT_EXECFN); usually argv[0] or the resolved path.
    std::string_view execfn;
    // Caller's entries (AT_PHDR, AT_PAGESZ, ...), written first and in this order. They may
    // not contain AT_NULL, AT_RANDOM, AT_EXECFN or AT_PLATFORM: the builder places those.
    std::span<const AuxEntry> auxv;
    std::array<u8, kRandomBytes> random{};
    // User address just past the highest stack byte; 16-byte aligned.
    u64 stack_top = 0;
    // Kernel view of the user range [stack_top - window.size(), stack_top).
    std::span<u8> window;
};

// User addresses of what was placed, for the loader and for tests.
struct StackLayout {
    u64 rsp = 0;  // points at argc; 16-byte aligned
    u64 argc = 0;
    u64 argv = 0;  // the argv pointer array
    u64 envp = 0;  // the envp pointer array
    u64 auxv = 0;  // the first auxv entry
    u64 random = 0;
    u64 platform = 0;
    u64 execfn = 0;
    u64 arg_start = 0, arg_end = 0;  // the argv strings (for /proc/self/cmdline)
    u64 env_start = 0, env_end = 0;  // the envp strings (for /proc/self/environ)
};

// Builds the stack in `input.window`. Bytes from rsp to stack_top are all written (padding
// as zeros); the rest of the window is untouched. E2BIG when it does not fit the window or
// a string is longer than kMaxArgStringLength; EINVAL for a misaligned stack_top, a window
// reaching below address 0, a string with a NUL inside, or a reserved or over-long auxv.
Result<StackLayout> build_initial_stack(const StackInput& input);

}  // namespace linux_abi
