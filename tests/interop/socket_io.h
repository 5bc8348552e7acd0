// Moving bytes between the program's buffers and a libs/net TCP socket, as a non-blocking
// read()/write() loop does with a Linux socket: take what the socket allows now, never wait.
#pragma once

#include <span>
#include <vector>

#include "base/result.h"
#include "net/tcp/socket.h"

namespace interop {

// Sends `data` from `sent` on as far as the send buffer takes it, advancing `sent`. A full
// buffer is not an error. `more`: more data follows at once (MSG_MORE), so a short piece
// waits to share a segment with it.
Result<void> send_available(net::tcp::Socket& socket, std::span<const u8> data, usize& sent, bool more, net::Nanos now);

// Appends what has arrived to `into`, up to `limit` bytes in all. True once the peer's end
// of stream has been read (everything before it is in `into`).
Result<bool> receive_available(net::tcp::Socket& socket, std::vector<u8>& into, usize limit, net::Nanos now);

// One line for the log about a connection that ends: bytes, retransmissions, RTT, window.
void print_connection(const char* what, const net::tcp::Socket& socket, net::Nanos now);

}  // namespace interop
