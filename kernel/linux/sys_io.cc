// Descriptors: read/write (and the vectored forms), ioctl, close, fcntl, dup, pipes,
// eventfds. Every descriptor is a fs::File.
#include "fs/eventfd.h"
#include "fs/fd_table.h"
#include "net/socket.h"
#include "fs/inode_file.h"
#include "fs/locks.h"
#include "fs/pipe.h"
#include "linux/abi_types.h"
#include "linux/descriptors.h"
#include "proc/process.h"
#include "linux/signals.h"
#include "linux/syscall_adapter.h"

namespace linux_abi {

using proc::Process;

namespace {




Result<usize> vectored(int fd, UserPtr<IoVec> iov, u64 count, bool write) {
    auto file = TRY(fds().get(fd));
    if (write ? !writable(*file) : !readable(*file)) return Error(EBADF);
    if (count > kIovMax) return Error(EINVAL);
    // The vectors are read in small batches: a kernel stack has no room for 1024 of them.
    constexpr u64 kBatch = 32;
    IoVec vectors[kBatch];
    u64 total = 0;
    for (u64 i = 0; i < count; i += kBatch) {
        u64 n = count - i < kBatch ? count - i : kBatch;
        TRY(iov.offset(i).read_array(vectors, n));
        for (u64 j = 0; j < n; j++) {
            if (vectors[j].length > kMaxIo || total + vectors[j].length > kMaxIo) return Error(EINVAL);
            total += vectors[j].length;
        }
    }
    u64 done = 0;
    for (u64 i = 0; i < count; i += kBatch) {
        u64 n = count - i < kBatch ? count - i : kBatch;
        TRY(iov.offset(i).read_array(vectors, n));
        for (u64 j = 0; j < n; j++) {
            if (vectors[j].length == 0) continue;
            auto buffer = fs::IoBuffer::from_user(vectors[j].base, vectors[j].length);
            auto moved = write ? file->write(buffer) : file->read(buffer);
            if (moved.is_error()) return done ? Result<usize>(done) : Result<usize>(Error(moved.error()));
            done += moved.value();
            if (moved.value() < vectors[j].length) return done;  // a short transfer ends it, as on Linux
        }
    }
    return done;
}

constexpr int F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_GETLK = 5, F_SETLK = 6,
              F_SETLKW = 7, F_OFD_GETLK = 36, F_OFD_SETLK = 37, F_OFD_SETLKW = 38, F_DUPFD_CLOEXEC = 1030,
              F_GETPIPE_SZ = 1032, F_SETPIPE_SZ = 1031;
constexpr u32 FD_CLOEXEC = 1;

struct Flock {
    i16 l_type, l_whence;
    i64 l_start, l_len;
    i32 l_pid;
    i32 pad;
};
constexpr i16 F_RDLCK = 0, F_WRLCK = 1, F_UNLCK = 2;

// Record locks. POSIX locks (F_SETLK...) belong to the process, that is to its descriptor
// table; OFD locks (F_OFD_*) to the open file. Both live in one space in fs/locks, so a
// POSIX lock and an OFD lock on another open file conflict even within one process.
Result<u64> record_lock(fs::File& file, int command, UserPtr<Flock> user_flock) {
    Flock request = TRY(user_flock.read());
    auto* inode_file = fs::as_inode_file(file);
    if (!inode_file) return Error(EBADF);
    if (request.l_type != F_RDLCK && request.l_type != F_WRLCK && request.l_type != F_UNLCK) return Error(EINVAL);
    bool query = command == F_GETLK || command == F_OFD_GETLK;
    // F_UNLCK asks F_OFD_GETLK for the open file's own lock on the range (Linux 6.10).
    if (command == F_GETLK && request.l_type == F_UNLCK) return Error(EINVAL);
    u32 access = file.status_flags() & fs::O_ACCMODE;
    if (!query) {
        if (request.l_type == F_RDLCK && access == fs::O_WRONLY) return Error(EBADF);
        if (request.l_type == F_WRLCK && access == fs::O_RDONLY) return Error(EBADF);
    }
    i64 base = 0;
    if (request.l_whence == 1) base = static_cast<i64>(inode_file->m_offset);
    else if (request.l_whence == 2) base = static_cast<i64>(inode_file->inode().size());
    else if (request.l_whence != 0) return Error(EINVAL);
    i64 start = base + request.l_start;
    i64 end = request.l_len == 0 ? -1 : start + request.l_len;
    if (request.l_len < 0) {
        end = start;
        start += request.l_len;
    }
    if (start < 0) return Error(EINVAL);
    u64 range_end = end < 0 ? ~0ull : static_cast<u64>(end);
    bool ofd = command >= F_OFD_GETLK;
    if (ofd && request.l_pid != 0) return Error(EINVAL);  // OFD requests must say pid 0
    const void* owner = ofd ? static_cast<const void*>(&file) : static_cast<const void*>(&fds());
    fs::LockRequest wanted{fs::LockSpace::Record, request.l_type == F_WRLCK, static_cast<u64>(start), range_end,
                           ofd ? -1 : Process::current().pid()};
    fs::Inode& inode = inode_file->inode();
    if (query) {
        fs::LockRequest conflict;
        bool found = request.l_type == F_UNLCK
                         ? fs::find_own(inode, owner, fs::LockSpace::Record, wanted.start, wanted.end, conflict)
                         : fs::find_conflict(inode, owner, wanted, conflict);
        if (found) {
            request.l_type = conflict.write ? F_WRLCK : F_RDLCK;
            request.l_whence = 0;
            request.l_start = static_cast<i64>(conflict.start);
            request.l_len = conflict.end == ~0ull ? 0 : static_cast<i64>(conflict.end - conflict.start);
            request.l_pid = conflict.pid;
        } else {
            request.l_type = F_UNLCK;
        }
        TRY(user_flock.write(request));
        return 0;
    }
    if (request.l_type == F_UNLCK) {
        TRY(fs::unlock(inode, owner, fs::LockSpace::Record, wanted.start, wanted.end));
        return 0;
    }
    TRY(fs::lock(inode, owner, wanted, command == F_SETLKW || command == F_OFD_SETLKW));
    return 0;
}

}  // namespace

Result<usize> sys_read(int fd, UserPtr<u8> buffer, usize length) {
    auto file = TRY(fds().get(fd));
    if (!readable(*file)) return Error(EBADF);
    if (length > kMaxIo) length = kMaxIo;
    return file->read(fs::IoBuffer::from_user(buffer.address(), length));
}

Result<usize> sys_write(int fd, UserPtr<const u8> buffer, usize length) {
    auto file = TRY(fds().get(fd));
    if (!writable(*file)) return Error(EBADF);
    if (length > kMaxIo) length = kMaxIo;
    return signals::sigpipe_on_epipe(file->write(fs::IoBuffer::from_user(buffer.address(), length)),
                                     net::epipe_raises_sigpipe(*file));
}

Result<usize> sys_readv(int fd, UserPtr<IoVec> iov, u64 count) { return vectored(fd, iov, count, false); }
Result<usize> sys_writev(int fd, UserPtr<IoVec> iov, u64 count) {
    auto result = vectored(fd, iov, count, true);
    if (result.is_error() && result.error() == EPIPE) {
        auto file = fds().get(fd);
        if (file.is_ok() && !net::epipe_raises_sigpipe(*file.value())) return result;
    }
    return signals::sigpipe_on_epipe(static_cast<Result<usize>&&>(result));
}

// The argument is a number or a pointer, as the request says.
Result<u64> sys_ioctl(int fd, u32 request, u64 argument) {
    constexpr u32 FIONBIO = 0x5421, FIOCLEX = 0x5451, FIONCLEX = 0x5450;
    auto file = TRY(fds().get(fd));
    if (request == FIOCLEX || request == FIONCLEX) {
        TRY(fds().set_cloexec(fd, request == FIOCLEX));
        return 0;
    }
    if (request == FIONBIO && std::string_view(file->kind()) != "console") {  // consoles handle it themselves
        int on = TRY(UserPtr<int>(argument).read());
        file->set_status_flags(on ? file->status_flags() | fs::O_NONBLOCK : file->status_flags() & ~fs::O_NONBLOCK);
        return 0;
    }
    constexpr u32 FIONREAD = 0x541b;
    if (request == FIONREAD) {
        if (auto* inode_file = fs::as_inode_file(*file); inode_file && !inode_file->inode().is_directory()) {
            u64 size = inode_file->inode().size();
            int available = static_cast<int>(size > inode_file->m_offset ? size - inode_file->m_offset : 0);
            TRY(UserPtr<int>(argument).write(available));
            return 0;
        }
    }
    return file->ioctl(request, argument);
}

Result<void> sys_close(int fd) { return fds().close(fd); }

// The argument is a number or a pointer, as the command says.
Result<u64> sys_fcntl(int fd, int command, u64 argument) {
    auto file = TRY(fds().get(fd));
    switch (command) {
        case F_DUPFD:
        case F_DUPFD_CLOEXEC: {
            i64 minimum = static_cast<i32>(argument);
            if (minimum < 0 || minimum >= fds().limit()) return Error(EINVAL);
            return static_cast<u64>(TRY(fds().allocate(file, command == F_DUPFD_CLOEXEC, static_cast<int>(minimum))));
        }
        case F_GETFD: return TRY(fds().cloexec(fd)) ? FD_CLOEXEC : 0;
        case F_SETFD: TRY(fds().set_cloexec(fd, argument & FD_CLOEXEC)); return 0;
        case F_GETFL: return file->status_flags();
        case F_SETFL: {
            // Only these can change after open; the access mode and creation flags stay.
            constexpr u32 kChangeable = fs::O_APPEND | fs::O_NONBLOCK | fs::O_NOATIME | fs::O_DIRECT | 020000;
            u32 flags = (file->status_flags() & ~kChangeable) | (static_cast<u32>(argument) & kChangeable);
            file->set_status_flags(flags);
            return 0;
        }
        case F_GETLK:
        case F_SETLK:
        case F_SETLKW:
        case F_OFD_GETLK:
        case F_OFD_SETLK:
        case F_OFD_SETLKW:
            return record_lock(*file, command, UserPtr<Flock>(argument));
        case F_GETPIPE_SZ:
            if (std::string_view(file->kind()) != "pipe") return Error(EBADF);
            return 64 * KiB;
    }
    return Error(EINVAL);
}

Result<int> sys_dup(int fd) {
    auto file = TRY(fds().get(fd));
    return fds().allocate(file, false);
}

Result<int> sys_dup2(int old_fd, int new_fd) {
    auto file = TRY(fds().get(old_fd));
    if (old_fd == new_fd) return new_fd;
    TRY(fds().install_at(new_fd, file, false));
    return new_fd;
}

Result<int> sys_dup3(int old_fd, int new_fd, u32 flags) {
    if (flags & ~fs::O_CLOEXEC) return Error(EINVAL);
    if (old_fd == new_fd) return Error(EINVAL);
    auto file = TRY(fds().get(old_fd));
    TRY(fds().install_at(new_fd, file, flags & fs::O_CLOEXEC));
    return new_fd;
}

namespace {
Result<void> make_pipe(UserPtr<int> user_fds, u32 flags) {
    if (flags & ~(fs::O_CLOEXEC | fs::O_NONBLOCK | fs::O_DIRECT)) return Error(EINVAL);
    // Check the destination first, so a bad pointer leaks no descriptors.
    TRY(UserPtr<u64>(user_fds.address()).read());
    auto ends = TRY(fs::create_pipe(flags));
    bool cloexec = flags & fs::O_CLOEXEC;
    int read_fd = TRY(fds().allocate(ends.read, cloexec));
    auto write_fd = fds().allocate(ends.write, cloexec);
    if (write_fd.is_error()) {
        (void)fds().close(read_fd);
        return Error(write_fd.error());
    }
    int pair[2] = {read_fd, write_fd.value()};
    if (auto written = user_fds.write_array(pair, 2); written.is_error()) {
        (void)fds().close(pair[0]);
        (void)fds().close(pair[1]);
        return Error(EFAULT);
    }
    return {};
}
}  // namespace

Result<void> sys_fstat(int fd, UserPtr<fs::Stat> user_stat) {
    auto file = TRY(fds().get(fd));
    fs::Stat st;
    TRY(file->stat(st));
    return user_stat.write(st);
}

Result<void> sys_pipe(UserPtr<int> user_fds) { return make_pipe(user_fds, 0); }
Result<void> sys_pipe2(UserPtr<int> user_fds, u32 flags) { return make_pipe(user_fds, flags); }

Result<int> sys_eventfd(u32 initial) {
    auto file = TRY(fs::create_eventfd(initial, 0));
    return fds().allocate(file, false);
}

Result<int> sys_eventfd2(u32 initial, u32 flags) {
    auto file = TRY(fs::create_eventfd(initial, flags));
    return fds().allocate(file, flags & fs::EFD_CLOEXEC);
}

// posix_fadvise: advice about how a file will be read. Osprey's files live in memory, as
// tmpfs's do on Linux, where every piece of advice is accepted and changes nothing; the
// checks are Linux's (ESPIPE for pipes and sockets, EINVAL for unknown advice or a
// negative length).
Result<void> sys_fadvise64(int fd, i64 /*offset*/, i64 length, int advice) {
    constexpr int POSIX_FADV_NORMAL = 0, POSIX_FADV_NOREUSE = 5;
    auto file = TRY(fds().get(fd));
    if (length < 0) return Error(EINVAL);
    if (advice < POSIX_FADV_NORMAL || advice > POSIX_FADV_NOREUSE) return Error(EINVAL);
    auto* inode_file = fs::as_inode_file(*file);
    bool fifo = inode_file ? inode_file->inode().type() == fs::InodeType::Fifo : std::string_view(file->kind()) == "pipe";
    if (fifo || file->socket()) return Error(ESPIPE);
    return {};
}

OSPREY_CALLS(read, write, readv, writev, ioctl, close, fcntl, dup, dup2, dup3, pipe, pipe2, fstat, eventfd, eventfd2,
             fadvise64)

}  // namespace linux_abi
