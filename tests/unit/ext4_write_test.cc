// The write helpers of libs/ext4, used by hand the way the kernel's write path will: a new
// file made in a copy of a mke2fs image (an inode and a block allocated from the bitmaps,
// group and superblock counts and checksums updated, the inode encoded with an extent, a
// directory entry added), then judged by `e2fsck -fn` and read back.
#include <gtest/gtest.h>

#include "ext4/bitmap.h"
#include "ext4/extent.h"
#include "ext4_test_support.h"

namespace {

using namespace ext4_test;

class Ext4Write : public ::testing::TestWithParam<const char*>, public ImageInMemory {
protected:
    void SetUp() override {
        if (!have_e2fsprogs()) GTEST_SKIP() << "e2fsprogs not installed";
        fs::path source = temp.path() / "tree";
        fs::create_directories(source / "dir");
        std::ofstream(source / "hello.txt") << "hello\n";
        image = temp.path() / "ext4.img";
        ASSERT_TRUE(make_image(source, image, GetParam(), "16M"));
        load(read_bytes(image));
    }

    std::span<u8> desc_bytes(u32 group) {
        auto where = ext4::group_desc_location(sb, group);
        return block(where.block).subspan(where.offset, sb.desc_size);
    }

    // Allocates an inode and a data block in group 0 and updates every count and checksum.
    std::pair<u32, u64> allocate(bool directory) {
        ext4::GroupDesc desc = volume->group(0, scratch).value();
        auto inode_bitmap = block(desc.inode_bitmap);
        auto index = ext4::allocate_bit(inode_bitmap, sb.inodes_per_group, sb.first_ino);
        auto block_bitmap = block(desc.block_bitmap);
        auto block_index = ext4::allocate_bit(block_bitmap, sb.blocks_in_group(0));
        EXPECT_TRUE(index && block_index);
        desc.free_inodes--;
        desc.free_blocks--;
        if (directory) desc.used_dirs++;
        if (*index >= sb.inodes_per_group - desc.itable_unused) desc.itable_unused = sb.inodes_per_group - *index - 1;
        desc.flags &= u16(~(ext4::kGroupInodeUninit | ext4::kGroupBlockUninit));
        if (sb.metadata_csum()) {
            desc.inode_bitmap_csum = ext4::inode_bitmap_checksum(sb, inode_bitmap);
            desc.block_bitmap_csum = ext4::block_bitmap_checksum(sb, block_bitmap);
        }
        ext4::encode_group_desc(sb, desc, desc_bytes(0), 0);
        auto super = bytes_at(ext4::kSuperblockOffset, ext4::kSuperblockSize);
        ext4::set_superblock_free_counts(sb, super, sb.free_blocks - 1, sb.free_inodes - 1);
        return {*index + 1, sb.group_first_block(0) + *block_index};
    }

    void write_inode(const ext4::Inode& inode) {
        ext4::GroupDesc desc = volume->group(0, scratch).value();
        auto raw = bytes_at(desc.inode_table * sb.block_size + u64(inode.number - 1) * sb.inode_size, sb.inode_size);
        std::fill(raw.begin(), raw.end(), 0);
        ext4::encode_inode(sb, inode, raw);
    }

    ext4::Inode new_inode(u32 number, u16 mode, u64 data_block, u64 size) {
        ext4::Inode inode;
        inode.number = number;
        inode.mode = mode;
        inode.uid = 100000;  // needs the high half
        inode.gid = 4242;
        inode.size = size;
        inode.links_count = 1;
        inode.flags = ext4::kFlagExtents;
        inode.extra_isize = sb.inode_size > 128 ? 32 : 0;
        inode.blocks_512 = sb.block_size / 512;
        inode.atime = inode.ctime = inode.mtime = inode.crtime = {4102444800 + 5, 123456789};  // 2100: epoch bits
        ext4::init_extent_root(inode.block);
        EXPECT_TRUE(ext4::insert_extent(inode.block, {0, 1, data_block, false}).is_ok());
        return inode;
    }

    void save() { write_bytes(image, reader->bytes); }

