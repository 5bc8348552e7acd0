#include "drivers/virtio/transport_mmio.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/ioapic.h"
#include "arch/x86_64/paging.h"
#include "drivers/virtio/device.h"
#include "lib/log.h"
#include "virtio/mmio_cmdline.h"

#include <utility>

namespace virtio {

namespace {

// Register offsets (4.2.2).
namespace mmio {
constexpr u32 kMagic = 0x000;
constexpr u32 kVersion = 0x004;
constexpr u32 kDeviceId = 0x008;
constexpr u32 kDeviceFeatures = 0x010;
constexpr u32 kDeviceFeaturesSel = 0x014;
constexpr u32 kDriverFeatures = 0x020;
constexpr u32 kDriverFeaturesSel = 0x024;
constexpr u32 kQueueSel = 0x030;
constexpr u32 kQueueNumMax = 0x034;
constexpr u32 kQueueNum = 0x038;
constexpr u32 kQueueReady = 0x044;
constexpr u32 kQueueNotify = 0x050;
constexpr u32 kInterruptStatus = 0x060;
constexpr u32 kInterruptAck = 0x064;
constexpr u32 kStatus = 0x070;
constexpr u32 kQueueDescLow = 0x080;
constexpr u32 kQueueDescHigh = 0x084;
constexpr u32 kQueueDriverLow = 0x090;
constexpr u32 kQueueDriverHigh = 0x094;
constexpr u32 kQueueDeviceLow = 0x0a0;
constexpr u32 kQueueDeviceHigh = 0x0a4;
constexpr u32 kConfigGeneration = 0x0fc;
constexpr u32 kConfig = 0x100;
constexpr u32 kMagicValue = 0x74726976;  // "virt"
constexpr u32 kInterruptUsedBuffer = 1;
constexpr u32 kInterruptConfigChange = 2;
}  // namespace mmio

class MmioTransport final : public Transport {
public:
    MmioTransport(volatile u8* registers, const MmioDeviceSpec& spec, u32 device_type)
        : m_registers(registers), m_spec(spec), m_device_type(device_type) {
        text::BufferSink sink(m_location, sizeof m_location);
        text::format_to(sink, "virtio-mmio {:#x}", spec.base);
    }

    u32 device_type() const override { return m_device_type; }
    const char* location() const override { return m_location; }

    u8 status() override { return u8(read(mmio::kStatus)); }
    void set_status(u8 status) override { write(mmio::kStatus, status); }
    void reset() override {
        write(mmio::kStatus, 0);
        while (read(mmio::kStatus) != 0) cpu::pause();
    }

    u64 device_features() override {
        write(mmio::kDeviceFeaturesSel, 0);
        u64 low = read(mmio::kDeviceFeatures);
        write(mmio::kDeviceFeaturesSel, 1);
        return low | (u64(read(mmio::kDeviceFeatures)) << 32);
    }
    void set_driver_features(u64 features) override {
        write(mmio::kDriverFeaturesSel, 0);
        write(mmio::kDriverFeatures, u32(features));
        write(mmio::kDriverFeaturesSel, 1);
        write(mmio::kDriverFeatures, u32(features >> 32));
    }

    u32 config_read(u32 offset, unsigned size) override {
        if (mmio::kConfig + offset + size > m_spec.size) return 0;
        volatile u8* at = m_registers + mmio::kConfig + offset;
        switch (size) {
        case 1: return *at;
        case 2: return *reinterpret_cast<volatile u16*>(at);
        default: return *reinterpret_cast<volatile u32*>(at);
        }
    }
    u32 config_generation() override { return read(mmio::kConfigGeneration); }

    u16 queue_max_size(u16 index) override {
        write(mmio::kQueueSel, index);
        if (read(mmio::kQueueReady) != 0) return 0;  // in use already
        u32 max = read(mmio::kQueueNumMax);
        return max > 0xffff ? 0xffff : u16(max);
    }

