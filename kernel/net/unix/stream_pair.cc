#include "net/unix/stream_pair.h"

#include <atomic>
#include <new>

#include "fs/pipe_ring.h"
#include "linux/user_memory.h"

namespace net {

using fs::Pipe;
using fs::POLLERR, fs::POLLHUP, fs::POLLIN, fs::POLLOUT, fs::POLLRDHUP, fs::POLLRDNORM, fs::POLLWRNORM;

namespace {

// One end: it reads the ring its peer writes (m_in) and writes the one its peer reads
// (m_out). shutdown() closes its side of a ring early; the rings live as long as the end.
class StreamPairEnd final : public Socket {
public:
    StreamPairEnd(Pipe* in, Pipe* out, u32 flags) : Socket(AF_UNIX, SOCK_STREAM, 0, flags), m_in(in), m_out(out) {}
    ~StreamPairEnd() override {
        if (!m_read_shut.exchange(true)) m_in->close_end(true);
        if (!m_write_shut.exchange(true)) m_out->close_end(false);
        m_in->unref();
        m_out->unref();
    }

    Result<void> bind(const SocketAddress&) override { return Error(EINVAL); }  // already connected
    Result<void> connect(const SocketAddress&) override { return Error(EISCONN); }
    Result<void> local_address(SocketAddress& out) override { return unnamed(out); }
    Result<void> peer_address(SocketAddress& out) override { return unnamed(out); }

    Result<usize> send(Message& message) override {
        if (message.flags & MSG_OOB) return Error(EOPNOTSUPP);
        if (message.address) return Error(EISCONN);
        if (message.ancillary && (message.ancillary->file_count || message.ancillary->has_credentials))
            return Error(EOPNOTSUPP);
        if (m_write_shut.load()) return Error(EPIPE);
        return m_out->write(*message.source, message.length, !may_block(message.flags));
    }

    Result<usize> receive(Message& message) override {
        u32 flags = message.flags;
        if (flags & (MSG_OOB | MSG_PEEK)) return Error(EOPNOTSUPP);
        if (m_read_shut.load()) return 0;
        bool dont_wait = !may_block(flags);
        if (!(flags & MSG_WAITALL) || dont_wait) return m_in->read(*message.sink, message.length, dont_wait);
        // MSG_WAITALL: until the buffer is full, the peer stops writing, or a signal.
        usize done = 0;
        while (done < message.length) {
            OffsetSink rest(*message.sink, done);
            auto got = m_in->read(rest, message.length - done, false);
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

protected:
    Result<u64> family_ioctl(u32 request, u64 argument) override {
        constexpr u32 FIONREAD = 0x541b;
        if (request != FIONREAD) return Error(ENOTTY);
        TRY(UserPtr<int>(argument).write(static_cast<int>(m_in->available())));
        return 0;
    }

private:
    // A sink that writes at an offset into another.
    class OffsetSink final : public ByteSink {
    public:
        OffsetSink(const ByteSink& sink, usize base) : m_sink(sink), m_base(base) {}
        Result<void> copy_out(usize offset, const u8* source, usize length) const override {
            return m_sink.copy_out(m_base + offset, source, length);
        }

    private:
        const ByteSink& m_sink;
        usize m_base;
    };

    // A pair's ends have no names: just the family, as Linux reports them.
    static Result<void> unnamed(SocketAddress& out) {
        out = {};
        out.bytes[0] = AF_UNIX;
        out.length = 2;
        return {};
    }

    Pipe* m_in;
    Pipe* m_out;
    std::atomic<bool> m_read_shut{false};
    std::atomic<bool> m_write_shut{false};
};

}  // namespace

Result<void> create_stream_socket_pair(u32 flags, RefPtr<Socket>& first_out, RefPtr<Socket>& second_out) {
    Pipe* forward = Pipe::create();   // first -> second
    Pipe* backward = Pipe::create();  // second -> first
    if (!forward || !backward) {
        if (forward) forward->unref();
        if (backward) backward->unref();
        return Error(ENFILE);
    }
    // Each ring is used by both ends: the first end takes the creator's references.
    auto* first = new (std::nothrow) StreamPairEnd(backward, forward, flags & fs::O_NONBLOCK);
    if (!first) {
        forward->unref();
        backward->unref();
        return Error(ENFILE);
    }
    forward->ref();
    backward->ref();
    auto* second = new (std::nothrow) StreamPairEnd(forward, backward, flags & fs::O_NONBLOCK);
    if (!second) {
        forward->unref();
        backward->unref();
        first->unref();  // closes its ends of both rings and drops the last references
        return Error(ENFILE);
    }
    forward->set_ends(second, first);
    backward->set_ends(first, second);
    first_out = RefPtr<Socket>::adopt(first);
    second_out = RefPtr<Socket>::adopt(second);
    return {};
}

}  // namespace net
