#include <gtest/gtest.h>

#include "virtio/mmio_cmdline.h"

namespace {

TEST(VirtioMmioCmdline, ParsesWhatQemuMicrovmAppends) {
    auto spec = virtio::parse_mmio_device("512@0xfeb00e00:12");
    ASSERT_TRUE(spec.is_ok());
    EXPECT_EQ(spec.value().base, 0xfeb00e00u);
    EXPECT_EQ(spec.value().size, 512u);
    EXPECT_EQ(spec.value().irq, 12u);
}

TEST(VirtioMmioCmdline, AcceptsSizeSuffixesAndAnId) {
    auto spec = virtio::parse_mmio_device("4K@0xd0000000:5:3");
    ASSERT_TRUE(spec.is_ok());
    EXPECT_EQ(spec.value().size, 4096u);
    EXPECT_EQ(spec.value().base, 0xd0000000u);
    EXPECT_EQ(spec.value().irq, 5u);
}

TEST(VirtioMmioCmdline, RefusesMalformedWords) {
    for (const char* bad : {"", "512", "512@0xfeb00e00", "@0xfeb00e00:12", "512@:12", "512@0xfeb00e00:",
                            "0@0x1000:5", "512@0xfeb00e00:300", "512@0xfeb00e00:12:x", "512@0xzz:1",
                            "16@0xfffffffffffffff8:1"})
        EXPECT_EQ(virtio::parse_mmio_device(bad).error(), EINVAL) << bad;
}

}  // namespace
