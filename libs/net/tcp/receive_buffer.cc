#include "net/tcp/receive_buffer.h"

#include <new>

#include "net/tcp/seq.h"

namespace net::tcp {

namespace {
constexpr usize kGranule = 4096;

void copy_bytes(u8* to, const u8* from, usize n) { __builtin_memcpy(to, from, n); }
}  // namespace

void ReceiveBuffer::reset(u32 seq) {
    release();
    m_read_seq = seq;
}

void ReceiveBuffer::release() {
    delete[] m_data;
    m_data = nullptr;
    m_size = 0;
    m_head = 0;
    m_read_seq += static_cast<u32>(m_ready);
    m_ready = 0;
    m_out_of_order.clear();
}

usize ReceiveBuffer::extent() const {
    usize end = m_ready;
    if (!m_out_of_order.empty()) {
        usize ooo_end = m_out_of_order.highest_end(0) - m_read_seq;
        if (ooo_end > end) end = ooo_end;
    }
    return end;
}

bool ReceiveBuffer::make_room(usize needed, usize limit) {
    if (needed <= m_size) return true;
    usize size = m_size ? m_size * 2 : kGranule;
    if (size < needed) size = (needed + kGranule - 1) / kGranule * kGranule;
    if (size > limit) size = limit < needed ? needed : limit;
    u8* data = new (std::nothrow) u8[size];
    if (!data) return false;
    // Linearize what is held (in-order and out-of-order bytes alike) at the front.
    usize used = extent();
    usize first = used < m_size - m_head ? used : m_size - m_head;
    if (used) {
        copy_bytes(data, m_data + m_head, first);
        copy_bytes(data + first, m_data, used - first);
    }
    delete[] m_data;
    m_data = data;
    m_size = size;
    m_head = 0;
    return true;
}

void ReceiveBuffer::copy_in(usize offset, const u8* data, usize length) {
    usize index = m_head + offset;
    if (index >= m_size) index -= m_size;
    usize first = length < m_size - index ? length : m_size - index;
    copy_bytes(m_data + index, data, first);
    copy_bytes(m_data, data + first, length - first);
}

ReceiveBuffer::Stored ReceiveBuffer::store(u32 seq, const u8* data, usize length, u32 limit_seq) {
    Stored result;
    u32 next = next_seq();
    if (seq_lt(seq, next)) {
        u32 skip = next - seq;
        if (skip >= length) return result;  // all of it is held already
        data += skip;
        length -= skip;
        seq = next;
    }
    if (!seq_lt(seq, limit_seq)) return result;
    if (seq_gt(seq + static_cast<u32>(length), limit_seq)) length = limit_seq - seq;
    if (length == 0) return result;

    usize offset = seq - m_read_seq;
    bool in_order = seq == next;
    // Refuse a new out-of-order range before spending memory on it.
    if (!in_order && m_out_of_order.count() == kMaxOutOfOrderRanges) {
        bool touches = false;
        for (unsigned i = 0; i < m_out_of_order.count(); i++) {
            const auto& r = m_out_of_order.at(i);
            if (seq_le(seq, r.end) && seq_ge(seq + static_cast<u32>(length), r.start)) touches = true;
        }
        if (!touches) {
            result.dropped = true;
            return result;
        }
    }
    if (!make_room(offset + length, limit_seq - m_read_seq)) {
        result.dropped = true;
        return result;
    }
    copy_in(offset, data, length);

    if (!in_order) {
        if (!m_out_of_order.add(seq, seq + static_cast<u32>(length))) {
            result.dropped = true;  // no memory for the range list: as if no slot were free
            return result;
        }
        result.out_of_order = true;
        return result;
    }
    m_ready += length;
    // The hole may be filled: take the out-of-order ranges that now continue the stream.
    while (!m_out_of_order.empty() && seq_le(m_out_of_order.at(0).start, next_seq())) {
        u32 end = m_out_of_order.at(0).end;
        if (seq_gt(end, next_seq())) m_ready = end - m_read_seq;
        m_out_of_order.remove_below(end);
    }
    result.advanced = next_seq() - next;
    return result;
}

Result<usize> ReceiveBuffer::read(const ByteSink& sink, usize length, bool peek) {
    if (length > m_ready) length = m_ready;
    usize first = length < m_size - m_head ? length : m_size - m_head;
    usize copied = 0;
    if (first) {
        auto r = sink.copy_out(0, m_data + m_head, first);
        if (r.is_error()) return Error(r.error());
        copied = first;
        if (length > first) {
            auto r2 = sink.copy_out(first, m_data, length - first);
            if (r2.is_ok()) copied = length;
        }
    }
    if (peek || copied == 0) return copied;
    m_head += copied;
    if (m_head >= m_size) m_head -= m_size;
    m_read_seq += static_cast<u32>(copied);
    m_ready -= copied;
    if (m_ready == 0 && m_out_of_order.empty()) {
        // Nothing held: give the memory back (the sequence position stays).
        delete[] m_data;
        m_data = nullptr;
        m_size = 0;
        m_head = 0;
    }
    return copied;
}

}  // namespace net::tcp
