#include "block/transfer.h"

namespace block {

bool valid_block_size(u64 block_size) {
    return block_size >= 512 && block_size <= 65536 && (block_size & (block_size - 1)) == 0;
}

Result<void> check_range(u64 offset, u64 length, u64 device_bytes, u32 block_size) {
    if (length == 0 || offset % block_size || length % block_size) return Error(EINVAL);
    if (offset > device_bytes || length > device_bytes - offset) return Error(EIO);
    return {};
}

u64 max_request_bytes(const TransferLimits& limits) {
    u64 most = limits.max_request_bytes ? limits.max_request_bytes : ~u64(0);
    if (limits.max_segment_bytes && limits.max_segments) {
        u64 segments = u64(limits.max_segment_bytes) * limits.max_segments;
        if (segments < most) most = segments;
    }
    most -= most % limits.block_size;
    return most ? most : limits.block_size;
}

u32 segments_for(u64 length, const TransferLimits& limits) {
    if (length == 0) return 0;
    if (!limits.max_segment_bytes) return 1;
    return u32((length + limits.max_segment_bytes - 1) / limits.max_segment_bytes);
}

}  // namespace block
