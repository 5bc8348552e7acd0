#include <gtest/gtest.h>

#include <algorithm>

#include "vm/vm_config.h"

namespace {

using osprey::ChannelPaths;
using osprey::VmConfig;

ChannelPaths test_channels() { return {"/dev/fd/100", "/dev/fd/101", "/dev/fd/102", "/dev/fd/103", std::nullopt, std::nullopt, std::nullopt}; }

bool has_pair(const std::vector<std::string>& args, const std::string& flag, const std::string& value) {
    for (size_t i = 0; i + 1 < args.size(); i++)
        if (args[i] == flag && args[i + 1] == value) return true;
    return false;
}

TEST(QemuCommand, MicrovmUsesTcgNoDefaultsAndNoReboot) {
    VmConfig config;
    config.kernel = "/k/osprey.elf";
    auto args = osprey::qemu_arguments(config, test_channels());
    EXPECT_EQ(args[0], "qemu-system-x86_64");
    EXPECT_TRUE(has_pair(args, "-M", "microvm,acpi=off"));
    EXPECT_TRUE(has_pair(args, "-accel", "tcg"));
    EXPECT_TRUE(has_pair(args, "-cpu", "max"));
    EXPECT_TRUE(has_pair(args, "-m", "128M"));
    EXPECT_TRUE(has_pair(args, "-kernel", "/k/osprey.elf"));
    for (const char* flag : {"-nodefaults", "-no-reboot"})
        EXPECT_NE(std::find(args.begin(), args.end(), flag), args.end()) << flag;
    EXPECT_TRUE(has_pair(args, "-device", "isa-debug-exit,iobase=0xf4,iosize=4"));
}

TEST(QemuCommand, EachChannelHasItsOwnSerialPortInContractOrder) {
    VmConfig config;
    config.kernel = "k";
    auto args = osprey::qemu_arguments(config, test_channels());
    EXPECT_TRUE(has_pair(args, "-chardev", "file,id=oslog,path=/dev/fd/100"));
    EXPECT_TRUE(has_pair(args, "-serial", "chardev:oslog"));
    EXPECT_TRUE(has_pair(args, "-device", "isa-serial,chardev=osctl,index=1"));
    EXPECT_TRUE(has_pair(args, "-device", "isa-serial,chardev=osout,index=2"));
    EXPECT_TRUE(has_pair(args, "-device", "isa-serial,chardev=oserr,index=3"));
}

TEST(QemuCommand, StdinTravelsOnATwoWayControlSocket) {
    VmConfig config;
    config.kernel = "k";
    auto channels = test_channels();
    channels.control_socket_fd = 101;
    auto args = osprey::qemu_arguments(config, channels);
    EXPECT_TRUE(has_pair(args, "-chardev", "socket,id=osctl,fd=101"));
    EXPECT_TRUE(has_pair(args, "-device", "isa-serial,chardev=osctl,index=1"));
    // The application's stdout port reads nothing.
    EXPECT_TRUE(has_pair(args, "-chardev", "file,id=osout,path=/dev/fd/102"));
}

TEST(QemuCommand, ACopyableCommandLineUsesThePipeBackendWithFiles) {
    VmConfig config;
    config.kernel = "k";
    auto channels = test_channels();
    channels.control_pipe_base = "/tmp/o,x/control";
    auto args = osprey::qemu_arguments(config, channels);
    EXPECT_TRUE(has_pair(args, "-chardev", "pipe,id=osctl,path=/tmp/o,,x/control"));
}

TEST(QemuCommand, WithoutStdinTheControlChannelIsAnOutputFile) {
    VmConfig config;
    config.kernel = "k";
    auto args = osprey::qemu_arguments(config, test_channels());
    EXPECT_TRUE(has_pair(args, "-chardev", "file,id=osctl,path=/dev/fd/101"));
    for (auto& a : args) EXPECT_EQ(a.find("input-path"), std::string::npos) << a;
}

TEST(QemuCommand, CommasInPathsAreEscapedForQemu) {
    VmConfig config;
    config.kernel = "k";
    ChannelPaths channels = test_channels();
    channels.kernel_log = "/tmp/a,b.log";
    auto args = osprey::qemu_arguments(config, channels);
    EXPECT_TRUE(has_pair(args, "-chardev", "file,id=oslog,path=/tmp/a,,b.log"));
}

TEST(QemuCommand, DeterministicModeCountsInstructionsWithAFixedClock) {
    VmConfig config;
    config.kernel = "k";
    config.deterministic = true;
    auto args = osprey::qemu_arguments(config, test_channels());
    EXPECT_TRUE(has_pair(args, "-icount", "shift=0,sleep=off"));
    EXPECT_TRUE(has_pair(args, "-rtc", "base=2020-01-01T00:00:00,clock=vm"));
}

TEST(QemuCommand, PcAndQ35KeepTheirNamesAndCmdlineAndInitrdPassThrough) {
    VmConfig config;
    config.kernel = "k";
    config.machine = "q35";
    config.initrd = "/tmp/root.cpio";
    config.kernel_cmdline = "loglevel=debug selftest=all";
    config.cpus = 2;
    auto args = osprey::qemu_arguments(config, test_channels());
    EXPECT_TRUE(has_pair(args, "-M", "q35"));
    EXPECT_TRUE(has_pair(args, "-initrd", "/tmp/root.cpio"));
    EXPECT_TRUE(has_pair(args, "-append", "loglevel=debug selftest=all"));
    EXPECT_TRUE(has_pair(args, "-smp", "2"));
}

TEST(QemuCommand, SeveralCpusUnderTcgRunMultiThreaded) {
    VmConfig config;
    config.cpus = 4;
    EXPECT_TRUE(has_pair(osprey::qemu_arguments(config, test_channels()), "-accel", "tcg,thread=multi"));
    config.cpus = 1;
    EXPECT_TRUE(has_pair(osprey::qemu_arguments(config, test_channels()), "-accel", "tcg"));
    // -icount runs every vCPU on one thread, in turn: that is what makes it repeat.
    config.cpus = 4;
    config.deterministic = true;
    auto counted = osprey::qemu_arguments(config, test_channels());
    EXPECT_TRUE(has_pair(counted, "-accel", "tcg"));
    EXPECT_TRUE(has_pair(counted, "-smp", "4"));
    config.deterministic = false;
    config.accel = "kvm";
    EXPECT_TRUE(has_pair(osprey::qemu_arguments(config, test_channels()), "-accel", "kvm"));
}

TEST(ShellQuote, PlainWordsStayAndOthersAreSingleQuoted) {
    EXPECT_EQ(osprey::shell_quote({"qemu", "-m", "128M", "path=/a/b,c"}), "qemu -m 128M path=/a/b,c");
    EXPECT_EQ(osprey::shell_quote({"-append", "a b"}), "-append 'a b'");
    EXPECT_EQ(osprey::shell_quote({"it's"}), "'it'\\''s'");
    EXPECT_EQ(osprey::shell_quote({""}), "''");
}

}  // namespace

