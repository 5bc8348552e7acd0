#include <gtest/gtest.h>
#include <limits.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "commands/run_options.h"

namespace {

using osprey::RunArguments;

// Parses `osprey run ...` exactly as main.cc does; returns the collect error ("" if none).
struct Parsed {
    RunArguments args;
    std::string error;
    bool parse_failed = false;
};

Parsed parse(std::vector<std::string> words) {
    Parsed parsed;
    CLI::App app{"test", "osprey"};
    osprey::configure_root_app(app);
    auto* run = app.add_subcommand("run", "");
    osprey::add_run_options(*run, parsed.args);
    words.insert(words.begin(), "run");
    std::reverse(words.begin(), words.end());  // CLI11 takes its arguments reversed
    try {
        app.parse(words);
    } catch (const CLI::ParseError&) {
        parsed.parse_failed = true;
        return parsed;
    }
    osprey::collect_program_command(app, *run, parsed.args, parsed.error);
    return parsed;
}

using Words = std::vector<std::string>;

TEST(RunOptions, OptionsBeforeBinaryAreOspreysAndEverythingAfterIsTheProgramsUntouched) {
    auto p = parse({"--verbose", "--memory", "64M", "/bin/busybox", "echo", "--verbose", "-v", "-e", "X=1", "--", "--memory"});
    ASSERT_EQ(p.error, "");
    EXPECT_TRUE(p.args.verbose);
    EXPECT_EQ(p.args.memory, "64M");
    EXPECT_TRUE(p.args.env.empty());
    EXPECT_EQ(p.args.command, (Words{"/bin/busybox", "echo", "--verbose", "-v", "-e", "X=1", "--", "--memory"}));
}

TEST(RunOptions, EnvIsRepeatableAndKeepsItsOrder) {
    auto p = parse({"-e", "A=1", "--env", "B=2", "-e", "A=3", "--env=C=4", "prog"});
    ASSERT_EQ(p.error, "");
    EXPECT_EQ(p.args.env, (Words{"A=1", "B=2", "A=3", "C=4"}));
    EXPECT_EQ(p.args.command, (Words{"prog"}));
}

TEST(RunOptions, EnvTakesOneValueSoTheBinaryIsNotSwallowed) {
    auto p = parse({"-e", "A=1", "busybox", "env"});
    ASSERT_EQ(p.error, "");
    EXPECT_EQ(p.args.env, (Words{"A=1"}));
    EXPECT_EQ(p.args.command, (Words{"busybox", "env"}));
}

TEST(RunOptions, EveryOptionIsParsed) {
    auto p = parse({"--machine", "q35", "--cpu", "qemu64", "--accel", "kvm", "--timeout", "2.5", "--trace", "-w",
                    "/tmp", "--no-aslr", "--kernel", "/k.elf", "--dry-run", "--keep-image", "--qemu", "/q", "prog"});
    ASSERT_EQ(p.error, "");
    EXPECT_EQ(p.args.machine, "q35");
    EXPECT_EQ(p.args.cpu, "qemu64");
    EXPECT_EQ(p.args.accel, "kvm");
    EXPECT_DOUBLE_EQ(p.args.timeout, 2.5);
    EXPECT_TRUE(p.args.trace);
    EXPECT_EQ(p.args.workdir, "/tmp");
    EXPECT_TRUE(p.args.no_aslr);
    EXPECT_EQ(p.args.kernel, "/k.elf");
    EXPECT_TRUE(p.args.dry_run);
    EXPECT_TRUE(p.args.keep_image);
    EXPECT_EQ(p.args.qemu, "/q");
}

TEST(RunOptions, DefaultsAreMicrovmMaxCpuAutoAccelAndRootWorkdir) {
    auto p = parse({"prog"});
    ASSERT_EQ(p.error, "");
    EXPECT_EQ(p.args.machine, "microvm");
    EXPECT_EQ(p.args.cpu, "max");
    EXPECT_EQ(p.args.accel, "auto");
    EXPECT_EQ(p.args.workdir, "/");
    EXPECT_EQ(p.args.memory, "");
    EXPECT_FALSE(p.args.verbose);
}

TEST(RunOptions, DoubleDashBeforeBinaryAllowsABinaryThatLooksLikeAnOption) {
    auto p = parse({"--verbose", "--", "-weird", "--x"});
    ASSERT_EQ(p.error, "");
    EXPECT_TRUE(p.args.verbose);
    EXPECT_EQ(p.args.command, (Words{"-weird", "--x"}));
}

TEST(RunOptions, UnknownOptionBeforeBinaryIsAnError) {
    auto p = parse({"--bogus", "prog"});
    EXPECT_NE(p.error.find("unknown option --bogus"), std::string::npos) << p.error;
}

TEST(RunOptions, MissingBinaryIsAnError) {
    auto p = parse({"--verbose"});
    EXPECT_NE(p.error.find("missing BINARY"), std::string::npos) << p.error;
}

TEST(RunOptions, BadMachineIsRefusedByTheParser) {
    EXPECT_TRUE(parse({"--machine", "virt", "prog"}).parse_failed);
    EXPECT_TRUE(parse({"--accel", "hvf", "prog"}).parse_failed);
}

TEST(RunMemory, SizesWithUnits) {
    std::string error;
    EXPECT_EQ(osprey::parse_memory_mib("64M", error), 64u);
    EXPECT_EQ(osprey::parse_memory_mib("64m", error), 64u);
    EXPECT_EQ(osprey::parse_memory_mib("64MiB", error), 64u);
    EXPECT_EQ(osprey::parse_memory_mib("64MB", error), 64u);
    EXPECT_EQ(osprey::parse_memory_mib("1G", error), 1024u);
    EXPECT_EQ(osprey::parse_memory_mib("2g", error), 2048u);
    EXPECT_EQ(osprey::parse_memory_mib("512", error), 512u);  // a bare number is MiB, as in QEMU's -m
    EXPECT_EQ(osprey::parse_memory_mib("2048K", error), 2u);
}

TEST(RunMemory, BadSizesSayWhy) {
    for (const char* bad : {"", "M", "abc", "64X", "1.5G", "-1", "64Mx", "0", "100K", "2T1", "99999999999999G"}) {
        std::string error;
        EXPECT_FALSE(osprey::parse_memory_mib(bad, error)) << bad;
        EXPECT_NE(error.find("--memory"), std::string::npos) << bad;
    }
}

TEST(RunMemory, DefaultIsTwiceTheImagePlus64MiBAndAtLeast128MiB) {
    constexpr u64 MiB = 1 << 20;
    EXPECT_EQ(osprey::default_memory_mib(0), 128u);
    EXPECT_EQ(osprey::default_memory_mib(2 * MiB), 128u);
    EXPECT_EQ(osprey::default_memory_mib(32 * MiB), 128u);
    EXPECT_EQ(osprey::default_memory_mib(32 * MiB + 1), 129u);  // rounded up to a whole MiB
    EXPECT_EQ(osprey::default_memory_mib(100 * MiB), 264u);
    EXPECT_EQ(osprey::default_memory_mib(1024 * MiB), 2112u);
}

TEST(RunMemory, MinimumCoversKernelImageAndProgram) {
    constexpr u64 MiB = 1 << 20;
    EXPECT_EQ(osprey::minimum_run_memory_mib(3, 10 * MiB + 1), 3u + 11u + 16u);
    // The default always satisfies the minimum of a small kernel.
    for (u64 size : {u64{0}, 5 * MiB, 300 * MiB})
        EXPECT_GE(osprey::default_memory_mib(size), osprey::minimum_run_memory_mib(8, size));
}

TEST(RunOptions, KernelCommandLineFollowsVerboseTraceAndAslr) {
    RunArguments args;
    EXPECT_EQ(osprey::run_kernel_cmdline(args), "loglevel=warn");
    args.verbose = true;
    EXPECT_EQ(osprey::run_kernel_cmdline(args), "loglevel=info");
    args.verbose = false;
    args.trace = true;
    args.no_aslr = true;
    EXPECT_EQ(osprey::run_kernel_cmdline(args), "loglevel=warn trace aslr=off");
}

TEST(RunOptions, TraceNetAsksTheKernelForPacketLinesAtTheQuietLevel) {
    auto p = parse({"--trace-net", "prog"});
    ASSERT_EQ(p.error, "");
    EXPECT_TRUE(p.args.trace_net);
    EXPECT_FALSE(p.args.trace);
    EXPECT_EQ(p.args.command, (Words{"prog"}));
    EXPECT_EQ(osprey::run_kernel_cmdline(p.args), "loglevel=warn trace_net");
    EXPECT_EQ(osprey::run_kernel_cmdline(p.args, "dhcp"), "loglevel=warn trace_net ip=dhcp");
    p.args.trace = true;
    p.args.verbose = true;
    EXPECT_EQ(osprey::run_kernel_cmdline(p.args), "loglevel=info trace trace_net");
    EXPECT_FALSE(parse({"prog"}).args.trace_net);
}

}  // namespace

