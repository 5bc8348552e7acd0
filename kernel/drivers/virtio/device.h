// What every virtio driver shares: the start-up handshake, stable reads of the device
// configuration, queues with their rings in frames, and the table of drivers by device
// type that the transports' discovery consults.
//
// A driver is one file that registers itself:
//
//   Result<void> probe_block(OwnPtr<virtio::Transport> transport) { ... }
//   VIRTIO_DRIVER(block, virtio::kDeviceBlock, "virtio-blk", probe_block);
#pragma once

#include "drivers/virtio/transport.h"
#include "lib/own_ptr.h"
#include "virtio/virtqueue.h"

namespace virtio {

// Reset, ACKNOWLEDGE, DRIVER, then offers `wanted` (VERSION_1 always; the device's other
// bits that `wanted` has) and checks FEATURES_OK stuck. Returns the negotiated features.
// EOPNOTSUPP when the device lacks VERSION_1 (a legacy-only device), EIO when it refuses the
// features; the device is left FAILED then.
Result<u64> begin_init(Transport& transport, u64 wanted);
// DRIVER_OK: the device may now use the queues.
void finish_init(Transport& transport);
// FAILED, after an error in between.
void fail_init(Transport& transport);

// Runs `read` until the configuration generation is the same before and after, so a
// multi-field value is never torn by a concurrent device change (2.5.1).
template <typename F>
auto read_config_stable(Transport& transport, F&& read) {
    for (;;) {
        u32 before = transport.config_generation();
        auto value = read();
        if (transport.config_generation() == before) return value;
    }
}

// A virtqueue with its rings in zeroed frames, bound to queue `index` of a transport.
class Queue {
public:
    Queue() = default;
    ~Queue();
    Queue(const Queue&) = delete;
    Queue& operator=(const Queue&) = delete;

    // Sizes the queue (the device's maximum, at most `max_size`), allocates and lays out
    // its rings, and enables it on the device. ENODEV when the device has no such queue.
    Result<void> init(Transport& transport, u16 index, u16 max_size, bool event_idx);

    Virtqueue& ring() { return m_ring; }
    const Virtqueue& ring() const { return m_ring; }
    u16 index() const { return m_index; }
    u16 size() const { return m_ring.size(); }
    // Publishes what was added and notifies the device if it asked to be.
    void kick() {
        if (m_ring.publish()) m_transport->notify(m_index);
    }
    // Notifies the device again if it missed a notification (Virtqueue::resend_notification):
    // before waiting for a device to make room.
    void kick_if_missed() {
        if (m_ring.resend_notification()) m_transport->notify(m_index);
    }

private:
    Transport* m_transport = nullptr;
    u16 m_index = 0;
    Virtqueue m_ring;
    u64 m_memory = 0;  // physical address of the rings' frames
    unsigned m_order = 0;
};

// The device address of kernel memory: the direct map's inverse. DMA buffers must come
// from the frame allocator (or the heap, which lives in the direct map).
u64 device_address(const void* address, void* context = nullptr);

// The table of drivers.
struct Driver {
    u32 device_type;
    const char* name;
    Result<void> (*probe)(OwnPtr<Transport> transport);
    Driver* next;
};
void register_driver(Driver& driver);
// Hands a discovered device to the driver for its type (the transport is dropped, the
// device left alone, when there is none or the probe fails).
void probe(OwnPtr<Transport> transport);

struct DriverRegistration {
    DriverRegistration(Driver& driver) { register_driver(driver); }
};

#define VIRTIO_DRIVER(id, type, name, probe)                  \
    namespace {                                               \
    ::virtio::Driver g_virtio_driver_##id{type, name, probe, nullptr}; \
    ::virtio::DriverRegistration g_virtio_registration_##id{g_virtio_driver_##id}; \
    }

}  // namespace virtio
