#include "arch/x86_64/apic.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/paging.h"
#include "sched/clock.h"

namespace apic {

namespace {

constexpr u32 kRegId = 0x20, kRegTpr = 0x80, kRegEoi = 0xb0, kRegSvr = 0xf0, kRegLvtTimer = 0x320,
              kRegInitialCount = 0x380, kRegCurrentCount = 0x390, kRegDivide = 0x3e0;
constexpr u32 kSvrEnable = 1u << 8;
constexpr u32 kLvtMasked = 1u << 16;
constexpr u32 kDivideBy16 = 0x3;
constexpr u64 kBaseEnable = 1ull << 11;

volatile u32* g_registers = nullptr;
u64 g_timer_hz = 0;

u32 read(u32 reg) { return g_registers[reg / 4]; }
void write(u32 reg, u32 value) { g_registers[reg / 4] = value; }

// Counts APIC timer ticks over 1 ms of TSC time (QEMU's APIC timer runs at 1 GHz / 16,
// so that is tens of thousands of ticks: precise enough, and cheap at boot).
u64 calibrate() {
    write(kRegDivide, kDivideBy16);
    write(kRegLvtTimer, kLvtMasked | kTimerVector);
    u64 window = clock::ns_to_tsc(1'000'000);
    write(kRegInitialCount, 0xffffffff);
    u64 start = cpu::rdtsc();
    while (cpu::rdtsc() - start < window) cpu::pause();
    u32 remaining = read(kRegCurrentCount);
    u64 elapsed = cpu::rdtsc() - start;
    write(kRegInitialCount, 0);
    u64 ticks = 0xffffffffull - remaining;
    return ticks * clock::tsc_hz() / elapsed;
}

}  // namespace

Result<void> init() {
    if (!cpu_features::has(cpu_features::kApic)) return Error(ENODEV);
    u64 base_msr = cpu::rdmsr(cpu::msr::kApicBase);
    cpu::wrmsr(cpu::msr::kApicBase, base_msr | kBaseEnable);
    u64 phys = base_msr & 0x000ffffffffff000ull;
    g_registers = static_cast<volatile u32*>(TRY(paging::map_mmio(phys, 4096)));
    write(kRegTpr, 0);
    write(kRegSvr, kSvrEnable | 0xff);  // spurious vector 0xff
    g_timer_hz = calibrate();
    if (g_timer_hz == 0) return Error(EIO);
    write(kRegLvtTimer, kTimerVector);  // one-shot, unmasked
    return {};
}

void end_of_interrupt() { write(kRegEoi, 0); }
u64 timer_hz() { return g_timer_hz; }
u32 id() { return read(kRegId) >> 24; }

void arm_oneshot_ns(u64 ns) {
    u64 ticks = static_cast<u64>((static_cast<unsigned __int128>(ns) * g_timer_hz + 999999999) / 1000000000);
    if (ticks == 0) ticks = 1;
    if (ticks > 0xffffffff) ticks = 0xffffffff;
    write(kRegInitialCount, static_cast<u32>(ticks));
}

void cancel_timer() { write(kRegInitialCount, 0); }

}  // namespace apic
