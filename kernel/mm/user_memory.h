// Access to the application's memory. Every user pointer a system call receives goes
// through here: the range is checked to lie in the user half, the copy runs in the one
// place where a fault means EFAULT instead of a kernel crash (arch/x86_64/user_copy.S), and
// pages not yet backed are paged in on the way (demand paging).
#pragma once

#include <string_view>
#include <type_traits>

#include "base/result.h"

namespace user_memory {

constexpr u64 kUserLimit = 0x0000800000000000ull;  // first address above the user half
// Where the application's mappings end: the last page of the user half is never mapped, as
// on Linux (its TASK_SIZE_MAX), so no `syscall` instruction can end at the top of the half.
// Its return address would be non-canonical, and SYSRET to one faults in ring 0 on Intel
// CPUs; the system call's return relies on this (arch/x86_64/syscall_entry.S).
constexpr u64 kUserMapEnd = kUserLimit - 4096;

inline bool range_ok(u64 address, u64 length) {
    return address < kUserLimit && length <= kUserLimit - address;
}

Result<void> copy_from(void* dst, u64 user_src, u64 length);
Result<void> copy_to(u64 user_dst, const void* src, u64 length);
Result<void> clear(u64 user_dst, u64 length);
// Copies a NUL-terminated string of at most `capacity - 1` bytes into buffer (terminated);
// ENAMETOOLONG when longer, EFAULT on a bad pointer. Returns the length.
Result<usize> copy_string(char* buffer, usize capacity, u64 user_src);
// Atomic compare-and-exchange of a user u32 (futex words); returns the old value.
Result<u32> compare_exchange_u32(u64 user_address, u32 expected, u32 desired);

// Whether a kernel-mode page fault at `rip` happened inside the user-copy routines; if so,
// where to resume when the address cannot be paged in.
bool fixup_for(u64 rip, u64& fixup);

// Copies made under a lock that the page-fault path may also take (an inode's: a file
// mapping's fault reads the file) must not page in while it is held, or a read into a
// mapping of the same file deadlocks. Within this scope a copy that would fault fails
// with EFAULT at once; the caller then drops its lock, calls fault_in() for the range and
// tries again (EFAULT from fault_in is a real bad address).
class NoFaultCopies {
public:
    NoFaultCopies();
    ~NoFaultCopies();
    NoFaultCopies(const NoFaultCopies&) = delete;
    NoFaultCopies& operator=(const NoFaultCopies&) = delete;
};
bool no_fault_copies();
// Pages in [address, address + length) for reading or writing, as a copy would; EFAULT
// where nothing is mapped or the access is not allowed. No lock may be held that the fault
// path takes.
Result<void> fault_in(u64 address, u64 length, bool write);

}  // namespace user_memory

// A typed user pointer: the only way system calls read and write application memory.
// UserPtr<const T> says the call only reads it (write's buffer, a path).
template <typename T>
class UserPtr {
public:
    static_assert(std::is_trivially_copyable_v<T> || std::is_void_v<T>);
    using Value = std::remove_const_t<T>;
    UserPtr() = default;
    explicit UserPtr(u64 address) : m_address(address) {}

    u64 address() const { return m_address; }
    bool is_null() const { return m_address == 0; }
    UserPtr offset(u64 elements) const { return UserPtr(m_address + elements * sizeof(T)); }

    Result<Value> read() const {
        Value value;
        TRY(user_memory::copy_from(&value, m_address, sizeof(T)));
        return value;
    }
    Result<void> write(const T& value) const { return user_memory::copy_to(m_address, &value, sizeof(T)); }
    Result<void> read_array(Value* out, usize count) const {
        if (count > ~0ull / sizeof(T)) return Error(EFAULT);
        return user_memory::copy_from(out, m_address, count * sizeof(T));
    }
    Result<void> write_array(const T* values, usize count) const {
        if (count > ~0ull / sizeof(T)) return Error(EFAULT);
        return user_memory::copy_to(m_address, values, count * sizeof(T));
    }

private:
    u64 m_address = 0;
};
