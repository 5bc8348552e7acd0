#include "arch/x86_64/ipi.h"

#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"
#include "lib/atomic.h"
#include "lib/backtrace.h"
#include "lib/log.h"
#include "lib/panic.h"
#include "sched/clock.h"
#include "sched/scheduler.h"

namespace ipi {

namespace {

constexpr u64 kReportAfterNs = 1'000'000'000;
constexpr u64 kWithdrawAfterNs = 10'000'000'000;
constexpr u64 kReportRunningEveryNs = 10'000'000'000;
constexpr u64 kSampleTimeoutNs = 100'000'000;

// One call at a time per target CPU:
//   Free -> Claimed (a caller owns the mailbox and writes function/argument)
//        -> Pending (posted; the IPI is on its way) -> Running (the target took it)
//        -> Done (the caller reads it and frees the mailbox).
// A caller may withdraw a Pending call (back to Claimed, then Free); once Running it must
// wait, since the function may be using the argument.
enum State : u32 { Free, Claimed, Pending, Running, Done };

const char* state_name(u32 state) {
    constexpr const char* kNames[] = {"free", "claimed", "pending (not taken)", "running", "done"};
    return state <= Done ? kNames[state] : "?";
}

// Per target CPU; reached by every CPU, so everything is atomic or ordered by `state`.
struct alignas(64) Mailbox {
    kstd::Atomic<u32> state{Free};
    Function function = nullptr;  // written while Claimed, read while Running
    void* argument = nullptr;
    kstd::Atomic<u64> calls{0};
    kstd::Atomic<u64> reschedules{0};
    // sample_state: a requester owns `sampling`; the target answers an NMI when
    // `sample_requested` is ahead of `sample_answered`, with the context stored first.
    kstd::Atomic<bool> sampling{false};
    kstd::Atomic<u32> sample_requested{0};
    kstd::Atomic<u32> sample_answered{0};
    kstd::Atomic<u64> sample_rip{0}, sample_rsp{0}, sample_rflags{0};
};

Mailbox g_mailboxes[smp::kMaxCpus];

void on_call(TrapFrame&) {
    apic::end_of_interrupt();
    Mailbox& m = g_mailboxes[this_cpu()->id];
    u32 expected = Pending;
    if (!m.state.compare_exchange_strong(expected, Running, kstd::acq_rel)) return;  // withdrawn
    m.function(m.argument);
    m.calls.fetch_add(1, kstd::relaxed);
    m.state.store(Done, kstd::release);
}

void on_reschedule(TrapFrame&) {
    apic::end_of_interrupt();
    g_mailboxes[this_cpu()->id].reschedules.fetch_add(1, kstd::relaxed);
    if (this_cpu()->scheduler) sched::on_reschedule_interrupt();
}

u64 elapsed_ns(u64 since_tsc) { return ktime::tsc_to_ns(cpu::rdtsc() - since_tsc); }

// Says what a CPU that keeps a caller waiting is doing.
void report(u32 cpu, u64 waited_ns) {
    Mailbox& m = g_mailboxes[cpu];
    smp::IdleCounts idle = smp::idle_counts(cpu);
    klog::warn("cpu {} has kept a remote call waiting for {} ms: call {}, {} halts, {} wake-ups", cpu,
               waited_ns / 1'000'000, state_name(m.state.load()), idle.halts, idle.wakeups);
    auto sample = sample_state(cpu);
    if (sample.is_error()) {
        klog::warn("cpu {} did not answer an NMI either ({})", cpu, err::name(sample.error()));
        return;
    }
    klog::print("  cpu {} was at ", cpu);
    backtrace::print_address(sample.value().rip);
    klog::print("  RSP {:#018x} RFLAGS {:#x} (interrupts {})\n", sample.value().rsp, sample.value().rflags,
                sample.value().rflags & (1u << 9) ? "on" : "off");
}

// Claims `cpu`'s mailbox and posts the call. ETIMEDOUT when the mailbox stayed busy
// (another caller's call on a CPU that does not answer).
Result<void> post(u32 cpu, Function function, void* argument) {
    Mailbox& m = g_mailboxes[cpu];
    u64 began = cpu::rdtsc();
    cpu::SpinWait spin;
    for (;;) {
        u32 expected = Free;
        if (m.state.compare_exchange_strong(expected, Claimed, kstd::acquire)) break;
        if (elapsed_ns(began) > kWithdrawAfterNs) return Error(ETIMEDOUT);
        spin.once();
    }
    m.function = function;
    m.argument = argument;
    m.state.store(Pending, kstd::release);
    if (auto sent = apic::send_ipi(smp::cpu(cpu)->apic_id, kCallVector); sent.is_error()) {
        m.state.store(Free, kstd::release);  // not sent: nobody will take it
        return sent;
    }
    return {};
}

// Waits for a posted call to finish, reporting a CPU that does not answer.
Result<void> wait(u32 cpu) {
    Mailbox& m = g_mailboxes[cpu];
    u64 began = cpu::rdtsc();
    u64 next_report = kReportAfterNs;
    cpu::SpinWait spin;
    for (;;) {
        if (m.state.load(kstd::acquire) == Done) {
            m.state.store(Free, kstd::release);
            return {};
        }
        u64 waited = elapsed_ns(began);
        if (waited > kWithdrawAfterNs) {
            u32 expected = Pending;
            if (m.state.compare_exchange_strong(expected, Claimed, kstd::acq_rel)) {
                m.state.store(Free, kstd::release);
                klog::warn("cpu {} never took a remote call: withdrawn after {} ms", cpu, waited / 1'000'000);
                return Error(ETIMEDOUT);
            }
        }
        if (waited > next_report) {
            report(cpu, waited);
            next_report = waited + (m.state.load() == Running ? kReportRunningEveryNs : kWithdrawAfterNs);
        }
        spin.once();
    }
}

void run_here(Function function, void* argument) {
    bool restore = cpu::interrupts_enabled();
    cpu::disable_interrupts();
    function(argument);
    if (restore) cpu::enable_interrupts();
}

}  // namespace

void init() {
    idt::set_handler(kCallVector, on_call);
    idt::set_handler(kRescheduleVector, on_reschedule);
}

Result<void> call(u32 cpu, Function function, void* argument) {
    if (!smp::cpu(cpu)) return Error(ENXIO);
    if (cpu == this_cpu()->id) {
        run_here(function, argument);
        return {};
    }
    ASSERT(cpu::interrupts_enabled());
    TRY(post(cpu, function, argument));
    return wait(cpu);
}

Result<void> call_others(Function function, void* argument) {
    ASSERT(cpu::interrupts_enabled());
    u32 self = this_cpu()->id;
    u32 count = smp::online_count();
    bool posted[smp::kMaxCpus] = {};
    Result<void> first = {};
    for (u32 cpu = 0; cpu < count; cpu++) {
        if (cpu == self) continue;
        auto result = post(cpu, function, argument);
        posted[cpu] = result.is_ok();
        if (result.is_error() && first.is_ok()) first = result;
    }
    for (u32 cpu = 0; cpu < count; cpu++) {
        if (!posted[cpu]) continue;
        auto result = wait(cpu);
        if (result.is_error() && first.is_ok()) first = result;
    }
    return first;
}

Result<void> send_reschedule(u32 cpu) {
    PerCpu* target = smp::cpu(cpu);
    if (!target) return Error(ENXIO);
    return apic::send_ipi(target->apic_id, kRescheduleVector);
}

CpuStats stats(u32 cpu) {
    if (cpu >= smp::kMaxCpus) return {0, 0, 0};
    const Mailbox& m = g_mailboxes[cpu];
    return {m.calls.load(kstd::relaxed), m.reschedules.load(kstd::relaxed), m.sample_answered.load(kstd::relaxed)};
}

Result<StateSample> sample_state(u32 cpu) {
    PerCpu* target = smp::cpu(cpu);
    if (!target) return Error(ENXIO);
    if (cpu == this_cpu()->id) return Error(EINVAL);
    Mailbox& m = g_mailboxes[cpu];
    bool expected = false;
    if (!m.sampling.compare_exchange_strong(expected, true, kstd::acquire)) return Error(EBUSY);
    u32 ticket = m.sample_requested.load(kstd::relaxed) + 1;
    m.sample_requested.store(ticket, kstd::release);
    Result<StateSample> result = Error(ETIMEDOUT);
    if (auto sent = apic::send_nmi(target->apic_id); sent.is_error()) {
        result = Error(sent.error());
    } else {
        u64 began = cpu::rdtsc();
        cpu::SpinWait spin;
        while (elapsed_ns(began) < kSampleTimeoutNs) {
            if (m.sample_answered.load(kstd::acquire) == ticket) {
                result = StateSample{m.sample_rip.load(kstd::relaxed), m.sample_rsp.load(kstd::relaxed),
                                     m.sample_rflags.load(kstd::relaxed)};
                break;
            }
            spin.once();
        }
    }
    // A late answer only overwrites the sample of a request nobody waits for.
    m.sampling.store(false, kstd::release);
    return result;
}

bool on_nmi(const TrapFrame& frame) {
    PerCpu* cpu = this_cpu();
    if (!cpu || cpu->id >= smp::kMaxCpus) return false;
    Mailbox& m = g_mailboxes[cpu->id];
    u32 requested = m.sample_requested.load(kstd::acquire);
    if (requested == m.sample_answered.load(kstd::relaxed)) return false;
    m.sample_rip.store(frame.rip, kstd::relaxed);
    m.sample_rsp.store(frame.rsp, kstd::relaxed);
    m.sample_rflags.store(frame.rflags, kstd::relaxed);
    m.sample_answered.store(requested, kstd::release);
    return true;
}

}  // namespace ipi
