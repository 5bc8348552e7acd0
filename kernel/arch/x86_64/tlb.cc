#include "arch/x86_64/tlb.h"

#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"
#include "lib/atomic.h"
#include "lib/log.h"
#include "sched/clock.h"

namespace tlb {

u64 g_waiting = 0;

namespace {

// The request in flight: written by the CPU that owns g_busy before it sets g_waiting,
// read by the CPUs whose bit is set there.
struct Request {
    const paging::PageTable* table;  // nullptr: the kernel half
    u64 start, end;
    bool drop;
};
Request g_request;
u64 g_request_tsc = 0;  // when g_request was sent; written with it
kstd::Atomic<bool> g_busy{false};
kstd::Atomic<bool> g_told_late{false};
kstd::Atomic<u64> g_sent{0}, g_answered{0};

u64 online_mask() {
    u32 count = smp::online_count();
    return count >= 64 ? ~0ull : (1ull << count) - 1;
}

void flush_everything(bool kernel_too) {
    if (!kernel_too) {
        cpu::write_cr3(cpu::read_cr3());  // global (kernel) entries survive this
        return;
    }
    u64 cr4 = cpu::read_cr4();
    if (cr4 & (1ull << 7)) {
        cpu::write_cr4(cr4 & ~(1ull << 7));  // clearing PGE flushes global entries too
        cpu::write_cr4(cr4);
    } else {
        cpu::write_cr3(cpu::read_cr3());
    }
}

void apply(const Request& r) {
    PerCpu* cpu = this_cpu();
    if (r.drop) {
        if (cpu->loaded_table == r.table) paging::kernel_space().activate();
        return;
    }
    if (r.table && cpu->loaded_table != r.table) return;  // not loaded here: nothing cached
    flush_here(r.table == nullptr, r.start, r.end);
}

void on_shootdown(TrapFrame&) {
    apic::end_of_interrupt();
    answer();
}

void send(const Request& request, u64 cpus) {
    u32 self = this_cpu()->id;
    cpus &= online_mask() & ~(1ull << self);
    if (!cpus) return;
    bool restore = cpu::interrupts_enabled();
    cpu::disable_interrupts();  // stays on this CPU, answering others while it waits
    cpu::SpinWait spin;
    while (g_busy.exchange(true, kstd::acquire)) {
        answer();
        spin.once();
    }
    g_request = request;
    g_request_tsc = cpu::rdtsc();
    __atomic_store_n(&g_waiting, cpus, __ATOMIC_RELEASE);
    g_sent.fetch_add(1, kstd::relaxed);
    for (u32 i = 0; i < 64; i++)
        if (cpus & (1ull << i)) (void)apic::send_ipi(smp::cpu(i)->apic_id, kShootdownVector);
    while (__atomic_load_n(&g_waiting, __ATOMIC_ACQUIRE)) spin.once();
    g_answered.fetch_add(1, kstd::relaxed);
    g_busy.store(false, kstd::release);
    if (restore) cpu::enable_interrupts();
}

}  // namespace

void init() { idt::set_handler(kShootdownVector, on_shootdown); }

void flush_here(bool kernel, u64 start, u64 end) {
    // Above this many pages, all at once rather than page by page.
    constexpr u64 kMaxPagesOneByOne = 32;
    if ((end - start) / layout::kPageSize > kMaxPagesOneByOne) {
        flush_everything(kernel);
        return;
    }
    for (u64 v = start; v < end; v += layout::kPageSize) cpu::invlpg(v);
}

void answer() {
    PerCpu* cpu = this_cpu();
    u64 bit = 1ull << cpu->id;
    if (!(__atomic_load_n(&g_waiting, __ATOMIC_ACQUIRE) & bit)) return;
    Request request = g_request;
    apply(request);
    __atomic_fetch_and(&g_waiting, ~bit, __ATOMIC_RELEASE);
}

void poll_from_timer() {
    u64 bit = 1ull << this_cpu()->id;
    if (!(__atomic_load_n(&g_waiting, __ATOMIC_ACQUIRE) & bit)) return;
    // Read before answering: once every CPU has, the next request may overwrite it.
    u64 sent = g_request_tsc;
    answer();
    constexpr u64 kLateNs = 10'000'000;  // an IPI arrives in microseconds
    u64 waited = ktime::tsc_to_ns(cpu::rdtsc() - sent);
    if (waited > kLateNs && !g_told_late.exchange(true, kstd::relaxed))
        klog::warn("tlb: cpu {} answered a shootdown from its timer interrupt after {} ms: the IPI was not delivered",
                   this_cpu()->id, waited / 1'000'000);
}

void flush_others(const paging::PageTable* table, u64 start, u64 end, u64 cpus) {
    send({table, start, end, false}, table ? cpus : ~0ull);
}

void drop_others(const paging::PageTable* table, u64 cpus) { send({table, 0, 0, true}, cpus); }

Stats stats() { return {g_sent.load(kstd::relaxed), g_answered.load(kstd::relaxed)}; }

}  // namespace tlb
