#include "arch/x86_64/apic.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/paging.h"
#include "sched/clock.h"

namespace apic {

namespace {

constexpr u32 kRegId = 0x20, kRegTpr = 0x80, kRegEoi = 0xb0, kRegSvr = 0xf0, kRegIcrLow = 0x300,
              kRegIcrHigh = 0x310, kRegLvtTimer = 0x320, kRegInitialCount = 0x380, kRegCurrentCount = 0x390,
              kRegDivide = 0x3e0, kRegLvtLint1 = 0x360;
// LINT1 in NMI delivery mode, unmasked: the wiring PCs use for external NMIs. QEMU's `nmi`
// monitor command arrives here (the host's request for a state dump).
constexpr u32 kLvtNmiMode = 0x400;
constexpr u32 kSvrEnable = 1u << 8;
constexpr u32 kLvtMasked = 1u << 16;
constexpr u32 kDivideBy16 = 0x3;
constexpr u64 kBaseEnable = 1ull << 11;
// ICR fields (Intel SDM vol. 3, 11.6.1): delivery mode in bits 10:8, delivery status
// (send pending) 12, level 14; physical destination mode, no shorthand.
constexpr u32 kIcrFixed = 0u << 8, kIcrNmi = 4u << 8, kIcrInit = 5u << 8, kIcrStartup = 6u << 8;
constexpr u32 kIcrSendPending = 1u << 12;
constexpr u32 kIcrAssert = 1u << 14;
// How long an IPI may stay pending before the APIC is called stuck; QEMU clears the bit
// at once, hardware within microseconds.
constexpr u64 kIcrIdleTimeoutNs = 10'000'000;

volatile u32* g_registers = nullptr;
u64 g_timer_hz = 0;
struct CountSample {
    u64 tsc;
    u32 count;
};
CountSample g_window_start;
u64 g_window_ticks = 0, g_window_tsc = 0;

u32 read(u32 reg) { return g_registers[reg / 4]; }
void write(u32 reg, u32 value) { g_registers[reg / 4] = value; }

void start_counting() {
    write(kRegDivide, kDivideBy16);
    write(kRegLvtTimer, kLvtMasked | kTimerVector);
    write(kRegInitialCount, 0xffffffff);
}

u64 stop_counting() {
    u32 remaining = read(kRegCurrentCount);
    write(kRegInitialCount, 0);
    return 0xffffffffull - remaining;
}

bool wait_icr_idle() {
    if (!(read(kRegIcrLow) & kIcrSendPending)) return true;
    u64 limit = ktime::ns_to_tsc(kIcrIdleTimeoutNs);
    u64 start = cpu::rdtsc();
    while (read(kRegIcrLow) & kIcrSendPending) {
        if (cpu::rdtsc() - start > limit) return false;
        cpu::pause();
    }
    return true;
}

Result<void> send(u32 apic_id, u32 command) {
    // The two halves go together: an interrupt handler sending its own IPI between them
    // would send to the wrong destination.
    bool restore = cpu::interrupts_enabled();
    cpu::disable_interrupts();
    bool idle = wait_icr_idle();
    if (idle) {
        write(kRegIcrHigh, apic_id << 24);
        write(kRegIcrLow, command);  // this write sends
    }
    if (restore) cpu::enable_interrupts();
    if (!idle) return Error(EBUSY);
    return {};
}

}  // namespace

Result<void> enable() {
    if (!cpu_features::has(cpu_features::kApic)) return Error(ENODEV);
    u64 base_msr = cpu::rdmsr(cpu::msr::kApicBase);
    cpu::wrmsr(cpu::msr::kApicBase, base_msr | kBaseEnable);
    u64 phys = base_msr & 0x000ffffffffff000ull;
    g_registers = static_cast<volatile u32*>(TRY(paging::map_mmio(phys, 4096)));
    write(kRegTpr, 0);
    write(kRegSvr, kSvrEnable | 0xff);  // spurious vector 0xff
    write(kRegLvtLint1, kLvtNmiMode);
    return {};
}

void enable_secondary_cpu() {
    cpu::wrmsr(cpu::msr::kApicBase, cpu::rdmsr(cpu::msr::kApicBase) | kBaseEnable);
    write(kRegTpr, 0);
    write(kRegSvr, kSvrEnable | 0xff);  // spurious vector 0xff
    write(kRegLvtLint1, kLvtNmiMode);
}

// The count with the TSC read around it; the narrowest of a few tries (see pit.cc).
CountSample take_sample() {
    CountSample best{};
    u64 best_width = ~0ull;
    for (int i = 0; i < 3; i++) {
        u64 before = cpu::rdtsc();
        u32 count = read(kRegCurrentCount);
        u64 after = cpu::rdtsc();
        if (after - before < best_width) {
            best_width = after - before;
            best = {before + (after - before) / 2, count};
        }
    }
    return best;
}

namespace {

// Counts APIC timer ticks over 250 us of TSC time (QEMU's APIC timer runs at 1 GHz / 16,
// so that is ~15,000 ticks). Only when the TSC's frequency was known without the PIT
// window (tsc_khz=, CPUID): a quarter of that window keeps boot short, and the samples
// taken as narrowly as the PIT path takes them keep the error to a fraction of a percent.
// A timer off by that much fires a little early (timers.cc re-arms) or late.
u64 calibrate_against_tsc() {
    u64 window = ktime::ns_to_tsc(250'000);
    start_counting();
    CountSample start = take_sample();
    while (cpu::rdtsc() - start.tsc < window) cpu::pause();
    CountSample end = take_sample();
    stop_counting();
    u64 elapsed = end.tsc - start.tsc;
    return elapsed ? (start.count - end.count) * ktime::tsc_hz() / elapsed : 0;
}

}  // namespace

void calibration_window_begin() {
    start_counting();
    g_window_start = take_sample();
}

void calibration_window_end(u64) {
    CountSample end = take_sample();
    stop_counting();
    g_window_ticks = g_window_start.count - end.count;  // counts down
    g_window_tsc = end.tsc - g_window_start.tsc;
}

Result<void> start_timer() {
    // Reuse the TSC calibration window when there was one; else measure now.
    if (g_window_tsc)
        g_timer_hz = g_window_ticks * ktime::tsc_hz() / g_window_tsc;
    else
        g_timer_hz = calibrate_against_tsc();
    if (g_timer_hz == 0) return Error(EIO);
    write(kRegLvtTimer, kTimerVector);  // one-shot, unmasked
    return {};
}

void start_secondary_timer() {
    write(kRegDivide, kDivideBy16);   // the divider the boot CPU's was measured with
    write(kRegLvtTimer, kTimerVector);  // one-shot, unmasked
}

void end_of_interrupt() { write(kRegEoi, 0); }
// 256 bits each, in eight registers 16 bytes apart.
bool requested(u8 vector) { return read(0x200 + 0x10 * (vector / 32)) & (1u << (vector % 32)); }
bool in_service(u8 vector) { return read(0x100 + 0x10 * (vector / 32)) & (1u << (vector % 32)); }
namespace {
u8 highest_in(u32 base) {
    for (int i = 7; i >= 0; i--)
        if (u32 bits = read(base + 0x10 * i)) return static_cast<u8>(i * 32 + 31 - __builtin_clz(bits));
    return 0;
}
}  // namespace
u8 highest_requested() { return highest_in(0x200); }
u8 highest_in_service() { return highest_in(0x100); }
u32 processor_priority() { return read(0xa0); }
u64 timer_hz() { return g_timer_hz; }
u32 id() { return read(kRegId) >> 24; }

void arm_oneshot_ns(u64 ns) {
    u64 ticks = static_cast<u64>((static_cast<unsigned __int128>(ns) * g_timer_hz + 999999999) / 1000000000);
    if (ticks == 0) ticks = 1;
    if (ticks > 0xffffffff) ticks = 0xffffffff;
    write(kRegInitialCount, static_cast<u32>(ticks));
}

void cancel_timer() { write(kRegInitialCount, 0); }

Result<void> send_ipi(u32 apic_id, u8 vector) { return send(apic_id, kIcrFixed | kIcrAssert | vector); }
Result<void> send_nmi(u32 apic_id) { return send(apic_id, kIcrNmi | kIcrAssert); }
Result<void> send_init(u32 apic_id) { return send(apic_id, kIcrInit | kIcrAssert); }
Result<void> send_startup(u32 apic_id, u8 page) { return send(apic_id, kIcrStartup | kIcrAssert | page); }

}  // namespace apic
