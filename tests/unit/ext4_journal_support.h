// Shared by ext4_journal_test.cc (the writer) and ext4_journal_replay_test.cc: a device
// in memory that records every write and can crash, and a fixture whose transaction is the
// set of blocks `debugfs -w` changed to add a file and a directory (so old and new image
// are both clean ext4) in a volume from Debian's mke2fs, plus free blocks of chosen
// contents.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "ext4/journal.h"
#include "ext4_test_support.h"

namespace ext4_journal_test {

using namespace ext4_test;

// An image in memory that records every write and flush, and can drop writes: the crash.
class MemoryDevice final : public ext4::BlockDevice {
public:
    explicit MemoryDevice(std::vector<u8> image) : bytes(std::move(image)) {
        // The volume's block size (s_log_block_size): a write of several blocks is
        // recorded block by block, as a disk may keep any of them after a crash.
        if (bytes.size() >= 2048) block_size = 1024u << bytes[1024 + 24];
    }
    Result<void> read(u64 offset, std::span<u8> out) override {
        if (offset > bytes.size() || out.size() > bytes.size() - offset) return Error(EIO);
        std::memcpy(out.data(), bytes.data() + offset, out.size());
        return {};
    }
    Result<void> write(u64 offset, std::span<const u8> in) override {
        if (offset > bytes.size() || in.size() > bytes.size() - offset) {
            out_of_range++;
            return Error(EIO);
        }
        if (failing) return Error(EIO);
        writes++;
        for (usize done = 0; done < in.size(); done += block_size) {
            usize n = in.size() - done < block_size ? in.size() - done : block_size;
            log.push_back({offset + done, std::vector<u8>(in.begin() + done, in.begin() + done + n), flushes});
            if (flushes >= flushes_before_crash) continue;  // the crash: acknowledged, lost
            std::memcpy(bytes.data() + offset + done, in.data() + done, n);
        }
        return {};
    }
    Result<void> write_all(std::span<const ext4::BlockWrite> list) override {
        batches++;
        return ext4::BlockDevice::write_all(list);
    }
    Result<void> flush() override {
        flushes++;
        return {};
    }
    struct Write {
        u64 offset;
        std::vector<u8> data;
        u64 epoch;  // flushes before it
    };
    std::vector<u8> bytes;
    u32 block_size = 1024;
    std::vector<Write> log;  // block by block
    u64 writes = 0;          // write() calls: requests, when a device takes one each
    u64 batches = 0;         // write_all() calls: each one wait for the device
    u64 flushes = 0;
    u64 flushes_before_crash = ~u64(0);
    bool failing = false;  // every write fails with EIO
    u64 out_of_range = 0;  // writes past the end of the image (EIO)
};

// Reads bytes it does not own (MemoryReader copies them).
class SpanReader final : public ext4::BlockReader {
public:
    explicit SpanReader(std::span<const u8> bytes) : m_bytes(bytes) {}
    Result<void> read(u64 offset, std::span<u8> out) override {
        if (offset > m_bytes.size() || out.size() > m_bytes.size() - offset) return Error(EIO);
        std::memcpy(out.data(), m_bytes.data() + offset, out.size());
        return {};
    }

private:
    std::span<const u8> m_bytes;
};

struct Images {
    std::vector<u8> old_image, new_image;
    u32 block_size = 0;
    std::vector<bool> journal;  // blocks of the journal inode (and its superblock)
    std::vector<ext4::DirtyBlock> transaction;
    std::vector<std::vector<u8>> extra;  // contents of the free blocks in the transaction
};

inline std::span<const u8> block_of(const std::vector<u8>& image, u32 block_size, u64 block) {
    return std::span<const u8>(image).subspan(block * block_size, block_size);
}

// Whether `image` matches `reference` in every block outside the journal. With
// `e2fsck_fields`, the superblock fields e2fsck updates whenever it writes one (times,
// mount count, lifetime writes, and so the checksum) are not compared.
inline bool same_blocks_outside(const std::vector<u8>& image, const std::vector<u8>& reference, u32 block_size,
                         const std::vector<bool>& journal, std::string* first_difference, bool e2fsck_fields) {
    for (u64 block = 0; block < journal.size(); block++) {
        if (journal[block]) continue;
        auto mine = block_of(image, block_size, block);
        auto theirs = block_of(reference, block_size, block);
        if (e2fsck_fields && block * block_size <= ext4::kSuperblockOffset &&
            ext4::kSuperblockOffset < (block + 1) * block_size) {
            std::vector<u8> a(mine.begin(), mine.end()), b(theirs.begin(), theirs.end());
            usize sb = ext4::kSuperblockOffset - block * block_size;
            for (auto [at, length] : {std::pair<usize, usize>{0x2C, 10}, {0x40, 4}, {0x178, 8}, {0x3FC, 4}}) {
                std::fill_n(a.begin() + std::ptrdiff_t(sb + at), length, 0);
                std::fill_n(b.begin() + std::ptrdiff_t(sb + at), length, 0);
            }
            if (a != b) {
                if (first_difference) *first_difference = "superblock";
                return false;
            }
            continue;
        }
        if (std::memcmp(mine.data(), theirs.data(), block_size) != 0) {
            if (first_difference) *first_difference = "block " + std::to_string(block);
            return false;
        }
    }
    return true;
}

// `image` with the superblock's state saying "errors" (what replay does after a corrupt
// transaction, like e2fsck).
inline std::vector<u8> with_errors(std::vector<u8> image) {
    auto sb = std::span<u8>(image).subspan(ext4::kSuperblockOffset, ext4::kSuperblockSize);
    ext4::put16(sb, 0x3A, u16(ext4::le16(sb, 0x3A) | 0x2));
    if (ext4::le32(sb, 0x64) & ext4::ro_compat::kMetadataCsum) ext4::put32(sb, 0x3FC, ext4::superblock_checksum(sb));
    return image;
}

// Which blocks of the volume hold its journal (the journal inode's blocks).
inline std::vector<bool> journal_map(const std::vector<u8>& image) {
    MemoryReader reader(image);
    auto volume = ext4::Volume::open(reader).value();
    u32 block_size = volume.superblock().block_size;
    std::vector<u8> scratch(volume.scratch_size());
    std::vector<bool> journal(image.size() / block_size, false);
    auto inode = volume.read_inode(volume.superblock().journal_inode, scratch).value();
    for (u64 logical = 0; logical < inode.size / block_size; logical++)
        journal[volume.map_block(inode, logical, scratch).value().physical] = true;
    return journal;
}

class Ext4JournalFixture : public ::testing::TestWithParam<const char*> {
protected:
    void SetUp() override {
        if (!have_e2fsprogs()) GTEST_SKIP() << "e2fsprogs not installed";
        fs::path source = temp.path() / "tree";
        fs::create_directories(source / "dir");
        std::ofstream(source / "hello.txt") << "hello\n";
        std::ofstream(temp.path() / "payload") << std::string(5000, 'x');
        old_path = temp.path() / "old.img";
        ASSERT_TRUE(make_image(source, old_path, GetParam(), "8M"));
        fs::path new_path = temp.path() / "new.img";
        fs::copy_file(old_path, new_path);
        std::string commands = "write " + (temp.path() / "payload").string() + " payload\nmkdir newdir\n";
        std::ofstream(temp.path() / "commands") << commands;
        run("debugfs -w -f " + quote(temp.path() / "commands") + " " + quote(new_path) + " >/dev/null 2>&1");
        std::string report;
        ASSERT_TRUE(fsck_clean(new_path, &report)) << report;
        images.old_image = read_bytes(old_path);
        images.new_image = read_bytes(new_path);
        ASSERT_EQ(images.old_image.size(), images.new_image.size());
        load_layout();
    }

