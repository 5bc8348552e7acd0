// Kernel stacks in their own virtual range (layout.h), each with an unmapped guard page
// below it, so an overflow faults at once instead of corrupting whatever lies beneath.
#pragma once

#include <optional>

#include "base/result.h"

namespace kernel_stacks {

constexpr u64 kDefaultSize = 32 * KiB;

struct Stack {
    u64 bottom;  // lowest usable address (the guard page is just below)
    u64 top;     // initial stack pointer
};

Result<Stack> allocate(u64 size = kDefaultSize);
void free(const Stack& stack);

// The stack whose guard page contains addr, if any: lets the fault report name an overflow.
std::optional<Stack> guard_page_owner(u64 addr);

usize live_count();

}  // namespace kernel_stacks
