#include "drivers/virtio/net.h"

#include <utility>

#include "arch/x86_64/layout.h"
#include "lib/log.h"
#include "lib/random.h"
#include "mm/frames.h"

namespace virtio {

namespace {

constexpr usize kEthernetHeader = 14;
constexpr usize kVlanTag = 4;  // a tagged frame received is 4 bytes longer
constexpr u16 kMinMtu = 68;
constexpr u16 kMaxMtu = 9000;
// Buffers set aside per device; fewer on small machines (a 4 MiB guest still boots).
constexpr u16 kReceiveBuffers = 128, kTransmitBuffers = 64;
constexpr u16 kSmallReceiveBuffers = 32, kSmallTransmitBuffers = 16;
constexpr usize kSmallMachine = 32 * MiB;
constexpr u32 kMergedBufferSize = 2048;

constexpr u64 kNetWantedFeatures = net_feature::kCsum | net_feature::kGuestCsum | net_feature::kMtu |
                                net_feature::kMac | net_feature::kMrgRxbuf | net_feature::kStatus |
                                feature::kEventIdx;

unsigned order_for(usize bytes) {
    unsigned order = 0;
    while ((frames::kFrameSize << order) < bytes) order++;
    return order;
}

}  // namespace

VirtioNet::VirtioNet(OwnPtr<Transport> transport) : m_transport(std::move(transport)) {}

Result<void> VirtioNet::probe(OwnPtr<Transport> transport) {
    auto* device = new (std::nothrow) VirtioNet(std::move(transport));
    if (!device) return Error(ENOMEM);
    if (auto r = device->start(); r.is_error()) {
        device->m_transport->reset();
        // Once its interrupt is connected the device object must outlive it (a vector is
        // never given back, and an INTx line may be shared): it stays in place, inert.
        if (!device->m_interrupts_connected) delete device;
        return r;
    }
    return {};
}

Result<void> VirtioNet::start() {
    Transport& t = *m_transport;
    m_features = TRY(begin_init(t, kNetWantedFeatures));

    // The device's MTU bounds what it sends us: the receive path is sized for it (a
    // packet spanning merged buffers is joined in a scratch buffer). What we send, and
    // tell the stack, stays within kMaxMtu so transmit buffers stay small.
    u16 device_mtu = m_mtu;
    if (m_features & net_feature::kMtu) {
        u16 mtu = u16(t.config_read(net_config::kMtu, 2));
        if (mtu >= kMinMtu) device_mtu = mtu;
    }
    if (!(m_features & net_feature::kMrgRxbuf) && device_mtu > kMaxMtu) device_mtu = kMaxMtu;
    m_mtu = device_mtu < kMaxMtu ? device_mtu : kMaxMtu;
    m_rx_max_packet = kNetHeaderSize + kEthernetHeader + kVlanTag + device_mtu;
    if (m_features & net_feature::kMac) {
        read_config_stable(t, [&] {
            for (u32 i = 0; i < 6; i++) m_mac.bytes[i] = u8(t.config_read(net_config::kMac + i, 1));
            return 0;
        });
    } else {
        // A locally administered unicast address of our own (5.1.5: the driver picks one).
        krandom::fill(m_mac.bytes, sizeof m_mac.bytes);
        m_mac.bytes[0] = u8((m_mac.bytes[0] & 0xfe) | 0x02);
    }
    read_link_state();

    TRY(t.setup_interrupts(2, {on_queue_interrupt, on_config_interrupt, this}));
    m_interrupts_connected = true;
    bool small = frames::free_count() * frames::kFrameSize < kSmallMachine;
    bool event_idx = m_features & feature::kEventIdx;
    TRY(m_rx.init(t, kReceiveQueue, small ? kSmallReceiveBuffers : kReceiveBuffers, event_idx));
    TRY(m_tx.init(t, kTransmitQueue, small ? kSmallTransmitBuffers : kTransmitBuffers, event_idx));
    TRY(allocate_buffers());

    {
        IrqSpinLockGuard guard(m_rx_lock);
        for (u16 i = 0; i < m_rx_count; i++) post_receive_buffer_locked(m_rx_memory + usize(i) * m_rx_buffer_size);
        // Visible to the device now; notifying has to wait for DRIVER_OK.
        m_rx.ring().publish();
    }
    // Transmit completions are reclaimed on the next transmit; the interrupt is wanted
    // only while the stack waits for room.
    m_tx.ring().disable_interrupts();
    m_ready.store(true, kstd::release);
    finish_init(t);
    t.notify(kReceiveQueue);

    {
        text::BufferSink name(m_name, sizeof m_name);
        text::format_to(name, "eth{}", net::device_count());
    }
    net::register_device(*this);
    const u8* m = m_mac.bytes;
    klog::info("{}: virtio-net on {}, mac {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}, mtu {}, link {}, "
               "rx {} x {} bytes, tx {}, interrupts {}, features {:#x}",
               m_name, t.location(), m[0], m[1], m[2], m[3], m[4], m[5], m_mtu, link_up() ? "up" : "down",
               m_rx_count, m_rx_buffer_size, m_tx_count, t.interrupt_mode(), m_features);
    return {};
}

Result<void> VirtioNet::allocate_buffers() {
    bool merged = m_features & net_feature::kMrgRxbuf;
    // With merged buffers a packet larger than one buffer spans several; without, each
    // buffer must hold the largest packet.
    m_rx_buffer_size = merged ? kMergedBufferSize : u32(align_up(m_rx_max_packet, 64));
    m_rx_count = m_rx.size();
    if (merged && m_rx_max_packet > m_rx_buffer_size) {
        m_rx_scratch = new (std::nothrow) u8[m_rx_max_packet];
        if (!m_rx_scratch) return Error(ENOMEM);
    }
    m_rx_memory_order = order_for(usize(m_rx_count) * m_rx_buffer_size);
    m_rx_memory_phys = TRY(frames::allocate(m_rx_memory_order));
    m_rx_memory = static_cast<u8*>(layout::phys_to_virt(m_rx_memory_phys));

    m_tx_buffer_size = u32(align_up(kNetHeaderSize + kEthernetHeader + m_mtu, 64));
    m_tx_count = m_tx.size();
    m_tx_free = new (std::nothrow) u8*[m_tx_count];
    if (!m_tx_free) return Error(ENOMEM);
    m_tx_memory_order = order_for(usize(m_tx_count) * m_tx_buffer_size);
    m_tx_memory_phys = TRY(frames::allocate(m_tx_memory_order));
    m_tx_memory = static_cast<u8*>(layout::phys_to_virt(m_tx_memory_phys));
    for (u16 i = 0; i < m_tx_count; i++) m_tx_free[i] = m_tx_memory + usize(i) * m_tx_buffer_size;
    m_tx_free_count = m_tx_count;
    return {};
}

void VirtioNet::read_link_state() {
    // Without STATUS the link is assumed up (5.1.4).
    if (!(m_features & net_feature::kStatus)) return;
    u16 status = u16(m_transport->config_read(net_config::kStatus, 2));
    m_link_up.store(status & net_config::kStatusLinkUp, kstd::release);
}

void VirtioNet::set_notify(Notify notify, void* context) {
    // Both under the receive lock, so an interrupt handler sees the pair or neither.
    IrqSpinLockGuard guard(m_rx_lock);
    m_notify_context = context;
    m_notify = notify;
}

void VirtioNet::notify_stack() {
    Notify notify;
    void* context;
    {
        IrqSpinLockGuard guard(m_rx_lock);
        notify = m_notify;
        context = m_notify_context;
    }
    if (notify) notify(context);
}

void VirtioNet::post_receive_buffer_locked(u8* buffer) {
    BufferPart part{buffer, m_rx_buffer_size, BufferPart::kDeviceWritable};
    // Cannot fail: the queue has a descriptor for every buffer.
    if (m_rx.ring().add({&part, 1}, buffer).is_error()) m_rx_errors++;
}

VirtioNet::Take VirtioNet::take_frame_locked(Taken& out) {
    Virtqueue& ring = m_rx.ring();
    auto used = ring.pop_used();
    if (!used) return Take::Empty;
    auto* buffer = static_cast<u8*>(used->token);
    if (used->malformed || used->length < kNetHeaderSize + kEthernetHeader) {
        m_rx_errors++;
        post_receive_buffer_locked(buffer);
        return Take::Dropped;
    }
    bool merged = m_features & net_feature::kMrgRxbuf;
    ReceivedNetHeader header = read_net_header(buffer, merged, m_features & net_feature::kGuestCsum);
    usize length = used->length - kNetHeaderSize;
    if (header.num_buffers == 1) {
        out = {buffer + kNetHeaderSize, length, header.checksum_verified, buffer};
        return Take::Frame;
    }

    // A packet spanning buffers: the rest follow in the used ring, data only. Joined in
    // the scratch buffer when one was set aside (an MTU larger than a buffer); otherwise
    // the device had no reason to split it, and it is dropped with its pieces.
    bool ok = header.num_buffers != 0 && header.num_buffers <= m_rx_count && m_rx_scratch;
    usize total = 0;
    if (ok) {
        for (usize i = 0; i < length; i++) m_rx_scratch[i] = buffer[kNetHeaderSize + i];
        total = length;
    }
    post_receive_buffer_locked(buffer);
    for (u16 piece = 1; piece < header.num_buffers && piece < m_rx_count; piece++) {
        auto next = ring.pop_used();
        if (!next) {
            ok = false;  // announced but never delivered
            break;
        }
        auto* more = static_cast<u8*>(next->token);
        if (next->malformed || total + next->length > m_rx_max_packet - kNetHeaderSize) ok = false;
        if (ok) {
            for (u32 i = 0; i < next->length; i++) m_rx_scratch[total + i] = more[i];
            total += next->length;
        }
        post_receive_buffer_locked(more);
    }
    if (!ok) {
        m_rx_errors++;
        return Take::Dropped;
    }
    out = {m_rx_scratch, total, header.checksum_verified, nullptr};
    return Take::Frame;
}

usize VirtioNet::poll_receive(usize budget, Consume consume, void* context) {
    usize delivered = 0;
    while (delivered < budget) {
        Taken frame{};
        {
            IrqSpinLockGuard guard(m_rx_lock);
            Take result = take_frame_locked(frame);
            if (result == Take::Empty) {
                // Interrupts back on, then one more look: a frame that arrived in between
                // would otherwise wait for the next one's interrupt.
                if (m_rx.ring().enable_interrupts()) break;
                m_rx.ring().disable_interrupts();
                continue;
            }
            if (result == Take::Dropped) {
                m_rx.kick();
                continue;
            }
            m_rx_packets++;
            m_rx_bytes += frame.length;
        }
        consume(context, net::ReceivedFrame{frame.data, frame.length, frame.checksum_verified});
        delivered++;
        IrqSpinLockGuard guard(m_rx_lock);
        if (frame.buffer) post_receive_buffer_locked(frame.buffer);
        m_rx.kick();
    }
    return delivered;
}

void VirtioNet::reclaim_transmit_locked() {
    while (auto used = m_tx.ring().pop_used()) {
        if (used->malformed) m_tx_errors++;
        m_tx_free[m_tx_free_count++] = static_cast<u8*>(used->token);
    }
}

Result<void> VirtioNet::transmit(const net::Gather& frame, const net::PartialChecksum* partial) {
    usize length = frame.length();
    if (length < kEthernetHeader) return Error(EINVAL);
    if (length > kEthernetHeader + m_mtu) return Error(EMSGSIZE);
    if (partial && (!offloads_checksum() || !partial_checksum_fits(*partial, length))) return Error(EINVAL);

    IrqSpinLockGuard guard(m_tx_lock);
    reclaim_transmit_locked();
    if (m_tx_free_count == 0) {
        // Ask to hear when half the queue is done, then look once more in case it
        // already is (the completions raced the request).
        m_tx_waiting = true;
        if (!m_tx.ring().enable_interrupts_after(u16(m_tx_count / 2))) {
            m_tx.ring().disable_interrupts();
            m_tx_waiting = false;
            reclaim_transmit_locked();
        }
        if (m_tx_free_count == 0) {
            // Room comes only if the device is working on the queue: make sure it knows.
            m_tx.kick_if_missed();
            m_tx_dropped++;
            return Error(ENOBUFS);
        }
    }
    u8* buffer = m_tx_free[--m_tx_free_count];
    write_net_header(buffer, partial);
    // Run by run with the kernel's memcpy (quadword moves; Gather::copy_out goes byte by byte).
    u8* to = buffer + kNetHeaderSize;
    for (unsigned i = 0; i < frame.count(); i++) {
        __builtin_memcpy(to, frame.data(i), frame.length(i));
        to += frame.length(i);
    }
    BufferPart part{buffer, u32(kNetHeaderSize + length), BufferPart::kDeviceReadable};
    if (m_tx.ring().add({&part, 1}, buffer).is_error()) {
        m_tx_free[m_tx_free_count++] = buffer;
        m_tx_dropped++;
        return Error(ENOBUFS);
    }
    m_tx.kick();
    m_tx_packets++;
    m_tx_bytes += length;
    return {};
}

net::DeviceStats VirtioNet::stats() const {
    net::DeviceStats s{};
    {
        IrqSpinLockGuard guard(m_rx_lock);
        const QueueErrors& e = m_rx.ring().errors();
        s.rx_packets = m_rx_packets;
        s.rx_bytes = m_rx_bytes;
        s.rx_dropped = m_rx_dropped;
        s.rx_errors = m_rx_errors + e.bad_id + e.bad_index;
    }
    IrqSpinLockGuard guard(m_tx_lock);
    const QueueErrors& e = m_tx.ring().errors();
    s.tx_packets = m_tx_packets;
    s.tx_bytes = m_tx_bytes;
    s.tx_dropped = m_tx_dropped;
    s.tx_errors = m_tx_errors + e.bad_id + e.bad_index;
    return s;
}

void VirtioNet::on_queue_interrupt(void* context, u16 queue) {
    auto* self = static_cast<VirtioNet*>(context);
    if (!self->m_ready.load(kstd::acquire)) return;
    bool wake = false;
    if (queue == kReceiveQueue) {
        // The stack polls from here on; poll_receive turns the interrupt back on once the
        // queue is empty.
        IrqSpinLockGuard guard(self->m_rx_lock);
        wake = self->m_rx.ring().has_used();
        if (wake) self->m_rx.ring().disable_interrupts();
    } else if (queue == kTransmitQueue) {
        IrqSpinLockGuard guard(self->m_tx_lock);
        wake = self->m_tx_waiting && self->m_tx.ring().has_used();
        if (wake) {
            self->m_tx.ring().disable_interrupts();
            self->m_tx_waiting = false;
        }
    }
    if (wake) self->notify_stack();
}

void VirtioNet::on_config_interrupt(void* context) {
    auto* self = static_cast<VirtioNet*>(context);
    if (!self->m_ready.load(kstd::acquire)) return;
    bool was_up = self->link_up();
    self->read_link_state();
    if (self->link_up() != was_up) self->notify_stack();
}

VIRTIO_DRIVER(net, kDeviceNet, "virtio-net", VirtioNet::probe)

}  // namespace virtio
