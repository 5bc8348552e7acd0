#include "fs/socket_pair.h"

#include <atomic>
#include <new>

#include "fs/pipe_ring.h"
#include "fs/socket.h"
#include "linux/user_memory.h"

namespace fs {

namespace {

// One end: it reads the ring its peer writes (m_in) and writes the one its peer reads
// (m_out). shutdown() closes its side of a ring early; the rings live as long as the end.
class StreamPairEnd final : public Socket {
public:
    StreamPairEnd(Pipe* in, Pipe* out, u32 flags) : Socket(O_RDWR | flags), m_in(in), m_out(out) {}
    ~StreamPairEnd() override {
        if (!m_read_shut.exchange(true)) m_in->close_end(true);
        if (!m_write_shut.exchange(true)) m_out->close_end(false);
        m_in->unref();
        m_out->unref();
    }

    Result<usize> send(const IoBuffer& buffer, u32 flags) override {
        if (flags & MSG_OOB) return Error(EOPNOTSUPP);
        bool signal = !(flags & MSG_NOSIGNAL);
        if (m_write_shut.load()) return m_out->write(buffer, true, signal);  // no reader: EPIPE
        return m_out->write(buffer, nonblocking() || (flags & MSG_DONTWAIT), signal);
    }

    Result<usize> receive(const IoBuffer& buffer, u32 flags) override {
        if (flags & (MSG_OOB | MSG_PEEK)) return Error(EOPNOTSUPP);
        if (m_read_shut.load()) return 0;
        bool dont_wait = nonblocking() || (flags & MSG_DONTWAIT);
        if (!(flags & MSG_WAITALL) || dont_wait) return m_in->read(buffer, dont_wait);
        // MSG_WAITALL: until the buffer is full, the peer stops writing, or a signal.
        usize done = 0;
        while (done < buffer.length) {
            IoBuffer rest{buffer.address + done, buffer.length - done, buffer.user};
            auto got = m_in->read(rest, false);
            if (got.is_error()) return done ? Result<usize>(done) : got;
            if (got.value() == 0) break;
            done += got.value();
        }
        return done;
    }

    Result<void> shutdown(int how) override {
        if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR) return Error(EINVAL);
        if (how != SHUT_WR && !m_read_shut.exchange(true)) m_in->close_end(true);
        if (how != SHUT_RD && !m_write_shut.exchange(true)) m_out->close_end(false);
        wake_watchers(poll_events());
        return {};
    }

    Result<int> option(int level, int name) override {
        if (level != SOL_SOCKET) return Error(ENOPROTOOPT);
        switch (name) {
            case SO_TYPE: return SOCK_STREAM;
            case SO_DOMAIN: return AF_UNIX;
            case SO_PROTOCOL: return 0;
            case SO_ERROR: return 0;
            case SO_ACCEPTCONN: return 0;
            default: return Error(ENOPROTOOPT);
        }
    }

    // A unix stream socket: readable with data or once the peer stopped writing (then
    // also POLLRDHUP); POLLHUP when neither direction is left.
    u32 poll_events() override {
        u32 in = m_read_shut.load() ? POLLHUP : m_in->read_events();
        u32 out = m_write_shut.load() ? POLLERR : m_out->write_events();
        u32 events = in & (POLLIN | POLLRDNORM);
        bool peer_done = in & POLLHUP;
        if (peer_done) events |= POLLIN | POLLRDNORM | POLLRDHUP;
        if (!(out & POLLERR)) events |= out & (POLLOUT | POLLWRNORM);
        if (peer_done && (out & POLLERR)) events |= POLLHUP;
        return events;
    }

    Result<u64> ioctl(u32 request, u64 argument) override {
        constexpr u32 FIONREAD = 0x541b;
        if (request != FIONREAD) return Error(ENOTTY);
        TRY(UserPtr<int>(argument).write(static_cast<int>(m_in->available())));
        return 0;
    }

    Result<void> stat(Stat& out) override {
        out = {};
        out.st_dev = 8;  // sockfs
        out.st_ino = reinterpret_cast<u64>(this) >> 4;
        out.st_nlink = 1;
        out.st_mode = S_IFSOCK | 0777;
        out.st_blksize = 4096;
        return {};
    }

private:
    Pipe* m_in;
    Pipe* m_out;
    std::atomic<bool> m_read_shut{false};
    std::atomic<bool> m_write_shut{false};
};

}  // namespace

Result<SocketPair> create_stream_socket_pair(u32 flags) {
    Pipe* forward = Pipe::create();   // first -> second
    Pipe* backward = Pipe::create();  // second -> first
    if (!forward || !backward) {
        if (forward) forward->unref();
        if (backward) backward->unref();
        return Error(ENFILE);
    }
    // Each ring is used by both ends: the first end takes the creator's references.
    auto* first = new (std::nothrow) StreamPairEnd(backward, forward, flags & O_NONBLOCK);
    if (!first) {
        forward->unref();
        backward->unref();
        return Error(ENFILE);
    }
    forward->ref();
    backward->ref();
    auto* second = new (std::nothrow) StreamPairEnd(forward, backward, flags & O_NONBLOCK);
    if (!second) {
        forward->unref();
        backward->unref();
        first->unref();  // closes its ends of both rings and drops the last references
        return Error(ENFILE);
    }
    forward->set_ends(second, first);
    backward->set_ends(first, second);
    return SocketPair{RefPtr<File>::adopt(first), RefPtr<File>::adopt(second)};
}

}  // namespace fs
