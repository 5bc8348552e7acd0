// What the application has written and the peer not yet acknowledged: a ring from the
// oldest unacknowledged byte to the newest queued one. Segments are never copied out of
// it: a segment's payload is one or two slices of the ring, handed to the IP layer in a
// Gather behind the header (zero copy until the device's own buffer).
//
// Like the receive ring, its memory follows the data: allocated on the first write,
// grown by doubling up to the buffer's capacity, and freed when everything was acked.
#pragma once

#include "base/result.h"
#include "base/types.h"
#include "net/gather.h"
#include "net/layers.h"

namespace net::tcp {

class SendBuffer {
public:
    SendBuffer() = default;
    ~SendBuffer() { release(); }
    SendBuffer(const SendBuffer&) = delete;
    SendBuffer& operator=(const SendBuffer&) = delete;

    usize length() const { return m_length; }  // queued bytes, sent or not
    usize capacity() const { return m_capacity; }
    void set_capacity(usize capacity) { m_capacity = capacity; }
    usize space() const { return m_length < m_capacity ? m_capacity - m_length : 0; }
    usize allocated() const { return m_size; }

    // Appends up to `length` bytes read from `source` at `source_offset`, as many as fit.
    // EFAULT from the source, ENOBUFS when memory for even one byte is lacking.
    Result<usize> append(const ByteSource& source, usize source_offset, usize length);
    // Drops the first `n` bytes (the peer acknowledged them).
    void consume(usize n);
    // Appends the bytes [offset, offset + n) to `out` as one or two runs.
    bool slices(usize offset, usize n, Gather& out) const;
    // Copies bytes out (tests, and retransmission where a Gather cannot be used).
    void copy_out(usize offset, u8* to, usize n) const;

    void release();

private:
    bool make_room(usize needed);

    u8* m_data = nullptr;
    usize m_size = 0;
    usize m_head = 0;
    usize m_length = 0;
    usize m_capacity = 0;
};

}  // namespace net::tcp
