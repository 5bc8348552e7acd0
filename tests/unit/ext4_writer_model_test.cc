// ext4::Writer driven by thousands of random (seeded) operations on files and
// directories, each checked against an in-memory model of the tree: the result of every
// call (errno included), then the whole tree (entries, link counts, contents) read back
// with ext4::Volume, `e2fsck -fn` and `debugfs`. At the end everything is removed again
// and every block and inode must be free as before.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "ext4_writer_support.h"

namespace {

using namespace ext4_test;

struct Node {
    bool dir = false;
    bool symlink = false;
    std::string data;  // a file's bytes, a symlink's target
    u32 links = 1;
    u32 parent = 0;  // directories
    std::map<std::string, u32> entries;
};

class Model {
public:
    std::map<u32, Node> nodes;
    std::vector<std::string> names;
    std::mt19937 random;
    usize largest_file = 0;  // the longest any file got

    explicit Model(u32 seed) : random(seed) {
        for (int i = 0; i < 120; i++) names.push_back("n" + std::to_string(i) + std::string(usize(i % 37), 'x'));
    }
    u32 pick(u32 below) { return std::uniform_int_distribution<u32>(0, below - 1)(random); }
    std::string name() { return names[pick(u32(names.size()))]; }
    // A directory to work in; lost+found is left alone (so its blocks stay where they are).
    u32 dir() {
        std::vector<u32> dirs;
        for (auto& [number, node] : nodes)
            if (node.dir && number != 11) dirs.push_back(number);
        return dirs[pick(u32(dirs.size()))];
    }
    std::optional<u32> file() {
        std::vector<u32> files;
        for (auto& [number, node] : nodes)
            if (!node.dir && !node.symlink) files.push_back(number);
        if (files.empty()) return std::nullopt;
        return files[pick(u32(files.size()))];
    }
    // A directory with an entry to work on, and the entry's name.
    std::optional<std::pair<u32, std::string>> entry() {
        for (int tries = 0; tries < 20; tries++) {
            u32 d = dir();
            std::vector<std::string> candidates;
            for (auto& [name, number] : nodes[d].entries)
                if (number != 11) candidates.push_back(name);
            if (!candidates.empty()) return std::make_pair(d, candidates[pick(u32(candidates.size()))]);
        }
        return std::nullopt;
    }
    bool below(u32 dir, u32 ancestor) {
        for (;;) {
            if (dir == ancestor) return true;
            if (dir == ext4::kRootInode) return false;
            dir = nodes[dir].parent;
        }
    }
    void drop_link(u32 number) {
        if (--nodes[number].links == 0) nodes.erase(number);
    }
};

class Ext4WriterModel : public ::testing::TestWithParam<const char*> {
protected:
    void SetUp() override {
        if (!have_e2fsprogs()) GTEST_SKIP() << "e2fsprogs not installed";
    }

    void load_root() {
        Node root;
        root.dir = true;
        root.parent = ext4::kRootInode;
        root.links = img.inode(ext4::kRootInode).links_count;
        for (auto& [name, number] : img.entries(ext4::kRootInode)) {
            if (name == "." || name == "..") continue;
            root.entries[name] = number;
            Node child;
            child.dir = true;
            child.parent = ext4::kRootInode;
            child.links = img.inode(number).links_count;
            model.nodes[number] = child;
        }
        model.nodes[ext4::kRootInode] = root;
    }

    // The tree on the image is the model's.
    void verify(const std::string& when) {
        for (auto& [number, node] : model.nodes) {
            ext4::Inode inode = img.inode(number);
            ASSERT_EQ(inode.links_count, node.links) << when << " inode " << number;
            if (node.dir) {
                auto entries = img.entries(number);
                ASSERT_EQ(entries["."], number) << when;
                ASSERT_EQ(entries[".."], node.parent) << when << " inode " << number;
                entries.erase(".");
                entries.erase("..");
                ASSERT_EQ(entries, node.entries) << when << " inode " << number;
            } else if (node.symlink) {
                std::vector<u8> scratch(img.writer->volume().scratch_size());
                std::string target(inode.size, '\0');
                auto n = img.writer->volume().read_symlink(inode, target, scratch);
                ASSERT_TRUE(n.is_ok());
                ASSERT_EQ(target, node.data) << when << " inode " << number;
            } else {
                ASSERT_EQ(inode.size, node.data.size()) << when << " inode " << number;
                ASSERT_EQ(img.read_file(number), node.data) << when << " inode " << number;
            }
        }
        std::string report;
        ASSERT_TRUE(img.fsck(&report)) << when << "\n" << report;
        int checked = 0;
        for (auto& [number, node] : model.nodes) {
            if (node.dir || node.symlink || checked++ >= 8) continue;
            ASSERT_EQ(img.debugfs("cat <" + std::to_string(number) + ">"), node.data) << when << " inode " << number;
        }
    }

