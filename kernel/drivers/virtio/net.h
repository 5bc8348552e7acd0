// virtio-net (virtio 1.2, 5.1) as a net::NetDevice: one receive and one transmit queue,
// on either transport. Features used when offered: MAC, STATUS (link state, updated by the
// configuration-change interrupt), MRG_RXBUF, CSUM (transmit checksum offload), GUEST_CSUM
// (received checksum state), MTU, EVENT_IDX.
//
// Memory is all set aside at start: receive buffers are posted once and re-posted after
// each frame, transmit copies each frame (header + Gather) into one of a fixed set of
// buffers, one descriptor per packet, reclaimed as the device completes them. Nothing is
// allocated per packet. The device is not trusted: a used entry with a bad id or length,
// a runt frame, or a frame claiming more buffers than arrived is dropped and counted.
//
// The driver registers itself for device type 1; each device found becomes eth0, eth1...
// (net::register_device).
//
// Locks: m_rx_lock guards the receive queue and its counters, m_tx_lock the transmit
// queue, its free buffers and counters. Never both at once. poll_receive() is called by
// one thread at a time (the network thread); it calls `consume` with no lock held.
#pragma once

#include "drivers/virtio/device.h"
#include "lib/atomic.h"
#include "net/device.h"
#include "sync/spinlock.h"
#include "virtio/net_header.h"

namespace virtio {

class VirtioNet final : public net::NetDevice {
public:
    // Starts the driver on a device; through the driver table (VIRTIO_DRIVER in net.cc).
    static Result<void> probe(OwnPtr<Transport> transport);

    const char* name() const override { return m_name; }
    net::MacAddress mac() const override { return m_mac; }
    u16 mtu() const override { return m_mtu; }
    bool link_up() const override { return m_link_up.load(kstd::acquire); }
    void set_notify(Notify notify, void* context) override;
    usize poll_receive(usize budget, Consume consume, void* context) override;
    net::DeviceStats stats() const override;
    Result<void> transmit(const net::Gather& frame, const net::PartialChecksum* partial) override;
    bool offloads_checksum() const override { return m_features & net_feature::kCsum; }

private:
    static constexpr u16 kReceiveQueue = 0;
    static constexpr u16 kTransmitQueue = 1;

    explicit VirtioNet(OwnPtr<Transport> transport);
    ~VirtioNet() = default;
    Result<void> start();
    Result<void> allocate_buffers();
    void read_link_state();

    // A frame taken off the receive queue (under the lock), to be handed over without it.
    struct Taken {
        const u8* data;
        usize length;
        bool checksum_verified;
        u8* buffer;  // to re-post after the handover; nullptr when it was copied out
    };
    enum class Take { Frame, Dropped, Empty };
    Take take_frame_locked(Taken& out);
    void post_receive_buffer_locked(u8* buffer);
    void reclaim_transmit_locked();

    static void on_queue_interrupt(void* context, u16 queue);
    static void on_config_interrupt(void* context);
    void notify_stack();

    OwnPtr<Transport> m_transport;
    u64 m_features = 0;
    char m_name[8] = {};
    net::MacAddress m_mac;
    u16 m_mtu = 1500;
    kstd::Atomic<bool> m_link_up{true};
    kstd::Atomic<bool> m_ready{false};  // the queues exist: interrupts may touch them
    bool m_interrupts_connected = false;
    Notify m_notify = nullptr;
    void* m_notify_context = nullptr;

    mutable IrqSpinLock m_rx_lock{"virtio-net rx"};
    Queue m_rx;
    u8* m_rx_memory = nullptr;  // rx_count buffers of m_rx_buffer_size, in frames
    u64 m_rx_memory_phys = 0;
    unsigned m_rx_memory_order = 0;
    u32 m_rx_buffer_size = 0;
    u16 m_rx_count = 0;
    u8* m_rx_scratch = nullptr;  // a packet spanning buffers is joined here (poll thread only)
    usize m_rx_max_packet = 0;   // header + largest frame
    u64 m_rx_packets = 0, m_rx_bytes = 0, m_rx_dropped = 0, m_rx_errors = 0;

    mutable IrqSpinLock m_tx_lock{"virtio-net tx"};
    Queue m_tx;
    u8* m_tx_memory = nullptr;
    u64 m_tx_memory_phys = 0;
    unsigned m_tx_memory_order = 0;
    u32 m_tx_buffer_size = 0;
    u8** m_tx_free = nullptr;  // stack of free transmit buffers
    u16 m_tx_free_count = 0;
    u16 m_tx_count = 0;
    bool m_tx_waiting = false;  // ENOBUFS was returned: tell the stack when room frees up
    u64 m_tx_packets = 0, m_tx_bytes = 0, m_tx_dropped = 0, m_tx_errors = 0;
};

}  // namespace virtio
