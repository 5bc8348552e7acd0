// getrandom(2), from the kernel's ChaCha20 generator (lib/random.h). It never blocks: the
// generator is seeded at boot (RDRAND, the host's entropy, the TSC).
#include "lib/random.h"
#include "linux/syscalls.h"

namespace linux_abi {

Result<u64> sys_getrandom(SyscallArgs& args) {
    constexpr u32 GRND_NONBLOCK = 1, GRND_RANDOM = 2, GRND_INSECURE = 4;
    u32 flags = static_cast<u32>(args[2]);
    if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) return Error(EINVAL);
    if ((flags & GRND_RANDOM) && (flags & GRND_INSECURE)) return Error(EINVAL);
    u64 length = args[1] < 0x1ffffff ? args[1] : 0x1ffffff;  // Linux caps one call at 32 MiB - 1
    u8 chunk[256];
    u64 done = 0;
    while (done < length) {
        u64 n = length - done < sizeof chunk ? length - done : sizeof chunk;
        krandom::fill(chunk, n);
        auto copied = user_memory::copy_to(args[0] + done, chunk, n);
        if (copied.is_error()) return done ? Result<u64>(done) : Result<u64>(Error(EFAULT));
        done += n;
    }
    return done;
}

}  // namespace linux_abi
