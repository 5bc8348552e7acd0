// Thin wrappers over x86-64 instructions the kernel needs. No policy here.
#pragma once

#include "base/types.h"

namespace cpu {

inline void outb(u16 port, u8 value) { asm volatile("outb %0, %1" ::"a"(value), "Nd"(port)); }
inline void outw(u16 port, u16 value) { asm volatile("outw %0, %1" ::"a"(value), "Nd"(port)); }
inline void outl(u16 port, u32 value) { asm volatile("outl %0, %1" ::"a"(value), "Nd"(port)); }
inline u8 inb(u16 port) {
    u8 value;
    asm volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}
inline u16 inw(u16 port) {
    u16 value;
    asm volatile("inw %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}
inline u32 inl(u16 port) {
    u32 value;
    asm volatile("inl %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

inline u64 rdmsr(u32 msr) {
    u32 lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (static_cast<u64>(hi) << 32) | lo;
}
inline void wrmsr(u32 msr, u64 value) {
    asm volatile("wrmsr" ::"c"(msr), "a"(static_cast<u32>(value)), "d"(static_cast<u32>(value >> 32)));
}

inline u64 rdtsc() {
    u32 lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (static_cast<u64>(hi) << 32) | lo;
}

struct CpuidResult {
    u32 eax, ebx, ecx, edx;
};
inline CpuidResult cpuid(u32 leaf, u32 subleaf = 0) {
    CpuidResult r;
    asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
    return r;
}

#define OSPREY_CONTROL_REGISTER(n)                                        \
    inline u64 read_cr##n() {                                             \
        u64 value;                                                        \
        asm volatile("mov %%cr" #n ", %0" : "=r"(value));                 \
        return value;                                                     \
    }                                                                     \
    inline void write_cr##n(u64 value) { asm volatile("mov %0, %%cr" #n ::"r"(value) : "memory"); }
OSPREY_CONTROL_REGISTER(0)
OSPREY_CONTROL_REGISTER(2)
OSPREY_CONTROL_REGISTER(3)
OSPREY_CONTROL_REGISTER(4)
#undef OSPREY_CONTROL_REGISTER

inline void invlpg(u64 virt) { asm volatile("invlpg (%0)" ::"r"(virt) : "memory"); }
inline void halt() { asm volatile("hlt"); }
inline void disable_interrupts() { asm volatile("cli" ::: "memory"); }
inline void enable_interrupts() { asm volatile("sti" ::: "memory"); }
// Enables interrupts and halts as one step: STI delays interrupts by one instruction, so
// one that arrives in between wakes the HLT instead of being handled before it (and then
// leaving the CPU asleep with nothing more to come).
inline void enable_interrupts_and_halt() { asm volatile("sti; hlt" ::: "memory"); }
inline void pause() { asm volatile("pause"); }

// One step of waiting for another CPU. Real CPUs want PAUSE in such loops; under QEMU's
// TCG every PAUSE leaves the translated code and takes the emulator's global lock, so a
// CPU pausing in a tight loop can starve another whose APIC or port access needs that
// lock, even the one it waits for (seen: a reschedule IPI's sender held up for a minute
// behind the CPU spinning on the run-queue lock the sender held). So PAUSE comes once per
// burst of plain reads.
class SpinWait {
public:
    void once() {
        if (++m_spins % kBurst == 0) pause();
    }

private:
    static constexpr u32 kBurst = 256;
    u32 m_spins = 0;
};

inline u64 read_flags() {
    u64 flags;
    asm volatile("pushfq; popq %0" : "=r"(flags));
    return flags;
}
inline bool interrupts_enabled() { return read_flags() & (1u << 9); }

[[noreturn]] inline void halt_forever() {
    for (;;) asm volatile("cli; hlt");
}

namespace msr {
constexpr u32 kEfer = 0xc0000080;
constexpr u32 kStar = 0xc0000081;
constexpr u32 kLstar = 0xc0000082;
constexpr u32 kSfmask = 0xc0000084;
constexpr u32 kFsBase = 0xc0000100;
constexpr u32 kGsBase = 0xc0000101;
constexpr u32 kKernelGsBase = 0xc0000102;
constexpr u32 kApicBase = 0x1b;
constexpr u32 kPat = 0x277;
}  // namespace msr

}  // namespace cpu
