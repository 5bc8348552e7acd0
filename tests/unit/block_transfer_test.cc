#include <gtest/gtest.h>

#include <vector>

#include "block/transfer.h"
#include "block/virtio_blk.h"
#include "block/volume_arg.h"

namespace {

using block::Piece;
using block::TransferLimits;

std::vector<Piece> all_pieces(u64 length, u64 max_piece) {
    std::vector<Piece> pieces;
    for (block::Pieces p(length, max_piece); auto piece = p.next();) pieces.push_back(*piece);
    return pieces;
}

TEST(BlockTransfer, RangeMustBeWholeBlocksInsideTheDevice) {
    EXPECT_TRUE(block::check_range(0, 512, 4096, 512).is_ok());
    EXPECT_TRUE(block::check_range(3584, 512, 4096, 512).is_ok());
    EXPECT_EQ(block::check_range(0, 0, 4096, 512).error(), EINVAL);
    EXPECT_EQ(block::check_range(256, 512, 4096, 512).error(), EINVAL);
    EXPECT_EQ(block::check_range(0, 1000, 4096, 512).error(), EINVAL);
    EXPECT_EQ(block::check_range(512, 512, 8192, 4096).error(), EINVAL);
}

TEST(BlockTransfer, RangePastTheEndFailsWithEIO) {
    EXPECT_EQ(block::check_range(4096, 512, 4096, 512).error(), EIO);
    EXPECT_EQ(block::check_range(3584, 1024, 4096, 512).error(), EIO);
    // No wrap-around: a huge offset plus a length that overflows is still past the end.
    EXPECT_EQ(block::check_range(~u64(0) - 511, 1024, 4096, 512).error(), EIO);
    EXPECT_EQ(block::check_range(u64(1) << 63, 512, 4096, 512).error(), EIO);
}

TEST(BlockTransfer, ValidBlockSizesArePowersOfTwoFrom512To64K) {
    EXPECT_TRUE(block::valid_block_size(512));
    EXPECT_TRUE(block::valid_block_size(4096));
    EXPECT_TRUE(block::valid_block_size(65536));
    EXPECT_FALSE(block::valid_block_size(0));
    EXPECT_FALSE(block::valid_block_size(256));
    EXPECT_FALSE(block::valid_block_size(1536));
    EXPECT_FALSE(block::valid_block_size(131072));
}

TEST(BlockTransfer, LargestRequestIsTheSmallerOfTheDriverBoundAndAllSegments) {
    EXPECT_EQ(block::max_request_bytes({512, 0, 0, 0}), ~u64(0) - 511);
    EXPECT_EQ(block::max_request_bytes({512, 0, 0, 262144}), 262144u);
    EXPECT_EQ(block::max_request_bytes({512, 65536, 2, 262144}), 131072u);
    EXPECT_EQ(block::max_request_bytes({512, 65536, 126, 262144}), 262144u);
    // Rounded down to whole blocks.
    EXPECT_EQ(block::max_request_bytes({4096, 5000, 3, 0}), 12288u);
    // Never less than one block, even for a device whose limits are smaller.
    EXPECT_EQ(block::max_request_bytes({4096, 1000, 1, 0}), 4096u);
}

TEST(BlockTransfer, SegmentsCoverTheRequestInSizeMaxRuns) {
    TransferLimits limits{512, 65536, 8, 0};
    EXPECT_EQ(block::segments_for(0, limits), 0u);
    EXPECT_EQ(block::segments_for(512, limits), 1u);
    EXPECT_EQ(block::segments_for(65536, limits), 1u);
    EXPECT_EQ(block::segments_for(65537, limits), 2u);
    EXPECT_EQ(block::segments_for(262144, limits), 4u);
    EXPECT_EQ(block::segments_for(1 << 20, TransferLimits{512, 0, 0, 0}), 1u);
}

TEST(BlockTransfer, PiecesSplitALongTransferInOrderWithTheRestLast) {
    auto pieces = all_pieces(1 << 20, 262144);
    ASSERT_EQ(pieces.size(), 4u);
    for (size_t i = 0; i < 4; i++) EXPECT_EQ(pieces[i], (Piece{i * 262144, 262144}));
    pieces = all_pieces(600 * 1024, 262144);
    ASSERT_EQ(pieces.size(), 3u);
    EXPECT_EQ(pieces[2], (Piece{524288, 88 * 1024}));
    EXPECT_EQ(block::Pieces(600 * 1024, 262144).count(), 3u);
    EXPECT_EQ(all_pieces(4096, 262144), (std::vector<Piece>{{0, 4096}}));
    EXPECT_TRUE(all_pieces(0, 4096).empty());
    // No bound: one piece.
    EXPECT_EQ(all_pieces(1 << 20, 0), (std::vector<Piece>{{0, 1 << 20}}));
}

TEST(VirtioBlk, StatusBytesMapToErrno) {
    EXPECT_TRUE(virtio::blk_status_result(virtio::kBlkStatusOk).is_ok());
    EXPECT_EQ(virtio::blk_status_result(virtio::kBlkStatusIoError).error(), EIO);
    EXPECT_EQ(virtio::blk_status_result(virtio::kBlkStatusUnsupported).error(), EOPNOTSUPP);
    // Values the spec does not define (and the driver's "never written" 0xff) are errors.
    EXPECT_EQ(virtio::blk_status_result(3).error(), EIO);
    EXPECT_EQ(virtio::blk_status_result(0xff).error(), EIO);
}

TEST(VirtioBlk, HeaderIsTypeReservedSectorLittleEndian) {
    auto header = virtio::blk_header(virtio::BlkRequest::Discard, 0x1122334455667788);
    const u8* bytes = reinterpret_cast<const u8*>(&header);
    EXPECT_EQ(bytes[0], 11);
    for (int i = 1; i < 8; i++) EXPECT_EQ(bytes[i], 0);
    EXPECT_EQ(bytes[8], 0x88);
    EXPECT_EQ(bytes[15], 0x11);
}

TEST(VirtioBlk, SerialStopsAtTheFirstNulOrUnprintableByte) {
    u8 id[virtio::kBlkIdBytes] = {'v', 'o', 'l', '0'};
    char serial[virtio::kBlkIdBytes + 1];
    EXPECT_EQ(virtio::blk_serial(id, serial), 4u);
    EXPECT_STREQ(serial, "vol0");
    for (auto& b : id) b = 'x';
    EXPECT_EQ(virtio::blk_serial(id, serial), 20u);
    id[3] = '\n';
    EXPECT_EQ(virtio::blk_serial(id, serial), 3u);
    EXPECT_STREQ(serial, "xxx");
}

TEST(VolumeArg, SerialThenAbsoluteGuestPath) {
    auto v = block::parse_volume_arg("vol0:/data");
    ASSERT_TRUE(v.is_ok());
    EXPECT_EQ(v.value().serial, "vol0");
    EXPECT_EQ(v.value().guest_path, "/data");
    // The path keeps any further colons.
    EXPECT_EQ(block::parse_volume_arg("vol1:/a:b").value().guest_path, "/a:b");
}

TEST(VolumeArg, MalformedValuesFailWithEINVAL) {
    for (const char* text : {"", "vol0", ":/data", "vol0:", "vol0:data", "123456789012345678901:/x", "v l:/x"})
        EXPECT_EQ(block::parse_volume_arg(text).error(), EINVAL) << text;
}

}  // namespace
