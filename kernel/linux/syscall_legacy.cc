// FIXME: transitional. The calls whose handlers still take SyscallArgs&, with their argument
// counts written by hand; each family moves to typed handlers and its own OSPREY_CALLS list
// (linux/syscall_adapter.h), and this file goes with the last one.
#include "linux/syscalls.h"
#include "linux/syscall_numbers.h"

namespace linux_abi {

#define LEGACY(name, count)                                                  \
    namespace syscall_entries {                                              \
    extern const SyscallEntry name;                                          \
    constinit const SyscallEntry name = {                                    \
        [](TrapFrame& frame) -> i64 {                                        \
            SyscallArgs args{frame};                                         \
            auto r = sys_##name(args);                                       \
            return r.is_ok() ? static_cast<i64>(r.value()) : -static_cast<i64>(r.error()); \
        },                                                                   \
        count};                                                              \
    }


#undef LEGACY

}  // namespace linux_abi
