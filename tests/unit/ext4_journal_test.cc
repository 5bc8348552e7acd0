// The jbd2 journal's writer (libs/ext4/journal.h): commits on volumes from Debian's mke2fs,
// crashed after any write (a device that keeps only some of the writes it was given) and
// replayed to all old or all new; and what it refuses.
#include "ext4_journal_support.h"

namespace {

using namespace ext4_journal_test;

class Ext4JournalWrite : public Ext4JournalFixture {};

TEST_P(Ext4JournalWrite, OpensTheJournalMke2fsMade) {
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

TEST_P(Ext4JournalWrite, CommitWritesEveryBlockHomeAndLeavesACleanVolume) {
    build_transaction(70);  // more tags than one descriptor block holds with 1 KiB blocks
    MemoryDevice device = commit_all();
    std::string where;
    EXPECT_TRUE(same_outside_journal(device.bytes, images.new_image, &where)) << where;
    EXPECT_FALSE(needs_recovery(device.bytes));
    std::string report;
    EXPECT_TRUE(fsck_clean(write_temp("committed.img", device.bytes), &report)) << report;
}

// The device is waited for a handful of times a commit, not once a block: the log in one
// batch (one request per run of blocks contiguous on disk), the home blocks in another.
TEST_P(Ext4JournalWrite, ACommitWritesTheLogAndTheHomeBlocksInTwoBatches) {
    build_transaction(70);
    MemoryDevice device(images.old_image);
    auto journal = ext4::Journal::open(device);
    ASSERT_TRUE(journal.is_ok());
    ASSERT_TRUE(journal.value().start().is_ok());
    u64 writes_before = device.writes;
    ASSERT_TRUE(journal.value().commit(images.transaction, {1700000000, 5}).is_ok());
    EXPECT_EQ(device.batches, 2u);
    // The log (descriptors and copies) in a request per run of the journal on disk (a
    // small image's journal may lie in two or three), then the commit block, one request
    // per home block and the journal superblock: block by block it was 2 x home + 3.
    u64 home = images.transaction.size();
    EXPECT_LE(device.writes - writes_before, home + 6);
    std::string where;
    ASSERT_TRUE(journal.value().stop().is_ok());
    EXPECT_TRUE(same_outside_journal(device.bytes, images.new_image, &where)) << where;
}

// Every prefix of the writes of start, commit and stop, and, inside the flush interval the
// crash falls in, every suffix too (a disk may write in any order between flushes): after
// replay each block of the transaction is old, or each is new, and e2fsck agrees.
TEST_P(Ext4JournalWrite, CrashAfterAnyWriteReplaysToAllOldOrAllNew) {
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
TEST_P(Ext4JournalWrite, DataWrittenBeforeCommitIsThereWheneverItsMetadataIs) {
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

// A write that fails part way through a commit aborts the journal: later commits and
// stop() fail with EIO, needs_recovery stays, and the next mount's replay sorts it out.
TEST_P(Ext4JournalWrite, FailedWriteAbortsTheJournal) {
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
TEST_P(Ext4JournalWrite, LinuxReplaysOurJournal) {
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
TEST_P(Ext4JournalWrite, BlockNamedTwiceInACommitEndsAsItsLastCopy) {
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

TEST_P(Ext4JournalWrite, TransactionLargerThanTheJournalIsE2BIGAndWritesNothing) {
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

TEST_P(Ext4JournalWrite, StartRefusesAJournalThatNeedsRecovery) {
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

INSTANTIATE_TEST_SUITE_P(Mke2fs, Ext4JournalWrite, mke2fs_options());

}  // namespace
