// PCI devices: enumeration of every bus reachable from bus 0 (through PCI-to-PCI
// bridges), BARs decoded and mapped on demand, the capability list. Firmware (SeaBIOS on
// pc and q35) has assigned the BARs and bus numbers; nothing is re-assigned here.
//
//   pci::enumerate();
//   for (pci::Device& d : pci::devices())
//       if (d.vendor_id == 0x1af4) probe(d);
//   auto* regs = TRY(device.map_bar(4));   // uncached, mapped once
#pragma once

#include <span>

#include "base/result.h"
#include "drivers/pci/config.h"

namespace pci {

struct Bar {
    enum class Kind : u8 { None, Memory, Io };
    Kind kind = Kind::None;
    u64 address = 0;  // physical address, or I/O port
    u64 size = 0;
    bool is_64bit = false;
    bool prefetchable = false;
};

class Device {
public:
    static constexpr unsigned kBarCount = 6;

    Address address{};
    u16 vendor_id = 0;
    u16 device_id = 0;
    u16 subsystem_id = 0;
    u8 class_code = 0;
    u8 subclass = 0;
    u8 prog_if = 0;
    u8 revision = 0;
    u8 header_type = 0;  // without the multi-function bit
    Bar bars[kBarCount];  // type 0 headers only; the upper half of a 64-bit BAR stays None

    // The memory BAR `index` mapped uncached (once; later calls give the same address).
    // ENODEV for an I/O or empty BAR, or one the firmware left unassigned.
    Result<volatile u8*> map_bar(unsigned index);

    // Sets / clears bits of the command register (memory decoding, bus mastering, INTx).
    void set_command(u16 bits);
    void clear_command(u16 bits);

    // The config-space offset of the first capability with `id` after the one at `after`
    // (0: from the start); 0 when there is none.
    u8 find_capability(u8 id, u8 after = 0) const;

private:
    volatile u8* m_mapped[kBarCount] = {};
};

// Scans the buses once (later calls do nothing). Cheap when there is no PCI (microvm):
// one probe of the configuration mechanism.
void enumerate();
std::span<Device> devices();

}  // namespace pci
