// The split virtqueue driven against a fake device that reads and writes the rings the way a
// device does, through device addresses only.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>
#include <vector>

#include "virtio/virtqueue.h"

using virtio::BufferPart;
using virtio::Virtqueue;

namespace {

// Memory shared with the device: one arena, which the device sees at kDeviceBase (so a
// queue that forgot to translate an address hands the device something it cannot find).
class Arena {
public:
    static constexpr u64 kDeviceBase = 0x4000'0000;

    explicit Arena(usize bytes) : m_bytes(bytes + 4096, 0) {
        m_base = reinterpret_cast<u8*>(align_up(reinterpret_cast<uptr>(m_bytes.data()), 4096));
        m_limit = bytes;
    }
    // Carves `bytes` from the arena (16-aligned).
    u8* take(usize bytes) {
        m_used = align_up(m_used, 16);
        EXPECT_LE(m_used + bytes, m_limit);
        u8* p = m_base + m_used;
        m_used += bytes;
        return p;
    }
    u64 to_device(const void* p) const { return static_cast<const u8*>(p) - m_base + kDeviceBase; }
    // The device's view of [address, address + length); nullptr when outside the arena.
    u8* device_view(u64 address, usize length) {
        if (address < kDeviceBase || address - kDeviceBase + length > m_limit) return nullptr;
        return m_base + (address - kDeviceBase);
    }

    static u64 translate(const void* p, void* context) { return static_cast<Arena*>(context)->to_device(p); }

private:
    std::vector<u8> m_bytes;
    u8* m_base;
    usize m_limit;
    usize m_used = 0;
};

struct Run {
    u8* data;
    u32 length;
    bool writable;
};

struct Chain {
    u16 head;
    std::vector<Run> runs;
};

// The device side: consumes the available ring, follows descriptor chains, fills the used
// ring and decides, as the spec says a device must, whether to interrupt.
class FakeDevice {
public:
    FakeDevice(Arena& arena, const Virtqueue& queue, bool event_idx)
        : m_arena(arena), m_size(queue.size()), m_event_idx(event_idx) {
        auto layout = virtio::ring_layout(m_size);
        m_descriptors = reinterpret_cast<virtio::Descriptor*>(arena.device_view(queue.descriptor_area(), 16 * m_size));
        m_avail = reinterpret_cast<u16*>(arena.device_view(queue.driver_area(), layout.used - layout.available));
        m_used = arena.device_view(queue.device_area(), layout.total - layout.used);
        EXPECT_NE(m_descriptors, nullptr);
        EXPECT_NE(m_avail, nullptr);
        EXPECT_NE(m_used, nullptr);
    }

    u16 available_index() const { return m_avail[1]; }
    u16 used_event() const { return m_avail[2 + m_size]; }
    bool driver_wants_no_interrupts() const { return m_avail[0] & virtio::kAvailNoInterrupt; }

    // The next chain the driver made available, or nullopt.
    std::optional<Chain> take() {
        if (m_last_avail == available_index()) return std::nullopt;
        u16 head = m_avail[2 + (m_last_avail % m_size)];
        m_last_avail++;
        Chain chain{head, {}};
        u16 index = head;
        for (unsigned n = 0; n < m_size; n++) {
            EXPECT_LT(index, m_size);
            const virtio::Descriptor& d = m_descriptors[index];
            u8* data = m_arena.device_view(d.address, d.length);
            EXPECT_NE(data, nullptr) << "descriptor " << index << " points outside driver memory";
            chain.runs.push_back({data, d.length, (d.flags & virtio::kDescriptorWrite) != 0});
            if (!(d.flags & virtio::kDescriptorNext)) return chain;
            index = d.next;
        }
        ADD_FAILURE() << "descriptor chain loops";
        return chain;
    }

    // Puts an entry on the used ring; returns whether the device would interrupt now.
    bool complete(u32 id, u32 length) {
        u16 old_index = used_index();
        write_element(old_index, id, length);
        set_used_index(u16(old_index + 1));
        return interrupt_due(old_index, u16(old_index + 1));
    }
    // Several entries at once, then one interrupt decision (as devices batch).
    bool complete_batch(const std::vector<std::pair<u32, u32>>& entries) {
        u16 old_index = used_index();
        u16 index = old_index;
        for (auto [id, length] : entries) write_element(index++, id, length);
        set_used_index(index);
        return interrupt_due(old_index, index);
    }

