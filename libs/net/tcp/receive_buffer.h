// What a connection has received and the application not yet read: a ring holding the
// in-order bytes from the first unread one and, further on, out-of-order bytes stored in
// place at their offset, so filling a hole costs no copy. The out-of-order ranges are a
// bounded SeqRangeSet (they are the SACK blocks we report); there is no per-segment
// allocation.
//
// The ring's memory follows the data: allocated when the first bytes arrive, grown (by
// doubling, up to what the window allows) as they need room, and freed once everything
// was read, so thousands of idle connections hold no receive memory.
#pragma once

#include "base/result.h"
#include "base/types.h"
#include "net/layers.h"
#include "net/tcp/range_set.h"

namespace net::tcp {

class ReceiveBuffer {
public:
    static constexpr unsigned kMaxOutOfOrderRanges = 16;
    using OutOfOrder = LazySeqRangeSet<kMaxOutOfOrderRanges>;

    ReceiveBuffer() = default;
    ~ReceiveBuffer() { release(); }
    ReceiveBuffer(const ReceiveBuffer&) = delete;
    ReceiveBuffer& operator=(const ReceiveBuffer&) = delete;

    // Starts the stream: the next byte expected has sequence number `seq`.
    void reset(u32 seq);

    u32 next_seq() const { return m_read_seq + static_cast<u32>(m_ready); }  // RCV.NXT
    u32 read_seq() const { return m_read_seq; }
    usize ready() const { return m_ready; }  // in-order bytes the application can read
    const OutOfOrder& out_of_order() const { return m_out_of_order; }
    usize allocated() const { return m_size; }

    struct Stored {
        u32 advanced = 0;           // how far next_seq() moved
        bool out_of_order = false;  // kept beyond a hole
        bool dropped = false;       // no slot for another range, or no memory
    };
    // Stores `length` bytes of sequence `seq`, trimmed to what lies between next_seq()
    // and `limit_seq` (the right edge of the window we advertised).
    Stored store(u32 seq, const u8* data, usize length, u32 limit_seq);

    // Copies up to `length` ready bytes to `sink`; `peek` leaves them in place. EFAULT
    // from the sink when nothing could be copied.
    Result<usize> read(const ByteSink& sink, usize length, bool peek);

    // Drops everything and frees the memory.
    void release();

private:
    bool make_room(usize extent, usize limit);
    void copy_in(usize offset, const u8* data, usize length);
    usize extent() const;  // bytes from the read position to the end of the last range

    u8* m_data = nullptr;
    usize m_size = 0;  // of m_data
    usize m_head = 0;  // index of the first unread byte
    u32 m_read_seq = 0;
    usize m_ready = 0;
    OutOfOrder m_out_of_order;
};

}  // namespace net::tcp
