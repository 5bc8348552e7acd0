// Helpers for the network stack's host tests: a seeded random source, a FrameSink that
// captures what is sent, recording callbacks, byte sources and sinks over vectors, and
// builders for the packets tests inject.
#pragma once

#include <cstring>
#include <vector>

#include "net/address.h"
#include "net/checksum.h"
#include "net/gather.h"
#include "net/layers.h"
#include "net/stack.h"

namespace nettest {

using namespace net;
using Bytes = std::vector<u8>;

inline constexpr MacAddress kOurMac{{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}};
inline constexpr MacAddress kPeerMac{{0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc}};
inline constexpr MacAddress kGatewayMac{{0x52, 0x55, 0x0a, 0x00, 0x02, 0x02}};
inline constexpr Ipv4Address kOurIp = Ipv4Address::from_octets(10, 0, 2, 15);
inline constexpr Ipv4Address kPeerIp = Ipv4Address::from_octets(10, 0, 2, 20);
inline constexpr Ipv4Address kGatewayIp = Ipv4Address::from_octets(10, 0, 2, 2);
inline constexpr Ipv4Address kFarIp = Ipv4Address::from_octets(93, 184, 216, 34);
inline constexpr Ipv4Address kSubnetBroadcast = Ipv4Address::from_octets(10, 0, 2, 255);

class FakeRandom final : public RandomSource {
public:
    explicit FakeRandom(u64 seed = 0x1234567) : m_state(seed | 1) {}
    u64 next_u64() override {
        m_state ^= m_state << 13;
        m_state ^= m_state >> 7;
        m_state ^= m_state << 17;
        return m_state;
    }

private:
    u64 m_state;
};

struct CapturedFrame {
    Bytes bytes;
    bool has_partial = false;
    PartialChecksum partial;
};

class CaptureSink final : public FrameSink {
public:
    Result<void> transmit(const Gather& frame, const PartialChecksum* partial) override {
        if (fail_with) return Error(fail_with);
        CapturedFrame f;
        f.bytes.resize(frame.length());
        frame.copy_out(0, f.bytes.data(), frame.length());
        if (partial) {
            f.has_partial = true;
            f.partial = *partial;
        }
        frames.push_back(std::move(f));
        return {};
    }
    bool offloads_checksum() const override { return offload; }

    std::vector<CapturedFrame> frames;
    bool offload = false;
    int fail_with = 0;
};

class RecordingCallbacks final : public NetStack::Callbacks {
public:
    void changed(udp::Socket& socket, u32 what) override { events.push_back({&socket, what}); }
    void address_configured(const Interface& i, const IpConfig& config) override {
        configured.push_back({i.index(), config});
    }
    void address_removed(const Interface& i) override { removed.push_back(i.index()); }

