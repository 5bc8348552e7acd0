// Memory: brk, mmap and friends, over the process's AddressSpace.
#include <new>

#include "fs/fd_table.h"
#include "fs/inode_file.h"
#include "mm/address_space.h"
#include "proc/process.h"
#include "linux/syscalls.h"

namespace linux_abi {

using proc::Process;
using mm::Backing;
using mm::MAP_ANONYMOUS;
using mm::MAP_PRIVATE;
using mm::MAP_TYPE;

namespace {

// Pages of a file: private mappings copy them, shared ones map the file's own pages.
// /proc/self/maps names the mapping by the name the file was opened by.
class InodeBacking final : public Backing {
public:
    InodeBacking(RefPtr<fs::Inode> inode, RefPtr<fs::Dentry> name)
        : m_inode(static_cast<RefPtr<fs::Inode>&&>(inode)), m_name(static_cast<RefPtr<fs::Dentry>&&>(name)) {}
    Result<void> fill(u64 offset, u8* page) override {
        usize got = TRY(m_inode->read(offset, fs::IoBuffer::kernel(page, 4096)));
        __builtin_memset(page + got, 0, 4096 - got);
        return {};
    }
    Result<u64> shared_frame(u64 offset) override { return m_inode->page_frame(offset); }
    fs::Dentry* dentry() const override { return m_name.get(); }
    bool freed_with_last_mapping() const override { return true; }

private:
    RefPtr<fs::Inode> m_inode;
    RefPtr<fs::Dentry> m_name;  // never null unless out of memory
};

}  // namespace

Result<u64> sys_brk(SyscallArgs& args) { return Process::current().memory().brk(args[0]); }

Result<u64> sys_mmap(SyscallArgs& args) {
    u32 flags = static_cast<u32>(args[3]);
    int fd = args.fd(4);
    if (!(flags & MAP_ANONYMOUS)) {
        auto file = TRY(Process::current().fds().get(fd));
        auto* inode_file = fs::as_inode_file(*file);
        if (inode_file && inode_file->inode().type() == fs::InodeType::CharDevice) {
            // /dev/zero maps as anonymous memory, as on Linux; other devices cannot be mapped.
            fs::Stat st;
            TRY(inode_file->inode().stat(st));
            if (st.st_rdev != ((1u << 8) | 5)) return Error(ENODEV);
            return Process::current().memory().mmap(args[0], args[1], static_cast<u32>(args[2]), flags | MAP_ANONYMOUS,
                                                    nullptr, 0);
        }
        if (!inode_file || inode_file->inode().type() != fs::InodeType::Regular) return Error(ENODEV);
        u32 access = file->status_flags() & fs::O_ACCMODE;
        u32 prot = static_cast<u32>(args[2]);
        if (access == fs::O_WRONLY || (file->status_flags() & fs::O_PATH)) return Error(EACCES);
        if ((flags & MAP_TYPE) != MAP_PRIVATE && (prot & 2) && access != fs::O_RDWR) return Error(EACCES);
        // The backing lives as long as some area maps it: the address space deletes it with
        // the last one (and with it the file's last reference, if it was removed).
        RefPtr<fs::Dentry> name = inode_file->dentry_ref();
        if (!name) name = fs::Dentry::create(nullptr, "", inode_file->inode_ref());  // its path is searched for
        auto* backing = new (std::nothrow) InodeBacking(inode_file->inode_ref(), name);
        if (!backing) return Error(ENOMEM);
        auto mapped = Process::current().memory().mmap(args[0], args[1], prot, flags, backing, args[5]);
        if (mapped.is_error()) delete backing;  // no area took it
        return mapped;
    }
    return Process::current().memory().mmap(args[0], args[1], static_cast<u32>(args[2]), flags, nullptr, 0);
}

Result<u64> sys_munmap(SyscallArgs& args) {
    TRY(Process::current().memory().munmap(args[0], args[1]));
    return 0;
}

Result<u64> sys_mprotect(SyscallArgs& args) {
    constexpr u32 PROT_GROWSDOWN = 0x01000000, PROT_GROWSUP = 0x02000000;
    u32 prot = static_cast<u32>(args[2]) & ~(PROT_GROWSDOWN | PROT_GROWSUP);
    TRY(Process::current().memory().mprotect(args[0], args[1], prot));
    return 0;
}

Result<u64> sys_madvise(SyscallArgs& args) {
    TRY(Process::current().memory().madvise(args[0], args[1], args.i32_arg(2)));
    return 0;
}

Result<u64> sys_mremap(SyscallArgs& args) {
    return Process::current().memory().mremap(args[0], args[1], args[2], static_cast<u32>(args[3]), args[4]);
}

// Memory is never swapped out: locking a range means backing it now.
Result<u64> sys_mlock(SyscallArgs& args) {
    u64 start = align_down(args[0], 4096);
    u64 end = align_up(args[0] + args[1], 4096);
    if (end < start) return Error(EINVAL);
    TRY(Process::current().memory().populate(start, end));
    return 0;
}

// Shared file mappings are the file's own pages: there is nothing to write back. The range
// must be mapped, and the flags valid, as on Linux.
Result<u64> sys_msync(SyscallArgs& args) {
    constexpr u32 MS_ASYNC = 1, MS_INVALIDATE = 2, MS_SYNC = 4;
    u32 flags = static_cast<u32>(args[2]);
    if ((args[0] & 4095) || (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) || ((flags & MS_ASYNC) && (flags & MS_SYNC)))
        return Error(EINVAL);
    TRY(Process::current().memory().check_mapped(args[0], args[1]));
    return 0;
}

Result<u64> sys_munlock(SyscallArgs& args) {
    if (args[0] + args[1] < args[0]) return Error(EINVAL);
    return 0;
}

}  // namespace linux_abi