TEST(RunOptions, CpusAndPublishAreParsed) {
    auto p = parse({"--cpus", "2", "-p", "8080:80", "--publish", "127.0.0.1:8443:443", "-p9000:9000", "--publish=1:2", "prog", "-p", "1"});
    ASSERT_EQ(p.error, "");
    EXPECT_EQ(p.args.cpus, "2");
    EXPECT_EQ(p.args.publish, (Words{"8080:80", "127.0.0.1:8443:443", "9000:9000", "1:2"}));
    EXPECT_EQ(p.args.command, (Words{"prog", "-p", "1"}));
    EXPECT_EQ(parse({"prog"}).args.cpus, "");  // not given: 1, or the image's default
    EXPECT_TRUE(parse({"prog"}).args.publish.empty());
}

TEST(RunCpus, TheFlagThenOspreyCpus) {
    std::string error;
    unsetenv("OSPREY_CPUS");
    EXPECT_FALSE(osprey::requested_cpus("", error));
    EXPECT_EQ(error, "");
    setenv("OSPREY_CPUS", "2", 1);
    EXPECT_EQ(osprey::requested_cpus("", error), 2u);
    EXPECT_EQ(osprey::requested_cpus("4", error), 4u);  // the flag wins
    setenv("OSPREY_CPUS", "two", 1);
    EXPECT_FALSE(osprey::requested_cpus("", error));
    EXPECT_EQ(error, "OSPREY_CPUS: --cpus two: expected a whole number from 1 to 64");
    unsetenv("OSPREY_CPUS");
}

