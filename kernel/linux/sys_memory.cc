// Memory: brk, mmap and friends, over the process's AddressSpace.
#include <new>

#include "fs/fd_table.h"
#include "fs/inode_file.h"
#include "mm/address_space.h"
#include "proc/process.h"
#include "linux/syscall_adapter.h"

namespace linux_abi {

using proc::Process;
using mm::Backing;
using mm::MAP_ANONYMOUS;
using mm::MAP_PRIVATE;
using mm::MAP_TYPE;

namespace {

// Pages of a file: private mappings copy them (or map them in place until written, when
// they are whole pages in the boot image), shared ones map the file's own pages.
// /proc/self/maps names the mapping by the name the file was opened by.
class InodeBacking final : public Backing {
public:
    InodeBacking(RefPtr<fs::Inode> inode, RefPtr<fs::Dentry> name, bool opened_for_writing, bool shared)
        : m_inode(static_cast<RefPtr<fs::Inode>&&>(inode)), m_name(static_cast<RefPtr<fs::Dentry>&&>(name)),
          m_opened_for_writing(opened_for_writing), m_shared(shared) {}
    // Deleted with the mapping's last area (munmap, exit): what it may have written goes
    // to the file while the inode is still held.
    ~InodeBacking() override {
        if (m_shared && m_opened_for_writing) m_inode->shared_mapping_ended();
    }
    Result<void> fill(u64 offset, u8* page) override {
        usize got = TRY(m_inode->read(offset, fs::IoBuffer::kernel(page, 4096)));
        __builtin_memset(page + got, 0, 4096 - got);
        return {};
    }
    Result<u64> shared_frame(u64 offset) override { return m_inode->page_frame(offset, m_opened_for_writing); }
    Result<void> write_back() override { return m_inode->sync(true); }
    Result<u64> lendable_frame(u64 offset) override { return m_inode->lendable_frame(offset); }
    fs::Dentry* dentry() const override { return m_name.get(); }
    bool freed_with_last_mapping() const override { return true; }
    bool may_exec() const override { return !m_inode->filesystem().no_exec; }
    bool may_write_shared() const override { return m_opened_for_writing; }

private:
    RefPtr<fs::Inode> m_inode;
    RefPtr<fs::Dentry> m_name;  // never null unless out of memory
    bool m_opened_for_writing;  // O_RDWR: a shared mapping may become writable
    bool m_shared;              // MAP_SHARED
};

}  // namespace

// Addresses here are numbers, never read through: a mapping's range, a hint.
Result<u64> sys_brk(u64 end) { return Process::current().memory().brk(end); }

Result<u64> sys_mmap(u64 address, u64 length, u32 prot, u32 flags, int fd, u64 offset) {
    if (!(flags & MAP_ANONYMOUS)) {
        auto file = TRY(Process::current().fds().get(fd));
        auto* inode_file = fs::as_inode_file(*file);
        if (inode_file && inode_file->inode().type() == fs::InodeType::CharDevice) {
            // /dev/zero maps as anonymous memory, as on Linux; other devices cannot be mapped.
            fs::Stat st;
            TRY(inode_file->inode().stat(st));
            if (st.st_rdev != ((1u << 8) | 5)) return Error(ENODEV);
            return Process::current().memory().mmap(address, length, prot, flags | MAP_ANONYMOUS, nullptr, 0);
        }
        if (!inode_file || inode_file->inode().type() != fs::InodeType::Regular) return Error(ENODEV);
        u32 access = file->status_flags() & fs::O_ACCMODE;
        if (access == fs::O_WRONLY || (file->status_flags() & fs::O_PATH)) return Error(EACCES);
        if ((flags & MAP_TYPE) != MAP_PRIVATE && (prot & 2) && access != fs::O_RDWR) return Error(EACCES);
        if ((prot & 4) && inode_file->inode().filesystem().no_exec) return Error(EPERM);  // MS_NOEXEC
        // The backing lives as long as some area maps it: the address space deletes it with
        // the last one (and with it the file's last reference, if it was removed).
        RefPtr<fs::Dentry> name = inode_file->dentry_ref();
        if (!name) name = fs::Dentry::create(nullptr, "", inode_file->inode_ref());  // its path is searched for
        auto* backing = new (std::nothrow) InodeBacking(inode_file->inode_ref(), name, access == fs::O_RDWR,
                                                        (flags & MAP_TYPE) != MAP_PRIVATE);
        if (!backing) return Error(ENOMEM);
        auto mapped = Process::current().memory().mmap(address, length, prot, flags, backing, offset);
        if (mapped.is_error()) delete backing;  // no area took it
        return mapped;
    }
    return Process::current().memory().mmap(address, length, prot, flags, nullptr, 0);
}

Result<void> sys_munmap(u64 address, u64 length) { return Process::current().memory().munmap(address, length); }

Result<void> sys_mprotect(u64 address, u64 length, u32 prot) {
    constexpr u32 PROT_GROWSDOWN = 0x01000000, PROT_GROWSUP = 0x02000000;
    return Process::current().memory().mprotect(address, length, prot & ~(PROT_GROWSDOWN | PROT_GROWSUP));
}

Result<void> sys_madvise(u64 address, u64 length, int advice) {
    return Process::current().memory().madvise(address, length, advice);
}

Result<u64> sys_mremap(u64 old_address, u64 old_length, u64 new_length, u32 flags, u64 new_address) {
    return Process::current().memory().mremap(old_address, old_length, new_length, flags, new_address);
}

// Memory is never swapped out: locking a range means backing it now.
Result<void> sys_mlock(u64 address, u64 length) {
    u64 start = align_down(address, 4096);
    u64 end = align_up(address + length, 4096);
    if (end < start) return Error(EINVAL);
    return Process::current().memory().populate(start, end);
}

// Shared file mappings are the file's own pages; a file system that keeps them apart from
// its disk (ext4) writes them back and flushes, for MS_ASYNC too (done at once rather than
// later). The range must be mapped, and the flags valid, as on Linux.
Result<void> sys_msync(u64 address, u64 length, u32 flags) {
    constexpr u32 MS_ASYNC = 1, MS_INVALIDATE = 2, MS_SYNC = 4;
    if ((address & 4095) || (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) || ((flags & MS_ASYNC) && (flags & MS_SYNC)))
        return Error(EINVAL);
    TRY(Process::current().memory().check_mapped(address, length));
    if (flags & (MS_ASYNC | MS_SYNC)) TRY(Process::current().memory().write_back(address, length));
    return {};
}

Result<void> sys_munlock(u64 address, u64 length) {
    if (address + length < address) return Error(EINVAL);
    return {};
}

OSPREY_CALLS(brk, mmap, munmap, mprotect, madvise, mremap, mlock, munlock, msync)

}  // namespace linux_abi
