// libFuzzer target: the DHCP message parser, and the client state machine fed with
// arbitrary replies that carry its transaction ID and MAC (so they get past the first
// checks). Build:
//   clang++ -std=gnu++20 -g -O1 -fsanitize=fuzzer,address,undefined -Ilibs \
//     tests/fuzz/dhcp_message_fuzz.cc libs/net/dhcp/*.cc -o dhcp_message_fuzz
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "net/dhcp/client.h"
#include "net/dhcp/message.h"

namespace {

using namespace net;
using namespace net::dhcp;

class Random final : public RandomSource {
public:
    u64 next_u64() override { return m_state = m_state * 6364136223846793005ull + 1442695040888963407ull; }

private:
    u64 m_state = 7;
};

class Output final : public ClientOutput {
public:
    void send_dhcp(const u8* message, usize length, Ipv4Address, Ipv4Address, Nanos) override {
        auto m = parse_message(message, length);
        if (!m) __builtin_trap();  // what we send must parse
        xid = m->xid;
    }
    void lease_acquired(const Lease& lease, Nanos) override {
        if (lease.address.length == 0 || lease.address.length > 32 || lease.dns_count > kMaxDnsServers)
            __builtin_trap();
        usize n = 0;
        while (lease.domain[n]) n++;
        if (n > kMaxNameLength) __builtin_trap();
    }
    void lease_lost(Nanos) override {}
    u32 xid = 0;
};

constexpr MacAddress kMac{{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    (void)parse_message(data, size);

    Random random;
    Output output;
    Client client(kMac, random, output);
    Nanos now = kSecond;
    client.start("fuzz", now);
    // The input as up to four replies, split on a 0xff 0x00 0xff 0x00 marker, each patched
    // with our xid and MAC; time moves on between them.
    static u8 message[2048];
    size_t at = 0;
    for (int round = 0; round < 4 && at < size; round++) {
        size_t end = at;
        while (end < size && !(end + 4 <= size && data[end] == 0xff && data[end + 1] == 0 && data[end + 2] == 0xff &&
                               data[end + 3] == 0))
            end++;
        size_t length = end - at;
        if (length > sizeof message) length = sizeof message;
        std::memcpy(message, data + at, length);
        if (length >= 240) {
            store_be32(message + 4, output.xid);
            kMac.store(message + 28);
            store_be32(message + 236, 0x63825363);
        }
        client.receive(message, length, now);
        now += static_cast<Nanos>(length) * kSecond * 37;
        client.on_timers(now);
        at = end + 4;
    }
    client.stop(now);
    return 0;
}
