// What AF_INET sockets share (TCP in tcp_socket.cc, UDP in udp_socket.cc): sockaddr_in in
// and out, the IP-level options, and the bridge between the stack's events and the
// File's waiters — a readiness word kept current under the stack lock (so poll and epoll
// read it without taking the lock) and a generation counter that blocking calls wait on.
#pragma once

#include <utility>

#include "lib/atomic.h"
#include "net/engine.h"
#include "net/socket.h"
#include "sync/wait_queue.h"

namespace net {

constexpr int IPPROTO_IP = 0, IPPROTO_ICMP = 1, IPPROTO_TCP = 6, IPPROTO_UDP = 17;

// struct sockaddr_in.
struct SockaddrIn {
    u16 family;
    u16 port_be;
    u32 address_be;
    u8 zero[8];
};
static_assert(sizeof(SockaddrIn) == 16);

// An AF_INET address of a bind/connect/sendto: EINVAL when shorter than sockaddr_in,
// EAFNOSUPPORT for another family (AF_UNSPEC is let through when `allow_unspec`, as Linux
// does for bind to INADDR_ANY and for sendto).
Result<Endpoint> endpoint_from(const SocketAddress& address, bool allow_unspec);
void endpoint_to(const Endpoint& endpoint, SocketAddress& out);

class InetSocket : public Socket, public StackEvents {
public:
    u32 poll_events() override { return m_events.load(kstd::acquire); }
    u64 socket_inode() const override { return inode_number(); }

protected:
    InetSocket(int type, int protocol, u32 status_flags) : Socket(AF_INET, type, protocol, status_flags) {}

    // The events that hold now, from the stack's state (the stack lock is held).
    virtual u32 compute_events() = 0;
    // Recomputes the readiness word and tells poll/epoll if it changed. Lock held.
    void refresh_events();
    // StackEvents: the stack changed something of this socket. Lock held.
    void stack_changed(u32 what) override;

    // The blocking pattern of every call: `attempt` runs under the stack lock and returns
    // EAGAIN when it would block; then, unless non-blocking, wait until the stack reports
    // a change and try again. A deadline (SO_RCVTIMEO/SO_SNDTIMEO) ends it with EAGAIN;
    // a signal with ERESTARTSYS (EINTR when there is a deadline).
    template <typename Attempt>
    auto blocking(bool may_block, u64 deadline_tsc, Attempt&& attempt) -> decltype(attempt(std::declval<StackAccess&>()));

    Result<void> set_ip_option(int name, const u8* value, usize length, u8& ttl, u8& tos);
    Result<usize> get_ip_option(int name, u8* out, usize capacity, u8 ttl, u8 tos);

    WaitQueue m_waiters;
    u64 m_generation = 0;  // guarded by m_waiters' lock; bumped by every stack event

private:
    kstd::Atomic<u32> m_events{0};
};

template <typename Attempt>
auto InetSocket::blocking(bool may_block, u64 deadline_tsc, Attempt&& attempt)
    -> decltype(attempt(std::declval<StackAccess&>())) {
    for (;;) {
        u64 seen = m_waiters.locked([&] { return m_generation; });
        {
            StackAccess stack;
            auto result = attempt(stack);
            refresh_events();
            if (result.is_ok() || result.error() != EAGAIN || !may_block) return result;
        }
        auto waited = m_waiters.wait_interruptible([&] { return m_generation != seen; }, deadline_tsc);
        if (waited.is_error()) return Error(waited.error() == ETIMEDOUT ? EAGAIN : waited.error());
    }
}

// socket(AF_INET, ...) for SOCK_DGRAM (udp_socket.cc) and SOCK_STREAM (tcp_socket.cc).
Result<RefPtr<Socket>> create_udp_socket(int protocol, u32 status_flags);
Result<RefPtr<Socket>> create_tcp_socket(int protocol, u32 status_flags);

}  // namespace net