TEST(RunCpus, AWholeNumberFromOne) {
    std::string error;
    EXPECT_EQ(osprey::parse_cpus("1", error), 1u);
    EXPECT_EQ(osprey::parse_cpus("4", error), 4u);
    EXPECT_EQ(osprey::parse_cpus("64", error), 64u);
    for (const char* bad : {"0", "-1", "", "two", "1.5", "2x", " 2", "+2", "65", "255", "99999999999999999999"}) {
        error.clear();
        EXPECT_FALSE(osprey::parse_cpus(bad, error)) << bad;
        EXPECT_EQ(error, "--cpus " + std::string(bad) + ": expected a whole number from 1 to 64") << bad;
    }
}

TEST(RunPublish, HostAndGuestPortsWithAnOptionalLoopbackAddress) {
    std::string error;
    auto forwards = osprey::parse_publish({"8080:80", "127.0.0.1:8443:443", "1:65535", "5353:53/tcp", "9000:80"}, error);
    ASSERT_TRUE(forwards) << error;
    using F = osprey::PortForward;
    EXPECT_EQ(*forwards, (std::vector<F>{{8080, 80}, {8443, 443}, {1, 65535}, {5353, 53}, {9000, 80}}));
    EXPECT_TRUE(osprey::parse_publish({}, error)->empty());
}

