#include "drivers/virtio/device.h"

#include "arch/x86_64/layout.h"
#include "lib/log.h"
#include "mm/frames.h"

#include <utility>

namespace virtio {

namespace {
Driver* g_drivers = nullptr;  // built by global constructors, before anything probes
}  // namespace

Result<u64> begin_init(Transport& transport, u64 wanted) {
    transport.reset();
    transport.set_status(status::kAcknowledge);
    transport.set_status(status::kAcknowledge | status::kDriver);
    u64 offered = transport.device_features();
    if (!(offered & feature::kVersion1)) {
        fail_init(transport);
        return Error(EOPNOTSUPP);
    }
    u64 features = offered & (wanted | feature::kVersion1);
    transport.set_driver_features(features);
    transport.set_status(status::kAcknowledge | status::kDriver | status::kFeaturesOk);
    if (!(transport.status() & status::kFeaturesOk)) {
        fail_init(transport);
        return Error(EIO);
    }
    return features;
}

void finish_init(Transport& transport) {
    transport.set_status(status::kAcknowledge | status::kDriver | status::kFeaturesOk | status::kDriverOk);
}

void fail_init(Transport& transport) { transport.set_status(u8(transport.status() | status::kFailed)); }

u64 device_address(const void* address, void*) { return layout::virt_to_phys_direct(address); }

Queue::~Queue() {
    if (m_memory) frames::free(m_memory, m_order);
}

Result<void> Queue::init(Transport& transport, u16 index, u16 max_size, bool event_idx) {
    u16 device_max = transport.queue_max_size(index);
    if (device_max == 0) return Error(ENODEV);
    // The largest power of two the device and the caller both allow (split rings need one).
    u16 size = 1;
    while (u32(size) * 2 <= device_max && u32(size) * 2 <= max_size && size < Virtqueue::kMaxSize) size = u16(size * 2);
    usize bytes = Virtqueue::ring_bytes(size);
    unsigned order = 0;
    while ((frames::kFrameSize << order) < bytes) order++;
    u64 memory = TRY(frames::allocate(order));
    void* ring = layout::phys_to_virt(memory);
    if (auto r = m_ring.init(ring, frames::kFrameSize << order, size, {event_idx, device_address, nullptr}); r.is_error()) {
        frames::free(memory, order);
        return r;
    }
    m_transport = &transport;
    m_index = index;
    m_memory = memory;
    m_order = order;
    return transport.enable_queue(index, size, m_ring.descriptor_area(), m_ring.driver_area(), m_ring.device_area());
}

void register_driver(Driver& driver) {
    driver.next = g_drivers;
    g_drivers = &driver;
}

void probe(OwnPtr<Transport> transport) {
    u32 type = transport->device_type();
    for (Driver* d = g_drivers; d; d = d->next) {
        if (d->device_type != type) continue;
        // A failed probe drops the transport, and its name with it.
        char location[32];
        text::BufferSink sink(location, sizeof location);
        sink.write(transport->location());
        if (auto r = d->probe(std::move(transport)); r.is_error())
            klog::warn("{}: {} failed to start: {}", sink.view(), d->name, err::name(r.error()));
        return;
    }
    klog::info("{}: virtio device type {} has no driver", transport->location(), type);
}

}  // namespace virtio
