// Addresses and byte order for the network stack: IPv4 addresses, MAC addresses, transport
// endpoints, and big-endian loads and stores for header fields. Values are kept in host
// order; they become network order only in a header, through load_be/store_be.
#pragma once

#include "base/big_endian.h"
#include "base/types.h"

namespace net {

using ::load_be16;
using ::load_be32;
using ::store_be16;
using ::store_be32;

struct Ipv4Address {
    u32 value = 0;  // host order: 127.0.0.1 is 0x7f000001

    static constexpr Ipv4Address from_octets(u8 a, u8 b, u8 c, u8 d) {
        return {static_cast<u32>(a) << 24 | static_cast<u32>(b) << 16 | static_cast<u32>(c) << 8 | d};
    }
    static Ipv4Address load(const u8* p) { return {load_be32(p)}; }
    void store(u8* p) const { store_be32(p, value); }
    // As sockaddr_in's sin_addr holds it (network order in memory, read as a native u32).
    static constexpr Ipv4Address from_network_u32(u32 raw) { return {__builtin_bswap32(raw)}; }
    constexpr u32 to_network_u32() const { return __builtin_bswap32(value); }

    constexpr bool is_any() const { return value == 0; }
    constexpr bool is_limited_broadcast() const { return value == 0xffffffff; }
    constexpr bool is_loopback() const { return (value >> 24) == 127; }
    constexpr bool is_multicast() const { return (value >> 28) == 0xe; }
    constexpr u8 octet(int i) const { return static_cast<u8>(value >> (24 - 8 * i)); }
    constexpr bool operator==(const Ipv4Address&) const = default;
};

constexpr Ipv4Address kIpv4Any{0};
constexpr Ipv4Address kIpv4Broadcast{0xffffffff};
constexpr Ipv4Address kIpv4Loopback = Ipv4Address::from_octets(127, 0, 0, 1);

// A network prefix: address/length, e.g. 10.0.2.0/24.
struct Ipv4Prefix {
    Ipv4Address address;
    u8 length = 0;  // 0..32

    constexpr u32 mask() const { return length == 0 ? 0 : 0xffffffffu << (32 - length); }
    constexpr bool contains(Ipv4Address a) const { return (a.value & mask()) == (address.value & mask()); }
    constexpr Ipv4Address network() const { return {address.value & mask()}; }
    constexpr Ipv4Address broadcast() const { return {address.value | ~mask()}; }
    constexpr bool operator==(const Ipv4Prefix&) const = default;
};

struct MacAddress {
    u8 bytes[6] = {};

    static MacAddress load(const u8* p) {
        MacAddress m;
        for (int i = 0; i < 6; i++) m.bytes[i] = p[i];
        return m;
    }
    void store(u8* p) const {
        for (int i = 0; i < 6; i++) p[i] = bytes[i];
    }
    bool is_broadcast() const {
        for (u8 b : bytes)
            if (b != 0xff) return false;
        return true;
    }
    bool is_multicast() const { return bytes[0] & 1; }
    bool is_zero() const {
        for (u8 b : bytes)
            if (b) return false;
        return true;
    }
    bool operator==(const MacAddress&) const = default;
};

constexpr MacAddress kMacBroadcast{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

// An IPv4 transport endpoint (address and port, both host order).
struct Endpoint {
    Ipv4Address address;
    u16 port = 0;
    constexpr bool operator==(const Endpoint&) const = default;
};

// IP protocol numbers.
constexpr u8 kProtoIcmp = 1, kProtoTcp = 6, kProtoUdp = 17;

}  // namespace net
