// The kernel's random numbers: a ChaCha20 generator seeded from RDRAND where the CPU has
// it, from the entropy the host put in the app config, and from the TSC.
#pragma once

#include "base/types.h"

namespace krandom {

void add_entropy(const u8* bytes, usize length);
void fill(void* out, usize length);
u64 next_u64();

}  // namespace krandom