    // One random operation, its outcome predicted by the model.
    void step(int index) {
        const ext4::Timestamp now{1700000000 + index, 0};
        auto& w = *img.writer;
        std::string what = "op " + std::to_string(index) + ": ";
        u32 roll = model.pick(100);
        if (roll < 15 || roll >= 95) {  // create, or symlink
            u32 d = model.dir();
            std::string name = model.name();
            bool exists = model.nodes[d].entries.count(name) > 0;
            std::string target = std::string(1 + model.pick(200), 't') + std::to_string(index);
            auto made = img.run(roll < 15 ? w.create(d, name, file_mode(ext4::kTypeRegular | 0644))
                                          : w.symlink(d, name, target, file_mode(0)));
            ASSERT_EQ(made.error(), exists ? EEXIST : 0) << what << "create " << name;
            if (exists) return;
            Node node;
            node.symlink = roll >= 95;
            if (node.symlink) node.data = target;
            model.nodes[made.value()] = node;
            model.nodes[d].entries[name] = made.value();
        } else if (roll < 23) {  // mkdir
            u32 d = model.dir();
            std::string name = model.name();
            bool exists = model.nodes[d].entries.count(name) > 0;
            auto made = img.run(w.mkdir(d, name, file_mode(0755)));
            ASSERT_EQ(made.error(), exists ? EEXIST : 0) << what << "mkdir " << name;
            if (exists) return;
            Node node;
            node.dir = true;
            node.links = 2;
            node.parent = d;
            model.nodes[made.value()] = node;
            model.nodes[d].entries[name] = made.value();
            model.nodes[d].links++;
        } else if (roll < 46) {  // write
            auto f = model.file();
            if (!f) return;
            std::string& data = model.nodes[*f].data;
            u64 offset = model.pick(2) ? data.size() : model.pick(200000);
            // Now and then a large write (runs across groups), while the volume has room.
            usize total = 0;
            for (auto& [number, node] : model.nodes) total += node.data.size();
            usize length = model.pick(20) == 0 && total < 16 * 1024 * 1024 ? 1 + model.pick(3 << 20) : 1 + model.pick(20000);
            std::string bytes(length, char('a' + model.pick(26)));
            bytes[0] = char(index);
            auto written = img.run(w.write(*f, offset, as_bytes(bytes), now));
            ASSERT_TRUE(written.is_ok()) << what << "write " << written.error();
            if (data.size() < offset + bytes.size()) data.resize(offset + bytes.size(), '\0');
            data.replace(offset, bytes.size(), bytes);
            model.largest_file = std::max(model.largest_file, data.size());
        } else if (roll < 54) {  // truncate
            auto f = model.file();
            if (!f) return;
            u64 size = model.pick(150000);
            if (model.pick(2)) {
                ASSERT_TRUE(img.run(w.truncate(*f, size, now)).is_ok()) << what << "truncate";
            } else {  // in steps of a few extents, each its own transaction
                u32 per_step = 1 + model.pick(3);
                for (int steps = 0;; steps++) {
                    ASSERT_LT(steps, 1000) << what;
                    auto done = img.run(w.truncate_some(*f, size, per_step, now));
                    ASSERT_TRUE(done.is_ok()) << what << "truncate_some " << done.error();
                    if (done.value()) break;
                }
            }
            model.nodes[*f].data.resize(size, '\0');
        } else if (roll < 64) {  // unlink
            auto e = model.entry();
            if (!e) return;
            auto [d, name] = *e;
            u32 number = model.nodes[d].entries[name];
            bool dir = model.nodes[number].dir;
            bool keep = model.pick(5) == 0;  // as if still open: freed in a second transaction
            ASSERT_EQ(img.run(w.unlink(d, name, now, keep)).error(), dir ? EISDIR : 0) << what << "unlink " << name;
            if (dir) return;
            if (keep && model.nodes[number].links == 1) {
                ASSERT_TRUE(img.run(w.free_unlinked(number, now)).is_ok()) << what << "free_unlinked";
            }
            model.nodes[d].entries.erase(name);
            model.drop_link(number);
        } else if (roll < 71) {  // rmdir
            auto e = model.entry();
            if (!e) return;
            auto [d, name] = *e;
            u32 number = model.nodes[d].entries[name];
            Node& node = model.nodes[number];
            int expected = !node.dir ? ENOTDIR : !node.entries.empty() ? ENOTEMPTY : 0;
            ASSERT_EQ(img.run(w.rmdir(d, name, now)).error(), expected) << what << "rmdir " << name;
            if (expected) return;
            model.nodes.erase(number);
            model.nodes[d].entries.erase(name);
            model.nodes[d].links--;
        } else if (roll < 89) {  // rename
            auto e = model.entry();
            if (!e) return;
            auto [from, from_name] = *e;
            u32 to = model.dir();
            std::string to_name = model.name();
            u32 source = model.nodes[from].entries[from_name];
            bool moving_dir = model.nodes[source].dir;
            std::optional<u32> target;
            if (model.nodes[to].entries.count(to_name)) target = model.nodes[to].entries[to_name];
            int expected = 0;
            if (target == source)
                expected = 0;
            else if (moving_dir && from != to && model.below(to, source))
                expected = EINVAL;
            else if (target && moving_dir && !model.nodes[*target].dir)
                expected = ENOTDIR;
            else if (target && !moving_dir && model.nodes[*target].dir)
                expected = EISDIR;
            else if (target && model.nodes[*target].dir && !model.nodes[*target].entries.empty())
                expected = ENOTEMPTY;
            ASSERT_EQ(img.run(w.rename(from, from_name, to, to_name, now)).error(), expected)
                << what << "rename " << from_name << " to " << to_name;
            if (expected || target == source) return;
            if (target) {
                if (model.nodes[*target].dir) {
                    model.nodes.erase(*target);
                    model.nodes[to].links--;
                } else {
                    model.drop_link(*target);
                }
            }
            model.nodes[from].entries.erase(from_name);
            model.nodes[to].entries[to_name] = source;
            if (moving_dir && from != to) {
                model.nodes[source].parent = to;
                model.nodes[from].links--;
                model.nodes[to].links++;
            }
        } else {  // link
            auto f = model.file();
            if (!f) return;
            u32 d = model.dir();
            std::string name = model.name();
            bool exists = model.nodes[d].entries.count(name) > 0;
            ASSERT_EQ(img.run(w.link(d, name, *f, now)).error(), exists ? EEXIST : 0) << what << "link " << name;
            if (exists) return;
            model.nodes[d].entries[name] = *f;
            model.nodes[*f].links++;
        }
    }

