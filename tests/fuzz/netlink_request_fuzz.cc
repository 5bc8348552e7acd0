// libFuzzer target: arbitrary bytes as the datagram a program sends to a NETLINK_ROUTE
// socket, walked as the kernel walks it (net/netlink/route_socket.cc), each request
// answered into small buffers so the writer's bounds are exercised too.
#include <cstddef>
#include <cstdint>

#include "net/netlink/route_messages.h"

using namespace net::netlink;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    for_each_request(data, size, [&](const Request& r) {
        if (r.length < kHeaderSize || r.length > size) __builtin_trap();
        u8 buffer[160];
        Writer w(buffer, 40 + (r.sequence % 120));
        LinkInfo link;
        link.index = static_cast<u32>(r.index);
        for (int i = 0; i < 15 && r.name[i]; i++) link.name[i] = r.name[i];
        (void)w.add_link(link, r, NLM_F_MULTI);
        (void)w.add_address(AddressInfo{}, r, NLM_F_MULTI);
        (void)w.add_route(RouteInfo{}, r, NLM_F_MULTI);
        (void)w.add_error(22, r);
        (void)w.add_done(r);
        if (w.length() > 160) __builtin_trap();
    });
    return 0;
}
