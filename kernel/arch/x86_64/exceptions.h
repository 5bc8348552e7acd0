// CPU exceptions (vectors 0-31). In the kernel they are fatal: a clear report on the kernel
// log (vector name, error code decoded, RIP and CR2 symbolized, registers, backtrace), then
// a panic exit record and power-off with a failure status.
#pragma once

#include "arch/x86_64/trap_frame.h"

namespace exceptions {

void handle(TrapFrame& frame);
const char* name(u64 vector);

}  // namespace exceptions
