#include "selftest/selftest.h"

#include "cmdline/cmdline.h"
#include "lib/log.h"

namespace selftest {

namespace {

template <typename F>
void for_each_test(F&& f) {
    for (auto table : {cxx_tests(), memory_tests(), address_space_tests(), time_tests(), sched_tests(), sched_benchmarks(), fault_tests(),
                       virtio_net_tests(), virtio_blk_tests(), syscall_tests(), smp_tests(), watchdog_tests(), lockdep_tests()})
        for (const Test& test : table) f(test);
}

bool run_one(const Test& test) {
    klog::print("selftest {}: running\n", test.name);
    bool ok = test.run();
    klog::print("selftest {}: {}\n", test.name, ok ? "ok" : "FAILED");
    return ok;
}

}  // namespace

bool fail(const char* what, const char* file, int line) {
    klog::print("  check failed: {} ({}:{})\n", what, file, line);
    return false;
}

int run(std::string_view names) {
    int failures = 0;
    for (std::string_view name : cmdline::split_list(names)) {
        bool found = false;
        for_each_test([&](const Test& test) {
            if (name == test.name || (name == "all" && !test.fatal && !test.benchmark && !test.needs_device)) {
                found = true;
                if (!run_one(test)) failures++;
            }
        });
        if (!found) {
            klog::print("selftest {}: FAILED: no such test (known:", name);
            for_each_test([](const Test& test) { klog::print(" {}", test.name); });
            klog::print(")\n");
            failures++;
        }
    }
    klog::print("selftests: {} failed\n", failures);
    return failures;
}

}  // namespace selftest
