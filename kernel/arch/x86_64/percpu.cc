#include "arch/x86_64/percpu.h"

#include "arch/x86_64/cpu.h"

namespace percpu {

namespace {
PerCpu g_boot_cpu;
}

void init_boot_cpu() {
    g_boot_cpu.self = &g_boot_cpu;
    g_boot_cpu.id = 0;
    cpu::wrmsr(cpu::msr::kGsBase, reinterpret_cast<u64>(&g_boot_cpu));
    // Entering the kernel from ring 3 swaps GS with this (the user's GS base, 0 at start).
    cpu::wrmsr(cpu::msr::kKernelGsBase, 0);
}

}  // namespace percpu
