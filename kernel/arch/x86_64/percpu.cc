#include "arch/x86_64/percpu.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"

namespace percpu {

namespace {
PerCpu g_boot_cpu;
}

void install(PerCpu& cpu) {
    cpu.self = &cpu;
    cpu::wrmsr(cpu::msr::kGsBase, reinterpret_cast<u64>(&cpu));
    // Entering the kernel from ring 3 swaps GS with this (the user's GS base, 0 at start).
    cpu::wrmsr(cpu::msr::kKernelGsBase, 0);
}

void init_boot_cpu() {
    g_boot_cpu.id = 0;
    g_boot_cpu.tables = &gdt::boot_cpu_tables();
    install(g_boot_cpu);
}

PerCpu& boot_cpu() { return g_boot_cpu; }

}  // namespace percpu
