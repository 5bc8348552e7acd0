// The image cache of `osprey run` (tools/osprey/image/image_cache.h): its record read back
// exactly and refused when damaged, stamps that notice a changed file or a new entry in a
// directory, entries found only under their whole key, and trimming by last use.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "image/image_builder.h"
#include "image/image_cache.h"
#include "image/image_file.h"
#include "image/image_tree.h"

namespace {

namespace stdfs = std::filesystem;
using osprey::CacheRecord;
using osprey::HostStamp;
using osprey::ImageCache;
using osprey::ImageNode;
using osprey::ImageTree;

class ImageCacheTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (stdfs::temp_directory_path() / "osprey-cache-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir = pattern;
    }
    void TearDown() override { stdfs::remove_all(dir); }

    void write(const std::string& path, const std::string& text) {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << text;
    }

    // A tree with one host file at `host` (stored at /app/data) and a generated file.
    ImageTree tree_with(const std::string& host) {
        ImageTree tree;
        std::string error;
        ImageNode node;
        node.host_path = host;
        node.size = stdfs::file_size(host);
        node.permissions = 0644;
        EXPECT_TRUE(tree.add_file("/app/data", node, error)) << error;
        EXPECT_TRUE(tree.add_generated_file("/etc/hostname", "osprey\n", 0644, error)) << error;
        // /.osprey/app and image.json, as every stored image has them.
        osprey::ComposedImage image{std::move(tree), {}, {}, nullptr};
        image.spec.exe = "/app/data";
        image.spec.argv = {"/app/data"};
        EXPECT_TRUE(osprey::finish_image(image, error)) << error;
        return std::move(image.tree);
    }

    std::string dir;
};

TEST_F(ImageCacheTest, RecordRoundTripsEveryByte) {
    CacheRecord record;
    record.key = std::string("image-v1\nprogram 3:a b\0c", 25);
    record.image = "0123456789abcdef.Xy12Zq.cpio";
    HostStamp present = osprey::stamp_host_path(dir);
    ASSERT_TRUE(present.present);
    HostStamp absent = osprey::stamp_host_path(dir + "/no such\nfile");
    EXPECT_FALSE(absent.present);
    record.stamps = {present, absent};
    auto back = osprey::decode_cache_record(osprey::encode_cache_record(record));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->key, record.key);
    EXPECT_EQ(back->image, record.image);
    ASSERT_EQ(back->stamps.size(), 2u);
    EXPECT_EQ(back->stamps[0], present);
    EXPECT_EQ(back->stamps[1], absent);
}

TEST_F(ImageCacheTest, DamagedRecordsAreRefused) {
    CacheRecord record{"entry.cpio", "key", {osprey::stamp_host_path(dir)}};
    std::string good = osprey::encode_cache_record(record);
    ASSERT_TRUE(osprey::decode_cache_record(good));
    // Cut anywhere, the record is refused (the last line says it is whole).
    for (size_t length = 0; length < good.size(); length++)
        EXPECT_FALSE(osprey::decode_cache_record(std::string_view(good).substr(0, length))) << length;
    std::string longer_count = good;
    longer_count.replace(good.find("3:key"), 5, "9:key");
    EXPECT_FALSE(osprey::decode_cache_record(longer_count));
    std::string other_magic = good;
    other_magic[0] = 'X';
    EXPECT_FALSE(osprey::decode_cache_record(other_magic));
    EXPECT_FALSE(osprey::decode_cache_record(good + "stamp 1 2 3\n"));
    // The image a record names is a file of the cache's directory, never a path.
    for (const char* name : {"../x.cpio", "a/b.cpio", ".hidden", ""}) {
        CacheRecord bad{name, "key", {}};
        EXPECT_FALSE(osprey::decode_cache_record(osprey::encode_cache_record(bad))) << name;
    }
}

TEST_F(ImageCacheTest, StampsNoticeChangedFilesAndDirectories) {
    std::string file = dir + "/lib.so";
    write(file, "one");
    std::vector<HostStamp> stamps{osprey::stamp_host_path(file), osprey::stamp_host_path(dir)};
    EXPECT_TRUE(osprey::stamps_current(stamps));
    // A new entry in the directory (a module installed beside the others).
    write(dir + "/new.py", "");
    EXPECT_FALSE(osprey::stamps_current(stamps));
    stamps = {osprey::stamp_host_path(file)};
    // The same size, written again (an upgrade that keeps the length).
    write(file, "two");
    EXPECT_FALSE(osprey::stamps_current(stamps));
    stamps = {osprey::stamp_host_path(file)};
    unlink(file.c_str());
    EXPECT_FALSE(osprey::stamps_current(stamps));
}

TEST_F(ImageCacheTest, DependenciesAreTheFilesAndTheDirectoriesTheyAreIn) {
    std::string file = dir + "/sub/lib.so";
    stdfs::create_directories(dir + "/sub");
    write(file, "x");
    auto paths = osprey::image_dependencies(tree_with(file), {"/extra/dir"});
    for (const std::string& expected : {file, dir + "/sub", std::string("/extra/dir")})
        EXPECT_NE(std::find(paths.begin(), paths.end(), expected), paths.end()) << expected;
    // Not the directories further up (/tmp changes all the time).
    EXPECT_EQ(std::find(paths.begin(), paths.end(), dir), paths.end());
    // The generated file has no host side.
    EXPECT_EQ(std::find(paths.begin(), paths.end(), "/etc/hostname"), paths.end());
}

