// Big-endian loads and stores of integer fields in byte buffers: network headers
// (libs/net), QEMU's fw_cfg records (libs/fwcfg). Values are host order in variables and
// big-endian only in the bytes.
#pragma once

#include "base/types.h"

inline u16 load_be16(const u8* p) { return static_cast<u16>(p[0] << 8 | p[1]); }
inline u32 load_be32(const u8* p) {
    return static_cast<u32>(p[0]) << 24 | static_cast<u32>(p[1]) << 16 | static_cast<u32>(p[2]) << 8 | p[3];
}
inline u64 load_be64(const u8* p) { return static_cast<u64>(load_be32(p)) << 32 | load_be32(p + 4); }
inline void store_be16(u8* p, u16 v) {
    p[0] = static_cast<u8>(v >> 8);
    p[1] = static_cast<u8>(v);
}
inline void store_be32(u8* p, u32 v) {
    p[0] = static_cast<u8>(v >> 24);
    p[1] = static_cast<u8>(v >> 16);
    p[2] = static_cast<u8>(v >> 8);
    p[3] = static_cast<u8>(v);
}
inline void store_be64(u8* p, u64 v) {
    store_be32(p, static_cast<u32>(v >> 32));
    store_be32(p + 4, static_cast<u32>(v));
}
