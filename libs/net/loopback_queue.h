// Packets on their way to this host itself (to 127.x or to one of our own addresses):
// copied here by the send path and delivered later by NetStack::run_pending, never from
// inside the send call, so a protocol that answers a packet it receives never recurses
// into itself. Bounded in packets and bytes (a full queue is ENOBUFS, as a full device
// queue would be).
#pragma once

#include "base/result.h"
#include "base/types.h"
#include "net/gather.h"
#include "net/layers.h"

namespace net {

class LoopbackQueue {
public:
    static constexpr usize kMaxPackets = 512;
    static constexpr usize kMaxBytes = 2 * 1024 * 1024;

    struct Packet {
        Packet* next;
        Nanos queued_at;
        usize length;
    };

    LoopbackQueue() = default;
    ~LoopbackQueue();
    LoopbackQueue(const LoopbackQueue&) = delete;
    LoopbackQueue& operator=(const LoopbackQueue&) = delete;

    // Copies the IP packet `header` + `payload`. ENOBUFS when full or out of memory.
    Result<void> push(const u8* header, usize header_length, const Gather& payload, Nanos now);
    // The oldest packet (free it with release), or null.
    Packet* pop();
    static const u8* bytes(const Packet* p);
    static void release(Packet* p);

    usize count() const { return m_count; }
    usize bytes_queued() const { return m_bytes; }
    // When the oldest packet was queued (it is due at once), or kNoDeadline.
    Nanos next_deadline() const { return m_head ? m_head->queued_at : kNoDeadline; }

private:
    Packet* m_head = nullptr;
    Packet* m_tail = nullptr;
    usize m_count = 0;
    usize m_bytes = 0;
};

}  // namespace net