    struct Event {
        udp::Socket* socket;
        u32 what;
    };
    struct Configured {
        unsigned index;
        IpConfig config;
    };
    std::vector<Event> events;
    std::vector<Configured> configured;
    std::vector<unsigned> removed;
};

class VectorSource final : public ByteSource {
public:
    explicit VectorSource(Bytes bytes) : data(std::move(bytes)) {}
    Result<void> copy_in(usize offset, u8* destination, usize length) const override {
        if (offset + length > data.size()) return Error(EFAULT);
        std::memcpy(destination, data.data() + offset, length);
        return {};
    }
    Bytes data;
};

class VectorSink final : public ByteSink {
public:
    explicit VectorSink(usize size) : data(size) {}
    Result<void> copy_out(usize offset, const u8* source, usize length) const override {
        if (offset + length > data.size()) return Error(EFAULT);
        std::memcpy(data.data() + offset, source, length);
        return {};
    }
    mutable Bytes data;
};

inline Bytes bytes_of(const char* s) { return Bytes(s, s + std::strlen(s)); }

inline Bytes pattern(usize n, u8 seed = 1) {
    Bytes b(n);
    for (usize i = 0; i < n; i++) b[i] = static_cast<u8>(seed + i * 7);
    return b;
}

// ---- Packet builders ----

struct IpFields {
    u8 protocol = kProtoUdp;
    Ipv4Address source = kPeerIp;
    Ipv4Address destination = kOurIp;
    u16 id = 0x1234;
    u16 fragment_offset = 0;  // bytes
    bool more_fragments = false;
    bool dont_fragment = false;
    u8 ttl = 64;
    u8 tos = 0;
    usize options = 0;  // bytes of NOP options (multiple of 4)
};

inline Bytes ipv4_packet(const IpFields& f, const Bytes& payload) {
    usize ihl = 20 + f.options;
    Bytes p(ihl + payload.size());
    p[0] = static_cast<u8>(0x40 | (ihl / 4));
    p[1] = f.tos;
    store_be16(&p[2], static_cast<u16>(p.size()));
    store_be16(&p[4], f.id);
    u16 flags = static_cast<u16>(f.fragment_offset / 8);
    if (f.more_fragments) flags |= 0x2000;
    if (f.dont_fragment) flags |= 0x4000;
    store_be16(&p[6], flags);
    p[8] = f.ttl;
    p[9] = f.protocol;
    f.source.store(&p[12]);
    f.destination.store(&p[16]);
    for (usize i = 20; i < ihl; i++) p[i] = 1;  // NOP
    store_be16(&p[10], internet_checksum(p.data(), ihl));
    std::memcpy(p.data() + ihl, payload.data(), payload.size());
    return p;
}

inline Bytes udp_datagram(Ipv4Address source, Ipv4Address destination, u16 source_port, u16 destination_port,
                          const Bytes& data, bool with_checksum = true) {
    Bytes d(8 + data.size());
    store_be16(&d[0], source_port);
    store_be16(&d[2], destination_port);
    store_be16(&d[4], static_cast<u16>(d.size()));
    std::memcpy(d.data() + 8, data.data(), data.size());
    if (with_checksum) {
        Checksum c;
        c.add_pseudo_header(source, destination, kProtoUdp, static_cast<u16>(d.size()));
        c.add(d.data(), d.size());
        u16 v = c.finish();
        store_be16(&d[6], v == 0 ? 0xffff : v);
    }
    return d;
}

inline Bytes icmp_message(u8 type, u8 code, u32 rest, const Bytes& body) {
    Bytes m(8 + body.size());
    m[0] = type;
    m[1] = code;
    store_be32(&m[4], rest);
    std::memcpy(m.data() + 8, body.data(), body.size());
    store_be16(&m[2], internet_checksum(m.data(), m.size()));
    return m;
}

inline Bytes ethernet_frame(MacAddress destination, MacAddress source, u16 type, const Bytes& payload) {
    Bytes f(14 + payload.size());
    destination.store(&f[0]);
    source.store(&f[6]);
    store_be16(&f[12], type);
    std::memcpy(f.data() + 14, payload.data(), payload.size());
    return f;
}

inline Bytes arp_packet(u16 op, MacAddress sha, Ipv4Address spa, MacAddress tha, Ipv4Address tpa) {
    Bytes a(28);
    store_be16(&a[0], 1);
    store_be16(&a[2], 0x0800);
    a[4] = 6;
    a[5] = 4;
    store_be16(&a[6], op);
    sha.store(&a[8]);
    spa.store(&a[14]);
    tha.store(&a[18]);
    tpa.store(&a[24]);
    return a;
}

// ---- Reading captured frames ----

inline u16 ether_type(const Bytes& frame) { return load_be16(&frame[12]); }
inline MacAddress frame_destination(const Bytes& frame) { return MacAddress::load(&frame[0]); }
inline const u8* ip_of(const Bytes& frame) { return frame.data() + 14; }
inline usize ip_length(const Bytes& frame) { return load_be16(&frame[16]); }
inline u8 ip_protocol(const Bytes& frame) { return frame[14 + 9]; }
inline Ipv4Address ip_source(const Bytes& frame) { return Ipv4Address::load(&frame[14 + 12]); }
inline Ipv4Address ip_destination(const Bytes& frame) { return Ipv4Address::load(&frame[14 + 16]); }
inline const u8* transport_of(const Bytes& frame) { return frame.data() + 14 + (frame[14] & 0xf) * 4; }
inline usize transport_length(const Bytes& frame) { return ip_length(frame) - (frame[14] & 0xf) * 4; }

// Whether a captured frame's UDP or TCP checksum verifies (with the pseudo-header).
inline bool transport_checksum_ok(const Bytes& frame) {
    Checksum c;
    c.add_pseudo_header(ip_source(frame), ip_destination(frame), ip_protocol(frame),
                        static_cast<u16>(transport_length(frame)));
    c.add(transport_of(frame), transport_length(frame));
    return c.verifies();
}

// A stack with eth0 (index 2) up at 10.0.2.15/24, gateway 10.0.2.2, and the peer and the
// gateway already in its ARP cache, so sends go straight out.
struct StackFixture {
    FakeRandom random;
    RecordingCallbacks callbacks;
    CaptureSink sink;
    NetStack stack{random, callbacks};
    unsigned eth0 = 0;
    Nanos now = 1000 * kSecond;

    explicit StackFixture(u16 mtu = 1500, bool resolve_neighbours = true) {
        eth0 = stack.add_ethernet("eth0", kOurMac, mtu, sink).value();
        stack.set_link(eth0, true, now);
        IpConfig config;
        config.address = {kOurIp, 24};
        config.gateway = kGatewayIp;
        EXPECT_TRUE(stack.configure_static(eth0, config, now).is_ok());
        if (resolve_neighbours) {
            teach(kPeerIp, kPeerMac);
            teach(kGatewayIp, kGatewayMac);
        }
        sink.frames.clear();
    }
    // An ARP request from the neighbour for our address: we learn it, and answer.
    void teach(Ipv4Address ip, MacAddress mac) {
        inject(ethernet_frame(kMacBroadcast, mac, 0x0806, arp_packet(1, mac, ip, MacAddress{}, kOurIp)));
    }
    void inject(const Bytes& frame, bool verified = false) {
        stack.receive_frame(eth0, frame.data(), frame.size(), verified, now);
    }
    void inject_ip(const Bytes& ip_packet, MacAddress to = kOurMac, MacAddress from = kPeerMac) {
        inject(ethernet_frame(to, from, 0x0800, ip_packet));
    }
    void inject_udp(u16 source_port, u16 destination_port, const Bytes& data, Ipv4Address source = kPeerIp,
                    Ipv4Address destination = kOurIp) {
        IpFields f;
        f.source = source;
        f.destination = destination;
        inject_ip(ipv4_packet(f, udp_datagram(source, destination, source_port, destination_port, data)),
                  destination.is_limited_broadcast() || destination == kSubnetBroadcast ? kMacBroadcast : kOurMac);
    }
    void advance(Nanos by) {
        now += by;
        stack.on_timers(now);
    }
    std::vector<CapturedFrame> take_frames() {
        auto f = std::move(sink.frames);
        sink.frames.clear();
        return f;
    }
};

}  // namespace nettest
