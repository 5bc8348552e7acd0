#include "net/unix/endpoint.h"

#include <new>

#include "proc/process.h"
#include "net/unix/in_flight.h"
#include "net/unix/table.h"
#include "net/unix/unix_socket.h"

namespace net::af_unix {

using fs::POLLERR, fs::POLLHUP, fs::POLLIN, fs::POLLOUT, fs::POLLRDHUP, fs::POLLRDNORM, fs::POLLWRNORM;

RefPtr<Endpoint> Endpoint::create(int type) {
    auto* endpoint = new (std::nothrow) Endpoint(type);
    if (!endpoint) return nullptr;
    auto ref = RefPtr<Endpoint>::adopt(endpoint);
    table::add(*endpoint);
    return ref;
}

// Released endpoints have empty queues; this is for one that never got that far.
Endpoint::~Endpoint() { in_flight::discard(queue.take_all()); }

u32 Endpoint::poll_events() {
    u32 events = 0;
    RefPtr<Endpoint> receiver;
    locked([&] {
        if (error) events |= POLLERR;
        if (shutdown == kShutdownBoth) events |= POLLHUP;
        if (shutdown & kShutdownReceive) events |= POLLRDHUP | POLLIN | POLLRDNORM;
        if (!queue.empty()) events |= POLLIN | POLLRDNORM;
        // Connection-oriented sockets not connected (yet, or any more) hang up.
        if (connection_oriented() && state == State::Unconnected) events |= POLLHUP;
        if (writable()) {
            events |= POLLOUT | POLLWRNORM | kPollWriteBand;
            if (type != SOCK_STREAM) receiver = peer;
        }
    });
    // A datagram socket is not writable while its peer's queue is full, unless that peer
    // is connected back to it (then only the send buffer counts, as in sending).
    if (receiver && receiver->locked([&] { return receiver->peer.get() != this && receiver->queue_full(); }))
        events &= ~(POLLOUT | POLLWRNORM | kPollWriteBand);
    return events;
}

void Endpoint::changed(u32 cause) {
    wait.wake_all();
    u32 events = poll_events() & cause;
    locked([&] {
        if (file) file->wake_watchers(events);
    });
}

void Endpoint::discharge(usize charge, usize bytes) {
    locked([&] {
        send_charge -= charge;
        send_bytes -= bytes;
    });
    changed(kWriteEvents);
}

void Endpoint::address_into(SocketAddress& out, bool empty_when_unnamed) {
    RefPtr<Address> name = locked([&] { return address; });
    if (name) name->copy_to(out);
    else if (empty_when_unnamed) out = {};
    else unnamed_address(out);
}

Credentials current_credentials() {
    auto& process = ::proc::Process::current();
    return {process.pid(), process.cred.euid, process.cred.egid};
}

Credentials no_credentials() {
    constexpr u32 kOverflowId = 65534;  // what an id with no mapping reads as
    return {0, kOverflowId, kOverflowId};
}

Result<void> check_sent_credentials(const Credentials& sent) {
    if (sent.uid == ~0u || sent.gid == ~0u) return Error(EINVAL);
    auto& process = ::proc::Process::current();
    bool root = process.cred.euid == 0;
    if (!root && (sent.pid != process.pid() || sent.uid != process.cred.euid || sent.gid != process.cred.egid)) return Error(EPERM);
    bool exists = sent.pid == process.pid();
    if (!exists && sent.pid > 0) {
        IrqSpinLockGuard guard(process.signal_lock);
        exists = process.find_thread(sent.pid) != nullptr;
    }
    if (!exists) return Error(ESRCH);
    return {};
}

}  // namespace net::af_unix
