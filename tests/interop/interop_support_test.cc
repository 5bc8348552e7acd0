// The interop program's own parts that decide what a test means: the impairments (a
// profile must lose, delay and reorder what it claims) and the HTTP head parser (a body
// must start where the head ends).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http_head.h"
#include "impaired_path.h"

namespace interop {
namespace {

constexpr Nanos kStart = 1000 * net::kSecond;

std::vector<u8> frame_numbered(u32 n, usize length = 100) {
    std::vector<u8> frame(length, 0);
    for (int i = 0; i < 4; i++) frame[14 + i] = static_cast<u8>(n >> (8 * i));
    return frame;
}

u32 number_of(const u8* frame) {
    u32 n = 0;
    for (int i = 0; i < 4; i++) n |= static_cast<u32>(frame[14 + i]) << (8 * i);
    return n;
}

std::vector<u32> release(ImpairedPath& path, Nanos now) {
    std::vector<u32> out;
    path.release_due(now, [&](const u8* frame, usize) { out.push_back(number_of(frame)); });
    return out;
}

TEST(ImpairedPath, WithoutImpairmentFramesPassAtOnceInOrder) {
    ImpairedPath path({}, 1);
    for (u32 i = 0; i < 5; i++) path.push(frame_numbered(i).data(), 100, kStart);
    EXPECT_EQ(release(path, kStart), (std::vector<u32>{0, 1, 2, 3, 4}));
    EXPECT_TRUE(path.empty());
}

TEST(ImpairedPath, DelayHoldsFramesUntilTheirTime) {
    ImpairedPath path({.delay = 20 * net::kMillisecond}, 1);
    path.push(frame_numbered(7).data(), 100, kStart);
    EXPECT_EQ(path.next_due(), kStart + 20 * net::kMillisecond);
    EXPECT_TRUE(release(path, kStart + 19 * net::kMillisecond).empty());
    EXPECT_EQ(release(path, kStart + 20 * net::kMillisecond), std::vector<u32>{7});
}

TEST(ImpairedPath, LossDropsAboutTheAskedShare) {
    ImpairedPath path({.loss_per_mille = 50}, 3);
    for (u32 i = 0; i < 10000; i++) path.push(frame_numbered(i).data(), 100, kStart);
    usize passed = release(path, kStart).size();
    EXPECT_EQ(path.counters().lost + passed, 10000u);
    EXPECT_GT(path.counters().lost, 400u);  // 5% of 10000 is 500
    EXPECT_LT(path.counters().lost, 600u);
}

TEST(ImpairedPath, TheSameSeedImpairsTheSameFrames) {
    Impairment impairment{.loss_per_mille = 100, .duplicate_per_mille = 50};
    ImpairedPath a(impairment, 42), b(impairment, 42);
    for (u32 i = 0; i < 1000; i++) {
        a.push(frame_numbered(i).data(), 100, kStart);
        b.push(frame_numbered(i).data(), 100, kStart);
    }
    EXPECT_EQ(release(a, kStart), release(b, kStart));
}

TEST(ImpairedPath, DuplicatedFramesArriveTwice) {
    ImpairedPath path({.duplicate_per_mille = 1000}, 1);
    path.push(frame_numbered(3).data(), 100, kStart);
    EXPECT_EQ(release(path, kStart), (std::vector<u32>{3, 3}));
    EXPECT_EQ(path.counters().duplicated, 1u);
}

TEST(ImpairedPath, ReorderedFramesOvertakeDelayedOnes) {
    ImpairedPath path({.reorder_per_mille = 500, .delay = 10 * net::kMillisecond}, 5);
    for (u32 i = 0; i < 100; i++) path.push(frame_numbered(i).data(), 100, kStart);
    std::vector<u32> at_once = release(path, kStart);
    std::vector<u32> later = release(path, kStart + 10 * net::kMillisecond);
    EXPECT_EQ(at_once.size(), path.counters().reordered);
    EXPECT_GT(at_once.size(), 30u);
    EXPECT_GT(later.size(), 30u);
    EXPECT_EQ(at_once.size() + later.size(), 100u);
}

TEST(ImpairedPath, JitterKeepsTheDelayWithinItsBounds) {
    ImpairedPath path({.delay = 20 * net::kMillisecond, .jitter = 5 * net::kMillisecond}, 9);
    for (u32 i = 0; i < 1000; i++) path.push(frame_numbered(i).data(), 100, kStart);
    EXPECT_TRUE(release(path, kStart + 15 * net::kMillisecond - 1).empty());
    std::vector<u32> early = release(path, kStart + 20 * net::kMillisecond);
    std::vector<u32> rest = release(path, kStart + 25 * net::kMillisecond);
    EXPECT_GT(early.size(), 300u);  // about half each side of the mean
    EXPECT_GT(rest.size(), 300u);
    EXPECT_EQ(early.size() + rest.size(), 1000u);
}

TEST(ImpairedPath, CorruptionFlipsOneBitPastTheEthernetHeader) {
    ImpairedPath path({.corrupt_per_mille = 1000}, 11);
    for (u32 round = 0; round < 200; round++) {
        std::vector<u8> original(60, 0xa5);
        path.push(original.data(), original.size(), kStart);
        path.release_due(kStart, [&](const u8* frame, usize length) {
            ASSERT_EQ(length, original.size());
            int flipped_bits = 0;
            for (usize i = 0; i < length; i++) {
                if (i < 14) {
                    EXPECT_EQ(frame[i], original[i]) << "byte " << i;
                }
                flipped_bits += __builtin_popcount(frame[i] ^ original[i]);
            }
            EXPECT_EQ(flipped_bits, 1);
        });
    }
}

TEST(HttpHead, AnIncompleteHeadIsEAGAIN) { EXPECT_EQ(parse_head("GET / HTTP/1.1\r\nHost: x\r\n").error(), EAGAIN); }

TEST(HttpHead, FieldsAndTheBodyOffset) {
    std::string message =
        "PUT /f HTTP/1.1\r\nHost: 10.99.0.2\r\ncontent-length:  12 \r\nExpect: 100-continue\r\n\r\nbody";
    auto head = parse_head(message);
    ASSERT_TRUE(head.is_ok());
    EXPECT_EQ(head.value().start_line, "PUT /f HTTP/1.1");
    EXPECT_EQ(head.value().size, message.size() - 4);
    EXPECT_EQ(head.value().content_length().value(), 12u);
    ASSERT_NE(head.value().field("EXPECT"), nullptr);
    EXPECT_EQ(*head.value().field("expect"), "100-continue");
    EXPECT_EQ(head.value().field("Range"), nullptr);
}

TEST(HttpHead, ContentLengthMustBeDecimal) {
    EXPECT_EQ(parse_head("HTTP/1.0 200 OK\r\nContent-Length: 1e3\r\n\r\n").value().content_length().error(), EINVAL);
    EXPECT_EQ(parse_head("HTTP/1.0 200 OK\r\n\r\n").value().content_length().error(), ENOENT);
}

TEST(HttpHead, AFieldWithoutAColonIsEINVAL) { EXPECT_EQ(parse_head("GET / HTTP/1.1\r\nHost\r\n\r\n").error(), EINVAL); }

TEST(HttpHead, AnEndlessHeadIsEMSGSIZE) {
    std::string endless = "GET / HTTP/1.1\r\nX: " + std::string(HttpHead::kMaxSize, 'a');
    EXPECT_EQ(parse_head(endless).error(), EMSGSIZE);
}

TEST(HttpHead, RequestAndStatusLines) {
    auto request = parse_request_line("GET /download.bin HTTP/1.0");
    ASSERT_TRUE(request.is_ok());
    EXPECT_EQ(request.value().method, "GET");
    EXPECT_EQ(request.value().target, "/download.bin");
    EXPECT_EQ(parse_request_line("GET /x").error(), EINVAL);
    EXPECT_EQ(parse_status_line("HTTP/1.0 200 OK").value(), 200);
    EXPECT_EQ(parse_status_line("HTTP/1.1 404").value(), 404);
    EXPECT_EQ(parse_status_line("HTTP/1.1 2000 OK").error(), EINVAL);
    EXPECT_EQ(parse_status_line("ICY 200 OK").error(), EINVAL);
}

}  // namespace
}  // namespace interop
