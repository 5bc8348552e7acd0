#include "drivers/acpi/acpi.h"

#include <optional>

#include "acpi/madt.h"
#include "acpi/tables.h"
#include "arch/x86_64/cpu.h"
#include "boot/pvh.h"
#include "drivers/serial/channels.h"
#include "lib/log.h"
#include "mm/physical_view.h"
#include "sched/clock.h"

namespace acpi {

namespace {

std::optional<S5Info> g_s5;
std::optional<Madt> g_madt;

// Busy-waits up to `ms` for `done`; works before the clock is calibrated and with
// interrupts disabled.
template <typename Predicate>
bool wait_until(u64 ms, Predicate done) {
    u64 ticks = ktime::ready() ? ktime::ns_to_tsc(ms * 1000000) : ms * 3000000;  // ~3 GHz guess
    u64 start = cpu::rdtsc();
    while (cpu::rdtsc() - start < ticks) {
        if (done()) return true;
        cpu::pause();
    }
    return done();
}

void enable_acpi_mode(const S5Info& s5) {
    if (cpu::inw(s5.pm1a_cnt) & kPm1SciEnable) return;
    // SMI_CMD 0 means the hardware has no legacy mode to leave.
    if (s5.smi_cmd == 0 || s5.acpi_enable == 0) return;
    cpu::outb(u16(s5.smi_cmd), s5.acpi_enable);
    if (!wait_until(1000, [&] { return (cpu::inw(s5.pm1a_cnt) & kPm1SciEnable) != 0; }))
        klog::warn("acpi: SCI_EN still clear after ACPI_ENABLE");
}

// SLP_TYP first, then SLP_EN in a second write, as some chipsets need.
void write_sleep_type(u16 port, u16 sleep_type) {
    u16 value = u16((cpu::inw(port) & ~kPm1SleepTypeMask) | ((sleep_type << kPm1SleepTypeShift) & kPm1SleepTypeMask));
    cpu::outw(port, value);
}
void set_sleep_enable(u16 port) { cpu::outw(port, u16(cpu::inw(port) | kPm1SleepEnable)); }

}  // namespace

void init(u64 rsdp_paddr) {
    const boot::PhysicalMemory& memory = physical_view::direct_map();
    if (rsdp_paddr == 0) {
        auto found = scan_for_rsdp(memory);
        if (!found) {
            klog::info("acpi: no RSDP; no ACPI power-off");
            return;
        }
        rsdp_paddr = *found;
    }
    if (auto madt = find_madt(rsdp_paddr, memory); madt.is_ok())
        g_madt = madt.value();
    else
        klog::info("acpi: no MADT ({})", err::name(madt.error()));
    auto s5 = find_s5(rsdp_paddr, memory);
    if (s5.is_error()) {
        klog::info("acpi: RSDP at {:#x}, no S5 power-off ({})", rsdp_paddr, err::name(s5.error()));
        return;
    }
    const S5Info& info = s5.value();
    if (info.smi_cmd > 0xffff) {
        klog::warn("acpi: SMI_CMD {:#x} is not an I/O port; S5 ignored", info.smi_cmd);
        return;
    }
    g_s5 = info;
    klog::info("acpi: S5 through PM1a_CNT {:#x} PM1b_CNT {:#x}, SLP_TYP {}/{}, SMI_CMD {:#x} ACPI_ENABLE {:#x}",
               info.pm1a_cnt, info.pm1b_cnt, info.slp_typa, info.slp_typb, info.smi_cmd, info.acpi_enable);
}

const Madt* madt() { return g_madt ? &*g_madt : nullptr; }

bool power_off() {
    if (!g_s5) return false;
    const S5Info& s5 = *g_s5;
    klog::info("power: ACPI S5");
    channels::drain_all();
    enable_acpi_mode(s5);
    write_sleep_type(s5.pm1a_cnt, s5.slp_typa);
    if (s5.pm1b_cnt) write_sleep_type(s5.pm1b_cnt, s5.slp_typb);
    set_sleep_enable(s5.pm1a_cnt);
    if (s5.pm1b_cnt) set_sleep_enable(s5.pm1b_cnt);
    // QEMU stops the machine from its main loop, a moment after the write.
    wait_until(500, [] { return false; });
    klog::warn("power: still running after ACPI S5");
    channels::drain_all();
    return false;
}

}  // namespace acpi
