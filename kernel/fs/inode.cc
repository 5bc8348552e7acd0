#include "fs/inode.h"

#include "fs/inode_file.h"
#include "sched/clock.h"

namespace fs {

Timestamp now() {
    u64 ns = ktime::realtime_ns();
    return {static_cast<i64>(ns / 1000000000), static_cast<i64>(ns % 1000000000)};
}

u64 Inode::size() { return 0; }

// tmpfs keeps a symlink's target in the inode below this length (SHORT_SYMLINK_LEN).
constexpr u64 kInlineSymlinkMax = 128;

Result<void> Inode::stat(Stat& out) {
    {
        MutexLocker lock(m_lock);
        out = {};
        out.st_dev = m_filesystem->device();
        out.st_ino = m_ino;
        out.st_nlink = m_nlink;
        out.st_mode = mode();
        out.st_uid = m_uid;
        out.st_gid = m_gid;
        out.st_blksize = 4096;
        out.st_atime_sec = m_atime.seconds, out.st_atime_nsec = m_atime.nanoseconds;
        out.st_mtime_sec = m_mtime.seconds, out.st_mtime_nsec = m_mtime.nanoseconds;
        out.st_ctime_sec = m_ctime.seconds, out.st_ctime_nsec = m_ctime.nanoseconds;
    }
    // size() takes the inode's lock itself where it needs it.
    u64 bytes = size();
    out.st_size = static_cast<i64>(bytes);
    // 512-byte units, counted as tmpfs does: whole 4 KiB pages of data, and none for a
    // short symlink, whose target lives in the inode (du and ls -s print these).
    u64 pages = (bytes + 4095) / 4096;
    if (type() == InodeType::Symlink && bytes < kInlineSymlinkMax) pages = 0;
    out.st_blocks = static_cast<i64>(pages * 8);
    return {};
}

Result<RefPtr<Inode>> Inode::lookup(std::string_view) { return Error(ENOTDIR); }
Result<RefPtr<Inode>> Inode::create(std::string_view, InodeType, u32, u32, u32) { return Error(is_directory() ? EPERM : ENOTDIR); }
Result<RefPtr<Inode>> Inode::create_unnamed(u32, u32, u32, bool) { return Error(is_directory() ? EOPNOTSUPP : ENOTDIR); }
Result<RefPtr<Inode>> Inode::symlink(std::string_view, std::string_view, u32, u32) { return Error(is_directory() ? EPERM : ENOTDIR); }
Result<void> Inode::link(std::string_view, Inode&) { return Error(is_directory() ? EPERM : ENOTDIR); }
Result<void> Inode::unlink(std::string_view, bool) { return Error(is_directory() ? EPERM : ENOTDIR); }
Result<void> Inode::rename(std::string_view, Inode&, std::string_view, u32) { return Error(is_directory() ? EPERM : ENOTDIR); }
Result<bool> Inode::read_dir(u64&, DirEntry&) { return Error(ENOTDIR); }
Result<usize> Inode::read(u64, const IoBuffer&) { return Error(is_directory() ? EISDIR : EINVAL); }
Result<usize> Inode::write(u64, const IoBuffer&) { return Error(is_directory() ? EISDIR : EINVAL); }
Result<void> Inode::truncate(u64) { return Error(is_directory() ? EISDIR : EINVAL); }
Result<usize> Inode::readlink(char*, usize) { return Error(EINVAL); }
Result<u64> Inode::page_frame(u64, bool) { return Error(ENODEV); }

Result<RefPtr<File>> Inode::open(u32 flags) { return open_inode_file(*this, flags); }

void Inode::touch_modified() {
    Timestamp t = now();
    m_mtime = t;
    m_ctime = t;
}

void Inode::touch_changed() { m_ctime = now(); }

Result<void> Inode::allocate(u64 offset, u64 length, bool keep_size) {
    u64 end = offset + length;
    if (!keep_size && end > size()) TRY(truncate(end));
    return {};
}

Result<void> Inode::change_attributes(const AttributeChange& change) {
    MutexLocker lock(m_lock);
    if (change.permissions) m_permissions = *change.permissions & 07777;
    if (change.uid) m_uid = *change.uid;
    if (change.gid) m_gid = *change.gid;
    if (change.atime) m_atime = *change.atime;
    if (change.mtime) m_mtime = *change.mtime;
    touch_changed();
    return {};
}

}  // namespace fs
