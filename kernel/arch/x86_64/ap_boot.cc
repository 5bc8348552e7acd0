#include "arch/x86_64/ap_boot.h"

#include <cstring>
#include <new>

#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/syscall_msr.h"
#include "boot/real_mode.h"
#include "lib/atomic.h"
#include "lib/log.h"
#include "lib/panic.h"
#include "mm/heap.h"
#include "mm/kernel_stacks.h"
#include "sched/clock.h"
#include "sched/scheduler.h"

extern "C" char ap_trampoline_start[], ap_trampoline_params[], ap_trampoline_end[];

namespace ap_boot {

namespace {

// The trampoline's parameter block (ap_trampoline.S), field for field.
struct ApTrampolineParams {
    u32 page_table;
    u32 efer;
    u64 kernel_page_table;
    u64 stack_top;
    u64 entry;
    u64 argument;
    u32 stage;
    u32 reserved;
};
static_assert(sizeof(ApTrampolineParams) == 48);

constexpr u64 kPage = layout::kPageSize;
constexpr usize kTrampolinePages = 4;  // the code, then a PML4, a PDPT and a PD
constexpr u64 kInitDelayNs = 10'000'000;
constexpr u64 kStartupDelayNs = 200'000;
constexpr u64 kPollNs = 100'000;  // how often the boot CPU looks for the new one
constexpr u64 kEferLongModeEnable = 1u << 8, kEferNoExecuteEnable = 1u << 11;

// What a new CPU gets from the boot CPU, and how far it got once in the kernel. The boot
// CPU writes it before the start-up IPI and starts the next CPU only once this one is
// online or parked again, so one record serves every CPU in turn.
struct StartRecord {
    PerCpu* cpu;
    u64 interrupt_stacks[gdt::kIstCount];  // tops, by slot - 1; 0 for slots not in use
    kernel_stacks::Stack stack;  // the one it runs on from the kernel entry
    void (*online)(PerCpu& cpu, const kernel_stacks::Stack& stack);
    kstd::Atomic<u32> stage;  // Stage::KernelEntry and Stage::Online
};

// A new CPU's own memory: its PerCpu and tables in one block, its stacks.
struct CpuBlock {
    PerCpu percpu;
    gdt::CpuTables tables;
};
struct CpuMemory {
    CpuBlock* block = nullptr;
    kernel_stacks::Stack stack{};
    kernel_stacks::Stack interrupt_stacks[gdt::kIstCount]{};
};

u64 g_trampoline = 0;  // the code page's physical address; 0 before prepare()
StartRecord g_record;

volatile ApTrampolineParams& params() {
    u64 offset = static_cast<u64>(ap_trampoline_params - ap_trampoline_start);
    return *static_cast<volatile ApTrampolineParams*>(layout::phys_to_virt(g_trampoline + offset));
}

Stage stage_now() {
    u32 kernel = g_record.stage.load(kstd::acquire);
    return static_cast<Stage>(kernel ? kernel : params().stage);
}

void free_memory(CpuMemory& memory) {
    for (auto& stack : memory.interrupt_stacks)
        if (stack.top) kernel_stacks::free(stack);
    if (memory.stack.top) kernel_stacks::free(memory.stack);
    if (memory.block) heap::free(memory.block);
    memory = {};
}

Result<void> allocate_memory(CpuMemory& memory) {
    void* block = TRY(heap::allocate(sizeof(CpuBlock), 64));
    memory.block = new (block) CpuBlock{};
    memory.stack = TRY(kernel_stacks::allocate());
    // An interrupt stack for each slot the boot CPU uses (init_interrupt_stacks).
    const gdt::Tss& boot_tss = gdt::boot_cpu_tables().tss;
    for (unsigned i = 0; i < gdt::kIstCount; i++)
        if (boot_tss.ist[i]) memory.interrupt_stacks[i] = TRY(kernel_stacks::allocate(gdt::kInterruptStackSize));
    return {};
}

// The new CPU's first C++: everything a CPU sets up for itself, as kernel_entry does on
// the boot CPU. Interrupts stay off; until GS is set, nothing here may use this_cpu().
[[noreturn]] void secondary_cpu_entry(StartRecord* record) {
    record->stage.store(static_cast<u32>(Stage::KernelEntry), kstd::release);
    PerCpu& cpu = *record->cpu;
    gdt::load(*cpu.tables);
    idt::load();
    percpu::install(cpu);
    for (unsigned i = 0; i < gdt::kIstCount; i++)
        if (record->interrupt_stacks[i]) gdt::set_ist(static_cast<gdt::IstSlot>(i + 1), record->interrupt_stacks[i]);
    paging::enable_protection_features();
    fpu::init_secondary_cpu();
    syscall_msr::init();
    apic::enable_secondary_cpu();
    cpu.apic_id = apic::id();
    auto online = record->online;
    kernel_stacks::Stack stack = record->stack;
    // From here the boot CPU may reuse the record for the next CPU.
    record->stage.store(static_cast<u32>(Stage::Online), kstd::release);
    online(cpu, stack);
    panic("cpu {}: its online function returned", cpu.id);
}

}  // namespace

const char* stage_name(Stage stage) {
    switch (stage) {
    case Stage::NotStarted: return "never ran the trampoline";
    case Stage::RealMode: return "real mode";
    case Stage::ProtectedMode: return "protected mode";
    case Stage::LongMode: return "long mode, before the kernel";
    case Stage::KernelEntry: return "kernel entry, setting itself up";
    case Stage::Online: return "online";
    }
    return "?";
}

Result<void> prepare(const boot::BootInfo& info) {
    usize size = static_cast<usize>(ap_trampoline_end - ap_trampoline_start);
    if (size > kPage) panic("the AP trampoline ({} bytes) does not fit its page", size);
    auto base = boot::find_real_mode_pages(info, kTrampolinePages);
    if (!base) return Error(ENOMEM);
    // RAM below 1 MiB is in the direct map; the frame allocator never hands it out.
    auto* code = static_cast<u8*>(layout::phys_to_virt(*base));
    memset(code, 0, kTrampolinePages * kPage);
    memcpy(code, ap_trampoline_start, size);

    // The mode switch runs on its own tables: the first 2 MiB at their own address (the
    // trampoline runs there when paging comes on), and the kernel half as the kernel's
    // table has it (where the trampoline jumps next). The kernel half gets no new top-level
    // entries after boot (paging.cc), so this copy stays right.
    u64 pml4 = *base + kPage, pdpt = pml4 + kPage, pd = pdpt + kPage;
    auto table = [](u64 phys) { return static_cast<u64*>(layout::phys_to_virt(phys)); };
    table(pd)[0] = 0 | paging::kPresent | paging::kWritable | paging::kLargePage;
    table(pdpt)[0] = pd | paging::kPresent | paging::kWritable;
    table(pml4)[0] = pdpt | paging::kPresent | paging::kWritable;
    const u64* kernel = table(paging::kernel_space().root());
    for (unsigned i = 256; i < 512; i++) table(pml4)[i] = kernel[i];

    g_trampoline = *base;
    volatile ApTrampolineParams& p = params();
    p.page_table = static_cast<u32>(pml4);
    p.efer = kEferLongModeEnable | (cpu_features::has(cpu_features::kNx) ? kEferNoExecuteEnable : 0);
    p.kernel_page_table = paging::kernel_space().root();
    p.entry = reinterpret_cast<u64>(&secondary_cpu_entry);
    p.argument = reinterpret_cast<u64>(&g_record);
    klog::info("smp: start-up code at {:#x}", g_trampoline);
    return {};
}

Outcome start(u32 id, u32 apic_id, u64 timeout_ns, void (*online)(PerCpu& cpu, const kernel_stacks::Stack& stack),
              bool send_startup) {
    ASSERT(g_trampoline);
    Outcome outcome{nullptr, Stage::NotStarted, 0};
    CpuMemory memory;
    if (auto allocated = allocate_memory(memory); allocated.is_error()) {
        klog::warn("smp: no memory to start cpu {} (APIC id {}): {}", id, apic_id, err::name(allocated.error()));
        free_memory(memory);
        return outcome;
    }
    PerCpu& cpu = memory.block->percpu;
    cpu.id = id;
    cpu.apic_id = apic_id;
    cpu.tables = &memory.block->tables;
    g_record.cpu = &cpu;
    for (unsigned i = 0; i < gdt::kIstCount; i++) g_record.interrupt_stacks[i] = memory.interrupt_stacks[i].top;
    g_record.online = online;
    g_record.stack = memory.stack;
    g_record.stage.store(0, kstd::relaxed);
    volatile ApTrampolineParams& p = params();
    p.stack_top = memory.stack.top;
    p.stage = 0;
    // The record and parameters are written before the IPIs that make the CPU read them.
    __atomic_thread_fence(__ATOMIC_SEQ_CST);

    u64 began = cpu::rdtsc();
    u8 page = static_cast<u8>(g_trampoline / kPage);
    bool sent = apic::send_init(apic_id).is_ok();
    sched::sleep_ns(kInitDelayNs);
    for (int sipi = 0; sent && send_startup && sipi < 2; sipi++) {
        sent = apic::send_startup(apic_id, page).is_ok();
        sched::sleep_ns(kStartupDelayNs);
    }
    if (!sent) klog::warn("smp: the local APIC did not send the start-up IPIs for cpu {} (APIC id {})", id, apic_id);
    u64 deadline = began + ktime::ns_to_tsc(timeout_ns);
    while (sent && stage_now() != Stage::Online && static_cast<i64>(cpu::rdtsc() - deadline) < 0)
        sched::sleep_ns(kPollNs);
    outcome.reached = stage_now();
    outcome.start_ns = ktime::tsc_to_ns(cpu::rdtsc() - began);
    if (outcome.reached == Stage::Online) {
        outcome.cpu = &cpu;
        return outcome;
    }
    // INIT puts it back into wait-for-SIPI, whatever it was doing: only then is its
    // memory free, and the record and trampoline safe for the next CPU.
    (void)apic::send_init(apic_id);
    sched::sleep_ns(kInitDelayNs);
    free_memory(memory);
    return outcome;
}

}  // namespace ap_boot
