// Block and inode bitmaps: one bit per block (or inode) of a group, set when in use. The
// allocation helpers of the write path; they change the bitmap bytes only, and the caller
// updates the group's free counts (group_desc.h) and the superblock's (superblock.h).
#pragma once

#include <optional>
#include <span>

#include "base/types.h"

namespace ext4 {

inline bool test_bit(std::span<const u8> bitmap, u32 bit) { return (bitmap[bit / 8] >> (bit % 8)) & 1; }
inline void set_bit(std::span<u8> bitmap, u32 bit) { bitmap[bit / 8] = u8(bitmap[bit / 8] | (1u << (bit % 8))); }
inline void clear_bit(std::span<u8> bitmap, u32 bit) { bitmap[bit / 8] = u8(bitmap[bit / 8] & ~(1u << (bit % 8))); }

// The first clear bit at or after `goal` among the first `count`, wrapping to the start;
// set before it is returned. nullopt when all are set (or `count` does not fit the bitmap).
std::optional<u32> allocate_bit(std::span<u8> bitmap, u32 count, u32 goal = 0);

// Set bits among the first `count`.
u32 count_set_bits(std::span<const u8> bitmap, u32 count);

}  // namespace ext4
