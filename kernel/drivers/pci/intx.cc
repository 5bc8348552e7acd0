#include "drivers/pci/intx.h"

#include "arch/x86_64/ioapic.h"
#include "lib/log.h"

namespace pci {

Result<void> attach_intx(Device& device, irq::Handler handler, void* context) {
    u8 pin = read8(device.address, reg::kInterruptPin);
    u8 line = read8(device.address, reg::kInterruptLine);
    // 0xff: "unknown or no connection"; lines past 15 are no ISA IRQ the router could use.
    if (pin == 0 || line == 0xff || line >= 16) return Error(ENODEV);
    if (!ioapic::present()) return Error(ENODEV);
    acpi::GsiRoute route = ioapic::isa_route(line);
    // PCI interrupts are level-triggered whatever the ISA default; the polarity is the
    // MADT override's (QEMU: active high), or active high without one.
    TRY(ioapic::attach(route.gsi, route.polarity, acpi::Trigger::Level, handler, context));
    device.clear_command(command::kInterruptDisable);
    klog::info("pci: {:02x}:{:02x}.{} INT{} on IRQ {} (GSI {})", device.address.bus, device.address.device,
               device.address.function, char('A' + pin - 1), line, route.gsi);
    return {};
}

}  // namespace pci
