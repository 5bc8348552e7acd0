#include <gtest/gtest.h>

#include "net/ipv4/reassembly.h"
#include "net_test_support.h"

namespace {

using namespace nettest;
using ipv4::Reassembler;

struct Fragment {
    Bytes packet;
    ipv4::Header header;
};

// The fragments of a datagram of `data`, `chunk` bytes each (a multiple of 8).
std::vector<Fragment> fragment(const Bytes& data, usize chunk, u16 id = 7) {
    std::vector<Fragment> out;
    for (usize offset = 0; offset < data.size(); offset += chunk) {
        usize n = std::min(chunk, data.size() - offset);
        IpFields f;
        f.id = id;
        f.fragment_offset = static_cast<u16>(offset);
        f.more_fragments = offset + n < data.size();
        Fragment frag;
        frag.packet = ipv4_packet(f, Bytes(data.begin() + offset, data.begin() + offset + n));
        EXPECT_EQ(ipv4::parse_header(frag.packet.data(), frag.packet.size(), frag.header), ipv4::HeaderError::None);
        out.push_back(frag);
    }
    return out;
}

PacketBuffer add(Reassembler& r, const Fragment& f, Nanos now = 0) { return r.add(f.header, f.packet.data(), now); }

void expect_whole(const PacketBuffer& b, const Bytes& data) {
    ASSERT_TRUE(b);
    ipv4::Header h;
    ASSERT_EQ(ipv4::parse_header(b.data(), b.length(), h), ipv4::HeaderError::None);
    EXPECT_FALSE(h.is_fragment());
    EXPECT_EQ(h.payload_length(), data.size());
    EXPECT_EQ(Bytes(b.data() + h.header_length, b.data() + b.length()), data);
}

TEST(Reassembly, InOrderFragmentsMakeTheDatagram) {
    ipv4::IpStats stats;
    Reassembler r(stats);
    Bytes data = pattern(3000);
    auto frags = fragment(data, 1480);
    ASSERT_EQ(frags.size(), 3u);
    EXPECT_FALSE(add(r, frags[0]));
    EXPECT_FALSE(add(r, frags[1]));
    expect_whole(add(r, frags[2]), data);
    EXPECT_EQ(stats.reasm_reqds, 3u);
    EXPECT_EQ(stats.reasm_oks, 1u);
    EXPECT_EQ(r.datagrams_in_progress(), 0u);
    EXPECT_EQ(r.bytes_held(), 0u);
}

TEST(Reassembly, ReversedOrderWorksToo) {
    ipv4::IpStats stats;
    Reassembler r(stats);
    Bytes data = pattern(2000, 3);
    auto frags = fragment(data, 504);
    for (usize i = frags.size() - 1; i > 0; i--) EXPECT_FALSE(add(r, frags[i]));
    expect_whole(add(r, frags[0]), data);
}

TEST(Reassembly, AnExactDuplicateIsIgnored) {
    ipv4::IpStats stats;
    Reassembler r(stats);
    Bytes data = pattern(1600);
    auto frags = fragment(data, 800);
    EXPECT_FALSE(add(r, frags[0]));
    EXPECT_FALSE(add(r, frags[0]));
    expect_whole(add(r, frags[1]), data);
    EXPECT_EQ(stats.reasm_fails, 0u);
}

TEST(Reassembly, OverlappingFragmentsDropTheWholeDatagram) {
    ipv4::IpStats stats;
    Reassembler r(stats);
    Bytes data = pattern(1600);
    auto frags = fragment(data, 800);
    EXPECT_FALSE(add(r, frags[0]));
    // Bytes 400..1200 with other contents: a classic overlap attack.
    IpFields f;
    f.id = 7;
    f.fragment_offset = 400;
    f.more_fragments = true;
    Fragment evil;
    evil.packet = ipv4_packet(f, Bytes(800, 0xee));
    ASSERT_EQ(ipv4::parse_header(evil.packet.data(), evil.packet.size(), evil.header), ipv4::HeaderError::None);
    EXPECT_FALSE(add(r, evil));
    EXPECT_EQ(stats.reasm_fails, 1u);
    EXPECT_EQ(r.datagrams_in_progress(), 0u);
    // What is left of it no longer completes anything.
    EXPECT_FALSE(add(r, frags[1]));
}

TEST(Reassembly, ASameOffsetDuplicateWithOtherDataIsAnOverlap) {
    ipv4::IpStats stats;
    Reassembler r(stats);
    auto frags = fragment(pattern(1600), 800);
    EXPECT_FALSE(add(r, frags[0]));
    auto other = fragment(pattern(1600, 99), 800);
    EXPECT_FALSE(add(r, other[0]));
    EXPECT_EQ(stats.reasm_fails, 1u);
}

TEST(Reassembly, InconsistentLengthsDropTheDatagram) {
    ipv4::IpStats stats;
    Reassembler r(stats);
    auto frags = fragment(pattern(1600), 800);
    // A middle fragment whose length is not a multiple of 8.
    IpFields f;
    f.id = 9;
    f.more_fragments = true;
    Fragment odd;
    odd.packet = ipv4_packet(f, Bytes(801, 1));
    ASSERT_EQ(ipv4::parse_header(odd.packet.data(), odd.packet.size(), odd.header), ipv4::HeaderError::None);
    EXPECT_FALSE(add(r, odd));
    EXPECT_EQ(stats.reasm_fails, 1u);
    // A second "last" fragment that ends elsewhere.
    EXPECT_FALSE(add(r, frags[1]));
    auto shorter = fragment(pattern(1608), 800);
    EXPECT_FALSE(add(r, shorter[2]));
    EXPECT_EQ(stats.reasm_fails, 2u);
}

TEST(Reassembly, DatagramsTimeOutAfterThirtySecondsAndQuoteTheirFirstFragment) {
    ipv4::IpStats stats;
    Reassembler r(stats);
    auto frags = fragment(pattern(1600), 800);
    EXPECT_FALSE(add(r, frags[0], 100));
    EXPECT_EQ(r.next_deadline(), 100 + 30 * kSecond);
    std::vector<Bytes> quotes;
    r.on_timers(99 + 30 * kSecond, [&](const u8* q, usize n) { quotes.push_back(Bytes(q, q + n)); });
    EXPECT_EQ(r.datagrams_in_progress(), 1u);
    r.on_timers(100 + 30 * kSecond, [&](const u8* q, usize n) { quotes.push_back(Bytes(q, q + n)); });
    EXPECT_EQ(r.datagrams_in_progress(), 0u);
    EXPECT_EQ(stats.reasm_timeout, 1u);
    ASSERT_EQ(quotes.size(), 1u);
    ASSERT_EQ(quotes[0].size(), 28u);  // the header and 8 bytes of data
    EXPECT_EQ(Bytes(quotes[0].begin(), quotes[0].begin() + 28),
              Bytes(frags[0].packet.begin(), frags[0].packet.begin() + 28));
    // Without its first fragment, a datagram times out silently.
    EXPECT_FALSE(add(r, frags[1], 200 * kSecond));
    r.on_timers(300 * kSecond, [&](const u8* q, usize n) { quotes.push_back(Bytes(q, q + n)); });
    EXPECT_EQ(quotes.size(), 1u);
}

TEST(Reassembly, TooManyDatagramsEvictTheOldest) {
    ipv4::IpStats stats;
    ipv4::ReassemblyConfig config;
    config.max_datagrams = 4;
    Reassembler r(stats, config);
    std::vector<std::vector<Fragment>> datagrams;
    for (u16 id = 1; id <= 5; id++) {
        datagrams.push_back(fragment(pattern(1600, static_cast<u8>(id)), 800, id));
        EXPECT_FALSE(add(r, datagrams.back()[0], id));
    }
    EXPECT_EQ(r.datagrams_in_progress(), 4u);
    EXPECT_EQ(stats.reasm_fails, 1u);
    EXPECT_FALSE(add(r, datagrams[0][1], 10));  // the first one was evicted
    expect_whole(add(r, datagrams[4][1], 10), pattern(1600, 5));
}

TEST(Reassembly, HeldBytesAreBoundedAndTinyFragmentsCountTheirOverhead) {
    ipv4::IpStats stats;
    ipv4::ReassemblyConfig config;
    config.max_bytes = 4096;
    config.max_fragments = 1000;
    Reassembler r(stats, config);
    // An endless stream of 8-byte fragments, one datagram: held bytes never pass the cap.
    Bytes data = pattern(8 * 2000);
    auto frags = fragment(data, 8, 42);
    for (usize i = 0; i + 1 < frags.size(); i++) {
        add(r, frags[i]);
        EXPECT_LE(r.bytes_held(), config.max_bytes);
    }
    EXPECT_GT(stats.reasm_fails, 0u);
}

TEST(Reassembly, FragmentsPerDatagramAreBounded) {
    ipv4::IpStats stats;
    ipv4::ReassemblyConfig config;
    config.max_fragments = 10;
    Reassembler r(stats, config);
    auto frags = fragment(pattern(8 * 20), 8);
    for (usize i = 0; i < 11; i++) add(r, frags[i]);
    EXPECT_EQ(stats.reasm_fails, 1u);
    EXPECT_LE(r.datagrams_in_progress(), 1u);
}

}  // namespace
