// Test support for the TCP tests: a capturing IpSender, a seeded RandomSource, recorded
// Events, segment building and parsing, and a packetdrill-like harness that drives one
// Tcp instance with a fake clock.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "net/checksum.h"
#include "net/tcp/tcp.h"

namespace tcp_test {

using namespace net;
using namespace net::tcp;

constexpr Ipv4Address kLocal = Ipv4Address::from_octets(10, 0, 0, 1);
constexpr Ipv4Address kPeer = Ipv4Address::from_octets(10, 0, 0, 2);

class SeededRandom final : public RandomSource {
public:
    explicit SeededRandom(u64 seed) : m_state(seed) {}
    u64 next_u64() override {  // splitmix64
        u64 z = (m_state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }

private:
    u64 m_state;
};

struct SentPacket {
    Ipv4Address source;
    Ipv4Address destination;
    IpSendOptions options;
    std::vector<u8> bytes;  // the TCP segment, checksum completed
};

// An IP layer that records what TCP sends.
class FakeIp final : public IpSender {
public:
    std::vector<SentPacket> sent;
    Ipv4Address local = kLocal;
    usize mtu = 1500;
    int fail_with = 0;         // errno every send returns (0: succeed)
    bool enforce_mtu = false;  // EMSGSIZE for what exceeds max_payload(), as with DF

    Result<void> send(Ipv4Address source, Ipv4Address destination, u8 protocol, const Gather& payload,
                      const IpSendOptions& options, Nanos) override {
        EXPECT_EQ(protocol, kProtoTcp);
        if (fail_with) return Error(fail_with);
        if (enforce_mtu && payload.length() > max_payload(destination)) return Error(EMSGSIZE);
        SentPacket p;
        p.source = source.is_any() ? local : source;
        p.destination = destination;
        p.options = options;
        p.bytes.resize(payload.length());
        payload.copy_out(0, p.bytes.data(), p.bytes.size());
        // Finish the checksum as the IP layer would.
        if (options.checksum_field >= 0) {
            Checksum sum;
            sum.add(p.bytes.data(), p.bytes.size());
            u16 final = sum.finish();
            store_be16(p.bytes.data() + options.checksum_field, final);
        }
        sent.push_back(std::move(p));
        return {};
    }
    Result<Ipv4Address> source_for(Ipv4Address destination) const override {
        if (destination.is_loopback()) return kIpv4Loopback;
        return local;
    }
    usize max_payload(Ipv4Address destination) const override {
        return destination.is_loopback() ? 65535 - 20 - 20 : mtu - 20;
    }
    bool is_local(Ipv4Address address) const override { return address == local || address.is_loopback(); }
};

struct EventRecord {
    Socket* socket;
    u32 what;
};

class RecordingEvents final : public Events {
public:
    std::vector<EventRecord> records;
    void changed(Socket& socket, u32 what) override { records.push_back({&socket, what}); }
    u32 for_socket(const Socket* s) const {
        u32 all = 0;
        for (auto& r : records)
            if (r.socket == s) all |= r.what;
        return all;
    }
    void clear() { records.clear(); }
};

class VectorSource final : public ByteSource {
public:
    explicit VectorSource(const std::vector<u8>& data) : m_data(data) {}
    Result<void> copy_in(usize offset, u8* destination, usize length) const override {
        if (offset + length > m_data.size()) return Error(EFAULT);
        if (length) std::memcpy(destination, m_data.data() + offset, length);
        return {};
    }

private:
    const std::vector<u8>& m_data;
};

class VectorSink final : public ByteSink {
public:
    explicit VectorSink(std::vector<u8>& data) : m_data(data) {}
    Result<void> copy_out(usize offset, const u8* source, usize length) const override {
        if (offset + length > m_data.size()) return Error(EFAULT);
        if (length) std::memcpy(m_data.data() + offset, source, length);
        return {};
    }

private:
    std::vector<u8>& m_data;
};

inline std::vector<u8> pattern(usize n, u32 seed = 1) {
    std::vector<u8> v(n);
    u32 x = seed * 2654435761u + 1;
    for (usize i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        v[i] = static_cast<u8>(x >> 16);
    }
    return v;
}

// A segment to inject, packetdrill style.
struct Spec {
    Spec() = default;
    Spec(u8 f, u32 s, u32 a, u16 w) : flags(f), seq(s), ack(a), window(w) {}
    u8 flags = 0;
    u32 seq = 0;
    u32 ack = 0;
    u16 window = 65535;
    std::vector<u8> data;
    OutgoingOptions options;
    std::vector<SackBlock> sack;
    u16 source_port = 40000;
    u16 destination_port = 8080;
};

inline std::vector<u8> build_segment(const Spec& spec, Ipv4Address source, Ipv4Address destination) {
    HeaderFields fields;
    fields.source_port = spec.source_port;
    fields.destination_port = spec.destination_port;
    fields.seq = spec.seq;
    fields.ack = spec.ack;
    fields.flags = spec.flags;
    fields.window = spec.window;
    OutgoingOptions options = spec.options;
    if (!spec.sack.empty()) {
        options.sack = spec.sack.data();
        options.sack_count = static_cast<u8>(spec.sack.size());
    }
    u8 header[kMaxHeaderLength];
    usize length = write_header(header, fields, options);
    std::vector<u8> bytes(header, header + length);
    bytes.insert(bytes.end(), spec.data.begin(), spec.data.end());
    Checksum sum;
    sum.add_pseudo_header(source, destination, kProtoTcp, static_cast<u16>(bytes.size()));
    sum.add(bytes.data(), bytes.size());
    store_be16(bytes.data() + 16, sum.finish());
    return bytes;
}

inline Segment parse(const SentPacket& p) {
    Segment seg;
    EXPECT_TRUE(parse_segment(p.bytes.data(), p.bytes.size(), seg));
    return seg;
}

inline bool checksum_ok(const SentPacket& p) {
    Checksum sum;
    sum.add_pseudo_header(p.source, p.destination, kProtoTcp, static_cast<u16>(p.bytes.size()));
    sum.add(p.bytes.data(), p.bytes.size());
    return sum.verifies();
}

// One Tcp with a fake clock, a capturing IP layer, and a scripted peer at kPeer:40000.
class Harness {
public:
    FakeIp ip;
    SeededRandom random{42};
    RecordingEvents events;
    Tcp* tcp = nullptr;
    Nanos now = 1000 * kSecond;
    usize consumed = 0;  // packets of ip.sent already looked at

