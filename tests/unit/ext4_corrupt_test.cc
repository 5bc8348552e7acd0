// Hostile images: a mke2fs image with one field changed (and its checksum made right
// again, so that the field itself is what the library must catch). Every case ends in an
// error, never a crash or an endless walk.
#include <gtest/gtest.h>

#include "ext4/bytes.h"
#include "ext4/directory.h"
#include "ext4/extent.h"
#include "ext4/htree.h"
#include "ext4_test_support.h"

namespace {

using namespace ext4_test;

// A small 1 KiB-block volume: a file, a directory, a file of many extents (a two-level
// extent tree) and an indexed directory. Made once; each test corrupts its own copy.
const std::vector<u8>& pristine() {
    static std::vector<u8> bytes = [] {
        TempDir temp;
        fs::path source = temp.path() / "tree";
        fs::create_directories(source / "dir/sub");
        fs::create_directories(source / "many");
        std::ofstream(source / "hello.txt") << "hello\n";
        {
            std::ofstream fragmented(source / "fragmented", std::ios::binary);
            for (int i = 0; i < 12; i++) {
                fragmented.seekp(std::streamoff(i) * 8192);
                fragmented << "piece " << i;
            }
        }
        for (int i = 0; i < 400; i++) std::ofstream(source / "many" / ("entry-" + std::to_string(i))) << i;
        fs::path image = temp.path() / "ext4.img";
        if (!make_image(source, image, "-b 1024", "8M")) return std::vector<u8>();
        run("e2fsck -fyD " + quote(image) + " 2>&1");
        if (!fsck_clean(image)) return std::vector<u8>();
        return read_bytes(image);
    }();
    return bytes;
}

class Ext4Corrupt : public ::testing::Test, public ImageInMemory {
protected:
    void SetUp() override {
        if (!have_e2fsprogs()) GTEST_SKIP() << "e2fsprogs not installed";
        ASSERT_FALSE(pristine().empty());
        load(pristine());
    }


    std::span<u8> i_block(u32 number) { return inode_bytes(number).subspan(0x28, 60); }
    void fix_inode_checksum(u32 number) {
        auto raw = inode_bytes(number);
        u32 crc = ext4::inode_checksum(sb, raw, number);
        ext4::put16(raw, 0x7C, u16(crc));
        ext4::put16(raw, 0x82, u16(crc >> 16));
    }

