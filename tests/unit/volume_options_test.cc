#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "commands/image_request.h"
#include "commands/volumes.h"
#include "vm/vm_config.h"

namespace {

using osprey::VolumeSpec;

std::optional<VolumeSpec> parse(const std::string& text, std::string* message = nullptr) {
    std::string error;
    auto v = osprey::parse_volume(text, error);
    if (message) *message = error;
    return v;
}

TEST(VolumeOption, HostImageAndGuestPath) {
    EXPECT_EQ(parse("disk.img:/data"), (VolumeSpec{"disk.img", "/data", false}));
    EXPECT_EQ(parse("/tmp/d.img:/var/lib/db:ro"), (VolumeSpec{"/tmp/d.img", "/var/lib/db", true}));
    EXPECT_EQ(parse("d.img:/data:rw"), (VolumeSpec{"d.img", "/data", false}));
    // The host path may hold colons; the guest path is after the last.
    EXPECT_EQ(parse("a:b.img:/data"), (VolumeSpec{"a:b.img", "/data", false}));
    // Trailing slashes are dropped.
    EXPECT_EQ(parse("d.img:/data//"), (VolumeSpec{"d.img", "/data", false}));
}

TEST(VolumeOption, WithoutAGuestPathTheDiskIsAttachedUnmounted) {
    EXPECT_EQ(parse("disk.img"), (VolumeSpec{"disk.img", "", false}));
    EXPECT_EQ(parse("/srv/disk.img:ro"), (VolumeSpec{"/srv/disk.img", "", true}));
    EXPECT_EQ(parse("disk.img:rw"), (VolumeSpec{"disk.img", "", false}));
    // ":ro" alone is the mode, not an image called ":ro".
    std::string error;
    EXPECT_FALSE(parse(":ro", &error));
    EXPECT_NE(error.find("host image is missing"), std::string::npos) << error;
    // An empty guest path after a ':' is a mistake, not "unmounted".
    EXPECT_FALSE(parse("disk.img:", &error));
    EXPECT_NE(error.find("must be absolute"), std::string::npos) << error;
}

TEST(VolumeOption, UnmountedDisksMayBeSeveralAndGetNoKernelWord) {
    std::string error;
    auto volumes = osprey::parse_volumes({"a.img", "b.img:/data", "c.img:ro"}, error);
    ASSERT_TRUE(volumes) << error;
    auto configs = osprey::volume_configs(*volumes);
    ASSERT_EQ(configs.size(), 3u);
    EXPECT_EQ(configs[0], (osprey::VolumeConfig{"a.img", "vol0", "", false}));
    EXPECT_EQ(configs[2], (osprey::VolumeConfig{"c.img", "vol2", "", true}));
    // The drives keep their serials in order; only the mounted one is named to the kernel.
    EXPECT_EQ(osprey::volume_kernel_args(configs), "volume=vol1:/data");
}

TEST(VolumeOption, TheCommandLineReplacesAManifestsUnmountedDiskOfTheSameImage) {
    osprey::VolumeOptions manifest{{"/srv/raw.img", "/srv/other.img", "/srv/d.img:/data"}, ""};
    osprey::VolumeOptions command_line{{"/srv/./raw.img:ro", "/srv/new.img"}, ""};
    auto merged = osprey::override_volumes(manifest, command_line);
    EXPECT_EQ(merged.volumes,
              (std::vector<std::string>{"/srv/other.img", "/srv/d.img:/data", "/srv/./raw.img:ro", "/srv/new.img"}));
}

TEST(VolumeOption, BadSpecsAreRefusedWithTheReason) {
    std::string error;
    EXPECT_FALSE(parse("disk.img:data", &error));
    EXPECT_NE(error.find("must be absolute"), std::string::npos) << error;
    EXPECT_FALSE(parse(":/data", &error));
    EXPECT_NE(error.find("host image is missing"), std::string::npos) << error;
    EXPECT_FALSE(parse("d.img:/", &error));
    EXPECT_NE(error.find("cannot be /"), std::string::npos) << error;
    EXPECT_FALSE(parse("d.img:/my data", &error));
    EXPECT_FALSE(parse("d.img:/a,b", &error));
    EXPECT_FALSE(parse("d.img:/a\"b", &error));
    EXPECT_FALSE(parse("d.img:ro:ro", &error));
    EXPECT_NE(error.find("--volume d.img:ro:ro"), std::string::npos) << error;
}

TEST(VolumeOption, AGuestPathGivenTwiceIsRefused) {
    std::string error;
    EXPECT_FALSE(osprey::parse_volumes({"a.img:/data", "b.img:/data/"}, error));
    EXPECT_NE(error.find("already"), std::string::npos) << error;
    auto both = osprey::parse_volumes({"a.img:/data", "b.img:/logs:ro"}, error);
    ASSERT_TRUE(both);
    EXPECT_EQ(both->size(), 2u);
}

TEST(VolumeOption, SizesArePowersOf1024InWholeSectors) {
    std::string error;
    EXPECT_EQ(osprey::parse_volume_size("1G", error), u64{1} << 30);
    EXPECT_EQ(osprey::parse_volume_size("512M", error), u64{512} << 20);
    EXPECT_EQ(osprey::parse_volume_size("2GiB", error), u64{2} << 30);
    EXPECT_EQ(osprey::parse_volume_size("1048576", error), u64{1} << 20);
    EXPECT_EQ(osprey::parse_volume_size("16T", error), u64{16} << 40);
    for (const char* bad : {"", "G", "1.5G", "17T", "100K", "1048577", "1X", "99999999999999999"})
        EXPECT_FALSE(osprey::parse_volume_size(bad, error)) << bad;
}

TEST(VolumeOption, ConfigsGetSerialsInOrderAndKernelWords) {
    auto configs = osprey::volume_configs({{"a.img", "/data", false}, {"b.img", "/logs", true}});
    ASSERT_EQ(configs.size(), 2u);
    EXPECT_EQ(configs[0], (osprey::VolumeConfig{"a.img", "vol0", "/data", false}));
    EXPECT_EQ(configs[1], (osprey::VolumeConfig{"b.img", "vol1", "/logs", true}));
    EXPECT_EQ(osprey::volume_kernel_args(configs), "volume=vol0:/data volume=vol1:/logs");
    EXPECT_EQ(osprey::volume_kernel_args({}), "");
}

class VolumeImage : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/osprey-volume-test-XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        dir = pattern;
    }
    void TearDown() override { std::filesystem::remove_all(dir); }
    std::string dir;
};

