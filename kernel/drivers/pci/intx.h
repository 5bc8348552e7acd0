// The legacy PCI interrupt (INTx): the pin in config 0x3D, and the line the firmware wrote
// into 0x3C (the ISA IRQ its interrupt router sends the pin to). The line goes through the
// I/O APIC, level-triggered and possibly shared with other devices: every handler on it
// runs, and each must ask its own device whether the interrupt was its.
#pragma once

#include "arch/x86_64/irq.h"
#include "base/result.h"
#include "drivers/pci/pci.h"

namespace pci {

// Connects handler(context) to the device's INTx line and lets the device raise it.
// ENODEV when the device has no pin or the firmware gave it no line.
Result<void> attach_intx(Device& device, irq::Handler handler, void* context);

}  // namespace pci
