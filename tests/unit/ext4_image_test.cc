// libs/ext4 against images that Debian's mke2fs makes from a tree on the host: every file,
// directory, symlink and hard link reads back as the tree has it, with the owners, modes,
// times and sizes stat() gives, and the counts dumpe2fs and debugfs report.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <map>
#include <memory>
#include <set>

#include "ext4_test_support.h"

namespace {

using namespace ext4_test;

constexpr u64 kSparseSize = 5 * GiB + 12345;
const std::string kLongTarget = std::string(200, 'x') + "/target";

std::string pattern(usize size, u32 seed) {
    std::string bytes(size, '\0');
    u32 state = seed;
    for (auto& c : bytes) {
        state = state * 1103515245 + 12345;
        c = char(state >> 16);
    }
    return bytes;
}

void write_file(const fs::path& path, const std::string& bytes, mode_t mode, uid_t uid, gid_t gid, time_t mtime) {
    std::ofstream(path, std::ios::binary) << bytes;
    chmod(path.c_str(), mode);
    lchown(path.c_str(), uid, gid);
    timespec times[2] = {{mtime, 0}, {mtime, 0}};
    utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW);
}

// The tree every image is made from.
void make_tree(const fs::path& root) {
    fs::create_directories(root / "dir/sub");
    write_file(root / "hello.txt", "hello, ext4\n", 0644, 0, 0, 1234567890);
    write_file(root / "empty", "", 0600, 0, 0, 1000000000);
    write_file(root / "block.bin", pattern(4096, 1), 0640, 1000, 1000, 1500000000);
    write_file(root / "medium.bin", pattern(300000, 2), 0755, 0, 0, 1600000000);
    write_file(root / "dir/sub/deep.txt", "deep\n", 0444, 65534, 65534, 1700000000);
    write_file(root / "setuid", "#!/bin/sh\n", 04755, 123456, 70000, 2000000000);
    write_file(root / "hard1", pattern(5000, 3), 0644, 0, 0, 1111111111);
    fs::create_hard_link(root / "hard1", root / "hard2");
    fs::create_hard_link(root / "hard1", root / "dir/hard3");
    fs::create_symlink("hello.txt", root / "link_short");
    fs::create_symlink(std::string(59, 'f'), root / "link_59");
    fs::create_symlink(std::string(60, 's'), root / "link_60");
    fs::create_symlink(kLongTarget, root / "link_long");
    {
        std::ofstream sparse(root / "sparse", std::ios::binary);
        sparse << "start";
        sparse.seekp(std::streamoff(kSparseSize - 3));
        sparse << "end";
    }
    chmod((root / "dir").c_str(), 0750);
}

struct MadeImage {
    TempDir temp;
    fs::path source, file;
    bool made = false;
};

const MadeImage& image_for(const std::string& options) {
    static std::map<std::string, std::unique_ptr<MadeImage>> images;
    auto& image = images[options];
    if (!image) {
        image = std::make_unique<MadeImage>();
        image->source = image->temp.path() / "tree";
        image->file = image->temp.path() / "ext4.img";
        make_tree(image->source);
        image->made = make_image(image->source, image->file, options, "64M");
    }
    return *image;
}

class Ext4Image : public ::testing::TestWithParam<const char*> {
protected:
    void SetUp() override {
        if (!have_e2fsprogs()) GTEST_SKIP() << "e2fsprogs not installed";
        const MadeImage& image = image_for(GetParam());
        ASSERT_TRUE(image.made) << "mke2fs " << GetParam();
        source = image.source;
        file = image.file;
        reader = std::make_unique<FileReader>(file);
        ASSERT_TRUE(reader->ok());
        auto opened = ext4::Volume::open(*reader);
        ASSERT_TRUE(opened.is_ok()) << opened.error();
        volume.emplace(opened.release_value());
        scratch.resize(volume->scratch_size());
    }

    ext4::Inode inode_at(const std::string& path) {
        auto number = volume->resolve(path, scratch);
        EXPECT_TRUE(number.is_ok()) << path << ": " << number.error() << " " << volume->diagnosis().reason;
        auto inode = volume->read_inode(number.value_or(ext4::kRootInode), scratch);
        EXPECT_TRUE(inode.is_ok()) << path << ": " << volume->diagnosis().reason;
        return inode.value_or(ext4::Inode{});
    }

    std::string contents(const ext4::Inode& inode, u64 offset = 0, usize length = SIZE_MAX) {
        if (length == SIZE_MAX) length = usize(inode.size - offset);
        std::string bytes(length, '\0');
        auto n = volume->read_file(inode, offset, std::span<u8>(reinterpret_cast<u8*>(bytes.data()), length), scratch);
        EXPECT_TRUE(n.is_ok()) << volume->diagnosis().reason;
        bytes.resize(n.value_or(0));
        return bytes;
    }

