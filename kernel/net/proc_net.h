// The files of /proc/net (tcp, udp, tcp6, udp6, dev, route, snmp, unix) and the network
// settings of /proc/sys/net, rendered from the stack under its lock. procfs calls these.
#pragma once

#include "text/format.h"

namespace net::proc {

void render_tcp(text::Sink& out, u64);
void render_udp(text::Sink& out, u64);
void render_tcp6(text::Sink& out, u64);
void render_udp6(text::Sink& out, u64);
void render_dev(text::Sink& out, u64);
void render_route(text::Sink& out, u64);
void render_snmp(text::Sink& out, u64);

}  // namespace net::proc