    // Everything but lost+found removed, deepest first.
    void remove_all(u32 d) {
        auto entries = model.nodes[d].entries;
        for (auto& [name, number] : entries) {
            if (number == 11) continue;
            const ext4::Timestamp now{1800000000, 0};
            if (model.nodes[number].dir) {
                remove_all(number);
                ASSERT_TRUE(img.run(img.writer->rmdir(d, name, now)).is_ok()) << name;
                model.nodes.erase(number);
                model.nodes[d].links--;
            } else {
                ASSERT_TRUE(img.run(img.writer->unlink(d, name, now)).is_ok()) << name;
                model.drop_link(number);
            }
            model.nodes[d].entries.erase(name);
        }
    }

    WriterImage img;
    // Seeded by the options (FNV-1a), so each variant runs its own fixed sequence.
    static u32 seed_of(const char* text) {
        u32 hash = 2166136261u;
        for (; *text; text++) hash = (hash ^ u8(*text)) * 16777619u;
        return hash;
    }
    Model model{seed_of(GetParam())};
};

TEST_P(Ext4WriterModel, ThousandsOfRandomOperationsMatchTheModel) {
    ASSERT_TRUE(img.make(GetParam(), "64M"));
    load_root();
    u64 root_blocks = img.inode(ext4::kRootInode).blocks_512;
    const int operations = 3000;
    for (int i = 0; i < operations; i++) {
        step(i);
        if (HasFatalFailure()) return;
        if ((i + 1) % 1000 == 0) {
            verify("after " + std::to_string(i + 1) + " operations");
            if (HasFatalFailure()) return;
        }
    }
    usize dirs = 0, files = 0;
    for (auto& [number, node] : model.nodes) (node.dir ? dirs : files)++;
    EXPECT_GT(dirs, 20u);
    EXPECT_GT(files, 50u);
    EXPECT_GT(model.largest_file, usize(1) << 20);

    remove_all(ext4::kRootInode);
    if (HasFatalFailure()) return;
    verify("after removing everything");
    ext4::Superblock now = img.current_superblock();
    EXPECT_EQ(now.free_inodes, img.sb.free_inodes);
    u64 root_growth = (img.inode(ext4::kRootInode).blocks_512 - root_blocks) / (img.sb.block_size / 512);
    EXPECT_EQ(now.free_blocks + root_growth, img.sb.free_blocks);
}

// 4 KiB blocks with metadata_csum and 64bit, in groups small enough that a test image
// has several (BLOCK_UNINIT ones among them); 1 KiB blocks with neither, and with gdt_csum
// (uninit_bg) for its crc16 and the UNINIT flags; meta_bg.
INSTANTIATE_TEST_SUITE_P(Mke2fs, Ext4WriterModel, ::testing::Values("-b 4096 -g 4096", "-b 1024 -O ^metadata_csum,^64bit",
                                           "-b 1024 -O ^metadata_csum,^64bit,uninit_bg",
                                           "-b 1024 -O meta_bg,^resize_inode"),
                         [](const auto& info) { return "options" + std::to_string(info.index); });

}  // namespace
