// socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE): what getifaddrs, if_nameindex and
// `ip addr` ask the kernel about interfaces, addresses and routes (route_socket.cc).
#pragma once

#include "net/socket.h"

namespace net {

Result<RefPtr<Socket>> create_route_socket(int type, int protocol, u32 status_flags);

}  // namespace net