    // The journal's blocks and a few free blocks, from the volume as libs/ext4 reads it.
    void load_layout() {
        MemoryReader reader(images.old_image);
        auto volume = ext4::Volume::open(reader).value();
        images.block_size = volume.superblock().block_size;
        std::vector<u8> scratch(volume.scratch_size());
        images.journal = journal_map(images.old_image);
        std::vector<u8> bitmap(images.block_size);
        for (u32 group = 0; group < volume.superblock().group_count; group++) {
            ASSERT_TRUE(volume.read_block_bitmap(group, bitmap, scratch).is_ok());
            for (u32 bit = 0; bit < volume.superblock().blocks_in_group(group); bit++) {
                u64 block = volume.superblock().group_first_block(group) + bit;
                bool free_in_both = !(bitmap[bit / 8] & (1 << (bit % 8))) &&
                                    std::memcmp(block_of(images.old_image, images.block_size, block).data(),
                                                block_of(images.new_image, images.block_size, block).data(),
                                                images.block_size) == 0;
                if (free_in_both && block > 100) free_blocks.push_back(block);
            }
        }
    }

    // The transaction: every block debugfs changed, plus `extra` free blocks with a pattern
    // (the first one starting with the jbd2 magic, so it must be escaped in the log).
    void build_transaction(usize extra) {
        ASSERT_GE(free_blocks.size(), extra + 10);
        u64 blocks = images.old_image.size() / images.block_size;
        for (u64 block = 0; block < blocks; block++) {
            if (std::memcmp(block_of(images.old_image, images.block_size, block).data(),
                            block_of(images.new_image, images.block_size, block).data(), images.block_size) != 0)
                images.transaction.push_back({block, block_of(images.new_image, images.block_size, block)});
        }
        ASSERT_GT(images.transaction.size(), 3u);
        images.extra.resize(extra);
        for (usize i = 0; i < extra; i++) {
            u64 block = free_blocks[free_blocks.size() - 1 - i];
            auto& data = images.extra[i];
            data.assign(images.block_size, u8(0x40 + i));
            if (i == 0) ext4::jbd2::put_be32(data, 0, ext4::jbd2::kMagic);
            std::memcpy(images.new_image.data() + block * images.block_size, data.data(), data.size());
            images.transaction.push_back({block, data});
        }
    }