    std::string field(const std::string& output, const std::string& name) {
        auto at = output.find(name);
        if (at == std::string::npos) return "";
        at += name.size();
        while (at < output.size() && (output[at] == ' ' || output[at] == '\t')) at++;
        return output.substr(at, output.find_first_of(" \n", at) - at);
    }

    fs::path source, file;
    std::unique_ptr<FileReader> reader;
    std::optional<ext4::Volume> volume;
    std::vector<u8> scratch;
};

TEST_P(Ext4Image, SuperblockAgreesWithDumpe2fs) {
    std::string header = run("dumpe2fs -h " + quote(file) + " 2>/dev/null");
    const ext4::Superblock& sb = volume->superblock();
    EXPECT_EQ(std::to_string(sb.blocks_count), field(header, "Block count:"));
    EXPECT_EQ(std::to_string(sb.inodes_count), field(header, "Inode count:"));
    EXPECT_EQ(std::to_string(sb.block_size), field(header, "Block size:"));
    EXPECT_EQ(std::to_string(sb.free_blocks), field(header, "Free blocks:"));
    EXPECT_EQ(std::to_string(sb.free_inodes), field(header, "Free inodes:"));
    EXPECT_EQ(std::to_string(sb.inode_size), field(header, "Inode size:"));
    EXPECT_EQ(std::to_string(sb.inodes_per_group), field(header, "Inodes per group:"));
    EXPECT_TRUE(sb.writable());
    EXPECT_EQ(sb.has_ro_compat(ext4::ro_compat::kGdtCsum), std::string(GetParam()).find("uninit_bg") != std::string::npos);
}

// Every path of the source tree: type, mode, owner, size, mtime, links and contents.
TEST_P(Ext4Image, EveryFileReadsBackAsTheTreeHasIt) {
    usize checked = 0;
    for (auto& entry : fs::recursive_directory_iterator(source)) {
        std::string path = entry.path().lexically_relative(source).string();
        struct stat st;
        ASSERT_EQ(lstat(entry.path().c_str(), &st), 0);
        ext4::Inode inode = inode_at(path);
        SCOPED_TRACE(path);
        EXPECT_EQ(inode.mode, st.st_mode);
        EXPECT_EQ(inode.uid, st.st_uid);
        EXPECT_EQ(inode.gid, st.st_gid);
        EXPECT_EQ(inode.mtime.seconds, st.st_mtim.tv_sec);
        if (!S_ISDIR(st.st_mode)) {
            EXPECT_EQ(inode.links_count, st.st_nlink);
        }
        if (S_ISREG(st.st_mode)) {
            EXPECT_EQ(inode.size, u64(st.st_size));
            if (st.st_size < 1000000) {
                std::vector<u8> bytes = read_bytes(entry.path());
                EXPECT_EQ(contents(inode), std::string(bytes.begin(), bytes.end()));
            }
        }
        if (S_ISLNK(st.st_mode)) {
            std::string target(4096, '\0');
            auto n = volume->read_symlink(inode, target, scratch);
            ASSERT_TRUE(n.is_ok()) << volume->diagnosis().reason;
            target.resize(n.value());
            EXPECT_EQ(target, fs::read_symlink(entry.path()).string());
            EXPECT_EQ(inode.is_fast_symlink(), target.size() < 60);
        }
        checked++;
    }
    EXPECT_GE(checked, 15u);
}

TEST_P(Ext4Image, DirectoriesListTheTreeNames) {
    for (std::string dir : {"", "dir", "dir/sub"}) {
        std::set<std::string> expected = {".", ".."};
        for (auto& entry : fs::directory_iterator(source / dir)) expected.insert(entry.path().filename().string());
        if (dir.empty()) expected.insert("lost+found");
        struct Collector final : ext4::DirVisitor {
            bool visit(const ext4::DirEntry& entry) override {
                names.insert(std::string(entry.name));
                return true;
            }
            std::set<std::string> names;
        } collector;
        ext4::Inode inode = inode_at(dir);
        ASSERT_TRUE(volume->for_each_entry(inode, collector, scratch).is_ok()) << volume->diagnosis().reason;
        EXPECT_EQ(collector.names, expected) << dir;
        auto dot = volume->lookup(inode, ".", scratch);
        ASSERT_TRUE(dot.is_ok());
        EXPECT_EQ(dot.value(), inode.number);
    }
}

TEST_P(Ext4Image, HardLinksShareOneInode) {
    ext4::Inode one = inode_at("hard1");
    EXPECT_EQ(inode_at("hard2").number, one.number);
    EXPECT_EQ(inode_at("dir/hard3").number, one.number);
    EXPECT_EQ(one.links_count, 3u);
}

