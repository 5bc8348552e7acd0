// The image tree of `osprey build`: where files land, symlinks kept, --add of host trees,
// and the archive written and read back.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "commands/accel.h"
#include "image/host_files.h"
#include "image/image_file.h"
#include "image/image_tree.h"

namespace {

using osprey::ImageNode;
using osprey::ImageTree;

class TreeArchiveSink final : public cpio::ByteSink {
public:
    bool write(std::span<const u8> bytes) override {
        data.insert(data.end(), bytes.begin(), bytes.end());
        return true;
    }
    std::vector<u8> data;
};

TEST(ImageTree, PathsThroughASymlinkLandWhereItPoints) {
    ImageTree tree;
    std::string error;
    ASSERT_TRUE(tree.add_symlink("/lib", "usr/lib", 0, error)) << error;
    ASSERT_TRUE(tree.add_generated_file("/lib/x/libc.so.6", "elf", 0755, error)) << error;
    EXPECT_TRUE(tree.find("/usr/lib/x/libc.so.6"));
    EXPECT_FALSE(tree.find("/lib/x/libc.so.6"));
    EXPECT_EQ(tree.find("/lib")->type, ImageNode::Type::Symlink);
    EXPECT_EQ(tree.resolve("/lib/x/../x/libc.so.6"), "/usr/lib/x/libc.so.6");
    ASSERT_TRUE(tree.add_symlink("/lib64/ld.so", "/lib/x/libc.so.6", 0, error));
    EXPECT_EQ(tree.resolve("/lib64/ld.so"), "/usr/lib/x/libc.so.6");
}

TEST(ImageTree, AFileNeverReplacesADirectoryNorTheOtherWayRound) {
    ImageTree tree;
    std::string error;
    ASSERT_TRUE(tree.add_directory("/etc", 0755, 0, error));
    EXPECT_FALSE(tree.add_generated_file("/etc", "x", 0644, error));
    EXPECT_EQ(error, "cannot add the file /etc to the image: a directory is there");
    ASSERT_TRUE(tree.add_generated_file("/a", "x", 0644, error));
    EXPECT_FALSE(tree.add_directory("/a", 0755, 0, error));
    EXPECT_FALSE(tree.add_generated_file("/a/b", "x", 0644, error));
    // A later file replaces an earlier one.
    ASSERT_TRUE(tree.add_generated_file("/a", "longer", 0600, error));
    EXPECT_EQ(tree.find("/a")->size, 6u);
}

TEST(ImageTree, WritesEachDirectoryBeforeItsContentsAndReadsBack) {
    ImageTree tree;
    std::string error;
    ASSERT_TRUE(tree.add_generated_file("/usr-x/f", "1", 0644, error));
    ASSERT_TRUE(tree.add_generated_file("/usr/bin/prog", "12345", 0755, error));
    ASSERT_TRUE(tree.add_symlink("/bin", "usr/bin", 77, error));
    ASSERT_TRUE(tree.add_directory("/srv", 0700, 1234, error));
    TreeArchiveSink sink;
    ASSERT_TRUE(tree.write(sink, nullptr, error)) << error;
    cpio::Reader reader(sink.data);
    std::vector<std::string> names;
    while (true) {
        auto next = reader.next();
        ASSERT_FALSE(next.is_error());
        if (!next.value()) break;
        const auto& e = *next.value();
        names.emplace_back(e.name);
        if (e.name == "srv") {
            EXPECT_EQ(e.mode, 040700u);
            EXPECT_EQ(e.mtime, 1234u);
        }
        if (e.name == "bin") {
            EXPECT_TRUE(e.is_symlink());
            EXPECT_EQ(e.symlink_target(), "usr/bin");
        }
        if (e.name == "usr/bin/prog") {
            EXPECT_EQ(e.data.size(), 5u);
            EXPECT_EQ(e.mode, 0100755u);
        }
    }
    EXPECT_EQ(names, (std::vector<std::string>{"bin", "srv", "usr", "usr-x", "usr-x/f", "usr/bin", "usr/bin/prog"}));
}

TEST(ImageTree, GuestPathsAreNormalised) {
    EXPECT_EQ(osprey::normal_guest_path("/a/./b//c/../d/"), "/a/b/d");
    EXPECT_EQ(osprey::normal_guest_path("/../x"), "/x");
    EXPECT_EQ(osprey::normal_guest_path("/"), "/");
    EXPECT_FALSE(osprey::normal_guest_path("rel"));
}

TEST(AddSpec, HostAndGuestAreSplitAtTheLastColonBeforeAnAbsolutePath) {
    std::string error;
    auto a = osprey::parse_add_spec("data:/srv/data", "/home/me", error);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->host, "/home/me/data");
    EXPECT_EQ(a->guest, "/srv/data");
    auto b = osprey::parse_add_spec("/x/a:b:/in/", "/", error);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->host, "/x/a:b");
    EXPECT_EQ(b->guest, "/in/");
    auto c = osprey::parse_add_spec("./conf", "/w", error);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->guest, "/w/conf");
    EXPECT_FALSE(osprey::parse_add_spec(":/x", "/", error));
}