    u16 used_index() const { return reinterpret_cast<const u16*>(m_used)[1]; }
    void set_used_index(u16 index) { reinterpret_cast<u16*>(m_used)[1] = index; }

    // The device's notification wish: with event_idx, "tell me when you add the entry after
    // the ones I have seen" (avail_event); without, the NO_NOTIFY flag.
    void want_notifications(bool on) {
        if (m_event_idx)
            avail_event() = on ? m_last_avail : u16(m_last_avail - 1);
        else
            reinterpret_cast<u16*>(m_used)[0] = on ? 0 : virtio::kUsedNoNotify;
    }
    u16& avail_event() { return *reinterpret_cast<u16*>(m_used + 4 + 8 * m_size); }

private:
    void write_element(u16 index, u32 id, u32 length) {
        auto* element = reinterpret_cast<virtio::UsedElement*>(m_used + 4) + (index % m_size);
        element->id = id;
        element->length = length;
    }
    bool interrupt_due(u16 old_index, u16 new_index) const {
        if (m_event_idx) return virtio::need_event(used_event(), new_index, old_index);
        return !driver_wants_no_interrupts();
    }

    Arena& m_arena;
    u16 m_size;
    bool m_event_idx;
    virtio::Descriptor* m_descriptors;
    u16* m_avail;
    u8* m_used;
    u16 m_last_avail = 0;
};

struct Fixture {
    explicit Fixture(u16 size, bool event_idx = false, usize arena_bytes = 1 << 20) : arena(arena_bytes) {
        usize bytes = Virtqueue::ring_bytes(size);
        u8* ring = arena.take(bytes);
        EXPECT_TRUE(queue.init(ring, bytes, size, {event_idx, Arena::translate, &arena}).is_ok());
        device.emplace(arena, queue, event_idx);
    }
    Result<void> add_writable(u8* buffer, u32 length, void* token) {
        BufferPart part{buffer, length, BufferPart::kDeviceWritable};
        return queue.add({&part, 1}, token);
    }
    Arena arena;
    Virtqueue queue;
    std::optional<FakeDevice> device;
};

TEST(Virtqueue, ReturnsBufferWhenDeviceMarksItUsed) {
    Fixture f(256);
    u8* buffer = f.arena.take(128);
    ASSERT_TRUE(f.add_writable(buffer, 128, buffer).is_ok());
    EXPECT_FALSE(f.device->take()) << "not visible before publish";
    f.queue.publish();

    auto chain = f.device->take();
    ASSERT_TRUE(chain);
    ASSERT_EQ(chain->runs.size(), 1u);
    EXPECT_EQ(chain->runs[0].data, buffer);
    EXPECT_EQ(chain->runs[0].length, 128u);
    EXPECT_TRUE(chain->runs[0].writable);
    std::memset(chain->runs[0].data, 0xab, 64);
    f.device->complete(chain->head, 64);

    auto used = f.queue.pop_used();
    ASSERT_TRUE(used);
    EXPECT_EQ(used->token, buffer);
    EXPECT_EQ(used->length, 64u);
    EXPECT_FALSE(used->malformed);
    EXPECT_EQ(buffer[63], 0xab);
    EXPECT_FALSE(f.queue.pop_used());
    EXPECT_EQ(f.queue.free_descriptors(), 256);
    EXPECT_EQ(f.queue.outstanding(), 0);
}

TEST(Virtqueue, AreasAreGivenInDeviceAddresses) {
    Fixture f(8);
    auto layout = virtio::ring_layout(8);
    EXPECT_EQ(f.queue.descriptor_area(), Arena::kDeviceBase + layout.descriptors);
    EXPECT_EQ(f.queue.driver_area(), Arena::kDeviceBase + layout.available);
    EXPECT_EQ(f.queue.device_area(), Arena::kDeviceBase + layout.used);
    EXPECT_EQ(f.queue.device_area() % 4, 0u);
}

TEST(Virtqueue, ChainCarriesReadableRunsThenWritableRuns) {
    Fixture f(16);
    u8* header = f.arena.take(12);
    u8* body = f.arena.take(100);
    u8* reply = f.arena.take(50);
    std::memset(header, 1, 12);
    std::memset(body, 2, 100);
    BufferPart parts[] = {{header, 12, false}, {body, 100, false}, {reply, 50, true}};
    ASSERT_TRUE(f.queue.add(parts, reply).is_ok());
    EXPECT_EQ(f.queue.free_descriptors(), 13);
    f.queue.publish();

    auto chain = f.device->take();
    ASSERT_TRUE(chain);
    ASSERT_EQ(chain->runs.size(), 3u);
    EXPECT_EQ(chain->runs[0].data[11], 1);
    EXPECT_FALSE(chain->runs[0].writable);
    EXPECT_EQ(chain->runs[1].length, 100u);
    EXPECT_EQ(chain->runs[1].data[99], 2);
    EXPECT_FALSE(chain->runs[1].writable);
    EXPECT_EQ(chain->runs[2].data, reply);
    EXPECT_TRUE(chain->runs[2].writable);
    f.device->complete(chain->head, 50);
    auto used = f.queue.pop_used();
    ASSERT_TRUE(used);
    EXPECT_EQ(used->length, 50u);
    EXPECT_EQ(f.queue.free_descriptors(), 16) << "the whole chain goes back to the free list";
}

TEST(Virtqueue, RefusesMalformedChains) {
    Fixture f(16);
    u8* a = f.arena.take(8);
    BufferPart writable_then_readable[] = {{a, 4, true}, {a + 4, 4, false}};
    EXPECT_EQ(f.queue.add(writable_then_readable, nullptr).error(), EINVAL);
    BufferPart empty_run[] = {{a, 0, false}};
    EXPECT_EQ(f.queue.add(empty_run, nullptr).error(), EINVAL);
    EXPECT_EQ(f.queue.add({}, nullptr).error(), EINVAL);
    EXPECT_EQ(f.queue.free_descriptors(), 16);
    EXPECT_EQ(f.queue.outstanding(), 0);
}

TEST(Virtqueue, FreeListExhaustionGivesENOSPCUntilTheDeviceReturnsBuffers) {
    Fixture f(8);
    u8* buffers = f.arena.take(8 * 64);
    for (int i = 0; i < 8; i++) ASSERT_TRUE(f.add_writable(buffers + 64 * i, 64, buffers + 64 * i).is_ok());
    EXPECT_EQ(f.queue.free_descriptors(), 0);
    EXPECT_EQ(f.add_writable(buffers, 64, nullptr).error(), ENOSPC);
    f.queue.publish();

    // Two chains back: a three-run chain still does not fit, a two-run one does.
    for (int i = 0; i < 2; i++) {
        auto chain = f.device->take();
        ASSERT_TRUE(chain);
        f.device->complete(chain->head, 0);
    }
    ASSERT_TRUE(f.queue.pop_used());
    ASSERT_TRUE(f.queue.pop_used());
    EXPECT_EQ(f.queue.free_descriptors(), 2);
    BufferPart three[] = {{buffers, 8, false}, {buffers + 8, 8, false}, {buffers + 16, 8, true}};
    EXPECT_EQ(f.queue.add(three, nullptr).error(), ENOSPC);
    EXPECT_TRUE(f.queue.add(std::span(three).subspan(1), nullptr).is_ok());
    EXPECT_EQ(f.queue.free_descriptors(), 0);
}

TEST(Virtqueue, IndicesWrapAroundSixteenBitsWithoutLosingBuffers) {
    for (bool event_idx : {false, true}) {
        Fixture f(4, event_idx);
        u8* buffers = f.arena.take(4 * 32);
        std::vector<void*> expected;
        u32 round = 0;
        // 70,000 chains pass through a 4-entry queue, three at a time: every index wraps.
        while (round < 70000) {
            for (int i = 0; i < 3; i++, round++) {
                u8* buffer = buffers + 32 * (round % 4);
                ASSERT_TRUE(f.add_writable(buffer, 32, reinterpret_cast<void*>(uptr(round) + 1)).is_ok());
            }
            f.queue.publish();
            while (auto chain = f.device->take()) {
                chain->runs[0].data[0] = u8(chain->head);
                f.device->complete(chain->head, 1 + chain->head);
            }
            for (int i = 0; i < 3; i++) {
                auto used = f.queue.pop_used();
                ASSERT_TRUE(used) << "round " << round;
                EXPECT_EQ(used->token, reinterpret_cast<void*>(uptr(round - 2 + i)));
                EXPECT_FALSE(used->malformed);
            }
            ASSERT_FALSE(f.queue.pop_used());
        }
        EXPECT_EQ(f.queue.free_descriptors(), 4);
        EXPECT_EQ(f.device->available_index(), u16(round));
        EXPECT_EQ(f.queue.errors().bad_id + f.queue.errors().bad_length + f.queue.errors().bad_index, 0u);
    }
}

TEST(Virtqueue, OutOfOrderCompletionOfRandomChainsKeepsEveryBuffer) {
    Fixture f(64, true);
    std::mt19937 random(7);
    u8* pool = f.arena.take(64 * 16);
    std::map<void*, u32> writable_of;  // token -> writable bytes
    u64 next_token = 1;
    std::vector<Chain> held;
    for (int step = 0; step < 20000; step++) {
        unsigned parts_count = 1 + random() % 5;
        std::vector<BufferPart> parts;
        u32 writable = 0;
        unsigned readable = random() % (parts_count + 1);
        for (unsigned i = 0; i < parts_count; i++) {
            bool w = i >= readable;
            u32 length = 1 + random() % 16;
            parts.push_back({pool + 16 * (random() % 64), length, w});
            if (w) writable += length;
        }
        void* token = reinterpret_cast<void*>(next_token++);
        auto added = f.queue.add(parts, token);
        if (added.is_ok()) {
            writable_of[token] = writable;
        } else {
            ASSERT_EQ(added.error(), ENOSPC);
            ASSERT_LT(f.queue.free_descriptors(), parts_count);
        }
        f.queue.publish();
        while (auto chain = f.device->take()) held.push_back(*chain);
        // The device finishes a random held chain, writing a random part of its writable runs.
        if (!held.empty() && random() % 2) {
            usize pick = random() % held.size();
            u32 capacity = 0;
            for (auto& run : held[pick].runs) capacity += run.writable ? run.length : 0;
            f.device->complete(held[pick].head, capacity ? random() % (capacity + 1) : 0);
            held.erase(held.begin() + pick);
            auto used = f.queue.pop_used();
            ASSERT_TRUE(used);
            ASSERT_TRUE(writable_of.count(used->token));
            EXPECT_LE(used->length, writable_of[used->token]);
            EXPECT_FALSE(used->malformed);
            writable_of.erase(used->token);
        }
    }
    EXPECT_EQ(f.queue.outstanding(), writable_of.size());
    EXPECT_EQ(f.queue.outstanding(), held.size());
    EXPECT_EQ(f.queue.errors().bad_id, 0u);
}

TEST(Virtqueue, WithoutEventIdxNotificationFollowsTheDevicesNoNotifyFlag) {
    Fixture f(8);
    u8* buffer = f.arena.take(64);
    ASSERT_TRUE(f.add_writable(buffer, 16, nullptr).is_ok());
    EXPECT_TRUE(f.queue.publish());
    f.device->want_notifications(false);
    ASSERT_TRUE(f.add_writable(buffer + 16, 16, nullptr).is_ok());
    EXPECT_FALSE(f.queue.publish());
    EXPECT_FALSE(f.queue.publish()) << "nothing new: nothing to notify";
    f.device->want_notifications(true);
    ASSERT_TRUE(f.add_writable(buffer + 32, 16, nullptr).is_ok());
    EXPECT_TRUE(f.queue.publish());
}

TEST(Virtqueue, WithEventIdxTheDriverNotifiesOnlyWhenPassingAvailEvent) {
    Fixture f(16, true);
    u8* buffer = f.arena.take(16 * 8);
    // avail_event 0: the device wants to hear when entry 0 is added.
    ASSERT_TRUE(f.add_writable(buffer, 8, nullptr).is_ok());
    EXPECT_TRUE(f.queue.publish());
    // The device has not re-armed (avail_event still 0): entries 1 and 2 pass silently.
    ASSERT_TRUE(f.add_writable(buffer + 8, 8, nullptr).is_ok());
    EXPECT_FALSE(f.queue.publish());
    ASSERT_TRUE(f.add_writable(buffer + 16, 8, nullptr).is_ok());
    EXPECT_FALSE(f.queue.publish());
    // The device consumes all three and asks to hear of the next one (index 3).
    while (f.device->take()) {
    }
    f.device->want_notifications(true);
    EXPECT_EQ(f.device->avail_event(), 3);
    // Two entries published at once, crossing index 3: one notification.
    ASSERT_TRUE(f.add_writable(buffer + 24, 8, nullptr).is_ok());
    ASSERT_TRUE(f.add_writable(buffer + 32, 8, nullptr).is_ok());
    EXPECT_TRUE(f.queue.publish());
    // An event further ahead (index 7) is not crossed by the entry at index 5.
    f.device->avail_event() = 7;
    ASSERT_TRUE(f.add_writable(buffer + 40, 8, nullptr).is_ok());
    EXPECT_FALSE(f.queue.publish());
    ASSERT_TRUE(f.add_writable(buffer + 48, 8, nullptr).is_ok());
    ASSERT_TRUE(f.add_writable(buffer + 56, 8, nullptr).is_ok());
    EXPECT_TRUE(f.queue.publish());
}

TEST(Virtqueue, WithoutEventIdxDisablingInterruptsSetsTheNoInterruptFlag) {
    Fixture f(8);
    u8* buffer = f.arena.take(64);
    for (int i = 0; i < 4; i++) ASSERT_TRUE(f.add_writable(buffer + 16 * i, 16, nullptr).is_ok());
    f.queue.publish();
    std::vector<Chain> chains;
    while (auto chain = f.device->take()) chains.push_back(*chain);

    EXPECT_TRUE(f.device->complete(chains[0].head, 0));
    f.queue.disable_interrupts();
    EXPECT_FALSE(f.device->complete(chains[1].head, 0));
    // Re-enabling with an entry waiting: the caller must poll again rather than sleep.
    EXPECT_FALSE(f.queue.enable_interrupts());
    ASSERT_TRUE(f.queue.pop_used());
    ASSERT_TRUE(f.queue.pop_used());
    EXPECT_TRUE(f.queue.enable_interrupts());
    EXPECT_TRUE(f.device->complete(chains[2].head, 0));
}

TEST(Virtqueue, WithEventIdxTheDeviceInterruptsOnlyWhenPassingUsedEvent) {
    Fixture f(16, true);
    u8* buffer = f.arena.take(16 * 16);
    for (int i = 0; i < 10; i++) ASSERT_TRUE(f.add_writable(buffer + 16 * i, 16, nullptr).is_ok());
    f.queue.publish();
    std::vector<Chain> chains;
    while (auto chain = f.device->take()) chains.push_back(*chain);

    // Enabled from the start: the first used entry interrupts.
    EXPECT_TRUE(f.device->complete(chains[0].head, 0));
    // The handler disables them and the stack polls: the device passed used_event already,
    // so further entries stay quiet.
    f.queue.disable_interrupts();
    EXPECT_FALSE(f.device->complete(chains[1].head, 0));
    EXPECT_FALSE(f.device->complete(chains[2].head, 0));
    int popped = 0;
    while (f.queue.pop_used()) popped++;
    EXPECT_EQ(popped, 3);
    // Re-enabled with the queue empty: the next entry interrupts.
    EXPECT_TRUE(f.queue.enable_interrupts());
    EXPECT_EQ(f.device->used_event(), 3);
    EXPECT_TRUE(f.device->complete(chains[3].head, 0));
    // Popping with interrupts on moves used_event along: the next entry interrupts again.
    ASSERT_TRUE(f.queue.pop_used());
    EXPECT_TRUE(f.device->complete(chains[4].head, 0));
    ASSERT_TRUE(f.queue.pop_used());
    // Delayed: only after three more entries.
    EXPECT_TRUE(f.queue.enable_interrupts_after(3));
    EXPECT_FALSE(f.device->complete(chains[5].head, 0));
    EXPECT_FALSE(f.device->complete(chains[6].head, 0));
    EXPECT_TRUE(f.device->complete(chains[7].head, 0));
    // A batch crossing used_event interrupts once.
    while (f.queue.pop_used()) {
    }
    EXPECT_TRUE(f.queue.enable_interrupts());
    EXPECT_TRUE(f.device->complete_batch({{chains[8].head, 0}, {chains[9].head, 0}}));
}

TEST(Virtqueue, EnableInterruptsReportsEntriesThatRacedIn) {
    Fixture f(8, true);
    u8* buffer = f.arena.take(64);
    for (int i = 0; i < 3; i++) ASSERT_TRUE(f.add_writable(buffer + 16 * i, 16, nullptr).is_ok());
    f.queue.publish();
    std::vector<Chain> chains;
    while (auto chain = f.device->take()) chains.push_back(*chain);
    f.queue.disable_interrupts();
    f.device->complete(chains[0].head, 0);
    EXPECT_FALSE(f.queue.enable_interrupts());
    ASSERT_TRUE(f.queue.pop_used());
    EXPECT_TRUE(f.queue.enable_interrupts());
    f.device->complete(chains[1].head, 0);
    EXPECT_TRUE(f.queue.enable_interrupts_after(2)) << "one waiting, two wanted: sleep until the next";
    f.device->complete(chains[2].head, 0);
    EXPECT_FALSE(f.queue.enable_interrupts_after(2));
}

TEST(Virtqueue, UsedEntryWithOutOfRangeIdIsDroppedAndCounted) {
    Fixture f(8);
    u8* buffer = f.arena.take(64);
    ASSERT_TRUE(f.add_writable(buffer, 16, buffer).is_ok());
    ASSERT_TRUE(f.add_writable(buffer + 16, 16, buffer + 16).is_ok());
    f.queue.publish();
    auto first = f.device->take();
    ASSERT_TRUE(first);
    f.device->complete(1000, 8);
    f.device->complete(0xffffffff, 8);
    f.device->complete(first->head, 8);
    auto used = f.queue.pop_used();
    ASSERT_TRUE(used);
    EXPECT_EQ(used->token, buffer);
    EXPECT_EQ(f.queue.errors().bad_id, 2u);
    EXPECT_EQ(f.queue.outstanding(), 1);
    EXPECT_FALSE(f.queue.broken());
}

TEST(Virtqueue, UsedEntryNamingNoOutstandingHeadIsDropped) {
    Fixture f(8);
    u8* buffer = f.arena.take(64);
    BufferPart chain_parts[] = {{buffer, 8, false}, {buffer + 8, 8, true}};
    ASSERT_TRUE(f.queue.add(chain_parts, buffer).is_ok());
    ASSERT_TRUE(f.add_writable(buffer + 16, 8, buffer + 16).is_ok());
    f.queue.publish();
    auto chain = f.device->take();
    ASSERT_TRUE(chain);
    // The chain's second descriptor is no head; a descriptor never handed out is none either.
    u16 second = u16(chain->head + 1);
    f.device->complete(second, 4);
    f.device->complete(7, 4);
    f.device->complete(chain->head, 4);
    // Returning the same chain twice: the second is a lie.
    f.device->complete(chain->head, 4);
    auto used = f.queue.pop_used();
    ASSERT_TRUE(used);
    EXPECT_EQ(used->token, buffer);
    EXPECT_FALSE(f.queue.pop_used());
    EXPECT_EQ(f.queue.errors().bad_id, 3u);
    EXPECT_EQ(f.queue.outstanding(), 1);
    EXPECT_EQ(f.queue.free_descriptors(), 7);
}

TEST(Virtqueue, UsedLengthBeyondTheWritableRunsIsMalformedButTheBufferComesBack) {
    Fixture f(8);
    u8* buffer = f.arena.take(64);
    BufferPart parts[] = {{buffer, 10, false}, {buffer + 16, 20, true}};
    ASSERT_TRUE(f.queue.add(parts, buffer).is_ok());
    ASSERT_TRUE(f.add_writable(buffer + 48, 16, buffer + 48).is_ok());
    f.queue.publish();
    auto a = f.device->take();
    auto b = f.device->take();
    f.device->complete(a->head, 21);  // 20 writable bytes (the readable 10 do not count)
    f.device->complete(b->head, 16);  // exactly full: fine
    auto used = f.queue.pop_used();
    ASSERT_TRUE(used);
    EXPECT_EQ(used->token, buffer);
    EXPECT_TRUE(used->malformed);
    EXPECT_EQ(used->length, 0u);
    used = f.queue.pop_used();
    ASSERT_TRUE(used);
    EXPECT_FALSE(used->malformed);
    EXPECT_EQ(used->length, 16u);
    EXPECT_EQ(f.queue.errors().bad_length, 1u);
    EXPECT_EQ(f.queue.free_descriptors(), 8);
}

TEST(Virtqueue, UsedIndexRunningMoreThanARingAheadBreaksTheQueue) {
    Fixture f(8);
    u8* buffer = f.arena.take(64);
    ASSERT_TRUE(f.add_writable(buffer, 16, buffer).is_ok());
    f.queue.publish();
    f.device->set_used_index(200);
    EXPECT_FALSE(f.queue.pop_used());
    EXPECT_TRUE(f.queue.broken());
    EXPECT_EQ(f.queue.errors().bad_index, 1u);
    EXPECT_FALSE(f.queue.has_used());
    EXPECT_TRUE(f.queue.enable_interrupts()) << "a broken queue never asks to be polled";
}

TEST(Virtqueue, OutstandingTokensCanBeTakenBackAfterAReset) {
    Fixture f(8);
    u8* buffer = f.arena.take(64);
    for (int i = 0; i < 3; i++) ASSERT_TRUE(f.add_writable(buffer + 16 * i, 16, buffer + 16 * i).is_ok());
    f.queue.publish();
    std::vector<void*> tokens;
    while (auto token = f.queue.take_outstanding()) tokens.push_back(*token);
    EXPECT_EQ(tokens.size(), 3u);
    EXPECT_EQ(f.queue.free_descriptors(), 8);
    EXPECT_EQ(f.queue.outstanding(), 0);
}

TEST(Virtqueue, InitRefusesBadSizesAndShortMemory) {
    Arena arena(1 << 16);
    u8* ring = arena.take(Virtqueue::ring_bytes(256));
    Virtqueue queue;
    Virtqueue::Options options{false, Arena::translate, &arena};
    EXPECT_EQ(Virtqueue::ring_bytes(100), 0u);
    EXPECT_EQ(Virtqueue::ring_bytes(0), 0u);
    EXPECT_EQ(queue.init(ring, 1 << 15, 100, options).error(), EINVAL);
    EXPECT_EQ(queue.init(ring, Virtqueue::ring_bytes(256) - 1, 256, options).error(), EINVAL);
    EXPECT_EQ(queue.init(ring + 2, Virtqueue::ring_bytes(128), 128, options).error(), EINVAL);
    EXPECT_EQ(queue.init(ring, Virtqueue::ring_bytes(256), 256, {false, nullptr, nullptr}).error(), EINVAL);
    EXPECT_TRUE(queue.init(ring, Virtqueue::ring_bytes(256), 256, options).is_ok());
    EXPECT_EQ(queue.size(), 256);
    EXPECT_EQ(Virtqueue::ring_bytes(256), 16u * 256 + 4 + 2 * 256 + 2 + 2 /* align */ + 4 + 8 * 256 + 2);
}

TEST(Virtqueue, NeedEventMatchesTheSpecificationsExamples) {
    // used_event 5: an update from 4 to 6 crosses it, 5 to 7 does not (5 was passed before).
    EXPECT_TRUE(virtio::need_event(5, 6, 4));
    EXPECT_FALSE(virtio::need_event(5, 7, 6));
    EXPECT_TRUE(virtio::need_event(5, 6, 5));
    // Across the 16-bit wrap.
    EXPECT_TRUE(virtio::need_event(0xffff, 1, 0xfffe));
    EXPECT_FALSE(virtio::need_event(0xfffd, 1, 0xfffe));
}

}  // namespace

