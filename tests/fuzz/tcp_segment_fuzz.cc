// libFuzzer target: arbitrary bytes as TCP segments into a Tcp instance with a listener
// (port 80) and an established connection (10.0.0.2:40000 -> 10.0.0.1:80), with time
// moving on and the application reading and writing in between. Build:
//   clang++ -std=gnu++20 -g -O1 -fsanitize=fuzzer,address,undefined -Ilibs \
//     tests/fuzz/tcp_segment_fuzz.cc libs/net/tcp/*.cc libs/net/checksum.cc \
//     libs/crypto/siphash.cc -o tcp_segment_fuzz
//
// The input is a sequence of records: a control byte, a 16-bit length, that many segment
// bytes. Control bits: 1 = write the correct checksum (to get past it), 2 = address the
// established connection (its ports), 4 = put the sequence and acknowledgement numbers
// where the connection expects them (to get past the window checks), 8 = the device
// verified the checksum, 16 = the application reads, writes and sometimes closes,
// 32 = advance the clock by (length & 0xff) * 10 ms and run the timers.
// Everything TCP sends must parse and carry a correct checksum.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "fuzz_random.h"
#include "net/checksum.h"
#include "net/tcp/tcp.h"

namespace {

using namespace net;
using namespace net::tcp;

constexpr Ipv4Address kLocal = Ipv4Address::from_octets(10, 0, 0, 1);
constexpr Ipv4Address kPeer = Ipv4Address::from_octets(10, 0, 0, 2);

// Checks and remembers what TCP sends; the last segment to the peer's port tells where
// the connection's sequence numbers are.
class Ip final : public IpSender {
public:
    Result<void> send(Ipv4Address source, Ipv4Address destination, u8 protocol, const Gather& payload,
                      const IpSendOptions& options, Nanos) override {
        if (protocol != kProtoTcp || payload.length() < kHeaderLength || payload.length() > 70000) __builtin_trap();
        static u8 bytes[70000];
        usize length = payload.copy_out(0, bytes, payload.length());
        if (options.checksum_field != 16) __builtin_trap();
        Checksum partial;
        partial.add(bytes, length);
        store_be16(bytes + 16, partial.finish());
        Checksum check;
        check.add_pseudo_header(source, destination, kProtoTcp, static_cast<u16>(length));
        check.add(bytes, length);
        if (!check.verifies()) __builtin_trap();
        Segment seg;
        if (!parse_segment(bytes, length, seg)) __builtin_trap();
        if (seg.destination_port == 40000) {
            peer_seq = seg.ack;
            peer_ack = seg.seq + seg.sequence_length();
        }
        return {};
    }
    Result<Ipv4Address> source_for(Ipv4Address) const override { return kLocal; }
    usize max_payload(Ipv4Address) const override { return 1480; }
    bool is_local(Ipv4Address address) const override { return address == kLocal; }
    u32 peer_seq = 0;
    u32 peer_ack = 0;
};

class NoEvents final : public Events {
public:
    void changed(Socket&, u32) override {}
};

class Bytes final : public ByteSource, public ByteSink {
public:
    Result<void> copy_in(usize, u8* destination, usize length) const override {
        memset(destination, 'x', length);
        return {};
    }
    Result<void> copy_out(usize, const u8*, usize) const override { return {}; }
};

void inject(Tcp& tcp, const u8* bytes, usize length, bool verified, Nanos now) {
    IpPacketInfo info;
    info.source = kPeer;
    info.destination = kLocal;
    info.protocol = kProtoTcp;
    info.checksum_verified = verified;
    tcp.receive(info, bytes, length, now);
}

void fix_checksum(u8* bytes, usize length) {
    store_be16(bytes + 16, 0);
    Checksum sum;
    sum.add_pseudo_header(kPeer, kLocal, kProtoTcp, static_cast<u16>(length));
    sum.add(bytes, length);
    store_be16(bytes + 16, sum.finish());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzRandom random;
    Ip ip;
    NoEvents events;
    Tcp* tcp = Tcp::create(ip, random, events).value();
    Nanos now = 1000 * kSecond;
    Socket* listener = tcp->create_socket().value();
    (void)listener->bind({kIpv4Any, 80}, {});
    (void)listener->listen(4, now);

    // The established connection: a scripted handshake.
    u8 handshake[40] = {};
    store_be16(handshake, 40000);
    store_be16(handshake + 2, 80);
    store_be32(handshake + 4, 5000);
    handshake[12] = 6 << 4;
    handshake[13] = flags::kSyn;
    store_be16(handshake + 14, 65535);
    handshake[20] = option::kMss;
    handshake[21] = 4;
    store_be16(handshake + 22, 1460);
    fix_checksum(handshake, 24);
    inject(*tcp, handshake, 24, false, now);
    u8 ack[20] = {};
    store_be16(ack, 40000);
    store_be16(ack + 2, 80);
    store_be32(ack + 4, 5001);
    store_be32(ack + 8, ip.peer_ack);
    ack[12] = 5 << 4;
    ack[13] = flags::kAck;
    store_be16(ack + 14, 65535);
    fix_checksum(ack, 20);
    inject(*tcp, ack, 20, false, now);
    Socket* connection = listener->accept();

    Bytes io;
    static u8 segment[65536];
    usize at = 0;
    while (at + 3 <= size) {
        u8 control = data[at];
        usize length = static_cast<usize>(data[at + 1]) << 8 | data[at + 2];
        at += 3;
        if (length > size - at) length = size - at;
        memcpy(segment, data + at, length);
        at += length;
        if (length >= kHeaderLength) {
            if (control & 2) {
                store_be16(segment, 40000);
                store_be16(segment + 2, 80);
            }
            if (control & 4) {
                store_be32(segment + 4, ip.peer_seq);
                store_be32(segment + 8, ip.peer_ack);
            }
        }
        if ((control & 1) && length >= kHeaderLength) fix_checksum(segment, length);
        inject(*tcp, segment, length, control & 8, now);
        if ((control & 16) && connection) {
            (void)connection->receive(io, 1 + (length & 0xfff), length & 1, now);
            (void)connection->send(io, length & 0x3fff, length & 2, now);
            if ((length & 0x700) == 0x700) {
                connection->close(now);
                connection = nullptr;
            }
        }
        if (control & 32) {
            now += static_cast<Nanos>(length & 0xff) * 10 * kMillisecond;
            if (tcp->next_deadline() != kNoDeadline && tcp->next_deadline() <= now) tcp->on_timers(now);
        }
        while (Socket* s = listener->accept()) s->close(now);
        if (tcp->socket_count() > 64) __builtin_trap();  // bounded by the backlog
    }
    if (connection) connection->close(now);
    listener->close(now);
    delete tcp;
    return 0;
}
