#include "net/tcp/send_buffer.h"

#include <new>

namespace net::tcp {

namespace {
constexpr usize kSendGranule = 4096;
}

void SendBuffer::release() {
    delete[] m_data;
    m_data = nullptr;
    m_size = 0;
    m_head = 0;
    m_length = 0;
}

bool SendBuffer::make_room(usize needed) {
    if (needed <= m_size) return true;
    usize size = m_size ? m_size * 2 : kSendGranule;
    while (size < needed) size *= 2;
    usize limit = m_capacity > needed ? m_capacity : needed;
    limit = (limit + kSendGranule - 1) / kSendGranule * kSendGranule;
    if (size > limit) size = limit;
    u8* data = new (std::nothrow) u8[size];
    if (!data) return false;
    copy_out(0, data, m_length);
    delete[] m_data;
    m_data = data;
    m_size = size;
    m_head = 0;
    return true;
}

Result<usize> SendBuffer::append(const ByteSource& source, usize source_offset, usize length) {
    if (length > space()) length = space();
    if (length == 0) return usize{0};
    if (!make_room(m_length + length)) {
        // Take what fits in the memory we have; none at all is ENOBUFS.
        length = m_size - m_length;
        if (length == 0) return Error(ENOBUFS);
    }
    usize tail = m_head + m_length;
    if (tail >= m_size) tail -= m_size;
    usize first = length < m_size - tail ? length : m_size - tail;
    TRY(source.copy_in(source_offset, m_data + tail, first));
    if (length > first) {
        if (source.copy_in(source_offset + first, m_data, length - first).is_error()) length = first;
    }
    m_length += length;
    return length;
}

void SendBuffer::consume(usize n) {
    if (n > m_length) n = m_length;
    m_length -= n;
    m_head += n;
    if (m_head >= m_size) m_head -= m_size;
    if (m_length == 0) release();
}

bool SendBuffer::slices(usize offset, usize n, Gather& out) const {
    if (n == 0) return true;
    usize index = m_head + offset;
    if (index >= m_size) index -= m_size;
    usize first = n < m_size - index ? n : m_size - index;
    if (!out.append(m_data + index, first)) return false;
    return out.append(m_data, n - first);
}

void SendBuffer::copy_out(usize offset, u8* to, usize n) const {
    if (n == 0) return;
    usize index = m_head + offset;
    if (index >= m_size) index -= m_size;
    usize first = n < m_size - index ? n : m_size - index;
    __builtin_memcpy(to, m_data + index, first);
    __builtin_memcpy(to + first, m_data, n - first);
}

}  // namespace net::tcp
