#include "net/checksum.h"

namespace net {

void Checksum::add(const void* data, usize length) {
    const u8* p = static_cast<const u8*>(data);
    if (length && m_odd) {
        m_sum += *p++;
        length--;
        m_odd = false;
    }
    // Whole words; the sum of up to 2^48 words fits in 64 bits before folding.
    while (length >= 8) {
        m_sum += static_cast<u64>(load_be16(p)) + load_be16(p + 2) + load_be16(p + 4) + load_be16(p + 6);
        p += 8;
        length -= 8;
    }
    while (length >= 2) {
        m_sum += load_be16(p);
        p += 2;
        length -= 2;
    }
    if (length) {
        m_sum += static_cast<u64>(*p) << 8;
        m_odd = true;
    }
}

void Checksum::add_u16(u16 value) { m_sum += value; }

void Checksum::add_u32(u32 value) { m_sum += (value >> 16) + (value & 0xffff); }

void Checksum::add_pseudo_header(Ipv4Address source, Ipv4Address destination, u8 protocol, u16 length) {
    add_u32(source.value);
    add_u32(destination.value);
    add_u16(protocol);
    add_u16(length);
}

u16 Checksum::fold() const {
    u64 sum = m_sum;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<u16>(sum);
}

u16 Checksum::finish() const { return static_cast<u16>(~fold()); }

u16 internet_checksum(const void* data, usize length) {
    Checksum c;
    c.add(data, length);
    return c.finish();
}

}  // namespace net
