// Every live AF_UNIX socket, and the names they can be found by: paths (the socket inode
// bind made leads to the socket) and abstract names (per socket type, as Linux hashes
// them). One Mutex guards it, together with the count of sockets in flight (in_flight.h);
// it is taken before any endpoint's lock (endpoint.h gives the whole order).
#pragma once

#include "net/unix/endpoint.h"
#include "sync/mutex.h"
#include "text/format.h"

namespace net::af_unix::table {

Mutex& lock();

// A new endpoint joins the table; a released one leaves it (its name and file with it).
void add(Endpoint& endpoint);
void remove(Endpoint& endpoint);

// bind(2): a path (a socket inode made with the umask applied: EADDRINUSE when the path
// exists), an abstract name (EADDRINUSE when a socket of the type has it), or autobind.
// EINVAL when the socket already has a name (autobind then does nothing). The caller holds
// the endpoint's setup_lock.
Result<void> bind(Endpoint& endpoint, const Name& name);
// A name of five hex digits in the abstract namespace, if the socket has none.
Result<void> autobind(Endpoint& endpoint);

// connect(2) and sendto(2): the socket a name leads to. A path is looked up from the
// working directory (ENOENT, ENOTDIR...); ECONNREFUSED when no socket of the type has the
// name (a path that is no socket, or whose socket is gone); EPROTOTYPE when the path's
// socket has another type.
Result<RefPtr<Endpoint>> find(const Name& name, int type);

// Runs f(endpoint) for every socket in the table; the caller holds the table lock.
template <typename F>
void for_each(F&& f);

// /proc/net/unix.
void render_proc_net_unix(text::Sink& out);

namespace detail {
IntrusiveList<Endpoint, &Endpoint::table_node>& endpoints();
}

template <typename F>
void for_each(F&& f) {
    detail::endpoints().for_each(static_cast<F&&>(f));
}

}  // namespace net::af_unix::table
