// A listener's two queues (Linux's request queue and accept queue): connections still in
// their handshake (or established and waiting for data under TCP_DEFER_ACCEPT), and
// established ones waiting for accept(). Both hold child sockets, linked through
// Socket::m_queue_link; the SYN queue is bounded by the backlog (SYN cookies take over
// when it is full) and the accept queue by backlog + 1, as Linux counts.
#pragma once

#include "base/intrusive_list.h"
#include "net/tcp/socket.h"

namespace net::tcp {

struct ListenQueues {
    using Queue = IntrusiveList<Socket, &Socket::m_queue_link>;
    Queue pending;  // SYN_RECEIVED, or deferred
    Queue ready;    // for accept()
    unsigned backlog = 0;

    // Takes a child out of its listener's queue.
    static void unlink(Socket& child);
};

}  // namespace net::tcp
