// The vDSO's code: runs in user mode inside the application, called by its libc (glibc,
// musl) or runtime (Go) in place of the system calls. Built apart from the kernel as a
// position-independent shared object (kernel/vdso/CMakeLists.txt) with no relocations and
// no data of its own: everything it knows comes from the time page ("vvar"), mapped one page
// below its first byte. What the page cannot answer goes to the real system call, so every
// result is the kernel's.
#include "time/clock_page.h"

// The time page, placed by the linker script one page below the image (kernel/vdso/vdso.cc
// maps it there); hidden, so the code reaches it RIP-relative without a relocation.
extern "C" const vclock::ClockPage osprey_vvar_clock __attribute__((visibility("hidden")));

namespace {

using vclock::kNsPerSecond;

constexpr long SYS_gettimeofday = 96, SYS_time = 201, SYS_clock_gettime = 228, SYS_clock_getres = 229;

struct Timespec {
    long tv_sec;
    long tv_nsec;
};
struct Timeval {
    long tv_sec;
    long tv_usec;
};
struct Timezone {
    int tz_minuteswest;
    int tz_dsttime;
};

// The system call, returning -errno on failure as the vDSO ABI does (libc sets errno).
// Out of line: only the calls the page cannot answer pay for setting it up.
[[gnu::noinline]] long syscall2(long number, long a, long b) {
    long result;
    asm volatile("syscall" : "=a"(result) : "a"(number), "D"(a), "S"(b) : "rcx", "r11", "memory");
    return result;
}

// LFENCE keeps RDTSC from running ahead of the loads before it (the sequence count), so a
// reading is never older than the count it is checked against, nor than the system call
// made just before it. Linux's vDSO reads the TSC the same way (rdtsc_ordered).
u64 read_tsc() {
    u64 low, high;
    asm volatile("lfence; rdtsc" : "=a"(low), "=d"(high)::"memory");
    return high << 32 | low;
}

// Nanoseconds on `clock`, or false when the page cannot answer for it. Inlined into each
// entry point: the call is the whole cost of reading the clock.
[[gnu::always_inline]] inline bool clock_ns(int clock, u64& ns) {
    return vclock::clock_ns(osprey_vvar_clock, static_cast<u32>(clock), read_tsc, ns);
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) int __vdso_clock_gettime(int clock, Timespec* ts) {
    u64 ns;
    if (!clock_ns(clock, ns)) [[unlikely]]
        return static_cast<int>(syscall2(SYS_clock_gettime, clock, reinterpret_cast<long>(ts)));
    ts->tv_sec = static_cast<long>(ns / kNsPerSecond);
    ts->tv_nsec = static_cast<long>(ns % kNsPerSecond);
    return 0;
}

__attribute__((visibility("default"))) int __vdso_gettimeofday(Timeval* tv, Timezone* tz) {
    u64 ns;
    if (!clock_ns(vclock::kRealtime, ns)) [[unlikely]]
        return static_cast<int>(syscall2(SYS_gettimeofday, reinterpret_cast<long>(tv), reinterpret_cast<long>(tz)));
    if (tv) {
        tv->tv_sec = static_cast<long>(ns / kNsPerSecond);
        tv->tv_usec = static_cast<long>(ns % kNsPerSecond / 1000);
    }
    if (tz) *tz = {0, 0};  // the kernel keeps UTC, as sys_gettimeofday reports
    return 0;
}

__attribute__((visibility("default"))) long __vdso_time(long* t) {
    u64 ns;
    if (!clock_ns(vclock::kRealtime, ns)) [[unlikely]] return syscall2(SYS_time, reinterpret_cast<long>(t), 0);
    long seconds = static_cast<long>(ns / kNsPerSecond);
    if (t) *t = seconds;
    return seconds;
}

// The CPU is the kernel's to tell (a thread may move between CPUs at any time, so any
// answer may be stale once returned, as on Linux): getcpu(2) itself. Reading it in user
// mode (RDPID, or LSL on a per-CPU descriptor) would save the system call.
__attribute__((visibility("default"))) long __vdso_getcpu(unsigned* cpu, unsigned* node, void* cache) {
    long result;
    asm volatile("syscall" : "=a"(result) : "0"(309L), "D"(cpu), "S"(node), "d"(cache) : "rcx", "r11", "memory");
    return result;
}

__attribute__((visibility("default"))) int __vdso_clock_getres(int clock, Timespec* res) {
    vclock::Snapshot page = vclock::snapshot(osprey_vvar_clock);
    u32 id = static_cast<u32>(clock);
    if (id >= vclock::kClockCount || !((page.tsc_clocks >> id) & 1))
        return static_cast<int>(syscall2(SYS_clock_getres, clock, reinterpret_cast<long>(res)));
    if (res) {
        res->tv_sec = static_cast<long>(page.resolution_ns / kNsPerSecond);
        res->tv_nsec = static_cast<long>(page.resolution_ns % kNsPerSecond);
    }
    return 0;
}

// The names without the prefix, as Linux's vDSO also exports them.
int clock_gettime(int, Timespec*) __attribute__((weak, alias("__vdso_clock_gettime"), visibility("default")));
int gettimeofday(Timeval*, Timezone*) __attribute__((weak, alias("__vdso_gettimeofday"), visibility("default")));
long time(long*) __attribute__((weak, alias("__vdso_time"), visibility("default")));
long getcpu(unsigned*, unsigned*, void*) __attribute__((weak, alias("__vdso_getcpu"), visibility("default")));
int clock_getres(int, Timespec*) __attribute__((weak, alias("__vdso_clock_getres"), visibility("default")));

}  // extern "C"
