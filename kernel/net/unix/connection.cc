// Connections between stream or seqpacket sockets: listen, connect and accept. A connect
// makes the server's end of the connection at once (an "embryo" with no file), queues it on
// the listener and returns: the connection exists before accept, data may already flow
// into it. A listener's queue is full with more than `backlog` connections; a connect then
// waits (SO_SNDTIMEO bounds it) or fails with EAGAIN when non-blocking, as on Linux.
#include "net/unix/table.h"
#include "net/unix/transfer.h"
#include "net/unix/unix_socket.h"

namespace net::af_unix {

Result<void> UnixSocket::listen(int backlog) {
    if (type() == SOCK_DGRAM) return Error(EOPNOTSUPP);
    Endpoint& e = *m_endpoint;
    MutexLocker setup(e.setup_lock);
    Credentials credentials = current_credentials();
    int error = 0;
    e.locked([&] {
        if (!e.address || (e.state != State::Unconnected && e.state != State::Listening)) {
            error = EINVAL;
            return;
        }
        e.backlog = backlog;
        e.state = State::Listening;
        // SO_PEERCRED of a listener, and of the clients that connect to it.
        e.has_peer_credentials = true;
        e.peer_credentials = credentials;
    });
    if (error) return Error(error);
    e.changed();  // a larger backlog lets waiting connectors in
    return {};
}

Result<void> UnixSocket::connect_to_listener(const SocketAddress& address) {
    Name name = TRY(parse_name(address));
    Endpoint& e = *m_endpoint;
    MutexLocker setup(e.setup_lock);
    if (m_options.pass_credentials) TRY(table::autobind(e));
    // Only this call changes the socket's state now (setup_lock), so it is read once.
    State own_state = e.locked([&] { return e.state; });

    auto connection = Endpoint::create(type());
    if (!connection) return Error(ENOMEM);
    Record* request = Record::create(0);
    if (!request) {
        release(*connection, false);
        return Error(ENOBUFS);
    }
    request->connection = connection;
    Credentials credentials = current_credentials();
    connection->locked([&] {
        connection->state = State::Connected;
        connection->embryo = true;
        connection->peer = RefPtr<Endpoint>(&e);
        connection->has_peer_credentials = true;
        connection->peer_credentials = credentials;
    });
    auto fail = [&](int error) -> Result<void> {
        drop(request);
        // Never queued: closing it must not touch us.
        connection->locked([&] { connection->peer = nullptr; });
        release(*connection, false);
        return Error(error);
    };

    u64 deadline = send_deadline();
    RefPtr<Endpoint> listener;
    Credentials listener_credentials;
    for (;;) {
        auto found = table::find(name, type());
        if (found.is_error()) return fail(found.error());
        listener = found.release_value();
        int error = 0;
        bool full = false;
        RefPtr<Address> listener_address;
        listener->locked([&] {
            if (listener->state != State::Listening || (listener->shutdown & kShutdownReceive)) {
                error = ECONNREFUSED;
            } else if (listener->queue_full()) {
                full = true;
            } else if (own_state != State::Unconnected) {
                error = own_state == State::Connected ? EISCONN : EINVAL;
            } else {
                // The server's end is named after the listener.
                listener_address = listener->address;
                listener_credentials = listener->peer_credentials;
                listener->queue.push(request);
                listener->queue_sequence++;
            }
        });
        if (error) return fail(error);
        if (!full) {
            connection->locked([&] { connection->address = static_cast<RefPtr<Address>&&>(listener_address); });
            break;
        }
        if (nonblocking()) return fail(EAGAIN);
        auto waited = listener->wait.wait_interruptible(
            [&] { return !listener->queue_full() || listener->state != State::Listening || listener->dead; }, deadline);
        if (waited.is_error()) return fail(waited.error() == ETIMEDOUT ? EAGAIN : waited.error());
    }
    e.locked([&] {
        e.peer = connection;
        e.state = State::Connected;
        e.has_peer_credentials = true;
        e.peer_credentials = listener_credentials;
    });
    listener->changed(kReadEvents);
    e.changed();
    return {};
}

Result<RefPtr<Socket>> UnixSocket::accept(u32 flags, SocketAddress* peer_out) {
    if (type() == SOCK_DGRAM) return Error(EOPNOTSUPP);
    Endpoint& e = *m_endpoint;
    u64 deadline = receive_deadline();
    Record* request = nullptr;
    for (;;) {
        int error = 0;
        e.locked([&] {
            if (e.state != State::Listening) error = EINVAL;
            else if (!e.queue.empty()) request = e.queue.pop();
            else if (e.shutdown & kShutdownReceive) error = EINVAL;
        });
        if (error) return Error(error);
        if (request) break;
        if (nonblocking()) return Error(EAGAIN);
        auto waited = e.wait.wait_interruptible(
            [&] { return !e.queue.empty() || e.state != State::Listening || (e.shutdown & kShutdownReceive); },
            deadline);
        if (waited.is_error()) return Error(waited.error() == ETIMEDOUT ? EAGAIN : waited.error());
    }
    e.changed();  // room for a waiting connector
    RefPtr<Endpoint> connection = static_cast<RefPtr<Endpoint>&&>(request->connection);
    drop(request);
    auto socket = open(connection, protocol(), flags & SOCK_NONBLOCK ? fs::O_NONBLOCK : 0);
    if (socket.is_error()) {
        release(*connection, true);
        return Error(socket.error());
    }
    if (peer_out) {
        RefPtr<Endpoint> client = connection->locked([&] { return connection->peer; });
        if (client) client->address_into(*peer_out, false);
        else unnamed_address(*peer_out);
    }
    return RefPtr<Socket>(socket.value());
}

}  // namespace net::af_unix
