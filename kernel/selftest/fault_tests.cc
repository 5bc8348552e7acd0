// Deliberate kernel faults. Each ends the machine through the exception report and a panic
// exit record; the guest tests check that report. Returning at all is a failure.
#include "arch/x86_64/cpu.h"
#include "lib/log.h"
#include "lib/panic.h"
#include "mm/kernel_stacks.h"
#include "selftest/selftest.h"

namespace selftest {

namespace {

bool page_fault() {
    klog::print("  writing to unmapped address 0xdead0000\n");
    *reinterpret_cast<volatile u64*>(0xdead0000) = 1;
    return false;
}

bool null_dereference() {
    volatile u64* null = nullptr;
    klog::print("  reading through a null pointer\n");
    return *null == 42;
}

#pragma GCC diagnostic ignored "-Winfinite-recursion"  // the point of the test
[[gnu::noinline]] u64 recurse(u64 depth) {
    volatile u8 frame[256];
    frame[0] = static_cast<u8>(depth);
    return recurse(depth + 1) + frame[0];
}

bool stack_overflow() {
    klog::print("  recursing without end on a {} KiB kernel stack\n", kernel_stacks::kDefaultSize / KiB);
    return recurse(0) == 0;
}

bool divide_error() {
    volatile u64 zero = 0;
    klog::print("  dividing by zero\n");
    u64 result;
    asm volatile("xorl %%edx, %%edx\n divq %1" : "=a"(result) : "r"(zero), "a"(1ull) : "rdx");
    return result == 0;
}

bool invalid_opcode() {
    klog::print("  executing ud2\n");
    asm volatile("ud2");
    return false;
}

bool explicit_panic() { panic("deliberate panic from selftest (value {})", 42); }

bool write_to_code() {
    klog::print("  writing to the kernel's own code\n");
    *reinterpret_cast<volatile u8*>(reinterpret_cast<void*>(&write_to_code)) = 0xcc;
    return false;
}

bool hang() {
    klog::print("  halting with interrupts off, forever\n");
    cpu::halt_forever();
}

const Test kFaultTests[] = {
    {"hang", hang, true},
    {"pagefault", page_fault, true},
    {"nullderef", null_dereference, true},
    {"stackoverflow", stack_overflow, true},
    {"divide", divide_error, true},
    {"ud2", invalid_opcode, true},
    {"panic", explicit_panic, true},
    {"writecode", write_to_code, true},
};

}  // namespace

std::span<const Test> fault_tests() { return kFaultTests; }

}  // namespace selftest
