#include "arch/x86_64/irq.h"

#include "arch/x86_64/apic.h"
#include "arch/x86_64/idt.h"
#include "sync/spinlock.h"

namespace irq {

namespace {

struct Entry {
    Handler handler;
    void* context;
};

struct Vector {
    Entry entries[kMaxHandlersPerVector];
    unsigned used;  // entries [0, used) are set; only ever grows
    u64 fired;
};

constexpr unsigned kDeviceVectors = kLastDeviceVector - kFirstDeviceVector + 1;

// Written under g_lock; the dispatcher reads without it, which is safe because an entry is
// complete before `used` counts it (and entries are never removed).
Vector g_vectors[kDeviceVectors];
unsigned g_next_free = 0;
IrqSpinLock g_lock{"irq table"};

void dispatch(TrapFrame& frame) {
    Vector& v = g_vectors[frame.vector - kFirstDeviceVector];
    v.fired++;
    unsigned used = __atomic_load_n(&v.used, __ATOMIC_ACQUIRE);
    for (unsigned i = 0; i < used; i++) v.entries[i].handler(v.entries[i].context);
    apic::end_of_interrupt();
}

}  // namespace

Result<u8> allocate(Handler handler, void* context) {
    u8 vector;
    {
        IrqSpinLockGuard guard(g_lock);
        if (g_next_free == kDeviceVectors) return Error(ENOSPC);
        unsigned index = g_next_free++;
        g_vectors[index].entries[0] = {handler, context};
        __atomic_store_n(&g_vectors[index].used, 1u, __ATOMIC_RELEASE);
        vector = u8(kFirstDeviceVector + index);
    }
    idt::set_handler(vector, dispatch);
    return vector;
}

Result<void> share(u8 vector, Handler handler, void* context) {
    if (vector < kFirstDeviceVector || vector > kLastDeviceVector) return Error(ENOENT);
    IrqSpinLockGuard guard(g_lock);
    Vector& v = g_vectors[vector - kFirstDeviceVector];
    if (v.used == 0) return Error(ENOENT);
    if (v.used == kMaxHandlersPerVector) return Error(ENOSPC);
    v.entries[v.used] = {handler, context};
    __atomic_store_n(&v.used, v.used + 1, __ATOMIC_RELEASE);
    return {};
}

u64 count(u8 vector) {
    if (vector < kFirstDeviceVector || vector > kLastDeviceVector) return 0;
    return __atomic_load_n(&g_vectors[vector - kFirstDeviceVector].fired, __ATOMIC_RELAXED);
}

}  // namespace irq
