// ioctl requests the kernel answers for more than one kind of file, as Linux's UAPI
// defines them (asm-generic/ioctls.h, linux/sockios.h).
#pragma once

#include "base/types.h"

namespace linux_abi::ioctl {

constexpr u32 FIONREAD = 0x541b;     // bytes ready to read
constexpr u32 SIOCINQ = FIONREAD;    // the same request, by its socket name
constexpr u32 SIOCOUTQ = 0x5411;     // bytes sent but not yet acknowledged (or not yet sent)
constexpr u32 SIOCOUTQNSD = 0x894b;  // bytes not yet sent (TCP)

}  // namespace linux_abi::ioctl
