// The kernel side of the network stack (DESIGN.md, "Storage and network"): libs/net's
// protocol code behind one lock, a thread that takes received frames from the NICs and
// runs the stack's timers, and one timer armed at the stack's next deadline.
//
//   {
//       net::StackAccess stack;                       // takes the lock
//       auto sent = socket->send(bytes, n, to, stack.now());
//   }                                                 // loopback delivered, timer re-armed
//
// Locking: the stack lock (a Mutex) guards every object of libs/net (the NetStack, its
// interfaces, UDP and TCP and their sockets). It is taken before a socket's wait-queue lock,
// a File's observer lock and a NIC's transmit lock, never in interrupt context. Sockets copy
// user data straight into and out of their rings under it: the page-fault path never takes
// it, so a copy that faults is safe.
#pragma once

#include "cmdline/cmdline.h"
#include "net/stack.h"
#include "net/tcp/tcp.h"

namespace net {

// What a kernel socket does when the stack reports a change (data, room, a connection, an
// error): refresh its readiness, wake its waiters. Runs under the stack lock.
class StackEvents {
public:
    virtual void stack_changed(u32 what) = 0;
    // The socket's inode number, for /proc/net/* (socket:[N] in /proc/self/fd).
    virtual u64 socket_inode() const = 0;

protected:
    ~StackEvents() = default;
};

namespace engine {

// Brings the network up: loopback always; every NIC the drivers found becomes eth0...,
// configured as `ip=` says (docs/cmdline.md; default: DHCP). Starts the network thread.
// With a static address or none, only /etc/resolv.conf is written now and the rest waits
// for the first use: started(), which every way into the stack asks first (`cmdline` must
// outlive that: the kernel's own command line does).
void start(const cmdline::CommandLine& cmdline);
// Whether the stack is up, bringing it up first when its start was put off. May sleep.
bool started();

}  // namespace engine

// The stack, locked for as long as this lives. On the way out it delivers what the
// operation queued on loopback (a send to 127.0.0.1 is received before send returns, with
// no thread switch) and re-arms the timer if the next deadline moved.
class StackAccess {
public:
    StackAccess();
    ~StackAccess();
    StackAccess(const StackAccess&) = delete;
    StackAccess& operator=(const StackAccess&) = delete;

    NetStack& stack();
    tcp::Tcp& tcp();
    udp::Udp& udp() { return stack().udp(); }
    Nanos now() const { return m_now; }

private:
    Nanos m_now;
};

}  // namespace net
