// Kernel start-up: from the PVH entry (arch/x86_64/boot.S) to a running system.
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/ipi.h"
#include "arch/x86_64/tlb.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/power.h"
#include "arch/x86_64/rtc.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/syscall_msr.h"
#include "arch/x86_64/tsc.h"
#include "boot/startup.h"
#include "boot/pvh.h"
#include "cmdline/cmdline.h"
#include "drivers/acpi/acpi.h"
#include "drivers/devices.h"
#include "drivers/serial/channels.h"
#include "fs/initramfs.h"
#include "fs/standard_mounts.h"
#include "linux/exec.h"
#include "linux/syscall.h"
#include "sched/thread.h"
#include "lib/backtrace.h"
#include "lib/log.h"
#include "lib/panic.h"
#include "mm/frames.h"
#include "mm/kernel_stacks.h"
#include "mm/memory_init.h"
#include "net/engine.h"
#include "sched/clock.h"
#include "sched/scheduler.h"
#include "sched/timer.h"
#include "sched/watchdog.h"
#include "sync/lockdep.h"
#include "time/tsc_khz.h"
#include "selftest/selftest.h"
#include "version.h"

extern "C" void (*__init_array_start[])();
extern "C" void (*__init_array_end[])();
extern "C" u64 boot_entry_tsc;
extern "C" char boot_stack[], boot_stack_top[];

