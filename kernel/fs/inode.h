// Inodes: the files of every file system (the root built from the initramfs, tmpfs, devfs,
// procfs). One interface for all of them; each file system implements what it supports,
// and the defaults answer as Linux does for what a kind of file cannot do (ENOTDIR on a
// regular file's lookup, EISDIR on a directory's read...).
//
// Lock order: a directory's lock before its children's; two directories in a rename are
// locked in address order (fs/vfs.cc). Inode locks are Mutexes: never under a spin lock.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "fs/file.h"
#include "lib/atomic.h"
#include "lib/object_counts.h"
#include "sync/mutex.h"

namespace fs {

class Filesystem;

enum class InodeType : u8 { Regular, Directory, Symlink, CharDevice, BlockDevice, Fifo, Socket };

constexpr u32 type_bits(InodeType type) {
    switch (type) {
        case InodeType::Regular: return S_IFREG;
        case InodeType::Directory: return S_IFDIR;
        case InodeType::Symlink: return S_IFLNK;
        case InodeType::CharDevice: return S_IFCHR;
        case InodeType::BlockDevice: return S_IFBLK;
        case InodeType::Fifo: return S_IFIFO;
        case InodeType::Socket: return S_IFSOCK;
    }
    return 0;
}

// The type an st_mode names (a regular file for bits no type has).
constexpr InodeType type_from_mode(u32 mode) {
    switch (mode & S_IFMT) {
        case S_IFDIR: return InodeType::Directory;
        case S_IFLNK: return InodeType::Symlink;
        case S_IFCHR: return InodeType::CharDevice;
        case S_IFBLK: return InodeType::BlockDevice;
        case S_IFIFO: return InodeType::Fifo;
        case S_IFSOCK: return InodeType::Socket;
        default: return InodeType::Regular;
    }
}

// d_type values of getdents64.
constexpr u8 dirent_type(InodeType type) {
    switch (type) {
        case InodeType::Regular: return 8;
        case InodeType::Directory: return 4;
        case InodeType::Symlink: return 10;
        case InodeType::CharDevice: return 2;
        case InodeType::BlockDevice: return 6;
        case InodeType::Fifo: return 1;
        case InodeType::Socket: return 12;
    }
    return 0;
}

constexpr usize kNameMax = 255;
constexpr usize kPathMax = 4096;

struct Timestamp {
    i64 seconds = 0;
    i64 nanoseconds = 0;
};

// What chmod, chown and utimensat change (fields left empty stay as they are).
struct AttributeChange {
    std::optional<u32> permissions;  // the low 12 mode bits
    std::optional<u32> uid, gid;
    std::optional<Timestamp> atime, mtime;
};

struct DirEntry {
    u64 ino;
    InodeType type;
    char name[kNameMax + 1];
};

class Inode : public RefCounted {
public:
    InodeType type() const { return m_type; }
    bool is_directory() const { return m_type == InodeType::Directory; }
    u64 ino() const { return m_ino; }
    Filesystem& filesystem() const { return *m_filesystem; }

    // Metadata, guarded by m_lock.
    Mutex m_lock{"inode"};
    u32 m_permissions = 0644;  // the low 12 mode bits
    u32 m_uid = 0, m_gid = 0;
    u64 m_nlink = 1;
    Timestamp m_atime, m_mtime, m_ctime;
    // For directories: ".." (nullptr at a file system's root until mounted), and the root
    // of a file system mounted here.
    Inode* m_parent = nullptr;
    RefPtr<Inode> m_mounted;

    u32 mode() const { return type_bits(m_type) | m_permissions; }
    virtual u64 size();
    virtual Result<void> stat(Stat& out);

    // Directories.
    virtual Result<RefPtr<Inode>> lookup(std::string_view name);
    virtual Result<RefPtr<Inode>> create(std::string_view name, InodeType type, u32 permissions, u32 uid, u32 gid);
    // O_TMPFILE: a regular file on this directory's file system with no name (nlink 0).
    // linkable: whether linkat may give it one (O_TMPFILE without O_EXCL).
    // EOPNOTSUPP on file systems that cannot.
    virtual Result<RefPtr<Inode>> create_unnamed(u32 permissions, u32 uid, u32 gid, bool linkable);
    virtual Result<RefPtr<Inode>> symlink(std::string_view name, std::string_view target, u32 uid, u32 gid);
    virtual Result<void> link(std::string_view name, Inode& target);
    virtual Result<void> unlink(std::string_view name, bool directory);
    // Moves `name` to `target_dir`/`target_name` (same file system). flags: RENAME_*.
    virtual Result<void> rename(std::string_view name, Inode& target_dir, std::string_view target_name, u32 flags);
    // The entry at `cursor` (0 first); advances it. false at the end.
    virtual Result<bool> read_dir(u64& cursor, DirEntry& out);

