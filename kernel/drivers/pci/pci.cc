#include "drivers/pci/pci.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "lib/log.h"

namespace pci {

namespace {

constexpr usize kMaxDevices = 64;
constexpr u8 kClassBridge = 0x06;
constexpr u8 kSubclassPciBridge = 0x04;
constexpr u8 kHeaderMultiFunction = 0x80;
// A capability list longer than this loops (a 256-byte space holds at most 48 entries).
constexpr unsigned kMaxCapabilities = 48;

Device g_devices[kMaxDevices];
usize g_count = 0;
bool g_enumerated = false;
bool g_bus_seen[256];

// Configuration mechanism #1 is there when the address port keeps what was written.
bool mechanism_present() {
    u32 saved = cpu::inl(0xcf8);
    cpu::outl(0xcf8, 0x80000000);
    bool present = cpu::inl(0xcf8) == 0x80000000;
    cpu::outl(0xcf8, saved);
    return present;
}

// Sizes BAR `index` by writing ones and reading back what sticks, with decoding off so
// the device does not answer at the probe address meanwhile. Returns how many BAR slots
// it took (2 for a 64-bit BAR).
unsigned decode_bar(Device& d, unsigned index) {
    u8 offset = u8(reg::kBar0 + 4 * index);
    u32 low = read32(d.address, offset);
    Bar& bar = d.bars[index];
    if (low & 1) {
        write32(d.address, offset, 0xffffffff);
        u32 mask = read32(d.address, offset) & 0xfffffffc;
        write32(d.address, offset, low);
        mask &= 0xffff;  // I/O space is 16 bits on x86
        if (mask == 0) return 1;
        bar = {Bar::Kind::Io, low & 0xfffc, u64(u16(~mask + 1)), false, false};
        return 1;
    }
    bool is_64bit = ((low >> 1) & 3) == 2;
    if (is_64bit && index + 1 >= Device::kBarCount) return 1;
    unsigned taken = is_64bit ? 2 : 1;
    u32 high = is_64bit ? read32(d.address, u8(offset + 4)) : 0;
    write32(d.address, offset, 0xffffffff);
    u32 low_mask = read32(d.address, offset) & 0xfffffff0;
    write32(d.address, offset, low);
    u32 high_mask = 0xffffffff;  // a 32-bit BAR decodes nothing above 4 GiB
    if (is_64bit) {
        write32(d.address, u8(offset + 4), 0xffffffff);
        high_mask = read32(d.address, u8(offset + 4));
        write32(d.address, u8(offset + 4), high);
    }
    if (low_mask == 0 && (!is_64bit || high_mask == 0)) return taken;  // not implemented
    u64 mask = (u64(high_mask) << 32) | low_mask;
    bar = {Bar::Kind::Memory, (u64(high) << 32) | (low & 0xfffffff0), ~mask + 1, is_64bit, (low & 8) != 0};
    return taken;
}

void decode_bars(Device& d) {
    u16 command = read16(d.address, reg::kCommand);
    write16(d.address, reg::kCommand, u16(command & ~(command::kIoSpace | command::kMemorySpace)));
    for (unsigned i = 0; i < Device::kBarCount;) i += decode_bar(d, i);
    write16(d.address, reg::kCommand, command);
}

void scan_bus(u8 bus);

void scan_function(Address a) {
    if (g_count == kMaxDevices) return;
    Device& d = g_devices[g_count++];
    d.address = a;
    d.vendor_id = read16(a, reg::kVendorId);
    d.device_id = read16(a, reg::kDeviceId);
    u32 class_word = read32(a, reg::kRevision);
    d.revision = u8(class_word);
    d.prog_if = u8(class_word >> 8);
    d.subclass = u8(class_word >> 16);
    d.class_code = u8(class_word >> 24);
    d.header_type = read8(a, reg::kHeaderType) & 0x7f;
    if (d.header_type == 0) {
        d.subsystem_id = read16(a, reg::kSubsystemId);
        decode_bars(d);
    }
    klog::debug("pci: {:02x}:{:02x}.{} {:04x}:{:04x} class {:02x}.{:02x}", a.bus, a.device, a.function,
                d.vendor_id, d.device_id, d.class_code, d.subclass);
    if (d.header_type == 1 && d.class_code == kClassBridge && d.subclass == kSubclassPciBridge) {
        u8 secondary = read8(a, reg::kSecondaryBus);
        if (secondary != 0) scan_bus(secondary);
    }
}

void scan_bus(u8 bus) {
    if (g_bus_seen[bus]) return;
    g_bus_seen[bus] = true;
    for (u8 device = 0; device < 32; device++) {
        Address first{bus, device, 0};
        if (read16(first, reg::kVendorId) == 0xffff) continue;
        bool multi = read8(first, reg::kHeaderType) & kHeaderMultiFunction;
        for (u8 function = 0; function < (multi ? 8 : 1); function++) {
            Address a{bus, device, function};
            if (function > 0 && read16(a, reg::kVendorId) == 0xffff) continue;
            scan_function(a);
        }
    }
}

}  // namespace

Result<volatile u8*> Device::map_bar(unsigned index) {
    if (index >= kBarCount) return Error(EINVAL);
    if (m_mapped[index]) return m_mapped[index];
    const Bar& bar = bars[index];
    if (bar.kind != Bar::Kind::Memory || bar.address == 0 || bar.size == 0) return Error(ENODEV);
    void* mapped = TRY(paging::map_mmio(bar.address, bar.size));
    m_mapped[index] = static_cast<volatile u8*>(mapped);
    return m_mapped[index];
}

void Device::set_command(u16 bits) {
    write16(address, reg::kCommand, u16(read16(address, reg::kCommand) | bits));
}

void Device::clear_command(u16 bits) {
    write16(address, reg::kCommand, u16(read16(address, reg::kCommand) & ~bits));
}

u8 Device::find_capability(u8 id, u8 after) const {
    if (!(read16(address, reg::kStatus) & kStatusCapabilities)) return 0;
    u8 at = after ? read8(address, u8(after + 1)) : read8(address, reg::kCapabilities);
    for (unsigned n = 0; n < kMaxCapabilities && at >= 0x40; n++) {
        at &= 0xfc;
        if (read8(address, at) == id) return at;
        at = read8(address, u8(at + 1));
    }
    return 0;
}

void enumerate() {
    if (g_enumerated) return;
    g_enumerated = true;
    if (!mechanism_present()) return;
    scan_bus(0);
    klog::info("pci: {} functions", g_count);
}

std::span<Device> devices() { return {g_devices, g_count}; }

}  // namespace pci
