// Calls on open files: positioned and vectored I/O, seeking, directory listing, sizes,
// syncing, copying between descriptors, memfd.
#include <new>

#include "fs/fd_table.h"
#include "fs/inode_file.h"
#include "fs/ramfs.h"
#include "linux/abi_types.h"
#include "linux/descriptors.h"
#include "proc/process.h"
#include "linux/signals.h"
#include "net/socket.h"
#include "linux/syscall_adapter.h"
#include "drivers/block/block_device.h"
#include "fs/ext4/ext4_fs.h"
#include "sync/mutex.h"
#include "sync/wait_queue.h"
#include "mm/heap.h"
#include "text/format.h"

namespace linux_abi {

using proc::Process;

// preadv2 and pwritev2 at the file position are readv and writev (sys_io.cc).
Result<usize> sys_readv(int fd, UserPtr<IoVec> iov, u64 count);
Result<usize> sys_writev(int fd, UserPtr<IoVec> iov, u64 count);

namespace {


Result<fs::InodeFile*> seekable(fs::File& file) {
    auto* inode_file = fs::as_inode_file(file);
    if (!inode_file || inode_file->inode().type() == fs::InodeType::Fifo) return Error(ESPIPE);
    return inode_file;
}


// pread/pwrite (`address` is the buffer, `count` its length) and preadv/pwritev (the
// vector and its length).
Result<usize> positioned(int fd, bool write, u64 address, u64 count, i64 offset, bool vectored) {
    auto file = TRY(fds().get(fd));
    if (write ? !writable(*file) : !readable(*file)) return Error(EBADF);
    if (offset < 0) return Error(EINVAL);
    auto* inode_file = TRY(seekable(*file));
    fs::Inode& inode = inode_file->inode();
    if (inode.is_directory()) return Error(EISDIR);
    auto transfer = [&](u64 base, u64 length, u64 at) -> Result<usize> {
        auto buffer = fs::IoBuffer::from_user(base, length < kMaxIo ? length : kMaxIo);
        return write ? inode.write(at, buffer) : inode.read(at, buffer);
    };
    if (!vectored) return TRY(transfer(address, count, static_cast<u64>(offset)));
    if (count > 1024) return Error(EINVAL);
    u64 done = 0;
    for (u64 i = 0; i < count; i++) {
        IoVec v = TRY(UserPtr<IoVec>(address).offset(i).read());
        if (v.length == 0) continue;
        auto n = transfer(v.base, v.length, static_cast<u64>(offset) + done);
        if (n.is_error()) return done ? Result<usize>(done) : Result<usize>(Error(n.error()));
        done += n.value();
        if (n.value() < v.length) break;
    }
    return done;
}

}  // namespace

Result<usize> sys_pread64(int fd, UserPtr<u8> buffer, usize count, i64 offset) {
    return positioned(fd, false, buffer.address(), count, offset, false);
}
Result<usize> sys_pwrite64(int fd, UserPtr<const u8> buffer, usize count, i64 offset) {
    return positioned(fd, true, buffer.address(), count, offset, false);
}
Result<usize> sys_preadv(int fd, UserPtr<IoVec> iov, u64 count, i64 offset) {
    return positioned(fd, false, iov.address(), count, offset, true);
}
Result<usize> sys_pwritev(int fd, UserPtr<IoVec> iov, u64 count, i64 offset) {
    return positioned(fd, true, iov.address(), count, offset, true);
}

// preadv2/pwritev2: an offset of -1 means "at the file position", like readv/writev. The
// offset's high half (for 32-bit callers) is unused on x86-64; the flags are not read.
Result<usize> sys_preadv2(int fd, UserPtr<IoVec> iov, u64 count, i64 offset, u64 /*offset_high*/) {
    if (offset == -1) return sys_readv(fd, iov, count);
    return positioned(fd, false, iov.address(), count, offset, true);
}
Result<usize> sys_pwritev2(int fd, UserPtr<IoVec> iov, u64 count, i64 offset, u64 /*offset_high*/) {
    if (offset == -1) return sys_writev(fd, iov, count);
    return positioned(fd, true, iov.address(), count, offset, true);
}

Result<u64> sys_lseek(int fd, i64 offset, int whence) {
    constexpr int SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2, SEEK_DATA = 3, SEEK_HOLE = 4;
    auto file = TRY(fds().get(fd));
    auto* f = TRY(seekable(*file));
    if (f->inode().type() == fs::InodeType::CharDevice) {
        // The memory devices (null, zero, full, random) accept any seek and stay at 0;
        // terminals cannot seek.
        fs::Stat st;
        TRY(f->inode().stat(st));
        if ((st.st_rdev >> 8) == 1) return 0;
        return Error(ESPIPE);
    }
    MutexLocker lock(f->m_offset_lock);
    i64 size = static_cast<i64>(f->inode().size());
    i64 target;
    switch (whence) {
        case SEEK_SET: target = offset; break;
        case SEEK_CUR: target = static_cast<i64>(f->m_offset) + offset; break;
        case SEEK_END: target = size + offset; break;
        case SEEK_DATA:
            if (offset >= size) return Error(ENXIO);
            target = offset;
            break;
        case SEEK_HOLE:
            if (offset >= size) return Error(ENXIO);
            target = size;  // no holes are reported: the whole file is data
            break;
        default: return Error(EINVAL);
    }
    if (target < 0) return Error(EINVAL);
    if (f->inode().is_directory() && target != 0 && whence != SEEK_SET) return Error(EINVAL);
    f->m_offset = static_cast<u64>(target);
    return static_cast<u64>(target);
}

Result<usize> sys_getdents64(int fd, UserPtr<u8> buffer, usize capacity) {
    auto file = TRY(fds().get(fd));
    auto* f = fs::as_inode_file(*file);
    if (!f) return Error(ENOTDIR);
    if (!f->inode().is_directory()) return Error(ENOTDIR);
    MutexLocker lock(f->m_offset_lock);
    u64 written = 0;
    auto* entry = new (std::nothrow) fs::DirEntry;
    if (!entry) return Error(ENOMEM);
    struct Free {
        fs::DirEntry* e;
        ~Free() { delete e; }
    } free_entry{entry};
    for (;;) {
        u64 cursor = f->m_offset;
        bool more = TRY(f->inode().read_dir(cursor, *entry));
        if (!more) break;
        usize name_length = 0;
        while (entry->name[name_length]) name_length++;
        u64 record = align_up(19 + name_length + 1, 8);  // d_ino, d_off, d_reclen, d_type, name
        if (written + record > capacity) {
            if (written == 0) return Error(EINVAL);  // the buffer cannot hold one entry
            break;
        }
        u8 header[19];
        u64 next = cursor;
        u16 reclen = static_cast<u16>(record);
        u8 type = fs::dirent_type(entry->type);
        __builtin_memcpy(header, &entry->ino, 8);
        __builtin_memcpy(header + 8, &next, 8);
        __builtin_memcpy(header + 16, &reclen, 2);
        header[18] = type;
        u64 at = buffer.address() + written;
        TRY(user_memory::copy_to(at, header, 19));
        TRY(user_memory::copy_to(at + 19, entry->name, name_length + 1));
        u64 padding = record - 19 - name_length - 1;
        if (padding) TRY(user_memory::clear(at + 19 + name_length + 1, padding));
        written += record;
        f->m_offset = cursor;
    }
    return written;
}

Result<void> sys_ftruncate(int fd, i64 length) {
    auto file = TRY(fds().get(fd));
    if (length < 0) return Error(EINVAL);
    auto* f = fs::as_inode_file(*file);
    if (!f || !writable(*file)) return Error(EINVAL);
    if (f->inode().is_directory()) return Error(EISDIR);
    return f->inode().truncate(static_cast<u64>(length));
}

Result<u64> sys_fallocate(int fd, int mode, i64 offset, i64 length) {
    constexpr int FALLOC_FL_KEEP_SIZE = 1, FALLOC_FL_PUNCH_HOLE = 2;
    auto file = TRY(fds().get(fd));
    if (offset < 0 || length <= 0) return Error(EINVAL);
    auto* f = fs::as_inode_file(*file);
    if (!f) return Error(ESPIPE);
    if (!writable(*file)) return Error(EBADF);
    if (mode & FALLOC_FL_PUNCH_HOLE) {
        // Punching requires KEEP_SIZE; the range reads as zeros afterwards.
        if (!(mode & FALLOC_FL_KEEP_SIZE) || (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE))) return Error(EOPNOTSUPP);
        u64 size = f->inode().size();
        u64 start = static_cast<u64>(offset), end = static_cast<u64>(offset + length);
        if (end > size) end = size;
        static const u8 zeros[4096] = {};
        for (u64 at = start; at < end;) {
            u64 n = end - at < sizeof zeros ? end - at : sizeof zeros;
            at += TRY(f->inode().write(at, fs::IoBuffer::kernel(const_cast<u8*>(zeros), n)));
        }
        return 0;
    }
    if (mode & ~FALLOC_FL_KEEP_SIZE) return Error(EOPNOTSUPP);
    TRY(f->inode().allocate(static_cast<u64>(offset), static_cast<u64>(length), mode & FALLOC_FL_KEEP_SIZE));
    return 0;
}

