#include "drivers/virtio/block.h"

#include <utility>

#include "lib/log.h"
#include "sched/clock.h"

namespace virtio {

namespace {

constexpr u64 kWantedFeatures = blk_feature::kSizeMax | blk_feature::kSegMax | blk_feature::kBlkSize |
                                blk_feature::kReadOnly | blk_feature::kFlush | blk_feature::kDiscard |
                                feature::kEventIdx;
// The queue's size: QEMU offers 256; 128 keeps the rings in two frames and still allows
// 64 requests in flight.
constexpr u16 kQueueSize = 128;
// The driver's own bound on one request: long transfers become several requests in
// flight, which the device works on side by side, rather than one the device must
// finish before the next begins.
constexpr u32 kMaxRequestBytes = 256 * KiB;
// GET_ID at start-up: a device that never answers must not keep the boot waiting.
constexpr u64 kIdentifyTimeoutNs = 10'000'000'000;

bool data_is_writable(BlkRequest type) { return type == BlkRequest::In || type == BlkRequest::GetId; }

}  // namespace

VirtioBlock::VirtioBlock(OwnPtr<Transport> transport) : m_transport(std::move(transport)) {}

Result<void> VirtioBlock::probe(OwnPtr<Transport> transport) {
    auto* device = new (std::nothrow) VirtioBlock(std::move(transport));
    if (!device) return Error(ENOMEM);
    if (auto r = device->start(); r.is_error()) {
        device->m_ready.store(false, kstd::release);
        device->m_transport->reset();
        // Once its interrupt is connected the device object must outlive it (a vector is
        // never given back, and an INTx line may be shared): it stays in place, inert.
        if (!device->m_interrupts_connected) delete device;
        return r;
    }
    return {};
}

Result<void> VirtioBlock::start() {
    Transport& t = *m_transport;
    m_features = TRY(begin_init(t, kWantedFeatures));
    read_config();

    TRY(t.setup_interrupts(1, {on_queue_interrupt, on_config_interrupt, this}));
    m_interrupts_connected = true;
    TRY(m_queue.init(t, kRequestQueue, kQueueSize, m_features & feature::kEventIdx));
    // Every request fits an empty queue: header, data descriptors, status.
    u32 most_segments = m_queue.size() > 2 ? m_queue.size() - 2u : 1u;
    if (!m_limits.max_segments || m_limits.max_segments > most_segments) m_limits.max_segments = most_segments;
    if (m_queue.size() < 3) return Error(ENODEV);

    m_slot_count = u16(m_queue.size() / 2);
    m_slots = new (std::nothrow) Slot[m_slot_count];
    if (!m_slots) return Error(ENOMEM);
    for (u16 i = 0; i < m_slot_count; i++) m_slots[i].next_free = i + 1 < m_slot_count ? &m_slots[i + 1] : nullptr;
    m_free = m_slots;

    m_ready.store(true, kstd::release);
    finish_init(t);
    TRY(read_serial());

    block::next_virtio_name(m_name);
    block::register_device(*this);
    klog::info("{}: virtio-blk on {}, {} sectors ({} MiB), block {}, {}{}{}, serial '{}', requests up to {} KiB "
               "in {} segments, {} in flight, interrupts {}, features {:#x}",
               m_name, t.location(), m_size / kSectorSize, m_size / MiB, m_limits.block_size,
               read_only() ? "read-only" : "read-write", m_features & blk_feature::kFlush ? ", flush" : "",
               m_features & blk_feature::kDiscard ? ", discard" : "", m_serial,
               block::max_request_bytes(m_limits) / KiB, m_limits.max_segments, m_slot_count, t.interrupt_mode(),
               m_features);
    return {};
}

void VirtioBlock::read_config() {
    Transport& t = *m_transport;
    struct Config {
        u64 capacity;
        u32 size_max, seg_max, blk_size, max_discard_sectors;
    };
    Config c = read_config_stable(t, [&] {
        Config v{};
        v.capacity = u64(t.config_read(blk_config::kCapacity, 4)) |
                     u64(t.config_read(blk_config::kCapacity + 4, 4)) << 32;
        if (m_features & blk_feature::kSizeMax) v.size_max = t.config_read(blk_config::kSizeMax, 4);
        if (m_features & blk_feature::kSegMax) v.seg_max = t.config_read(blk_config::kSegMax, 4);
        if (m_features & blk_feature::kBlkSize) v.blk_size = t.config_read(blk_config::kBlkSize, 4);
        if (m_features & blk_feature::kDiscard)
            v.max_discard_sectors = t.config_read(blk_config::kMaxDiscardSectors, 4);
        return v;
    });
    // A block size the layer above cannot use is ignored: sectors are 512 bytes anyway.
    m_limits.block_size = block::valid_block_size(c.blk_size) ? c.blk_size : u32(kSectorSize);
    m_limits.max_segment_bytes = c.size_max;
    m_limits.max_segments = c.seg_max;
    m_limits.max_request_bytes = kMaxRequestBytes;
    u64 capacity = c.capacity < (~u64(0) / kSectorSize) ? c.capacity : ~u64(0) / kSectorSize;
    m_size = capacity * kSectorSize;
    m_size -= m_size % m_limits.block_size;
    // One range per DISCARD request (max_discard_seg is at least 1); 0 sectors would
    // mean no limit was given.
    u64 discard = c.max_discard_sectors ? u64(c.max_discard_sectors) * kSectorSize : m_size;
    m_max_discard_bytes = discard - discard % m_limits.block_size;
    if (!m_max_discard_bytes) m_max_discard_bytes = m_limits.block_size;
}

Result<void> VirtioBlock::read_serial() {
    u8* id = new (std::nothrow) u8[kBlkIdBytes];
    if (!id) return Error(ENOMEM);
    for (usize i = 0; i < kBlkIdBytes; i++) id[i] = 0;
    Batch batch;
    auto submitted = submit(batch, BlkRequest::GetId, 0, id, kBlkIdBytes);
    if (submitted.is_error()) {
        delete[] id;
        return submitted;
    }
    // On a timeout the request stays with the device: the probe fails, the device is
    // reset, and the buffer is left to it.
    TRY(wait(batch, ktime::deadline_after_ns(kIdentifyTimeoutNs)));
    // A device without serial numbers says UNSUPP: the name is then empty.
    if (batch.error.load() == 0) blk_serial(*reinterpret_cast<const u8(*)[kBlkIdBytes]>(id), m_serial);
    delete[] id;
    return {};
}

Result<void> VirtioBlock::read(u64 offset, std::span<u8> buffer) {
    return transfer(BlkRequest::In, offset, buffer.data(), buffer.size());
}

Result<void> VirtioBlock::write(u64 offset, std::span<const u8> data) {
    return transfer(BlkRequest::Out, offset, data.data(), data.size());
}

Result<void> VirtioBlock::flush() {
    // Without FLUSH the device has no write cache to empty: every write completed is
    // already stable (5.2.6.2).
    if (!(m_features & blk_feature::kFlush)) return {};
    Batch batch;
    auto submitted = submit(batch, BlkRequest::Flush, 0, nullptr, 0);
    TRY(wait(batch));
    TRY(submitted);
    if (int error = batch.error.load()) return Error(error);
    return {};
}

Result<void> VirtioBlock::discard(u64 offset, u64 length) {
    if (!(m_features & blk_feature::kDiscard)) return read_only() ? Error(EROFS) : Error(EOPNOTSUPP);
    return transfer(BlkRequest::Discard, offset, nullptr, length);
}

Result<void> VirtioBlock::read_sectors_unchecked(u64 sector, std::span<u8> buffer) {
    if (buffer.empty() || buffer.size() % kSectorSize || buffer.size() > block::max_request_bytes(m_limits))
        return Error(EINVAL);
    if (!block::device_visible(buffer.data(), buffer.size())) return Error(EFAULT);
    Batch batch;
    auto submitted = submit(batch, BlkRequest::In, sector, buffer.data(), buffer.size());
    TRY(wait(batch));
    TRY(submitted);
    if (int error = batch.error.load()) return Error(error);
    return {};
}

Result<void> VirtioBlock::check_transfer(BlkRequest type, u64 offset, const u8* data, u64 length) const {
    bool writes = type == BlkRequest::Out || type == BlkRequest::Discard;
    if (writes && read_only()) return Error(EROFS);
    TRY(block::check_range(offset, length, m_size, m_limits.block_size));
    if (data && !block::device_visible(data, length)) return Error(EFAULT);
    return {};
}

Result<void> VirtioBlock::submit_transfer(Batch& batch, BlkRequest type, u64 offset, const u8* data, u64 length) {
    u64 most = type == BlkRequest::Discard ? m_max_discard_bytes : block::max_request_bytes(m_limits);
    for (block::Pieces pieces(length, most); auto piece = pieces.next();)
        TRY(submit(batch, type, (offset + piece->offset) / kSectorSize, data ? data + piece->offset : nullptr,
                   piece->length));
    return {};
}

Result<void> VirtioBlock::transfer(BlkRequest type, u64 offset, const u8* data, u64 length) {
    TRY(check_transfer(type, offset, data, length));
    Batch batch;
    auto submitted = submit_transfer(batch, type, offset, data, length);
    // Even after a failed submission: the requests already queued use the batch.
    TRY(wait(batch));
    TRY(submitted);
    if (int error = batch.error.load()) return Error(error);
    return {};
}

Result<void> VirtioBlock::write_all(std::span<const block::Write> writes) {
    for (const block::Write& w : writes) TRY(check_transfer(BlkRequest::Out, w.offset, w.data.data(), w.data.size()));
    Batch batch;
    Result<void> submitted{};
    for (const block::Write& w : writes) {
        submitted = submit_transfer(batch, BlkRequest::Out, w.offset, w.data.data(), w.data.size());
        if (submitted.is_error()) break;
    }
    TRY(wait(batch));
    TRY(submitted);
    if (int error = batch.error.load()) return Error(error);
    return {};
}

Result<void> VirtioBlock::submit(Batch& batch, BlkRequest type, u64 sector, const u8* data, u64 length) {
    // The data's descriptors: the caller's bytes, or the slot's own discard range.
    bool discard = type == BlkRequest::Discard;
    u32 segments = discard ? 1 : data ? block::segments_for(length, m_limits) : 0;
    if (segments > m_limits.max_segments) return Error(EINVAL);
    u32 needed = 2 + segments;
    for (;;) {
        u64 seen = m_completions.load(kstd::acquire);
        {
            IrqSpinLockGuard guard(m_lock);
            Virtqueue& ring = m_queue.ring();
            if (ring.broken()) return Error(EIO);
            if (m_free && ring.free_descriptors() >= needed) {
                Slot* slot = m_free;
                slot->header = blk_header(type, sector);
                slot->status = 0xff;  // not a status: a device that never writes one fails the request
                slot->batch = &batch;
                BufferPart parts[kQueueSize];
                u32 count = 0;
                parts[count++] = {&slot->header, sizeof slot->header, BufferPart::kDeviceReadable};
                if (discard) {
                    slot->discard = {sector, u32(length / kSectorSize), 0};
                    parts[count++] = {&slot->discard, sizeof slot->discard, BufferPart::kDeviceReadable};
                } else if (data) {
                    bool writable = data_is_writable(type);
                    u64 step = m_limits.max_segment_bytes ? m_limits.max_segment_bytes : length;
                    for (u64 done = 0; done < length; done += step) {
                        u64 take = length - done < step ? length - done : step;
                        parts[count++] = {data + done, u32(take), writable};
                    }
                }
                parts[count++] = {&slot->status, 1, BufferPart::kDeviceWritable};
                if (auto r = ring.add({parts, count}, slot); r.is_error()) return r;
                m_free = slot->next_free;
                if (ring.outstanding() > m_most_in_flight.load(kstd::relaxed))
                    m_most_in_flight.store(ring.outstanding(), kstd::relaxed);
                batch.remaining.fetch_add(1, kstd::release);
                return {};
            }
            // Room comes only if the device is working on the queue: show it what was added
            // and make sure it knows.
            m_queue.kick();
            m_queue.kick_if_missed();
        }
        TRY(m_waiters.wait_until([&] { return m_completions.load(kstd::acquire) != seen; }));
    }
}

void VirtioBlock::kick() {
    IrqSpinLockGuard guard(m_lock);
    m_queue.kick();
}

Result<void> VirtioBlock::wait(Batch& batch, u64 deadline_tsc) {
    // What was added is published and the device notified once for all of it.
    kick();
    return m_waiters.wait_until([&] { return batch.remaining.load(kstd::acquire) == 0; }, deadline_tsc);
}

u32 VirtioBlock::complete_used_locked() {
    u32 completed = 0;
    while (auto used = m_queue.ring().pop_used()) {
        auto* slot = static_cast<Slot*>(used->token);
        Batch* batch = slot->batch;
        Result<void> result{};
        if (used->malformed) {
            m_queue_errors++;
            result = Error(EIO);
        } else {
            result = blk_status_result(slot->status);
        }
        if (result.is_error() && batch->error.load() == 0) batch->error.store(result.error());
        slot->batch = nullptr;
        slot->next_free = m_free;
        m_free = slot;
        m_completions.fetch_add(1, kstd::release);
        // Last: once remaining reaches 0 the waiter may return, and its batch is gone.
        batch->remaining.fetch_sub(1, kstd::release);
        completed++;
    }
    return completed;
}

void VirtioBlock::on_queue_interrupt(void* context, u16 queue) {
    auto* self = static_cast<VirtioBlock*>(context);
    if (queue != kRequestQueue || !self->m_ready.load(kstd::acquire)) return;
    u32 completed;
    {
        IrqSpinLockGuard guard(self->m_lock);
        completed = self->complete_used_locked();
    }
    if (completed) self->m_waiters.wake_all();
}

void VirtioBlock::on_config_interrupt(void* context) {
    // A resized disk: the new capacity is logged but not taken (a file system on it was
    // sized for the old one).
    auto* self = static_cast<VirtioBlock*>(context);
    if (!self->m_ready.load(kstd::acquire)) return;
    klog::info("{}: the device's configuration changed", self->m_name);
}

VIRTIO_DRIVER(block, kDeviceBlock, "virtio-blk", VirtioBlock::probe)

}  // namespace virtio
