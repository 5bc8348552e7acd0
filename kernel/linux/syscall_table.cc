// The syscall table: Linux numbers to the entries the family files define with OSPREY_CALLS
// (linux/syscall_adapter.h). Every Linux call is declared here as a weak symbol: the entries
// a family defines fill their slots when the kernel is linked, the others stay null, and a
// null slot returns ENOSYS, logged once by name (linux/syscall.cc). No list of calls is kept
// here; a family's list is the only one.
#include "linux/syscall.h"
#include "linux/syscall_numbers.h"

namespace linux_abi {

namespace syscall_entries {
#define OSPREY_DECLARE_ENTRY(name, number) [[gnu::weak]] extern const SyscallEntry name;
OSPREY_LINUX_SYSCALLS(OSPREY_DECLARE_ENTRY)
#undef OSPREY_DECLARE_ENTRY
}  // namespace syscall_entries

namespace {

constexpr SyscallTable build() {
    SyscallTable t;
#define OSPREY_TABLE_SLOT(name, number) t.entries[number] = &syscall_entries::name;
    OSPREY_LINUX_SYSCALLS(OSPREY_TABLE_SLOT)
#undef OSPREY_TABLE_SLOT
    return t;
}

}  // namespace

constinit const SyscallTable g_syscall_table = build();

}  // namespace linux_abi
