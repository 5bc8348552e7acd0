// The ring behind a pipe (pipe.cc): 64 KiB, and its ends, each a File told when its
// readiness changes: one of each from pipe(2), more when the pipe is opened again through
// /proc/self/fd/N.
#pragma once

#include <new>

#include "fs/file.h"
#include "mm/heap.h"
#include "sync/mutex.h"
#include "sync/wait_queue.h"

namespace fs {

// One open end, linked into its pipe's list for readiness notifications.
struct PipeEndLink {
    File* file = nullptr;
    bool reader = false;
    PipeEndLink* next = nullptr;
};

// The shared part. `lock` guards the ring and the end counts; `changed` wakes readers and
// writers (they re-check under its lock what they wait for).
class Pipe : public RefCounted {
public:
    static constexpr usize kCapacity = 64 * KiB;  // Linux's default pipe size
    static constexpr usize kAtomicWrite = 4096;   // PIPE_BUF: writes up to this size are never split

    static Pipe* create() {
        auto* pipe = new (std::nothrow) Pipe;
        if (!pipe) return nullptr;
        auto buffer = heap::allocate(kCapacity, 16);
        if (buffer.is_error()) {
            pipe->unref();
            return nullptr;
        }
        pipe->m_data = static_cast<u8*>(buffer.value());
        return pipe;
    }
    ~Pipe() override { heap::free(m_data); }

    // Up to `length` bytes into `sink`; 0 at end-of-file.
    Result<usize> read(const net::ByteSink& sink, usize length, bool nonblocking);
    // A write with no reader left fails with EPIPE (the caller raises SIGPIPE).
    Result<usize> write(const net::ByteSource& source, usize length, bool nonblocking);
    usize available() { return m_changed.locked([&] { return m_used; }); }
    u32 read_events() {
        return m_changed.locked([&] {
            u32 events = 0;
            if (m_used) events |= POLLIN | POLLRDNORM;
            if (m_writers == 0) events |= POLLHUP;
            return events;
        });
    }
    u32 write_events() {
        return m_changed.locked([&] {
            u32 events = 0;
            if (kCapacity - m_used >= 1) events |= POLLOUT | POLLWRNORM;
            if (m_readers == 0) events |= POLLERR;
            return events;
        });
    }
    // An end counts as a reader or writer from attach_end to close_end.
    void attach_end(PipeEndLink& end);
    void close_end(PipeEndLink& end);
    bool has_readers() { return m_changed.locked([&] { return m_readers > 0; }); }
    // A FIFO's open: waits until the other side is open, or has been opened since the
    // call (a reader waits for a writer, a writer for a reader). EINTR/ERESTARTSYS.
    Result<void> wait_for_other_side(bool reader);

private:
    void notify(bool reader_side, bool writer_side);

    WaitQueue m_changed{"pipe"};
    // One reader and one writer at a time: each copies to or from the ring without the
    // spin lock held (a copy may fault in user pages), so two of a kind must not overlap.
    // Held only for the copy, never across a wait for data or room.
    Mutex m_read_lock{"pipe read"};
    Mutex m_write_lock{"pipe write"};
    u8* m_data = nullptr;
    usize m_head = 0;  // next byte to read
    usize m_used = 0;
    u32 m_readers = 0, m_writers = 0;
    u32 m_reader_opens = 0, m_writer_opens = 0;  // ever attached: a FIFO's open waits for a change
    PipeEndLink* m_ends = nullptr;  // the open ends, guarded by m_changed's lock
};


}  // namespace fs