    u64 physical(const ext4::Inode& file, u64 logical) { return volume->map_block(file, logical, scratch).value().physical; }
};

TEST_F(Ext4Corrupt, PristineImageReads) {
    EXPECT_TRUE(sb.metadata_csum());
    ext4::Inode file = inode("hello.txt");
    std::string text(6, '\0');
    EXPECT_EQ(volume->read_file(file, 0, std::span<u8>(reinterpret_cast<u8*>(text.data()), 6), scratch).value_or(0), 6u);
    EXPECT_EQ(text, "hello\n");
    EXPECT_EQ(ext4::check_extent_node(sb, std::span<const u8>(inode("fragmented").block, 60), 1ull << 32).value().depth, 1u);
    EXPECT_TRUE(inode("many").flags & ext4::kFlagIndex);
}

TEST_F(Ext4Corrupt, BadMagicIsRefused) {
    superblock_bytes()[0x38] ^= 0xFF;
    ext4::Diagnosis why;
    auto opened = ext4::Volume::open(*reader, &why);
    EXPECT_EQ(opened.error(), EINVAL);
    EXPECT_STREQ(why.reason, "bad magic");
}

TEST_F(Ext4Corrupt, SuperblockChecksumMismatchIsRefused) {
    superblock_bytes()[0x10] ^= 1;  // free inodes, checksum left stale
    ext4::Diagnosis why;
    EXPECT_EQ(ext4::Volume::open(*reader, &why).error(), EINVAL);
    EXPECT_STREQ(why.reason, "superblock checksum mismatch");
}

TEST_F(Ext4Corrupt, WrongCountsAreRefused) {
    const std::pair<usize, u32> cases[] = {{0x0, 12345},        // inodes_count vs groups
                                           {0x10, 0xFFFFFFFF},  // free inodes > inodes
                                           {0x18, 7},           // block size 128 KiB
                                           {0x28, 0},           // inodes per group
                                           {0x20, 1u << 20},    // blocks per group > bits in a bitmap
                                           {0x60, 0x80000000 | 0x2c2}};  // an unknown incompat bit
    for (auto [offset, value] : cases) {
        reader->bytes = pristine();
        ext4::put32(superblock_bytes(), offset, value);
        fix_superblock_checksum();
        ext4::Diagnosis why;
        EXPECT_EQ(ext4::Volume::open(*reader, &why).error(), EINVAL) << std::hex << offset;
        EXPECT_FALSE(why.ok());
    }
}

TEST_F(Ext4Corrupt, UnknownRoCompatFeatureForcesReadOnly) {
    ext4::put32(superblock_bytes(), 0x64, ext4::le32(superblock_bytes(), 0x64) | 0x40000000);
    fix_superblock_checksum();
    auto opened = ext4::Volume::open(*reader);
    ASSERT_TRUE(opened.is_ok());
    EXPECT_FALSE(opened.value().superblock().writable());
}

TEST_F(Ext4Corrupt, ExtentHeaderWithHugeEntriesIsRefused) {
    u32 number = inode("hello.txt").number;
    ext4::put16(i_block(number), 2, 0xFFFF);  // eh_entries
    fix_inode_checksum(number);
    ext4::Inode file = inode("hello.txt");
    u8 out[16];
    EXPECT_EQ(volume->read_file(file, 0, out, scratch).error(), EINVAL);
    EXPECT_STREQ(volume->diagnosis().reason, "more extents than the node holds");
}

TEST_F(Ext4Corrupt, ExtentOutsideTheVolumeIsRefused) {
    u32 number = inode("hello.txt").number;
    ext4::put32(i_block(number), 12 + 8, u32(sb.blocks_count + 10));  // ee_start_lo
    fix_inode_checksum(number);
    u8 out[16];
    EXPECT_EQ(volume->read_file(inode("hello.txt"), 0, out, scratch).error(), EINVAL);
    EXPECT_STREQ(volume->diagnosis().reason, "extent outside the volume");
}

TEST_F(Ext4Corrupt, InodeChecksumMismatchIsRefused) {
    u32 number = inode("hello.txt").number;
    inode_bytes(number)[0x4] ^= 1;  // size, checksum stale
    EXPECT_EQ(volume->read_inode(number, scratch).error(), EINVAL);
    EXPECT_STREQ(volume->diagnosis().reason, "inode checksum mismatch");
}

// An index block that points at itself, its depth raised to match: a loop in the tree.
TEST_F(Ext4Corrupt, ExtentTreeLoopIsRefused) {
    ext4::Inode file = inode("fragmented");
    u64 leaf = ext4::extent_index_at(std::span<const u8>(file.block, 60), 0).child;
    auto node = block(leaf);
    ext4::put16(node, 2, 1);  // eh_entries: one index...
    ext4::put16(node, 6, 1);  // eh_depth: ...in a node that pretends to be an index node
    ext4::put32(node, 12 + 4, u32(leaf));  // first entry: ei_leaf_lo -> itself
    ext4::put16(node, 12 + 8, 0);
    ext4::set_extent_block_checksum(node, file.checksum_seed);
    u8 out[64];
    EXPECT_EQ(volume->read_file(file, 0, out, scratch).error(), EINVAL);
    EXPECT_STREQ(volume->diagnosis().reason, "extent depth mismatch");
}

TEST_F(Ext4Corrupt, ExtentBlockChecksumMismatchIsRefused) {
    ext4::Inode file = inode("fragmented");
    u64 leaf = ext4::extent_index_at(std::span<const u8>(file.block, 60), 0).child;
    block(leaf)[12] ^= 1;
    u8 out[64];
    EXPECT_EQ(volume->read_file(file, 0, out, scratch).error(), EINVAL);
    EXPECT_STREQ(volume->diagnosis().reason, "extent block checksum mismatch");
}

TEST_F(Ext4Corrupt, DirentRecLenZeroOrPastTheBlockIsRefused) {
    ext4::Inode dir = inode("dir");
    auto dir_block = block(physical(dir, 0));
    struct Ignore final : ext4::DirVisitor {
        bool visit(const ext4::DirEntry&) override { return true; }
    } ignore;
    for (u16 rec_len : {u16(0), u16(sb.block_size + 4), u16(13), u16(8)}) {
        ext4::put16(dir_block, 12 + 4, rec_len);  // the ".." entry
        ext4::set_dir_block_checksum(sb, dir_block, dir.checksum_seed);
        EXPECT_EQ(volume->for_each_entry(dir, ignore, scratch).error(), EINVAL) << rec_len;
        EXPECT_EQ(volume->lookup(dir, "sub", scratch).error(), EINVAL) << rec_len;
    }
}

TEST_F(Ext4Corrupt, DirectoryBlockChecksumMismatchIsRefused) {
    ext4::Inode dir = inode("dir");
    block(physical(dir, 0))[24] ^= 1;
    EXPECT_EQ(volume->lookup(dir, "sub", scratch).error(), EINVAL);
    EXPECT_STREQ(volume->diagnosis().reason, "directory block checksum mismatch");
}

// dir/sub gets an entry "up" naming the root: a cycle in the directory graph. Lookups
// stay bounded by the path's length; nothing walks the cycle on its own.
TEST_F(Ext4Corrupt, DirectoryLoopKeepsLookupsBounded) {
    ext4::Inode sub = inode("dir/sub");
    auto sub_block = block(physical(sub, 0));
    ASSERT_TRUE(ext4::add_dirent(sb, sub_block, sub.checksum_seed, "up", ext4::kRootInode, ext4::FileType::Directory).is_ok());
    std::string path;
    for (int i = 0; i < 200; i++) path += "dir/sub/up/";
    auto resolved = volume->resolve(path + "hello.txt", scratch);
    ASSERT_TRUE(resolved.is_ok());
    EXPECT_EQ(resolved.value(), inode("hello.txt").number);
}

// Every htree entry of the root sent to block 0 (the root itself): the index lookup
// refuses or misses, never loops; lookup() falls back to the linear scan.
TEST_F(Ext4Corrupt, HtreePointingAtItsRootIsRefusedAndLookupFallsBack) {
    ext4::Inode many = inode("many");
    auto root_block = block(physical(many, 0));
    ext4::DxNode root = ext4::parse_dx_root(sb, root_block, many.checksum_seed).value();
    for (u16 i = 0; i < root.count; i++) ext4::put32(root_block, root.entries_offset + 8 * i + 4, 0);
    // The root's dx_tail checksum: over the entries in use and the tail's first word.
    ext4::put32(root_block, root.entries_offset + 8 * root.limit + 4, ext4::dx_checksum(root_block, root, many.checksum_seed));
    ASSERT_TRUE(ext4::parse_dx_root(sb, root_block, many.checksum_seed).is_ok());
    auto hashed = volume->lookup_htree(many, "entry-7", scratch);
    EXPECT_TRUE(hashed.is_error() || !hashed.value().has_value());
    auto found = volume->lookup(many, "entry-7", scratch);
    ASSERT_TRUE(found.is_ok());
    EXPECT_TRUE(found.value().has_value());
}

TEST_F(Ext4Corrupt, GroupDescriptorPointingOutsideIsRefused) {
    auto where = ext4::group_desc_location(sb, 0);
    auto desc = block(where.block).subspan(where.offset, sb.desc_size);
    ext4::put32(desc, 0x8, u32(sb.blocks_count + 1));  // inode table
    ext4::put16(desc, 0x1E, ext4::group_desc_checksum(sb, desc, 0));
    EXPECT_EQ(volume->read_inode(ext4::kRootInode, scratch).error(), EINVAL);
    EXPECT_STREQ(volume->diagnosis().reason, "group metadata outside the volume");
}

TEST_F(Ext4Corrupt, GroupFreeCountAboveItsSizeIsRefused) {
    auto where = ext4::group_desc_location(sb, 0);
    auto desc = block(where.block).subspan(where.offset, sb.desc_size);
    ext4::put16(desc, 0xE, u16(sb.inodes_per_group + 1));  // free inodes
    ext4::put16(desc, 0x1E, ext4::group_desc_checksum(sb, desc, 0));
    EXPECT_EQ(volume->group(0, scratch).error(), EINVAL);
    EXPECT_STREQ(volume->diagnosis().reason, "group counts out of range");
}

TEST_F(Ext4Corrupt, DirectoryWithAHoleIsRefused) {
    u32 number = inode("dir").number;
    auto root = i_block(number);
    ext4::put32(root, 12, 1);  // the directory's only extent now starts at logical block 1
    fix_inode_checksum(number);
    ext4::Inode dir = volume->read_inode(number, scratch).value();
    EXPECT_EQ(volume->lookup(dir, "sub", scratch).error(), EINVAL);
    EXPECT_STREQ(volume->diagnosis().reason, "hole in a directory");
}

TEST_F(Ext4Corrupt, TruncatedImageFailsWithEIO) {
    ext4::Inode file = inode("hello.txt");
    reader->bytes.resize(reader->bytes.size() / 4);
    u8 out[64];
    auto result = volume->read_file(file, 0, out, scratch);
    EXPECT_TRUE(result.is_ok() || result.error() == EIO);
    auto many = volume->resolve("many/entry-399", scratch);
    EXPECT_TRUE(many.is_ok() || many.error() == EIO);
    reader->bytes.resize(2048);  // the superblock and nothing more
    EXPECT_EQ(volume->read_inode(file.number, scratch).error(), EIO);
}

}  // namespace