TEST_P(Ext4Image, SparseFileOfFiveGiBReadsZerosBetweenItsData) {
    ext4::Inode inode = inode_at("sparse");
    EXPECT_EQ(inode.size, kSparseSize);
    EXPECT_EQ(contents(inode, 0, 5), "start");
    EXPECT_EQ(contents(inode, kSparseSize - 3, 3), "end");
    EXPECT_EQ(contents(inode, kSparseSize - 3, 100), "end");  // cut at the end of the file
    EXPECT_EQ(contents(inode, 3 * GiB, 10000), std::string(10000, '\0'));
    EXPECT_LE(inode.blocks_512, 8u * volume->superblock().block_size / 512);  // the holes take no space
    auto mapping = volume->map_block(inode, 1000, scratch);
    ASSERT_TRUE(mapping.is_ok());
    EXPECT_TRUE(mapping.value().is_hole());
}

TEST_P(Ext4Image, InodeNumbersAndCountsAgreeWithDebugfs) {
    for (std::string path : {"hello.txt", "medium.bin", "dir/sub/deep.txt", "link_long", "setuid"}) {
        std::string stat = run("debugfs -R 'stat /" + path + "' " + quote(file) + " 2>/dev/null");
        ext4::Inode inode = inode_at(path);
        EXPECT_EQ(std::to_string(inode.number), field(stat, "Inode:")) << path;
        EXPECT_EQ(std::to_string(inode.links_count), field(stat, "Links:")) << path;
        EXPECT_EQ(std::to_string(inode.blocks_512), field(stat, "Blockcount:")) << path;
        EXPECT_EQ(std::to_string(inode.size), field(stat, "Size:")) << path;
    }
}

TEST_P(Ext4Image, MissingNamesAreNotFound) {
    ext4::Inode root = inode_at("");
    auto missing = volume->lookup(root, "no-such-file", scratch);
    ASSERT_TRUE(missing.is_ok());
    EXPECT_FALSE(missing.value().has_value());
    EXPECT_EQ(volume->resolve("no/such", scratch).error(), ENOENT);
    EXPECT_EQ(volume->resolve("hello.txt/x", scratch).error(), ENOTDIR);
}

// The bitmaps' set bits match the free counts of every group descriptor, those of groups
// whose block bitmap was never initialised (BLOCK_UNINIT) included.
TEST_P(Ext4Image, BitmapsAgreeWithGroupCounts) {
    const ext4::Superblock& sb = volume->superblock();
    std::vector<u8> bitmap(sb.block_size);
    for (u32 g = 0; g < sb.group_count; g++) {
        auto desc = volume->group(g, scratch);
        ASSERT_TRUE(desc.is_ok()) << volume->diagnosis().reason;
        auto inodes = volume->read_inode_bitmap(g, bitmap, scratch);
        ASSERT_TRUE(inodes.is_ok()) << volume->diagnosis().reason;
        u32 used = 0;
        for (u32 bit = 0; bit < sb.inodes_per_group; bit++) used += (bitmap[bit / 8] >> (bit % 8)) & 1;
        EXPECT_EQ(used, sb.inodes_per_group - desc.value().free_inodes) << "group " << g;
        auto blocks = volume->read_block_bitmap(g, bitmap, scratch);
        ASSERT_TRUE(blocks.is_ok()) << volume->diagnosis().reason;
        // A bitmap never initialised reads as Linux would build it: it agrees too.
        used = 0;
        for (u32 bit = 0; bit < sb.blocks_in_group(g); bit++) used += (bitmap[bit / 8] >> (bit % 8)) & 1;
        EXPECT_EQ(used, sb.blocks_in_group(g) - desc.value().free_blocks) << "group " << g;
    }
}

// Features this library cannot read are refused at open, with the reason.
TEST(Ext4Features, InlineDataAndEncryptionAreRefused) {
    if (!have_e2fsprogs()) GTEST_SKIP() << "e2fsprogs not installed";
    for (std::string feature : {"inline_data", "encrypt", "casefold"}) {
        TempDir temp;
        fs::create_directories(temp.path() / "tree");
        ASSERT_TRUE(make_image(temp.path() / "tree", temp.path() / "ext4.img", "-O " + feature, "8M")) << feature;
        FileReader reader(temp.path() / "ext4.img");
        ext4::Diagnosis why;
        EXPECT_EQ(ext4::Volume::open(reader, &why).error(), EINVAL) << feature;
        EXPECT_STREQ(why.reason, "unsupported incompatible feature") << feature;
    }
}

INSTANTIATE_TEST_SUITE_P(Mke2fs, Ext4Image,
                         ::testing::Values("-b 4096", "-b 1024", "-b 2048 -O ^metadata_csum", "-O ^64bit",
                                           "-O ^metadata_csum,^64bit,^flex_bg", "-O meta_bg,^resize_inode",
                                           "-I 128 -O ^metadata_csum", "-b 65536",
                                           "-b 1024 -O ^extents,^64bit,^flex_bg,^metadata_csum",
                                           "-O ^metadata_csum,uninit_bg"),
                         [](const auto& info) { return "options" + std::to_string(info.index); });

}  // namespace
