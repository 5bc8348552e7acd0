#include "virtio/virtqueue.h"

#include <new>

namespace virtio {

namespace {
bool is_power_of_two(u16 value) { return value != 0 && (value & (value - 1)) == 0; }
}  // namespace

usize Virtqueue::ring_bytes(u16 size) {
    if (!is_power_of_two(size) || size > kMaxSize) return 0;
    return ring_layout(size).total;
}

Virtqueue::~Virtqueue() { release(); }

void Virtqueue::release() {
    delete[] m_next;
    delete[] m_heads;
    m_next = nullptr;
    m_heads = nullptr;
    m_size = 0;
}

Result<void> Virtqueue::init(void* ring, usize ring_length, u16 size, const Options& options) {
    usize needed = ring_bytes(size);
    if (needed == 0 || ring == nullptr || ring_length < needed || options.to_device == nullptr)
        return Error(EINVAL);
    if (reinterpret_cast<uptr>(ring) % kRingAlignment != 0) return Error(EINVAL);
    release();

    m_next = new (std::nothrow) u16[size];
    m_heads = new (std::nothrow) Head[size];
    if (!m_next || !m_heads) {
        release();
        return Error(ENOMEM);
    }

    auto* bytes = static_cast<u8*>(ring);
    __builtin_memset(bytes, 0, needed);
    RingLayout layout = ring_layout(size);
    m_size = size;
    m_event_idx = options.event_idx;
    m_to_device = options.to_device;
    m_context = options.context;
    m_descriptors = reinterpret_cast<volatile Descriptor*>(bytes + layout.descriptors);
    m_avail = reinterpret_cast<volatile u16*>(bytes + layout.available);
    m_used = bytes + layout.used;
    m_descriptor_area = m_to_device(bytes + layout.descriptors, m_context);
    m_driver_area = m_to_device(bytes + layout.available, m_context);
    m_device_area = m_to_device(bytes + layout.used, m_context);

    for (u16 i = 0; i < size; i++) {
        m_next[i] = u16(i + 1);
        m_heads[i] = {};
    }
    m_free_head = 0;
    m_free_count = size;
    m_outstanding = 0;
    m_avail_shadow = m_avail_published = m_last_used = m_notified_through = 0;
    m_interrupts_enabled = true;
    m_broken = false;
    m_errors = {};
    return {};
}

Result<void> Virtqueue::add(std::span<const BufferPart> parts, void* token) {
    if (parts.empty() || parts.size() > m_size) return Error(EINVAL);
    bool seen_writable = false;
    u64 writable = 0;
    for (const BufferPart& part : parts) {
        if (part.length == 0 || part.data == nullptr) return Error(EINVAL);
        if (seen_writable && !part.device_writable) return Error(EINVAL);
        seen_writable |= part.device_writable;
        if (part.device_writable) writable += part.length;
    }
    if (writable > 0xffffffffull) return Error(EINVAL);  // the used length is 32 bits
    if (parts.size() > m_free_count) return Error(ENOSPC);

    u16 head = m_free_head;
    u16 index = head;
    for (usize i = 0; i < parts.size(); i++) {
        const BufferPart& part = parts[i];
        bool last = i + 1 == parts.size();
        u16 next = m_next[index];
        volatile Descriptor* d = descriptor(index);
        d->address = m_to_device(part.data, m_context);
        d->length = part.length;
        d->flags = u16((part.device_writable ? kDescriptorWrite : 0) | (last ? 0 : kDescriptorNext));
        d->next = last ? 0 : next;
        if (last) {
            m_free_head = next;
        } else {
            index = next;
        }
    }
    m_free_count = u16(m_free_count - parts.size());
    m_heads[head] = {token, u32(writable), u16(parts.size()), true};
    m_outstanding++;
    *avail_slot(m_avail_shadow) = head;
    m_avail_shadow++;
    return {};
}

bool Virtqueue::publish() {
    if (m_avail_shadow == m_avail_published) return false;
    u16 old_index = m_avail_published;
    u16 new_index = m_avail_shadow;
    // The descriptors and ring slots must be visible before the index that exposes them.
    fence_before_publish();
    *avail_index() = new_index;
    m_avail_published = new_index;
    // ...and the index before we read whether the device wants to hear of it: otherwise
    // the device may go to sleep having seen neither.
    fence_full();
    bool notify = m_event_idx ? need_event(*avail_event(), new_index, old_index) || missed_notification()
                              : (*used_flags() & kUsedNoNotify) == 0;
    if (notify) m_notified_through = new_index;
    return notify;
}

bool Virtqueue::missed_notification() const {
    if (!m_event_idx) return false;
    u16 event = *avail_event();
    u16 published_since = u16(m_avail_published - event);  // entries [event, published) exist
    bool published = published_since != 0 && published_since <= m_size;
    // Entries before m_notified_through were followed by a notification: the device will
    // look at the index again by itself.
    bool unnotified = u16(event - m_notified_through) < u16(m_avail_published - m_notified_through);
    return published && unnotified && *used_index() == event;
}

bool Virtqueue::resend_notification() {
    fence_full();
    if (!missed_notification()) return false;
    m_notified_through = m_avail_published;
    return true;
}

bool Virtqueue::has_used() const { return !m_broken && *used_index() != m_last_used; }

void Virtqueue::free_chain(u16 head) {
    Head& h = m_heads[head];
    u16 last = head;
    for (u16 i = 1; i < h.descriptor_count; i++) last = m_next[last];
    m_next[last] = m_free_head;
    m_free_head = head;
    m_free_count = u16(m_free_count + h.descriptor_count);
    h.outstanding = false;
    m_outstanding--;
}

std::optional<UsedBuffer> Virtqueue::pop_used() {
    while (!m_broken) {
        u16 used = *used_index();
        if (used == m_last_used) return std::nullopt;
        // More entries than the ring holds: the device is making them up. (Fewer but
        // still more than are outstanding can be bogus entries, dropped one by one.)
        if (u16(used - m_last_used) > m_size) {
            m_broken = true;
            m_errors.bad_index++;
            return std::nullopt;
        }
        // The entries must be read after the index that announced them.
        fence_after_observe();
        volatile UsedElement* slot = used_slot(m_last_used);
        u32 id = slot->id;
        u32 length = slot->length;
        m_last_used++;
        if (m_event_idx && m_interrupts_enabled) *used_event() = m_last_used;
        if (id >= m_size || !m_heads[id].outstanding) {
            m_errors.bad_id++;
            continue;
        }
        u16 head = u16(id);
        void* token = m_heads[head].token;
        bool malformed = length > m_heads[head].writable_bytes;
        free_chain(head);
        if (malformed) {
            m_errors.bad_length++;
            return UsedBuffer{token, 0, true};
        }
        return UsedBuffer{token, length, false};
    }
    return std::nullopt;
}

void Virtqueue::disable_interrupts() {
    m_interrupts_enabled = false;
    // With event_idx the device ignores the flag; leaving used_event behind the device's
    // index is what keeps it quiet (it passed that index already).
    if (!m_event_idx) *avail_flags() = kAvailNoInterrupt;
}

bool Virtqueue::enable_interrupts() { return enable_interrupts_after(1); }

bool Virtqueue::enable_interrupts_after(u16 count) {
    if (count == 0) count = 1;
    m_interrupts_enabled = true;
    if (m_event_idx)
        *used_event() = u16(m_last_used + count - 1);
    else
        *avail_flags() = 0;
    // The request must be visible before we look at the index once more.
    fence_full();
    if (m_broken) return true;
    return u16(*used_index() - m_last_used) < (m_event_idx ? count : 1);
}

std::optional<void*> Virtqueue::take_outstanding() {
    for (u16 head = 0; head < m_size; head++) {
        if (!m_heads[head].outstanding) continue;
        void* token = m_heads[head].token;
        free_chain(head);
        return token;
    }
    return std::nullopt;
}

}  // namespace virtio
