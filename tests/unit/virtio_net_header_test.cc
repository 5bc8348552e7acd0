#include <gtest/gtest.h>

#include "virtio/net_header.h"

namespace {

TEST(VirtioNetHeader, PlainTransmitHeaderIsAllZeros) {
    u8 header[virtio::kNetHeaderSize];
    std::fill(std::begin(header), std::end(header), 0xee);
    virtio::write_net_header(header, nullptr);
    for (u8 b : header) EXPECT_EQ(b, 0);
}

TEST(VirtioNetHeader, PartialChecksumBecomesNeedsCsumWithStartAndOffset) {
    u8 header[virtio::kNetHeaderSize] = {};
    net::PartialChecksum partial{34, 16};  // a TCP checksum after Ethernet + IPv4 headers
    virtio::write_net_header(header, &partial);
    EXPECT_EQ(header[0], virtio::kNetHeaderNeedsCsum);
    EXPECT_EQ(header[1], 0) << "no segmentation";
    EXPECT_EQ(header[6] | header[7] << 8, 34);
    EXPECT_EQ(header[8] | header[9] << 8, 16);
    EXPECT_EQ(header[10] | header[11] << 8, 0);
}

TEST(VirtioNetHeader, PartialChecksumMustLieInsideTheFrame) {
    EXPECT_TRUE(virtio::partial_checksum_fits({34, 16}, 54));
    EXPECT_FALSE(virtio::partial_checksum_fits({34, 16}, 51));
    EXPECT_FALSE(virtio::partial_checksum_fits({0xffff, 0xffff}, 1514));
}

TEST(VirtioNetHeader, ReceivedChecksumStateCountsOnlyWithGuestCsum) {
    u8 valid[virtio::kNetHeaderSize] = {virtio::kNetHeaderDataValid};
    u8 partial[virtio::kNetHeaderSize] = {virtio::kNetHeaderNeedsCsum};
    u8 plain[virtio::kNetHeaderSize] = {};
    EXPECT_TRUE(virtio::read_net_header(valid, true, true).checksum_verified);
    EXPECT_TRUE(virtio::read_net_header(partial, true, true).checksum_verified);
    EXPECT_FALSE(virtio::read_net_header(plain, true, true).checksum_verified);
    EXPECT_FALSE(virtio::read_net_header(valid, true, false).checksum_verified)
        << "a device that was not allowed to send checksum state is not believed";
}

TEST(VirtioNetHeader, NumBuffersIsReadOnlyWithMergedBuffers) {
    u8 header[virtio::kNetHeaderSize] = {};
    header[10] = 3;
    EXPECT_EQ(virtio::read_net_header(header, true, false).num_buffers, 3);
    EXPECT_EQ(virtio::read_net_header(header, false, false).num_buffers, 1);
}

}  // namespace
