#include "net/byte_buffers.h"

#include "mm/user_memory.h"

namespace net {

VectorBytes::VectorBytes(const UserVector* vectors, usize count) : m_vectors(vectors), m_count(count) {
    for (usize i = 0; i < count; i++) m_length += vectors[i].length;
}

template <typename Copy>
Result<void> VectorBytes::walk(usize offset, usize length, Copy&& copy) const {
    if (offset > m_length || length > m_length - offset) return Error(EFAULT);
    usize index = 0, start = 0;
    if (offset >= m_cursor_offset) {
        index = m_cursor_index;
        start = m_cursor_offset;
    }
    usize done = 0;
    while (done < length && index < m_count) {
        const UserVector& v = m_vectors[index];
        if (offset + done >= start + v.length) {
            start += v.length;
            index++;
            continue;
        }
        m_cursor_index = index;
        m_cursor_offset = start;
        usize within = offset + done - start;
        usize n = v.length - within < length - done ? v.length - within : length - done;
        TRY(copy(v.base + within, done, n));
        done += n;
    }
    return {};
}

Result<void> VectorBytes::copy_in(usize offset, u8* destination, usize length) const {
    return walk(offset, length, [&](u64 user, usize at, usize n) { return user_memory::copy_from(destination + at, user, n); });
}

Result<void> VectorBytes::copy_out(usize offset, const u8* source, usize length) const {
    return walk(offset, length, [&](u64 user, usize at, usize n) { return user_memory::copy_to(user, source + at, n); });
}

}  // namespace net
