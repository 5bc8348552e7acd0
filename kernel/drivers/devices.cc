#include "drivers/devices.h"

#include "arch/x86_64/ioapic.h"
#include "drivers/acpi/acpi.h"
#include "drivers/block/volumes.h"
#include "drivers/pci/pci.h"
#include "drivers/virtio/transport_mmio.h"
#include "drivers/virtio/transport_pci.h"

namespace devices {

void init(const cmdline::CommandLine& cmdline) {
    ioapic::init(acpi::madt());
    pci::enumerate();
    virtio::probe_pci_devices();
    virtio::probe_mmio_devices(cmdline);
    block::assign_volumes(cmdline);
}

}  // namespace devices
