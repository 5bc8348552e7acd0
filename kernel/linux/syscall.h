// The Linux system-call interface: a table indexed by syscall number (linux/syscall_table.cc)
// of typed handlers, each wrapped by linux/syscall_adapter.h; only the dispatcher and that
// adapter turn an error into -errno. Each family of calls lives in its own file
// (linux/sys_*.cc) and ends with the list of its calls; docs/linux-abi.md says how to add one.
#pragma once

#include "arch/x86_64/trap_frame.h"
#include "base/result.h"
#include "linux/syscall_numbers.h"
#include "mm/user_memory.h"

namespace linux_abi {

// Argument `index` (0-5) of the call the frame was saved for, in the x86-64 syscall
// convention: rdi, rsi, rdx, r10, r8, r9.
constexpr u64 syscall_argument(const TrapFrame& frame, unsigned index) {
    switch (index) {
        case 0: return frame.rdi;
        case 1: return frame.rsi;
        case 2: return frame.rdx;
        case 3: return frame.r10;
        case 4: return frame.r8;
        default: return frame.r9;
    }
}

struct SyscallEntry {
    // Decodes the arguments from the frame, runs the handler and returns what goes back in
    // rax: the result, or -errno.
    i64 (*invoke)(TrapFrame& frame);
    u8 argument_count;  // for the trace
    // The handler takes the TrapFrame: it may change the registers the caller gets back
    // (rt_sigreturn, execve), so its return restores every one from the frame. Any other
    // handler leaves the frame as the entry saved it, which lets the return skip restoring
    // what the C calling convention already preserved (arch/x86_64/syscall_entry.S).
    bool takes_frame;
};

// The table: Linux numbers to entries (linux/syscall_table.cc), null where Osprey does not
// implement the call.
struct SyscallTable {
    const SyscallEntry* entries[kSyscallCount] = {};
};
extern const SyscallTable g_syscall_table;

// The entry for a Linux syscall number; null for a call Osprey does not implement.
inline const SyscallEntry* syscall_entry(u64 number) {
    return number < kSyscallCount ? g_syscall_table.entries[number] : nullptr;
}

// --trace: log every syscall with its arguments and result on the kernel log.
void set_tracing(bool on);
bool tracing();

}  // namespace linux_abi
