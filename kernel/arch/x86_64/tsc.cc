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

// The PIT runs at 1.193182 MHz. Boot time is spent here, so the window is short: 1 ms
// gives the frequency to a fraction of a percent. A few ticks first warm up the polling
// loop (under TCG the first pass also translates the code).
// FIXME: refine the frequency over a longer window once the system runs (as Linux does);
// until then the monotonic clock may drift from the RTC by up to a few ms per second.
u64 from_pit(const pit::WindowHook& hook) {
    constexpr u16 kTicks = 1193;  // 1 ms
    pit::measure_tsc_over(8);
    u64 cycles = pit::measure_tsc_over(kTicks, hook);
    return cycles * pit::kFrequencyHz / kTicks;
}

}  // namespace

Frequency detect(u64 host_hz, const pit::WindowHook& hook) {
    // The host's word first, as Linux takes tsc_early_khz=: under -icount the TSC counts
    // instructions, which no CPUID leaf describes.
    if (host_hz) return {host_hz, "cmdline"};
    if (u64 hz = from_cpuid()) return {hz, "cpuid-15h"};
    if (u64 hz = from_cpuid_base_mhz()) return {hz, "cpuid-16h"};
    if (u64 hz = from_pit(hook)) return {hz, "pit"};
    panic("cannot determine the TSC frequency: no CPUID leaf 15h/16h and the PIT does not count");
}

}  // namespace tsc
