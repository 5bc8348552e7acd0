// Byte streams (SOCK_STREAM). A send is cut into records of at most half the send buffer
// (and kMaxChunk), each charged to the sender until read, so a writer blocks once its
// SO_SNDBUF worth is unread. A receive joins records as Linux does: until the buffer is
// full or the low-water mark is met with nothing more queued, but never past a record
// that carried descriptors, and (with SO_PASSCRED) never across records whose credentials
// differ.
#include "net/unix/transfer.h"
#include "net/unix/unix_socket.h"

namespace net::af_unix {

namespace {
constexpr usize kMaxChunk = 32 * KiB;
}

Result<usize> UnixSocket::stream_send(Message& message) {
    TRY(check_attached_credentials(message));
    if (message.flags & MSG_OOB) return Error(EOPNOTSUPP);  // FIXME: out-of-band bytes
    Endpoint& e = *m_endpoint;
    RefPtr<Endpoint> peer;
    State state;
    u8 shutdown;
    e.locked([&] {
        peer = e.peer;
        state = e.state;
        shutdown = e.shutdown;
    });
    if (message.address) return Error(state == State::Connected ? EISCONN : EOPNOTSUPP);
    if (!peer) return Error(ENOTCONN);
    if (shutdown & kShutdownSend) return Error(EPIPE);
    bool block = may_block(message.flags);
    u64 deadline = send_deadline();
    bool sender_passes = m_options.pass_credentials;
    usize sent = 0;
    while (sent < message.length) {
        usize half = static_cast<usize>(m_options.send_buffer) / 2;
        usize size = message.length - sent;
        if (half > 64 && size > half - 64) size = half - 64;
        if (size > kMaxChunk) size = kMaxChunk;
        auto reserved = reserve_send_room(e, size + kRecordOverhead, size, block, deadline);
        if (reserved.is_error()) return sent ? Result<usize>(sent) : Result<usize>(Error(reserved.error()));
        // Descriptors travel with the first record only.
        auto made = make_record(e, message, sent, size, sent == 0);
        if (made.is_error()) return sent ? Result<usize>(sent) : Result<usize>(Error(made.error()));
        Record* record = made.value();
        bool queued = peer->locked([&] {
            if (peer->dead || (peer->shutdown & kShutdownReceive)) return false;
            add_credentials_if_asked(*record, sender_passes, *peer);
            peer->queue.push(record);
            peer->queue_sequence++;
            return true;
        });
        if (!queued) {
            drop(record);
            return sent ? Result<usize>(sent) : Result<usize>(Error(EPIPE));
        }
        peer->changed(kReadEvents);
        sent += size;
    }
    return sent;
}

Result<usize> UnixSocket::stream_receive(Message& message) {
    Endpoint& e = *m_endpoint;
    if (e.locked([&] { return e.state != State::Connected; })) return Error(EINVAL);
    if (message.flags & MSG_OOB) return Error(EOPNOTSUPP);
    bool peek = message.flags & MSG_PEEK;
    usize target = message.flags & MSG_WAITALL ? message.length : static_cast<usize>(m_options.receive_low_water);
    if (target > message.length) target = message.length;
    if (target == 0) target = 1;
    bool block = may_block(message.flags);
    u64 deadline = receive_deadline();
    bool pass_credentials = m_options.pass_credentials;

    usize copied = 0;
    usize skip = 0;                // MSG_PEEK: bytes already looked at
    bool read_any = false;
    CarriedCredentials first_credentials;  // of the first record read

    int error = 0;
    e.read_lock.lock();
    for (;;) {
        Record* record = nullptr;
        usize offset = 0;
        u64 sequence = 0;
        bool ended = false;
        e.locked([&] {
            record = e.queue.front();
            offset = skip;
            while (record && offset >= record->remaining()) {
                offset -= record->remaining();
                record = record->next;
            }
            if (record || copied >= target) return;
            // POSIX wants a pending error before end-of-file.
            if (e.error) error = std::exchange(e.error, 0);
            else ended = e.shutdown & kShutdownReceive;
            sequence = e.queue_sequence;
        });
        if (!record) {
            if (copied >= target || error || ended) break;
            if (!block) {
                error = EAGAIN;
                break;
            }
            // Others may read meanwhile, as on Linux.
            e.read_lock.unlock();
            auto waited = e.wait.wait_interruptible(
                [&] { return e.queue_sequence != sequence || e.error || (e.shutdown & kShutdownReceive); }, deadline);
            e.read_lock.lock();
            if (waited.is_error()) {
                error = waited.error() == ETIMEDOUT ? EAGAIN : waited.error();
                break;
            }
            continue;
        }
        // The record stays put while read_lock is held: only its holder takes records.
        if (!read_any) {
            read_any = true;
            first_credentials = record->credentials;
        } else if (pass_credentials && !(record->credentials == first_credentials)) {
            break;  // never glue bytes from writers with other credentials
        }
        if (message.address && copied == 0 && record->sender) record->sender->address_into(*message.address, true);
        usize chunk = record->remaining() - offset;
        if (chunk > message.length - copied) chunk = message.length - copied;
        auto out = message.sink->copy_out(copied, record->data + record->consumed + offset, chunk);
        if (out.is_error()) {
            if (copied == 0) error = out.error();
            break;
        }
        copied += chunk;
        bool has_files = record->file_count != 0;
        if (peek) {
            // A peek stops where a read would: after a record with descriptors.
            if (has_files) {
                peek_files(*record, message);
                break;
            }
            skip += chunk;
            if (copied >= message.length) break;
            continue;
        }
        // Descriptors go with the first bytes read of their record.
        deliver_files(*record, message);
        bool finished = e.locked([&] {
            record->consumed += chunk;
            e.queue.consumed(chunk);
            if (record->remaining()) return false;
            e.queue.pop();
            return true;
        });
        if (!finished) break;  // the buffer is full
        drop(record);
        if (has_files || copied >= message.length) break;
    }
    e.read_lock.unlock();
    if (pass_credentials) deliver_credentials(read_any ? &first_credentials : nullptr, message);
    if (copied) return copied;
    if (error) return Error(error);
    return 0;
}

}  // namespace net::af_unix
