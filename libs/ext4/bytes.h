// Little-endian fields of ext4's on-disk structures, read and written at byte offsets.
// Callers check that the offset lies inside the span first; these only assemble bytes.
#pragma once

#include <span>

#include "base/types.h"

namespace ext4 {

inline u16 le16(std::span<const u8> b, usize at) { return u16(b[at] | (b[at + 1] << 8)); }
inline u32 le32(std::span<const u8> b, usize at) {
    return u32(b[at]) | (u32(b[at + 1]) << 8) | (u32(b[at + 2]) << 16) | (u32(b[at + 3]) << 24);
}
inline u64 le64(std::span<const u8> b, usize at) { return le32(b, at) | (u64(le32(b, at + 4)) << 32); }

inline void put16(std::span<u8> b, usize at, u16 v) {
    b[at] = u8(v);
    b[at + 1] = u8(v >> 8);
}
inline void put32(std::span<u8> b, usize at, u32 v) {
    for (int i = 0; i < 4; i++) b[at + i] = u8(v >> (8 * i));
}

}  // namespace ext4
