#include "net/tcp/secrets.h"

#include "net/mix.h"

namespace net::tcp {

namespace {

constexpr Nanos kCookieSlot = 64 * kSecond;

struct TupleBytes {
    u8 bytes[12];
    TupleBytes(Endpoint local, Endpoint remote) {
        store_be32(bytes, local.address.value);
        store_be32(bytes + 4, remote.address.value);
        store_be16(bytes + 8, local.port);
        store_be16(bytes + 10, remote.port);
    }
};

crypto::SipKey draw_key(RandomSource& random) {
    crypto::SipKey key;
    key.k0 = random.next_u64();
    key.k1 = random.next_u64();
    return key;
}

}  // namespace

Secrets::Secrets(RandomSource& random)
    : m_isn_key(draw_key(random)),
      m_ts_key(draw_key(random)),
      m_cookie_key(draw_key(random)),
      m_port_key(draw_key(random)),
      m_table_key0(random.next_u64()),
      m_table_key1(random.next_u64()) {}

u32 Secrets::initial_sequence(Endpoint local, Endpoint remote, Nanos now) const {
    TupleBytes t(local, remote);
    u32 f = static_cast<u32>(crypto::siphash24(m_isn_key, t.bytes, sizeof t.bytes));
    return f + static_cast<u32>(now / 4000);
}

u32 Secrets::timestamp_offset(Ipv4Address local, Ipv4Address remote) const {
    u8 bytes[8];
    store_be32(bytes, local.value);
    store_be32(bytes + 4, remote.value);
    return static_cast<u32>(crypto::siphash24(m_ts_key, bytes, sizeof bytes));
}

u32 Secrets::port_offset(Ipv4Address local, Endpoint remote) const {
    u8 bytes[10];
    store_be32(bytes, local.value);
    store_be32(bytes + 4, remote.address.value);
    store_be16(bytes + 8, remote.port);
    return static_cast<u32>(crypto::siphash24(m_port_key, bytes, sizeof bytes));
}

u32 Secrets::tuple_hash(Endpoint local, Endpoint remote) const {
    u64 addresses = (static_cast<u64>(local.address.value) << 32 | remote.address.value) ^ m_table_key0;
    u64 ports = (static_cast<u64>(local.port) << 16 | remote.port) ^ m_table_key1;
    return static_cast<u32>(mix64(addresses + mix64(ports)));
}

u32 Secrets::cookie_hash(Endpoint local, Endpoint remote, u32 peer_isn, u32 slot, unsigned mss_index) const {
    u8 bytes[21];
    TupleBytes t(local, remote);
    for (int i = 0; i < 12; i++) bytes[i] = t.bytes[i];
    store_be32(bytes + 12, peer_isn);
    store_be32(bytes + 16, slot);
    bytes[20] = static_cast<u8>(mss_index);
    return static_cast<u32>(crypto::siphash24(m_cookie_key, bytes, sizeof bytes)) & 0xffffff;
}

unsigned Secrets::cookie_mss_index(u16 peer_mss) {
    unsigned index = 0;
    for (unsigned i = 0; i < 8; i++)
        if (kCookieMss[i] <= peer_mss) index = i;
    return index;
}

u32 Secrets::syn_cookie(Endpoint local, Endpoint remote, u32 peer_isn, unsigned mss_index, Nanos now) const {
    u32 slot = static_cast<u32>(now / kCookieSlot);
    return (slot & 0x1f) << 27 | (mss_index & 7) << 24 | cookie_hash(local, remote, peer_isn, slot, mss_index & 7);
}

int Secrets::check_syn_cookie(Endpoint local, Endpoint remote, u32 peer_isn, u32 cookie, Nanos now) const {
    u32 current = static_cast<u32>(now / kCookieSlot);
    unsigned mss_index = (cookie >> 24) & 7;
    for (u32 age = 0; age <= 2 && age <= current; age++) {
        u32 slot = current - age;
        if ((slot & 0x1f) != cookie >> 27) continue;
        if (cookie_hash(local, remote, peer_isn, slot, mss_index) == (cookie & 0xffffff))
            return static_cast<int>(mss_index);
    }
    return -1;
}

}  // namespace net::tcp
