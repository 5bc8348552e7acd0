// /etc/resolv.conf from what an interface's configuration says (DHCP's DNS servers and
// domain, or ip=...,dns=...), so the C library's resolver finds the name servers.
#pragma once

#include "net/ip_config.h"

namespace net {

// Replaces the file (creating /etc if needed); failures go to the kernel log.
void write_resolv_conf(const IpConfig& config);

}  // namespace net