// The file system writes back what it keeps elsewhere (9p: the host's fsync), a disk's
// special file flushes the disk; files in memory have nothing to write, so for them these
// succeed truthfully.
Result<void> sys_fsync(int fd) {
    auto file = TRY(fds().get(fd));
    if (auto* f = fs::as_inode_file(*file)) TRY(f->inode().sync(false));
    return file->sync();
}
Result<void> sys_fdatasync(int fd) {
    auto file = TRY(fds().get(fd));
    if (auto* f = fs::as_inode_file(*file)) TRY(f->inode().sync(true));
    return file->sync();
}
// What shared mappings wrote on every volume (a superset of the file's file system), then
// the file's own write-back and its disk's flush.
Result<void> sys_syncfs(int fd) {
    TRY(fds().get(fd));
    fs::ext4fs::write_back_all();
    return sys_fsync(fd);
}
// Everything written reaches stable storage: memory-backed files and 9p (which writes
// through) have nothing waiting; what shared mappings of ext4 files wrote is written to
// the files, and each disk's write cache is flushed (a failure is not
// reported: sync(2) has no error to give).
Result<void> sys_sync() {
    fs::ext4fs::write_back_all();
    for (usize i = 0; i < block::device_count(); i++) (void)block::device(i)->flush();
    return {};
}

