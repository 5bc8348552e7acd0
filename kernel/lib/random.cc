#include "lib/random.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"
#include "crypto/chacha20.h"
#include "sync/spinlock.h"

namespace krandom {

namespace {

// next_u64 hands out keystream made ahead in batches, as Linux's batched entropy does: a
// value drawn on its own would cost two ChaCha20 blocks (its own and the re-key), and the
// network stack alone draws 70 at start-up. Each value is wiped from the batch as it goes.
constexpr usize kBatchBytes = 256;

struct State {
    crypto::ChaChaRng rng;
    bool seeded = false;
    u8 batch[kBatchBytes];
    usize batch_used = kBatchBytes;  // bytes of `batch` already handed out (and wiped)
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
        // What was made before this entropy came is not handed out after it.
        __builtin_memset(s.batch, 0, sizeof s.batch);
        s.batch_used = kBatchBytes;
    });
}

void fill(void* out, usize length) {
    g_state.with([&](State& s) {
        if (!s.seeded) seed_locked(s);
        s.rng.fill(static_cast<u8*>(out), length);
    });
}

u64 next_u64() {
    return g_state.with([](State& s) {
        if (!s.seeded) seed_locked(s);
        if (s.batch_used + sizeof(u64) > kBatchBytes) {
            s.rng.fill(s.batch, kBatchBytes);
            s.batch_used = 0;
        }
        u64 value;
        __builtin_memcpy(&value, s.batch + s.batch_used, sizeof value);
        __builtin_memset(s.batch + s.batch_used, 0, sizeof value);
        s.batch_used += sizeof value;
        return value;
    });
}

}  // namespace krandom
