// The socket families Osprey has, for socket(2) and socketpair(2).
#include "net/socket.h"
#include "net/unix/unix_socket.h"

namespace net {

namespace {

const SocketFamily kFamilies[] = {
    {AF_UNIX, af_unix::UnixSocket::create, af_unix::UnixSocket::create_pair},
};

}  // namespace

Result<const SocketFamily*> find_family(int family) {
    for (const SocketFamily& f : kFamilies)
        if (f.family == family) return &f;
    return Error(EAFNOSUPPORT);
}

}  // namespace net
