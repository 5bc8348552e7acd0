// ext4's orphan list as ext4::Writer keeps it (writer.h): files unlinked while open and
// truncates in steps are on it from the transaction that starts them until the one that
// ends them, in Linux's format (s_last_orphan, then each inode's i_dtime), so that
// e2fsck and dumpe2fs read it as Linux's; a list a crash left behind is finished by
// clean_orphan() as by `e2fsck -fy`; hostile lists end in EUCLEAN, never in a hang.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ext4/bytes.h"
#include "ext4/extent.h"
#include "ext4_writer_support.h"

namespace {

using namespace ext4_test;

constexpr ext4::Timestamp kNow{1700000000, 0};

class Ext4Orphan : public ::testing::TestWithParam<const char*> {
protected:
    void SetUp() override {
        if (!have_e2fsprogs()) GTEST_SKIP() << "e2fsprogs not installed";
        ASSERT_TRUE(img.make(GetParam(), "16M"));
    }

    ext4::Writer& w() { return *img.writer; }

    std::vector<u32> list() {
        std::vector<u32> out(64);
        auto length = w().orphans(out);
        EXPECT_TRUE(length.is_ok()) << length.error();
        out.resize(length.value_or(0));
        return out;
    }

    // A regular file of `extents` one-block extents (every other block written).
    u32 fragmented(const std::string& name, u32 extents) {
        u32 file = img.run(w().create(ext4::kRootInode, name, file_mode(ext4::kTypeRegular | 0644))).value_or(0);
        EXPECT_NE(file, 0u);
        u32 bs = img.sb.block_size;
        for (u32 k = 0; k < extents; k++) {
            std::string block(bs, char('a' + k % 26));
            EXPECT_TRUE(img.run(w().write(file, 2 * u64(k) * bs, as_bytes(block), kNow)).is_ok()) << k;
        }
        return file;
    }

    u32 file_with(const std::string& name, usize bytes) {
        u32 file = img.run(w().create(ext4::kRootInode, name, file_mode(ext4::kTypeRegular | 0644))).value_or(0);
        EXPECT_NE(file, 0u);
        EXPECT_TRUE(img.run(w().write(file, 0, as_bytes(std::string(bytes, 'x')), kNow)).is_ok());
        return file;
    }

    // The image's bytes changed behind the writer's back, as a hostile disk would have them.
    void set_last_orphan(u32 number) {
        auto bytes = std::span<u8>(img.device.bytes).subspan(ext4::kSuperblockOffset, ext4::kSuperblockSize);
        ext4::set_superblock_last_orphan(img.sb, bytes, number);
    }
    void set_dtime(u32 number, u32 value) {
        ext4::Inode node = img.inode(number);
        node.dtime = {value, 0};
        std::vector<u8> scratch(w().volume().scratch_size());
        u32 group = (number - 1) / img.sb.inodes_per_group;
        u64 table = w().volume().group(group, scratch).value().inode_table;
        u64 at = table * img.sb.block_size + u64((number - 1) % img.sb.inodes_per_group) * img.sb.inode_size;
        auto raw = std::span<u8>(img.device.bytes).subspan(at, img.sb.inode_size);
        ext4::encode_inode(img.sb, node, raw);
    }

    std::string dumpe2fs_first_orphan() {
        write_bytes(img.image, img.device.bytes);
        return run("dumpe2fs -h " + quote(img.image) + " 2>/dev/null | grep '^First orphan inode:'");
    }
    // The list as e2fsprogs reads it: the head from dumpe2fs, then each inode's dtime from
    // `debugfs stat` ("dtime: 0x0000000c:(...)", left out when 0). (`debugfs lsdel` does
    // not show it: it lists deleted inodes whose blocks are free again.)
    std::vector<u32> e2fsprogs_list() {
        std::vector<u32> out;
        std::string head = dumpe2fs_first_orphan();
        u32 number = head.empty() ? 0 : u32(std::stoul(head.substr(head.find(':') + 1)));
        while (number != 0 && out.size() < 64) {
            out.push_back(number);
            std::string stat = img.debugfs("stat <" + std::to_string(number) + ">");
            usize at = stat.find(" dtime: 0x");
            number = at == std::string::npos ? 0 : u32(std::stoul(stat.substr(at + 10, 8), nullptr, 16));
        }
        return out;
    }

