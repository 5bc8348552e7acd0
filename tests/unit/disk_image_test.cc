// osprey build --format ext4: the tree written as an ext4 disk image, checked by e2fsck and
// read back (the /.osprey files, the listing, the contents through libs/ext4).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "ext4/volume.h"
#include "image/disk_image.h"
#include "image/image_builder.h"
#include "image/image_tree.h"

namespace {

namespace stdfs = std::filesystem;
using osprey::ImageNode;
using osprey::ImageTree;

class DiskImageTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (stdfs::temp_directory_path() / "osprey-disk-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir = pattern;
    }
    void TearDown() override { stdfs::remove_all(dir); }

    // e2fsck -fn's verdict on the image: 0 when it finds nothing to fix.
    int fsck(const std::string& image) {
        std::string command = "e2fsck -fn '" + image + "' >/dev/null 2>&1";
        return std::system(command.c_str());
    }

    // A file's bytes read from the disk by libs/ext4.
    std::string read_back(const std::string& image, const std::string& path) {
        struct Reader final : ext4::BlockReader {
            int fd;
            explicit Reader(int f) : fd(f) {}
            Result<void> read(u64 offset, std::span<u8> out) override {
                if (pread(fd, out.data(), out.size(), static_cast<off_t>(offset)) != static_cast<ssize_t>(out.size()))
                    return Error(EIO);
                return {};
            }
        };
        int fd = open(image.c_str(), O_RDONLY | O_CLOEXEC);
        std::string result = read_back_from(Reader(fd), path);
        close(fd);
        return result;
    }
    template <typename R>
    std::string read_back_from(R reader, const std::string& path) {
        auto volume = ext4::Volume::open(reader);
        if (volume.is_error()) return "<no volume>";
        std::vector<u8> scratch(2 * volume.value().superblock().block_size);
        auto number = volume.value().resolve(path.substr(1), scratch);
        if (number.is_error()) return "<not found>";
        auto inode = volume.value().read_inode(number.value(), scratch).value();
        std::string out(inode.size, '\0');
        auto got = volume.value().read_file(inode, 0, {reinterpret_cast<u8*>(out.data()), out.size()}, scratch);
        return got.is_ok() ? out : "<unreadable>";
    }

    std::string dir;
};

