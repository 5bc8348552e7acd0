#include "arch/x86_64/ioapic.h"

#include "arch/x86_64/apic.h"
#include "arch/x86_64/paging.h"
#include "lib/log.h"
#include "sync/spinlock.h"

namespace ioapic {

namespace {

constexpr u64 kStandardAddress = 0xfec00000;
constexpr u32 kRegisterSelect = 0x00 / 4;
constexpr u32 kRegisterWindow = 0x10 / 4;
constexpr u32 kRegVersion = 0x01;
constexpr u32 kRegRedirectionBase = 0x10;

// Redirection entry, low half (Intel 82093AA datasheet, 3.2.4).
constexpr u32 kPolarityLow = 1u << 13;
constexpr u32 kTriggerLevel = 1u << 15;
constexpr u32 kMasked = 1u << 16;

constexpr usize kMaxIoApics = acpi::Madt::kMaxIoApics;
constexpr usize kMaxAttached = 32;

struct IoApic {
    volatile u32* registers;
    u32 gsi_base;
    u32 inputs;
    IrqSpinLock lock{"ioapic"};  // guards the select/window register pair

    u32 read(u32 reg) {
        registers[kRegisterSelect] = reg;
        return registers[kRegisterWindow];
    }
    void write(u32 reg, u32 value) {
        registers[kRegisterSelect] = reg;
        registers[kRegisterWindow] = value;
    }
};

// A line with its vector, for sharing.
struct Attached {
    u32 gsi;
    u8 vector;
    acpi::Polarity polarity;
    acpi::Trigger trigger;
};

IoApic g_io_apics[kMaxIoApics];
usize g_count = 0;
acpi::Madt g_madt;  // a copy (its overrides); empty without ACPI
Attached g_attached[kMaxAttached];
usize g_attached_count = 0;
IrqSpinLock g_attach_lock{"ioapic attach"};  // guards g_attached; taken before an IoApic's lock

void add(u64 address, u32 gsi_base) {
    if (g_count == kMaxIoApics) return;
    auto mapped = paging::map_mmio(address, 0x20);
    if (mapped.is_error()) {
        klog::warn("ioapic: cannot map {:#x}: {}", address, err::name(mapped.error()));
        return;
    }
    IoApic& io = g_io_apics[g_count];
    io.registers = static_cast<volatile u32*>(mapped.value());
    io.gsi_base = gsi_base;
    u32 version = io.read(kRegVersion);
    // An absent device reads as all ones (or zero): no redirection entries to trust.
    if (version == 0xffffffff || version == 0) {
        klog::warn("ioapic: nothing answers at {:#x}", address);
        return;
    }
    io.inputs = ((version >> 16) & 0xff) + 1;
    for (u32 pin = 0; pin < io.inputs; pin++) {
        io.write(kRegRedirectionBase + 2 * pin, kMasked);
        io.write(kRegRedirectionBase + 2 * pin + 1, 0);
    }
    g_count++;
    klog::info("ioapic: {:#x}, GSIs {}-{}", address, gsi_base, gsi_base + io.inputs - 1);
}

IoApic* find(u32 gsi, u32& pin) {
    for (usize i = 0; i < g_count; i++) {
        IoApic& io = g_io_apics[i];
        if (gsi >= io.gsi_base && gsi - io.gsi_base < io.inputs) {
            pin = gsi - io.gsi_base;
            return &io;
        }
    }
    return nullptr;
}

void set_mask(u32 gsi, bool masked) {
    u32 pin;
    IoApic* io = find(gsi, pin);
    if (!io) return;
    IrqSpinLockGuard guard(io->lock);
    u32 low = io->read(kRegRedirectionBase + 2 * pin);
    io->write(kRegRedirectionBase + 2 * pin, masked ? (low | kMasked) : (low & ~kMasked));
}

}  // namespace

void init(const acpi::Madt* madt) {
    if (madt && madt->io_apic_count > 0) {
        g_madt = *madt;
        for (usize i = 0; i < madt->io_apic_count; i++) add(madt->io_apics[i].address, madt->io_apics[i].gsi_base);
    } else {
        add(kStandardAddress, 0);
    }
}

bool present() { return g_count > 0; }

acpi::GsiRoute isa_route(u8 irq) { return g_madt.route_isa_irq(irq); }

Result<void> route(u32 gsi, u8 vector, acpi::Polarity polarity, acpi::Trigger trigger) {
    u32 pin;
    IoApic* io = find(gsi, pin);
    if (!io) return Error(EINVAL);
    u32 low = vector | kMasked;  // fixed delivery, physical destination
    if (polarity == acpi::Polarity::ActiveLow) low |= kPolarityLow;
    if (trigger == acpi::Trigger::Level) low |= kTriggerLevel;
    u32 high = apic::id() << 24;
    IrqSpinLockGuard guard(io->lock);
    io->write(kRegRedirectionBase + 2 * pin, kMasked);
    io->write(kRegRedirectionBase + 2 * pin + 1, high);
    io->write(kRegRedirectionBase + 2 * pin, low);
    return {};
}

void mask(u32 gsi) { set_mask(gsi, true); }
void unmask(u32 gsi) { set_mask(gsi, false); }

Result<void> attach(u32 gsi, acpi::Polarity polarity, acpi::Trigger trigger, irq::Handler handler, void* context) {
    u32 pin;
    if (!find(gsi, pin)) return Error(EINVAL);
    IrqSpinLockGuard guard(g_attach_lock);
    for (usize i = 0; i < g_attached_count; i++) {
        Attached& a = g_attached[i];
        if (a.gsi != gsi) continue;
        // An edge-triggered line cannot be shared: one edge would serve only one device.
        if (a.trigger != acpi::Trigger::Level || trigger != a.trigger || polarity != a.polarity) return Error(EBUSY);
        return irq::share(a.vector, handler, context);
    }
    if (g_attached_count == kMaxAttached) return Error(ENOSPC);
    u8 vector = TRY(irq::allocate(handler, context));
    TRY(route(gsi, vector, polarity, trigger));
    g_attached[g_attached_count++] = {gsi, vector, polarity, trigger};
    unmask(gsi);
    return {};
}

}  // namespace ioapic
