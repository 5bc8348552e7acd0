// A sendmsg/recvmsg's iovecs as the protocol code sees data (net::ByteSource/ByteSink,
// libs/net/layers.h); one buffer is fs::IoBufferBytes (fs/file.h).
#pragma once

#include "fs/file.h"
#include "net/layers.h"

namespace net {

// struct iovec, as the system call copied the array in (user addresses).
struct UserVector {
    u64 base;
    u64 length;
};

// Offsets run across the vectors in order. Copies usually walk forward, so the vector the
// last copy ended in is remembered and a copy at a later offset starts from there.
class VectorBytes final : public ByteSource, public ByteSink {
public:
    VectorBytes(const UserVector* vectors, usize count);
    usize length() const { return m_length; }
    Result<void> copy_in(usize offset, u8* destination, usize length) const override;
    Result<void> copy_out(usize offset, const u8* source, usize length) const override;

private:
    template <typename Copy>
    Result<void> walk(usize offset, usize length, Copy&& copy) const;

    const UserVector* m_vectors;
    usize m_count;
    usize m_length = 0;
    mutable usize m_cursor_index = 0;   // a vector ...
    mutable usize m_cursor_offset = 0;  // ... and the offset (of the whole) where it starts
};

}  // namespace net
