// What a socket adds to a file: the calls of the socket family (send, recv, shutdown,
// getsockopt) reach it through File::socket(). Socket pairs (socket_pair.h) are the
// first; network sockets will be others.
#pragma once

#include "fs/file.h"

namespace fs {

// send(2)/recv(2) flags (include/linux/socket.h).
constexpr u32 MSG_OOB = 0x1, MSG_PEEK = 0x2, MSG_DONTWAIT = 0x40, MSG_EOR = 0x80, MSG_WAITALL = 0x100,
              MSG_NOSIGNAL = 0x4000, MSG_MORE = 0x8000, MSG_CMSG_CLOEXEC = 0x40000000;
constexpr int SHUT_RD = 0, SHUT_WR = 1, SHUT_RDWR = 2;
constexpr int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_SEQPACKET = 5;
constexpr u32 SOCK_NONBLOCK = 04000, SOCK_CLOEXEC = 02000000;
constexpr int SOL_SOCKET = 1, SO_TYPE = 3, SO_ERROR = 4, SO_DOMAIN = 39, SO_PROTOCOL = 38, SO_ACCEPTCONN = 30;

class Socket : public File {
public:
    const char* kind() const override { return "socket"; }
    Socket* socket() override { return this; }

    virtual Result<usize> send(const IoBuffer& buffer, u32 flags) = 0;
    virtual Result<usize> receive(const IoBuffer& buffer, u32 flags) = 0;
    virtual Result<void> shutdown(int how) = 0;
    // An int-valued getsockopt option; ENOPROTOOPT for one the socket does not have.
    virtual Result<int> option(int level, int name) = 0;

    Result<usize> read(const IoBuffer& buffer) override { return receive(buffer, 0); }
    Result<usize> write(const IoBuffer& buffer) override { return send(buffer, 0); }

protected:
    explicit Socket(u32 status_flags) : File(status_flags) {}
};

}  // namespace fs
