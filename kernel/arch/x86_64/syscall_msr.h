// Enables the `syscall` instruction: EFER.SCE, the selectors (STAR), the entry point
// (LSTAR) and the RFLAGS bits cleared on entry (SFMASK: IF, TF, DF, AC, NT).
#pragma once

namespace syscall_msr {
void init();
}
