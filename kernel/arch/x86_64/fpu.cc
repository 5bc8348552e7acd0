#include "arch/x86_64/fpu.h"

#include <cstring>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"
#include "mm/heap.h"

namespace fpu {

namespace {

constexpr u64 kCr0MonitorCoprocessor = 1ull << 1, kCr0Emulation = 1ull << 2, kCr0TaskSwitched = 1ull << 3,
              kCr0NumericError = 1ull << 5;
constexpr u64 kCr4Osfxsr = 1ull << 9, kCr4Osxmmexcpt = 1ull << 10, kCr4Osxsave = 1ull << 18;
// XCR0 components applications may use: x87, SSE, AVX, and the three AVX-512 parts.
constexpr u64 kUserComponents = 0b1110'0111;

bool g_xsave = false;
u64 g_xcr0 = 0;
u64 g_xcr0_loaded = 0;  // what every CPU writes to XCR0 (0: the CPU has no XSAVE)
usize g_size = 512;
alignas(64) u8 g_initial[4096];

void xsetbv(u32 index, u64 value) {
    asm volatile("xsetbv" ::"c"(index), "a"(static_cast<u32>(value)), "d"(static_cast<u32>(value >> 32)));
}

void enable_control_registers() {
    u64 cr0 = cpu::read_cr0();
    cr0 &= ~(kCr0Emulation | kCr0TaskSwitched);
    cr0 |= kCr0MonitorCoprocessor | kCr0NumericError;
    cpu::write_cr0(cr0);
    u64 cr4 = cpu::read_cr4() | kCr4Osfxsr | kCr4Osxmmexcpt;
    if (cpu_features::has(cpu_features::kXsave)) cr4 |= kCr4Osxsave;
    cpu::write_cr4(cr4);
}

void reset_registers() {
    asm volatile("fninit");
    u32 mxcsr = 0x1f80;  // all exceptions masked, round to nearest
    asm volatile("ldmxcsr %0" ::"m"(mxcsr));
}

}  // namespace

void init() {
    enable_control_registers();
    if (cpu_features::has(cpu_features::kXsave)) {
        auto leaf = cpu::cpuid(0xd, 0);
        u64 supported = (static_cast<u64>(leaf.edx) << 32) | leaf.eax;
        g_xcr0 = supported & kUserComponents;
        // AVX-512 state is usable only as a whole, and only with AVX.
        if ((g_xcr0 & 0xe0) != 0xe0 || !(g_xcr0 & 0x4)) g_xcr0 &= ~0xe0ull;
        xsetbv(0, g_xcr0);
        g_size = cpu::cpuid(0xd, 0).ebx;  // for the components now enabled
        g_xsave = g_size <= sizeof g_initial;
        g_xcr0_loaded = g_xcr0;
        if (!g_xsave) {  // an absurd size: fall back to FXSAVE's fixed 512 bytes
            g_xcr0_loaded = 3;
            xsetbv(0, g_xcr0_loaded);
            g_size = 512;
        }
    }
    // The state every thread starts from.
    reset_registers();
    memset(g_initial, 0, sizeof g_initial);
    save(g_initial);
}

void init_secondary_cpu() {
    enable_control_registers();
    if (g_xcr0_loaded) xsetbv(0, g_xcr0_loaded);
    reset_registers();
}

usize state_size() { return g_size; }
bool uses_xsave() { return g_xsave; }
u64 enabled_features() { return g_xsave ? g_xcr0 : 3; }

Result<void*> allocate_initial_state() {
    void* area = TRY(heap::allocate(g_size, 64));
    memcpy(area, g_initial, g_size);
    return area;
}

void free_state(void* area) { heap::free(area); }

void save(void* area) {
    if (g_xsave)
        asm volatile("xsave64 (%0)" ::"r"(area), "a"(static_cast<u32>(g_xcr0)), "d"(static_cast<u32>(g_xcr0 >> 32))
                     : "memory");
    else
        asm volatile("fxsave64 (%0)" ::"r"(area) : "memory");
}

void restore(const void* area) {
    if (g_xsave)
        asm volatile("xrstor64 (%0)" ::"r"(area), "a"(static_cast<u32>(g_xcr0)), "d"(static_cast<u32>(g_xcr0 >> 32))
                     : "memory");
    else
        asm volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
}

}  // namespace fpu
