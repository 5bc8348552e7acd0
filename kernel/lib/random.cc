#include "lib/random.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"
#include "crypto/chacha20.h"
#include "sync/spinlock.h"

namespace krandom {

namespace {

struct State {
    crypto::ChaChaRng rng;
    bool seeded = false;
};
Guarded<State> g_state{LockName{"random"}};

bool rdrand(u64& value) {
    for (int i = 0; i < 10; i++) {
        unsigned char ok;
        asm volatile("rdrand %0; setc %1" : "=r"(value), "=qm"(ok));
        if (ok) return true;
    }
    return false;
}

// RDRAND when present, and the TSC always (it differs between boots unless the run is
// deterministic, when the host's entropy still does).
void seed_locked(State& s) {
    u64 material[9];
    usize n = 0;
    material[n++] = cpu::rdtsc();
    if (cpu_features::has(cpu_features::kRdrand))
        for (int i = 0; i < 8; i++)
            if (rdrand(material[n])) n++;
    s.rng.seed(reinterpret_cast<const u8*>(material), n * sizeof(u64));
    s.seeded = true;
}

}  // namespace

void add_entropy(const u8* bytes, usize length) {
    g_state.with([&](State& s) {
        if (!s.seeded) seed_locked(s);
        s.rng.seed(bytes, length);
    });
}

void fill(void* out, usize length) {
    g_state.with([&](State& s) {
        if (!s.seeded) seed_locked(s);
        s.rng.fill(static_cast<u8*>(out), length);
    });
}

u64 next_u64() {
    u64 value;
    fill(&value, sizeof value);
    return value;
}

}  // namespace krandom
