// AF_UNIX sockets: creation, pairs, names, shutdown, options, ioctls and close.
#include "net/unix/unix_socket.h"

#include <cstring>
#include <new>
#include <utility>

#include "mm/user_memory.h"
#include "net/unix/in_flight.h"
#include "net/unix/table.h"
#include "net/unix/transfer.h"

namespace net::af_unix {

UnixSocket::UnixSocket(RefPtr<Endpoint> endpoint, int type, int protocol, u32 status_flags)
    : Socket(AF_UNIX, type, protocol, status_flags), m_endpoint(static_cast<RefPtr<Endpoint>&&>(endpoint)) {}

UnixSocket::~UnixSocket() {
    release(*m_endpoint, false);
    in_flight::socket_closed();
}

Result<RefPtr<UnixSocket>> UnixSocket::open(RefPtr<Endpoint> endpoint, int protocol, u32 status_flags) {
    Endpoint& e = *endpoint;
    auto* socket = new (std::nothrow) UnixSocket(static_cast<RefPtr<Endpoint>&&>(endpoint), e.type, protocol,
                                                 status_flags & fs::O_NONBLOCK);
    if (!socket) return Error(ENFILE);
    MutexLocker lock(table::lock());
    e.locked([&] {
        e.file = socket;
        e.embryo = false;
        e.send_buffer = static_cast<usize>(socket->options().send_buffer);
        e.pass_credentials = socket->options().pass_credentials;
    });
    return RefPtr<UnixSocket>::adopt(socket);
}

namespace {

Result<int> checked_type(int type, int protocol) {
    if (protocol != 0 && protocol != AF_UNIX) return Error(EPROTONOSUPPORT);
    if (type == SOCK_RAW) return SOCK_DGRAM;  // as Linux
    if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET) return Error(ESOCKTNOSUPPORT);
    return type;
}

}  // namespace

Result<RefPtr<Socket>> UnixSocket::create(int type, int protocol, u32 status_flags) {
    type = TRY(checked_type(type, protocol));
    auto endpoint = Endpoint::create(type);
    if (!endpoint) return Error(ENOMEM);
    auto socket = open(endpoint, protocol, status_flags);
    if (socket.is_error()) {
        release(*endpoint, false);
        return Error(socket.error());
    }
    return RefPtr<Socket>(socket.value());
}

Result<void> UnixSocket::create_pair(int type, int protocol, u32 status_flags, RefPtr<Socket>& first_out,
                                     RefPtr<Socket>& second_out) {
    type = TRY(checked_type(type, protocol));
    RefPtr<Socket> first = TRY(create(type, protocol, status_flags));
    RefPtr<Socket> second = TRY(create(type, protocol, status_flags));
    Endpoint& a = static_cast<UnixSocket*>(first.get())->endpoint();
    Endpoint& b = static_cast<UnixSocket*>(second.get())->endpoint();
    Credentials credentials = current_credentials();
    auto join = [&](Endpoint& self, Endpoint& other) {
        self.locked([&] {
            self.peer = RefPtr<Endpoint>(&other);
            self.state = State::Connected;
            self.has_peer_credentials = true;
            self.peer_credentials = credentials;
        });
    };
    join(a, b);
    join(b, a);
    first_out = static_cast<RefPtr<Socket>&&>(first);
    second_out = static_cast<RefPtr<Socket>&&>(second);
    return {};
}

Result<void> UnixSocket::bind(const SocketAddress& address) {
    Name name = TRY(parse_name(address));
    MutexLocker setup(m_endpoint->setup_lock);
    return table::bind(*m_endpoint, name);
}

Result<void> UnixSocket::local_address(SocketAddress& out) {
    m_endpoint->address_into(out, false);
    return {};
}

Result<void> UnixSocket::peer_address(SocketAddress& out) {
    RefPtr<Endpoint> peer = m_endpoint->locked([&] { return m_endpoint->peer; });
    if (!peer) return Error(ENOTCONN);
    peer->address_into(out, false);
    return {};
}

