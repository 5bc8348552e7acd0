// Symbolized backtraces of kernel frames, walked through the frame-pointer chain (the
// kernel is built with -fno-omit-frame-pointer for this).
#pragma once

#include "base/types.h"

namespace backtrace {

// Prints "  #N 0xADDR name+0xOFF" lines for the frames above frame pointer rbp.
void print_from(u64 rbp);
// Prints one code address with its symbol.
void print_address(u64 address);

// Registers a range outside the kernel-stack region in which frame pointers may be
// followed (the boot stack; early boot only). Following anything else could fault inside
// the fault handler.
void allow_stack(u64 bottom, u64 top);

}  // namespace backtrace