namespace {
TEST(QemuCommand, DebugExitDeviceCanBeLeftOut) {
    osprey::VmConfig config;
    config.kernel = "k";
    config.debug_exit_device = false;
    auto args = osprey::qemu_arguments(config, test_channels());
    EXPECT_FALSE(has_pair(args, "-device", "isa-debug-exit,iobase=0xf4,iosize=4"));
}
}  // namespace

namespace {

size_t count_of(const std::vector<std::string>& args, const std::string& word) {
    return static_cast<size_t>(std::count(args.begin(), args.end(), word));
}

TEST(QemuCommand, EveryVmHasANicOnUserNetworkingByDefault) {
    VmConfig config;
    auto args = osprey::qemu_arguments(config, test_channels());
    EXPECT_TRUE(has_pair(args, "-netdev", "user,id=osnet"));
    EXPECT_TRUE(has_pair(args, "-device", "virtio-net-device,netdev=osnet,mac=52:54:00:12:34:56"));
    EXPECT_EQ(count_of(args, "-netdev"), 1u);
}

TEST(QemuCommand, MicrovmAsksForVirtioMmioVersion2) {
    VmConfig config;
    auto args = osprey::qemu_arguments(config, test_channels());
    EXPECT_TRUE(has_pair(args, "-global", "virtio-mmio.force-legacy=false"));
    config.machine = "pc";
    args = osprey::qemu_arguments(config, test_channels());
    EXPECT_EQ(count_of(args, "-global"), 0u) << "pc and q35 have no virtio-mmio";
}

TEST(QemuCommand, NetworkNoneMeansNoNetworkDevice) {
    VmConfig config;
    config.network.mode = osprey::NetworkConfig::Mode::None;
    auto args = osprey::qemu_arguments(config, test_channels());
    EXPECT_EQ(count_of(args, "-netdev"), 0u);
    for (auto& a : args) EXPECT_EQ(a.find("virtio-net"), std::string::npos) << a;
}

TEST(QemuCommand, ForwardsUseUserNetworkingOnTheLoopbackWithVirtioMmioOnMicrovm) {
    VmConfig config;
    config.network.port_forwards = {{8080, 80}, {8443, 443}};
    auto args = osprey::qemu_arguments(config, test_channels());
    EXPECT_TRUE(has_pair(args, "-netdev",
                         "user,id=osnet,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=tcp:127.0.0.1:8443-:443"));
    EXPECT_TRUE(has_pair(args, "-device", "virtio-net-device,netdev=osnet,mac=52:54:00:12:34:56"));
    EXPECT_EQ(count_of(args, "-netdev"), 1u);
    // The network device comes before the kernel, with the other devices.
    auto netdev = std::find(args.begin(), args.end(), "-netdev");
    EXPECT_LT(netdev, std::find(args.begin(), args.end(), "-kernel"));
}

TEST(QemuCommand, PcAndQ35UseModernVirtioPciWithoutAnOptionRom) {
    for (const char* machine : {"pc", "q35"}) {
        VmConfig config;
        config.machine = machine;
        config.network.port_forwards = {{2222, 22}};
        auto args = osprey::qemu_arguments(config, test_channels());
        EXPECT_TRUE(has_pair(args, "-netdev", "user,id=osnet,hostfwd=tcp:127.0.0.1:2222-:22")) << machine;
        EXPECT_TRUE(has_pair(args, "-device", "virtio-net-pci,netdev=osnet,mac=52:54:00:12:34:56,romfile="))
            << machine;
    }
}

TEST(QemuCommand, TapNetworkingNamesTheInterfaceAndRunsNoScripts) {
    VmConfig config;
    config.network.mode = osprey::NetworkConfig::Mode::Tap;
    config.network.tap_interface = "tap0";
    config.network.mac = "52:54:00:aa:bb:cc";
    auto args = osprey::qemu_arguments(config, test_channels());
    EXPECT_TRUE(has_pair(args, "-netdev", "tap,id=osnet,ifname=tap0,script=no,downscript=no"));
    EXPECT_TRUE(has_pair(args, "-device", "virtio-net-device,netdev=osnet,mac=52:54:00:aa:bb:cc"));
}

TEST(QemuCommand, MsixVectorsOfThePciNicCanBeSet) {
    VmConfig config;
    config.machine = "pc";
    config.network.pci_msix_vectors = 0;
    auto args = osprey::qemu_arguments(config, test_channels());
    EXPECT_TRUE(
        has_pair(args, "-device", "virtio-net-pci,netdev=osnet,mac=52:54:00:12:34:56,romfile=,vectors=0"));
}

TEST(QemuCommand, OneCpuGetsNoSmp) {
    VmConfig config;
    auto args = osprey::qemu_arguments(config, test_channels());
    EXPECT_EQ(count_of(args, "-smp"), 0u);
}

}  // namespace

