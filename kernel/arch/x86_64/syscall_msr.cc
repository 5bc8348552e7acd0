#include "arch/x86_64/syscall_msr.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"

extern "C" void syscall_entry();

namespace syscall_msr {

void init() {
    constexpr u64 kEferSyscallEnable = 1;
    constexpr u64 kFlagTrap = 1 << 8, kFlagInterrupt = 1 << 9, kFlagDirection = 1 << 10, kFlagNestedTask = 1 << 14,
                  kFlagAlignmentCheck = 1 << 18;
    cpu::wrmsr(cpu::msr::kEfer, cpu::rdmsr(cpu::msr::kEfer) | kEferSyscallEnable);
    // syscall loads CS = STAR[47:32], SS = +8; sysret loads SS = STAR[63:48] + 8 and
    // CS = STAR[63:48] + 16 (with RPL 3): so the base is the user data selector - 8.
    u64 sysret_base = (gdt::kUserData & ~3ull) - 8;
    cpu::wrmsr(cpu::msr::kStar, (sysret_base << 48) | (static_cast<u64>(gdt::kKernelCode) << 32));
    cpu::wrmsr(cpu::msr::kLstar, reinterpret_cast<u64>(syscall_entry));
    cpu::wrmsr(cpu::msr::kSfmask, kFlagTrap | kFlagInterrupt | kFlagDirection | kFlagNestedTask | kFlagAlignmentCheck);
}

}  // namespace syscall_msr
