#include "arch/x86_64/tsc.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pit.h"
#include "lib/panic.h"

namespace tsc {

namespace {

u64 from_cpuid() {
    u32 max_leaf = cpu::cpuid(0).eax;
    if (max_leaf >= 0x15) {
        auto r = cpu::cpuid(0x15);
        // eax: denominator, ebx: numerator, ecx: crystal Hz (0 when not enumerated).
        if (r.eax && r.ebx && r.ecx) return static_cast<u64>(r.ecx) * r.ebx / r.eax;
    }
    return 0;
}

u64 from_cpuid_base_mhz() {
    if (cpu::cpuid(0).eax < 0x16) return 0;
    return static_cast<u64>(cpu::cpuid(0x16).eax & 0xffff) * 1000000;
}

// The PIT runs at 1.193182 MHz. Several short windows, keeping the smallest, trims the
// delays an emulator adds to some windows (a host preemption only ever lengthens one).
u64 from_pit() {
    constexpr u16 kTicks = 2983;  // 2.5 ms: boot time is spent here, so keep it short
    u64 best = 0;
    for (int i = 0; i < 2; i++) {
        u64 cycles = pit::measure_tsc_over(kTicks);
        if (cycles && (!best || cycles < best)) best = cycles;
    }
    return best * pit::kFrequencyHz / kTicks;
}

}  // namespace

Frequency detect() {
    if (u64 hz = from_cpuid()) return {hz, "cpuid-15h"};
    if (u64 hz = from_cpuid_base_mhz()) return {hz, "cpuid-16h"};
    if (u64 hz = from_pit()) return {hz, "pit"};
    panic("cannot determine the TSC frequency: no CPUID leaf 15h/16h and the PIT does not count");
}

}  // namespace tsc
