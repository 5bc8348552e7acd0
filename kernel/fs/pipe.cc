#include "fs/pipe.h"

#include "fs/pipe_ring.h"

#include <new>

#include "mm/user_memory.h"
#include "mm/heap.h"
#include "sync/mutex.h"
#include "sync/wait_queue.h"

namespace fs {

namespace {

class PipeEnd final : public File {
public:
    PipeEnd(Pipe* pipe, bool reader, u32 flags) : File((reader ? O_RDONLY : O_WRONLY) | flags), m_pipe(pipe), m_reader(reader) {}
    ~PipeEnd() override {
        m_pipe->close_end(m_reader);
        m_pipe->unref();
    }
    const char* kind() const override { return "pipe"; }
    Result<usize> read(const IoBuffer& buffer) override {
        if (!m_reader) return Error(EBADF);
        return m_pipe->read(IoBufferBytes(buffer), buffer.length, nonblocking());
    }
    Result<usize> write(const IoBuffer& buffer) override {
        if (m_reader) return Error(EBADF);
        return m_pipe->write(IoBufferBytes(buffer), buffer.length, nonblocking());
    }
    u32 poll_events() override { return m_reader ? m_pipe->read_events() : m_pipe->write_events(); }
    Result<u64> ioctl(u32 request, u64 argument) override {
        constexpr u32 FIONREAD = 0x541b;
        if (request != FIONREAD) return Error(ENOTTY);
        int available = static_cast<int>(m_pipe->available());
        TRY(UserPtr<int>(argument).write(available));
        return 0;
    }
    Result<void> stat(Stat& out) override {
        out = {};
        out.st_dev = 13;  // pipefs
        out.st_ino = reinterpret_cast<u64>(m_pipe) >> 4;
        out.st_nlink = 1;
        out.st_mode = S_IFIFO | 0600;
        out.st_blksize = 4096;
        return {};
    }
private:
    Pipe* m_pipe;
    bool m_reader;
};

}  // namespace

// Tells watchers of the end(s) whose readiness an event changed: data written wakes the
// read end, space freed the write end (so an edge-triggered reader is not told again
// when it only consumed data), a close both.
void Pipe::notify(bool reader_side, bool writer_side) {
    u32 read_now = read_events(), write_now = write_events();
    // Under the lock: an end being closed clears its pointer under it, so a notified end
    // is never one being destroyed.
    m_changed.locked([&] {
        if (reader_side && m_read_end) m_read_end->wake_watchers(read_now);
        if (writer_side && m_write_end) m_write_end->wake_watchers(write_now);
    });
}

void Pipe::close_end(bool reader) {
    m_changed.locked([&] {
        if (reader) {
            m_readers--;
            m_read_end = nullptr;
        } else {
            m_writers--;
            m_write_end = nullptr;
        }
    });
    m_changed.wake_all();
    notify(true, true);
}

Result<usize> Pipe::read(const net::ByteSink& sink, usize length, bool nonblocking) {
    if (length == 0) return 0;
    MutexLocker serialized(m_read_lock);
    usize done = 0;
    Result<void> status;
    for (;;) {
        if (!nonblocking) TRY(m_changed.wait_interruptible([&] { return m_used > 0 || m_writers == 0; }));
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
    MutexLocker serialized(m_write_lock);
    usize done = 0;
    while (done < length) {
        usize want = length - done;
        // A write of at most PIPE_BUF bytes goes in whole or waits until it can.
        usize need = want <= Pipe::kAtomicWrite ? want : 1;
        if (!nonblocking) {
            auto waited = m_changed.wait_interruptible([&] { return Pipe::kCapacity - m_used >= need || m_readers == 0; });
            if (waited.is_error()) return done ? Result<usize>(done) : Result<usize>(Error(waited.error()));
        }
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
    pipe->ref();  // one reference per end
    auto* reader = new (std::nothrow) PipeEnd(pipe, true, flags & O_NONBLOCK);
    auto* writer = new (std::nothrow) PipeEnd(pipe, false, flags & O_NONBLOCK);
    if (!reader || !writer) {
        delete reader;
        delete writer;
        return Error(ENFILE);
    }
    pipe->set_ends(reader, writer);
    return PipeEnds{RefPtr<File>::adopt(reader), RefPtr<File>::adopt(writer)};
}

}  // namespace fs
