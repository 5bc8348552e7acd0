#include "drivers/acpi/acpi.h"

#include <optional>

#include "acpi/tables.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "boot/pvh.h"
#include "drivers/serial/channels.h"
#include "lib/log.h"
#include "sched/clock.h"

namespace acpi {

namespace {

// The real-mode area where BIOSes keep the EBDA, the RSDP and (on QEMU's pc and q35,
// SeaBIOS) the RSDP even when the loader passes its address. It is reserved memory, so
// the direct map leaves it out.
constexpr u64 kLowMemoryEnd = 1 * MiB;

// Physical memory as the kernel reaches it: the direct map, where the page tables say a
// page is there, plus the first MiB through a temporary uncached window.
class KernelPhysicalMemory final : public boot::PhysicalMemory {
public:
    ~KernelPhysicalMemory() {
        if (m_low_window) (void)paging::kernel_space().unmap(reinterpret_cast<u64>(m_low_window), kLowMemoryEnd);
    }

    const void* view(u64 phys, usize length) const override {
        u64 end = phys + (length ? length : 1);
        if (end < phys) return nullptr;
        if (end <= kLowMemoryEnd && !is_direct_mapped(phys, end)) {
            if (!m_low_window) {
                auto window = paging::map_mmio(0, kLowMemoryEnd);
                if (window.is_error()) return nullptr;
                m_low_window = static_cast<const u8*>(window.value());
            }
            return m_low_window + phys;
        }
        return is_direct_mapped(phys, end) ? layout::phys_to_virt(phys) : nullptr;
    }

private:
    static bool is_direct_mapped(u64 start, u64 end) {
        if (end > layout::kDirectMapLimit) return false;
        for (u64 page = align_down(start, layout::kPageSize); page < end; page += layout::kPageSize) {
            auto mapped = paging::kernel_space().translate(layout::kDirectMapBase + page);
            if (!mapped || *mapped != page) return false;
        }
        return true;
    }

    mutable const u8* m_low_window = nullptr;  // mapped on the first view that needs it
};

std::optional<S5Info> g_s5;
int g_dbg_regions[1];

// Busy-waits up to `ms` for `done`; works before the clock is calibrated and with
// interrupts disabled.
template <typename Predicate>
bool wait_until(u64 ms, Predicate done) {
    u64 ticks = clock::ready() ? clock::ns_to_tsc(ms * 1000000) : ms * 3000000;  // ~3 GHz guess
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
    KernelPhysicalMemory memory;
    if (rsdp_paddr == 0) {
        auto found = scan_for_rsdp(memory);
        if (!found) {
            klog::info("acpi: no RSDP; no ACPI power-off");
            return;
        }
        rsdp_paddr = *found;
    }
    for (auto& r : g_dbg_regions) (void)r;
    {
        auto rs = parse_rsdp(rsdp_paddr, memory);
        klog::info("DBG rsdp ok={} rev={} rsdt={:#x} xsdt={:#x}", rs.is_ok(), rs.is_ok()? rs.value().revision:0, rs.is_ok()? rs.value().rsdt:0, rs.is_ok()? rs.value().xsdt:0);
        if (rs.is_ok()) { auto t = view_table(rs.value().rsdt, memory); klog::info("DBG rsdt err={}", t.error());
          auto f = find_table(rs.value(), "FACP", memory); klog::info("DBG facp err={} at {:#x}", f.error(), f.is_ok()? f.value():0);
          if (f.is_ok()) { auto ft = parse_fadt(view_table(f.value(), memory).value()); klog::info("DBG fadt err={} dsdt {:#x}", ft.error(), ft.is_ok()?ft.value().dsdt:0);
            if (ft.is_ok()) { auto d = view_table(ft.value().dsdt, memory); klog::info("DBG dsdt err={}", d.error()); } } }
    }
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
