#include "drivers/virtio/transport_pci.h"

#include <utility>

#include "arch/x86_64/cpu.h"
#include "drivers/pci/intx.h"
#include "drivers/pci/msix.h"
#include "drivers/pci/pci.h"
#include "drivers/virtio/device.h"
#include "lib/log.h"

namespace virtio {

namespace {

constexpr u16 kVendorVirtio = 0x1af4;
constexpr u16 kFirstTransitionalId = 0x1000;
constexpr u16 kLastTransitionalId = 0x103f;
constexpr u16 kFirstModernId = 0x1040;
constexpr u16 kLastModernId = 0x107f;

// struct virtio_pci_cap (4.1.4).
constexpr u8 kCapabilityVendor = 0x09;
constexpr u8 kCapType = 3;
constexpr u8 kCapBar = 4;
constexpr u8 kCapOffset = 8;
constexpr u8 kCapLength = 12;
constexpr u8 kCapNotifyMultiplier = 16;
constexpr u8 kTypeCommon = 1;
constexpr u8 kTypeNotify = 2;
constexpr u8 kTypeIsr = 3;
constexpr u8 kTypeDevice = 4;

// struct virtio_pci_common_cfg (4.1.4.3).
namespace common {
constexpr u32 kDeviceFeatureSelect = 0x00;
constexpr u32 kDeviceFeature = 0x04;
constexpr u32 kDriverFeatureSelect = 0x08;
constexpr u32 kDriverFeature = 0x0c;
constexpr u32 kConfigMsixVector = 0x10;
constexpr u32 kNumQueues = 0x12;
constexpr u32 kDeviceStatus = 0x14;
constexpr u32 kConfigGeneration = 0x15;
constexpr u32 kQueueSelect = 0x16;
constexpr u32 kQueueSize = 0x18;
constexpr u32 kQueueMsixVector = 0x1a;
constexpr u32 kQueueEnable = 0x1c;
constexpr u32 kQueueNotifyOff = 0x1e;
constexpr u32 kQueueDesc = 0x20;
constexpr u32 kQueueDriver = 0x28;
constexpr u32 kQueueDevice = 0x30;
constexpr u32 kLength = 0x38;
}  // namespace common

constexpr u16 kNoVector = 0xffff;
constexpr u8 kIsrQueue = 1;
constexpr u8 kIsrConfig = 2;
constexpr u16 kMaxQueues = 8;

// One structure the capabilities point at: where it is mapped and how long it is.
struct Region {
    volatile u8* base = nullptr;
    u32 length = 0;
};

class PciTransport final : public Transport {
public:
    PciTransport(pci::Device& device, u32 device_type, Region common_cfg, Region notify, u32 notify_multiplier,
                 Region isr, Region device_cfg)
        : m_device(device), m_device_type(device_type), m_common(common_cfg), m_notify(notify),
          m_notify_multiplier(notify_multiplier), m_isr(isr), m_device_cfg(device_cfg) {
        text::BufferSink sink(m_location, sizeof m_location);
        text::format_to(sink, "virtio-pci {:02x}:{:02x}.{}", device.address.bus, device.address.device,
                        device.address.function);
    }

    u32 device_type() const override { return m_device_type; }
    const char* location() const override { return m_location; }

    u8 status() override { return read8(common::kDeviceStatus); }
    void set_status(u8 status) override { write8(common::kDeviceStatus, status); }
    void reset() override {
        write8(common::kDeviceStatus, 0);
        while (read8(common::kDeviceStatus) != 0) cpu::pause();
    }

    u64 device_features() override {
        write32(common::kDeviceFeatureSelect, 0);
        u64 low = read32(common::kDeviceFeature);
        write32(common::kDeviceFeatureSelect, 1);
        return low | (u64(read32(common::kDeviceFeature)) << 32);
    }
    void set_driver_features(u64 features) override {
        write32(common::kDriverFeatureSelect, 0);
        write32(common::kDriverFeature, u32(features));
        write32(common::kDriverFeatureSelect, 1);
        write32(common::kDriverFeature, u32(features >> 32));
    }

    u32 config_read(u32 offset, unsigned size) override {
        if (!m_device_cfg.base || offset + size > m_device_cfg.length) return 0;
        volatile u8* at = m_device_cfg.base + offset;
        switch (size) {
        case 1: return *at;
        case 2: return *reinterpret_cast<volatile u16*>(at);
        default: return *reinterpret_cast<volatile u32*>(at);
        }
    }
    u32 config_generation() override { return read8(common::kConfigGeneration); }

