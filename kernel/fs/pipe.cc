#include "fs/pipe.h"

#include "fs/pipe_ring.h"

#include "fs/inode.h"

#include <new>

#include "mm/user_memory.h"
#include "mm/heap.h"
#include "sync/mutex.h"
#include "sync/wait_queue.h"

namespace fs {

namespace {

constexpr u64 kPipefsDevice = 13;

u64 pipe_ino(const Pipe* pipe) { return reinterpret_cast<u64>(pipe) >> 4; }

// The file system pipes' inodes belong to (statfs of /proc/self/fd/N of a pipe).
class PipeFilesystem final : public Filesystem {
public:
    PipeFilesystem() : Filesystem(kPipefsDevice) {}
    const char* name() const override { return "pipefs"; }
    u64 magic() const override { return 0x50495045; }  // PIPEFS_MAGIC
    RefPtr<Inode> root() override { return nullptr; }
};
PipeFilesystem g_pipefs;

void forget_fifo_open(Inode& inode);

// An open end of a pipe: its read side, its write side, or both (a FIFO or a pipe's
// /proc/self/fd/N opened O_RDWR). A FIFO's end keeps the FIFO's inode, which fstat
// reports, as Linux does.
class PipeEnd final : public File {
public:
    PipeEnd(Pipe* pipe, u32 access, u32 flags, RefPtr<Inode> named = nullptr)
        : File(access | flags), m_pipe(pipe), m_named(static_cast<RefPtr<Inode>&&>(named)) {
        m_pipe->ref();
        m_read_link.file = m_write_link.file = this;
        m_read_link.reader = true;
        if (access != O_WRONLY) m_pipe->attach_end(m_read_link);
        if (access != O_RDONLY) m_pipe->attach_end(m_write_link);
    }
    ~PipeEnd() override {
        if (reads()) m_pipe->close_end(m_read_link);
        if (writes()) m_pipe->close_end(m_write_link);
        if (m_named) forget_fifo_open(*m_named);
        m_pipe->unref();
    }
    const char* kind() const override { return "pipe"; }
    Result<usize> read(const IoBuffer& buffer) override {
        if (!reads()) return Error(EBADF);
        return m_pipe->read(IoBufferBytes(buffer), buffer.length, nonblocking());
    }
    Result<usize> write(const IoBuffer& buffer) override {
        if (!writes()) return Error(EBADF);
        return m_pipe->write(IoBufferBytes(buffer), buffer.length, nonblocking());
    }
    u32 poll_events() override {
        return (reads() ? m_pipe->read_events() : 0) | (writes() ? m_pipe->write_events() : 0);
    }
    Result<u64> ioctl(u32 request, u64 argument) override {
        constexpr u32 FIONREAD = 0x541b;
        if (request != FIONREAD) return Error(ENOTTY);
        int available = static_cast<int>(m_pipe->available());
        TRY(UserPtr<int>(argument).write(available));
        return 0;
    }
    Result<void> stat(Stat& out) override {
        if (m_named) return m_named->stat(out);
        out = {};
        out.st_dev = kPipefsDevice;
        out.st_ino = pipe_ino(m_pipe);
        out.st_nlink = 1;
        out.st_mode = S_IFIFO | 0600;
        out.st_blksize = 4096;
        return {};
    }
    RefPtr<Inode> reopen_target() override;

private:
    u32 access() const { return status_flags() & O_ACCMODE; }
    bool reads() const { return access() != O_WRONLY; }
    bool writes() const { return access() != O_RDONLY; }

