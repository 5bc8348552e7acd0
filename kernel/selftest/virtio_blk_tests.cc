// virtio-blk against disks the test attaches (tests/guest/virtio_blk.sh): the first
// read-write disk gets patterns written at several offsets, by one long transfer split
// into requests in flight together and by four threads at once, then a flush, and every
// byte is read back and checked. Reads past the end fail (the driver's range check, and
// the device's own IOERR for a request sent past its end), and a read-only disk, when one
// is attached, refuses writes with EROFS.
//
// The test leaves a marker the host checks in the image file afterwards: at 4 MiB, 4 KiB
// whose byte i is (i * 31 + 7) mod 256, the first 16 replaced by "osprey-blk-test\n".
//
// bench-virtio-blk prints sequential write and read throughput (1 MiB transfers).
#include "arch/x86_64/cpu.h"
#include "drivers/block/block_device.h"
#include "drivers/virtio/block.h"
#include "lib/log.h"
#include "sched/clock.h"
#include "sched/thread.h"
#include "selftest/selftest.h"

namespace selftest {

namespace {

constexpr u64 kMarkerOffset = 4 * MiB;
constexpr usize kMarkerBytes = 4096;
constexpr char kMarkerText[] = "osprey-blk-test\n";

// A heap buffer (the direct map, so the device can reach it), freed on scope exit.
struct Buffer {
    explicit Buffer(usize n) : data(new (std::nothrow) u8[n]), size(n) {}
    ~Buffer() { delete[] data; }
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    std::span<u8> span() { return {data, size}; }
    u8* data;
    usize size;
};

u8 pattern_byte(u64 seed, u64 i) { return u8((i * 131 + seed * 7 + (i >> 9)) & 0xff); }

void fill(Buffer& b, u64 seed) {
    for (usize i = 0; i < b.size; i++) b.data[i] = pattern_byte(seed, i);
}

bool matches(const Buffer& b, u64 seed) {
    for (usize i = 0; i < b.size; i++)
        if (b.data[i] != pattern_byte(seed, i)) {
            klog::print("  byte {} of pattern {} is {:#x}, expected {:#x}\n", i, seed, b.data[i], pattern_byte(seed, i));
            return false;
        }
    return true;
}

block::BlockDevice* find_disk(bool read_only) {
    for (usize i = 0; i < block::device_count(); i++)
        if (block::device(i)->read_only() == read_only) return block::device(i);
    return nullptr;
}

// virtio-blk is the only block driver: every device is a VirtioBlock.
virtio::VirtioBlock& as_virtio(block::BlockDevice& disk) { return static_cast<virtio::VirtioBlock&>(disk); }

struct Writer {
    block::BlockDevice* disk;
    u64 offset;   // the thread's own region
    u64 seed;
    bool ok;
};

constexpr unsigned kThreads = 4, kWritesPerThread = 8;
constexpr u64 kThreadChunk = 64 * KiB;
constexpr u64 kThreadRegion = 16 * MiB;

void writer_thread(void* argument) {
    auto* w = static_cast<Writer*>(argument);
    Buffer buffer(kThreadChunk);
    w->ok = buffer.data != nullptr;
    for (unsigned i = 0; w->ok && i < kWritesPerThread; i++) {
        fill(buffer, w->seed + i);
        w->ok = w->disk->write(w->offset + i * kThreadChunk, buffer.span()).is_ok();
    }
}

bool virtio_blk() {
    if (block::device_count() == 0) {
        klog::print("  no block device (attach one: osprey boot --volume IMAGE:/PATH)\n");
        return false;
    }
    block::BlockDevice* disk = find_disk(false);
    SELFTEST_CHECK(disk != nullptr);
    klog::print("  {}: {} bytes, block {}, serial '{}'\n", disk->name(), disk->size(), disk->block_size(),
                disk->serial());
    SELFTEST_CHECK(disk->size() >= 32 * MiB);
    u32 block = disk->block_size();
    virtio::VirtioBlock& device = as_virtio(*disk);
    u64 completions_before = device.completions();

    // Patterns at several offsets: the start, the last blocks, one lone block, and one
    // transfer four times the largest request (pieces in flight together).
    u64 big = 4 * block::max_request_bytes(device.limits());
    struct Region {
        u64 offset;
        usize length;
    } regions[] = {{0, 4096}, {disk->size() - 64 * KiB, 64 * KiB}, {MiB + block, block}, {8 * MiB, big}};
    u64 seed = 1;
    for (auto& r : regions) {
        Buffer b(r.length);
        SELFTEST_CHECK(b.data != nullptr);
        fill(b, seed++);
        SELFTEST_CHECK(disk->write(r.offset, b.span()).is_ok());
    }
    // Writers side by side, each in its own region.
    static Writer writers[kThreads];
    Thread* threads[kThreads];
    for (unsigned t = 0; t < kThreads; t++) {
        writers[t] = {disk, kThreadRegion + t * kWritesPerThread * kThreadChunk, 100 + t * kWritesPerThread, false};
        auto spawned = Thread::spawn("blk-writer", writer_thread, &writers[t]);
        SELFTEST_CHECK(spawned.is_ok());
        threads[t] = spawned.value();
    }
    for (auto* t : threads) Thread::join(t);
    for (auto& w : writers) SELFTEST_CHECK(w.ok);

    // The marker for the host.
    {
        Buffer marker(kMarkerBytes);
        for (usize i = 0; i < kMarkerBytes; i++) marker.data[i] = u8((i * 31 + 7) & 0xff);
        for (usize i = 0; i < sizeof kMarkerText - 1; i++) marker.data[i] = u8(kMarkerText[i]);
        SELFTEST_CHECK(disk->write(kMarkerOffset, marker.span()).is_ok());
    }
    SELFTEST_CHECK(disk->flush().is_ok());

    // Everything back.
    seed = 1;
    for (auto& r : regions) {
        Buffer b(r.length);
        SELFTEST_CHECK(b.data != nullptr);
        SELFTEST_CHECK(disk->read(r.offset, b.span()).is_ok());
        SELFTEST_CHECK(matches(b, seed++));
    }
    for (auto& w : writers)
        for (unsigned i = 0; i < kWritesPerThread; i++) {
            Buffer b(kThreadChunk);
            SELFTEST_CHECK(disk->read(w.offset + i * kThreadChunk, b.span()).is_ok());
            SELFTEST_CHECK(matches(b, w.seed + i));
        }

    // Past the end, and not whole blocks.
    Buffer small(2 * block);
    SELFTEST_CHECK(disk->read(disk->size(), small.span().first(block)).error() == EIO);
    SELFTEST_CHECK(disk->read(disk->size() - block, small.span()).error() == EIO);
    SELFTEST_CHECK(disk->read(block / 2, small.span().first(block)).error() == EINVAL);
    SELFTEST_CHECK(disk->read(0, small.span().first(block / 2)).error() == EINVAL);
    // A kernel stack is not memory the device can reach.
    u8 on_stack[512];
    SELFTEST_CHECK(disk->read(0, std::span(on_stack, block <= 512 ? 512 : 0)).is_error());
    // The device's own answer to a request past its end: IOERR, which is EIO.
    SELFTEST_CHECK(device.read_sectors_unchecked(disk->size() / virtio::kSectorSize, small.span().first(block)).error() ==
                   EIO);
    klog::print("  reads past the end: EIO (the driver's check and the device's IOERR)\n");

    // Discard, where the device offers it: the range can be written and read again after.
    auto discarded = disk->discard(24 * MiB, 1 * MiB);
    SELFTEST_CHECK(discarded.is_ok() || discarded.error() == EOPNOTSUPP);
    klog::print("  discard: {}\n", discarded.is_ok() ? "ok" : "not offered");
    {
        Buffer b(64 * KiB);
        fill(b, 77);
        SELFTEST_CHECK(disk->write(24 * MiB, b.span()).is_ok());
        Buffer back(64 * KiB);
        SELFTEST_CHECK(disk->read(24 * MiB, back.span()).is_ok());
        SELFTEST_CHECK(matches(back, 77));
    }

    // A read-only disk, when the test attached one.
    if (block::BlockDevice* ro = find_disk(true)) {
        Buffer b(ro->block_size());
        SELFTEST_CHECK(ro->read(0, b.span()).is_ok());
        SELFTEST_CHECK(ro->write(0, b.span()).error() == EROFS);
        SELFTEST_CHECK(ro->discard(0, ro->block_size()).error() == EROFS);
        klog::print("  read-only {} refuses writes: EROFS\n", ro->name());
    }

    // Only the interrupt handler completes requests: it ran.
    u64 completions = device.completions() - completions_before;
    klog::print("  {} requests completed by interrupt, up to {} in flight at once (room for {})\n", completions,
                device.most_in_flight(), device.slot_count());
    SELFTEST_CHECK(completions > 0);
    SELFTEST_CHECK(device.most_in_flight() > 1);
    return true;
}

bool virtio_blk_benchmark() {
    block::BlockDevice* disk = find_disk(false);
    SELFTEST_CHECK(disk != nullptr && disk->size() >= 64 * MiB);
    constexpr u64 kTotal = 32 * MiB, kChunk = 1 * MiB;
    Buffer b(kChunk);
    SELFTEST_CHECK(b.data != nullptr);
    fill(b, 5);
    u64 start = cpu::rdtsc();
    for (u64 done = 0; done < kTotal; done += kChunk) SELFTEST_CHECK(disk->write(32 * MiB + done, b.span()).is_ok());
    SELFTEST_CHECK(disk->flush().is_ok());
    u64 write_ns = ktime::tsc_to_ns(cpu::rdtsc() - start);
    start = cpu::rdtsc();
    for (u64 done = 0; done < kTotal; done += kChunk) SELFTEST_CHECK(disk->read(32 * MiB + done, b.span()).is_ok());
    u64 read_ns = ktime::tsc_to_ns(cpu::rdtsc() - start);
    klog::print("bench virtio_blk_write: {} MiB/s ({} MiB in 1 MiB transfers, then a flush)\n",
                kTotal * 1000'000'000 / (write_ns ? write_ns : 1) / MiB, kTotal / MiB);
    klog::print("bench virtio_blk_read: {} MiB/s ({} MiB in 1 MiB transfers)\n",
                kTotal * 1000'000'000 / (read_ns ? read_ns : 1) / MiB, kTotal / MiB);
    return true;
}

const Test kVirtioBlkTests[] = {
    {"virtio-blk", virtio_blk, false, false, true},
    {"bench-virtio-blk", virtio_blk_benchmark, false, true, true},
};

}  // namespace

std::span<const Test> virtio_blk_tests() { return kVirtioBlkTests; }

}  // namespace selftest