    // Regular files.
    virtual Result<usize> read(u64 offset, const IoBuffer& buffer);
    virtual Result<usize> write(u64 offset, const IoBuffer& buffer);
    virtual Result<void> truncate(u64 size);
    // fallocate without PUNCH_HOLE: room for [offset, offset + length), the size growing to
    // cover it unless keep_size. Memory-backed files have no blocks to reserve: only the
    // size changes. EOPNOTSUPP where the file system cannot (9p).
    virtual Result<void> allocate(u64 offset, u64 length, bool keep_size);
    // fsync and fdatasync: the file's data (and, unless data_only, its metadata) on stable
    // storage. Memory-backed files have nothing to write.
    virtual Result<void> sync(bool data_only) {
        (void)data_only;
        return {};
    }

    // The file's bytes where they already are in memory (the initramfs), if they are.
    virtual std::span<const u8> contents_in_place() { return {}; }

    // For shared mappings: the physical frame holding the page at `offset` (the file's own
    // page, kept as long as the file). ENXIO past the end, ENODEV if it has none.
    // `writable`: the mapping may write to it (the file was opened for writing), so the
    // file system must write the page back (fsync, msync, at the end).
    virtual Result<u64> page_frame(u64 offset, bool writable);
    // A shared mapping of the file, by a file opened for writing, is gone (munmap, exit):
    // a file system that keeps its pages apart from the disk writes back what it wrote.
    virtual void shared_mapping_ended() {}
    // For private mappings: the frame holding the page at `offset` when it may be mapped in
    // place, read-only, until the mapping writes to it (a whole page of the file in the boot
    // image, which is never freed and is the file's own page: later writes to the file show
    // through, as on Linux). ENODEV when the page must be copied.
    virtual Result<u64> lendable_frame(u64 offset) {
        (void)offset;
        return Error(ENODEV);
    }

    // Symlinks: the target, copied into out (not terminated); returns its length.
    virtual Result<usize> readlink(char* out, usize capacity);

    // The File an open(2) of this inode gives (devices and special files override).
    virtual Result<RefPtr<File>> open(u32 flags);

    // Magic links (/proc/self/fd/N): the open file a path walk jumps to instead of reading
    // a target, so that a file with no name (deleted, O_TMPFILE) can still be reached.
    // Null for ordinary symlinks.
    virtual RefPtr<File> magic_link() { return nullptr; }

    // Applies `change` and sets ctime, through the file system: one that keeps its metadata
    // elsewhere (9p: the host) stores it there first and refuses what the store refuses.
    // Takes m_lock.
    virtual Result<void> change_attributes(const AttributeChange& change);

    void touch_modified();  // mtime and ctime = now
    void touch_changed();   // ctime = now

protected:
    Inode(Filesystem& filesystem, InodeType type, u64 ino) : m_filesystem(&filesystem), m_type(type), m_ino(ino) {}

private:
    Filesystem* m_filesystem;
    InodeType m_type;
    u64 m_ino;
    objects::Counted<objects::Kind::Inode> m_counted;
};

// A mounted file system: its root, its name for /proc/mounts, and statfs figures.
class Filesystem {
public:
    virtual ~Filesystem() = default;
    virtual const char* name() const = 0;  // "tmpfs", "proc", ...
    virtual u64 magic() const = 0;         // f_type of statfs
    virtual RefPtr<Inode> root() = 0;
    u64 device() const { return m_device; }
    u64 allocate_ino() { return m_next_ino.fetch_add(1); }
    virtual u64 blocks_total() { return 0; }
    virtual u64 blocks_free() { return 0; }
    // What an unprivileged user may still take (free less the blocks reserved for root).
    virtual u64 blocks_available() { return blocks_free(); }
    // statfs's f_files and f_ffree: file systems without an inode table count blocks.
    virtual u64 inodes_total() { return blocks_total(); }
    virtual u64 inodes_free() { return blocks_free(); }
    // Taken off the tree by umount (files still open in it may go on being used).
    virtual void unmounted() {}
    // /proc/mounts' first field when the file system is on a device ("/dev/vda"), else
    // null (the type is shown); and whether it was mounted read-only (its "ro").
    virtual const char* mount_source() const { return nullptr; }
    virtual bool mounted_read_only() const { return false; }

    // mount(2)'s MS_NOEXEC and MS_NODEV: no program runs from this file system and no
    // file of it is mapped executable (EACCES, EPERM); no device node of it opens (EACCES).
    // Set when mounted, before any path leads here.
    bool no_exec = false;
    bool no_dev = false;

protected:
    explicit Filesystem(u64 device) : m_device(device) {}

private:
    u64 m_device;
    kstd::Atomic<u64> m_next_ino{2};
};

Timestamp now();

}  // namespace fs
