// virtio over PCI, the modern interface (virtio 1.2, 4.1): vendor 0x1af4, the common,
// notify, ISR and device configuration structures found through vendor capabilities in
// the device's BARs. Transitional devices (QEMU's default on pc) are driven through their
// modern interface too. Interrupts: an MSI-X vector per queue and one for configuration
// changes; all on one MSI-X vector when the table is smaller; INTx and the ISR register
// without MSI-X.
#pragma once

namespace virtio {

// Probes every virtio device pci::enumerate() found and hands each to its driver.
void probe_pci_devices();

}  // namespace virtio
