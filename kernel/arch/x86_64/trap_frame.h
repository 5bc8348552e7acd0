// The registers saved on entry to an interrupt or exception (arch/x86_64/isr.S), in stack
// order: what the stub pushed, then what the CPU pushed.
#pragma once

#include "base/types.h"

struct TrapFrame {
    u64 r15, r14, r13, r12, r11, r10, r9, r8;
    u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
    u64 vector;
    u64 error_code;  // 0 for vectors where the CPU pushes none
    u64 rip, cs, rflags, rsp, ss;

    bool from_user() const { return (cs & 3) == 3; }
};
static_assert(sizeof(TrapFrame) == 22 * 8);