    bool same_outside_journal(const std::vector<u8>& image, const std::vector<u8>& reference,
                              std::string* first_difference = nullptr, bool e2fsck_fields = false) {
        return same_blocks_outside(image, reference, images.block_size, images.journal, first_difference,
                                   e2fsck_fields);
    }

    // start, commit the transaction, stop: the writes, recorded on a copy of the old image.
    MemoryDevice commit_all(u64 flushes_before_crash = ~u64(0)) {
        MemoryDevice device(images.old_image);
        device.flushes_before_crash = flushes_before_crash;
        auto journal = ext4::Journal::open(device);
        EXPECT_TRUE(journal.is_ok()) << journal.error();
        if (journal.is_error()) return device;
        EXPECT_TRUE(journal.value().start().is_ok());
        auto committed = journal.value().commit(images.transaction, {1700000000, 5});
        EXPECT_TRUE(committed.is_ok()) << journal.value().diagnosis().reason;
        flushes_when_committed = device.flushes;
        EXPECT_TRUE(journal.value().stop().is_ok());
        return device;
    }

    // Writes that landed outside the journal.
    usize device_writes_outside_journal(const MemoryDevice& device) {
        usize count = 0;
        for (const auto& w : device.log)
            if (w.epoch < device.flushes_before_crash && !images.journal[w.offset / images.block_size]) count++;
        return count;
    }

    // The journal's blocks in logical order (mke2fs makes the journal contiguous).
    std::vector<u64> journal_block_list() {
        std::vector<u64> blocks;
        for (u64 block = 0; block < images.journal.size(); block++)
            if (images.journal[block]) blocks.push_back(block);
        return blocks;
    }

    fs::path write_temp(const std::string& name, const std::vector<u8>& bytes) {
        fs::path path = temp.path() / name;
        write_bytes(path, bytes);
        return path;
    }

    bool needs_recovery(const std::vector<u8>& image) {
        SpanReader reader(image);
        auto volume = ext4::Volume::open(reader);
        return volume.is_error() || volume.value().superblock().needs_recovery();
    }

    u64 flushes_when_committed = 0;  // by the time commit() returned, in commit_all()
    TempDir temp;
    fs::path old_path;
    Images images;
    std::vector<u64> free_blocks;
};

// The commit block's logical position in the journal (the log starting at block 1) of a
// volume our writer crashed on before checkpoint.
inline u64 commit_position(const std::vector<u8>& image, u32 block_size, const std::vector<u64>& journal_blocks) {
    for (u64 logical = 1; logical < journal_blocks.size(); logical++) {
        ext4::jbd2::Header header;
        if (ext4::jbd2::read_header(block_of(image, block_size, journal_blocks[logical]), &header) &&
            header.type == ext4::jbd2::block_type::kCommit)
            return logical;
    }
    return 0;
}

// e2fsck -E journal_only on a copy of `image`: its result.
inline std::vector<u8> e2fsck_replay(const fs::path& path, const std::vector<u8>& image) {
    write_bytes(path, image);
    int status = -1;
    std::string output = run("e2fsck -y -E journal_only " + quote(path) + " 2>&1", &status);
    EXPECT_LE(status, 1) << output;
    return read_bytes(path);
}

// The option sets every journal test runs on: 1 and 4 KiB blocks, with and without
// metadata_csum (checksum v3 in the journal) and 64bit (64-bit tags).
inline auto mke2fs_options() {
    return ::testing::Values("", "-b 4096", "-O ^metadata_csum", "-O ^metadata_csum,^64bit",
                             "-b 4096 -O ^metadata_csum,^64bit");
}

}  // namespace ext4_journal_test
