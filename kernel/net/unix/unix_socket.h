// AF_UNIX sockets (man 7 unix): stream, datagram and seqpacket sockets named by paths,
// abstract names or autobind, or unnamed pairs; connection queues with a backlog;
// SCM_RIGHTS and SCM_CREDENTIALS; SO_PEERCRED and SO_PASSCRED; /proc/net/unix.
//
// A UnixSocket is the open file; its state is an Endpoint (endpoint.h), which outlives the
// file while others still refer to it. The work is split by kind: unix_socket.cc (creation,
// names, options, shutdown, close), connection.cc (listen, connect, accept), stream.cc
// (byte streams), datagram.cc (datagrams and seqpacket records), transfer.cc (moving
// records and what they carry between sockets), in_flight.cc (descriptors in flight and
// the collector), table.cc (names and the list of sockets).
//
//   RefPtr<Socket> a, b;
//   TRY(net::af_unix::UnixSocket::create_pair(SOCK_SEQPACKET, 0, 0, a, b));
//   // a->send(message) queues one record that b->receive(message) returns whole.
#pragma once

#include "net/socket.h"
#include "net/unix/endpoint.h"

namespace net::af_unix {

class UnixSocket final : public Socket {
public:
    // socket(2): SOCK_STREAM, SOCK_DGRAM (SOCK_RAW is one too) or SOCK_SEQPACKET;
    // protocol 0 or PF_UNIX.
    static Result<RefPtr<Socket>> create(int type, int protocol, u32 status_flags);
    // socketpair(2): two connected, unnamed sockets of any of those types.
    static Result<void> create_pair(int type, int protocol, u32 status_flags, RefPtr<Socket>& first,
                                    RefPtr<Socket>& second);
    ~UnixSocket() override;

    Endpoint& endpoint() { return *m_endpoint; }

    Result<void> bind(const SocketAddress& address) override;
    Result<void> listen(int backlog) override;
    Result<RefPtr<Socket>> accept(u32 flags, SocketAddress* peer) override;
    Result<void> connect(const SocketAddress& address) override;
    Result<void> local_address(SocketAddress& out) override;
    Result<void> peer_address(SocketAddress& out) override;
    Result<usize> send(Message& message) override;
    Result<usize> receive(Message& message) override;
    Result<void> shutdown(int how) override;
    u32 poll_events() override { return m_endpoint->poll_events(); }
    // Only streams raise SIGPIPE with EPIPE (Linux's datagram and seqpacket sends do not).
    bool epipe_raises_sigpipe() const override { return type() == SOCK_STREAM; }
    bool has_family_options() const override { return false; }

    // Guarded by the table lock: how many queued records hold this file, and the
    // collector's bookkeeping (in_flight.cc).
    u32 in_flight = 0;
    u32 gc_refs = 0;
    u8 gc_mark = 0;
    ListNode gc_node;

protected:
    Result<usize> get_family_option(int level, int name, u8* out, usize capacity) override;
    bool listening() const override;
    int take_error() override;
    void common_option_changed(int name) override;
    Result<u64> family_ioctl(u32 request, u64 argument) override;

private:
    UnixSocket(RefPtr<Endpoint> endpoint, int type, int protocol, u32 status_flags);
    // Wraps an endpoint in a new file (creation, socketpair, accept).
    static Result<RefPtr<UnixSocket>> open(RefPtr<Endpoint> endpoint, int protocol, u32 status_flags);

    // connection.cc
    Result<void> connect_to_listener(const SocketAddress& address);
    // stream.cc
    Result<usize> stream_send(Message& message);
    Result<usize> stream_receive(Message& message);
    // datagram.cc
    Result<usize> datagram_send(Message& message);
    Result<usize> datagram_receive(Message& message);
    Result<void> datagram_connect(const SocketAddress& address);

    RefPtr<Endpoint> m_endpoint;
};

}  // namespace net::af_unix