    Result<void> enable_queue(u16 index, u16 size, u64 descriptors, u64 driver_area, u64 device_area) override {
        write(mmio::kQueueSel, index);
        write(mmio::kQueueNum, size);
        write(mmio::kQueueDescLow, u32(descriptors));
        write(mmio::kQueueDescHigh, u32(descriptors >> 32));
        write(mmio::kQueueDriverLow, u32(driver_area));
        write(mmio::kQueueDriverHigh, u32(driver_area >> 32));
        write(mmio::kQueueDeviceLow, u32(device_area));
        write(mmio::kQueueDeviceHigh, u32(device_area >> 32));
        write(mmio::kQueueReady, 1);
        if (read(mmio::kQueueReady) != 1) return Error(EIO);
        return {};
    }

    void notify(u16 index) override { write(mmio::kQueueNotify, index); }

    Result<void> setup_interrupts(u16 queue_count, const InterruptHandlers& handlers) override {
        m_handlers = handlers;
        m_queue_count = queue_count;
        // QEMU raises the line while InterruptStatus is non-zero: level-triggered, and
        // quiet again once the handler acknowledges.
        return ioapic::attach(m_spec.irq, acpi::Polarity::ActiveHigh, acpi::Trigger::Level, on_interrupt, this);
    }
    const char* interrupt_mode() const override { return "line"; }

private:
    u32 read(u32 offset) const { return *reinterpret_cast<volatile u32*>(m_registers + offset); }
    void write(u32 offset, u32 value) { *reinterpret_cast<volatile u32*>(m_registers + offset) = value; }

    static void on_interrupt(void* context) {
        auto* self = static_cast<MmioTransport*>(context);
        u32 pending = self->read(mmio::kInterruptStatus);
        if (pending == 0) return;  // another device's turn on a shared line
        self->write(mmio::kInterruptAck, pending);
        const InterruptHandlers& h = self->m_handlers;
        if ((pending & mmio::kInterruptUsedBuffer) && h.queue)
            for (u16 q = 0; q < self->m_queue_count; q++) h.queue(h.context, q);
        if ((pending & mmio::kInterruptConfigChange) && h.config) h.config(h.context);
    }

    volatile u8* m_registers;
    MmioDeviceSpec m_spec;
    u32 m_device_type;
    InterruptHandlers m_handlers;
    u16 m_queue_count = 0;
    char m_location[32];
};

void probe_one(const MmioDeviceSpec& spec) {
    // The register block is 0x100 bytes before the device configuration.
    if (spec.size < mmio::kConfig) {
        klog::warn("virtio-mmio {:#x}: {} bytes is too small a window", spec.base, spec.size);
        return;
    }
    auto mapped = paging::map_mmio(spec.base, spec.size);
    if (mapped.is_error()) {
        klog::warn("virtio-mmio {:#x}: cannot map: {}", spec.base, err::name(mapped.error()));
        return;
    }
    auto* registers = static_cast<volatile u8*>(mapped.value());
    auto read = [&](u32 offset) { return *reinterpret_cast<volatile u32*>(registers + offset); };
    if (read(mmio::kMagic) != mmio::kMagicValue) {
        klog::warn("virtio-mmio {:#x}: no virtio magic", spec.base);
        return;
    }
    u32 version = read(mmio::kVersion);
    u32 device_type = read(mmio::kDeviceId);
    if (device_type == 0) return;  // an empty slot
    if (version != 2) {
        klog::warn("virtio-mmio {:#x}: version {} (legacy) is not supported; QEMU needs "
                   "-global virtio-mmio.force-legacy=false",
                   spec.base, version);
        return;
    }
    OwnPtr<Transport> transport(new (std::nothrow) MmioTransport(registers, spec, device_type));
    if (!transport) {
        klog::warn("virtio-mmio {:#x}: out of memory", spec.base);
        return;
    }
    probe(std::move(transport));
}

}  // namespace

void probe_mmio_devices(const cmdline::CommandLine& cmdline) {
    for (const cmdline::Entry& entry : cmdline) {
        if (entry.key != kMmioCmdlineKey || !entry.value) continue;
        auto spec = parse_mmio_device(*entry.value);
        if (spec.is_error()) {
            klog::warn("virtio-mmio: cannot parse '{}'", *entry.value);
            continue;
        }
        probe_one(spec.value());
    }
}

}  // namespace virtio
