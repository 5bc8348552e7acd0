// The lock-order checker (sync/lockdep.h), in kernels built with it (osprey_lockdep.elf).
// `lockdep-inversion` takes two locks in both orders on purpose: the checker must report it
// and panic the first time, though no second thread is there to deadlock with.
#include "lib/log.h"
#include "selftest/selftest.h"
#include "sync/lockdep.h"
#include "sync/mutex.h"
#include "sync/spinlock.h"

namespace selftest {

namespace {

bool built_in() {
    if (lockdep::kEnabled) return true;
    klog::print("  this kernel has no lock-order checker (osprey_lockdep.elf has)\n");
    return false;
}

IrqSpinLock g_first{"selftest first"};
IrqSpinLock g_second{"selftest second"};

[[gnu::noinline]] void take_in_order(IrqSpinLock& outer, IrqSpinLock& inner) {
    IrqSpinLockGuard a(outer);
    IrqSpinLockGuard b(inner);
}

bool lockdep_inversion() {
    if (!built_in()) return false;
    klog::print("  'selftest first' then 'selftest second', then the other way round\n");
    take_in_order(g_first, g_second);
    take_in_order(g_second, g_first);
    return false;
}

#ifdef OSPREY_LOCKDEP
// Orders that are consistent pass, and so do locks of one class nested (their order comes
// from elsewhere); a mutex over a spinlock is an order like any other.
bool lockdep_consistent() {
    Mutex outer{"selftest outer mutex"};
    IrqSpinLock a{"selftest a"}, b{"selftest b"};
    IrqSpinLock same_1{"selftest same class"}, same_2{"selftest same class"};
    auto before = lockdep::stats();
    for (int round = 0; round < 3; round++) {
        MutexLocker held(outer);
        take_in_order(a, b);
        take_in_order(same_1, same_2);
        take_in_order(same_2, same_1);
    }
    auto after = lockdep::stats();
    klog::print("  {} lock classes and {} orders known after boot\n", before.classes, before.edges);
    // outer, a, b and the shared class are new; outer->a, a->b, outer->b, outer->same are
    // four orders (interrupts taken while the mutex is held may add theirs).
    SELFTEST_CHECK(after.classes >= before.classes + 4);
    SELFTEST_CHECK(after.edges >= before.edges + 4);
    return true;
}
#else
bool lockdep_consistent() { return built_in(); }
#endif

constexpr Test kLockdepTests[] = {
    {"lockdep", lockdep_consistent, false, false, true},
    {"lockdep-inversion", lockdep_inversion, true},
};

}  // namespace

std::span<const Test> lockdep_tests() { return kLockdepTests; }

}  // namespace selftest