Result<u64> sys_close_range(u32 first, u32 last, u32 flags) {
    constexpr u32 CLOSE_RANGE_CLOEXEC = 4, CLOSE_RANGE_UNSHARE = 2;
    if (first > last || (flags & ~(CLOSE_RANGE_CLOEXEC | CLOSE_RANGE_UNSHARE))) return Error(EINVAL);
    if (last >= static_cast<u32>(fs::FdTable::kMaxDescriptors)) last = fs::FdTable::kMaxDescriptors - 1;
    if (first >= static_cast<u32>(fs::FdTable::kMaxDescriptors)) return 0;
    if (flags & CLOSE_RANGE_CLOEXEC) {
        for (u32 fd = first; fd <= last; fd++) (void)fds().set_cloexec(static_cast<int>(fd), true);
        return 0;
    }
    fds().close_range(static_cast<int>(first), static_cast<int>(last));
    return 0;
}

namespace {
// memfd's files live in a tmpfs of their own, made by the first memfd_create; under a lock,
// as two threads may make their first at once.
Mutex g_memfd_lock{"memfd"};
fs::RamFilesystem* g_memfd_fs = nullptr;  // guarded by g_memfd_lock once made

fs::RamFilesystem* memfd_filesystem() {
    MutexLocker lock(g_memfd_lock);
    if (!g_memfd_fs) g_memfd_fs = fs::RamFilesystem::create("tmpfs", 0x30);
    return g_memfd_fs;
}
}  // namespace

Result<int> sys_memfd_create(UserPtr<const char> user_name, u32 flags) {
    constexpr u32 MFD_CLOEXEC = 1, MFD_ALLOW_SEALING = 2;
    if (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING)) return Error(EINVAL);
    char name[250];
    TRY(user_memory::copy_string(name, sizeof name, user_name.address()));
    // An anonymous file: a file with no name in memfd's tmpfs (two at once once collided
    // on the name they were made under before their unlink).
    fs::RamFilesystem* memfd_fs = memfd_filesystem();
    if (!memfd_fs) return Error(ENOMEM);
    auto inode = TRY(memfd_fs->root()->create_unnamed(0777, Process::current().cred.fsuid,
                                                      Process::current().cred.fsgid, false));
    auto file = TRY(inode->open(fs::O_RDWR));
    // Linux shows it as "/memfd:NAME (deleted)" (/proc/self/fd, /proc/self/maps).
    char label[fs::kNameMax + 1];
    text::format_into(label, sizeof label, "memfd:{}", std::string_view(name));
    if (auto* inode_file = file->inode_file())
        inode_file->set_dentry(fs::Dentry::create(memfd_fs->root(), label, inode));
    return fds().allocate(file, flags & MFD_CLOEXEC);
}

