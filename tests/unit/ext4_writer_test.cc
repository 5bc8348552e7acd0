// ext4::Writer on images made by mke2fs at test time: each operation one transaction,
// written home when it succeeded and dropped when it failed (as the kernel will do with
// its journal), then judged by `e2fsck -fn`, read back with ext4::Volume and `debugfs`,
// and compared with an in-memory model of what the operations should have made.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "ext4/bytes.h"
#include "ext4_writer_support.h"

namespace {

using namespace ext4_test;

class Ext4Writer : public ::testing::TestWithParam<const char*> {
protected:
    void SetUp() override {
        if (!have_e2fsprogs()) GTEST_SKIP() << "e2fsprogs not installed";
    }
};

TEST_P(Ext4Writer, EveryKindOfInodeIsCleanAndReadsBack) {
    WriterImage img;
    ASSERT_TRUE(img.make(GetParam(), "16M"));
    auto& w = *img.writer;
    const ext4::Timestamp now{1700000000, 7};
    u32 dir = img.run(w.mkdir(ext4::kRootInode, "dir", file_mode(0755))).value_or(0);
    ASSERT_NE(dir, 0u);
    u32 file = img.run(w.create(dir, "file.txt", file_mode(ext4::kTypeRegular | 0644))).value_or(0);
    ASSERT_NE(file, 0u);
    const std::string text = "written by ext4::Writer\n";
    ASSERT_TRUE(img.run(w.write(file, 0, as_bytes(text), now)).is_ok());
    const std::string fast = "file.txt", slow(300, 's');
    ASSERT_TRUE(img.run(w.symlink(dir, "fast", fast, file_mode(0))).is_ok());
    ASSERT_TRUE(img.run(w.symlink(dir, "slow", slow, file_mode(0))).is_ok());
    ext4::NewInode device = file_mode(0020000 | 0600);
    device.device_major = 4;
    device.device_minor = 300;  // needs the new encoding
    ASSERT_TRUE(img.run(w.create(dir, "tty", device)).is_ok());
    ASSERT_TRUE(img.run(w.create(dir, "fifo", file_mode(0010000 | 0600))).is_ok());
    ASSERT_TRUE(img.run(w.link(ext4::kRootInode, "hard", file, now)).is_ok());
    EXPECT_EQ(img.run(w.create(dir, "file.txt", file_mode(ext4::kTypeRegular | 0644))).error(), EEXIST);
    EXPECT_EQ(img.run(w.mkdir(dir, "file.txt", file_mode(0755))).error(), EEXIST);
    EXPECT_EQ(img.run(w.rmdir(ext4::kRootInode, "dir", now)).error(), ENOTEMPTY);
    EXPECT_EQ(img.run(w.unlink(ext4::kRootInode, "dir", now)).error(), EISDIR);
    EXPECT_EQ(img.run(w.unlink(ext4::kRootInode, "missing", now)).error(), ENOENT);
    EXPECT_EQ(img.run(w.rename(ext4::kRootInode, "dir", dir, "inside", now)).error(), EINVAL);
    EXPECT_EQ(img.tx->dirty_count(), 0u);

    std::string report;
    EXPECT_TRUE(img.fsck(&report)) << report;
    EXPECT_EQ(img.read_file(file), text);
    EXPECT_EQ(img.inode(file).links_count, 2u);
    EXPECT_EQ(img.inode(dir).links_count, 2u);
    EXPECT_EQ(img.debugfs("cat /hard"), text);
    EXPECT_EQ(img.debugfs("cat /dir/slow"), slow);
    EXPECT_NE(img.debugfs("stat /dir/slow").find("Type: symlink"), std::string::npos);
    EXPECT_NE(img.debugfs("stat /dir/fast").find("Fast link dest: \"file.txt\""), std::string::npos)
        << img.debugfs("stat /dir/fast");
    std::string tty = img.debugfs("stat /dir/tty");
    EXPECT_NE(tty.find("Device major/minor number: 04:300"), std::string::npos) << tty;
    EXPECT_NE(img.debugfs("stat /dir/fifo").find("Type: FIFO"), std::string::npos);

    // Attributes, then everything removed again: back to the free counts of the start.
    ext4::Attributes change;
    change.mode = 0600;
    change.uid = 123456;
    change.now = now;
    ASSERT_TRUE(img.run(w.set_attributes(file, change)).is_ok());
    EXPECT_EQ(img.inode(file).mode, ext4::kTypeRegular | 0600);
    EXPECT_EQ(img.inode(file).uid, 123456u);
    for (const char* name : {"file.txt", "fast", "slow", "tty", "fifo"})
        ASSERT_TRUE(img.run(w.unlink(dir, name, now)).is_ok()) << name;
    EXPECT_EQ(img.inode(file).links_count, 1u);
    ASSERT_TRUE(img.run(w.unlink(ext4::kRootInode, "hard", now)).is_ok());
    ASSERT_TRUE(img.run(w.rmdir(ext4::kRootInode, "dir", now)).is_ok());
    EXPECT_TRUE(img.fsck(&report)) << report;
    ext4::Superblock after = img.current_superblock();
    EXPECT_EQ(after.free_blocks, img.sb.free_blocks);
    EXPECT_EQ(after.free_inodes, img.sb.free_inodes);
}

// Bytes a file's last block holds past its end (left by whoever wrote it) read as zeros
// once the file grows over them, by truncate or by a write further on.
TEST_P(Ext4Writer, GrowingAFileOverItsLastBlockReadsZeros) {
    WriterImage img;
    ASSERT_TRUE(img.make(GetParam(), "16M"));
    auto& w = *img.writer;
    const ext4::Timestamp now{1700000000, 0};
    u32 bs = img.sb.block_size;
    std::vector<u8> scratch(w.volume().scratch_size());
    for (bool by_write : {false, true}) {
        std::string name = by_write ? "by-write" : "by-truncate";
        u32 file = img.run(w.create(ext4::kRootInode, name, file_mode(ext4::kTypeRegular | 0644))).value_or(0);
        ASSERT_NE(file, 0u);
        ASSERT_TRUE(img.run(w.write(file, 0, as_bytes("ten bytes!"), now)).is_ok());
        u64 block = w.volume().map_block(img.inode(file), 0, scratch).value().physical;
        std::fill_n(img.device.bytes.begin() + std::ptrdiff_t(block * bs + 10), bs - 10, u8(0xEE));
        std::string expected = "ten bytes!" + std::string(2 * bs - 10, '\0');
        if (by_write) {
            ASSERT_TRUE(img.run(w.write(file, 2 * bs - 1, as_bytes("!"), now)).is_ok());
            expected.back() = '!';
        } else {
            ASSERT_TRUE(img.run(w.truncate(file, 2 * bs, now)).is_ok());
        }
        EXPECT_EQ(img.read_file(file), expected) << name;
    }
    std::string report;
    EXPECT_TRUE(img.fsck(&report)) << report;
}

// A file unlinked while open keeps its inode and blocks (no links) until freed at its
// last close, on the orphan list meanwhile (ext4_orphan_test.cc has more).
TEST_P(Ext4Writer, AnUnlinkedFileKeptOpenIsFreedLater) {
    WriterImage img;
    ASSERT_TRUE(img.make(GetParam(), "16M"));
    auto& w = *img.writer;
    const ext4::Timestamp now{1700000000, 0};
    u32 file = img.run(w.create(ext4::kRootInode, "open", file_mode(ext4::kTypeRegular | 0644))).value_or(0);
    ASSERT_NE(file, 0u);
    const std::string data(50000, 'o');
    ASSERT_TRUE(img.run(w.write(file, 0, as_bytes(data), now)).is_ok());
    EXPECT_EQ(img.run(w.free_unlinked(file, now)).error(), EINVAL);
    ASSERT_TRUE(img.run(w.unlink(ext4::kRootInode, "open", now, true)).is_ok());
    EXPECT_EQ(img.inode(file).links_count, 0u);
    EXPECT_EQ(img.current_superblock().last_orphan, file);
    EXPECT_EQ(img.read_file(file), data);
    EXPECT_LT(img.current_superblock().free_blocks, img.sb.free_blocks);
    ASSERT_TRUE(img.run(w.free_unlinked(file, now)).is_ok());
    EXPECT_EQ(img.current_superblock().last_orphan, 0u);
    std::string report;
    EXPECT_TRUE(img.fsck(&report)) << report;
    EXPECT_EQ(img.current_superblock().free_blocks, img.sb.free_blocks);
    EXPECT_EQ(img.current_superblock().free_inodes, img.sb.free_inodes);
}

// Every other block written, in a shuffled order: one extent each, enough to need index
// levels, with leaves split in the middle and first entries changed. Then cut in steps.
TEST_P(Ext4Writer, FragmentedFileGrowsAndShrinksItsExtentTree) {
    WriterImage img;
    ASSERT_TRUE(img.make(GetParam(), "32M"));
    auto& w = *img.writer;
    const ext4::Timestamp now{1700000000, 0};
    u32 file = img.run(w.create(ext4::kRootInode, "sparse", file_mode(ext4::kTypeRegular | 0644))).value_or(0);
    ASSERT_NE(file, 0u);
    u32 bs = img.sb.block_size;
    const u32 extents = 1500;
    std::vector<u32> order(extents);
    for (u32 i = 0; i < extents; i++) order[i] = i;
    std::mt19937 random(42);
    std::shuffle(order.begin(), order.end(), random);
    std::string model;
    for (u32 k = 0; k < extents; k++) {
        u64 logical = 2 * u64(order[k]);
        std::string block(bs, char('a' + order[k] % 26));
        block[0] = char(k);
        ASSERT_TRUE(img.run(w.write(file, logical * bs, as_bytes(block), now)).is_ok()) << k;
        if (model.size() < (logical + 1) * bs) model.resize((logical + 1) * bs, '\0');
        model.replace(logical * bs, bs, block);
    }
    ext4::Inode inode = img.inode(file);
    u16 depth = ext4::le16(std::span<const u8>(inode.block, 60), 6);
    EXPECT_GE(depth, 2u);
    EXPECT_EQ(inode.size, model.size());
    std::string report;
    EXPECT_TRUE(img.fsck(&report)) << report;
    EXPECT_EQ(img.read_file(file), model);
    EXPECT_EQ(img.debugfs("cat /sparse"), model);

    for (u64 size : {u64(2000) * bs + 17, u64(601) * bs, u64(3) * bs + 1, u64(0)}) {
        ASSERT_TRUE(img.run(w.truncate(file, size, now)).is_ok()) << size;
        model.resize(size);
        EXPECT_TRUE(img.fsck(&report)) << size << report;
        EXPECT_EQ(img.read_file(file), model) << size;
    }
    // The same cuts again in steps of 50 extents, each its own transaction and each
    // leaving a clean volume with a shorter file.
    for (u32 k = 0; k < extents; k++) {
        std::string block(bs, char('A' + k % 26));
        ASSERT_TRUE(img.run(w.write(file, 2 * u64(k) * bs, as_bytes(block), now)).is_ok()) << k;
        if (model.size() < (2 * u64(k) + 1) * bs) model.resize((2 * u64(k) + 1) * bs, '\0');
        model.replace(2 * u64(k) * bs, bs, block);
    }
    for (u64 size : {u64(1000) * bs + 5, u64(0)}) {
        for (int steps = 0;; steps++) {
            ASSERT_LT(steps, 40);
            auto done = img.run(w.truncate_some(file, size, 50, now));
            ASSERT_TRUE(done.is_ok());
            u64 now_size = img.inode(file).size;
            ASSERT_GE(now_size, size);
            ASSERT_EQ(img.read_file(file), model.substr(0, now_size)) << steps;
            if (steps % 10 == 0) {
                EXPECT_TRUE(img.fsck(&report)) << size << " step " << steps << report;
            }
            if (done.value()) break;
        }
        model.resize(size);
        EXPECT_TRUE(img.fsck(&report)) << size << report;
        EXPECT_EQ(img.read_file(file), model);
    }
    inode = img.inode(file);
    EXPECT_EQ(inode.blocks_512, 0u);
    EXPECT_EQ(ext4::le16(std::span<const u8>(inode.block, 60), 6), 0u);
    // Growing again reads zeros where the old bytes were.
    ASSERT_TRUE(img.run(w.truncate(file, 5 * u64(bs), now)).is_ok());
    EXPECT_EQ(img.read_file(file), std::string(5 * bs, '\0'));
    ASSERT_TRUE(img.run(w.unlink(ext4::kRootInode, "sparse", now)).is_ok());
    EXPECT_TRUE(img.fsck(&report)) << report;
    EXPECT_EQ(img.current_superblock().free_blocks, img.sb.free_blocks);
}

// A sparse file mke2fs made (its extent tree built by libext2fs, deeper than the root)
// has its holes filled in a shuffled order, is cut, and goes: the writer works on trees
// it did not build.
TEST_P(Ext4Writer, FillsTheHolesOfAFileMke2fsMade) {
    WriterImage img;
    fs::path source = img.temp.path() / "tree";
    fs::create_directories(source);
    const u64 chunk = 4096, chunks = 800;
    std::string model(2 * chunk * chunks, '\0');
    {
        std::ofstream out(source / "holes", std::ios::binary);
        for (u64 i = 0; i < chunks; i++) {
            std::string data(chunk, char('A' + i % 26));
            out.seekp(std::streamoff(2 * i * chunk));
            out.write(data.data(), std::streamsize(data.size()));
            model.replace(2 * i * chunk, chunk, data);
        }
    }
    ASSERT_TRUE(img.make(GetParam(), "32M", source));
    auto& w = *img.writer;
    const ext4::Timestamp now{1700000000, 0};
    std::vector<u8> scratch(w.volume().scratch_size());
    u32 file = w.volume().resolve("holes", scratch).value_or(0);
    ASSERT_NE(file, 0u);
    ext4::Inode before = img.inode(file);
    ASSERT_GE(ext4::le16(std::span<const u8>(before.block, 60), 6), 1u);
    ASSERT_EQ(img.read_file(file), model.substr(0, before.size));
    model.resize(before.size);
    std::vector<u64> holes;
    for (u64 i = 0; 2 * i * chunk + chunk < model.size(); i++) holes.push_back(i);
    std::mt19937 random(3);
    std::shuffle(holes.begin(), holes.end(), random);
    for (usize k = 0; k < holes.size(); k++) {
        std::string data(chunk, char('a' + k % 26));
        u64 offset = (2 * holes[k] + 1) * chunk;
        ASSERT_TRUE(img.run(w.write(file, offset, as_bytes(data), now)).is_ok()) << k;
        model.replace(offset, chunk, data);
    }
    std::string report;
    EXPECT_TRUE(img.fsck(&report)) << report;
    EXPECT_EQ(img.read_file(file), model);
    EXPECT_EQ(img.debugfs("cat /holes"), model);
    ASSERT_TRUE(img.run(w.truncate(file, model.size() / 3 + 5, now)).is_ok());
    model.resize(model.size() / 3 + 5);
    EXPECT_TRUE(img.fsck(&report)) << report;
    EXPECT_EQ(img.read_file(file), model);
    ASSERT_TRUE(img.run(w.unlink(ext4::kRootInode, "holes", now)).is_ok());
    EXPECT_TRUE(img.fsck(&report)) << report;
    EXPECT_EQ(img.current_superblock().free_blocks, img.sb.free_blocks + before.blocks_512 / (img.sb.block_size / 512));
}

// Files written chunk by chunk (one transaction each) until the disk is full: the
// failing chunk changes nothing, nothing committed before is lost, and freeing it all
// gives every block back.
TEST_P(Ext4Writer, FillingTheDiskEndsInEnospcAndLosesNothing) {
    WriterImage img;
    ASSERT_TRUE(img.make(GetParam(), "8M"));
    auto& w = *img.writer;
    const ext4::Timestamp now{1700000000, 0};
    std::map<u32, std::string> files;
    std::map<u32, std::string> names;
    std::mt19937 random(7);
    bool full = false;
    for (int n = 0; n < 1000 && !full; n++) {
        std::string name = "file" + std::to_string(n);
        auto created = img.run(w.create(ext4::kRootInode, name, file_mode(ext4::kTypeRegular | 0644)));
        if (created.is_error()) {
            EXPECT_EQ(created.error(), ENOSPC);
            break;
        }
        u32 number = created.value();
        names[number] = name;
        files[number];
        for (int chunk = 0; chunk < 6; chunk++) {
            std::string data(std::uniform_int_distribution<usize>(1, 70000)(random), char('A' + n % 26));
            ext4::Superblock before = img.current_superblock();
            auto written = img.run(w.write(number, files[number].size(), as_bytes(data), now));
            if (written.is_error()) {
                EXPECT_EQ(written.error(), ENOSPC);
                ext4::Superblock after = img.current_superblock();
                EXPECT_EQ(after.free_blocks, before.free_blocks);
                EXPECT_EQ(after.free_inodes, before.free_inodes);
                full = true;
                break;
            }
            files[number] += data;
        }
    }
    ASSERT_TRUE(full);
    // Full for real: less room left than the chunk that failed wanted.
    EXPECT_LT(img.current_superblock().free_blocks, 70000 / img.sb.block_size + 2);
    // Empty files until the inodes or the directory's room run out.
    for (int n = 0;; n++) {
        auto created = img.run(w.create(ext4::kRootInode, "empty" + std::to_string(n), file_mode(ext4::kTypeRegular | 0644)));
        if (created.is_error()) {
            EXPECT_EQ(created.error(), ENOSPC);
            break;
        }
        names[created.value()] = "empty" + std::to_string(n);
        files[created.value()];
    }
    std::string report;
    EXPECT_TRUE(img.fsck(&report)) << report;
    for (auto& [number, data] : files) ASSERT_EQ(img.read_file(number), data) << names[number];
    auto first = files.begin();
    EXPECT_EQ(img.debugfs("cat /" + names[first->first]), first->second);

    for (auto& [number, name] : names) ASSERT_TRUE(img.run(w.unlink(ext4::kRootInode, name, now)).is_ok()) << name;
    EXPECT_TRUE(img.fsck(&report)) << report;
    ext4::Superblock after = img.current_superblock();
    EXPECT_EQ(after.free_inodes, img.sb.free_inodes);
    // The root directory keeps the blocks it grew by.
    u64 root_growth = img.inode(ext4::kRootInode).blocks_512 / (img.sb.block_size / 512) - 1;
    EXPECT_EQ(after.free_blocks + root_growth, img.sb.free_blocks);
}

// htree directories (indexed by e2fsck -D; with 1 KiB blocks, "big" needs dx_node blocks
// below its root) gain entries: they turn linear and stay valid, every old name still
// found. An indexed directory moved elsewhere gets its ".." (its dx_root checksum covers
// it, so it turns linear too).
TEST_P(Ext4Writer, AddingToAnHtreeDirectoryKeepsItValid) {
    WriterImage img;
    fs::path source = img.temp.path() / "tree";
    fs::create_directories(source / "big" / "sub");
    fs::create_directories(source / "moving");
    fs::create_directories(source / "other");
    auto long_name = [](int i) { return "entry-with-a-rather-long-name-to-fill-blocks-" + std::to_string(i); };
    const int count = 3000;
    for (int i = 0; i < count; i++) std::ofstream(source / "big" / long_name(i));
    for (int i = 0; i < 300; i++) std::ofstream(source / "moving" / long_name(i));
    ASSERT_TRUE(make_image(source, img.temp.path() / "ext4.img", GetParam(), "32M"));
    img.image = img.temp.path() / "ext4.img";
    run("e2fsck -fyD " + quote(img.image) + " >/dev/null 2>&1");
    img.device.bytes = read_bytes(img.image);
    ASSERT_TRUE(img.open());
    auto& w = *img.writer;
    const ext4::Timestamp now{1700000000, 0};
    std::vector<u8> scratch(w.volume().scratch_size());
    u32 big = w.volume().resolve("big", scratch).value_or(0);
    u32 moving = w.volume().resolve("moving", scratch).value_or(0);
    u32 other = w.volume().resolve("other", scratch).value_or(0);
    ASSERT_TRUE(img.inode(big).flags & ext4::kFlagIndex);
    ASSERT_TRUE(img.inode(moving).flags & ext4::kFlagIndex);
    if (img.sb.block_size == 1024) {
        u64 root_block = w.volume().map_block(img.inode(big), 0, scratch).value().physical;
        EXPECT_GE(img.device.bytes[root_block * 1024 + 0x1E], 1) << "no dx_node level";
    }
    // A removal keeps the index; an addition makes the directory linear.
    ASSERT_TRUE(img.run(w.unlink(big, long_name(7), now)).is_ok());
    EXPECT_TRUE(img.inode(big).flags & ext4::kFlagIndex);
    std::string report;
    EXPECT_TRUE(img.fsck(&report)) << report;
    ASSERT_TRUE(img.run(w.create(big, "added", file_mode(ext4::kTypeRegular | 0644))).is_ok());
    EXPECT_FALSE(img.inode(big).flags & ext4::kFlagIndex);
    // A subdirectory moved out gets its "..", and its old parent loses a link.
    u32 sub = w.volume().resolve("big/sub", scratch).value_or(0);
    ASSERT_TRUE(img.run(w.rename(big, "sub", ext4::kRootInode, "moved", now)).is_ok());
    EXPECT_EQ(img.inode(big).links_count, 2u);
    EXPECT_EQ(img.entries(sub).at(".."), ext4::kRootInode);
    ASSERT_TRUE(img.run(w.rename(ext4::kRootInode, "moving", other, "moved-in", now)).is_ok());
    EXPECT_FALSE(img.inode(moving).flags & ext4::kFlagIndex);
    EXPECT_EQ(img.entries(moving).at(".."), other);
    EXPECT_EQ(img.inode(other).links_count, 3u);
    EXPECT_TRUE(img.fsck(&report)) << report;
    auto names = img.entries(big);
    EXPECT_EQ(names.size(), usize(count) + 2);  // count - 1 old, "added", "." and ".."
    for (int i = 0; i < count; i++) EXPECT_EQ(names.count(long_name(i)), i == 7 ? 0u : 1u) << i;
    EXPECT_EQ(img.entries(moving).size(), 302u);
    for (int i = 0; i < 300; i++) EXPECT_EQ(w.volume().resolve("other/moved-in/" + long_name(i), scratch).is_ok(), true);
}

// Malformed metadata met on the way is refused (EINVAL), the operation dropped, and the
// rest of the volume left as it was.
TEST_P(Ext4Writer, MalformedMetadataIsRefusedAndNothingElseChanges) {
    WriterImage img;
    ASSERT_TRUE(img.make(GetParam(), "16M"));
    auto& w = *img.writer;
    const ext4::Timestamp now{1700000000, 0};
    u32 file = img.run(w.create(ext4::kRootInode, "victim", file_mode(ext4::kTypeRegular | 0644))).value_or(0);
    ASSERT_NE(file, 0u);
    ASSERT_TRUE(img.run(w.write(file, 0, as_bytes(std::string(3 * img.sb.block_size, 'v')), now)).is_ok());
    u32 dir = img.run(w.mkdir(ext4::kRootInode, "dir", file_mode(0755))).value_or(0);
    ASSERT_NE(dir, 0u);
    std::vector<u8> scratch(w.volume().scratch_size());

    // A directory block whose first rec_len is 0.
    u64 dir_block = w.volume().map_block(img.inode(dir), 0, scratch).value().physical;
    ext4::put16(std::span<u8>(img.device.bytes).subspan(dir_block * img.sb.block_size, img.sb.block_size), 4, 0);
    std::vector<u8> before = img.device.bytes;
    ext4::Superblock counts = img.current_superblock();
    EXPECT_EQ(img.run(w.create(dir, "x", file_mode(ext4::kTypeRegular | 0644))).error(), EINVAL);
    EXPECT_EQ(img.device.bytes, before);
    EXPECT_EQ(img.current_superblock().free_inodes, counts.free_inodes);

    // An extent root with a bad magic (the inode's checksum redone, so only the tree is
    // wrong).
    ext4::Inode victim = img.inode(file);
    victim.block[0] = 0;
    {
        u64 table = w.volume().group(0, scratch).value().inode_table;
        auto raw = std::span<u8>(img.device.bytes).subspan(table * img.sb.block_size + u64(file - 1) * img.sb.inode_size,
                                                            img.sb.inode_size);
        ext4::encode_inode(img.sb, victim, raw);
    }
    before = img.device.bytes;
    EXPECT_EQ(img.run(w.write(file, 0, as_bytes(std::string(10, 'w')), now)).error(), EINVAL);
    EXPECT_EQ(img.run(w.truncate(file, 1, now)).error(), EINVAL);
    EXPECT_EQ(img.run(w.unlink(ext4::kRootInode, "victim", now)).error(), EINVAL);
    EXPECT_EQ(img.device.bytes, before);
}

// 4 KiB blocks with metadata_csum and 64bit, in groups small enough that a test image
// has several (BLOCK_UNINIT ones among them); 1 KiB blocks with neither, and with gdt_csum
// (uninit_bg) for its crc16 and the UNINIT flags; meta_bg, whose descriptor blocks lie
// in the groups themselves.
INSTANTIATE_TEST_SUITE_P(Mke2fs, Ext4Writer, ::testing::Values("-b 4096 -g 4096", "-b 1024 -O ^metadata_csum,^64bit",
                                           "-b 1024 -O ^metadata_csum,^64bit,uninit_bg",
                                           "-b 1024 -O meta_bg,^resize_inode"),
                         [](const auto& info) { return "options" + std::to_string(info.index); });

}  // namespace
