#include "net/loopback_queue.h"

#include <cstring>

#include "net/tail_bytes.h"

namespace net {

LoopbackQueue::~LoopbackQueue() {
    while (Packet* p = pop()) release(p);
}

Result<void> LoopbackQueue::push(const u8* header, usize header_length, const Gather& payload, Nanos now) {
    usize length = header_length + payload.length();
    if (m_count >= kMaxPackets || m_bytes + length > kMaxBytes) return Error(ENOBUFS);
    Packet* p = new_with_bytes<Packet>(length);
    if (!p) return Error(ENOBUFS);
    p->queued_at = now;
    p->length = length;
    std::memcpy(bytes_after(p), header, header_length);
    payload.copy_out(0, bytes_after(p) + header_length, payload.length());
    if (m_tail)
        m_tail->next = p;
    else
        m_head = p;
    m_tail = p;
    m_count++;
    m_bytes += length;
    return {};
}

LoopbackQueue::Packet* LoopbackQueue::pop() {
    Packet* p = m_head;
    if (!p) return nullptr;
    m_head = p->next;
    if (!m_head) m_tail = nullptr;
    m_count--;
    m_bytes -= p->length;
    p->next = nullptr;
    return p;
}

const u8* LoopbackQueue::bytes(const Packet* p) { return bytes_after(p); }

void LoopbackQueue::release(Packet* p) { delete_with_bytes(p); }

}  // namespace net