    TempDir temp;
    fs::path image;};

TEST_P(Ext4Write, NewFileIsCleanForE2fsckAndReadsBack) {
    auto [number, data_block] = allocate(false);
    const std::string text = "written by libs/ext4\n";
    std::copy(text.begin(), text.end(), block(data_block).begin());
    write_inode(new_inode(number, ext4::kTypeRegular | 0640, data_block, text.size()));
    ext4::Inode root = volume->read_inode(ext4::kRootInode, scratch).value();
    u64 root_block = volume->map_block(root, 0, scratch).value().physical;
    ASSERT_TRUE(ext4::add_dirent(sb, block(root_block), root.checksum_seed, "new.txt", number, ext4::FileType::Regular).is_ok());
    EXPECT_EQ(ext4::add_dirent(sb, block(root_block), root.checksum_seed, "new.txt", number, ext4::FileType::Regular).error(),
              EEXIST);
    save();
    std::string report;
    EXPECT_TRUE(fsck_clean(image, &report)) << report;

    reopen();
    auto found = volume->resolve("new.txt", scratch);
    ASSERT_TRUE(found.is_ok());
    EXPECT_EQ(found.value(), number);
    ext4::Inode inode = volume->read_inode(number, scratch).value();
    EXPECT_EQ(inode.uid, 100000u);
    EXPECT_EQ(inode.mtime, (ext4::Timestamp{4102444800 + 5, 123456789}));
    std::string back(text.size(), '\0');
    ASSERT_TRUE(volume->read_file(inode, 0, std::span<u8>(reinterpret_cast<u8*>(back.data()), back.size()), scratch).is_ok());
    EXPECT_EQ(back, text);
    std::string stat = run("debugfs -R 'stat /new.txt' " + quote(image) + " 2>/dev/null");
    EXPECT_NE(stat.find("User: 100000"), std::string::npos) << stat;
    // Raw fields: the low 32 bits of the seconds, then nanoseconds << 2 | the epoch bits.
    EXPECT_NE(stat.find("mtime: 0xf4865705:1d6f3455"), std::string::npos) << stat;
}

TEST_P(Ext4Write, NewDirectoryWithItsOwnBlockIsClean) {
    auto [number, data_block] = allocate(true);
    ext4::Inode dir = new_inode(number, ext4::kTypeDirectory | 0755, data_block, sb.block_size);
    dir.links_count = 2;
    // The directory's checksum seed comes from its number and generation.
    dir.checksum_seed = ext4::parse_inode(sb, std::vector<u8>(sb.inode_size), number).value_or(ext4::Inode{}).checksum_seed;
    write_inode(dir);
    dir = volume->read_inode(number, scratch).value();
    auto dir_block = block(data_block);
    ext4::init_dir_block(sb, dir_block, dir.checksum_seed);
    ASSERT_TRUE(ext4::add_dirent(sb, dir_block, dir.checksum_seed, ".", number, ext4::FileType::Directory).is_ok());
    ASSERT_TRUE(ext4::add_dirent(sb, dir_block, dir.checksum_seed, "..", ext4::kRootInode, ext4::FileType::Directory).is_ok());

    // The root gains the entry and a link (from "..").
    ext4::Inode root = volume->read_inode(ext4::kRootInode, scratch).value();
    u64 root_block = volume->map_block(root, 0, scratch).value().physical;
    ASSERT_TRUE(ext4::add_dirent(sb, block(root_block), root.checksum_seed, "made", number, ext4::FileType::Directory).is_ok());
    ext4::GroupDesc desc = volume->group(0, scratch).value();
    auto raw_root = bytes_at(desc.inode_table * sb.block_size + u64(ext4::kRootInode - 1) * sb.inode_size, sb.inode_size);
    root.links_count++;
    ext4::encode_inode(sb, root, raw_root);
    save();
    std::string report;
    EXPECT_TRUE(fsck_clean(image, &report)) << report;

    // Removing an entry and adding it back leaves the volume as clean.
    reopen();
    root = volume->read_inode(ext4::kRootInode, scratch).value();
    u32 hello = volume->resolve("hello.txt", scratch).value_or(0);
    ASSERT_NE(hello, 0u);
    ASSERT_TRUE(ext4::remove_dirent(sb, block(root_block), root.checksum_seed, "hello.txt").is_ok());
    EXPECT_EQ(ext4::remove_dirent(sb, block(root_block), root.checksum_seed, "hello.txt").error(), ENOENT);
    EXPECT_EQ(volume->resolve("hello.txt", scratch).error(), ENOENT);
    ASSERT_TRUE(ext4::add_dirent(sb, block(root_block), root.checksum_seed, "hello.txt", hello, ext4::FileType::Regular).is_ok());
    save();
    EXPECT_TRUE(fsck_clean(image, &report)) << report;
}

INSTANTIATE_TEST_SUITE_P(Mke2fs, Ext4Write, ::testing::Values("-b 4096", "-b 1024 -O ^metadata_csum,^64bit"),
                         [](const auto& info) { return "options" + std::to_string(info.index); });

TEST(Ext4Bitmap, AllocatesTheFirstFreeBitFromTheGoalAndWraps) {
    std::vector<u8> bitmap(4, 0xFF);
    bitmap[0] = 0xFE;  // bit 0 free
    bitmap[3] = 0x7F;  // bit 31 free
    EXPECT_EQ(ext4::allocate_bit(bitmap, 32, 10), std::optional<u32>(31));
    EXPECT_EQ(ext4::allocate_bit(bitmap, 32, 10), std::optional<u32>(0));
    EXPECT_EQ(ext4::allocate_bit(bitmap, 32, 10), std::nullopt);
    EXPECT_EQ(ext4::count_set_bits(bitmap, 32), 32u);
    ext4::clear_bit(bitmap, 17);
    EXPECT_EQ(ext4::count_set_bits(bitmap, 20), 19u);
    EXPECT_EQ(ext4::allocate_bit(bitmap, 40, 0), std::nullopt);  // more bits than the bytes hold
}

TEST(Ext4Extent, InsertKeepsOrderAndRefusesOverlapAndOverflow) {
    u8 root[60];
    ext4::init_extent_root(root);
    EXPECT_TRUE(ext4::insert_extent(root, {100, 10, 5000, false}).is_ok());
    EXPECT_TRUE(ext4::insert_extent(root, {0, 10, 4000, false}).is_ok());
    EXPECT_EQ(ext4::insert_extent(root, {105, 1, 6000, false}).error(), EINVAL);
    EXPECT_TRUE(ext4::insert_extent(root, {50, 1, 7000, true}).is_ok());
    EXPECT_TRUE(ext4::insert_extent(root, {200, 1, 8000, false}).is_ok());
    EXPECT_EQ(ext4::insert_extent(root, {300, 1, 9000, false}).error(), ENOSPC);
    EXPECT_EQ(ext4::extent_at(root, 0).logical, 0u);
    EXPECT_EQ(ext4::extent_at(root, 1).logical, 50u);
    EXPECT_TRUE(ext4::extent_at(root, 1).unwritten);
    EXPECT_EQ(ext4::extent_at(root, 2).physical, 5000u);
}

}  // namespace
