// One AF_UNIX socket's state (Linux's struct sock): its name, its peer, its receive queue,
// what it has queued at others, its shutdown and error state. It is separate from the open
// file (UnixSocket, unix_socket.h) because it lives on after a close for as long as records
// it sent sit in other queues or a peer points at it, and because a connection waiting on a
// listener has no file until accept gives it one.
//
// Locks, in the order they are taken:
//   setup_lock   (Mutex) bind, listen, connect, autobind of this socket, one at a time
//   read_lock    (Mutex) one receiver at a time; held across copies out of its records,
//                released while waiting. No page-fault path takes it.
//   the table lock (Mutex, table.h): names, the list of sockets, files in flight
//   wait's lock  (IrqSpinLock) everything marked "guarded" below. Only one endpoint's at a
//                time, except the collector, which takes a listener's and then those of the
//                connections queued on it. Never held across a copy or while dropping a
//                reference that may be the last (records, endpoints, files are freed with
//                no lock held).
#pragma once

#include "lib/ref_counted.h"
#include "net/socket.h"
#include "net/unix/address.h"
#include "net/unix/record.h"
#include "sync/mutex.h"
#include "sync/wait_queue.h"

namespace net::af_unix {

class UnixSocket;

enum class State : u8 { Unconnected, Listening, Connected };

constexpr u8 kShutdownReceive = 1, kShutdownSend = 2, kShutdownBoth = 3;

// net.unix.max_dgram_qlen: a datagram socket's queue is full beyond this many.
constexpr int kMaxDatagramQueue = 10;
// What a record costs its sender beyond its bytes (Linux charges an skb's true size).
constexpr usize kRecordOverhead = 512;

// What a change is about, for poll/epoll observers (Linux's wake-up keys): data arrived,
// room to write, or anything (state changes).
constexpr u32 kPollWriteBand = 0x200;  // POLLWRBAND
constexpr u32 kReadEvents = fs::POLLIN | fs::POLLRDNORM;
constexpr u32 kWriteEvents = fs::POLLOUT | fs::POLLWRNORM | kPollWriteBand;
constexpr u32 kAllEvents = ~0u;

class Endpoint final : public RefCounted {
public:
    // Null when out of memory. Registered in the table (table.h) until released.
    static RefPtr<Endpoint> create(int type);

    const int type;
    bool connection_oriented() const { return type != SOCK_DGRAM; }

    // Readers, writers blocked on this socket's send charge, connectors waiting for a
    // listener's backlog, senders waiting for room in a datagram queue and accept all
    // wait here; its lock guards the fields below.
    WaitQueue wait;
    Mutex read_lock{"unix read"};
    Mutex setup_lock{"unix setup"};

    template <typename F>
    decltype(auto) locked(F&& f) { return wait.locked(static_cast<F&&>(f)); }

    // Guarded by wait's lock.
    State state = State::Unconnected;
    u8 shutdown = 0;
    bool dead = false;    // released: its file is closed (or, for a connection, never accepted)
    bool embryo = false;  // a connection queued on a listener, not accepted yet
    int error = 0;        // SO_ERROR (sk_err): ECONNRESET when a peer dropped data
    RefPtr<Endpoint> peer;
    RefPtr<Address> address;
    RecordQueue queue;
    u64 queue_sequence = 0;  // bumped by every record queued (stream readers wait for it)
    usize send_charge = 0;   // what this socket's records still queued anywhere cost
    usize send_bytes = 0;    // their bytes (SIOCOUTQ)
    int backlog = kMaxDatagramQueue;  // the queue is full with more records than this
    bool has_peer_credentials = false;
    Credentials peer_credentials;     // SO_PEERCRED
    bool pass_credentials = false;    // SO_PASSCRED of the file
    usize send_buffer = 212992;       // SO_SNDBUF of the file
    // The open file, for poll notifications (null for a connection not accepted yet and
    // after release). Written under both this lock and the table lock.
    UnixSocket* file = nullptr;

    // Guarded by the table lock.
    ListNode table_node;       // in the table's list of live sockets
    bool registered = false;
    bool name_visible = false;  // connect and sendto can find it by its address

    bool queue_full() const { return queue.count() > static_cast<usize>(backlog); }
    bool writable() const { return state != State::Listening && send_charge * 4 <= send_buffer; }

    // The poll bits that hold now (Linux's unix_poll and unix_dgram_poll). Takes this
    // endpoint's lock, then (datagrams) its peer's.
    u32 poll_events();
    // After a change: wakes the waiters and tells the file's poll/epoll observers the
    // events of `cause` that hold now. Called with no lock held.
    void changed(u32 cause = kAllEvents);

    // Gives back what a freed record of this sender cost.
    void discharge(usize charge, usize bytes);

    // Its name as getsockname/accept report it: the family alone when unnamed, or nothing
    // at all with `empty_when_unnamed` (recvfrom: an unbound sender has a zero length).
    void address_into(SocketAddress& out, bool empty_when_unnamed);

private:
    explicit Endpoint(int t) : type(t) {}
    ~Endpoint() override;
};

// The calling process's credentials, as SCM_CREDENTIALS and SO_PEERCRED give them.
Credentials current_credentials();
// What SCM_CREDENTIALS reports for a record sent with none (no pid, the overflow ids).
Credentials no_credentials();
// Checks credentials a sender attached: its own, or anything if it is root (EPERM), valid
// ids (EINVAL), a pid that exists (ESRCH).
Result<void> check_sent_credentials(const Credentials& credentials);

}  // namespace net::af_unix