namespace {

TEST(QemuCommand, TheMonitorSocketIsOsprey_sOnlyWhenGiven) {
    VmConfig config;
    config.kernel = "/k/osprey.elf";
    auto plain = osprey::qemu_arguments(config, test_channels());
    EXPECT_EQ(std::count(plain.begin(), plain.end(), "-mon"), 0);
    ChannelPaths channels = test_channels();
    channels.monitor_socket_fd = 104;
    auto args = osprey::qemu_arguments(config, channels);
    EXPECT_TRUE(has_pair(args, "-chardev", "socket,id=osmon,fd=104"));
    EXPECT_TRUE(has_pair(args, "-mon", "chardev=osmon,mode=readline"));
}

}  // namespace

TEST(QemuCommand, ASharedFolderIsA9pDeviceOnTheMachinesBus) {
    VmConfig config;
    config.kernel = "k";
    config.shared_folders = {{"/home/me/a,b", "/data", "share0", false}, {"/srv", "/srv", "share1", true}};
    auto args = osprey::qemu_arguments(config, test_channels());
    // A comma in a path is doubled, as QEMU's option syntax wants.
    EXPECT_TRUE(has_pair(args, "-fsdev", "local,id=osfs0,path=/home/me/a,,b,security_model=none"));
    EXPECT_TRUE(has_pair(args, "-device", "virtio-9p-device,fsdev=osfs0,mount_tag=share0"));
    EXPECT_TRUE(has_pair(args, "-fsdev", "local,id=osfs1,path=/srv,security_model=none,readonly=on"));
    config.machine = "q35";
    args = osprey::qemu_arguments(config, test_channels());
    EXPECT_TRUE(has_pair(args, "-device", "virtio-9p-pci,fsdev=osfs1,mount_tag=share1"));
}
