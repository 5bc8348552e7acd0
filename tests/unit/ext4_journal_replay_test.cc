// Journal replay (libs/ext4/journal.h) against the reference: e2fsck's replay of logs our
// writer left, debugfs' journal writer wrote and Linux wrote; logs wrapped, damaged,
// random, or on a volume that does not ask for recovery.
#include "ext4_journal_support.h"

namespace {

using namespace ext4_journal_test;

class Ext4JournalReplay : public Ext4JournalFixture {};

// Crash after the commit block is durable and before any block is home: e2fsck's replay
// (Debian's) and ours must write the same bytes, and both the new image.
TEST_P(Ext4JournalReplay, ReplayMatchesE2fsckAfterACrashBeforeCheckpoint) {
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
TEST_P(Ext4JournalReplay, ReplaysDebugfsTransactionsLikeE2fsck) {
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
TEST_P(Ext4JournalReplay, DamagedLogNeverReplaysHalfATransaction) {
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

// A log that runs past the end of the ring and on at its first block: the transaction
// moved so that it starts half its length before the end.
TEST_P(Ext4JournalReplay, ReplayFollowsTheLogAroundTheEndOfTheRing) {
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
TEST_P(Ext4JournalReplay, ChecksumV1TransactionIsCheckedLikeE2fsck) {
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
TEST_P(Ext4JournalReplay, LogWithoutNeedsRecoveryIsDiscarded) {
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

// Random transactions, well formed (checksums right when the journal has them) and then
// often damaged, whose tags name any block, the journal's own among them: replay ends,
// and writes only inside the volume and outside the journal (its superblock aside).
TEST_P(Ext4JournalReplay, RandomTransactionsNeverWriteOutsideTheVolumeOrIntoTheJournal) {
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

TEST_P(Ext4JournalReplay, ReplayOfACleanJournalWritesNothing) {
    MemoryDevice device(images.old_image);
    auto report = ext4::replay_journal(device);
    ASSERT_TRUE(report.is_ok());
    EXPECT_TRUE(report.value().was_empty);
    EXPECT_TRUE(device.log.empty());
}

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

INSTANTIATE_TEST_SUITE_P(Mke2fs, Ext4JournalReplay, mke2fs_options());

}  // namespace
