#include "linux/syscall_numbers.h"

namespace linux_abi {

namespace {

struct Names {
    const char* of[kSyscallCount] = {};
};

constexpr Names make_names() {
    Names names;
#define OSPREY_SYSCALL_NAME(name, number) names.of[number] = #name;
    OSPREY_LINUX_SYSCALLS(OSPREY_SYSCALL_NAME)
#undef OSPREY_SYSCALL_NAME
    return names;
}

constexpr Names kNames = make_names();

}  // namespace

const char* syscall_name(u64 number) { return number < kSyscallCount ? kNames.of[number] : nullptr; }

}  // namespace linux_abi
