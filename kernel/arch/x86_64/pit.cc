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
}  // namespace

// Channel 0, whose gate is always on: channel 2's gate sits behind port 0x61, which
// microvm does not have. Mode 2 with the full 65536 reload, read by latching the count,
// so nothing depends on the PIT's interrupt (masked at the PIC anyway).
u64 measure_tsc_over(u16 ticks) {
    cpu::outb(kCommand, 0x34);  // channel 0, lobyte/hibyte, mode 2, binary
    cpu::outb(kChannel0Data, 0);
    cpu::outb(kChannel0Data, 0);
    u16 last = read_count();
    u64 start = cpu::rdtsc();
    u64 elapsed = 0;
    for (u64 i = 0; i < kSpinLimit; i++) {
        u16 now = read_count();
        elapsed += static_cast<u16>(last - now);  // counts down, wrapping at 65536
        last = now;
        if (elapsed >= ticks) {
            u64 cycles = cpu::rdtsc() - start;
            // Scale to exactly `ticks`: the last read may overshoot by a few.
            return cycles * ticks / elapsed;
        }
    }
    return 0;
}

}  // namespace pit