Result<void> UnixSocket::connect(const SocketAddress& address) {
    if (type() == SOCK_DGRAM) return datagram_connect(address);
    return connect_to_listener(address);
}

Result<usize> UnixSocket::send(Message& message) {
    if (type() == SOCK_STREAM) return stream_send(message);
    return datagram_send(message);
}

Result<usize> UnixSocket::receive(Message& message) {
    if (type() == SOCK_STREAM) return stream_receive(message);
    return datagram_receive(message);
}

// Shutting a connection down shuts the peer's opposite side too: it sees end-of-file
// after SHUT_WR here, and EPIPE sending after SHUT_RD here.
Result<void> UnixSocket::shutdown(int how) {
    if (how < SHUT_RD || how > SHUT_RDWR) return Error(EINVAL);
    u8 mode = static_cast<u8>(how + 1);  // SHUT_RD: receive, SHUT_WR: send, SHUT_RDWR: both
    Endpoint& e = *m_endpoint;
    RefPtr<Endpoint> peer = e.locked([&] {
        e.shutdown |= mode;
        return e.peer;
    });
    e.changed();
    if (peer && e.connection_oriented()) {
        u8 peer_mode = static_cast<u8>(((mode & kShutdownReceive) ? kShutdownSend : 0) |
                                       ((mode & kShutdownSend) ? kShutdownReceive : 0));
        peer->locked([&] { peer->shutdown |= peer_mode; });
        peer->changed();
    }
    return {};
}

Result<usize> UnixSocket::get_family_option(int level, int name, u8* out, usize capacity) {
    if (level == SOL_SOCKET && name == SO_PEERCRED) {
        // Nobody's: no pid, ids -1 (Linux's cred_to_ucred without credentials).
        Credentials credentials{0, ~0u, ~0u};
        m_endpoint->locked([&] {
            if (m_endpoint->has_peer_credentials) credentials = m_endpoint->peer_credentials;
        });
        usize n = sizeof credentials < capacity ? sizeof credentials : capacity;
        memcpy(out, &credentials, n);
        return n;
    }
    return Socket::get_family_option(level, name, out, capacity);
}

bool UnixSocket::listening() const {
    return m_endpoint->locked([&] { return m_endpoint->state == State::Listening; });
}

int UnixSocket::take_error() {
    return m_endpoint->locked([&] { return std::exchange(m_endpoint->error, 0); });
}

void UnixSocket::common_option_changed(int name) {
    Endpoint& e = *m_endpoint;
    if (name == SO_PASSCRED) e.locked([&] { e.pass_credentials = m_options.pass_credentials; });
    if (name == SO_SNDBUF || name == SO_SNDBUFFORCE) {
        e.locked([&] { e.send_buffer = static_cast<usize>(m_options.send_buffer); });
        e.changed(kWriteEvents);  // writers may have room now
    }
}

Result<u64> UnixSocket::family_ioctl(u32 request, u64 argument) {
    constexpr u32 SIOCINQ = 0x541b, SIOCOUTQ = 0x5411;  // SIOCINQ is FIONREAD
    Endpoint& e = *m_endpoint;
    usize amount = 0;
    if (request == SIOCINQ) {
        bool listening = false;
        e.locked([&] {
            listening = e.state == State::Listening;
            // A stream or seqpacket socket counts every byte queued, a datagram socket the
            // next datagram.
            if (type() != SOCK_DGRAM) amount = e.queue.bytes();
            else if (Record* next = e.queue.front()) amount = next->length;
        });
        if (listening) return Error(EINVAL);
    } else if (request == SIOCOUTQ) {
        amount = e.locked([&] { return e.send_bytes; });
    } else {
        return Error(ENOTTY);
    }
    int value = amount > 0x7fffffff ? 0x7fffffff : static_cast<int>(amount);
    TRY(UserPtr<int>(argument).write(value));
    return 0;
}

}  // namespace net::af_unix