class HostTree : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/osprey-tree-test-XXXXXX";
        root = mkdtemp(pattern);
        std::filesystem::create_directories(root + "/site/css");
        std::ofstream(root + "/site/index.html") << "<h1>hi</h1>";
        std::ofstream(root + "/site/css/a.css") << "body{}";
        chmod((root + "/site/css/a.css").c_str(), 0600);
        symlink("index.html", (root + "/site/home.html").c_str());
        symlink("/nonexistent", (root + "/site/dangling").c_str());
        struct timespec times[2] = {{1000000000, 0}, {1000000000, 0}};
        utimensat(AT_FDCWD, (root + "/site/index.html").c_str(), times, 0);
    }
    void TearDown() override { std::filesystem::remove_all(root); }
    std::string root;
};

TEST_F(HostTree, AddKeepsSymlinksModesAndTimes) {
    ImageTree tree;
    std::string error;
    ASSERT_TRUE(osprey::add_host_tree(tree, {root + "/site", "/srv/www"}, error)) << error;
    const ImageNode* index = tree.find("/srv/www/index.html");
    ASSERT_TRUE(index);
    EXPECT_EQ(index->size, 11u);
    EXPECT_EQ(index->mtime, 1000000000u);
    EXPECT_EQ(tree.find("/srv/www/css/a.css")->permissions, 0600u);
    ASSERT_TRUE(tree.find("/srv/www/home.html"));
    EXPECT_EQ(tree.find("/srv/www/home.html")->type, ImageNode::Type::Symlink);
    EXPECT_EQ(tree.find("/srv/www/home.html")->data, "index.html");
    EXPECT_EQ(tree.find("/srv/www/dangling")->data, "/nonexistent");
    EXPECT_EQ(tree.find("/srv/www/css")->type, ImageNode::Type::Directory);
}

TEST_F(HostTree, AFileGoesInsideADirectoryOrATrailingSlash) {
    ImageTree tree;
    std::string error;
    ASSERT_TRUE(tree.add_directory("/etc", 0755, 0, error));
    ASSERT_TRUE(osprey::add_host_tree(tree, {root + "/site/index.html", "/etc"}, error)) << error;
    EXPECT_TRUE(tree.find("/etc/index.html"));
    ASSERT_TRUE(osprey::add_host_tree(tree, {root + "/site/index.html", "/new/"}, error)) << error;
    EXPECT_TRUE(tree.find("/new/index.html"));
    ASSERT_TRUE(osprey::add_host_tree(tree, {root + "/site/index.html", "/renamed.html"}, error)) << error;
    EXPECT_TRUE(tree.find("/renamed.html"));
    EXPECT_FALSE(osprey::add_host_tree(tree, {root + "/missing", "/x"}, error));
    EXPECT_EQ(error, "--add " + root + "/missing: no such file or directory");
}

TEST_F(HostTree, AHostFileIsAddedWithTheSymlinksThatLeadToIt) {
    std::filesystem::create_directories(root + "/usr/lib/x");
    std::ofstream(root + "/usr/lib/x/libc.so") << "libc";
    symlink("usr/lib", (root + "/lib").c_str());
    std::filesystem::create_directories(root + "/lib64");
    symlink((root + "/lib/x/libc.so").c_str(), (root + "/lib64/ld.so").c_str());
    ImageTree tree;
    std::string error;
    ASSERT_TRUE(osprey::add_host_path_keeping_links(tree, root + "/lib64/ld.so", error)) << error;
    EXPECT_EQ(tree.find(root + "/lib64/ld.so")->type, ImageNode::Type::Symlink);
    EXPECT_EQ(tree.find(root + "/lib")->type, ImageNode::Type::Symlink);
    ASSERT_TRUE(tree.find(root + "/usr/lib/x/libc.so"));
    EXPECT_EQ(tree.find(root + "/usr/lib/x/libc.so")->type, ImageNode::Type::File);
    // A second path into the same file adds nothing new.
    size_t before = tree.nodes().size();
    ASSERT_TRUE(osprey::add_host_path_keeping_links(tree, root + "/lib/x/libc.so", error)) << error;
    EXPECT_EQ(tree.nodes().size(), before);
}

TEST(Accel, AutoPicksKvmOnlyOnAHostThatIsNotAVirtualMachine) {
    std::string error;
    osprey::KvmProbe bare{true, "", false}, nested{true, "", true}, none{false, "/dev/kvm: No such file", false};
    EXPECT_EQ(osprey::choose_accel("auto", bare, error), "kvm");
    EXPECT_EQ(osprey::choose_accel("auto", nested, error), "tcg");
    EXPECT_EQ(osprey::choose_accel("auto", none, error), "tcg");
    EXPECT_EQ(osprey::choose_accel("tcg", bare, error), "tcg");
    EXPECT_EQ(osprey::choose_accel("kvm", nested, error), "kvm");
    EXPECT_FALSE(osprey::choose_accel("kvm", none, error));
    EXPECT_EQ(error.rfind("--accel kvm: KVM is not usable here (/dev/kvm: No such file)", 0), 0u) << error;
}

TEST(ImageInfo, EncodesAsJson) {
    osprey::ImageInfo info;
    info.program = "/bin/true";
    info.interpreter = "/lib64/ld-linux-x86-64.so.2";
    info.libraries = {{"libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6"}};
    std::string json = osprey::encode_image_info(info);
    EXPECT_NE(json.find("\"format\": \"osprey-image-v1\""), std::string::npos);
    EXPECT_NE(json.find("\"libc.so.6\""), std::string::npos);
}

}  // namespace