TEST(RunPublish, BadValuesSayWhy) {
    struct Case {
        std::vector<std::string> values;
        std::string error;
    };
    const Case cases[] = {
        {{"8080"}, "-p 8080: expected HOSTPORT:GUESTPORT or 127.0.0.1:HOSTPORT:GUESTPORT"},
        {{"1:2:3:4"}, "-p 1:2:3:4: expected HOSTPORT:GUESTPORT or 127.0.0.1:HOSTPORT:GUESTPORT"},
        {{"0:80"}, "-p 0:80: the host port must be a number from 1 to 65535"},
        {{"65536:80"}, "-p 65536:80: the host port must be a number from 1 to 65535"},
        {{"http:80"}, "-p http:80: the host port must be a number from 1 to 65535"},
        {{":80"}, "-p :80: the host port must be a number from 1 to 65535"},
        {{"8080:0"}, "-p 8080:0: the guest port must be a number from 1 to 65535"},
        {{"8080:-1"}, "-p 8080:-1: the guest port must be a number from 1 to 65535"},
        {{"8080:"}, "-p 8080:: the guest port must be a number from 1 to 65535"},
        {{"8080:80/udp"}, "-p 8080:80/udp: only TCP can be forwarded (HOSTPORT:GUESTPORT or HOSTPORT:GUESTPORT/tcp)"},
        {{"0.0.0.0:8080:80"},
         "-p 0.0.0.0:8080:80: forwards listen on the loopback only; the address must be 127.0.0.1 (or leave it out)"},
        {{"192.168.1.5:8080:80"},
         "-p 192.168.1.5:8080:80: forwards listen on the loopback only; the address must be 127.0.0.1 (or leave it out)"},
        {{"localhost:8080:80"},
         "-p localhost:8080:80: forwards listen on the loopback only; the address must be 127.0.0.1 (or leave it out)"},
        {{"8080:80", "127.0.0.1:8080:81"}, "-p 127.0.0.1:8080:81: host port 8080 is published twice"},
    };
    for (auto& c : cases) {
        std::string error;
        EXPECT_FALSE(osprey::parse_publish(c.values, error)) << c.values.back();
        EXPECT_EQ(error, c.error);
    }
}

TEST(RunPublish, AHostPortInUseIsRefused) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(listen(fd, 1), 0);
    socklen_t length = sizeof address;
    ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
    u16 taken = ntohs(address.sin_port);
    std::string error;
    EXPECT_FALSE(osprey::check_host_ports_free({{taken, 80}}, error));
    EXPECT_EQ(error, "port " + std::to_string(taken) + " is already in use");
    close(fd);
    // Once it is closed the port is free again (SO_REUSEADDR, as QEMU's listener).
    error.clear();
    EXPECT_TRUE(osprey::check_host_ports_free({{taken, 80}}, error)) << error;
    EXPECT_TRUE(osprey::check_host_ports_free({}, error));
}

