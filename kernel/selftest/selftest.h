// Built-in kernel self-tests, chosen with `selftest=NAME[,NAME...]` on the command line
// (docs/cmdline.md). Each prints "selftest NAME: ok" or "selftest NAME: FAILED: why" on the
// kernel log. Some tests are meant to crash the kernel (a deliberate page fault, a stack
// overflow): they check the fault report, so they never "pass" by returning.
#pragma once

#include <span>
#include <string_view>

namespace selftest {

// Runs the named tests ("all" = every test that returns and needs no device); returns how
// many failed.
int run(std::string_view names);

struct Test {
    const char* name;
    bool (*run)();           // returns true on success; may print why it failed
    bool fatal;              // ends the machine on purpose: never part of "all"
    bool benchmark = false;  // prints figures (bench/); not part of "all" either
    // Needs what not every VM or kernel has (a NIC, the lock-order checker): run by name only.
    bool needs_device = false;
};

// Each file of tests registers its table here (selftest/*.cc).
std::span<const Test> memory_tests();
std::span<const Test> address_space_tests();
std::span<const Test> time_tests();
std::span<const Test> fault_tests();
std::span<const Test> cxx_tests();
std::span<const Test> sched_tests();
std::span<const Test> sched_benchmarks();
std::span<const Test> virtio_net_tests();
std::span<const Test> virtio_blk_tests();
std::span<const Test> syscall_tests();
std::span<const Test> smp_tests();
std::span<const Test> watchdog_tests();
std::span<const Test> lockdep_tests();

// For tests: reports a failed check with its location and returns false.
bool fail(const char* what, const char* file, int line);
#define SELFTEST_CHECK(condition) \
    do {                          \
        if (!(condition)) return ::selftest::fail(#condition, __FILE__, __LINE__); \
    } while (0)

}  // namespace selftest
