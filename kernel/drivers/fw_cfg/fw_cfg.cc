#include "drivers/fw_cfg/fw_cfg.h"

#include <new>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/layout.h"
#include "lib/log.h"
#include "mm/heap.h"
#include "sched/clock.h"

// Only the boot thread uses the device, before the program starts: no lock.
namespace fw_cfg {

namespace {

constexpr u16 kSelectorPort = 0x510;  // 16-bit, little-endian
constexpr u16 kDataPort = 0x511;      // 8-bit
constexpr u16 kDmaHighPort = 0x514;   // the access's address, big-endian: high half
constexpr u16 kDmaLowPort = 0x518;    // low half; writing it starts the transfer

enum class Probe : u8 { NotYet, Absent, PortsOnly, Dma };
Probe g_probe = Probe::NotYet;

void read_through_data_port(u16 key, u8* into, usize length) {
    cpu::outw(kSelectorPort, key);
    for (usize i = 0; i < length; i++) into[i] = cpu::inb(kDataPort);
}

// The signature first (no device reads 0xff), then whether DMA is there.
Probe probe() {
    if (g_probe != Probe::NotYet) return g_probe;
    u8 signature[4];
    read_through_data_port(fwcfg::kSignatureKey, signature, sizeof signature);
    if (std::string_view(reinterpret_cast<const char*>(signature), 4) != fwcfg::kSignature) {
        g_probe = Probe::Absent;
        return g_probe;
    }
    u8 id[4];  // little-endian, unlike the directory
    read_through_data_port(fwcfg::kIdKey, id, sizeof id);
    g_probe = id[0] & fwcfg::kIdDma ? Probe::Dma : Probe::PortsOnly;
    klog::info("fw_cfg: QEMU's device found{}", g_probe == Probe::Dma ? ", with DMA" : " (no DMA: reads through the data port)");
    return g_probe;
}

Result<void> read_through_dma(u16 key, std::span<u8> into) {
    // The access itself is read by the device from physical memory: the heap is direct-mapped.
    auto* access = new (std::nothrow) fwcfg::DmaAccess(
        fwcfg::dma_read_request(key, static_cast<u32>(into.size()), layout::virt_to_phys_direct(into.data())));
    if (!access) return Error(ENOMEM);
    u64 address = layout::virt_to_phys_direct(access);
    asm volatile("" ::: "memory");  // the access is in memory before the device reads it
    cpu::outl(kDmaHighPort, __builtin_bswap32(static_cast<u32>(address >> 32)));
    cpu::outl(kDmaLowPort, __builtin_bswap32(static_cast<u32>(address)));
    // QEMU is done when the write returns; the specification allows a device that is not.
    u64 give_up = cpu::rdtsc() + ktime::ns_to_tsc(1'000'000'000);
    fwcfg::DmaState state;
    cpu::SpinWait spin;
    for (;;) {
        asm volatile("" ::: "memory");  // the device writes the control field behind the compiler's back
        state = fwcfg::dma_state(access->control());
        if (state != fwcfg::DmaState::Running || static_cast<i64>(cpu::rdtsc() - give_up) > 0) break;
        spin.once();
    }
    u32 control = access->control();
    delete access;
    if (state == fwcfg::DmaState::Done) return {};
    klog::error("fw_cfg: DMA read of item {:#x} ({} bytes) {}: control {:#x}", key, into.size(),
                state == fwcfg::DmaState::Failed ? "failed" : "did not finish", control);
    return Error(EIO);
}

}  // namespace

Result<void> read(u16 key, std::span<u8> into) {
    Probe found = probe();
    if (found == Probe::Absent) return Error(ENODEV);
    if (into.empty()) return {};
    if (!layout::is_direct_mapped(reinterpret_cast<u64>(into.data()))) return Error(EFAULT);
    if (into.size() > 0xffffffffu) return Error(EINVAL);  // a DMA length is 32 bits, as is a file's size
    if (found == Probe::PortsOnly) {
        read_through_data_port(key, into.data(), into.size());
        return {};
    }
    return read_through_dma(key, into);
}

Result<fwcfg::File> find_file(std::string_view name) {
    // The count first, to know how much to read; then the whole directory (selecting the
    // item again starts from its beginning).
    auto* header = static_cast<u8*>(TRY(heap::allocate(fwcfg::kDirectoryHeaderSize)));
    Result<usize> size = Error(EIO);
    if (auto counted = read(fwcfg::kFileDirectoryKey, {header, fwcfg::kDirectoryHeaderSize}); counted.is_error())
        size = Error(counted.error());
    else
        size = fwcfg::directory_size({header, fwcfg::kDirectoryHeaderSize});
    heap::free(header);
    TRY(size);
    auto* bytes = static_cast<u8*>(TRY(heap::allocate(size.value())));
    Result<fwcfg::File> found = Error(EIO);
    if (auto loaded = read(fwcfg::kFileDirectoryKey, {bytes, size.value()}); loaded.is_error()) {
        found = Error(loaded.error());
    } else if (auto directory = fwcfg::Directory::parse({bytes, size.value()}); directory.is_error()) {
        found = Error(directory.error());
    } else {
        found = directory.value().find(name);
    }
    heap::free(bytes);
    // Its name pointed into the bytes just freed: the caller's is the same.
    if (found.is_ok()) found.value().name = name;
    return found;
}

}  // namespace fw_cfg