namespace {

// The device's avail_event store and the driver's index store pass each other: the device
// took chain 1, wrote avail_event = 2 too late for the driver to see it, and went idle
// having read the index as 2. The driver published entries 2 and 3 seeing the old
// avail_event, so neither crossed it; the next look must notice the device waits for an
// entry it already has.
TEST(Virtqueue, ADeviceIdleWaitingForAPublishedEntryIsNotifiedAgain) {
    Fixture f(8, true);
    u8* buffer = f.arena.take(128);
    for (int i = 0; i < 2; i++) ASSERT_TRUE(f.add_writable(buffer + 16 * i, 16, nullptr).is_ok());
    EXPECT_TRUE(f.queue.publish());  // entry 0 crosses avail_event 0
    auto a = f.device->take();
    auto b = f.device->take();
    f.device->complete(a->head, 0);
    f.device->complete(b->head, 0);
    // The device still says "entry 1" (its store of 2 not yet visible): entries 2 and 3
    // are published without a notification.
    f.device->avail_event() = 1;
    ASSERT_TRUE(f.add_writable(buffer + 32, 16, nullptr).is_ok());
    EXPECT_FALSE(f.queue.publish());
    ASSERT_TRUE(f.add_writable(buffer + 48, 16, nullptr).is_ok());
    EXPECT_FALSE(f.queue.publish());
    // Now its store lands: it is done with 0 and 1 and waits for entry 2.
    f.device->avail_event() = 2;
    ASSERT_TRUE(f.add_writable(buffer + 64, 16, nullptr).is_ok());
    EXPECT_TRUE(f.queue.publish()) << "entry 4 does not cross avail_event 2, but the device is stuck on 2";
    // Notified now: the next entries need no more until the device asks again.
    ASSERT_TRUE(f.add_writable(buffer + 80, 16, nullptr).is_ok());
    EXPECT_FALSE(f.queue.publish());
    EXPECT_FALSE(f.queue.resend_notification());
}

TEST(Virtqueue, AMissedNotificationIsFoundWithoutPublishingMore) {
    Fixture f(4, true);
    u8* buffer = f.arena.take(128);
    ASSERT_TRUE(f.add_writable(buffer, 16, nullptr).is_ok());
    EXPECT_TRUE(f.queue.publish());
    f.device->complete(f.device->take()->head, 0);
    f.device->avail_event() = 0;  // stale, as the driver sees it while publishing
    for (int i = 1; i < 4; i++) {
        ASSERT_TRUE(f.add_writable(buffer + 16 * i, 16, nullptr).is_ok());
        EXPECT_FALSE(f.queue.publish());
    }
    EXPECT_EQ(f.queue.free_descriptors(), 0) << "full: nothing more will be published";
    EXPECT_FALSE(f.queue.resend_notification());
    f.device->avail_event() = 1;  // the device's store lands; it idles on entry 1
    EXPECT_TRUE(f.queue.resend_notification());
    EXPECT_FALSE(f.queue.resend_notification()) << "once is enough";
}

TEST(Virtqueue, ABusyOrCaughtUpDeviceIsNotNotifiedNeedlessly) {
    Fixture f(8, true);
    u8* buffer = f.arena.take(128);
    for (int i = 0; i < 3; i++) ASSERT_TRUE(f.add_writable(buffer + 16 * i, 16, nullptr).is_ok());
    f.queue.publish();
    // The device took all three and completed one: avail_event is 3 (caught up), used 1.
    for (int i = 0; i < 3; i++) f.device->take();
    f.device->complete(0, 0);
    f.device->avail_event() = 3;
    EXPECT_FALSE(f.queue.resend_notification()) << "it asks for the next entry, not a published one";
    // Took two, finished one: still working, although it asks for a published entry.
    f.device->avail_event() = 2;
    EXPECT_FALSE(f.queue.resend_notification());
    // Without event_idx there is no avail_event to go stale.
    Fixture plain(8, false);
    EXPECT_FALSE(plain.queue.resend_notification());
}

}  // namespace
