// The Linux system-call interface: a table indexed by syscall number (linux/syscall_table.cc)
// of handlers that each return Result<u64>; only the dispatcher turns an error into -errno.
// Each family of calls lives in its own file (linux/sys_*.cc).
#pragma once

#include "arch/x86_64/trap_frame.h"
#include "base/result.h"
#include "mm/user_memory.h"

namespace linux_abi {

struct SyscallArgs {
    TrapFrame& frame;

    u64 operator[](unsigned i) const {
        switch (i) {
            case 0: return frame.rdi;
            case 1: return frame.rsi;
            case 2: return frame.rdx;
            case 3: return frame.r10;
            case 4: return frame.r8;
            default: return frame.r9;
        }
    }
    int fd(unsigned i) const { return static_cast<int>((*this)[i]); }
    i32 i32_arg(unsigned i) const { return static_cast<i32>((*this)[i]); }
    template <typename T>
    UserPtr<T> ptr(unsigned i) const {
        return UserPtr<T>((*this)[i]);
    }
};

using Handler = Result<u64> (*)(SyscallArgs& args);

struct SyscallEntry {
    Handler handler;
    u8 argument_count;  // for the trace
};

// The table: handlers registered by linux/syscall_table.cc.
const SyscallEntry& syscall_entry(u64 number);

// --trace: log every syscall with its arguments and result on the kernel log.
void set_tracing(bool on);
bool tracing();

}  // namespace linux_abi
