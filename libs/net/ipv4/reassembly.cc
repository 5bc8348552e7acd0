#include "net/ipv4/reassembly.h"

#include <cstring>

#include "net/tail_bytes.h"

namespace net::ipv4 {

Reassembler::Reassembler(IpStats& stats, const ReassemblyConfig& config) : m_stats(stats), m_config(config) {
    if (m_config.max_datagrams > kMaxDatagrams) m_config.max_datagrams = kMaxDatagrams;
    if (m_config.max_datagrams == 0) m_config.max_datagrams = 1;
}

Reassembler::~Reassembler() {
    for (usize i = 0; i < m_config.max_datagrams; i++)
        if (m_slots[i].used) release(m_slots[i]);
}

void Reassembler::release(Slot& s) {
    Fragment* f = s.fragments;
    while (f) {
        Fragment* next = f->next;
        delete_with_bytes(f);
        f = next;
    }
    m_bytes -= s.charged;
    s = Slot{};
}

void Reassembler::fail(Slot& s) {
    m_stats.reasm_fails++;
    release(s);
}

usize Reassembler::datagrams_in_progress() const {
    usize n = 0;
    for (usize i = 0; i < m_config.max_datagrams; i++) n += m_slots[i].used;
    return n;
}

Nanos Reassembler::next_deadline() const {
    Nanos next = kNoDeadline;
    for (usize i = 0; i < m_config.max_datagrams; i++)
        if (m_slots[i].used) next = earliest(next, m_slots[i].deadline);
    return next;
}

Reassembler::Slot* Reassembler::find_or_create(const Header& h, Nanos now) {
    Slot* free_slot = nullptr;
    Slot* oldest = nullptr;
    for (usize i = 0; i < m_config.max_datagrams; i++) {
        Slot& s = m_slots[i];
        if (!s.used) {
            if (!free_slot) free_slot = &s;
            continue;
        }
        if (s.source == h.source && s.destination == h.destination && s.id == h.id && s.protocol == h.protocol)
            return &s;
        if (!oldest || s.started < oldest->started) oldest = &s;
    }
    if (!free_slot) {
        // Full: the oldest datagram is the one least likely to complete.
        fail(*oldest);
        free_slot = oldest;
    }
    free_slot->used = true;
    free_slot->source = h.source;
    free_slot->destination = h.destination;
    free_slot->id = h.id;
    free_slot->protocol = h.protocol;
    free_slot->started = now;
    free_slot->deadline = now + m_config.timeout;
    return free_slot;
}

// Evicts other datagrams, oldest first, until `charge` more bytes fit.
bool Reassembler::make_room(usize charge, const Slot& keep) {
    while (m_bytes + charge > m_config.max_bytes) {
        Slot* oldest = nullptr;
        for (usize i = 0; i < m_config.max_datagrams; i++) {
            Slot& s = m_slots[i];
            if (s.used && &s != &keep && (!oldest || s.started < oldest->started)) oldest = &s;
        }
        if (!oldest) return false;
        fail(*oldest);
    }
    return true;
}

PacketBuffer Reassembler::add(const Header& h, const u8* packet, Nanos now) {
    m_stats.reasm_reqds++;
    Slot* slot = find_or_create(h, now);
    Slot& s = *slot;
    const u8* data = packet + h.header_length;
    u32 offset = h.fragment_offset;
    u32 length = static_cast<u32>(h.payload_length());
    u32 end = offset + length;

    if (h.more_fragments && (length == 0 || length % 8 != 0)) {
        fail(s);
        return {};
    }
    if (s.have_last && end > s.total) {
        fail(s);
        return {};
    }
    if (!h.more_fragments) {
        if (s.have_last && end != s.total) {
            fail(s);
            return {};
        }
        for (Fragment* f = s.fragments; f; f = f->next) {
            if (f->offset + f->length > end) {
                fail(s);
                return {};
            }
        }
        s.have_last = true;
        s.total = end;
    }

    // Where it goes, and whether it touches anything already held.
    Fragment** link = &s.fragments;
    while (*link && (*link)->offset + (*link)->length <= offset) link = &(*link)->next;
    Fragment* after = *link;
    if (after && after->offset < end) {
        bool duplicate =
            after->offset == offset && after->length == length && std::memcmp(bytes_after(after), data, length) == 0;
        if (!duplicate) fail(s);
        return {};
    }
    if (length == 0) return try_complete(s);  // an empty last fragment only marks the end

    usize charge = length + kFragmentOverhead;
    if (s.fragment_count >= m_config.max_fragments || !make_room(charge, s)) {
        fail(s);
        return {};
    }
    Fragment* f = new_with_bytes<Fragment>(length);
    if (!f) {
        fail(s);
        return {};
    }
    f->offset = offset;
    f->length = length;
    std::memcpy(bytes_after(f), data, length);
    f->next = after;
    *link = f;
    s.fragment_count++;
    s.charged += charge;
    m_bytes += charge;

    if (offset == 0) {
        s.have_first = true;
        s.header_length = h.header_length;
        std::memcpy(s.header, packet, h.header_length);
    }
    return try_complete(s);
}

PacketBuffer Reassembler::try_complete(Slot& s) {
    if (!s.have_first || !s.have_last) return {};
    u32 expected = 0;
    for (Fragment* f = s.fragments; f; f = f->next) {
        if (f->offset != expected) return {};
        expected = f->offset + f->length;
    }
    if (expected != s.total) return {};
    usize length = s.header_length + s.total;
    if (length > kMaxPacketSize) {
        fail(s);
        return {};
    }
    PacketBuffer out = PacketBuffer::allocate(length);
    if (!out) {
        fail(s);
        return {};
    }
    std::memcpy(out.data(), s.header, s.header_length);
    patch_fragment(out.data(), s.header_length, static_cast<u16>(length), 0, false);
    for (Fragment* f = s.fragments; f; f = f->next)
        std::memcpy(out.data() + s.header_length + f->offset, bytes_after(f), f->length);
    m_stats.reasm_oks++;
    release(s);
    return out;
}

usize Reassembler::first_fragment_quote(const Slot& s, u8* out) const {
    if (!s.have_first || !s.fragments || s.fragments->offset != 0) return 0;
    std::memcpy(out, s.header, s.header_length);
    usize data = s.fragments->length < 8 ? s.fragments->length : 8;
    std::memcpy(out + s.header_length, bytes_after(s.fragments), data);
    return s.header_length + data;
}

}  // namespace net::ipv4
