// The I/O APICs: where interrupts of devices without MSI arrive (virtio-mmio on microvm,
// PCI INTx, the legacy ISA lines). Found in the ACPI MADT where there is one (pc, q35,
// with its GSI bases and the ISA interrupt source overrides); microvm with acpi=off has
// none, and its one I/O APIC sits at the standard 0xFEC00000 with GSI base 0.
//
//   auto route = ioapic::isa_route(line);                  // GSI and signalling of an IRQ
//   TRY(ioapic::attach(route.gsi, acpi::Polarity::ActiveHigh, acpi::Trigger::Level,
//                      &Device::on_interrupt, this));      // vector allocated, unmasked
//
// Every input is delivered to the boot CPU, fixed delivery, physical destination.
#pragma once

#include "acpi/madt.h"
#include "arch/x86_64/irq.h"
#include "base/result.h"

namespace ioapic {

// Maps the I/O APICs the MADT names (or the standard one when `madt` is null) and masks
// all their inputs. Needs paging and the local APIC.
void init(const acpi::Madt* madt);
bool present();

// An ISA IRQ's GSI, polarity and trigger (the MADT's overrides; identity otherwise).
acpi::GsiRoute isa_route(u8 irq);

// Points input `gsi` at `vector` on the boot CPU, masked. EINVAL when no I/O APIC has it.
Result<void> route(u32 gsi, u8 vector, acpi::Polarity polarity, acpi::Trigger trigger);
void mask(u32 gsi);
void unmask(u32 gsi);

// Connects handler(context) to `gsi` and unmasks it: a new vector for a line not in use
// yet; a line already attached is shared (level-triggered lines only, in the same mode:
// EBUSY otherwise).
Result<void> attach(u32 gsi, acpi::Polarity polarity, acpi::Trigger trigger, irq::Handler handler, void* context);

}  // namespace ioapic
