#include "vm/guest_tsc.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include "image/cache_directory.h"
#include "time/tsc_khz.h"
#include "vm/vm_config.h"

namespace osprey {

namespace {

constexpr std::string_view kTscCacheMagic = "osprey-host-tsc-v1";

std::string read_proc_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// The id Linux gives this boot (a UUID); "" when unknown, which disables the cache: a
// frequency from another boot (or another host, with a shared home) must not be reused.
std::string host_boot_id() {
    std::string id = read_proc_text("/proc/sys/kernel/random/boot_id");
    while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
    return id.find_first_of(" \t\n") == std::string::npos ? id : "";
}

// The TSC is usable only when it runs at one rate whatever the CPU's power state, which
// Linux tells as these two flags; otherwise neither the host's figure nor a calibration
// holds for long.
bool host_tsc_is_constant() {
    std::string cpuinfo = read_proc_text("/proc/cpuinfo");
    size_t flags = cpuinfo.find("\nflags");
    if (flags == std::string::npos) return false;
    std::string line = cpuinfo.substr(flags, cpuinfo.find('\n', flags + 1) - flags) + " ";
    return line.find(" constant_tsc ") != std::string::npos && line.find(" nonstop_tsc ") != std::string::npos;
}

#if defined(__x86_64__)
struct TscClockSample {
    u64 ns;
    u64 tsc;
};

u64 monotonic_clock_ns() {
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return static_cast<u64>(t.tv_sec) * 1'000'000'000ull + static_cast<u64>(t.tv_nsec);
}

// The TSC with the clock read around it; the narrowest of a few tries, so a preemption
// between the reads does not skew the figure.
TscClockSample take_tsc_clock_sample() {
    TscClockSample best{};
    u64 best_width = ~0ull;
    for (int i = 0; i < 5; i++) {
        u64 before = monotonic_clock_ns();
        u64 tsc = __rdtsc();
        u64 after = monotonic_clock_ns();
        if (after - before < best_width) {
            best_width = after - before;
            best = {before + (after - before) / 2, tsc};
        }
    }
    return best;
}

// 20 ms: the samples' widths (well under a microsecond) make it exact to a few ppm.
u64 measure_host_tsc_khz() {
    TscClockSample start = take_tsc_clock_sample();
    timespec pause = {0, 20'000'000};
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR) {
    }
    TscClockSample end = take_tsc_clock_sample();
    if (end.ns <= start.ns || end.tsc <= start.tsc) return 0;
    auto khz = static_cast<u64>(static_cast<double>(end.tsc - start.tsc) * 1e6 / static_cast<double>(end.ns - start.ns) + 0.5);
    return tsc_khz::parse_hz(std::to_string(khz)).is_ok() ? khz : 0;
}
#else
u64 measure_host_tsc_khz() { return 0; }  // QEMU's guest TSC is not the host's RDTSC there
#endif

// Written to a private file and renamed over the cache: concurrent runs each see a whole
// line, the last writer's. False when it could not be written.
bool write_tsc_cache(const std::string& path, const std::string& line) {
    std::string dir = path.substr(0, path.rfind('/'));
    std::string parent = dir.substr(0, dir.rfind('/'));
    mkdir(parent.c_str(), 0700);  // ~/.cache may not exist yet
    mkdir(dir.c_str(), 0700);
    std::string temporary = path + ".XXXXXX";
    int fd = mkstemp(temporary.data());
    if (fd < 0) return false;
    bool ok = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    ok = close(fd) == 0 && ok;
    ok = ok && rename(temporary.c_str(), path.c_str()) == 0;
    if (!ok) unlink(temporary.c_str());
    return ok;
}

std::optional<u64> cached_host_tsc_khz() {
    std::string path = host_tsc_cache_path();
    std::string id = host_boot_id();
    if (path.empty() || id.empty()) return std::nullopt;
    if (auto cached = parse_host_tsc_cache(read_proc_text(path), id))
        return *cached ? std::optional<u64>(*cached) : std::nullopt;
    u64 khz = host_tsc_is_constant() ? measure_host_tsc_khz() : 0;
    // Without a cache every run would measure again, and 20 ms on the host costs more than
    // the guest's calibration it saves: the kernel calibrates instead.
    if (!write_tsc_cache(path, host_tsc_cache_line(id, khz))) return std::nullopt;
    return khz ? std::optional<u64>(khz) : std::nullopt;
}

}  // namespace

std::string host_tsc_cache_line(std::string_view boot_id, u64 khz) {
    return std::string(kTscCacheMagic) + " " + std::string(boot_id) + " " + std::to_string(khz) + "\n";
}

std::optional<u64> parse_host_tsc_cache(std::string_view text, std::string_view boot_id) {
    std::string expected_prefix = std::string(kTscCacheMagic) + " " + std::string(boot_id) + " ";
    if (boot_id.empty() || text.substr(0, expected_prefix.size()) != expected_prefix) return std::nullopt;
    std::string_view number = text.substr(expected_prefix.size());
    if (number.empty() || number.back() != '\n') return std::nullopt;  // cut short
    number.remove_suffix(1);
    if (number == "0") return 0;
    if (tsc_khz::parse_hz(number).is_error()) return std::nullopt;
    u64 khz = 0;
    for (char c : number) khz = khz * 10 + static_cast<u64>(c - '0');
    return khz;
}

std::string host_tsc_cache_path() {
    std::string directory = osprey_cache_directory();
    return directory.empty() ? "" : directory + "/host-tsc";
}

std::optional<u64> guest_tsc_khz(const VmConfig& vm) {
    if (vm.accel != "tcg") return std::nullopt;  // KVM: the CPU's own leaves, or calibration
    if (vm.deterministic) return 1'000'000;      // -icount shift=0: one instruction per ns
    return cached_host_tsc_khz();
}

}  // namespace osprey