namespace {

using osprey::NetworkConfig;

TEST(RunNetwork, NetworkAndMacOptionsAreParsedAndDefaultToNothingGiven) {
    auto p = parse({"--network", "tap:tap0", "--mac", "52:54:00:AA:bb:01", "prog"});
    ASSERT_EQ(p.error, "");
    EXPECT_EQ(p.args.network, "tap:tap0");
    EXPECT_EQ(p.args.mac, "52:54:00:AA:bb:01");
    auto d = parse({"prog"});
    EXPECT_EQ(d.args.network, "");
    EXPECT_EQ(d.args.mac, "");
}

TEST(RunNetwork, DefaultIsUserNetworkingWithQemusMac) {
    std::string error;
    auto network = osprey::resolve_network("", "", {}, error);
    ASSERT_TRUE(network) << error;
    EXPECT_EQ(network->mode, NetworkConfig::Mode::User);
    EXPECT_EQ(network->mac, "52:54:00:12:34:56");
    EXPECT_TRUE(network->port_forwards.empty());
}

TEST(RunNetwork, ModesUserNoneAndTap) {
    std::string error;
    EXPECT_EQ(osprey::parse_network("user", error)->mode, NetworkConfig::Mode::User);
    EXPECT_EQ(osprey::parse_network("none", error)->mode, NetworkConfig::Mode::None);
    auto tap = osprey::parse_network("tap:osprey-tap0", error);
    ASSERT_TRUE(tap) << error;
    EXPECT_EQ(tap->mode, NetworkConfig::Mode::Tap);
    EXPECT_EQ(tap->tap_interface, "osprey-tap0");
}

TEST(RunNetwork, BadModesAndInterfaceNamesSayWhy) {
    std::string error;
    EXPECT_FALSE(osprey::parse_network("bridge", error));
    EXPECT_EQ(error, "--network bridge: expected user, none or tap:IFNAME");
    for (const char* bad : {"tap:", "tap:a/b", "tap:a b", "tap:0123456789abcdef", "tap:a:b", "tap:.."}) {
        error.clear();
        EXPECT_FALSE(osprey::parse_network(bad, error)) << bad;
        EXPECT_EQ(error, std::string("--network ") + bad +
                             ": the interface name must be 1 to 15 characters without '/', ':' or spaces");
    }
}

TEST(RunNetwork, MacIsSixHexBytesOfAUnicastAddress) {
    std::string error;
    EXPECT_EQ(osprey::parse_mac("52:54:00:AB:cd:EF", error), "52:54:00:ab:cd:ef");
    for (const char* bad : {"", "52:54:00:12:34", "52:54:00:12:34:56:78", "52-54-00-12-34-56", "52:54:00:12:34:5g",
                            "5:54:00:12:34:567"}) {
        error.clear();
        EXPECT_FALSE(osprey::parse_mac(bad, error)) << bad;
        EXPECT_EQ(error, std::string("--mac ") + bad + ": expected six hex bytes such as 52:54:00:12:34:56");
    }
    EXPECT_FALSE(osprey::parse_mac("01:00:5e:00:00:01", error));
    EXPECT_EQ(error, "--mac 01:00:5e:00:00:01: a multicast address cannot be a NIC's own");
    EXPECT_FALSE(osprey::parse_mac("00:00:00:00:00:00", error));
    EXPECT_EQ(error, "--mac 00:00:00:00:00:00: the all-zero address cannot be a NIC's own");
}

TEST(RunNetwork, PublishNeedsUserNetworking) {
    std::string error;
    auto user = osprey::resolve_network("user", "", {"8080:80"}, error);
    ASSERT_TRUE(user) << error;
    EXPECT_EQ(user->port_forwards, (std::vector<osprey::PortForward>{{8080, 80}}));
    EXPECT_FALSE(osprey::resolve_network("none", "", {"8080:80"}, error));
    EXPECT_EQ(error, "-p 8080:80: ports are forwarded by QEMU user networking, not with --network none "
                     "(use --network user, the default)");
    EXPECT_FALSE(osprey::resolve_network("tap:tap0", "", {"8080:80"}, error));
    EXPECT_EQ(error, "-p 8080:80: ports are forwarded by QEMU user networking, not with --network tap:tap0 "
                     "(use --network user, the default)");
    EXPECT_FALSE(osprey::resolve_network("user", "", {"8080:0"}, error));
    EXPECT_EQ(error, "-p 8080:0: the guest port must be a number from 1 to 65535");
}

TEST(RunNetwork, MacNeedsANetworkDeviceAndIsKeptOtherwise) {
    std::string error;
    EXPECT_FALSE(osprey::resolve_network("none", "52:54:00:00:00:02", {}, error));
    EXPECT_EQ(error, "--mac needs a network device; --network none has none");
    auto tap = osprey::resolve_network("tap:tap1", "52:54:00:00:00:02", {}, error);
    ASSERT_TRUE(tap) << error;
    EXPECT_EQ(tap->mac, "52:54:00:00:00:02");
    EXPECT_EQ(tap->tap_interface, "tap1");
}

TEST(RunNetwork, TheCommandLineReplacesNetworkAndMacAndAddsForwards) {
    osprey::RunArguments args;
    osprey::NetworkChoice base{"none", "52:54:00:00:00:09", {"8080:80"}, "10.1.0.2/24"};
    EXPECT_EQ(osprey::override_network(base, args), base);
    args.network = "user";
    args.publish = {"9090:90"};
    auto merged = osprey::override_network(base, args);
    EXPECT_EQ(merged.network, "user");
    EXPECT_EQ(merged.mac, "52:54:00:00:00:09");
    EXPECT_EQ(merged.publish, (Words{"8080:80", "9090:90"}));
    EXPECT_EQ(merged.ip, "10.1.0.2/24");
    args.ip = "dhcp";
    EXPECT_EQ(osprey::override_network(base, args).ip, "dhcp");
}

TEST(RunNetwork, IpDefaultsFollowTheNetwork) {
    std::string error;
    auto user = osprey::resolve_network("", "", {}, error);
    auto tap = osprey::resolve_network("tap:tap1", "", {}, error);
    auto none = osprey::resolve_network("none", "", {}, error);
    ASSERT_TRUE(user && tap && none) << error;
    EXPECT_EQ(osprey::resolve_ip("", *user, error), "10.0.2.15/24,gw=10.0.2.2,dns=10.0.2.3");
    EXPECT_EQ(osprey::resolve_ip("", *tap, error), "dhcp");
    EXPECT_EQ(osprey::resolve_ip("", *none, error), "none");
    EXPECT_EQ(osprey::resolve_ip("dhcp", *user, error), "dhcp");
    EXPECT_EQ(osprey::resolve_ip("192.168.1.9/24,gw=192.168.1.1,dns=9.9.9.9", *tap, error),
              "192.168.1.9/24,gw=192.168.1.1,dns=9.9.9.9");
    EXPECT_EQ(osprey::resolve_ip("none", *none, error), "none");
}

TEST(RunNetwork, IpErrorsSayWhatIsWrong) {
    std::string error;
    auto user = osprey::resolve_network("", "", {}, error);
    auto none = osprey::resolve_network("none", "", {}, error);
    ASSERT_TRUE(user && none) << error;
    EXPECT_FALSE(osprey::resolve_ip("10.0.2.15", *user, error));
    EXPECT_EQ(error.rfind("--ip 10.0.2.15: ", 0), 0u) << error;
    EXPECT_FALSE(osprey::resolve_ip("10.0.2.15/24,gw=10.0.3.1", *user, error));
    EXPECT_EQ(error, "--ip 10.0.2.15/24,gw=10.0.3.1: the gateway must be inside the interface's own network");
    EXPECT_FALSE(osprey::resolve_ip("dhcp", *none, error));
    EXPECT_EQ(error, "--ip dhcp needs a network device (it was turned off with --network none)");
}

}  // namespace

