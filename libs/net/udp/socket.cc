#include "net/udp/socket.h"

#include "net/tail_bytes.h"
#include "net/udp/udp.h"

namespace net::udp {

usize socket_buffer_size(u64 requested, usize minimum) {
    u64 value = requested > kMaxBufferRequest ? kMaxBufferRequest : requested;
    value *= 2;
    return value < minimum ? minimum : static_cast<usize>(value);
}

Socket::~Socket() { drop_queue(); }

void Socket::drop_queue() {
    while (m_queue_head) {
        Datagram* d = m_queue_head;
        m_queue_head = d->next;
        delete_with_bytes(d);
    }
    m_queue_tail = nullptr;
    m_queued_bytes = 0;
}

Result<void> Socket::bind(Endpoint local) {
    if (m_bound) return Error(EINVAL);
    return m_udp.bind(*this, local, true);
}

Result<void> Socket::connect(Endpoint remote) { return m_udp.connect(*this, remote); }

void Socket::disconnect() { m_udp.disconnect(*this); }

Result<usize> Socket::send(const ByteSource& data, usize length, const std::optional<Endpoint>& to, Nanos now) {
    return m_udp.send(*this, data, length, to, now);
}

int Socket::take_error() {
    int e = m_error;
    m_error = 0;
    return e;
}

usize Socket::next_datagram_length() const { return m_queue_head ? m_queue_head->length : 0; }

Result<Received> Socket::receive(const ByteSink& sink, usize capacity, bool peek) {
    if (m_error) return Error(take_error());
    Datagram* d = m_queue_head;
    if (!d) return Error(EAGAIN);
    Received r;
    r.length = d->length;
    r.copied = d->length < capacity ? d->length : capacity;
    r.source = d->source;
    r.destination = d->destination;
    r.interface_index = d->interface_index;
    // A failed copy (EFAULT) leaves the datagram queued for a retry with a good buffer.
    if (r.copied) TRY(sink.copy_out(0, bytes_after(d), r.copied));
    if (!peek) {
        m_queue_head = d->next;
        if (!m_queue_head) m_queue_tail = nullptr;
        m_queued_bytes -= d->charge;
        delete_with_bytes(d);
    }
    return r;
}

void Socket::close() { m_udp.destroy(*this); }

}  // namespace net::udp
