#include "drivers/pci/msix.h"

#include "arch/x86_64/apic.h"

namespace pci {

namespace {
constexpr u8 kControl = 2;      // message control, 16 bits
constexpr u8 kTable = 4;        // table offset | BAR indicator
constexpr u16 kControlTableSizeMask = 0x07ff;
constexpr u16 kControlFunctionMask = 1u << 14;
constexpr u16 kControlEnable = 1u << 15;
constexpr u32 kEntryMasked = 1;
// The local APIC's message address (Intel SDM vol. 3, 11.11.1): destination ID in bits 19:12.
constexpr u32 kMessageAddressBase = 0xfee00000;
}  // namespace

Result<MsiX> MsiX::find(Device& device) {
    u8 capability = device.find_capability(kCapabilityMsiX);
    if (capability == 0) return Error(ENODEV);
    u16 control = read16(device.address, u8(capability + kControl));
    u32 table = read32(device.address, u8(capability + kTable));
    u16 size = u16((control & kControlTableSizeMask) + 1);
    unsigned bir = table & 7;
    u64 offset = table & ~7u;
    if (bir >= Device::kBarCount) return Error(ENODEV);
    const Bar& bar = device.bars[bir];
    if (bar.kind != Bar::Kind::Memory || offset + 16ull * size > bar.size) return Error(ENODEV);
    volatile u8* base = TRY(device.map_bar(bir));
    return MsiX(device, capability, reinterpret_cast<volatile u32*>(base + offset), size);
}

void MsiX::write_control(u16 set, u16 clear) {
    u8 at = u8(m_capability + kControl);
    u16 control = read16(m_device->address, at);
    write16(m_device->address, at, u16((control | set) & ~clear));
}

void MsiX::set_entry(u16 index, u8 vector) {
    if (index >= m_size) return;
    volatile u32* e = entry(index);
    e[3] = e[3] | kEntryMasked;
    e[0] = kMessageAddressBase | (apic::id() << 12);
    e[1] = 0;
    e[2] = vector;  // fixed delivery, edge
}

void MsiX::mask_entry(u16 index) {
    if (index < m_size) entry(index)[3] = entry(index)[3] | kEntryMasked;
}

void MsiX::unmask_entry(u16 index) {
    if (index < m_size) entry(index)[3] = entry(index)[3] & ~kEntryMasked;
}

void MsiX::enable() {
    write_control(kControlEnable | kControlFunctionMask, 0);
    for (u16 i = 0; i < m_size; i++) mask_entry(i);
    m_device->set_command(command::kInterruptDisable);
}

void MsiX::disable() { write_control(0, kControlEnable); }

void MsiX::set_function_mask(bool masked) {
    if (masked)
        write_control(kControlFunctionMask, 0);
    else
        write_control(0, kControlFunctionMask);
}

}  // namespace pci
