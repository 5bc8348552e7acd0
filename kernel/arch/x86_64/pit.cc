#include "arch/x86_64/pit.h"

#include "arch/x86_64/cpu.h"

namespace pit {

namespace {
constexpr u16 kChannel0Data = 0x40, kCommand = 0x43;
constexpr u64 kSpinLimit = 1ull << 32;

// Latches channel 0's count and reads it (lobyte, then hibyte).
u16 read_count() {
    cpu::outb(kCommand, 0x00);
    u8 lo = cpu::inb(kChannel0Data);
    u8 hi = cpu::inb(kChannel0Data);
    return static_cast<u16>(hi << 8 | lo);
}

// A PIT count with the TSC read around it. Reading the PIT takes three port accesses,
// which an emulator may stretch (or the host may preempt): the narrowest of a few tries
// bounds how far the count and the TSC can be apart.
struct Sample {
    u64 tsc;
    u16 count;
};

Sample take_sample() {
    Sample best{};
    u64 best_width = ~0ull;
    for (int i = 0; i < 3; i++) {
        u64 before = cpu::rdtsc();
        u16 count = read_count();
        u64 after = cpu::rdtsc();
        if (after - before < best_width) {
            best_width = after - before;
            best = {before + (after - before) / 2, count};
        }
    }
    return best;
}

}  // namespace

// Channel 0, whose gate is always on: channel 2's gate sits behind port 0x61, which
// microvm does not have. Mode 2 with the full 65536 reload, read by latching the count,
// so nothing depends on the PIT's interrupt (masked at the PIC anyway). Only the two ends
// of the window need to be precise: in between, both clocks run on real time.
u64 measure_tsc_over(u16 ticks, const WindowHook& hook) {
    cpu::outb(kCommand, 0x34);  // channel 0, lobyte/hibyte, mode 2, binary
    cpu::outb(kChannel0Data, 0);
    cpu::outb(kChannel0Data, 0);
    Sample first = take_sample();
    if (hook.begin) hook.begin();
    u16 last = first.count;
    u64 elapsed = 0;
    for (u64 i = 0; i < kSpinLimit && elapsed < ticks; i++) {
        u16 now = read_count();
        elapsed += static_cast<u16>(last - now);  // counts down, wrapping at 65536
        last = now;
    }
    if (elapsed < ticks) return 0;  // the PIT does not count
    Sample final = take_sample();
    elapsed += static_cast<u16>(last - final.count);
    u64 cycles = (final.tsc - first.tsc) * ticks / elapsed;
    if (hook.end) hook.end(cycles);
    return cycles;
}

}  // namespace pit
