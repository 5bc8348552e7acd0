#include "arch/x86_64/gdt.h"

#include "arch/x86_64/percpu.h"

namespace gdt {

namespace {

struct [[gnu::packed]] Pointer {
    u16 limit;
    u64 base;
};

constexpr u64 kDescriptors[5] = {
    0,
    0x00af9a000000ffff,  // kernel code: 64-bit, DPL 0
    0x00cf92000000ffff,  // kernel data
    0x00cff2000000ffff,  // user data: DPL 3
    0x00affa000000ffff,  // user code: 64-bit, DPL 3
};  // then the TSS descriptor (16 bytes), at kTss

CpuTables g_boot_cpu_tables;

}  // namespace

CpuTables& boot_cpu_tables() { return g_boot_cpu_tables; }

void load(CpuTables& tables) {
    tables.tss = {};
    tables.tss.iomap_base = sizeof(Tss);  // no I/O permission bitmap: ring 3 gets no ports
    for (usize i = 0; i < 5; i++) tables.gdt[i] = kDescriptors[i];
    u64 base = reinterpret_cast<u64>(&tables.tss);
    u64 limit = sizeof(Tss) - 1;
    tables.gdt[kTss / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
                           (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    tables.gdt[kTss / 8 + 1] = base >> 32;

    Pointer pointer{sizeof(tables.gdt) - 1, reinterpret_cast<u64>(tables.gdt)};
    asm volatile(
        "lgdt %0\n"
        "pushq %1\n"
        "leaq 1f(%%rip), %%rax\n"
        "pushq %%rax\n"
        "lretq\n"
        "1:\n"
        "movl %2, %%eax\n"
        "movl %%eax, %%ds\n"
        "movl %%eax, %%es\n"
        "movl %%eax, %%ss\n"
        "xorl %%eax, %%eax\n"
        "movl %%eax, %%fs\n"
        "movl %%eax, %%gs\n"
        "ltr %w3\n"
        :
        : "m"(pointer), "i"(static_cast<u64>(kKernelCode)), "i"(static_cast<u32>(kKernelData)),
          "r"(kTss)
        : "rax", "memory");
}

void set_ist(IstSlot slot, u64 stack_top) { this_cpu()->tables->tss.ist[slot - 1] = stack_top; }
void set_kernel_stack(u64 stack_top) { this_cpu()->tables->tss.rsp[0] = stack_top; }

}  // namespace gdt
