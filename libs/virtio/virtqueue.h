// The driver's side of a split virtqueue (virtio 1.2, 2.7), as pure code over memory it is
// given: the kernel hands it frames reached through the direct map, host tests a buffer a
// fake device reads. It fills descriptors and the available ring, reads the used ring, and
// keeps its own copy of every chain's links, so nothing the device writes is trusted: a
// used entry naming a descriptor that is not an outstanding chain head is dropped and
// counted, and a length beyond the chain's writable bytes is reported as malformed.
//
//   virtio::Virtqueue queue;
//   TRY(queue.init(ring_memory, ring_bytes, 256, {.event_idx = true, .to_device = to_phys}));
//   virtio::BufferPart part{buffer, 2048, virtio::BufferPart::kDeviceWritable};
//   TRY(queue.add({&part, 1}, buffer));
//   if (queue.publish()) transport.notify(0);
//   while (auto used = queue.pop_used()) handle(used->token, used->length);
//
// Not thread-safe: one user at a time (the kernel holds the driver's lock). Indirect
// descriptors are not used: every chain takes its descriptors from the table.
#pragma once

#include <optional>
#include <span>

#include "base/result.h"
#include "base/types.h"
#include "virtio/ring.h"

namespace virtio {

// One run of a chain. Device-readable runs come first, then device-writable ones (2.7.4).
struct BufferPart {
    static constexpr bool kDeviceReadable = false;
    static constexpr bool kDeviceWritable = true;
    const void* data;
    u32 length;
    bool device_writable;
};

// A chain the device has finished with.
struct UsedBuffer {
    void* token;  // as given to add()
    u32 length;   // bytes the device wrote into the writable runs
    // The device claimed to write more than the writable runs hold: length is then 0 and
    // the contents must not be used, but the buffer is the driver's again.
    bool malformed;
};

// Device misbehaviour, counted (never trusted).
struct QueueErrors {
    u64 bad_id;      // used entries naming no outstanding chain head (dropped)
    u64 bad_length;  // used entries claiming more bytes than the chain can take
    u64 bad_index;   // the used index ran more than a ring ahead: the queue is broken
};

class Virtqueue {
public:
    // The address the device uses for driver memory (the kernel: the direct map's inverse).
    using ToDevice = u64 (*)(const void* address, void* context);

    struct Options {
        bool event_idx = false;  // VIRTIO_F_EVENT_IDX was negotiated
        ToDevice to_device = nullptr;
        void* context = nullptr;
    };

    static constexpr u16 kMaxSize = 32768;
    // The block init() needs for `size` entries (0 when size is not a power of two up to
    // kMaxSize), and its alignment.
    static usize ring_bytes(u16 size);
    static constexpr usize kRingAlignment = 16;

    Virtqueue() = default;
    ~Virtqueue();
    Virtqueue(const Virtqueue&) = delete;
    Virtqueue& operator=(const Virtqueue&) = delete;

    // Lays the rings out in `ring` (zeroed here) and builds the free list. EINVAL for a bad
    // size, a block too small or misaligned, or no to_device; ENOMEM when the driver's own
    // per-descriptor state cannot be allocated.
    Result<void> init(void* ring, usize ring_length, u16 size, const Options& options);
    bool initialized() const { return m_size != 0; }

    u16 size() const { return m_size; }
    // Device addresses of the three areas, for the transport's queue registers.
    u64 descriptor_area() const { return m_descriptor_area; }
    u64 driver_area() const { return m_driver_area; }
    u64 device_area() const { return m_device_area; }

