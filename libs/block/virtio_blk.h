// virtio-blk's wire format (virtio 1.2, 5.2): feature bits, the configuration layout, the
// request header and status byte. Pure encoding, shared by the kernel driver and host tests.
//
// A request is one descriptor chain: the 16-byte header (device-readable), the data
// (readable for OUT and DISCARD, writable for IN and GET_ID; none for FLUSH), then one
// status byte the device writes. Sectors are always 512 bytes, whatever blk_size says.
#pragma once

#include "base/result.h"
#include "base/types.h"

namespace virtio {

constexpr u64 kSectorSize = 512;

namespace blk_feature {
constexpr u64 kSizeMax = 1ull << 1;    // config.size_max bounds one data descriptor
constexpr u64 kSegMax = 1ull << 2;     // config.seg_max bounds the data descriptors of a request
constexpr u64 kReadOnly = 1ull << 5;   // the device refuses writes
constexpr u64 kBlkSize = 1ull << 6;    // config.blk_size is the logical block size
constexpr u64 kFlush = 1ull << 9;      // FLUSH requests (the device has a write cache)
constexpr u64 kDiscard = 1ull << 13;   // DISCARD requests and the config's discard limits
}  // namespace blk_feature

// struct virtio_blk_config (5.2.4): byte offsets of the fields used.
namespace blk_config {
constexpr u32 kCapacity = 0;              // u64, in 512-byte sectors
constexpr u32 kSizeMax = 8;               // u32
constexpr u32 kSegMax = 12;               // u32
constexpr u32 kBlkSize = 20;              // u32
constexpr u32 kMaxDiscardSectors = 36;    // u32
constexpr u32 kMaxDiscardSegments = 40;   // u32
constexpr u32 kDiscardAlignment = 44;     // u32, in sectors
}  // namespace blk_config

// Request types (5.2.6).
enum class BlkRequest : u32 {
    In = 0,
    Out = 1,
    Flush = 4,
    GetId = 8,
    Discard = 11,
};

// Status byte values.
constexpr u8 kBlkStatusOk = 0;
constexpr u8 kBlkStatusIoError = 1;
constexpr u8 kBlkStatusUnsupported = 2;

// The serial number GET_ID returns: up to 20 bytes, NUL-padded when shorter.
constexpr usize kBlkIdBytes = 20;

// struct virtio_blk_req's leading part.
struct BlkRequestHeader {
    u32 type;
    u32 reserved;
    u64 sector;
};
static_assert(sizeof(BlkRequestHeader) == 16);

// struct virtio_blk_discard_write_zeroes: one range of a DISCARD request's data.
struct BlkDiscardSegment {
    u64 sector;
    u32 sectors;
    u32 flags;  // bit 0 "unmap" is for WRITE_ZEROES only; 0 for DISCARD
};
static_assert(sizeof(BlkDiscardSegment) == 16);

inline BlkRequestHeader blk_header(BlkRequest type, u64 sector) { return {u32(type), 0, sector}; }

// The errno a status byte stands for: none for OK, EIO for IOERR (and for any value the
// spec does not define: the device is not trusted), EOPNOTSUPP for UNSUPP.
Result<void> blk_status_result(u8 status);

// The serial number from GET_ID's 20 bytes: up to the first NUL, printable ASCII only
// (anything else ends it), copied to `out` with a terminating NUL. Returns its length.
usize blk_serial(const u8 (&id)[kBlkIdBytes], char (&out)[kBlkIdBytes + 1]);

}  // namespace virtio
