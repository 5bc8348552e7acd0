#include "block/virtio_blk.h"

namespace virtio {

Result<void> blk_status_result(u8 status) {
    switch (status) {
        case kBlkStatusOk: return {};
        case kBlkStatusUnsupported: return Error(EOPNOTSUPP);
        default: return Error(EIO);
    }
}

usize blk_serial(const u8 (&id)[kBlkIdBytes], char (&out)[kBlkIdBytes + 1]) {
    usize length = 0;
    while (length < kBlkIdBytes && id[length] >= 0x21 && id[length] <= 0x7e) {
        out[length] = char(id[length]);
        length++;
    }
    out[length] = 0;
    return length;
}

}  // namespace virtio
