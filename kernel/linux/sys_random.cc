// getrandom(2), from the kernel's ChaCha20 generator (lib/random.h). It never blocks: the
// generator is seeded at boot (RDRAND, the host's entropy, the TSC).
#include "lib/random.h"
#include "linux/syscall_adapter.h"

namespace linux_abi {

Result<usize> sys_getrandom(UserPtr<u8> buffer, usize length, u32 flags) {
    constexpr u32 GRND_NONBLOCK = 1, GRND_RANDOM = 2, GRND_INSECURE = 4;
    if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) return Error(EINVAL);
    if ((flags & GRND_RANDOM) && (flags & GRND_INSECURE)) return Error(EINVAL);
    if (length > 0x1ffffff) length = 0x1ffffff;  // Linux caps one call at 32 MiB - 1
    u8 chunk[256];
    u64 done = 0;
    while (done < length) {
        u64 n = length - done < sizeof chunk ? length - done : sizeof chunk;
        krandom::fill(chunk, n);
        auto copied = buffer.offset(done).write_array(chunk, n);
        if (copied.is_error()) return done ? Result<usize>(done) : Result<usize>(Error(EFAULT));
        done += n;
    }
    return done;
}

OSPREY_CALLS(getrandom)

}  // namespace linux_abi
