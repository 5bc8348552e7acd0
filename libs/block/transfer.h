// The arithmetic of block transfers, apart from any device: whether a byte range is a
// valid transfer on a device, the largest request a device's limits allow, and the
// pieces a long transfer is split into. Host-tested (tests/unit/block_transfer_test.cc).
//
//   block::TransferLimits limits{.block_size = 512, .max_segment_bytes = 65536, .max_segments = 2};
//   TRY(block::check_range(offset, length, device_bytes, limits.block_size));
//   for (block::Pieces pieces(length, block::max_request_bytes(limits)); auto piece = pieces.next();)
//       submit(offset + piece->offset, piece->length);
#pragma once

#include <optional>

#include "base/result.h"
#include "base/types.h"

namespace block {

struct TransferLimits {
    u32 block_size = 512;        // the logical block: a power of two, 512 or more
    u32 max_segment_bytes = 0;   // bytes one data descriptor may carry; 0: no limit
    u32 max_segments = 0;        // data descriptors in one request; 0: no limit
    u32 max_request_bytes = 0;   // the driver's own bound on one request; 0: no limit
};

// Whether `block_size` is one a device may have: a power of two from 512 to 64 KiB.
bool valid_block_size(u64 block_size);

// EINVAL when offset or length is not a whole number of blocks, or length is 0;
// EIO when the range does not lie inside the device's `device_bytes` (as the device itself
// answers a request past its end).
Result<void> check_range(u64 offset, u64 length, u64 device_bytes, u32 block_size);

// The most one request may carry: the driver's bound and max_segments full segments, the
// smaller, rounded down to whole blocks; never less than one block.
u64 max_request_bytes(const TransferLimits& limits);

// Data descriptors a request of `length` bytes in contiguous memory needs.
u32 segments_for(u64 length, const TransferLimits& limits);

// A piece of a transfer: bytes [offset, offset + length) of it.
struct Piece {
    u64 offset;
    u64 length;
    bool operator==(const Piece&) const = default;
};

// Splits `length` bytes into pieces of at most `max_piece` (a whole number of blocks when
// the caller's values are), in order; the last takes what is left.
class Pieces {
public:
    Pieces(u64 length, u64 max_piece) : m_length(length), m_max(max_piece ? max_piece : length) {}
    std::optional<Piece> next() {
        if (m_done >= m_length) return std::nullopt;
        u64 take = m_length - m_done < m_max ? m_length - m_done : m_max;
        Piece piece{m_done, take};
        m_done += take;
        return piece;
    }
    u64 count() const { return m_max ? (m_length + m_max - 1) / m_max : 0; }

private:
    u64 m_length;
    u64 m_max;
    u64 m_done = 0;
};

}  // namespace block
