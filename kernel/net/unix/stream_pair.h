// socketpair(2) for AF_UNIX stream sockets: two connected ends, each direction a pipe ring
// (pipe_ring.h). Enough for what runtimes use them for inside one process: Python's
// asyncio wakes its event loop through one, as do libuv and many thread pools.
#pragma once

#include "net/socket.h"

namespace net {

// `flags`: O_NONBLOCK for both ends. Stream sockets only: the caller refuses other types.
Result<void> create_stream_socket_pair(u32 flags, RefPtr<Socket>& first, RefPtr<Socket>& second);

}  // namespace net
