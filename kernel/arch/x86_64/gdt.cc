#include "arch/x86_64/gdt.h"

namespace gdt {

namespace {

struct [[gnu::packed]] Tss {
    u32 reserved0;
    u64 rsp[3];
    u64 reserved1;
    u64 ist[7];
    u64 reserved2;
    u16 reserved3;
    u16 iomap_base;
};
static_assert(sizeof(Tss) == 104);

struct [[gnu::packed]] Pointer {
    u16 limit;
    u64 base;
};

alignas(16) Tss g_tss;
alignas(16) u64 g_gdt[7] = {
    0,
    0x00af9a000000ffff,  // kernel code: 64-bit, DPL 0
    0x00cf92000000ffff,  // kernel data
    0x00cff2000000ffff,  // user data: DPL 3
    0x00affa000000ffff,  // user code: 64-bit, DPL 3
    0, 0,                // TSS descriptor (16 bytes), filled in at init
};

}  // namespace

void init() {
    g_tss.iomap_base = sizeof(Tss);  // no I/O permission bitmap: ring 3 gets no ports
    u64 base = reinterpret_cast<u64>(&g_tss);
    u64 limit = sizeof(Tss) - 1;
    g_gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
               (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    g_gdt[6] = base >> 32;

    Pointer pointer{sizeof(g_gdt) - 1, reinterpret_cast<u64>(g_gdt)};
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

void set_ist(IstSlot slot, u64 stack_top) { g_tss.ist[slot - 1] = stack_top; }
void set_kernel_stack(u64 stack_top) { g_tss.rsp[0] = stack_top; }

}  // namespace gdt
