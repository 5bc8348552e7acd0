#include "time/tsc_khz.h"

namespace tsc_khz {

Result<u64> parse_hz(std::string_view value) {
    if (value.empty()) return Error(EINVAL);
    u64 khz = 0;
    for (char c : value) {
        if (c < '0' || c > '9') return Error(EINVAL);
        // Past the maximum the number is out of range whatever follows; stop growing it so
        // that a long one cannot wrap around into the range.
        if (khz <= kMaxKhz) khz = khz * 10 + static_cast<u64>(c - '0');
    }
    if (khz < kMinKhz || khz > kMaxKhz) return Error(ERANGE);
    return khz * 1000;
}

}  // namespace tsc_khz
