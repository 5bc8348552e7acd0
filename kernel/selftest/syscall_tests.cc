// The syscall adapter (linux/syscall_adapter.h): how registers become typed parameters, how
// results and errors become rax, and what the table holds.
#include "linux/syscall_adapter.h"
#include "selftest/selftest.h"

namespace selftest {

namespace {

using linux_abi::SyscallEntry;
using linux_abi::adapter::entry;

enum class Mode : int { First = 1, Second = 2 };

struct Seen {
    int fd;
    u32 flags;
    i64 offset;
    u64 address;
    Mode mode;
    u64 frame_rip;
};
Seen g_seen;

Result<usize> typed(int fd, u32 flags, i64 offset, UserPtr<u8> buffer, Mode mode, u16 small) {
    g_seen = {fd, flags, offset, buffer.address(), mode, 0};
    return static_cast<usize>(small);
}
Result<int> negative() { return -5; }
Result<u32> all_ones() { return ~0u; }
Result<void> fails(int) { return Error(EBADF); }
Result<void> succeeds() { return {}; }
Result<u64> with_frame(TrapFrame& frame, int fd) {
    g_seen = {fd, 0, 0, 0, Mode::First, frame.rip};
    return 7;
}

bool syscall_adapter() {
    TrapFrame frame{};
    frame.rdi = 0xdeadbeef'fffffffdull;  // an int takes the low 32 bits: -3
    frame.rsi = 0x1'00000002ull;          // a u32: 2
    frame.rdx = ~0ull;                    // an i64: -1
    frame.r10 = 0x7000'1000ull;           // a pointer: the whole address
    frame.r8 = 0xff'00000002ull;          // an enum over int: Second
    frame.r9 = 0x12345ull;                // a u16: 0x2345
    frame.rip = 0x401000;

    constexpr SyscallEntry typed_entry = entry<&typed>();
    static_assert(typed_entry.argument_count == 6);
    SELFTEST_CHECK(typed_entry.invoke(frame) == 0x2345);
    SELFTEST_CHECK(g_seen.fd == -3 && g_seen.flags == 2 && g_seen.offset == -1);
    SELFTEST_CHECK(g_seen.address == 0x7000'1000ull && g_seen.mode == Mode::Second);

    // Results: signed values are sign-extended, unsigned ones zero-extended, errors -errno.
    SELFTEST_CHECK(entry<&negative>().invoke(frame) == -5);
    SELFTEST_CHECK(entry<&all_ones>().invoke(frame) == 0xffffffffll);
    SELFTEST_CHECK(entry<&fails>().invoke(frame) == -EBADF);
    SELFTEST_CHECK(entry<&succeeds>().invoke(frame) == 0);
    static_assert(entry<&fails>().argument_count == 1 && entry<&succeeds>().argument_count == 0);

    // A TrapFrame& parameter is the caller's frame and takes no argument register.
    constexpr SyscallEntry frame_entry = entry<&with_frame>();
    static_assert(frame_entry.argument_count == 1);
    static_assert(frame_entry.takes_frame && !entry<&fails>().takes_frame);
    SELFTEST_CHECK(frame_entry.invoke(frame) == 7);
    SELFTEST_CHECK(g_seen.fd == -3 && g_seen.frame_rip == 0x401000);

    // The table: the family lists' entries by number, nothing where no family defines one.
    const SyscallEntry* mmap = linux_abi::syscall_entry(linux_abi::SYS_mmap);
    SELFTEST_CHECK(mmap && mmap->argument_count == 6);
    const SyscallEntry* getpid = linux_abi::syscall_entry(linux_abi::SYS_getpid);
    SELFTEST_CHECK(getpid && getpid->argument_count == 0);
    SELFTEST_CHECK(!linux_abi::syscall_entry(linux_abi::SYS_io_uring_setup));
    SELFTEST_CHECK(!linux_abi::syscall_entry(linux_abi::kSyscallCount));
    SELFTEST_CHECK(!linux_abi::syscall_entry(~0ull));
    return true;
}

const Test kSyscallTests[] = {{"syscall-adapter", syscall_adapter, false}};

}  // namespace

std::span<const Test> syscall_tests() { return kSyscallTests; }

}  // namespace selftest