TEST_F(VolumeImage, AMissingImageIsCreatedSparseOfTheGivenSize) {
    std::string error;
    bool created = false;
    VolumeSpec v{dir + "/new.img", "/data", false};
    ASSERT_TRUE(osprey::prepare_volume_image(v, u64{1} << 30, created, error)) << error;
    EXPECT_TRUE(created);
    struct stat st{};
    ASSERT_EQ(stat(v.host_path.c_str(), &st), 0);
    EXPECT_EQ(st.st_size, off_t{1} << 30);
    EXPECT_LT(st.st_blocks * 512, 1 << 20);  // sparse
    // Existing now: used as it is.
    ASSERT_TRUE(osprey::prepare_volume_image(v, 4096, created, error)) << error;
    EXPECT_FALSE(created);
}

TEST_F(VolumeImage, ADirectoryOrAMissingReadOnlyImageIsRefused) {
    std::string error;
    bool created = false;
    EXPECT_FALSE(osprey::prepare_volume_image({dir, "/data", false}, 1 << 20, created, error));
    EXPECT_NE(error.find("is a directory"), std::string::npos) << error;
    EXPECT_FALSE(osprey::prepare_volume_image({dir + "/none.img", "/data", true}, 1 << 20, created, error));
    EXPECT_NE(error.find("does not exist"), std::string::npos) << error;
    EXPECT_FALSE(osprey::prepare_volume_image({dir + "/no/such/dir.img", "/data", false}, 1 << 20, created, error));
    EXPECT_NE(error.find("cannot create"), std::string::npos) << error;
}

TEST_F(VolumeImage, AnUnreadableImageIsRefused) {
    if (geteuid() == 0) GTEST_SKIP() << "root reads any file";
    std::string path = dir + "/locked.img";
    std::ofstream(path) << std::string(4096, '\0');
    chmod(path.c_str(), 0);
    std::string error;
    bool created = false;
    EXPECT_FALSE(osprey::prepare_volume_image({path, "/data", true}, 1 << 20, created, error));
    EXPECT_NE(error.find("cannot open"), std::string::npos) << error;
}

bool has_pair(const std::vector<std::string>& args, const std::string& flag, const std::string& value) {
    for (size_t i = 0; i + 1 < args.size(); i++)
        if (args[i] == flag && args[i + 1] == value) return true;
    return false;
}

TEST(VolumeQemu, RawWritebackDrivesWithSerialsOnEachMachineType) {
    osprey::VmConfig config;
    config.kernel = "k";
    config.volumes = {{"/i/a,b.img", "vol0", "/data", false}, {"/i/c.img", "vol1", "/logs", true}};
    osprey::ChannelPaths channels{"a", "b", "c", "d", std::nullopt, std::nullopt, std::nullopt};
    auto args = osprey::qemu_arguments(config, channels);
    EXPECT_TRUE(has_pair(args, "-drive",
                         "file=/i/a,,b.img,format=raw,if=none,id=osvol0,cache=writeback,discard=unmap"));
    EXPECT_TRUE(has_pair(args, "-device", "virtio-blk-device,drive=osvol0,serial=vol0"));
    EXPECT_TRUE(has_pair(args, "-drive",
                         "file=/i/c.img,format=raw,if=none,id=osvol1,cache=writeback,discard=unmap,readonly=on"));
    EXPECT_TRUE(has_pair(args, "-device", "virtio-blk-device,drive=osvol1,serial=vol1"));
    config.machine = "q35";
    args = osprey::qemu_arguments(config, channels);
    EXPECT_TRUE(has_pair(args, "-device", "virtio-blk-pci,drive=osvol0,serial=vol0"));
}

}  // namespace
