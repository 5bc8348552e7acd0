// libFuzzer target: arbitrary Ethernet frames into a NetStack with eth0 configured
// (10.0.2.15/24, gateway 10.0.2.2), a bound UDP socket and a registered protocol 6, with
// time moving on. Build:
//   clang++ -std=gnu++20 -g -O1 -fsanitize=fuzzer,address,undefined -Ilibs \
//     tests/fuzz/net_stack_fuzz.cc $(find libs/net -name "*.cc") -o net_stack_fuzz
//
// The input is a sequence of records: a control byte, a 16-bit length, that many frame
// bytes. Control bits: 1 = rewrite the IPv4 header checksum (so the fuzzer gets past it),
// 2 = the device verified the transport checksum, 4 = advance the clock by (control >> 3)
// seconds and run the timers, after the frame.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "fuzz_random.h"
#include "net/checksum.h"
#include "net/stack.h"

namespace {

using namespace net;

class Sink final : public FrameSink {
public:
    Result<void> transmit(const Gather& frame, const PartialChecksum*) override {
        // Touch every byte: ASan sees any run that points at freed or foreign memory.
        u8 copy[70000];
        if (frame.length() > sizeof copy) __builtin_trap();
        frame.copy_out(0, copy, frame.length());
        return {};
    }
    bool offloads_checksum() const override { return offload; }
    bool offload = false;
};

class Callbacks final : public NetStack::Callbacks {
public:
    void changed(udp::Socket&, u32) override {}
    void address_configured(const Interface&, const IpConfig&) override {}
    void address_removed(const Interface&) override {}
};

volatile u8 g_touched;

// Reads every byte it is given, so ASan checks the whole extent the stack claims.
void touch(const u8* bytes, usize length) {
    u8 x = 0;
    for (usize i = 0; i < length; i++) x ^= bytes[i];
    g_touched = x;
}

class Tcp final : public IpProtocolHandler {
public:
    void receive(const IpPacketInfo&, const u8* payload, usize length, Nanos) override { touch(payload, length); }
    void icmp_error(u8, u8, u16, const u8* quoted, usize length, Nanos) override { touch(quoted, length); }
};

class Sink8 final : public ByteSink {
public:
    Result<void> copy_out(usize offset, const u8* source, usize length) const override {
        if (offset + length > sizeof m_bytes) __builtin_trap();
        std::memcpy(m_bytes + offset, source, length);
        return {};
    }
    mutable u8 m_bytes[65536];
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static constexpr MacAddress kMac{{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}};
    FuzzRandom random;
    Callbacks callbacks;
    Sink sink;
    sink.offload = size & 1;
    Tcp tcp;
    NetStack stack(random, callbacks);
    Nanos now = kSecond;
    unsigned eth0 = stack.add_ethernet("eth0", kMac, 1500, sink).value();
    stack.set_link(eth0, true, now);
    IpConfig config;
    config.address = {Ipv4Address::from_octets(10, 0, 2, 15), 24};
    config.gateway = Ipv4Address::from_octets(10, 0, 2, 2);
    (void)stack.configure_static(eth0, config, now);
    (void)stack.register_protocol(kProtoTcp, tcp);
    udp::Socket* socket = stack.udp().create_socket().value();
    (void)socket->bind({kIpv4Any, 5000});
    udp::Socket* connected = stack.udp().create_socket().value();
    (void)connected->connect({Ipv4Address::from_octets(10, 0, 2, 20), 53});

    static u8 frame[65536 + 64];
    size_t at = 0;
    while (at + 3 <= size) {
        u8 control = data[at];
        size_t length = static_cast<size_t>(data[at + 1]) << 8 | data[at + 2];
        at += 3;
        if (length > size - at) length = size - at;
        std::memcpy(frame, data + at, length);
        at += length;
        if ((control & 1) && length >= 34 && (frame[14] >> 4) == 4) {
            usize ihl = static_cast<usize>(frame[14] & 0xf) * 4;
            if (ihl >= 20 && 14 + ihl <= length) {
                store_be16(frame + 24, 0);
                store_be16(frame + 24, internet_checksum(frame + 14, ihl));
            }
        }
        stack.receive_frame(eth0, frame, length, control & 2, now);
        if (control & 4) {
            now += static_cast<Nanos>(control >> 3) * kSecond;
            stack.on_timers(now);
        }
        Sink8 out;
        while (socket->readable() || socket->has_error()) (void)socket->receive(out, sizeof out.m_bytes, false);
        while (connected->readable() || connected->has_error())
            (void)connected->receive(out, sizeof out.m_bytes, false);
    }
    stack.run_pending(now);
    // Whatever happened, everything held must drain: timers far in the future.
    stack.on_timers(now + 3600 * kSecond);
    socket->close();
    connected->close();
    return 0;
}
