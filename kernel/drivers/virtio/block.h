// virtio-blk (virtio 1.2, 5.2) as a block::BlockDevice, on either transport: one request
// queue, requests completed by the device's interrupt (MSI-X on PCI, the line on
// virtio-mmio), several in flight at once. Features used when offered: SIZE_MAX and
// SEG_MAX (a request is split to fit them), BLK_SIZE, RO, FLUSH, DISCARD, EVENT_IDX.
//
// A request is a chain of the header, the data (one descriptor per size_max bytes of the
// caller's buffer, which is in the direct map and so physically contiguous) and the
// status byte. Headers and status bytes live in a fixed array of request slots set aside
// at start; nothing is allocated per request. A transfer (read, write, discard) is split
// into requests, all added before one notification and one sleep for the lot; the interrupt
// handler completes each request, counts it off its transfer and wakes the waiters. When
// the slots or descriptors run out, a submitter waits for completions to make room.
//
// The driver registers itself for device type 2; each device found becomes vda, vdb...
// (block::register_device), with its serial number read by GET_ID.
//
// Locks: m_lock guards the queue, the free slots and each outstanding slot. The wait
// queue's lock is taken without it held.
#pragma once

#include "block/transfer.h"
#include "block/virtio_blk.h"
#include "drivers/block/block_device.h"
#include "drivers/virtio/device.h"
#include "lib/atomic.h"
#include "sync/spinlock.h"
#include "sync/wait_queue.h"

namespace virtio {

class VirtioBlock final : public block::BlockDevice {
public:
    // Starts the driver on a device; through the driver table (VIRTIO_DRIVER in block.cc).
    static Result<void> probe(OwnPtr<Transport> transport);

    const char* name() const override { return m_name; }
    u64 size() const override { return m_size; }
    u32 block_size() const override { return m_limits.block_size; }
    bool read_only() const override { return m_features & blk_feature::kReadOnly; }
    const char* serial() const override { return m_serial; }

    Result<void> read(u64 offset, std::span<u8> buffer) override;
    Result<void> write(u64 offset, std::span<const u8> data) override;
    Result<void> write_all(std::span<const block::Write> writes) override;
    Result<void> flush() override;
    Result<void> discard(u64 offset, u64 length) override;

    // For the self-test: one read request of whole sectors sent as it is, without the
    // range check, to see what the device itself answers.
    Result<void> read_sectors_unchecked(u64 sector, std::span<u8> buffer);
    const block::TransferLimits& limits() const { return m_limits; }
    // Requests completed (by the interrupt handler) since start.
    u64 completions() const { return m_completions.load(kstd::acquire); }
    u16 slot_count() const { return m_slot_count; }
    // The most requests the device has held at once.
    u16 most_in_flight() const { return m_most_in_flight.load(kstd::relaxed); }

private:
    static constexpr u16 kRequestQueue = 0;

    // One transfer's requests in flight: the waiter sleeps until remaining is 0.
    struct Batch {
        kstd::Atomic<u32> remaining{0};
        kstd::Atomic<int> error{0};  // the first request's error, 0 when all succeeded
    };
    // A request's own memory, shared with the device while it is outstanding.
    struct Slot {
        BlkRequestHeader header;
        BlkDiscardSegment discard;
        u8 status;
        Batch* batch;
        Slot* next_free;
    };

    explicit VirtioBlock(OwnPtr<Transport> transport);
    ~VirtioBlock() = default;
    Result<void> start();
    void read_config();
    Result<void> read_serial();

    // Splits a transfer of whole blocks into requests and waits for them all.
    Result<void> transfer(BlkRequest type, u64 offset, const u8* data, u64 length);
    // Checks a transfer (read-only device, range, reachable buffer) before any request.
    Result<void> check_transfer(BlkRequest type, u64 offset, const u8* data, u64 length) const;
    // Adds a checked transfer's requests to `batch`.
    Result<void> submit_transfer(Batch& batch, BlkRequest type, u64 offset, const u8* data, u64 length);
    // Adds one request of `batch` to the queue (waiting for room when it is full); the
    // device sees it at the next kick.
    Result<void> submit(Batch& batch, BlkRequest type, u64 sector, const u8* data, u64 length);
    void kick();
    // Kicks, then sleeps until every request of `batch` is complete.
    Result<void> wait(Batch& batch, u64 deadline_tsc = 0);

    static void on_queue_interrupt(void* context, u16 queue);
    static void on_config_interrupt(void* context);
    // Completes what the device has used; returns how many. m_lock held.
    u32 complete_used_locked();

    OwnPtr<Transport> m_transport;
    u64 m_features = 0;
    char m_name[8] = {};
    char m_serial[kBlkIdBytes + 1] = {};
    u64 m_size = 0;
    block::TransferLimits m_limits;
    u64 m_max_discard_bytes = 0;
    kstd::Atomic<bool> m_ready{false};
    bool m_interrupts_connected = false;

    IrqSpinLock m_lock;
    Queue m_queue;
    Slot* m_slots = nullptr;
    Slot* m_free = nullptr;  // guarded by m_lock
    u16 m_slot_count = 0;
    u64 m_queue_errors = 0;  // guarded by m_lock: malformed used entries

    WaitQueue m_waiters;  // transfers waiting for completion, submitters for room
    kstd::Atomic<u64> m_completions{0};
    kstd::Atomic<u16> m_most_in_flight{0};  // written under m_lock
};

}  // namespace virtio