    // Queues one chain (readable runs, then writable runs) and remembers `token` for it.
    // Not visible to the device until publish(). EINVAL for no runs, an empty run or a
    // readable run after a writable one; ENOSPC when too few descriptors are free.
    Result<void> add(std::span<const BufferPart> parts, void* token);
    // Makes the chains added since the last call visible to the device. Returns whether
    // the device wants to be notified (its NO_NOTIFY flag, or its avail_event index), or
    // missed a notification (below).
    bool publish();
    // With event_idx, whether the device missed a notification: it has finished every
    // chain it took and asks to hear of an entry that was published already, with no
    // notification since, so no later publish crosses its avail_event and it would wait
    // forever. A device that writes avail_event without a barrier before its last look at
    // the index (QEMU 7.2's virtio-net transmit completion path does) ends up here when
    // its store and our index store pass each other. publish() checks this too; call it
    // before waiting on a full queue, and notify when it says so (it records that you
    // did). A busy device can look the same for a moment: one needless notification.
    bool resend_notification();

    // The next chain the device has used, or nullopt. Entries naming no outstanding chain
    // are skipped (QueueErrors::bad_id); a used index more than a whole ring ahead
    // marks the queue broken, after which nothing more is returned.
    std::optional<UsedBuffer> pop_used();
    // Whether pop_used() would find an entry (malformed ones included).
    bool has_used() const;

    // Asks the device not to interrupt for used buffers. A hint: an interrupt already on
    // its way may still come.
    void disable_interrupts();
    // Asks for an interrupt at the next used buffer. Returns false when used buffers are
    // already waiting (the caller polls again instead of sleeping, which closes the race
    // with a device that added one just before).
    bool enable_interrupts();
    // Asks for an interrupt only once `count` more chains have been used (with event_idx;
    // without it, at the next one). Returns false when that many are already waiting.
    bool enable_interrupts_after(u16 count);
    bool interrupts_enabled() const { return m_interrupts_enabled; }

    u16 free_descriptors() const { return m_free_count; }
    u16 outstanding() const { return m_outstanding; }  // chains added and not yet used
    bool broken() const { return m_broken; }
    const QueueErrors& errors() const { return m_errors; }

    // After the device was reset (it no longer touches the rings): the token of one chain
    // still outstanding, freed, or nullopt when none is left.
    std::optional<void*> take_outstanding();

private:
    struct Head {
        void* token;
        u32 writable_bytes;
        u16 descriptor_count;
        bool outstanding;
    };

    volatile Descriptor* descriptor(u16 index) const { return m_descriptors + index; }
    volatile u16* avail_flags() const { return m_avail; }
    volatile u16* avail_index() const { return m_avail + 1; }
    volatile u16* avail_slot(u16 index) const { return m_avail + 2 + (index & (m_size - 1)); }
    volatile u16* used_event() const { return m_avail + 2 + m_size; }
    volatile u16* used_flags() const { return reinterpret_cast<volatile u16*>(m_used); }
    volatile u16* used_index() const { return reinterpret_cast<volatile u16*>(m_used) + 1; }
    volatile UsedElement* used_slot(u16 index) const {
        return reinterpret_cast<volatile UsedElement*>(m_used + 4) + (index & (m_size - 1));
    }
    volatile u16* avail_event() const { return reinterpret_cast<volatile u16*>(m_used + 4 + 8 * usize(m_size)); }
    void free_chain(u16 head);
    bool missed_notification() const;
    void release();

    u16 m_size = 0;
    bool m_event_idx = false;
    volatile Descriptor* m_descriptors = nullptr;
    volatile u16* m_avail = nullptr;
    volatile u8* m_used = nullptr;
    u64 m_descriptor_area = 0, m_driver_area = 0, m_device_area = 0;
    ToDevice m_to_device = nullptr;
    void* m_context = nullptr;

    // The driver's own state, never shared with the device: each descriptor's link (the
    // chain it belongs to, or the free list), and each chain head's bookkeeping.
    u16* m_next = nullptr;
    Head* m_heads = nullptr;
    u16 m_free_head = 0;
    u16 m_free_count = 0;
    u16 m_outstanding = 0;

    u16 m_avail_shadow = 0;     // the available index including chains not yet published
    u16 m_avail_published = 0;  // what the device has been shown
    u16 m_notified_through = 0;  // entries before it were followed by a notification
    u16 m_last_used = 0;        // the next used entry to read
    bool m_interrupts_enabled = true;
    bool m_broken = false;
    QueueErrors m_errors{};
};

}  // namespace virtio
