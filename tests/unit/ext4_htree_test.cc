// Large directories: mke2fs -d fills them linearly and e2fsck -D indexes them; the htree
// lookup must then find every name the linear scan finds, and nothing more.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "ext4/htree.h"
#include "ext4_test_support.h"

namespace {

using namespace ext4_test;

constexpr int kFiles = 5000;

std::string name_of(int i) { return "file_" + std::to_string(i) + (i % 7 == 0 ? "-with-a-longer-suffix.dat" : ""); }

struct Image {
    TempDir temp;
    fs::path file;
    bool made = false;
};

const Image& indexed_image(const std::string& options) {
    static std::map<std::string, std::unique_ptr<Image>> images;
    auto& image = images[options];
    if (!image) {
        image = std::make_unique<Image>();
        fs::path source = image->temp.path() / "tree";
        fs::create_directories(source / "big");
        for (int i = 0; i < kFiles; i++) std::ofstream(source / "big" / name_of(i)) << i;
        image->file = image->temp.path() / "ext4.img";
        int status = -1;
        image->made = make_image(source, image->file, options, "32M");
        if (image->made) run("e2fsck -fyD " + quote(image->file) + " 2>&1", &status);  // 1: it changed things
        image->made = image->made && (status == 0 || status == 1) && fsck_clean(image->file);
    }
    return *image;
}

class Ext4Htree : public ::testing::TestWithParam<const char*> {};

TEST_P(Ext4Htree, LookupAgreesWithTheLinearScan) {
    if (!have_e2fsprogs()) GTEST_SKIP() << "e2fsprogs not installed";
    const Image& image = indexed_image(GetParam());
    ASSERT_TRUE(image.made);
    FileReader reader(image.file);
    auto opened = ext4::Volume::open(reader);
    ASSERT_TRUE(opened.is_ok());
    ext4::Volume volume = opened.release_value();
    std::vector<u8> scratch(volume.scratch_size());
    auto big = volume.read_inode(volume.resolve("big", scratch).value_or(0), scratch);
    ASSERT_TRUE(big.is_ok()) << volume.diagnosis().reason;
    ASSERT_TRUE(big.value().flags & ext4::kFlagIndex) << "e2fsck -D did not index the directory";

    std::string dump = run("debugfs -R 'htree /big' " + quote(image.file) + " 2>/dev/null");
    bool two_levels = dump.find("Indirect levels: 1") != std::string::npos;
    if (std::string(GetParam()).find("1024") != std::string::npos) {
        EXPECT_TRUE(two_levels) << dump.substr(0, 300);
    }

    u64 reads_linear = 0, reads_htree = 0;
    for (int i = 0; i < kFiles; i += (i < 100 ? 1 : 37)) {
        u64 before = reader.reads;
        auto linear = volume.lookup_linear(big.value(), name_of(i), scratch);
        reads_linear += reader.reads - before;
        before = reader.reads;
        auto hashed = volume.lookup_htree(big.value(), name_of(i), scratch);
        reads_htree += reader.reads - before;
        ASSERT_TRUE(linear.is_ok() && hashed.is_ok()) << name_of(i) << ": " << volume.diagnosis().reason;
        ASSERT_TRUE(linear.value().has_value()) << name_of(i);
        EXPECT_EQ(hashed.value(), linear.value()) << name_of(i);
    }
    EXPECT_LT(reads_htree * 4, reads_linear);  // the index reads a few blocks, not half the directory
    for (std::string missing : {"file_5000", "file_", "nope", "FILE_1"}) {
        auto hashed = volume.lookup_htree(big.value(), missing, scratch);
        ASSERT_TRUE(hashed.is_ok()) << volume.diagnosis().reason;
        EXPECT_FALSE(hashed.value().has_value()) << missing;
    }
    struct Counter final : ext4::DirVisitor {
        bool visit(const ext4::DirEntry&) override { return ++count, true; }
        int count = 0;
    } counter;
    ASSERT_TRUE(volume.for_each_entry(big.value(), counter, scratch).is_ok()) << volume.diagnosis().reason;
    EXPECT_EQ(counter.count, kFiles + 2);

    // Each entry's position (block, offset) is unique and increasing, and a walk started
    // at a block sees exactly the entries of that block and after (the kernel resumes a
    // listing that way).
    struct Positions final : ext4::DirVisitor {
        bool visit(const ext4::DirEntry& e) override { return at.push_back({e.block, e.offset}), true; }
        std::vector<std::pair<u64, u32>> at;
    } all;
    ASSERT_TRUE(volume.for_each_entry(big.value(), all, scratch).is_ok());
    ASSERT_EQ(all.at.size(), size_t(kFiles + 2));
    for (size_t i = 1; i < all.at.size(); i++) EXPECT_LT(all.at[i - 1], all.at[i]);
    u64 middle = all.at[all.at.size() / 2].first;
    Positions later;
    ASSERT_TRUE(volume.for_each_entry(big.value(), later, scratch, middle).is_ok());
    size_t expected = 0;
    for (auto& p : all.at) expected += p.first >= middle;
    EXPECT_EQ(later.at.size(), expected);
    EXPECT_EQ(later.at.front().first, middle);
}

INSTANTIATE_TEST_SUITE_P(Mke2fs, Ext4Htree, ::testing::Values("-b 4096", "-b 1024", "-b 1024 -O ^metadata_csum"),
                         [](const auto& info) { return "options" + std::to_string(info.index); });

}  // namespace