    u16 queue_max_size(u16 index) override {
        if (index >= read16(common::kNumQueues) || index >= kMaxQueues) return 0;
        write16(common::kQueueSelect, index);
        if (read16(common::kQueueEnable)) return 0;
        return read16(common::kQueueSize);
    }

    Result<void> enable_queue(u16 index, u16 size, u64 descriptors, u64 driver_area, u64 device_area) override {
        if (index >= kMaxQueues) return Error(EINVAL);
        write16(common::kQueueSelect, index);
        write16(common::kQueueSize, size);
        write64(common::kQueueDesc, descriptors);
        write64(common::kQueueDriver, driver_area);
        write64(common::kQueueDevice, device_area);
        if (m_msix_mode != MsixMode::None) {
            u16 entry = m_msix_mode == MsixMode::PerQueue ? u16(1 + index) : 0;
            write16(common::kQueueMsixVector, entry);
            if (read16(common::kQueueMsixVector) != entry) return Error(EIO);
        }
        u64 offset = u64(read16(common::kQueueNotifyOff)) * m_notify_multiplier;
        if (offset + 2 > m_notify.length) return Error(EIO);
        m_queue_notify[index] = reinterpret_cast<volatile u16*>(m_notify.base + offset);
        write16(common::kQueueEnable, 1);
        return {};
    }

    void notify(u16 index) override {
        if (index < kMaxQueues && m_queue_notify[index]) *m_queue_notify[index] = index;
    }

    Result<void> setup_interrupts(u16 queue_count, const InterruptHandlers& handlers) override;
    const char* interrupt_mode() const override {
        switch (m_msix_mode) {
        case MsixMode::PerQueue: return "msi-x per queue";
        case MsixMode::Shared: return "msi-x shared";
        default: return "intx";
        }
    }

private:
    enum class MsixMode : u8 { None, PerQueue, Shared };

    // A queue's MSI-X vector calls this with its slot.
    struct QueueSlot {
        PciTransport* transport;
        u16 index;
    };

    u8 read8(u32 offset) { return m_common.base[offset]; }
    u16 read16(u32 offset) { return *reinterpret_cast<volatile u16*>(m_common.base + offset); }
    u32 read32(u32 offset) { return *reinterpret_cast<volatile u32*>(m_common.base + offset); }
    void write8(u32 offset, u8 value) { m_common.base[offset] = value; }
    void write16(u32 offset, u16 value) { *reinterpret_cast<volatile u16*>(m_common.base + offset) = value; }
    void write32(u32 offset, u32 value) { *reinterpret_cast<volatile u32*>(m_common.base + offset) = value; }
    // 64-bit fields are written as two halves, low first (4.1.3.1).
    void write64(u32 offset, u64 value) {
        write32(offset, u32(value));
        write32(offset + 4, u32(value >> 32));
    }

    Result<void> setup_msix(pci::MsiX& msix, u16 queue_count);

    static void on_queue_vector(void* context) {
        auto* slot = static_cast<QueueSlot*>(context);
        const InterruptHandlers& h = slot->transport->m_handlers;
        if (h.queue) h.queue(h.context, slot->index);
    }
    static void on_config_vector(void* context) {
        const InterruptHandlers& h = static_cast<PciTransport*>(context)->m_handlers;
        if (h.config) h.config(h.context);
    }
    // One vector for everything: which queue, and whether the configuration changed, is
    // not said, so every handler runs (each finds its own work or none).
    static void on_shared_vector(void* context) {
        auto* self = static_cast<PciTransport*>(context);
        const InterruptHandlers& h = self->m_handlers;
        if (h.queue)
            for (u16 q = 0; q < self->m_queue_count; q++) h.queue(h.context, q);
        if (h.config) h.config(h.context);
    }
    // INTx: reading the ISR says what happened, and lowers the line.
    static void on_intx(void* context) {
        auto* self = static_cast<PciTransport*>(context);
        u8 isr = *self->m_isr.base;
        if (isr == 0) return;  // another device on the shared line
        const InterruptHandlers& h = self->m_handlers;
        if ((isr & kIsrQueue) && h.queue)
            for (u16 q = 0; q < self->m_queue_count; q++) h.queue(h.context, q);
        if ((isr & kIsrConfig) && h.config) h.config(h.context);
    }

