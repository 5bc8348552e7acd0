// The one interface behind every file descriptor: the console, pipes, eventfds, epoll
// instances, and (in later issues) regular files, directories, sockets and timerfds. poll,
// select and epoll work the same for all of them through readiness events and observers.
#pragma once

#include "base/intrusive_list.h"
#include "base/result.h"
#include "lib/object_counts.h"
#include "lib/ref_counted.h"
#include "net/layers.h"
#include "sync/spinlock.h"

namespace net {
class Socket;
}

namespace fs {

class Inode;
class InodeFile;

// poll(2) event bits.
constexpr u32 POLLIN = 0x001, POLLPRI = 0x002, POLLOUT = 0x004, POLLERR = 0x008, POLLHUP = 0x010,
              POLLNVAL = 0x020, POLLRDNORM = 0x040, POLLWRNORM = 0x100, POLLRDHUP = 0x2000;

// open(2) status flags kept on the open file.
constexpr u32 O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_ACCMODE = 3, O_CREAT = 0100, O_EXCL = 0200,
              O_NOCTTY = 0400, O_TRUNC = 01000, O_APPEND = 02000, O_NONBLOCK = 04000, O_DSYNC = 010000,
              O_DIRECT = 040000, O_LARGEFILE = 0100000, O_DIRECTORY = 0200000, O_NOFOLLOW = 0400000,
              O_NOATIME = 01000000, O_CLOEXEC = 02000000, O_PATH = 010000000;

// Where data comes from or goes to: user memory (system calls) or a kernel buffer.
struct IoBuffer {
    u64 address;
    usize length;
    bool user;

    static IoBuffer from_user(u64 address, usize length) { return {address, length, true}; }
    static IoBuffer kernel(void* p, usize length) { return {reinterpret_cast<u64>(p), length, false}; }
    Result<void> copy_out(usize offset, const void* src, usize n) const;  // into the buffer
    Result<void> copy_in(usize offset, void* dst, usize n) const;         // from the buffer
    // Pages in user memory of [offset, offset+n), for copies made under a lock
    // (user_memory::NoFaultCopies). Nothing to do for a kernel buffer.
    Result<void> fault_in(usize offset, usize n, bool for_copy_out) const;
};

// An IoBuffer as the byte source and sink of the protocol code and the pipe rings (the
// interfaces of libs/net/layers.h): offsets count from the buffer's start.
class IoBufferBytes final : public net::ByteSource, public net::ByteSink {
public:
    explicit IoBufferBytes(const IoBuffer& buffer) : m_buffer(buffer) {}
    Result<void> copy_in(usize offset, u8* destination, usize length) const override {
        return m_buffer.copy_in(offset, destination, length);
    }
    Result<void> copy_out(usize offset, const u8* source, usize length) const override {
        return m_buffer.copy_out(offset, source, length);
    }

private:
    IoBuffer m_buffer;
};

// struct stat as the x86-64 kernel ABI has it.
struct Stat {
    u64 st_dev, st_ino, st_nlink;
    u32 st_mode, st_uid, st_gid, pad0;
    u64 st_rdev;
    i64 st_size, st_blksize, st_blocks;
    u64 st_atime_sec, st_atime_nsec, st_mtime_sec, st_mtime_nsec, st_ctime_sec, st_ctime_nsec;
    i64 reserved[3];
};
static_assert(sizeof(Stat) == 144);

constexpr u32 S_IFMT = 0170000, S_IFSOCK = 0140000, S_IFLNK = 0120000, S_IFREG = 0100000, S_IFBLK = 0060000,
              S_IFDIR = 0040000, S_IFCHR = 0020000, S_IFIFO = 0010000;

// Told when a file's readiness may have changed (epoll, poll, select register these).
struct PollObserver {
    ListNode node;
    void (*notify)(PollObserver& observer, u32 events) = nullptr;
    // The file is going away (its last reference closed): forget it. May be null.
    void (*closing)(PollObserver& observer) = nullptr;
    void* context = nullptr;
};

class File : public RefCounted {
public:
    virtual const char* kind() const = 0;  // "console", "pipe", ... (for /proc and traces)

    virtual Result<usize> read(const IoBuffer& buffer);
    virtual Result<usize> write(const IoBuffer& buffer);
    virtual Result<u64> ioctl(u32 request, u64 argument);
    // The events that hold now (POLLIN when a read would not block, ...).
    virtual u32 poll_events() { return 0; }
    // fstat(2). The default describes an anonymous inode (eventfd, epoll), as Linux does.
    virtual Result<void> stat(Stat& out);
    // fsync(2): what was written through the file is on stable storage when this returns.
    // Memory-backed files have nothing to write back; a disk (/dev/vda) flushes.
    virtual Result<void> sync() { return {}; }

    // The inode-backed file this is, if any (regular files, directories, devices, /proc).
    virtual InodeFile* inode_file() { return nullptr; }
    // For a file without an inode of its own: what a path walk through a magic link to it
    // (/proc/self/fd/N, /dev/stdin) reaches, whose open(2) is a new open file. Null when
    // there is none (eventfd, epoll: ENOENT where Linux says ENXIO).
    virtual RefPtr<Inode> reopen_target();
    // The socket this is, if any (send, recv, shutdown, getsockopt reach it here).
    virtual net::Socket* socket() { return nullptr; }

    u32 status_flags() const { return m_status_flags; }
    void set_status_flags(u32 flags) { m_status_flags = flags; }
    bool nonblocking() const { return m_status_flags & O_NONBLOCK; }

    void add_observer(PollObserver& observer);
    void remove_observer(PollObserver& observer);
    // For the objects behind a file (a pipe's ring) to tell its watchers.
    void wake_watchers(u32 events) { notify_observers(events); }

protected:
    explicit File(u32 status_flags) : m_status_flags(status_flags) {}
    ~File() override;
    // Subclasses call this whenever readiness may have changed.
    void notify_observers(u32 events);
    // Called after an observer was added (+1) or removed (-1), outside the observer lock,
    // possibly with interrupts disabled: for files whose readiness must be polled for
    // (the console's stdin) while anyone waits on them.
    virtual void observers_changed(int delta) { (void)delta; }

private:
    u32 m_status_flags;
    IrqSpinLock m_observers_lock{"poll observers"};
    IntrusiveList<PollObserver, &PollObserver::node> m_observers;  // guarded by m_observers_lock
    objects::Counted<objects::Kind::File> m_counted;
};

}  // namespace fs
