// The ELF loader: a program (and its interpreter, ld.so, for a dynamic one) mapped into a
// new address space with the vDSO, a randomized layout and the initial stack (argv, envp,
// auxv) as Linux builds it. The first program (linux/exec.cc) and execve
// (linux/sys_exec.cc) both start programs through it.
#pragma once

#include <span>
#include <string_view>

#include "base/result.h"
#include "fs/dentry.h"
#include "fs/inode.h"
#include "linux/initial_stack.h"
#include "mm/address_space.h"

namespace linux_abi {

struct LoadRequest {
    std::string_view path;             // the program, from `directory` when relative
    RefPtr<fs::Inode> directory;       // where a relative path starts
    // execveat of a descriptor: the program is this file (`path` only names it in messages),
    // reached by this name (null when it has none, as a memfd).
    RefPtr<fs::Inode> file;
    RefPtr<fs::Dentry> file_name;
    std::span<const std::string_view> argv, envp;
    std::string_view execfn;           // AT_EXECFN: the path as the caller gave it
    u32 uid = 0, euid = 0, gid = 0, egid = 0;
    bool aslr = true;
    // RLIMIT_STACK's soft value: the stack mapped for the program is this size, from 128 KiB
    // up to 4 GiB (unlimited gets 4 GiB), and a quarter of it (at least 128 KiB) is the room
    // for the arguments and environment, as on Linux.
    u64 stack_limit = 8 * MiB;
};

struct LoadedProgram {
    mm::AddressSpace* memory = nullptr;  // the caller's once loaded
    RefPtr<fs::Dentry> exe;              // the program's file, as its path resolved
    u64 entry = 0;                       // where the first instruction is (ld.so's for a dynamic program)
    u64 program_entry = 0;               // the program's own (AT_ENTRY)
    StackLayout stack;
    AuxEntry auxv[kMaxAuxEntries + 8];   // as placed on the stack, AT_NULL included
    usize auxv_count = 0;
    // Why it failed, as a sentence for a person ("/bin/x: not an ELF file"); empty when
    // the error number says it all.
    char why[320] = {};
};

// Loads `request` into a new address space. The errors are execve's: ENOENT, EACCES,
// ENOEXEC (not an ELF x86-64 executable this loader can take), ENAMETOOLONG, E2BIG,
// ENOMEM; then nothing is left behind.
Result<void> load_program(const LoadRequest& request, LoadedProgram& out);

}  // namespace linux_abi