// sendfile and copy_file_range: through a kernel buffer.
namespace {
// The offsets, where given, are read and then advanced in user memory.
Result<usize> copy_between(fs::File& in, fs::File& out, UserPtr<i64> in_offset, u64 count,
                           UserPtr<i64> out_offset_user = UserPtr<i64>()) {
    bool use_offset = !in_offset.is_null();
    if (!readable(in) || !writable(out)) return Error(EBADF);
    if (count > kMaxIo) count = kMaxIo;
    u64 offset = 0;
    fs::InodeFile* in_file = nullptr;
    if (use_offset) {
        in_file = TRY(seekable(in));
        i64 start = TRY(in_offset.read());
        if (start < 0) return Error(EINVAL);
        offset = static_cast<u64>(start);
    }
    fs::InodeFile* out_file = nullptr;
    u64 out_offset = 0;
    if (!out_offset_user.is_null()) {
        out_file = TRY(seekable(out));
        i64 start = TRY(out_offset_user.read());
        if (start < 0) return Error(EINVAL);
        out_offset = static_cast<u64>(start);
    }
    auto buffer = heap::allocate(64 * KiB);
    if (buffer.is_error()) return Error(ENOMEM);
    u8* chunk = static_cast<u8*>(buffer.value());
    u64 done = 0;
    Result<void> failure;
    while (done < count) {
        // A signal ends the copy (EINTR when nothing was copied yet): up to 2 GiB may be
        // asked for, and a copy that never runs dry (an eventfd into itself) would
        // otherwise keep its thread in the kernel where not even SIGKILL ends it (sysfuzz).
        if (WaitQueue::signal_pending()) {
            if (!done) failure = Error(EINTR);
            break;
        }
        u64 want = count - done < 64 * KiB ? count - done : 64 * KiB;
        auto kernel_in = fs::IoBuffer::kernel(chunk, want);
        auto got = use_offset ? in_file->inode().read(offset + done, kernel_in) : in.read(kernel_in);
        if (got.is_error()) {
            if (!done) failure = Error(got.error());
            break;
        }
        if (got.value() == 0) break;
        auto put = out_file ? out_file->inode().write(out_offset + done, fs::IoBuffer::kernel(chunk, got.value()))
                            : out.write(fs::IoBuffer::kernel(chunk, got.value()));
        if (put.is_error()) {
            if (!done) failure = Error(put.error());
            break;
        }
        done += put.value();
        if (put.value() < got.value()) break;
    }
    heap::free(chunk);
    if (failure.is_error()) return Error(failure.error());
    if (use_offset) TRY(in_offset.write(static_cast<i64>(offset + done)));
    if (!out_offset_user.is_null()) TRY(out_offset_user.write(static_cast<i64>(out_offset + done)));
    return done;
}
}  // namespace

Result<usize> sys_sendfile(int out_fd, int in_fd, UserPtr<i64> offset, usize count) {
    auto out = TRY(fds().get(out_fd));
    auto in = TRY(fds().get(in_fd));
    return signals::sigpipe_on_epipe(copy_between(*in, *out, offset, count), net::epipe_raises_sigpipe(*out));
}

Result<usize> sys_copy_file_range(int in_fd, UserPtr<i64> in_offset, int out_fd, UserPtr<i64> out_offset, usize count,
                                  u64 flags) {
    if (flags != 0) return Error(EINVAL);
    auto in = TRY(fds().get(in_fd));
    auto out = TRY(fds().get(out_fd));
    if (!fs::as_inode_file(*in) || !fs::as_inode_file(*out)) return Error(EINVAL);
    return copy_between(*in, *out, in_offset, count, out_offset);
}

OSPREY_CALLS(pread64, pwrite64, preadv, pwritev, preadv2, pwritev2, lseek, getdents64, ftruncate, fallocate, fsync,
             fdatasync, syncfs, sync, close_range, memfd_create, sendfile, copy_file_range)

}  // namespace linux_abi