    pci::Device& m_device;
    u32 m_device_type;
    Region m_common, m_notify;
    u32 m_notify_multiplier;
    Region m_isr, m_device_cfg;
    volatile u16* m_queue_notify[kMaxQueues] = {};
    QueueSlot m_slots[kMaxQueues] = {};
    InterruptHandlers m_handlers;
    u16 m_queue_count = 0;
    MsixMode m_msix_mode = MsixMode::None;
    char m_location[32];
};

Result<void> PciTransport::setup_msix(pci::MsiX& msix, u16 queue_count) {
    msix.enable();
    // Entry 0 for configuration changes, 1 + i for queue i; with a smaller table, entry 0
    // for everything.
    if (msix.table_size() >= queue_count + 1) {
        u8 vector = TRY(irq::allocate(on_config_vector, this));
        msix.set_entry(0, vector);
        for (u16 q = 0; q < queue_count; q++) {
            m_slots[q] = {this, q};
            u8 queue_vector = TRY(irq::allocate(on_queue_vector, &m_slots[q]));
            msix.set_entry(u16(1 + q), queue_vector);
        }
        m_msix_mode = MsixMode::PerQueue;
    } else {
        u8 vector = TRY(irq::allocate(on_shared_vector, this));
        msix.set_entry(0, vector);
        m_msix_mode = MsixMode::Shared;
    }
    write16(common::kConfigMsixVector, 0);
    if (read16(common::kConfigMsixVector) != 0) return Error(EIO);
    u16 used = m_msix_mode == MsixMode::PerQueue ? u16(queue_count + 1) : 1;
    for (u16 entry = 0; entry < used; entry++) msix.unmask_entry(entry);
    msix.set_function_mask(false);
    return {};
}

Result<void> PciTransport::setup_interrupts(u16 queue_count, const InterruptHandlers& handlers) {
    if (queue_count > kMaxQueues) return Error(EINVAL);
    m_handlers = handlers;
    m_queue_count = queue_count;
    auto msix = pci::MsiX::find(m_device);
    if (msix.is_ok()) {
        if (auto r = setup_msix(msix.value(), queue_count); r.is_ok()) return {};
        // Fall back to INTx: MSI-X off, and the device told to use no vectors.
        msix.value().disable();
        write16(common::kConfigMsixVector, kNoVector);
        m_msix_mode = MsixMode::None;
    }
    if (!m_isr.base) return Error(ENODEV);
    return pci::attach_intx(m_device, on_intx, this);
}

// The structure a virtio capability at `cap` points at, mapped.
Result<Region> map_structure(pci::Device& device, u8 cap) {
    u8 bar = pci::read8(device.address, u8(cap + kCapBar));
    u32 offset = pci::read32(device.address, u8(cap + kCapOffset));
    u32 length = pci::read32(device.address, u8(cap + kCapLength));
    if (bar >= pci::Device::kBarCount) return Error(ENODEV);
    const pci::Bar& b = device.bars[bar];
    if (u64(offset) + length > b.size) return Error(ENODEV);
    volatile u8* base = TRY(device.map_bar(bar));
    return Region{base + offset, length};
}

void probe_device(pci::Device& device) {
    u32 type;
    if (device.device_id >= kFirstModernId && device.device_id <= kLastModernId)
        type = device.device_id - kFirstModernId;
    else if (device.device_id >= kFirstTransitionalId && device.device_id <= kLastTransitionalId)
        type = device.subsystem_id;
    else
        return;

    Region regions[5];
    u32 notify_multiplier = 0;
    // The first capability of each type is the one to use (4.1.4).
    for (u8 cap = device.find_capability(kCapabilityVendor); cap; cap = device.find_capability(kCapabilityVendor, cap)) {
        u8 kind = pci::read8(device.address, u8(cap + kCapType));
        if (kind < kTypeCommon || kind > kTypeDevice || regions[kind].base) continue;
        auto region = map_structure(device, cap);
        if (region.is_error()) continue;
        regions[kind] = region.value();
        if (kind == kTypeNotify) notify_multiplier = pci::read32(device.address, u8(cap + kCapNotifyMultiplier));
    }
    if (!regions[kTypeCommon].base || regions[kTypeCommon].length < common::kLength || !regions[kTypeNotify].base) {
        klog::warn("virtio-pci {:02x}:{:02x}.{}: no modern interface (legacy devices are not supported)",
                   device.address.bus, device.address.device, device.address.function);
        return;
    }
    device.set_command(pci::command::kMemorySpace | pci::command::kBusMaster);
    OwnPtr<Transport> transport(new (std::nothrow) PciTransport(device, type, regions[kTypeCommon], regions[kTypeNotify],
                                                                notify_multiplier, regions[kTypeIsr],
                                                                regions[kTypeDevice]));
    if (!transport) return;
    probe(std::move(transport));
}

}  // namespace

void probe_pci_devices() {
    for (pci::Device& device : pci::devices())
        if (device.vendor_id == kVendorVirtio) probe_device(device);
}

}  // namespace virtio