TEST(RunOptions, ShareTakesAHostFolderAGuestPathAndAMode) {
    auto p = parse({"-v", "/tmp:/data", "--share", "/:/host:ro", "prog"});
    ASSERT_EQ(p.error, "");
    EXPECT_EQ(p.args.shares, (Words{"/tmp:/data", "/:/host:ro"}));
    std::string error;
    auto folders = osprey::parse_shares(p.args.shares, error);
    ASSERT_TRUE(folders) << error;
    ASSERT_EQ(folders->size(), 2u);
    char tmp[PATH_MAX];
    ASSERT_NE(realpath("/tmp", tmp), nullptr);
    EXPECT_EQ((*folders)[0], (osprey::SharedFolder{tmp, "/data", "share0", false}));
    EXPECT_EQ((*folders)[1], (osprey::SharedFolder{"/", "/host", "share1", true}));
    EXPECT_EQ(osprey::shares_cmdline(*folders), "share0:/data:rw,share1:/host:ro");
}

TEST(RunOptions, ABadShareSaysWhatIsWrong) {
    auto refused = [](const std::string& value) {
        std::string error;
        EXPECT_FALSE(osprey::parse_shares({value}, error)) << value;
        return error;
    };
    EXPECT_NE(refused("/tmp").find("expected HOST_DIR:GUEST_PATH"), std::string::npos);
    EXPECT_NE(refused("/tmp:data").find("must be absolute"), std::string::npos);
    EXPECT_NE(refused("/tmp:/a,b").find("cannot hold"), std::string::npos);
    EXPECT_NE(refused("/tmp:/").find("root cannot be replaced"), std::string::npos);
    EXPECT_NE(refused("/no/such/folder:/data").find("No such file or directory"), std::string::npos);
    EXPECT_NE(refused("/etc/hostname:/data").find("is not a directory"), std::string::npos);
    std::string error;
    EXPECT_FALSE(osprey::parse_shares({"/tmp:/data", "/:/data/"}, error));
    EXPECT_NE(error.find("/data is shared twice"), std::string::npos) << error;
}
