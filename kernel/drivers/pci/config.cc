#include "drivers/pci/config.h"

#include "arch/x86_64/cpu.h"
#include "sync/spinlock.h"

namespace pci {

namespace {

constexpr u16 kAddressPort = 0xcf8;
constexpr u16 kDataPort = 0xcfc;

// The address/data pair is one shared window: a second user between the two accesses
// would redirect the first one's data.
IrqSpinLock g_lock{"pci config"};

void select(Address a, u8 offset) {
    u32 value = (1u << 31) | (u32(a.bus) << 16) | (u32(a.device & 31) << 11) | (u32(a.function & 7) << 8) |
                (offset & 0xfc);
    cpu::outl(kAddressPort, value);
}

}  // namespace

u32 read32(Address address, u8 offset) {
    IrqSpinLockGuard guard(g_lock);
    select(address, offset);
    return cpu::inl(kDataPort);
}

u16 read16(Address address, u8 offset) {
    IrqSpinLockGuard guard(g_lock);
    select(address, offset);
    return cpu::inw(u16(kDataPort + (offset & 2)));
}

u8 read8(Address address, u8 offset) {
    IrqSpinLockGuard guard(g_lock);
    select(address, offset);
    return cpu::inb(u16(kDataPort + (offset & 3)));
}

void write32(Address address, u8 offset, u32 value) {
    IrqSpinLockGuard guard(g_lock);
    select(address, offset);
    cpu::outl(kDataPort, value);
}

void write16(Address address, u8 offset, u16 value) {
    IrqSpinLockGuard guard(g_lock);
    select(address, offset);
    cpu::outw(u16(kDataPort + (offset & 2)), value);
}

void write8(Address address, u8 offset, u8 value) {
    IrqSpinLockGuard guard(g_lock);
    select(address, offset);
    cpu::outb(u16(kDataPort + (offset & 3)), value);
}

}  // namespace pci
