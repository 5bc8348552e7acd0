// PCI configuration space through the I/O ports 0xCF8 (address) and 0xCFC (data): the
// mechanism every PC chipset offers, on pc (i440FX) and q35 (whose ECAM would also reach
// the extended space beyond 256 bytes, which nothing here needs).
#pragma once

#include "base/types.h"

namespace pci {

struct Address {
    u8 bus;
    u8 device;    // 0-31
    u8 function;  // 0-7
    bool operator==(const Address&) const = default;
};

// Offsets are bytes in the first 256; accesses are naturally aligned.
u32 read32(Address address, u8 offset);
u16 read16(Address address, u8 offset);
u8 read8(Address address, u8 offset);
void write32(Address address, u8 offset, u32 value);
void write16(Address address, u8 offset, u16 value);
void write8(Address address, u8 offset, u8 value);

// Standard header fields (PCI Local Bus 3.0, 6.1).
namespace reg {
constexpr u8 kVendorId = 0x00;
constexpr u8 kDeviceId = 0x02;
constexpr u8 kCommand = 0x04;
constexpr u8 kStatus = 0x06;
constexpr u8 kRevision = 0x08;
constexpr u8 kProgIf = 0x09;
constexpr u8 kSubclass = 0x0a;
constexpr u8 kClass = 0x0b;
constexpr u8 kHeaderType = 0x0e;
constexpr u8 kBar0 = 0x10;
constexpr u8 kSecondaryBus = 0x19;     // type 1 (bridge) header
constexpr u8 kSubsystemId = 0x2e;      // type 0 header
constexpr u8 kCapabilities = 0x34;
constexpr u8 kInterruptLine = 0x3c;
constexpr u8 kInterruptPin = 0x3d;
}  // namespace reg

namespace command {
constexpr u16 kIoSpace = 1u << 0;
constexpr u16 kMemorySpace = 1u << 1;
constexpr u16 kBusMaster = 1u << 2;
constexpr u16 kInterruptDisable = 1u << 10;
}  // namespace command

constexpr u16 kStatusCapabilities = 1u << 4;

}  // namespace pci