    // Every step of the mount-time cleanup, one transaction each, as the kernel runs it.
    struct Cleaned {
        u32 freed = 0, truncated = 0, steps = 0;
        int error = 0;
    };
    Cleaned clean_all(u32 max_extents) {
        Cleaned c;
        for (; c.steps < 10000; c.steps++) {
            auto step = img.run(w().clean_orphan(max_extents, kNow));
            if (step.is_error()) {
                c.error = step.error();
                return c;
            }
            if (step.value().step == ext4::OrphanStep::Empty) return c;
            c.freed += step.value().step == ext4::OrphanStep::Freed;
            c.truncated += step.value().step == ext4::OrphanStep::Truncated;
        }
        ADD_FAILURE() << "the cleanup did not end";
        return c;
    }

    // `e2fsck -fy` on a copy of the image: its exit status, and the copy's superblock.
    ext4::Superblock e2fsck_repaired_copy(int* status, std::string* output) {
        fs::path copy = img.temp.path() / "copy.img";
        write_bytes(copy, img.device.bytes);
        *output = run("e2fsck -fy " + quote(copy) + " 2>&1", status);
        std::string report;
        EXPECT_TRUE(fsck_clean(copy, &report)) << "e2fsck -fn after -fy:\n" << report;
        auto bytes = read_bytes(copy);
        return ext4::parse_superblock(std::span<const u8>(bytes).subspan(1024, 1024)).value_or(ext4::Superblock{});
    }

