// Datagrams (SOCK_DGRAM) and seqpacket records (SOCK_SEQPACKET, connected, sent and
// received the same way). A datagram socket's queue is bounded twice, as on Linux: each
// sender by its SO_SNDBUF (what it has queued anywhere), and each receiver by a queue of
// kMaxDatagramQueue datagrams — except from the socket it is itself connected to.
// connect() sets the default destination and filters: a socket connected elsewhere
// refuses other senders with EPERM.
#include "net/unix/table.h"
#include "net/unix/transfer.h"
#include "net/unix/unix_socket.h"

namespace net::af_unix {

namespace {

// What one try at queueing found, under the receiver's lock.
enum class Outcome : u8 { Queued, Refused, PeerGone, Closed, Full };

}  // namespace

Result<usize> UnixSocket::datagram_send(Message& message) {
    Endpoint& e = *m_endpoint;
    bool seqpacket = type() == SOCK_SEQPACKET;
    if (seqpacket) {
        int error = e.locked([&] { return std::exchange(e.error, 0); });
        if (error) return Error(error);
        if (e.locked([&] { return e.state != State::Connected; })) return Error(ENOTCONN);
    }
    TRY(check_attached_credentials(message));
    if (message.flags & MSG_OOB) return Error(EOPNOTSUPP);
    // A seqpacket socket ignores a destination (it is connected).
    const SocketAddress* destination = seqpacket ? nullptr : message.address;
    Name name{};
    RefPtr<Endpoint> receiver;
    if (destination) {
        name = TRY(parse_name(*destination));
    } else {
        receiver = e.locked([&] { return e.peer; });
        if (!receiver) return Error(ENOTCONN);
    }
    if (m_options.pass_credentials) {
        MutexLocker setup(e.setup_lock);
        TRY(table::autobind(e));
    }
    usize send_buffer = static_cast<usize>(m_options.send_buffer);
    if (message.length + 32 > send_buffer) return Error(EMSGSIZE);
    bool block = may_block(message.flags);
    u64 deadline = send_deadline();
    TRY(reserve_send_room(e, message.length + kRecordOverhead, message.length, block, deadline));
    Record* record = TRY(make_record(e, message, 0, message.length, true));
    bool sender_passes = m_options.pass_credentials;

    for (;;) {
        if (!receiver) {
            // Only a destination given by address is looked up (again).
            if (!destination) {
                drop(record);
                return Error(ECONNRESET);
            }
            auto found = table::find(name, type());
            if (found.is_error()) {
                drop(record);
                return Error(found.error());
            }
            receiver = found.release_value();
        }
        Endpoint& r = *receiver;
        Outcome outcome = r.locked([&] {
            if (r.peer && r.peer.get() != &e) return Outcome::Refused;
            if (r.dead) return Outcome::PeerGone;
            if (r.shutdown & kShutdownReceive) return Outcome::Closed;
            if (&r != &e && r.peer.get() != &e && r.queue_full()) return Outcome::Full;
            add_credentials_if_asked(*record, sender_passes, r);
            r.queue.push(record);
            r.queue_sequence++;
            return Outcome::Queued;
        });
        switch (outcome) {
            case Outcome::Queued:
                r.changed(kReadEvents);
                return message.length;
            case Outcome::Refused:
                drop(record);
                return Error(EPERM);
            case Outcome::Closed:
                drop(record);
                return Error(EPIPE);
            case Outcome::PeerGone: {
                if (seqpacket) {
                    drop(record);
                    return Error(EPIPE);
                }
                // Our own peer went away: we are no longer connected, and what it had
                // queued for us is gone with it. Any other destination is looked up again.
                bool was_peer = e.locked([&] {
                    if (e.peer.get() != &r) return false;
                    e.peer = nullptr;
                    e.state = State::Unconnected;
                    return true;
                });
                if (was_peer) {
                    purge(e);
                    drop(record);
                    return Error(ECONNREFUSED);
                }
                receiver = nullptr;
                continue;
            }
            case Outcome::Full: {
                if (!block) {
                    drop(record);
                    return Error(EAGAIN);
                }
                auto waited = r.wait.wait_interruptible(
                    [&] { return !r.queue_full() || r.dead || (r.shutdown & kShutdownReceive) || r.peer.get() == &e; },
                    deadline);
                if (waited.is_error()) {
                    drop(record);
                    return Error(waited.error() == ETIMEDOUT ? EAGAIN : waited.error());
                }
                continue;
            }
        }
    }
}

Result<usize> UnixSocket::datagram_receive(Message& message) {
    Endpoint& e = *m_endpoint;
    bool seqpacket = type() == SOCK_SEQPACKET;
    if (seqpacket && e.locked([&] { return e.state != State::Connected; })) return Error(ENOTCONN);
    if (message.flags & MSG_OOB) return Error(EOPNOTSUPP);
    bool peek = message.flags & MSG_PEEK;
    bool block = may_block(message.flags);
    u64 deadline = receive_deadline();
    MutexLocker reading(e.read_lock);
    Record* record = nullptr;
    for (;;) {
        int error = 0;
        bool ended = false, disconnected = false;
        u64 sequence = 0;
        e.locked([&] {
            // The pending error comes before queued data here.
            if (e.error) {
                error = std::exchange(e.error, 0);
                return;
            }
            record = e.queue.front();
            ended = e.shutdown & kShutdownReceive;
            disconnected = seqpacket && e.state != State::Connected;
            sequence = e.queue_sequence;
        });
        if (error) return Error(error);
        if (record) break;
        if (ended && (block || seqpacket)) return 0;  // end-of-file
        if (!block) return Error(EAGAIN);
        if (disconnected) return Error(ENOTCONN);
        e.read_lock.unlock();
        auto waited = e.wait.wait_interruptible(
            [&] { return e.queue_sequence != sequence || e.error || (e.shutdown & kShutdownReceive); }, deadline);
        e.read_lock.lock();
        if (waited.is_error()) {
            if (waited.error() != ETIMEDOUT) return Error(waited.error());
            // Timed out: EAGAIN, or end-of-file for a seqpacket socket shut down meanwhile.
            bool shut = e.locked([&] { return (e.shutdown & kShutdownReceive) != 0; });
            return seqpacket && shut ? Result<usize>(0) : Result<usize>(Error(EAGAIN));
        }
    }
    // The record stays put while read_lock is held: only its holder takes records.
    if (message.address && record->sender) record->sender->address_into(*message.address, true);
    usize n = record->length < message.length ? record->length : message.length;
    if (record->length > message.length) message.out_flags |= MSG_TRUNC;
    message.full_length = record->length;
    if (n) TRY(message.sink->copy_out(0, record->data, n));
    if (m_options.pass_credentials) deliver_credentials(&record->credentials, message);
    if (peek) {
        peek_files(*record, message);
        return n;
    }
    deliver_files(*record, message);
    bool was_full = e.locked([&] {
        bool full = e.queue_full();
        e.queue.pop();
        return full;
    });
    drop(record);
    e.wait.wake_all();  // senders waiting for room
    if (was_full && e.type == SOCK_DGRAM) notify_datagram_senders(e);
    return n;
}

Result<void> UnixSocket::datagram_connect(const SocketAddress& address) {
    if (address.length < kFamilyLength) return Error(EINVAL);
    Endpoint& e = *m_endpoint;
    MutexLocker setup(e.setup_lock);
    RefPtr<Endpoint> target;
    if (address.family() != AF_UNSPEC) {
        Name name = TRY(parse_name(address));
        if (m_options.pass_credentials) TRY(table::autobind(e));
        target = TRY(table::find(name, type()));
        // One connected elsewhere takes nothing from us.
        Endpoint& t = *target;
        if (t.locked([&] { return t.peer && t.peer.get() != &e; })) return Error(EPERM);
    }
    RefPtr<Endpoint> old_peer = e.locked([&] {
        RefPtr<Endpoint> old = static_cast<RefPtr<Endpoint>&&>(e.peer);
        e.peer = target;
        e.state = target ? State::Connected : State::Unconnected;
        return old;
    });
    if (target) target->locked([&] { target->state = State::Connected; });
    if (old_peer && old_peer.get() != target.get() && purge(e)) {
        // What the old peer sent is dropped; if it was connected to us, it learns so.
        bool tell = old_peer->locked([&] {
            if (old_peer->dead || old_peer->peer.get() != &e) return false;
            old_peer->error = ECONNRESET;
            return true;
        });
        if (tell) old_peer->changed();
    }
    e.changed();
    return {};
}

}  // namespace net::af_unix
