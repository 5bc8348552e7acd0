// The interface ioctls any socket answers (netdevice(7)): SIOCGIFCONF, SIOCGIFNAME,
// SIOCGIFINDEX, SIOCGIFFLAGS/SIOCSIFFLAGS, SIOCGIFADDR, SIOCGIFNETMASK, SIOCGIFBRDADDR,
// SIOCGIFDSTADDR, SIOCGIFMTU, SIOCGIFHWADDR, SIOCGIFTXQLEN, SIOCGIFMETRIC, from the
// stack's interfaces.
#pragma once

#include "base/result.h"

namespace net {

bool is_interface_ioctl(u32 request);
Result<u64> interface_ioctl(u32 request, u64 argument);

}  // namespace net
