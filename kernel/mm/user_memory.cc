#include "mm/user_memory.h"

#include "mm/address_space.h"
#include "proc/process.h"
#include "sched/thread.h"

extern "C" {
u64 arch_copy_user(void* dst, const void* src, u64 length);
i64 arch_strnlen_user(const char* s, u64 max);
u64 arch_clear_user(void* dst, u64 length);
i32 arch_cmpxchg_user_u32(u32* address, u32 expected, u32 desired, u32* old);
extern char user_copy_access[], user_copy_access_end[], user_copy_fixup[];
extern char user_strnlen_access[], user_strnlen_access_end[], user_strnlen_fixup[];
extern char user_clear_access[], user_clear_access_end[], user_clear_fixup[];
extern char user_cmpxchg_access[], user_cmpxchg_access_end[], user_cmpxchg_fixup[];
// Read by user_copy.S: whether STAC/CLAC exist and are needed.
bool smap_enabled = false;
}

namespace user_memory {

namespace {
struct FixupEntry {
    const char* start;
    const char* end;
    const char* fixup;
};
const FixupEntry kFixups[] = {
    {user_copy_access, user_copy_access_end, user_copy_fixup},
    {user_strnlen_access, user_strnlen_access_end, user_strnlen_fixup},
    {user_clear_access, user_clear_access_end, user_clear_fixup},
    {user_cmpxchg_access, user_cmpxchg_access_end, user_cmpxchg_fixup},
};
}  // namespace

bool fixup_for(u64 rip, u64& fixup) {
    for (const auto& entry : kFixups) {
        if (rip >= reinterpret_cast<u64>(entry.start) && rip < reinterpret_cast<u64>(entry.end)) {
            fixup = reinterpret_cast<u64>(entry.fixup);
            return true;
        }
    }
    return false;
}

Result<void> copy_from(void* dst, u64 user_src, u64 length) {
    if (length == 0) return {};
    if (!range_ok(user_src, length)) return Error(EFAULT);
    if (arch_copy_user(dst, reinterpret_cast<const void*>(user_src), length)) return Error(EFAULT);
    return {};
}

Result<void> copy_to(u64 user_dst, const void* src, u64 length) {
    if (length == 0) return {};
    if (!range_ok(user_dst, length)) return Error(EFAULT);
    if (arch_copy_user(reinterpret_cast<void*>(user_dst), src, length)) return Error(EFAULT);
    return {};
}

Result<void> clear(u64 user_dst, u64 length) {
    if (length == 0) return {};
    if (!range_ok(user_dst, length)) return Error(EFAULT);
    if (arch_clear_user(reinterpret_cast<void*>(user_dst), length)) return Error(EFAULT);
    return {};
}

Result<usize> copy_string(char* buffer, usize capacity, u64 user_src) {
    if (capacity == 0 || user_src >= kUserLimit) return Error(EFAULT);
    u64 max = capacity;
    if (max > kUserLimit - user_src) max = kUserLimit - user_src;
    i64 length = arch_strnlen_user(reinterpret_cast<const char*>(user_src), max);
    if (length < 0) return Error(EFAULT);
    if (static_cast<u64>(length) >= capacity) return Error(ENAMETOOLONG);
    TRY(copy_from(buffer, user_src, length));
    buffer[length] = '\0';
    return static_cast<usize>(length);
}

Result<u32> compare_exchange_u32(u64 user_address, u32 expected, u32 desired) {
    if ((user_address & 3) || !range_ok(user_address, 4)) return Error(EFAULT);
    u32 old;
    if (arch_cmpxchg_user_u32(reinterpret_cast<u32*>(user_address), expected, desired, &old)) return Error(EFAULT);
    return old;
}

NoFaultCopies::NoFaultCopies() { current_thread()->m_no_fault_copies++; }
NoFaultCopies::~NoFaultCopies() { current_thread()->m_no_fault_copies--; }

bool no_fault_copies() {
    Thread* thread = current_thread();
    return thread && thread->m_no_fault_copies != 0;
}

Result<void> fault_in(u64 address, u64 length, bool write) {
    if (length == 0) return {};
    if (!range_ok(address, length) || !proc::Process::exists()) return Error(EFAULT);
    constexpr u32 kRead = 1, kWrite = 2;
    auto& memory = proc::Process::current().memory();
    for (u64 page = align_down(address, 4096); page < address + length; page += 4096) {
        auto result = memory.handle_fault(page, write ? kWrite : kRead);
        if (result != mm::AddressSpace::FaultResult::Handled) return Error(EFAULT);
    }
    return {};
}

}  // namespace user_memory