    Pipe* m_pipe;
    RefPtr<Inode> m_named;  // the FIFO opened, or null for pipe(2)'s ends
    PipeEndLink m_read_link, m_write_link;
};

// What /proc/self/fd/N of a pipe end leads to, as Linux's pipefs inode: open(2) of it is a
// new open file of the same pipe, its read end, its write end or both as the access mode
// asks.
class PipeInode final : public Inode {
public:
    explicit PipeInode(Pipe* pipe) : Inode(g_pipefs, InodeType::Fifo, pipe_ino(pipe)), m_pipe(pipe) {
        m_pipe->ref();
        m_permissions = 0600;
    }
    ~PipeInode() override { m_pipe->unref(); }
    Result<RefPtr<File>> open(u32 flags) override {
        auto* end = new (std::nothrow) PipeEnd(m_pipe, flags & O_ACCMODE, flags & O_NONBLOCK);
        if (!end) return Error(ENFILE);
        return RefPtr<File>::adopt(end);
    }

private:
    Pipe* m_pipe;
};

RefPtr<Inode> PipeEnd::reopen_target() {
    if (m_named) return m_named;
    auto* inode = new (std::nothrow) PipeInode(m_pipe);
    return inode ? RefPtr<Inode>::adopt(inode) : nullptr;
}

// The pipes of the FIFOs open now, one per FIFO inode: made by the first open, dropped
// when its last end closes (what was left in it goes with it, as on Linux).
struct OpenFifo {
    Inode* inode;
    Pipe* pipe;  // holds a reference
    u32 ends;    // PipeEnds open on it
    OpenFifo* next;
};
Mutex g_fifos_lock{"fifo table"};
OpenFifo* g_fifos = nullptr;  // guarded by g_fifos_lock

void forget_fifo_open(Inode& inode) {
    Pipe* dropped = nullptr;
    {
        MutexLocker lock(g_fifos_lock);
        for (OpenFifo** at = &g_fifos; *at; at = &(*at)->next) {
            OpenFifo* fifo = *at;
            if (fifo->inode != &inode) continue;
            if (--fifo->ends == 0) {
                *at = fifo->next;
                dropped = fifo->pipe;
                delete fifo;
            }
            break;
        }
    }
    if (dropped) dropped->unref();
}

}  // namespace

// Tells watchers of the end(s) whose readiness an event changed: data written wakes the
// read end, space freed the write end (so an edge-triggered reader is not told again
// when it only consumed data), a close both.
void Pipe::notify(bool reader_side, bool writer_side) {
    u32 read_now = read_events(), write_now = write_events();
    // Under the lock: an end being closed unlinks itself under it, so a notified end is
    // never one being destroyed.
    m_changed.locked([&] {
        for (PipeEndLink* end = m_ends; end; end = end->next)
            if (end->reader ? reader_side : writer_side) end->file->wake_watchers(end->reader ? read_now : write_now);
    });
}

void Pipe::attach_end(PipeEndLink& end) {
    m_changed.locked([&] {
        (end.reader ? m_readers : m_writers)++;
        (end.reader ? m_reader_opens : m_writer_opens)++;
        end.next = m_ends;
        m_ends = &end;
    });
    m_changed.wake_all();  // a FIFO's open waiting for this side
    // A new reader or writer ends a POLLHUP or POLLERR the other side saw.
    notify(true, true);
}

void Pipe::close_end(PipeEndLink& end) {
    m_changed.locked([&] {
        (end.reader ? m_readers : m_writers)--;
        for (PipeEndLink** at = &m_ends; *at; at = &(*at)->next)
            if (*at == &end) {
                *at = end.next;
                break;
            }
    });
    m_changed.wake_all();
    notify(true, true);
}

Result<usize> Pipe::read(const net::ByteSink& sink, usize length, bool nonblocking) {
    if (length == 0) return 0;
    usize done = 0;
    Result<void> status;
    for (;;) {
        // The wait is outside the read lock, as on Linux: a reader waiting for data must
        // not keep another reader of the pipe waiting for the lock, where no signal but
        // SIGKILL reaches it (docs/fuzzing.md).
        if (!nonblocking) TRY(m_changed.wait_interruptible([&] { return m_used > 0 || m_writers == 0; }));
        MutexLocker serialized(m_read_lock);
        // Copy out without holding the spin lock (the copy may fault in user pages):
        // take a snapshot of a contiguous run, copy, then consume it.
        usize head, run;
        bool eof;
        m_changed.locked([&] {
            head = m_head;
            run = m_used < Pipe::kCapacity - m_head ? m_used : Pipe::kCapacity - m_head;
            eof = m_writers == 0;
        });
        if (run == 0) {
            if (eof) return 0;
            if (nonblocking) return Error(EAGAIN);
            continue;
        }
        usize n = run < length - done ? run : length - done;
        // Single reader at a time is the common case; concurrent readers may interleave
        // whole runs, as on Linux they may interleave at any point.
        status = sink.copy_out(done, m_data + head, n);
        if (status.is_error()) return done ? Result<usize>(done) : Result<usize>(Error(status.error()));
        m_changed.locked([&] {
            m_head = (m_head + n) % Pipe::kCapacity;
            m_used -= n;
        });
        done += n;
        break;
    }
    m_changed.wake_all();
    notify(false, true);
    return done;
}

Result<usize> Pipe::write(const net::ByteSource& source, usize length, bool nonblocking) {
    if (length == 0) return 0;
    usize done = 0;
    while (done < length) {
        usize want = length - done;
        // A write of at most PIPE_BUF bytes goes in whole or waits until it can.
        usize need = want <= Pipe::kAtomicWrite ? want : 1;
        // As for reads, the wait is outside the write lock; a longer write may then
        // interleave with others between its pieces, as on Linux.
        if (!nonblocking) {
            auto waited = m_changed.wait_interruptible([&] { return Pipe::kCapacity - m_used >= need || m_readers == 0; });
            if (waited.is_error()) return done ? Result<usize>(done) : Result<usize>(Error(waited.error()));
        }
        MutexLocker serialized(m_write_lock);
        usize tail, free;
        bool broken;
        m_changed.locked([&] {
            broken = m_readers == 0;
            tail = (m_head + m_used) % Pipe::kCapacity;
            free = Pipe::kCapacity - m_used;
        });
        // EPIPE: the system-call layer sends the SIGPIPE that goes with it.
        if (broken) return done ? Result<usize>(done) : Result<usize>(Error(EPIPE));
        if (free < need || free == 0) {
            if (nonblocking) return done ? Result<usize>(done) : Result<usize>(Error(EAGAIN));
            continue;
        }
        // Up to two pieces: to the end of the ring, then from its start. Only this writer
        // adds data, so the free space cannot shrink meanwhile.
        usize n = want < free ? want : free;
        usize first = n < Pipe::kCapacity - tail ? n : Pipe::kCapacity - tail;
        auto copied = source.copy_in(done, m_data + tail, first);
        if (copied.is_ok() && n > first) copied = source.copy_in(done + first, m_data, n - first);
        if (copied.is_error()) return done ? Result<usize>(done) : Result<usize>(Error(copied.error()));
        m_changed.locked([&] { m_used += n; });
        done += n;
        m_changed.wake_all();
        notify(true, false);
    }
    return done;
}

Result<PipeEnds> create_pipe(u32 flags) {
    Pipe* pipe = Pipe::create();
    if (!pipe) return Error(ENFILE);
    // Each end holds a reference; this one goes when they have theirs.
    auto* reader = new (std::nothrow) PipeEnd(pipe, O_RDONLY, flags & O_NONBLOCK);
    auto* writer = new (std::nothrow) PipeEnd(pipe, O_WRONLY, flags & O_NONBLOCK);
    pipe->unref();
    if (!reader || !writer) {
        delete reader;
        delete writer;
        return Error(ENFILE);
    }
    return PipeEnds{RefPtr<File>::adopt(reader), RefPtr<File>::adopt(writer)};
}

Result<void> Pipe::wait_for_other_side(bool reader) {
    u32 seen = m_changed.locked([&] { return reader ? m_writer_opens : m_reader_opens; });
    // An open of the other side since we looked counts even if it closed again at once.
    return m_changed.wait_interruptible([&] {
        return reader ? m_writers > 0 || m_writer_opens != seen : m_readers > 0 || m_reader_opens != seen;
    });
}

Result<RefPtr<File>> open_fifo(Inode& inode, u32 flags) {
    u32 access = flags & O_ACCMODE;
    bool nonblocking = flags & O_NONBLOCK;
    RefPtr<File> file;
    Pipe* pipe = nullptr;
    {
        MutexLocker lock(g_fifos_lock);
        OpenFifo* fifo = g_fifos;
        while (fifo && fifo->inode != &inode) fifo = fifo->next;
        // A writer that would not wait needs a reader there already.
        bool has_reader = fifo && fifo->pipe->has_readers();
        if (access == O_WRONLY && nonblocking && !has_reader) return Error(ENXIO);
        if (!fifo) {
            fifo = new (std::nothrow) OpenFifo{&inode, Pipe::create(), 0, g_fifos};
            if (!fifo || !fifo->pipe) {
                delete fifo;
                return Error(ENFILE);
            }
            g_fifos = fifo;
        }
        auto* end = new (std::nothrow) PipeEnd(fifo->pipe, access, flags & O_NONBLOCK, RefPtr<Inode>(&inode));
        if (!end) {
            if (fifo->ends == 0) {
                g_fifos = fifo->next;  // just made: still first
                fifo->pipe->unref();
                delete fifo;
            }
            return Error(ENFILE);
        }
        fifo->ends++;
        file = RefPtr<File>::adopt(end);
        pipe = fifo->pipe;
    }
    // Linux's rendezvous: a reader waits for a writer and a writer for a reader, unless
    // it asked not to wait or opened both sides. A signal ends the wait (the end closes).
    if (access != O_RDWR && !nonblocking) TRY(pipe->wait_for_other_side(access == O_RDONLY));
    return file;
}

}  // namespace fs