namespace {

// The first GiB, as mapped by the boot page tables: all the PVH structures live there.
class EarlyPhysicalMemory final : public boot::PhysicalMemory {
public:
    const void* view(u64 phys, usize length) const override {
        if (phys >= 1 * GiB || length > 1 * GiB - phys) return nullptr;
        return layout::phys_to_virt(phys);
    }
};

boot::BootInfo g_boot_info;  // static: too large for the boot stack
kernel_stacks::Stack g_main_stack;
cmdline::CommandLine g_cmdline;

void run_global_constructors() {
    for (auto* ctor = __init_array_start; ctor != __init_array_end; ctor++) (*ctor)();
}

void apply_log_level() {
    if (auto level = g_cmdline.get("loglevel")) {
        klog::Level parsed;
        if (klog::parse_level(*level, parsed))
            klog::set_level(parsed);
        else
            klog::warn("unknown loglevel '{}' (use error, warn, info or debug)", *level);
    }
    if (g_cmdline.has("quiet")) klog::set_level(klog::Level::Error);
}

// Gives each interrupt-stack-table slot its own guarded stack.
void init_interrupt_stacks() {
    const struct {
        gdt::IstSlot slot;
        u8 vector;
    } slots[] = {{gdt::kIstDoubleFault, 8}, {gdt::kIstNmi, 2}, {gdt::kIstMachineCheck, 18}};
    // #DB stays on the thread's stack: it comes from ring 3 (single-stepping, icebp) and
    // its handler may sleep, which a shared interrupt stack cannot allow.
    for (const auto& s : slots) {
        auto stack = kernel_stacks::allocate(gdt::kInterruptStackSize);
        if (stack.is_error()) panic("no memory for interrupt stacks");
        gdt::set_ist(s.slot, stack.value().top);
        idt::use_ist(s.vector, s.slot);
    }
}

// tsc_khz= from the host (osprey run passes it), or 0 when absent or refused: a wrong value
// would run every clock and timer at the wrong rate, so only a sane one skips calibration.
u64 host_tsc_hz() {
    auto value = g_cmdline.get("tsc_khz");
    if (!value) return 0;
    auto hz = tsc_khz::parse_hz(*value);
    if (hz.is_error()) {
        klog::warn("tsc_khz={} refused ({}: {} to {} kHz, digits only); calibrating instead", *value,
                   err::name(hz.error()), tsc_khz::kMinKhz, tsc_khz::kMaxKhz);
        return 0;
    }
    return hz.value();
}

void init_time() {
    pic::disable();
    if (auto r = apic::enable(); r.is_error()) panic("local APIC: {}", err::name(r.error()));
    auto frequency = tsc::detect(host_tsc_hz(), {apic::calibration_window_begin, apic::calibration_window_end});
    i64 wall_seconds = 0;
    auto rtc_time = rtc::read_unix_seconds();
    if (rtc_time.is_ok())
        wall_seconds = rtc_time.value();
    else
        klog::warn("the CMOS RTC gave no valid time; the wall clock starts at the epoch");
    ktime::init(frequency.hz, static_cast<u64>(wall_seconds) * 1000000000ull);
    klog::info("tsc: {} kHz (from {})", frequency.hz / 1000, frequency.source);
    if (auto r = apic::start_timer(); r.is_error()) panic("local APIC timer: {}", err::name(r.error()));
    klog::info("apic: id {}, timer {} kHz", apic::id(), apic::timer_hz() / 1000);
}

[[noreturn]] void kernel_main();

// A boot that cannot go on for a reason the kernel log has just said (a missing root disk, an
// overlay that cannot be read): stopped with one more line and no backtrace, which would
// only show this file's calls. The host sees a panic record and shows the log.
template <typename... Args>
[[noreturn]] void stop_boot(std::string_view format, const Args&... args) {
    klog::print("\n*** boot stopped: ");
    klog::print(format, args...);
    klog::print("\n");
    power::shutdown({protocol::ExitReason::Panic, 0});
}

// overlay=NAME: the fw_cfg file with the run's own files (fs/overlay.h). A bare `overlay`
// is an empty name, which apply_overlay refuses with a message.
std::optional<std::string_view> overlay_name() {
    if (!g_cmdline.has("overlay")) return std::nullopt;
    return g_cmdline.get("overlay").value_or("");
}

// `osprey run`: the application's exit (or death) ends the VM; this boot thread's work is
// done once it has started.
[[noreturn]] void run_application() {
    if (auto mounted = fs::mount_standard(g_cmdline.get("root"), overlay_name()); mounted.is_error())
        stop_boot("cannot build the root file system ({})", err::name(mounted.error()));
    // Host folders (`osprey run -v`): 9p=TAG:PATH:ro|rw,... A program must not start
    // without the data it was promised.
    if (auto shares = g_cmdline.get("9p"))
        if (auto mounted = fs::mount_shared_folders(*shares); mounted.is_error())
            panic("cannot mount the host folders '{}': {}", *shares, err::name(mounted.error()));
    // Disks with an ext4 file system (`osprey run --volume`).
    if (auto mounted = fs::mount_volumes(); mounted.is_error())
        panic("cannot mount the volumes: {}", err::name(mounted.error()));
    // After the file systems: an address from ip=...,dns= (or DHCP) writes /etc/resolv.conf.
    net::engine::start(g_cmdline);
    linux_abi::set_tracing(g_cmdline.has("trace"));
    bool aslr = g_cmdline.get_bool("aslr").value_or(true);
    if (auto started = linux_abi::start_application(aslr); started.is_error()) {
        // As a shell reports it: 127 when the program is not there, 126 when it cannot run.
        u8 status = started.error() == ENOENT ? 127 : 126;
        power::shutdown({protocol::ExitReason::Exited, status});
    }
    thread_exit(0);
}

}  // namespace

