// FPU/SSE/AVX state. The kernel itself never touches these registers (it is built with
// -mgeneral-regs-only), so entering the kernel costs no save; a thread's state is saved
// only when another thread that uses the FPU takes the CPU (per-CPU owner, lazily).
#pragma once

#include "base/result.h"

namespace fpu {

// Enables SSE (and XSAVE with x87/SSE/AVX/AVX-512 state where present) on the boot CPU,
// and decides the state every CPU will have.
void init();
// The same register set-up on another CPU, after init(): the same XCR0, so one thread's
// save area fits whichever CPU saves it.
void init_secondary_cpu();
// Bytes of one thread's save area (XSAVE size for the enabled features, or 512 for FXSAVE).
usize state_size();
bool uses_xsave();
// The XSAVE components enabled in XCR0 (x87 and SSE only without XSAVE).
u64 enabled_features();

// A save area holding the state a new thread starts with (FNINIT, MXCSR 0x1f80).
Result<void*> allocate_initial_state();
void free_state(void* area);
void save(void* area);
void restore(const void* area);

}  // namespace fpu