    WriterImage img;
};

// Unlinked while open: on the list from the unlink's own transaction, newest first, as
// dumpe2fs and debugfs read it; freed ones leave it from the head, the middle and the end.
TEST_P(Ext4Orphan, KeptFilesAreOnTheListUntilFreed) {
    EXPECT_EQ(w().orphan_head().value_or(1), 0u);
    u32 a = file_with("a", 5000), b = file_with("b", 70000), c = file_with("c", 1), d = file_with("d", 300);
    for (const char* name : {"a", "b", "c", "d"})
        ASSERT_TRUE(img.run(w().unlink(ext4::kRootInode, name, kNow, true)).is_ok());
    EXPECT_EQ(list(), (std::vector<u32>{d, c, b, a}));
    EXPECT_EQ(img.current_superblock().last_orphan, d);
    EXPECT_EQ(u32(img.inode(d).dtime.seconds), c);
    EXPECT_EQ(u32(img.inode(a).dtime.seconds), 0u);
    EXPECT_EQ(dumpe2fs_first_orphan(), "First orphan inode:       " + std::to_string(d) + "\n");
    EXPECT_EQ(e2fsprogs_list(), (std::vector<u32>{d, c, b, a}));

    // Adding one already there changes nothing.
    ASSERT_TRUE(img.run(w().orphan_add(b)).is_ok());
    EXPECT_EQ(list(), (std::vector<u32>{d, c, b, a}));
    EXPECT_EQ(img.tx->dirty_count(), 0u);

    ASSERT_TRUE(img.run(w().free_unlinked(b, kNow)).is_ok());  // the middle: c's link rewritten
    EXPECT_EQ(list(), (std::vector<u32>{d, c, a}));
    EXPECT_EQ(e2fsprogs_list(), (std::vector<u32>{d, c, a}));
    EXPECT_EQ(u32(img.inode(c).dtime.seconds), a);
    ASSERT_TRUE(img.run(w().free_unlinked(d, kNow)).is_ok());  // the head
    EXPECT_EQ(list(), (std::vector<u32>{c, a}));
    ASSERT_TRUE(img.run(w().free_unlinked(a, kNow)).is_ok());  // the end
    EXPECT_EQ(list(), (std::vector<u32>{c}));
    EXPECT_EQ(u32(img.inode(c).dtime.seconds), 0u);
    ASSERT_TRUE(img.run(w().free_unlinked(c, kNow)).is_ok());
    EXPECT_EQ(list(), std::vector<u32>{});
    EXPECT_EQ(img.inode(c).dtime, kNow);  // freed: a deletion time again, as Linux leaves it
    std::string report;
    EXPECT_TRUE(img.fsck(&report)) << report;
    EXPECT_EQ(img.current_superblock().free_blocks, img.sb.free_blocks);
    EXPECT_EQ(img.current_superblock().free_inodes, img.sb.free_inodes);
    EXPECT_EQ(dumpe2fs_first_orphan(), "");
}

// A rename over a file still open keeps it on the list too; one with another name left
// is not put there.
TEST_P(Ext4Orphan, RenameOverAnOpenFileKeepsItOnTheList) {
    u32 target = file_with("target", 9000);
    file_with("source", 10);
    u32 linked = file_with("linked", 10);
    ASSERT_TRUE(img.run(w().link(ext4::kRootInode, "other-name", linked, kNow)).is_ok());
    ASSERT_TRUE(img.run(w().rename(ext4::kRootInode, "source", ext4::kRootInode, "target", kNow, true)).is_ok());
    ASSERT_TRUE(img.run(w().unlink(ext4::kRootInode, "linked", kNow, true)).is_ok());
    EXPECT_EQ(list(), std::vector<u32>{target});
    EXPECT_EQ(img.inode(linked).dtime.seconds, 0);
    ASSERT_TRUE(img.run(w().free_unlinked(target, kNow)).is_ok());
    std::string report;
    EXPECT_TRUE(img.fsck(&report)) << report;
}

// What a crash leaves (files unlinked while open, never closed): e2fsck -fy frees them
// (exit 0 or 1) and is then clean; the mount-time cleanup does the same, to the same
// free counts, and the files' blocks in steps of a few extents.
TEST_P(Ext4Orphan, ALiveListIsFinishedAsE2fsckFinishesIt) {
    u32 big = fragmented("big", 120);
    file_with("small", 3000);
    file_with("empty", 0);
    for (const char* name : {"big", "small", "empty"})
        ASSERT_TRUE(img.run(w().unlink(ext4::kRootInode, name, kNow, true)).is_ok());
    ASSERT_EQ(list().size(), 3u);
    EXPECT_LT(img.current_superblock().free_blocks, img.sb.free_blocks);

    int status = -1;
    std::string output;
    ext4::Superblock repaired = e2fsck_repaired_copy(&status, &output);
    EXPECT_TRUE(status == 0 || status == 1) << status << output;
    EXPECT_NE(output.find("Clearing orphaned inode " + std::to_string(big)), std::string::npos) << output;
    EXPECT_EQ(repaired.last_orphan, 0u);

    Cleaned cleaned = clean_all(10);
    EXPECT_EQ(cleaned.error, 0);
    EXPECT_EQ(cleaned.freed, 3u);
    EXPECT_EQ(cleaned.truncated, 0u);
    EXPECT_GE(cleaned.steps, 120u / 10 + 2);  // the big file in steps
    EXPECT_EQ(list(), std::vector<u32>{});
    std::string report;
    EXPECT_TRUE(img.fsck(&report)) << report;
    ext4::Superblock now = img.current_superblock();
    EXPECT_EQ(now.free_blocks, img.sb.free_blocks);
    EXPECT_EQ(now.free_inodes, img.sb.free_inodes);
    EXPECT_EQ(now.free_blocks, repaired.free_blocks);
    EXPECT_EQ(now.free_inodes, repaired.free_inodes);
}

// A truncate in steps: the first step puts the file on the list with its new size, the
// last takes it off. Cut short after a few steps (a crash), e2fsck -fy and the cleanup
// both finish it: the blocks past the size freed, the rest of the file kept.
TEST_P(Ext4Orphan, ATruncateInStepsIsFinishedAfterACrash) {
    u32 bs = img.sb.block_size;
    u32 file = fragmented("file", 200);
    std::string before = img.read_file(file);
    u64 size = 40 * u64(bs) + 7;
    ASSERT_TRUE(img.run([&]() -> Result<bool> {
                    TRY(w().start_truncate(file, size, kNow));
                    return w().truncate_some(file, size, 10, kNow);
                }())
                    .is_ok());
    EXPECT_EQ(list(), std::vector<u32>{file});
    EXPECT_EQ(img.inode(file).size, size);
    ASSERT_FALSE(img.run(w().truncate_some(file, size, 10, kNow)).value_or(true));
    EXPECT_EQ(list(), std::vector<u32>{file});
    EXPECT_EQ(img.read_file(file), before.substr(0, size));

    int status = -1;
    std::string output;
    ext4::Superblock repaired = e2fsck_repaired_copy(&status, &output);
    EXPECT_TRUE(status == 0 || status == 1) << status << output;
    EXPECT_NE(output.find("Truncating orphaned inode " + std::to_string(file)), std::string::npos) << output;

    Cleaned cleaned = clean_all(10);
    EXPECT_EQ(cleaned.error, 0);
    EXPECT_EQ(cleaned.truncated, 1u);
    EXPECT_EQ(cleaned.freed, 0u);
    EXPECT_EQ(list(), std::vector<u32>{});
    EXPECT_EQ(img.inode(file).dtime.seconds, 0);
    EXPECT_EQ(img.inode(file).size, size);
    EXPECT_EQ(img.read_file(file), before.substr(0, size));
    std::string report;
    EXPECT_TRUE(img.fsck(&report)) << report;
    EXPECT_EQ(img.current_superblock().free_blocks, repaired.free_blocks);

    // Run to its end, the steps leave nothing on the list either.
    ASSERT_TRUE(img.run(w().start_truncate(file, 5, kNow)).is_ok());
    EXPECT_EQ(list(), std::vector<u32>{file});
    for (int steps = 0;; steps++) {
        ASSERT_LT(steps, 10);
        auto done = img.run(w().truncate_some(file, 5, 10, kNow));
        ASSERT_TRUE(done.is_ok());
        if (done.value()) break;
    }
    EXPECT_EQ(list(), std::vector<u32>{});
    EXPECT_EQ(img.read_file(file), before.substr(0, 5));
    EXPECT_TRUE(img.fsck(&report)) << report;
}

// A file in a truncate in steps is unlinked while open: it stays on the list when the
// truncate ends, and leaves it when freed. Renamed over another file on the list, the
// replaced one goes and the list still holds the renamed one.
TEST_P(Ext4Orphan, UnlinkAndRenameDuringATruncateKeepTheListWhole) {
    u32 first = fragmented("first", 30);
    ASSERT_TRUE(img.run(w().start_truncate(first, 0, kNow)).is_ok());
    ASSERT_TRUE(img.run(w().unlink(ext4::kRootInode, "first", kNow, true)).is_ok());
    EXPECT_EQ(list(), std::vector<u32>{first});
    while (!img.run(w().truncate_some(first, 0, 5, kNow)).value_or(true)) {
    }
    EXPECT_EQ(list(), std::vector<u32>{first});
    ASSERT_TRUE(img.run(w().free_unlinked(first, kNow)).is_ok());
    EXPECT_EQ(list(), std::vector<u32>{});

    u32 target = fragmented("target", 20), source = fragmented("source", 20);
    ASSERT_TRUE(img.run(w().start_truncate(target, 3, kNow)).is_ok());
    ASSERT_TRUE(img.run(w().start_truncate(source, 3, kNow)).is_ok());
    EXPECT_EQ(list(), (std::vector<u32>{source, target}));
    ASSERT_TRUE(img.run(w().rename(ext4::kRootInode, "source", ext4::kRootInode, "target", kNow)).is_ok());
    EXPECT_EQ(list(), std::vector<u32>{source});
    EXPECT_EQ(clean_all(4).truncated, 1u);
    std::string report;
    EXPECT_TRUE(img.fsck(&report)) << report;
}

// Hostile lists: a loop, numbers out of range, an inode not in use, a linked directory.
// Walks end in EUCLEAN; the cleanup frees what it can, stops at what it cannot trust,
// and orphan_clear() leaves a volume e2fsck -fy repairs.
TEST_P(Ext4Orphan, HostileListsEndInEuclean) {
    u32 a = file_with("a", 3000), b = file_with("b", 3000), c = file_with("c", 3000);
    for (const char* name : {"a", "b", "c"})
        ASSERT_TRUE(img.run(w().unlink(ext4::kRootInode, name, kNow, true)).is_ok());
    ASSERT_EQ(list(), (std::vector<u32>{c, b, a}));
    std::vector<u8> good = img.device.bytes;

    // a -> c: a loop of three.
    set_dtime(a, c);
    std::vector<u32> out(8);
    EXPECT_EQ(w().orphans(out).error(), EUCLEAN);
    u32 more = file_with("more", 10);
    EXPECT_EQ(img.run(w().unlink(ext4::kRootInode, "more", kNow, true)).error(), EUCLEAN);
    Cleaned cleaned = clean_all(16);
    EXPECT_EQ(cleaned.error, EUCLEAN);  // c, b and a freed, then c again: not in use
    EXPECT_EQ(cleaned.freed, 3u);
    ASSERT_TRUE(img.run(w().orphan_clear()).is_ok());
    EXPECT_EQ(list(), std::vector<u32>{});
    ASSERT_TRUE(img.run(w().unlink(ext4::kRootInode, "more", kNow)).is_ok());
    std::string report;
    EXPECT_TRUE(img.fsck(&report)) << report;
    EXPECT_EQ(img.current_superblock().free_blocks, img.sb.free_blocks);
    (void)more;

    // An inode onto itself, with its links: cut and taken off.
    img.device.bytes = good;
    u32 d = file_with("d", 100);
    set_last_orphan(d);
    set_dtime(d, d);
    EXPECT_EQ(w().orphans(out).error(), EUCLEAN);
    cleaned = clean_all(16);
    EXPECT_EQ(cleaned.error, 0);
    EXPECT_EQ(cleaned.truncated, 1u);
    EXPECT_EQ(list(), std::vector<u32>{});

    // Out of range: the head, then a next pointer; reserved inodes are out of range too.
    for (u32 head : {img.sb.inodes_count + 1, u32(ext4::kRootInode), u32(0xFFFFFFFF)}) {
        img.device.bytes = good;
        set_last_orphan(head);
        EXPECT_EQ(w().orphans(out).error(), EUCLEAN) << head;
        EXPECT_EQ(img.run(w().clean_orphan(16, kNow)).error(), EUCLEAN) << head;
        std::vector<u8> before = img.device.bytes;
        EXPECT_EQ(img.run(w().free_unlinked(a, kNow)).error(), EUCLEAN) << head;
        EXPECT_EQ(img.device.bytes, before);  // dropped whole
    }
    img.device.bytes = good;
    set_dtime(c, img.sb.inodes_count + 5);
    EXPECT_EQ(w().orphans(out).error(), EUCLEAN);
    EXPECT_EQ(img.run(w().clean_orphan(16, kNow)).error(), EUCLEAN);

    // An inode the bitmap says is free, and a linked directory.
    img.device.bytes = good;
    set_last_orphan(img.sb.inodes_count - 1);
    EXPECT_EQ(img.run(w().clean_orphan(16, kNow)).error(), EUCLEAN);
    img.device.bytes = good;
    u32 dir = img.run(w().mkdir(ext4::kRootInode, "dir", file_mode(0755))).value_or(0);
    ASSERT_NE(dir, 0u);
    set_last_orphan(dir);
    set_dtime(dir, c);
    EXPECT_EQ(img.run(w().clean_orphan(16, kNow)).error(), EUCLEAN);

    // Dropped, the list leaves what e2fsck -fy repairs.
    ASSERT_TRUE(img.run(w().orphan_clear()).is_ok());
    int status = -1;
    std::string output;
    e2fsck_repaired_copy(&status, &output);
    EXPECT_TRUE(status == 0 || status == 1) << status << output;
}

// An orphan whose extent tree loops (a leaf rewritten as an index naming itself) is
// refused with EINVAL when the cleanup walks it, instead of recursing without end.
TEST_P(Ext4Orphan, AnOrphanWhoseExtentTreeLoopsIsRefused) {
    u32 file = fragmented("file", 10);
    ASSERT_TRUE(img.run(w().unlink(ext4::kRootInode, "file", kNow, true)).is_ok());
    ext4::Inode node = img.inode(file);
    auto root = std::span<const u8>(node.block, ext4::kInodeBlockBytes);
    ASSERT_EQ(ext4::le16(root, 6), 1u);  // one level of leaves below the root
    u64 leaf = ext4::extent_index_at(root, 0).child;
    auto bytes = std::span<u8>(img.device.bytes).subspan(leaf * img.sb.block_size, img.sb.block_size);
    ext4::put16(bytes, 2, 1);  // one entry
    ext4::put16(bytes, 6, 1);  // depth 1, as deep as its parent
    ext4::put32(bytes, 12, 0);  // the index: logical block 0, child = itself
    ext4::put32(bytes, 16, u32(leaf));
    ext4::put16(bytes, 20, u16(leaf >> 32));
    if (img.sb.metadata_csum()) ext4::set_extent_block_checksum(bytes, node.checksum_seed);
    EXPECT_EQ(img.run(w().clean_orphan(16, kNow)).error(), EINVAL);
    EXPECT_EQ(img.run(w().free_unlinked(file, kNow)).error(), EINVAL);
}

// 4 KiB blocks with metadata_csum and 64bit (the superblock checksum follows every
// change of the head); 1 KiB blocks without (the superblock in block 1).
INSTANTIATE_TEST_SUITE_P(Mke2fs, Ext4Orphan,
                         ::testing::Values("-b 4096 -g 4096", "-b 1024 -O ^metadata_csum,^64bit"),
                         [](const auto& info) { return "options" + std::to_string(info.index); });

}  // namespace
