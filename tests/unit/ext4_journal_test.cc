// The jbd2 journal of libs/ext4 on volumes from Debian's mke2fs. A transaction is the set
// of blocks `debugfs -w` changed to add a file and a directory (so old and new image are
// both clean ext4), plus free blocks of chosen contents. Crashes are simulated by a device
// that keeps only some of the writes it was given; e2fsck is the reference for replay.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "ext4/journal.h"
#include "ext4_test_support.h"

namespace {

using namespace ext4_test;

// An image in memory that records every write and flush, and can drop writes: the crash.
class MemoryDevice final : public ext4::BlockDevice {
public:
    explicit MemoryDevice(std::vector<u8> image) : bytes(std::move(image)) {}
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
        log.push_back({offset, std::vector<u8>(in.begin(), in.end()), flushes});
        if (flushes >= flushes_before_crash) return {};  // the crash: acknowledged, lost
        std::memcpy(bytes.data() + offset, in.data(), in.size());
        return {};
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
    std::vector<Write> log;
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

std::span<const u8> block_of(const std::vector<u8>& image, u32 block_size, u64 block) {
    return std::span<const u8>(image).subspan(block * block_size, block_size);
}

// Whether `image` matches `reference` in every block outside the journal. With
// `e2fsck_fields`, the superblock fields e2fsck updates whenever it writes one (times,
// mount count, lifetime writes, and so the checksum) are not compared.
bool same_blocks_outside(const std::vector<u8>& image, const std::vector<u8>& reference, u32 block_size,
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
std::vector<u8> with_errors(std::vector<u8> image) {
    auto sb = std::span<u8>(image).subspan(ext4::kSuperblockOffset, ext4::kSuperblockSize);
    ext4::put16(sb, 0x3A, u16(ext4::le16(sb, 0x3A) | 0x2));
    if (ext4::le32(sb, 0x64) & ext4::ro_compat::kMetadataCsum) ext4::put32(sb, 0x3FC, ext4::superblock_checksum(sb));
    return image;
}

// Which blocks of the volume hold its journal (the journal inode's blocks).
std::vector<bool> journal_map(const std::vector<u8>& image) {
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

class Ext4Journal : public ::testing::TestWithParam<const char*> {
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

TEST_P(Ext4Journal, OpensTheJournalMke2fsMade) {
    MemoryDevice device(images.old_image);
    ext4::Diagnosis why;
    auto journal = ext4::Journal::open(device, &why);
    ASSERT_TRUE(journal.is_ok()) << why.reason;
    const auto& jsb = journal.value().superblock();
    EXPECT_EQ(jsb.block_size, images.block_size);
    EXPECT_EQ(jsb.block_type, ext4::jbd2::block_type::kSuperblockV2);
    EXPECT_EQ(jsb.first, 1u);
    EXPECT_TRUE(jsb.empty());
    EXPECT_FALSE(journal.value().needs_recovery());
    u64 journal_blocks = std::count(images.journal.begin(), images.journal.end(), true);
    EXPECT_EQ(jsb.maxlen, journal_blocks);
    EXPECT_GT(journal.value().max_transaction_blocks(), jsb.maxlen * 9 / 10);
}

TEST_P(Ext4Journal, CommitWritesEveryBlockHomeAndLeavesACleanVolume) {
    build_transaction(70);  // more tags than one descriptor block holds with 1 KiB blocks
    MemoryDevice device = commit_all();
    std::string where;
    EXPECT_TRUE(same_outside_journal(device.bytes, images.new_image, &where)) << where;
    EXPECT_FALSE(needs_recovery(device.bytes));
    std::string report;
    EXPECT_TRUE(fsck_clean(write_temp("committed.img", device.bytes), &report)) << report;
}

// Every prefix of the writes of start, commit and stop, and, inside the flush interval the
// crash falls in, every suffix too (a disk may write in any order between flushes): after
// replay each block of the transaction is old, or each is new, and e2fsck agrees.
TEST_P(Ext4Journal, CrashAfterAnyWriteReplaysToAllOldOrAllNew) {
    build_transaction(3);
    MemoryDevice recorded = commit_all();
    const auto& log = recorded.log;
    ASSERT_GT(log.size(), images.transaction.size() * 2);
    int old_states = 0, new_states = 0, fscked = 0;
    for (usize k = 0; k <= log.size(); k++) {
        for (int order = 0; order < 2; order++) {
            std::vector<u8> image = images.old_image;
            u64 epoch = k < log.size() ? log[k].epoch : ~u64(0);
            // order 0: writes [0, k). order 1: the writes before k's flush interval, then
            // those of that interval from k on (the ones before k lost instead).
            for (usize i = 0; i < log.size(); i++) {
                bool kept = order == 0 ? i < k : (log[i].epoch < epoch || (log[i].epoch == epoch && i >= k));
                if (kept) std::memcpy(image.data() + log[i].offset, log[i].data.data(), log[i].data.size());
            }
            MemoryDevice device(std::move(image));
            ext4::Diagnosis why;
            auto replayed = ext4::replay_journal(device, &why);
            ASSERT_TRUE(replayed.is_ok()) << "crash at write " << k << ": " << why.reason;
            bool is_old = same_outside_journal(device.bytes, images.old_image);
            bool is_new = same_outside_journal(device.bytes, images.new_image);
            EXPECT_TRUE(is_old || is_new) << "crash at write " << k << " order " << order;
            // Once commit() has returned (fsync did), every write it made before its last
            // flush is durable: a crash after it, in whatever order the rest landed, is new.
            bool durable = order == 0 ? (k == log.size() || log[k].epoch >= flushes_when_committed)
                                      : epoch >= flushes_when_committed;
            if (durable) {
                EXPECT_TRUE(is_new) << "crash at write " << k << " after commit returned";
            }
            EXPECT_FALSE(needs_recovery(device.bytes)) << "crash at write " << k;
            old_states += is_old;
            new_states += is_new;
            if (order == 0 && k % 3 == 0) {
                std::string report;
                EXPECT_TRUE(fsck_clean(write_temp("crashed.img", device.bytes), &report)) << "write " << k << report;
                fscked++;
            }
        }
    }
    EXPECT_GT(old_states, 0);
    EXPECT_GT(new_states, 0);
    EXPECT_GT(fscked, 3);
}

// data=ordered: a file's data written to the device before the commit of its metadata
// (not journaled) is on disk in every crash state where that metadata is.
TEST_P(Ext4Journal, DataWrittenBeforeCommitIsThereWheneverItsMetadataIs) {
    build_transaction(0);
    // The payload's data blocks, from the new image.
    MemoryReader reader(images.new_image);
    auto volume = ext4::Volume::open(reader).value();
    std::vector<u8> scratch(volume.scratch_size());
    auto inode = volume.read_inode(volume.resolve("payload", scratch).value(), scratch).value();
    std::vector<bool> data_blocks(images.journal.size(), false);
    for (u64 logical = 0; logical * images.block_size < inode.size; logical++)
        data_blocks[volume.map_block(inode, logical, scratch).value().physical] = true;
    std::vector<ext4::DirtyBlock> metadata;
    for (const auto& dirty : images.transaction)
        if (!data_blocks[dirty.block]) metadata.push_back(dirty);
    ASSERT_LT(metadata.size(), images.transaction.size());

    MemoryDevice recorded(images.old_image);
    auto journal = ext4::Journal::open(recorded).value();
    ASSERT_TRUE(journal.start().is_ok());
    // After start(), so that only commit()'s own flush orders them.
    for (const auto& dirty : images.transaction) {
        if (data_blocks[dirty.block]) {
            ASSERT_TRUE(recorded.write(dirty.block * images.block_size, dirty.bytes).is_ok());
        }
    }
    ASSERT_TRUE(journal.commit(metadata).is_ok());
    ASSERT_TRUE(journal.stop().is_ok());

    std::vector<bool> skip_data = images.journal;  // metadata only: the journal and the data left out
    for (u64 block = 0; block < skip_data.size(); block++) skip_data[block] = skip_data[block] || data_blocks[block];
    std::vector<bool> only_data(images.journal.size(), true);
    for (u64 block = 0; block < only_data.size(); block++) only_data[block] = !data_blocks[block];
    const auto& log = recorded.log;
    int new_states = 0;
    for (usize k = 0; k <= log.size(); k++) {
        for (int order = 0; order < 2; order++) {
            std::vector<u8> image = images.old_image;
            u64 epoch = k < log.size() ? log[k].epoch : ~u64(0);
            for (usize i = 0; i < log.size(); i++) {
                bool kept = order == 0 ? i < k : (log[i].epoch < epoch || (log[i].epoch == epoch && i >= k));
                if (kept) std::memcpy(image.data() + log[i].offset, log[i].data.data(), log[i].data.size());
            }
            MemoryDevice device(std::move(image));
            ASSERT_TRUE(ext4::replay_journal(device).is_ok());
            std::string where;
            bool is_old = same_blocks_outside(device.bytes, images.old_image, images.block_size, skip_data, &where, false);
            bool is_new = same_blocks_outside(device.bytes, images.new_image, images.block_size, skip_data, &where, false);
            EXPECT_TRUE(is_old || is_new) << "crash at write " << k;
            if (is_new) {
                new_states++;
                EXPECT_TRUE(same_blocks_outside(device.bytes, images.new_image, images.block_size, only_data, &where, false))
                    << "metadata without its data after a crash at write " << k << ": " << where;
            }
        }
    }
    EXPECT_GT(new_states, 0);
}

// Crash after the commit block is durable and before any block is home: e2fsck's replay
// (Debian's) and ours must write the same bytes, and both the new image.
TEST_P(Ext4Journal, ReplayMatchesE2fsckAfterACrashBeforeCheckpoint) {
    build_transaction(70);
    // start() flushes twice; commit() after the log and after the commit block.
    MemoryDevice crashed = commit_all(4);
    ASSERT_TRUE(needs_recovery(crashed.bytes));
    EXPECT_EQ(device_writes_outside_journal(crashed), 1u);  // the superblock's needs_recovery

    fs::path theirs = write_temp("theirs.img", crashed.bytes);
    int status = -1;
    std::string output = run("e2fsck -y -E journal_only " + quote(theirs) + " 2>&1", &status);
    ASSERT_LE(status, 1) << output;
    MemoryDevice ours(crashed.bytes);
    ext4::Diagnosis why;
    auto report = ext4::replay_journal(ours, &why);
    ASSERT_TRUE(report.is_ok()) << why.reason;
    EXPECT_EQ(report.value().transactions, 1u);
    EXPECT_EQ(report.value().blocks_replayed, images.transaction.size());
    EXPECT_STREQ(report.value().stopped_by, "end of log");

    std::string where;
    auto their_bytes = read_bytes(theirs);
    EXPECT_TRUE(same_outside_journal(ours.bytes, their_bytes, &where, true)) << where;
    EXPECT_TRUE(same_outside_journal(ours.bytes, images.new_image, &where)) << where;
    EXPECT_FALSE(needs_recovery(ours.bytes));
    EXPECT_FALSE(needs_recovery(their_bytes));
    std::string fsck;
    EXPECT_TRUE(fsck_clean(write_temp("ours.img", ours.bytes), &fsck)) << fsck;
}

// Transactions written by e2fsprogs' own journal writer (debugfs jo/jw/jc), the second
// revoking a block of the first, with checksums v3 or v1: replayed like e2fsck replays them.
// With v1, debugfs 1.47 counts the revoke block into the transaction's crc32 and recovery
// (the kernel's and e2fsck's) does not: the second transaction is corrupt to both.
TEST_P(Ext4Journal, ReplaysDebugfsTransactionsLikeE2fsck) {
    ASSERT_GE(free_blocks.size(), 8u);
    std::vector<u8> payload(4 * images.block_size);
    for (usize i = 0; i < payload.size(); i++) payload[i] = u8(i * 7 + i / images.block_size);
    ext4::jbd2::put_be32(payload, images.block_size, ext4::jbd2::kMagic);  // escaped in the log
    fs::path payload_path = write_temp("payload.bin", payload);
    auto b = [&](int i) { return std::to_string(free_blocks[free_blocks.size() - 1 - usize(i)]); };
    // -c: checksum v3 with metadata_csum, else v1 (a crc32 of each transaction).
    std::string commands = std::string("jo -c\n") +
                           "jw -b " + b(0) + "," + b(1) + "," + b(2) + " " + payload_path.string() + "\n" +
                           "jw -b " + b(3) + "," + b(4) + " -r " + b(1) + " " + payload_path.string() + "\n" + "jc\n";
    std::ofstream(temp.path() / "journal_commands") << commands;
    fs::path image = write_temp("debugfs.img", images.old_image);
    run("debugfs -w -f " + quote(temp.path() / "journal_commands") + " " + quote(image) + " >/dev/null 2>&1");
    auto written = read_bytes(image);
    ASSERT_TRUE(needs_recovery(written));
    bool v1 = std::string(GetParam()).find("^metadata_csum") != std::string::npos;
    {
        MemoryDevice probe(written);
        auto jsb = ext4::Journal::open(probe).value().superblock();
        EXPECT_EQ(jsb.has_incompat(ext4::jbd2::incompat::kCsumV3), !v1);
        EXPECT_EQ((jsb.feature_compat & ext4::jbd2::compat::kChecksum) != 0, v1);
    }

    fs::path theirs = write_temp("theirs.img", written);
    int status = -1;
    std::string output = run("e2fsck -y -E journal_only " + quote(theirs) + " 2>&1", &status);
    ASSERT_LE(status, 1) << output;
    MemoryDevice ours(written);
    ext4::Diagnosis why;
    auto report = ext4::replay_journal(ours, &why);
    ASSERT_TRUE(report.is_ok()) << why.reason;
    std::string where;
    auto their_bytes = read_bytes(theirs);
    EXPECT_TRUE(same_outside_journal(ours.bytes, their_bytes, &where, true)) << where;
    auto home = [&](int i) { return block_of(ours.bytes, images.block_size, std::stoull(b(i))); };
    auto old_home = [&](int i) { return block_of(images.old_image, images.block_size, std::stoull(b(i))); };
    if (v1) {
        EXPECT_EQ(report.value().transactions, 1u);
        EXPECT_TRUE(report.value().corrupt);
        EXPECT_STREQ(report.value().stopped_by, "transaction crc32 mismatch");
        EXPECT_EQ(report.value().blocks_replayed, 3u);
        EXPECT_EQ(ext4::jbd2::be32(home(1), 0), ext4::jbd2::kMagic);  // unescaped
        EXPECT_EQ(0, std::memcmp(home(4).data(), old_home(4).data(), images.block_size));
        return;
    }
    EXPECT_EQ(report.value().transactions, 2u) << report.value().stopped_by;
    EXPECT_FALSE(report.value().corrupt);
    EXPECT_EQ(report.value().blocks_revoked, 1u);
    EXPECT_EQ(report.value().blocks_replayed, 4u);
    // The revoked block stayed old; the escaped one got its magic back.
    EXPECT_EQ(0, std::memcmp(home(1).data(), old_home(1).data(), images.block_size));
    EXPECT_EQ(ext4::jbd2::be32(home(4), 0), ext4::jbd2::kMagic);
}

// Damage to any block of a committed transaction in the log (with checksums on, every
// such block is covered) leaves the volume all old; damage elsewhere changes nothing.
TEST_P(Ext4Journal, DamagedLogNeverReplaysHalfATransaction) {
    build_transaction(3);
    MemoryDevice crashed = commit_all(4);
    std::vector<u64> journal_blocks = journal_block_list();
    bool checksums = std::string(GetParam()).find("^metadata_csum") == std::string::npos;
    usize logged = images.transaction.size() + 3;  // descriptor, copies, commit block
    std::mt19937 random(15);
    for (int round = 0; round < 60; round++) {
        std::vector<u8> image = crashed.bytes;
        // Mostly the transaction's blocks (1 .. logged), sometimes the ones after it.
        u64 index = 1 + random() % (logged + 2);
        u64 block = journal_blocks[index];
        usize offset = round < 20 ? random() % 16 : random() % images.block_size;
        image[block * images.block_size + offset] ^= u8(1 + random() % 255);
        MemoryDevice device(std::move(image));
        auto replayed = ext4::replay_journal(device);
        if (replayed.is_error()) continue;  // refusing is safe too
        // A damaged commit block also marks the volume with errors (as e2fsck does).
        bool is_old = same_outside_journal(device.bytes,
                                           replayed.value().corrupt ? with_errors(images.old_image) : images.old_image);
        bool is_new = same_outside_journal(device.bytes, images.new_image);
        if (checksums) {
            EXPECT_TRUE(is_old || is_new) << "round " << round << " journal block " << index << " offset " << offset;
        } else if (index >= logged) {
            EXPECT_TRUE(is_new) << "round " << round;  // beyond the commit block: unread
        }
        EXPECT_FALSE(needs_recovery(device.bytes));
    }
    // The commit block itself, with checksums: any flipped byte drops the transaction.
    if (checksums) {
        std::vector<u8> image = crashed.bytes;
        u64 commit = journal_blocks[images.transaction.size() / 1 + 2];
        image[commit * images.block_size + 100] ^= 1;
        MemoryDevice device(image);
        auto report = ext4::replay_journal(device);
        ASSERT_TRUE(report.is_ok());
        EXPECT_STREQ(report.value().stopped_by, "commit block checksum mismatch");
        EXPECT_TRUE(report.value().corrupt);
        EXPECT_TRUE(same_outside_journal(device.bytes, with_errors(images.old_image)));
    }
}

// The commit block's logical position in the journal (the log starting at block 1) of a
// volume our writer crashed on before checkpoint.
u64 commit_position(const std::vector<u8>& image, u32 block_size, const std::vector<u64>& journal_blocks) {
    for (u64 logical = 1; logical < journal_blocks.size(); logical++) {
        ext4::jbd2::Header header;
        if (ext4::jbd2::read_header(block_of(image, block_size, journal_blocks[logical]), &header) &&
            header.type == ext4::jbd2::block_type::kCommit)
            return logical;
    }
    return 0;
}

// e2fsck -E journal_only on a copy of `image`: its result.
std::vector<u8> e2fsck_replay(const fs::path& path, const std::vector<u8>& image) {
    write_bytes(path, image);
    int status = -1;
    std::string output = run("e2fsck -y -E journal_only " + quote(path) + " 2>&1", &status);
    EXPECT_LE(status, 1) << output;
    return read_bytes(path);
}

// A log that runs past the end of the ring and on at its first block: the transaction
// moved so that it starts half its length before the end.
TEST_P(Ext4Journal, ReplayFollowsTheLogAroundTheEndOfTheRing) {
    build_transaction(70);
    MemoryDevice crashed = commit_all(4);
    std::vector<u64> journal_blocks = journal_block_list();
    u64 length = commit_position(crashed.bytes, images.block_size, journal_blocks);
    ASSERT_GT(length, 3u);
    u64 ring_end = journal_blocks.size();  // no fast-commit area: last == maxlen
    u64 start = ring_end - length / 2;
    std::vector<u8> image = crashed.bytes;
    for (u64 logical = 1; logical < ring_end; logical++)
        std::memset(image.data() + journal_blocks[logical] * images.block_size, 0, images.block_size);
    for (u64 i = 0; i < length; i++) {
        u64 to = start + i < ring_end ? start + i : start + i - ring_end + 1;
        std::memcpy(image.data() + journal_blocks[to] * images.block_size,
                    crashed.bytes.data() + journal_blocks[1 + i] * images.block_size, images.block_size);
    }
    auto jsb = std::span<u8>(image).subspan(journal_blocks[0] * images.block_size, 1024);
    ext4::jbd2::put_be32(jsb, 0x1C, u32(start));
    if (ext4::jbd2::be32(jsb, 0x28) & (ext4::jbd2::incompat::kCsumV2 | ext4::jbd2::incompat::kCsumV3))
        ext4::jbd2::put_be32(jsb, 0xFC, ext4::jbd2::journal_superblock_checksum(jsb));

    auto theirs = e2fsck_replay(temp.path() / "theirs.img", image);
    MemoryDevice ours(image);
    auto report = ext4::replay_journal(ours);
    ASSERT_TRUE(report.is_ok());
    EXPECT_EQ(report.value().transactions, 1u);
    std::string where;
    EXPECT_TRUE(same_outside_journal(ours.bytes, images.new_image, &where)) << where;
    EXPECT_TRUE(same_outside_journal(ours.bytes, theirs, &where, true)) << where;
}

// Checksum v1 (a crc32 of the transaction in the commit block, from kernels mounted with
// journal_checksum before metadata_csum): our log given one, then replayed, and with a
// damaged copy not replayed at all.
TEST_P(Ext4Journal, ChecksumV1TransactionIsCheckedLikeE2fsck) {
    if (std::string(GetParam()).find("^metadata_csum") == std::string::npos)
        GTEST_SKIP() << "v1 and v3 checksums exclude each other";
    build_transaction(70);
    MemoryDevice crashed = commit_all(4);
    std::vector<u64> journal_blocks = journal_block_list();
    u64 commit = commit_position(crashed.bytes, images.block_size, journal_blocks);
    ASSERT_GT(commit, 3u);
    std::vector<u8> image = crashed.bytes;
    u32 crc = ~0u;
    for (u64 logical = 1; logical < commit; logical++)
        crc = ext4::jbd2::crc32_be(crc, block_of(image, images.block_size, journal_blocks[logical]));
    auto commit_block = std::span<u8>(image).subspan(journal_blocks[commit] * images.block_size, images.block_size);
    commit_block[ext4::jbd2::kCommitChecksumType] = ext4::jbd2::kCrc32ChecksumType;
    commit_block[ext4::jbd2::kCommitChecksumSize] = ext4::jbd2::kCrc32ChecksumSize;
    ext4::jbd2::put_be32(commit_block, ext4::jbd2::kCommitChecksum, crc);
    auto jsb = std::span<u8>(image).subspan(journal_blocks[0] * images.block_size, 1024);
    ext4::jbd2::put_be32(jsb, 0x24, ext4::jbd2::be32(jsb, 0x24) | ext4::jbd2::compat::kChecksum);

    auto theirs = e2fsck_replay(temp.path() / "theirs.img", image);
    MemoryDevice ours(image);
    auto report = ext4::replay_journal(ours);
    ASSERT_TRUE(report.is_ok());
    EXPECT_EQ(report.value().transactions, 1u) << report.value().stopped_by;
    std::string where;
    EXPECT_TRUE(same_outside_journal(ours.bytes, images.new_image, &where)) << where;
    EXPECT_TRUE(same_outside_journal(ours.bytes, theirs, &where, true)) << where;

    image[journal_blocks[2] * images.block_size + 7] ^= 0x10;  // a logged copy damaged
    MemoryDevice damaged(image);
    report = ext4::replay_journal(damaged);
    ASSERT_TRUE(report.is_ok());
    EXPECT_EQ(report.value().transactions, 0u);
    EXPECT_STREQ(report.value().stopped_by, "transaction crc32 mismatch");
    EXPECT_TRUE(same_outside_journal(damaged.bytes, with_errors(images.old_image), &where)) << where;
}

// A log on a volume that does not say needs_recovery is dropped, not replayed, as Linux's
// mount does: the volume stays as it was.
TEST_P(Ext4Journal, LogWithoutNeedsRecoveryIsDiscarded) {
    build_transaction(3);
    MemoryDevice crashed = commit_all(4);
    std::vector<u8> image = crashed.bytes;
    auto sb = std::span<u8>(image).subspan(ext4::kSuperblockOffset, ext4::kSuperblockSize);
    ext4::put32(sb, 0x60, ext4::le32(sb, 0x60) & ~ext4::incompat::kRecover);
    if (ext4::le32(sb, 0x64) & ext4::ro_compat::kMetadataCsum) ext4::put32(sb, 0x3FC, ext4::superblock_checksum(sb));
    MemoryDevice device(image);
    auto report = ext4::replay_journal(device);
    ASSERT_TRUE(report.is_ok());
    EXPECT_EQ(report.value().discarded, 1u);
    EXPECT_EQ(report.value().transactions, 0u);
    EXPECT_EQ(report.value().blocks_replayed, 0u);
    std::string where;
    EXPECT_TRUE(same_outside_journal(device.bytes, images.old_image, &where)) << where;
    auto reopened = ext4::Journal::open(device);
    ASSERT_TRUE(reopened.is_ok());
    EXPECT_TRUE(reopened.value().superblock().empty());
}

// A write that fails part way through a commit aborts the journal: later commits and
// stop() fail with EIO, needs_recovery stays, and the next mount's replay sorts it out.
TEST_P(Ext4Journal, FailedWriteAbortsTheJournal) {
    build_transaction(3);
    MemoryDevice device(images.old_image);
    auto journal = ext4::Journal::open(device).value();
    ASSERT_TRUE(journal.start().is_ok());
    device.failing = true;
    EXPECT_EQ(journal.commit(images.transaction).error(), EIO);
    device.failing = false;
    EXPECT_EQ(journal.commit(images.transaction).error(), EIO);
    EXPECT_EQ(journal.stop().error(), EIO);
    EXPECT_STREQ(journal.diagnosis().reason, "journal aborted after a failed write");
    EXPECT_TRUE(needs_recovery(device.bytes));
    auto report = ext4::replay_journal(device);
    ASSERT_TRUE(report.is_ok());
    std::string where;
    EXPECT_TRUE(same_outside_journal(device.bytes, images.old_image, &where)) << where;
}

// Linux replays what our writer leaves: a crash after the commit block, then a loop mount.
// Needs root and loop devices, so it runs only when OSPREY_EXT4_LOOP_MOUNT=1.
TEST_P(Ext4Journal, LinuxReplaysOurJournal) {
    if (!std::getenv("OSPREY_EXT4_LOOP_MOUNT") || geteuid() != 0) GTEST_SKIP() << "set OSPREY_EXT4_LOOP_MOUNT=1, as root";
    build_transaction(3);
    MemoryDevice crashed = commit_all(4);
    fs::path image = write_temp("crashed.img", crashed.bytes);
    fs::path mount_point = temp.path() / "mnt";
    fs::create_directories(mount_point);
    int status = -1;
    std::string output = run("mount -o loop " + quote(image) + " " + quote(mount_point) + " 2>&1", &status);
    ASSERT_EQ(status, 0) << output;
    std::string payload = run("cat " + quote(mount_point / "payload"));
    bool has_directory = fs::is_directory(mount_point / "newdir");
    run("umount " + quote(mount_point), &status);
    ASSERT_EQ(status, 0);
    EXPECT_EQ(payload, std::string(5000, 'x'));
    EXPECT_TRUE(has_directory);
    std::string report;
    EXPECT_TRUE(fsck_clean(image, &report)) << report;
}

// Operations batched into one commit may change a block twice: the last copy wins, and
// is logged once.
TEST_P(Ext4Journal, BlockNamedTwiceInACommitEndsAsItsLastCopy) {
    std::vector<u8> first(images.block_size, 0x11), second(images.block_size, 0x22), other(images.block_size, 0x33);
    u64 a = free_blocks[0], b = free_blocks[1];
    std::vector<ext4::DirtyBlock> blocks = {{a, first}, {b, other}, {a, second}};
    for (u64 crash : {u64(4), ~u64(0)}) {
        MemoryDevice device(images.old_image);
        device.flushes_before_crash = crash;
        auto journal = ext4::Journal::open(device).value();
        ASSERT_TRUE(journal.start().is_ok());
        ASSERT_TRUE(journal.commit(blocks).is_ok());
        MemoryDevice after(device.bytes);  // the next boot
        auto report = ext4::replay_journal(after);
        ASSERT_TRUE(report.is_ok());
        EXPECT_EQ(report.value().blocks_replayed, crash == 4 ? 2u : 0u);
        EXPECT_EQ(0, std::memcmp(block_of(after.bytes, images.block_size, a).data(), second.data(), images.block_size));
        EXPECT_EQ(0, std::memcmp(block_of(after.bytes, images.block_size, b).data(), other.data(), images.block_size));
    }
}

// Random transactions, well formed (checksums right when the journal has them) and then
// often damaged, whose tags name any block, the journal's own among them: replay ends,
// and writes only inside the volume and outside the journal (its superblock aside).
TEST_P(Ext4Journal, RandomTransactionsNeverWriteOutsideTheVolumeOrIntoTheJournal) {
    std::vector<u64> journal_blocks = journal_block_list();
    const u64 volume_blocks = images.journal.size();
    const u32 bs = images.block_size;
    std::mt19937 random(16);
    int replayed_some = 0;
    for (int round = 0; round < 40; round++) {
        MemoryDevice writer(images.old_image);
        auto journal = ext4::Journal::open(writer).value();
        ASSERT_TRUE(journal.start().is_ok());  // sets the features and needs_recovery
        const auto jsb = journal.superblock();
        const u32 seed = jsb.checksum_seed();
        std::vector<u8> image = std::move(writer.bytes);
        auto log_block = [&](u64 logical) { return std::span<u8>(image).subspan(journal_blocks[logical] * bs, bs); };
        u64 position = jsb.first;
        for (u32 t = 0; t < 3; t++) {
            u32 sequence = jsb.sequence + t;
            auto descriptor = log_block(position++);
            std::fill(descriptor.begin(), descriptor.end(), 0);
            ext4::jbd2::write_header(descriptor, ext4::jbd2::block_type::kDescriptor, sequence);
            usize tags = 1 + random() % 4, at = ext4::jbd2::kHeaderSize;
            for (usize i = 0; i < tags; i++) {
                auto data = log_block(position++);
                for (auto& byte : data) byte = u8(random());
                u64 target = random() % 2 ? journal_blocks[random() % journal_blocks.size()] : random() % volume_blocks;
                u32 flags = (i ? ext4::jbd2::kFlagSameUuid : 0) | (i + 1 == tags ? ext4::jbd2::kFlagLastTag : 0);
                u32 sum = ext4::jbd2::data_block_checksum(seed, sequence, data);
                if (!jsb.has_incompat(ext4::jbd2::incompat::kCsumV3)) sum &= 0xFFFF;
                ext4::jbd2::write_tag(jsb, {target, flags, sum}, descriptor.subspan(at));
                at += jsb.tag_size() + (i ? 0 : 16);
            }
            if (jsb.csum_v2or3())
                ext4::jbd2::put_be32(descriptor, bs - 4, ext4::jbd2::block_tail_checksum(seed, descriptor));
            auto commit = log_block(position++);
            std::fill(commit.begin(), commit.end(), 0);
            ext4::jbd2::write_header(commit, ext4::jbd2::block_type::kCommit, sequence);
            if (jsb.csum_v2or3())
                ext4::jbd2::put_be32(commit, ext4::jbd2::kCommitChecksum, ext4::jbd2::commit_block_checksum(seed, commit));
        }
        if (round % 2) {
            for (int flips = 0; flips < 3; flips++) log_block(1 + random() % (position - 1))[random() % 64] ^= u8(1 + random() % 255);
        }
        MemoryDevice device(std::move(image));
        auto replayed = ext4::replay_journal(device);
        EXPECT_EQ(device.out_of_range, 0u) << "round " << round;
        if (replayed.is_error()) continue;
        replayed_some += replayed.value().blocks_replayed > 0;
        for (const auto& w : device.log) {
            u64 block = w.offset / bs;
            if (block != journal_blocks[0]) {
                EXPECT_FALSE(images.journal[block]) << "round " << round << " wrote journal block " << block;
            }
        }
    }
    EXPECT_GT(replayed_some, 0);
}

TEST_P(Ext4Journal, TransactionLargerThanTheJournalIsE2BIGAndWritesNothing) {
    MemoryDevice device(images.old_image);
    auto journal = ext4::Journal::open(device).value();
    ASSERT_TRUE(journal.start().is_ok());
    u64 too_many = journal.max_transaction_blocks() + 1;
    std::vector<u8> zeros(images.block_size);
    std::vector<ext4::DirtyBlock> blocks;
    // Distinct blocks (repeats would be logged once): any outside the journal will do.
    for (u64 block = 0; block < images.journal.size() && blocks.size() < too_many; block++)
        if (!images.journal[block]) blocks.push_back({block, zeros});
    ASSERT_EQ(blocks.size(), too_many);
    usize writes = device.log.size();
    auto result = journal.commit(blocks);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error(), E2BIG);
    EXPECT_EQ(device.log.size(), writes);
    blocks.pop_back();
    EXPECT_TRUE(journal.commit(blocks).is_ok()) << journal.diagnosis().reason;
    EXPECT_TRUE(journal.stop().is_ok());
}

TEST_P(Ext4Journal, ReplayOfACleanJournalWritesNothing) {
    MemoryDevice device(images.old_image);
    auto report = ext4::replay_journal(device);
    ASSERT_TRUE(report.is_ok());
    EXPECT_TRUE(report.value().was_empty);
    EXPECT_TRUE(device.log.empty());
}

TEST_P(Ext4Journal, StartRefusesAJournalThatNeedsRecovery) {
    build_transaction(1);
    MemoryDevice crashed = commit_all(4);
    MemoryDevice device(crashed.bytes);
    auto journal = ext4::Journal::open(device).value();
    EXPECT_TRUE(journal.needs_recovery());
    auto started = journal.start();
    ASSERT_TRUE(started.is_error());
    EXPECT_EQ(started.error(), EINVAL);
    EXPECT_STREQ(journal.diagnosis().reason, "journal needs recovery");
    ASSERT_TRUE(journal.replay().is_ok());
    EXPECT_TRUE(journal.start().is_ok());
    EXPECT_TRUE(journal.stop().is_ok());
}

INSTANTIATE_TEST_SUITE_P(Mke2fs, Ext4Journal,
                         ::testing::Values("", "-b 4096", "-O ^metadata_csum", "-O ^metadata_csum,^64bit",
                                           "-b 4096 -O ^metadata_csum,^64bit"));

// A journal Linux wrote: a volume copied while mounted (data/make_ext4_linux_journal.sh),
// two transactions, the second with a revoke block. Replayed as e2fsck replays it.
TEST(Ext4JournalLinux, ReplaysWhatLinuxLeftLikeE2fsck) {
    if (!have_e2fsprogs()) GTEST_SKIP() << "e2fsprogs not installed";
    TempDir temp;
    fs::path data = fs::path(__FILE__).parent_path() / "data" / "ext4_linux_journal.img.gz";
    fs::path theirs = temp.path() / "theirs.img";
    int status = -1;
    run("gzip -dc " + quote(data) + " > " + quote(theirs), &status);
    ASSERT_EQ(status, 0);
    std::vector<u8> image = read_bytes(theirs);
    ASSERT_EQ(image.size(), 8u << 20);
    std::string output = run("e2fsck -y -E journal_only " + quote(theirs) + " 2>&1", &status);
    ASSERT_LE(status, 1) << output;

    MemoryDevice ours(image);
    auto journal = ext4::Journal::open(ours).value();
    EXPECT_TRUE(journal.needs_recovery());
    EXPECT_TRUE(journal.superblock().has_incompat(ext4::jbd2::incompat::kCsumV3));
    auto report = journal.replay();
    ASSERT_TRUE(report.is_ok()) << journal.diagnosis().reason;
    EXPECT_EQ(report.value().transactions, 2u);
    EXPECT_GT(report.value().revoke_records, 0u);
    EXPECT_GT(report.value().blocks_revoked, 0u);
    EXPECT_GT(report.value().blocks_replayed, 20u);
    EXPECT_STREQ(report.value().stopped_by, "end of log");
    std::string where;
    EXPECT_TRUE(same_blocks_outside(ours.bytes, read_bytes(theirs), 1024, journal_map(image), &where, true)) << where;
    EXPECT_FALSE(ext4::Journal::open(ours).value().needs_recovery());
}

// A journal Linux set up for fast commits: the ring ends before the fast-commit area,
// which the writer leaves alone; a crash there is refused for replay, since the
// fast commits after the last full one would need ext4's own replay.
TEST(Ext4JournalFastCommit, WriterStaysOutOfTheFastCommitAreaAndReplayRefuses) {
    if (!have_e2fsprogs()) GTEST_SKIP() << "e2fsprogs not installed";
    TempDir temp;
    fs::create_directories(temp.path() / "tree");
    fs::path path = temp.path() / "fc.img";
    ASSERT_TRUE(make_image(temp.path() / "tree", path, "-O fast_commit", "8M"));
    std::vector<u8> image = read_bytes(path);
    std::vector<bool> journal_blocks = journal_map(image);
    std::vector<u64> journal;
    for (u64 block = 0; block < journal_blocks.size(); block++)
        if (journal_blocks[block]) journal.push_back(block);
    // What Linux's mount does to the journal superblock (the feature; mke2fs set the length).
    auto jsb = std::span<u8>(image).subspan(journal[0] * 1024, 1024);
    ext4::jbd2::put_be32(jsb, 0x28, ext4::jbd2::be32(jsb, 0x28) | ext4::jbd2::incompat::kFastCommit);
    u32 fast_blocks = ext4::jbd2::be32(jsb, 0x54);
    ASSERT_GT(fast_blocks, 0u);

    MemoryDevice device(image);
    auto opened = ext4::Journal::open(device);
    ASSERT_TRUE(opened.is_ok());
    auto& writer = opened.value();
    EXPECT_EQ(writer.superblock().last(), journal.size() - fast_blocks);
    ASSERT_TRUE(writer.start().is_ok());
    // As large a transaction as fits: zeroed blocks near the end of the volume, all free.
    std::vector<u8> zeros(1024);
    std::vector<ext4::DirtyBlock> blocks;
    u64 volume_blocks = image.size() / 1024;
    for (u64 i = 0; i < writer.max_transaction_blocks(); i++) blocks.push_back({volume_blocks - 1 - i, zeros});
    ASSERT_TRUE(writer.commit(blocks).is_ok()) << writer.diagnosis().reason;
    for (const auto& w : device.log)
        for (u64 i = journal.size() - fast_blocks; i < journal.size(); i++)
            EXPECT_NE(w.offset, journal[i] * 1024) << "wrote into the fast-commit area";
    ASSERT_TRUE(writer.stop().is_ok());
    std::string report;
    write_bytes(path, device.bytes);
    EXPECT_TRUE(fsck_clean(path, &report)) << report;

    MemoryDevice crashing(image);
    crashing.flushes_before_crash = 4;  // after the commit block, before the checkpoint
    auto second = ext4::Journal::open(crashing).value();
    ASSERT_TRUE(second.start().is_ok());
    ASSERT_TRUE(second.commit(std::span(blocks).first(3)).is_ok());
    MemoryDevice after(crashing.bytes);
    ext4::Diagnosis why;
    auto replayed = ext4::replay_journal(after, &why);
    ASSERT_TRUE(replayed.is_error());
    EXPECT_EQ(replayed.error(), EINVAL);
    EXPECT_STREQ(why.reason, "journal with fast commits needs ext4's fast-commit replay (not supported)");
}

TEST(Ext4JournalAbsent, VolumeWithoutAJournalIsENOENT) {
    if (!have_e2fsprogs()) GTEST_SKIP() << "e2fsprogs not installed";
    TempDir temp;
    fs::create_directories(temp.path() / "tree");
    fs::path image = temp.path() / "nojournal.img";
    ASSERT_TRUE(make_image(temp.path() / "tree", image, "-O ^has_journal", "8M"));
    MemoryDevice device(read_bytes(image));
    ext4::Diagnosis why;
    auto journal = ext4::Journal::open(device, &why);
    ASSERT_TRUE(journal.is_error());
    EXPECT_EQ(journal.error(), ENOENT);
    EXPECT_STREQ(why.reason, "volume has no journal");
}

TEST(Ext4JournalFormat, TagLayoutsFollowTheFeatures) {
    ext4::jbd2::JournalSuperblock jsb;
    EXPECT_EQ(jsb.tag_size(), 8u);
    jsb.feature_incompat = ext4::jbd2::incompat::k64Bit;
    EXPECT_EQ(jsb.tag_size(), 12u);
    jsb.feature_incompat |= ext4::jbd2::incompat::kCsumV2;
    EXPECT_EQ(jsb.tag_size(), 14u);
    jsb.feature_incompat = ext4::jbd2::incompat::kCsumV3;
    EXPECT_EQ(jsb.tag_size(), 16u);
    u8 bytes[16] = {};
    ext4::jbd2::write_tag(jsb, {0x123456789ull, ext4::jbd2::kFlagLastTag, 0xDEADBEEF}, bytes);
    auto tag = ext4::jbd2::read_tag(jsb, bytes);
    EXPECT_EQ(tag.block, 0x23456789ull);  // no 64bit feature: the high half is not read
    EXPECT_EQ(tag.flags, ext4::jbd2::kFlagLastTag);
    EXPECT_EQ(tag.checksum, 0xDEADBEEFu);
}

TEST(Ext4JournalFormat, Crc32BeMatchesTheKnownCheckValue) {
    // CRC-32/BZIP2 of "123456789" is 0xFC891918: init ~0, final inversion.
    const char* text = "123456789";
    u32 crc = ~ext4::jbd2::crc32_be(~0u, std::span<const u8>(reinterpret_cast<const u8*>(text), 9));
    EXPECT_EQ(crc, 0xFC891918u);
}

}  // namespace