    explicit Harness(const Config& config = Config{}) { tcp = Tcp::create(ip, random, events, config).value(); }
    ~Harness() { delete tcp; }

    void inject(const Spec& spec, bool verified = false) {
        auto bytes = build_segment(spec, kPeer, kLocal);
        IpPacketInfo info;
        info.source = kPeer;
        info.destination = kLocal;
        info.protocol = kProtoTcp;
        info.checksum_verified = verified;
        tcp->receive(info, bytes.data(), bytes.size(), now);
    }
    void advance(Nanos delta) {
        Nanos until = now + delta;
        for (;;) {
            Nanos due = tcp->next_deadline();
            if (due == kNoDeadline || due > until) break;
            if (due > now) now = due;
            tcp->on_timers(now);
        }
        now = until;
    }
    // The next segment sent, or fails the test.
    Segment next() {
        EXPECT_LT(consumed, ip.sent.size()) << "expected a segment";
        if (consumed >= ip.sent.size()) return Segment{};
        EXPECT_TRUE(checksum_ok(ip.sent[consumed]));
        return parse(ip.sent[consumed++]);
    }
    const SentPacket& last_packet() const { return ip.sent[consumed - 1]; }
    std::vector<u8> last_data() const {
        Segment seg;
        parse_segment(ip.sent[consumed - 1].bytes.data(), ip.sent[consumed - 1].bytes.size(), seg);
        return std::vector<u8>(seg.data, seg.data + seg.data_length);
    }
    usize pending() const { return ip.sent.size() - consumed; }
    void expect_nothing() { EXPECT_EQ(pending(), 0u) << "unexpected segment"; }

    // Listens on 8080 and completes a handshake with the scripted peer (ISN 1000, so its
    // data starts at 1001). Returns the accepted socket; `our_seq` gets our ISN + 1.
    Socket* listener = nullptr;
    u32 our_seq = 0;
    Socket* accept_connection(OutgoingOptions syn_options = default_syn_options(), int backlog = 16) {
        listener = tcp->create_socket().value();
        EXPECT_TRUE(listener->bind({kIpv4Any, 8080}, {}).is_ok());
        EXPECT_TRUE(listener->listen(backlog, now).is_ok());
        Spec syn;
        syn.flags = flags::kSyn;
        syn.seq = 1000;
        syn.options = syn_options;
        inject(syn);
        Segment synack = next();
        EXPECT_EQ(synack.flags, flags::kSyn | flags::kAck);
        EXPECT_EQ(synack.ack, 1001u);
        our_seq = synack.seq + 1;
        Spec ack;
        ack.flags = flags::kAck;
        ack.seq = 1001;
        ack.ack = our_seq;
        ack.window = syn_options.window_scale >= 0 ? 65535 >> 0 : 65535;
        if (syn_options.timestamps) {
            ack.options.timestamps = true;
            ack.options.ts_value = syn_options.ts_value + 1;
            ack.options.ts_echo = synack.options.ts_value;
        }
        inject(ack);
        Socket* s = listener->accept();
        EXPECT_NE(s, nullptr);
        return s;
    }
    static OutgoingOptions default_syn_options() {
        OutgoingOptions o;
        o.mss = 1460;
        return o;
    }

    // Data from the scripted peer.
    void peer_sends(u32 seq, const std::vector<u8>& data, u8 extra_flags = 0, u16 window = 65535) {
        Spec s;
        s.flags = flags::kAck | extra_flags;
        s.seq = seq;
        s.ack = our_seq;
        s.window = window;
        s.data = data;
        inject(s);
    }
    void peer_acks(u32 ack, u16 window = 65535, u32 seq = 1001, std::vector<SackBlock> sack = {}) {
        Spec s;
        s.flags = flags::kAck;
        s.seq = seq;
        s.ack = ack;
        s.window = window;
        s.sack = sack;
        inject(s);
    }

    std::vector<u8> read_all(Socket* s) {
        std::vector<u8> out(s->readable_bytes());
        if (out.empty()) return out;
        VectorSink sink(out);
        auto r = s->receive(sink, out.size(), false, now);
        EXPECT_TRUE(r.is_ok());
        out.resize(r.is_ok() ? r.value() : 0);
        return out;
    }
    usize write(Socket* s, const std::vector<u8>& data, bool more = false) {
        VectorSource source(data);
        auto r = s->send(source, data.size(), more, now);
        return r.is_ok() ? r.value() : 0;
    }
};

}  // namespace tcp_test