// Called from boot.S on the boot stack, in long mode, with the first GiB mapped.
extern "C" [[noreturn]] void kernel_entry(u64 start_info_phys) {
    channels::init();
    run_global_constructors();
    backtrace::allow_stack(reinterpret_cast<u64>(boot_stack), reinterpret_cast<u64>(boot_stack_top));
    cpu_features::detect();
    gdt::load(gdt::boot_cpu_tables());
    idt::init();
    percpu::init_boot_cpu();  // after gdt::load(), which reloads GS
    fpu::init();
    syscall_msr::init();  // every CPU has the same MSRs (ap_boot.cc does them on the others)

    EarlyPhysicalMemory early_memory;
    auto info = boot::parse_pvh(start_info_phys, early_memory);
    if (info.is_error()) panic("invalid PVH start_info at {:#x}: {}", start_info_phys, err::name(info.error()));
    g_boot_info = info.release_value();
    g_cmdline = cmdline::CommandLine::parse(g_boot_info.cmdline);
    apply_log_level();

    if (auto r = memory::init(g_boot_info); r.is_error()) panic("memory setup failed: {}", err::name(r.error()));
    paging::enable_protection_features();
    init_interrupt_stacks();
    acpi::init(g_boot_info.rsdp_paddr);

    // Leave the boot stack (no guard page) for a guarded kernel stack.
    auto stack = kernel_stacks::allocate();
    if (stack.is_error()) panic("no memory for the main kernel stack");
    g_main_stack = stack.value();
    asm volatile(
        "movq %0, %%rsp\n"
        "xorl %%ebp, %%ebp\n"
        "call *%1\n"
        :
        : "r"(g_main_stack.top), "r"(&kernel_main)
        : "memory");
    __builtin_unreachable();
}

namespace {

[[noreturn]] void kernel_main() {
    init_time();
    timers::init();
    sched::init(g_main_stack);
    lockdep::start();  // every CPU's current thread is known from here on
    cpu::enable_interrupts();
    u64 startup_tsc = cpu::rdtsc();
    startup::mark(startup::Step::KernelReady);

    // Under `-icount shift=0` the TSC counts instructions: this is the boot-cost figure.
    u64 startup_ticks = startup_tsc - boot_entry_tsc;
    klog::print("Osprey {} (x86_64): kernel started in {} us ({} TSC ticks from PVH entry), {} MiB usable\n",
                kOspreyVersion, ktime::tsc_to_ns(startup_ticks) / 1000, startup_ticks,
                memory::usable_bytes() / MiB);
    klog::info("cpu: {}; cmdline: '{}'", cpu_features::brand(), g_boot_info.cmdline);
    if (klog::enabled(klog::Level::Info)) {
        char list[256];
        text::BufferSink names(list, sizeof list);
        for (u32 f = 0; f < cpu_features::kCount; f++)
            if (auto feature = static_cast<cpu_features::Feature>(f); cpu_features::has(feature))
                text::format_to(names, " {}", cpu_features::name(feature));
        klog::info("cpu features:{}", names.view());
    }

    ipi::init();
    tlb::init();
    std::optional<u32> no_sipi;
    if (auto apic_id = g_cmdline.get_u64("smp.no_sipi"); apic_id.is_ok()) no_sipi = static_cast<u32>(apic_id.value());
    watchdog::configure(g_cmdline);
    watchdog::start_this_cpu();
    smp::start_cpus(g_boot_info, no_sipi);
    // A CPU counts as online before its run queue is published (run_secondary_cpu): wait
    // for every one to schedule, so what comes next (the self-tests, the program) sees
    // them all in sched::cpu_count().
    u64 give_up = cpu::rdtsc() + ktime::ns_to_tsc(1'000'000'000);
    cpu::SpinWait spin;
    while (sched::cpu_count() < smp::online_count() && static_cast<i64>(cpu::rdtsc() - give_up) < 0) spin.once();
    if (sched::cpu_count() < smp::online_count())
        klog::warn("smp: {} CPUs online but only {} scheduling after a second", smp::online_count(), sched::cpu_count());
    devices::init(g_cmdline);

    if (g_boot_info.module_count > 0) {
        const boot::Module& module = g_boot_info.modules()[0];
        auto archive = std::span<const u8>(static_cast<const u8*>(layout::phys_to_virt(module.phys)), module.size);
        if (auto r = initramfs::init(archive); r.is_error()) panic("the initramfs is malformed");
    }
    // The app config is in the initramfs, or in the overlay when the host passes the image
    // unchanged (a cached one) and the run's own files apart.
    if (linux_abi::has_application() || overlay_name()) run_application();

    int failures = 0;
    if (auto tests = g_cmdline.get("selftest")) failures = selftest::run(*tests);
    power::shutdown({protocol::ExitReason::Exited, static_cast<u8>(failures ? 1 : 0)});
}

}  // namespace
