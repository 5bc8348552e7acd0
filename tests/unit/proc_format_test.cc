#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "text/proc_format.h"

namespace {

class StringSink final : public text::Sink {
public:
    void write(std::string_view bytes) override { value.append(bytes); }
    std::string value;
};

using namespace text::proc;

TEST(ProcFormat, MapsLineWithPathPadsToColumn74LikeLinux) {
    StringSink out;
    format_maps_line(out, {0x55d4a5a4c000, 0x55d4a5a4e000, 1, false, 0, 0xfd, 1, 1048636, "/usr/bin/cat"});
    EXPECT_EQ(out.value, "55d4a5a4c000-55d4a5a4e000 r--p 00000000 fd:01 1048636                    /usr/bin/cat\n");
    EXPECT_EQ(out.value.find("/usr"), 73u);
}

TEST(ProcFormat, MapsLineWithoutPathEndsWithASpace) {
    StringSink out;
    format_maps_line(out, {0x7f0000000000, 0x7f0000021000, 3, false, 0, 0, 0, 0, ""});
    EXPECT_EQ(out.value, "7f0000000000-7f0000021000 rw-p 00000000 00:00 0 \n");
}

TEST(ProcFormat, MapsLineOfLowSharedExecutableArea) {
    StringSink out;
    format_maps_line(out, {0x400000, 0x401000, 5, true, 0x1000, 0, 0, 0, "[stack]"});
    EXPECT_EQ(out.value, "00400000-00401000 r-xs 00001000 00:00 0                                  [stack]\n");
    EXPECT_EQ(out.value.find("[stack]"), 73u);
}

TEST(ProcFormat, LimitsAsLinuxPrintsThem) {
    constexpr u64 kInf = ~0ull;
    u64 soft[16] = {kInf, kInf, kInf, 8388608, 0, kInf, 4096, 1024, 8388608, kInf, kInf, 4096, 819200, 0, 0, kInf};
    u64 hard[16] = {kInf, kInf, kInf, kInf, kInf, kInf, 4096, 1024, 8388608, kInf, kInf, 4096, 819200, 0, 0, kInf};
    StringSink out;
    format_limits(out, soft, hard);
    // Lines of a Debian 12 host's /proc/self/limits, with its figures.
    EXPECT_EQ(out.value.substr(0, out.value.find('\n') + 1),
              "Limit                     Soft Limit           Hard Limit           Units     \n");
    EXPECT_NE(out.value.find("Max cpu time              unlimited            unlimited            seconds   \n"),
              std::string::npos);
    EXPECT_NE(out.value.find("Max stack size            8388608              unlimited            bytes     \n"),
              std::string::npos);
    EXPECT_NE(out.value.find("Max open files            1024                 1024                 files     \n"),
              std::string::npos);
    EXPECT_NE(out.value.find("Max nice priority         0                    0                    \n"
                             "Max realtime priority     0                    0                    \n"
                             "Max realtime timeout      unlimited            unlimited            us        \n"),
              std::string::npos);
    EXPECT_EQ(std::count(out.value.begin(), out.value.end(), '\n'), 17);
}

TEST(ProcFormat, StatusAndMeminfoKilobytesAlignAsLinux) {
    StringSink status;
    format_status_kb(status, "VmRSS", 800);
    EXPECT_EQ(status.value, "VmRSS:\t     800 kB\n");
    StringSink meminfo;
    format_meminfo_kb(meminfo, "MemTotal", 16318640);
    format_meminfo_kb(meminfo, "Buffers", 0);
    format_meminfo_kb(meminfo, "VmallocTotal", 34359738367);
    EXPECT_EQ(meminfo.value,
              "MemTotal:       16318640 kB\n"
              "Buffers:               0 kB\n"
              "VmallocTotal:   34359738367 kB\n");
}

TEST(ProcFormat, FixedPointKeepsLeadingZerosOfTheFraction) {
    StringSink out;
    format_fixed_point(out, 2400005, 3);
    out.write(" ");
    format_fixed_point(out, 7, 2);
    out.write(" ");
    format_fixed_point(out, 42, 0);
    EXPECT_EQ(out.value, "2400.005 0.07 42");
}

TEST(ProcFormat, CpuFlagsFollowLinuxNamesAndOrder) {
    CpuidFlags f;
    f.leaf1_edx = (1u << 0) | (1u << 4) | (1u << 26);      // fpu tsc sse2
    f.ext1_edx = (1u << 11) | (1u << 29);                  // syscall lm
    f.leaf1_ecx = (1u << 0) | (1u << 27) | (1u << 31);     // pni, (osxsave hidden), hypervisor
    f.leaf7_ebx = (1u << 7) | (1u << 20);                  // smep smap
    f.leafd1_eax = 1;                                      // xsaveopt
    f.ext7_edx = 1u << 8;                                  // invariant TSC
    StringSink out;
    format_cpu_flags(out, f);
    EXPECT_EQ(out.value,
              "fpu tsc sse2 syscall lm constant_tsc nopl nonstop_tsc cpuid pni hypervisor smep smap xsaveopt");
}

TEST(ProcFormat, BrandStringDropsPadding) {
    const char text[49] = "       Intel(R) Xeon(R) CPU @ 2.20GHz           ";
    u32 regs[12];
    for (int i = 0; i < 12; i++)
        regs[i] = static_cast<u8>(text[4 * i]) | static_cast<u8>(text[4 * i + 1]) << 8 |
                  static_cast<u8>(text[4 * i + 2]) << 16 | static_cast<u32>(static_cast<u8>(text[4 * i + 3])) << 24;
    char out[49];
    EXPECT_EQ(brand_string(regs, out), "Intel(R) Xeon(R) CPU @ 2.20GHz");
}

TEST(ProcFormat, UuidIsVersion4WithTheRfcVariant) {
    u8 bytes[16];
    for (int i = 0; i < 16; i++) bytes[i] = 0xff;
    StringSink out;
    format_uuid(out, bytes);
    EXPECT_EQ(out.value, "ffffffff-ffff-4fff-bfff-ffffffffffff");
}

TEST(ProcFormat, CommIsTheBasenameCutTo15Bytes) {
    EXPECT_EQ(comm_of("/usr/bin/python3"), "python3");
    EXPECT_EQ(comm_of("a-very-long-program-name"), "a-very-long-pro");
    EXPECT_EQ(comm_of("/"), "");
}

TEST(ProcFormat, MountPathsEscapeWhitespaceAndBackslash) {
    StringSink out;
    format_escaped_path(out, "/mnt/my dir\\x");
    EXPECT_EQ(out.value, "/mnt/my\\040dir\\134x");
}

TEST(ProcFormat, DeviceNumbersEncodeAsLinuxNewEncodeDev) {
    EXPECT_EQ(encode_dev(1, 3), 0x103u);
    EXPECT_EQ(encode_dev(136, 0), 0x8800u);
    EXPECT_EQ(encode_dev(8, 0x123), 0x100823u);  // minor bits above 8 go to bit 20
}

}  // namespace