TEST_F(ImageCacheTest, AnEntryServesItsWholeKeyWhileItsFilesStayTheSame) {
    std::string host = dir + "/data";
    write(host, "payload");
    ImageCache cache(dir + "/cache");
    ASSERT_EQ(mkdir((dir + "/cache").c_str(), 0700), 0);
    ImageTree tree = tree_with(host);
    std::string error;
    auto stored = cache.store("key one", tree, osprey::image_dependencies(tree, {}), error);
    ASSERT_TRUE(stored) << error;
    auto hit = cache.lookup("key one");
    ASSERT_TRUE(hit);
    EXPECT_EQ(hit->path, *stored);
    auto loaded = osprey::load_image(hit->path, error);
    ASSERT_TRUE(loaded) << error;
    const ImageNode* data = loaded->tree.find("/app/data");
    ASSERT_NE(data, nullptr);
    EXPECT_EQ(std::string(data->view.begin(), data->view.end()), "payload");
    EXPECT_FALSE(cache.lookup("key two"));
    EXPECT_FALSE(cache.lookup("key on"));
    // The host file changes: the entry is no longer used.
    write(host, "payload, changed");
    EXPECT_FALSE(cache.lookup("key one"));
}

TEST_F(ImageCacheTest, TrimRemovesTheLeastRecentlyUsedFirst) {
    std::string cache_dir = dir + "/cache";
    ASSERT_EQ(mkdir(cache_dir.c_str(), 0700), 0);
    ImageCache cache(cache_dir);
    std::string host = dir + "/data";
    write(host, std::string(100000, 'x'));
    ImageTree tree = tree_with(host);
    std::string error;
    std::vector<std::string> keys{"oldest", "middle", "newest"};
    std::vector<std::string> paths;
    time_t now = time(nullptr);
    for (size_t i = 0; i < keys.size(); i++) {
        auto path = cache.store(keys[i], tree, {}, error);
        ASSERT_TRUE(path) << error;
        timespec times[2] = {{now - 1000 + static_cast<time_t>(i) * 100, 0}, {now - 1000 + static_cast<time_t>(i) * 100, 0}};
        ASSERT_EQ(utimensat(AT_FDCWD, path->c_str(), times, 0), 0);
        paths.push_back(*path);
    }
    u64 one = stdfs::file_size(paths[0]);
    // Room for two: the oldest goes, record and image.
    cache.trim(2 * one + one / 2, 60);
    EXPECT_FALSE(stdfs::exists(paths[0]));
    EXPECT_FALSE(stdfs::exists(cache_dir + "/" + osprey::cache_entry_name("oldest") + ".deps"));
    EXPECT_TRUE(cache.lookup("middle"));  // and is now the most recently used
    EXPECT_TRUE(cache.lookup("newest"));
    // Entries used within keep_seconds stay even over the limit.
    cache.trim(0, 3600);
    EXPECT_TRUE(cache.lookup("middle"));
    cache.trim(0, 0);
    EXPECT_FALSE(cache.lookup("middle"));
    EXPECT_FALSE(cache.lookup("newest"));
    EXPECT_TRUE(stdfs::is_empty(cache_dir));
}

TEST_F(ImageCacheTest, AStoreOfTheSameKeyReplacesTheEntryAndTrimRemovesTheOldImage) {
    std::string cache_dir = dir + "/cache";
    ASSERT_EQ(mkdir(cache_dir.c_str(), 0700), 0);
    ImageCache cache(cache_dir);
    std::string host = dir + "/data";
    write(host, "one");
    std::string error;
    auto first = cache.store("key", tree_with(host), {}, error);
    ASSERT_TRUE(first) << error;
    write(host, "two, longer");
    auto second = cache.store("key", tree_with(host), {}, error);
    ASSERT_TRUE(second) << error;
    // Each store has an image of its own; the record names the last.
    EXPECT_NE(*first, *second);
    auto hit = cache.lookup("key");
    ASSERT_TRUE(hit);
    EXPECT_EQ(hit->path, *second);
    // The replaced image stays while it may still be booted, then goes.
    cache.trim(u64{1} << 40, 3600);
    EXPECT_TRUE(stdfs::exists(*first));
    cache.trim(u64{1} << 40, 0);
    EXPECT_FALSE(stdfs::exists(*first));
    EXPECT_TRUE(stdfs::exists(*second));
}

TEST_F(ImageCacheTest, KeyHoldsWhatShapesTheImageButNotTheArguments) {
    osprey::ImageRequest request;
    request.program = "/usr/bin/python3";
    request.args = {"-c", "print(1)"};
    std::vector<std::string> env{"PATH=/usr/bin", "HOME=/"};
    std::string key = osprey::image_cache_key(request, "/somewhere", env);
    request.args = {"other"};
    EXPECT_EQ(osprey::image_cache_key(request, "/elsewhere", env), key);  // an absolute program
    env.push_back("LD_LIBRARY_PATH=/opt/lib");
    EXPECT_NE(osprey::image_cache_key(request, "/somewhere", env), key);
    env.pop_back();
    request.workdir = "/srv";
    EXPECT_NE(osprey::image_cache_key(request, "/somewhere", env), key);
    request.workdir.reset();
    request.add.push_back({"/host/site", "/srv"});
    EXPECT_NE(osprey::image_cache_key(request, "/somewhere", env), key);
    request.add.clear();
    request.program = "python3";
    EXPECT_NE(osprey::image_cache_key(request, "/somewhere", env), osprey::image_cache_key(request, "/elsewhere", env));
}

}  // namespace
