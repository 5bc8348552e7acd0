// TCP header and option parsing and writing, hostile input included; sequence arithmetic;
// SipHash's reference vector.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "crypto/siphash.h"
#include "net/address.h"
#include "net/tcp/segment.h"
#include "net/tcp/seq.h"

namespace {

using namespace net;
using namespace net::tcp;

std::vector<u8> header_with_options(std::vector<u8> options, u8 flags = flags::kSyn) {
    while (options.size() % 4) options.push_back(option::kEnd);
    std::vector<u8> h(20 + options.size(), 0);
    store_be16(h.data(), 1234);
    store_be16(h.data() + 2, 80);
    store_be32(h.data() + 4, 0x11223344);
    store_be32(h.data() + 8, 0x55667788);
    h[12] = static_cast<u8>((h.size() / 4) << 4);
    h[13] = flags;
    store_be16(h.data() + 14, 512);
    for (usize i = 0; i < options.size(); i++) h[20 + i] = options[i];
    return h;
}

TEST(TcpSeq, ComparesAcrossTheWrap) {
    EXPECT_TRUE(seq_lt(0xfffffff0u, 0x10u));
    EXPECT_TRUE(seq_gt(0x10u, 0xfffffff0u));
    EXPECT_TRUE(seq_le(5u, 5u));
    EXPECT_EQ(seq_max(0xfffffff0u, 0x10u), 0x10u);
    EXPECT_TRUE(seq_in(0u, 0xfffffffeu, 2u));
    EXPECT_FALSE(seq_in(2u, 0xfffffffeu, 2u));
}

TEST(TcpSegment, ParsesHeaderFieldsAndData) {
    auto bytes = header_with_options({}, flags::kAck | flags::kPsh);
    bytes.push_back('h');
    bytes.push_back('i');
    Segment seg;
    ASSERT_TRUE(parse_segment(bytes.data(), bytes.size(), seg));
    EXPECT_EQ(seg.source_port, 1234);
    EXPECT_EQ(seg.destination_port, 80);
    EXPECT_EQ(seg.seq, 0x11223344u);
    EXPECT_EQ(seg.ack, 0x55667788u);
    EXPECT_EQ(seg.window, 512);
    EXPECT_TRUE(seg.has(flags::kPsh));
    EXPECT_EQ(seg.data_length, 2u);
    EXPECT_EQ(seg.data[1], 'i');
    EXPECT_EQ(seg.sequence_length(), 2u);
}

TEST(TcpSegment, ParsesSynOptions) {
    auto bytes = header_with_options({2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 7, 0, 0, 0, 0, 1, 3, 3, 7});
    Segment seg;
    ASSERT_TRUE(parse_segment(bytes.data(), bytes.size(), seg));
    EXPECT_TRUE(seg.options.has_mss);
    EXPECT_EQ(seg.options.mss, 1460);
    EXPECT_TRUE(seg.options.sack_permitted);
    EXPECT_TRUE(seg.options.has_timestamps);
    EXPECT_EQ(seg.options.ts_value, 7u);
    EXPECT_TRUE(seg.options.has_window_scale);
    EXPECT_EQ(seg.options.window_scale, 7);
    EXPECT_EQ(seg.sequence_length(), 1u);
}

TEST(TcpSegment, IgnoresSynOnlyOptionsOutsideSyn) {
    auto bytes = header_with_options({2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2}, flags::kAck);
    Segment seg;
    ASSERT_TRUE(parse_segment(bytes.data(), bytes.size(), seg));
    EXPECT_FALSE(seg.options.has_mss);
    EXPECT_FALSE(seg.options.has_window_scale);
    EXPECT_FALSE(seg.options.sack_permitted);
}

TEST(TcpSegment, ClampsWindowScaleTo14AndIgnoresZeroMss) {
    auto bytes = header_with_options({1, 3, 3, 200, 2, 4, 0, 0});
    Segment seg;
    ASSERT_TRUE(parse_segment(bytes.data(), bytes.size(), seg));
    EXPECT_EQ(seg.options.window_scale, 14);
    EXPECT_FALSE(seg.options.has_mss);
}

TEST(TcpSegment, ParsesSackBlocks) {
    std::vector<u8> opts = {1, 1, 5, 18};
    for (u32 v : {100u, 200u, 300u, 400u}) {
        u8 b[4];
        store_be32(b, v);
        opts.insert(opts.end(), b, b + 4);
    }
    auto bytes = header_with_options(opts, flags::kAck);
    Segment seg;
    ASSERT_TRUE(parse_segment(bytes.data(), bytes.size(), seg));
    ASSERT_EQ(seg.options.sack_count, 2);
    EXPECT_EQ(seg.options.sack[0].start, 100u);
    EXPECT_EQ(seg.options.sack[0].end, 200u);
    EXPECT_EQ(seg.options.sack[1].end, 400u);
}

TEST(TcpSegment, RejectsBadDataOffsets) {
    auto bytes = header_with_options({});
    Segment seg;
    bytes[12] = 4 << 4;  // below 5 words
    EXPECT_FALSE(parse_segment(bytes.data(), bytes.size(), seg));
    bytes[12] = 6 << 4;  // 24 bytes of header in a 20-byte segment
    EXPECT_FALSE(parse_segment(bytes.data(), bytes.size(), seg));
    EXPECT_FALSE(parse_segment(bytes.data(), 19, seg));
    EXPECT_FALSE(parse_segment(bytes.data(), 0, seg));
}

TEST(TcpSegment, StopsAtZeroAndOneLengthOptionsWithoutLooping) {
    for (u8 bad_length : {0, 1}) {
        auto bytes = header_with_options({1, 99, bad_length, 2, 4, 0x05, 0xb4});
        Segment seg;
        ASSERT_TRUE(parse_segment(bytes.data(), bytes.size(), seg));
        EXPECT_FALSE(seg.options.has_mss) << "options after a silly length are not parsed";
    }
}

TEST(TcpSegment, StopsAtTruncatedOptions) {
    // The MSS option claims 4 bytes but only 3 remain in the header.
    auto bytes = header_with_options({1, 1, 1, 1, 1, 2, 4, 5});
    bytes.resize(bytes.size());  // 28-byte header: options end right after "4 5"
    Segment seg;
    ASSERT_TRUE(parse_segment(bytes.data(), bytes.size(), seg));
    EXPECT_FALSE(seg.options.has_mss);
    // A kind as the last byte, without its length.
    auto last = header_with_options({1, 1, 1, 8});
    ASSERT_TRUE(parse_segment(last.data(), last.size(), seg));
    EXPECT_FALSE(seg.options.has_timestamps);
}

TEST(TcpSegment, IgnoresOptionsOfTheWrongLength) {
    auto bytes = header_with_options({2, 3, 5, 8, 9, 0, 0, 0, 0, 0, 0, 0, 5, 6, 0, 0, 0, 0}, flags::kSyn);
    Segment seg;
    ASSERT_TRUE(parse_segment(bytes.data(), bytes.size(), seg));
    EXPECT_FALSE(seg.options.has_mss);
    EXPECT_FALSE(seg.options.has_timestamps);
    EXPECT_EQ(seg.options.sack_count, 0);
}

TEST(TcpSegment, SurvivesRandomBytes) {
    std::mt19937 random(3);
    for (int round = 0; round < 20000; round++) {
        std::vector<u8> bytes(random() % 80);
        for (auto& b : bytes) b = static_cast<u8>(random());
        if (bytes.size() > 12 && round % 2) bytes[12] = static_cast<u8>((5 + random() % 11) << 4);
        Segment seg;
        if (parse_segment(bytes.data(), bytes.size(), seg)) {
            EXPECT_LE(seg.header_length, bytes.size());
            EXPECT_EQ(seg.header_length + seg.data_length, bytes.size());
            EXPECT_LE(seg.options.sack_count, kMaxSackBlocks);
            EXPECT_LE(seg.options.window_scale, kMaxWindowScale);
        }
    }
}

TEST(TcpSegment, WritesWhatItParses) {
    HeaderFields fields{4000, 80, 123456, 654321, flags::kSyn | flags::kAck, 29200};
    OutgoingOptions options;
    options.mss = 1460;
    options.window_scale = 7;
    options.sack_permitted = true;
    options.timestamps = true;
    options.ts_value = 111;
    options.ts_echo = 222;
    u8 buffer[kMaxHeaderLength];
    usize length = write_header(buffer, fields, options);
    EXPECT_EQ(length, 40u);  // Linux's SYN-ACK: mss, sackOK+TS, nop+wscale
    EXPECT_EQ(length, kHeaderLength + options_length(options));
    Segment seg;
    ASSERT_TRUE(parse_segment(buffer, length, seg));
    EXPECT_EQ(seg.seq, 123456u);
    EXPECT_EQ(seg.ack, 654321u);
    EXPECT_EQ(seg.window, 29200);
    EXPECT_EQ(seg.options.mss, 1460);
    EXPECT_EQ(seg.options.window_scale, 7);
    EXPECT_TRUE(seg.options.sack_permitted);
    EXPECT_EQ(seg.options.ts_value, 111u);
    EXPECT_EQ(seg.options.ts_echo, 222u);
}

TEST(TcpSegment, WritesAsManySackBlocksAsFit) {
    SackBlock blocks[4] = {{1, 2}, {3, 4}, {5, 6}, {7, 8}};
    OutgoingOptions options;
    options.timestamps = true;
    options.sack = blocks;
    options.sack_count = 4;
    u8 buffer[kMaxHeaderLength];
    usize length = write_header(buffer, HeaderFields{1, 2, 3, 4, flags::kAck, 5}, options);
    EXPECT_EQ(length, kMaxHeaderLength);
    Segment seg;
    ASSERT_TRUE(parse_segment(buffer, length, seg));
    EXPECT_EQ(seg.options.sack_count, 3);  // 12 bytes of timestamps leave room for 3
    EXPECT_EQ(seg.options.sack[2].end, 6u);
    options.timestamps = false;
    length = write_header(buffer, HeaderFields{1, 2, 3, 4, flags::kAck, 5}, options);
    ASSERT_TRUE(parse_segment(buffer, length, seg));
    EXPECT_EQ(seg.options.sack_count, 4);
}

TEST(SipHash, MatchesTheReferenceVector) {
    // The paper's test vector: key 00..0f, message 00..0e.
    crypto::SipKey key{0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
    u8 message[15];
    for (int i = 0; i < 15; i++) message[i] = static_cast<u8>(i);
    EXPECT_EQ(crypto::siphash24(key, message, sizeof message), 0xa129ca6149be45e5ull);
}

}  // namespace