TEST_F(DiskImageTest, TreeIsWrittenCleanAndReadsBack) {
    // A host file of several MiB (more than one write), hard-linked under two names.
    std::string big = dir + "/big";
    {
        std::ofstream out(big, std::ios::binary);
        for (int i = 0; i < (9 << 20) / 8; i++) out.write(reinterpret_cast<const char*>(&i), 8);
    }
    ASSERT_EQ(link(big.c_str(), (dir + "/big2").c_str()), 0);
    struct stat st{};
    ASSERT_EQ(stat(big.c_str(), &st), 0);
    ImageTree tree;
    std::string error;
    ASSERT_TRUE(tree.add_directory("/srv", 0750, 1600000000, error)) << error;
    for (const char* name : {"/srv/big", "/srv/again"}) {
        ImageNode node;
        node.host_path = big;
        node.size = static_cast<u64>(st.st_size);
        node.permissions = 0755;
        node.mtime = 1600000001;
        node.host_device = st.st_dev;
        node.host_inode = st.st_ino;
        node.host_hard_linked = true;
        ASSERT_TRUE(tree.add_file(name, node, error)) << error;
    }
    ASSERT_TRUE(tree.add_generated_file("/etc/hostname", "osprey\n", 0644, error)) << error;
    ASSERT_TRUE(tree.add_symlink("/bin", "usr/bin", 1600000002, error)) << error;
    std::string long_target(100, 'x');
    ASSERT_TRUE(tree.add_symlink("/srv/far", long_target, 0, error)) << error;
    for (int i = 0; i < 500; i++) ASSERT_TRUE(tree.add_generated_file("/many/f" + std::to_string(i), std::to_string(i), 0600, error));
    osprey::AppSpec spec;
    spec.exe = "/srv/big";
    spec.argv = {"big", "--flag"};
    spec.env = {"PATH=/bin"};
    spec.workdir = "/srv";
    osprey::ComposedImage image{std::move(tree), spec, {}, nullptr};
    image.info.root = "ext4";
    image.info.memory = "256M";
    ASSERT_TRUE(osprey::finish_image(image, error)) << error;

    std::string path = dir + "/app.img";
    osprey::DiskImageFigures figures;
    ASSERT_TRUE(osprey::write_disk_image(image.tree, path, figures, error)) << error;
    EXPECT_EQ(figures.files, 505u);
    EXPECT_GE(figures.size, figures.allocated);
    EXPECT_EQ(fsck(path), 0);
    EXPECT_TRUE(osprey::looks_like_disk_image(path));

    auto loaded = osprey::load_disk_image(path, true, error);
    ASSERT_TRUE(loaded) << error;
    EXPECT_EQ(loaded->spec.exe, "/srv/big");
    EXPECT_EQ(loaded->spec.argv, (std::vector<std::string>{"big", "--flag"}));
    EXPECT_EQ(loaded->spec.workdir, "/srv");
    EXPECT_EQ(loaded->info.memory, "256M");
    EXPECT_EQ(loaded->info.root, "ext4");
    const ImageNode* srv = loaded->tree.find("/srv");
    ASSERT_TRUE(srv);
    EXPECT_EQ(srv->permissions, 0750u);
    EXPECT_EQ(srv->mtime, 1600000000u);
    const ImageNode* again = loaded->tree.find("/srv/again");
    ASSERT_TRUE(again);
    EXPECT_EQ(again->size, static_cast<u64>(st.st_size));
    EXPECT_EQ(again->mtime, 1600000001u);
    EXPECT_EQ(loaded->tree.find("/bin")->data, "usr/bin");
    EXPECT_EQ(loaded->tree.find("/srv/far")->data, long_target);
    EXPECT_EQ(loaded->tree.find("/tmp")->permissions, 01777u);  // the kernel's mount points are there
    EXPECT_TRUE(loaded->tree.find("/proc"));
    EXPECT_TRUE(loaded->tree.find("/many/f499"));

    std::ifstream in(big, std::ios::binary);
    std::string expected((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_TRUE(read_back(path, "/srv/again") == expected);
    EXPECT_EQ(read_back(path, "/many/f321"), "321");
    EXPECT_EQ(read_back(path, "/etc/hostname"), "osprey\n");
    // The two names are one inode, as on the host.
    std::string stat_command = "debugfs -R 'stat /srv/big' '" + path + "' 2>/dev/null | grep -q 'Links: 2'";
    EXPECT_EQ(std::system(stat_command.c_str()), 0);
}

TEST_F(DiskImageTest, DisksThatAreNotOspreyImagesAreRefused) {
    std::string plain = dir + "/plain.img";
    std::string make = "truncate -s 16M '" + plain + "' && mke2fs -q -t ext4 '" + plain + "' >/dev/null 2>&1";
    ASSERT_EQ(std::system(make.c_str()), 0);
    std::string error;
    EXPECT_TRUE(osprey::looks_like_disk_image(plain));
    EXPECT_FALSE(osprey::load_disk_image(plain, false, error));
    EXPECT_EQ(error, plain + ": an ext4 disk, but not an Osprey image (no readable /.osprey/app)");
    std::string text = dir + "/text";
    std::ofstream(text) << "not a disk";
    EXPECT_FALSE(osprey::looks_like_disk_image(text));
    // A program with the magic's two bytes at byte 1080 is not a disk; nor is a
    // superblock with a block size past 64 KiB.
    std::string bytes(4096, '\0');
    bytes[1024] = 1;          // s_inodes_count
    bytes[1028] = 1;          // s_blocks_count
    bytes[1080] = '\x53';
    bytes[1081] = '\xef';
    std::string fake = dir + "/fake";
    std::ofstream(fake, std::ios::binary) << bytes;
    EXPECT_TRUE(osprey::looks_like_disk_image(fake));
    std::ofstream(fake, std::ios::binary) << "\x7f" "ELF" + bytes.substr(4);
    EXPECT_FALSE(osprey::looks_like_disk_image(fake));
    bytes[1024 + 24] = 7;  // s_log_block_size: 128 KiB
    std::ofstream(fake, std::ios::binary) << bytes;
    EXPECT_FALSE(osprey::looks_like_disk_image(fake));
    EXPECT_FALSE(osprey::load_disk_image(dir + "/missing", false, error));
    EXPECT_EQ(error, dir + "/missing: no such file");
}

}  // namespace
