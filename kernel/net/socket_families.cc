// The socket families Osprey has, for socket(2) and socketpair(2).
#include "lib/log.h"
#include "net/inet/inet_socket.h"
#include "net/netlink/route_socket.h"
#include "net/socket.h"
#include "net/unix/unix_socket.h"

namespace net {

namespace {

Result<RefPtr<Socket>> inet_socket(int type, int protocol, u32 status_flags) {
    switch (type) {
        case SOCK_DGRAM: return create_udp_socket(protocol, status_flags);
        case SOCK_STREAM: return create_tcp_socket(protocol, status_flags);
        case SOCK_RAW: {
            static bool told = false;
            if (!told) klog::warn("socket(AF_INET, SOCK_RAW): raw sockets are not supported");
            told = true;
            return Error(ESOCKTNOSUPPORT);
        }
        default: return Error(ESOCKTNOSUPPORT);
    }
}

const SocketFamily kFamilies[] = {
    {AF_UNIX, af_unix::UnixSocket::create, af_unix::UnixSocket::create_pair},
    {AF_INET, inet_socket, nullptr},
    {AF_NETLINK, create_route_socket, nullptr},
};

}  // namespace

Result<const SocketFamily*> find_family(int family) {
    for (const SocketFamily& f : kFamilies)
        if (f.family == family) return &f;
    return Error(EAFNOSUPPORT);
}

}  // namespace net
