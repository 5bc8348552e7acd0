// MSI-X (PCI Local Bus 3.0, 6.8.2): the device writes a message to the local APIC per
// event, one table entry per interrupt source, each with its own vector. The table lives
// in one of the device's memory BARs.
//
//   auto msix = TRY(pci::MsiX::find(device));
//   msix.enable();                        // function-masked until ready
//   msix.set_entry(0, vector);            // entry 0 -> vector, on the boot CPU
//   msix.unmask_entry(0);
//   msix.set_function_mask(false);
#pragma once

#include "base/result.h"
#include "drivers/pci/pci.h"

namespace pci {

constexpr u8 kCapabilityMsiX = 0x11;

class MsiX {
public:
    // ENODEV when the device has no MSI-X capability or its table lies outside its BAR.
    static Result<MsiX> find(Device& device);

    u16 table_size() const { return m_size; }
    // Points entry `index` at `vector` on the boot CPU: fixed delivery, edge. The entry
    // stays masked until unmask_entry().
    void set_entry(u16 index, u8 vector);
    void mask_entry(u16 index);
    void unmask_entry(u16 index);

    // MSI-X on with the whole function masked, INTx off; every entry starts masked.
    void enable();
    void disable();
    void set_function_mask(bool masked);

private:
    MsiX(Device& device, u8 capability, volatile u32* table, u16 size)
        : m_device(&device), m_capability(capability), m_table(table), m_size(size) {}
    volatile u32* entry(u16 index) const { return m_table + 4 * index; }
    void write_control(u16 set, u16 clear);

    Device* m_device;
    u8 m_capability;
    volatile u32* m_table;
    u16 m_size;
};

}  // namespace pci
