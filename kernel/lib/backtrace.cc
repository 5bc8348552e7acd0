#include "lib/backtrace.h"

#include <span>

#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "ksyms/symbol_table.h"
#include "lib/log.h"

namespace backtrace {

namespace {

struct StackRange {
    u64 bottom, top;
};
constexpr usize kMaxStacks = 64;
StackRange g_stacks[kMaxStacks];
usize g_stack_count = 0;

constexpr usize kMaxFrames = 32;

bool mapped(u64 address) { return paging::kernel_space().translate(address).has_value(); }

// The frame's two words lie in a registered stack, or in the kernel-stack region on mapped
// pages (a stack freed meanwhile is unmapped; the tables behind the region are never
// freed, so the walk is safe from any context).
bool frame_is_readable(u64 rbp) {
    if (rbp & 7) return false;
    for (usize i = 0; i < g_stack_count; i++)
        if (rbp >= g_stacks[i].bottom && rbp + 16 <= g_stacks[i].top) return true;
    return rbp >= layout::kKernelStacksBase && rbp + 16 <= layout::kKernelStacksLimit && mapped(rbp) &&
           mapped(rbp + 15);
}

std::span<const u8> symbol_blob() {
    return {reinterpret_cast<const u8*>(__ksyms_start),
            static_cast<usize>(__ksyms_end - __ksyms_start)};
}

}  // namespace

void allow_stack(u64 bottom, u64 top) {
    for (usize i = 0; i < g_stack_count; i++)
        if (g_stacks[i].bottom == bottom) {
            g_stacks[i].top = top;
            return;
        }
    if (g_stack_count < kMaxStacks) g_stacks[g_stack_count++] = {bottom, top};
}

void print_address(u64 address) {
    if (auto symbol = ksyms::lookup(symbol_blob(), address))
        klog::print("0x{:016x} {}+{:#x}\n", address, symbol->name, symbol->offset);
    else
        klog::print("0x{:016x} ?\n", address);
}

void print_from(u64 rbp) {
    klog::print("backtrace:\n");
    for (usize depth = 0; depth < kMaxFrames && rbp; depth++) {
        if (!frame_is_readable(rbp)) {
            klog::print("  (frame pointer {:#x} outside known stacks)\n", rbp);
            return;
        }
        auto* frame = reinterpret_cast<const u64*>(rbp);
        u64 return_address = frame[1];
        if (return_address == 0) return;
        klog::print("  #{:<2} ", depth);
        // A return address points after the call; look up the call instruction itself.
        print_address(return_address - 1);
        rbp = frame[0];
    }
}

}  // namespace backtrace
